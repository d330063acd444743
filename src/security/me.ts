import type { RequestContext } from '../context.js';

/** `me`: who the server thinks the caller is. */
export const meResolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: RequestContext) => ({ ...ctx.principal!, scopes: [...ctx.principal!.scopes].sort() }),
  },
};
