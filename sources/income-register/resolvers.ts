import { linkedPerson } from '../../src/core/links.js';
import { loadersOf, type ModuleContext, type PersonRecord } from '../../src/core/source-module.js';
import type { IncomeRegisterLoaders } from './connector.js';
import type { IncomeStatement } from './types.js';

const loaders = (ctx: ModuleContext) => loadersOf<IncomeRegisterLoaders>(ctx, { name: 'incomeRegister' });

export const incomeRegisterResolvers = {
  Citizen: {
    incomes: (citizen: PersonRecord, args: { from?: string | null; to?: string | null }, ctx: ModuleContext) =>
      loaders(ctx).incomesOfCitizen({ from: args.from ?? null, to: args.to ?? null }).load(citizen.personalNumber),
  },

  IncomeStatement: {
    citizen: (statement: IncomeStatement, _: unknown, ctx: ModuleContext) =>
      linkedPerson(statement.personalNumber, ctx, {
        source: 'incomeRegister', table: 'agi_individuppgift', column: 'agi_individuppgift.betalningsmottagare', rowKey: statement.id,
      }),
  },
};
