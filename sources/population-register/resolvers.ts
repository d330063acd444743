import type { CursorList } from '../../src/core/cursor.js';
import { BadUserInputError } from '../../src/core/errors.js';
import { afterArgument, pageSizeArgument, personalNumberArgument } from '../../src/core/arguments.js';
import { isValidPersonalNumber } from '../../src/core/personal-number.js';
import { loadersOf, type ModuleContext } from '../../src/core/source-module.js';
import type { PopulationRegisterLoaders } from './connector.js';
import type { Resolvers } from './generated.js';

const MAX_BATCH = 100;

/** A cursor pages only the municipality it was issued for. */
export const municipalityList = (code: string): CursorList => ({ kind: 'citizens-by-municipality', scope: code });

const loaders = (ctx: ModuleContext) => loadersOf<PopulationRegisterLoaders>(ctx, { name: 'populationRegister' });

export const populationRegisterResolvers: Resolvers = {
  Query: {
    citizen: (_, args, ctx) =>
      loaders(ctx).citizen.load(personalNumberArgument(args.personalNumber, 'personalNumber')),

    citizens: (_, args, ctx) => {
      if (args.personalNumbers.length > MAX_BATCH) throw new BadUserInputError(`personalNumbers: at most ${MAX_BATCH} per request`);
      const numbers = args.personalNumbers.map((value, i) => personalNumberArgument(value, `personalNumbers[${i}]`));
      return Promise.all(numbers.map((pnr) => loaders(ctx).citizen.load(pnr)));
    },

    citizensByMunicipality: async (_, args, ctx) => {
      if (!/^\d{4}$/.test(args.code)) throw new BadUserInputError('code: a municipality code is 4 digits, e.g. 0180');
      const limit = pageSizeArgument(args.first);
      const list = municipalityList(args.code);
      const after = afterArgument(ctx.cursors, list, args.after, (position) => (isValidPersonalNumber(position) ? position : null));
      const page = await loaders(ctx).municipalityPage(args.code, after, limit);
      const cursorAt = (personalNumber: string) => ctx.cursors.encode(list, personalNumber);
      return {
        edges: page.citizens.map((node) => ({ cursor: cursorAt(node.personalNumber), node })),
        pageInfo: { hasNextPage: page.hasMore, endCursor: page.lastNumber === null ? null : cursorAt(page.lastNumber) },
      };
    },
  },

  Citizen: {
    relations: (citizen, _, ctx) => loaders(ctx).relations.load(citizen.personalNumber),
  },

  Relation: {
    citizen: (relation, _, ctx) => loaders(ctx).citizen.load(relation.linkedPersonalNumber),
  },
};
