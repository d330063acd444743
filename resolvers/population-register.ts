import type { Citizen, Relation } from '../src/domain/types.js';
import type { RequestContext } from '../src/context.js';
import { BadUserInputError } from '../src/errors.js';
import { isValidPersonalNumber } from '../src/domain/personal-number.js';
import { municipalityList } from '../src/cursor.js';
import { afterArgument, pageSizeArgument, personalNumberArgument } from './arguments.js';

const MAX_BATCH = 100;

export const populationRegisterResolvers = {
  Query: {
    citizen: (_: unknown, args: { personalNumber: string }, ctx: RequestContext) =>
      ctx.loaders.populationRegister.citizen.load(personalNumberArgument(args.personalNumber, 'personalNumber')),

    citizens: (_: unknown, args: { personalNumbers: string[] }, ctx: RequestContext) => {
      if (args.personalNumbers.length > MAX_BATCH) throw new BadUserInputError(`personalNumbers: at most ${MAX_BATCH} per request`);
      const numbers = args.personalNumbers.map((value, i) => personalNumberArgument(value, `personalNumbers[${i}]`));
      return Promise.all(numbers.map((pnr) => ctx.loaders.populationRegister.citizen.load(pnr)));
    },

    citizensByMunicipality: async (_: unknown, args: { code: string; first?: number | null; after?: string | null }, ctx: RequestContext) => {
      if (!/^\d{4}$/.test(args.code)) throw new BadUserInputError('code: a municipality code is 4 digits, e.g. 0180');
      const limit = pageSizeArgument(args.first);
      // A cursor pages only the municipality it was issued for.
      const list = municipalityList(args.code);
      const after = afterArgument(ctx.cursors, list, args.after, (position) => (isValidPersonalNumber(position) ? position : null));
      const page = await ctx.loaders.populationRegister.municipalityPage(args.code, after, limit);
      const cursorAt = (personalNumber: string) => ctx.cursors.encode(list, personalNumber);
      return {
        edges: page.citizens.map((node) => ({ cursor: cursorAt(node.personalNumber), node })),
        pageInfo: { hasNextPage: page.hasMore, endCursor: page.lastNumber === null ? null : cursorAt(page.lastNumber) },
      };
    },
  },

  Citizen: {
    relations: (citizen: Citizen, _: unknown, ctx: RequestContext) =>
      ctx.loaders.populationRegister.relations.load(citizen.personalNumber),
  },

  Relation: {
    citizen: (relation: Relation, _: unknown, ctx: RequestContext) =>
      ctx.loaders.populationRegister.citizen.load(relation.relatedPersonalNumber),
  },
};
