import type { RequestContext } from '../src/context.js';

export const principalResolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: RequestContext) => ({ ...ctx.principal!, scopes: [...ctx.principal!.scopes].sort() }),
  },
};
