import type { Resolvers } from './generated.js';

/** `me`: who the server thinks the caller is. */
export const meResolvers: Resolvers = {
  Query: {
    me: (_, __, ctx) => ({ ...ctx.principal!, scopes: [...ctx.principal!.scopes].sort() }),
  },
};
