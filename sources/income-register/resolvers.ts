import { linkedPerson } from '../../src/core/links.js';
import { loadersOf, type ModuleContext } from '../../src/core/source-module.js';
import type { IncomeRegisterLoaders } from './connector.js';
import type { Resolvers } from './generated.js';

const loaders = (ctx: ModuleContext) => loadersOf<IncomeRegisterLoaders>(ctx, { name: 'incomeRegister' });

export const incomeRegisterResolvers: Resolvers = {
  Citizen: {
    incomes: (citizen, args, ctx) =>
      loaders(ctx).incomesOfCitizen({ from: args.from ?? null, to: args.to ?? null }).load(citizen.personalNumber),
  },

  IncomeStatement: {
    citizen: (statement, _, ctx) =>
      linkedPerson(statement.personalNumber, ctx, {
        source: 'incomeRegister', table: 'agi_individuppgift', column: 'agi_individuppgift.betalningsmottagare', rowKey: statement.id,
      }),
  },
};
