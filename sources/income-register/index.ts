/** The income register (Skatteverket, SKV, AGI): employers' monthly pay statements per person, on PostgreSQL. */
import { readSdl } from '../../src/core/paths.js';
import { incomeRegisterChanges } from './changes.js';
import type { SourceModule } from '../../src/core/source-module.js';
import { createIncomeRegisterLoaders, IncomeRegister, type IncomeRegisterLoaders } from './connector.js';
import { incomeRegisterResolvers } from './resolvers.js';
import { incomeRegisterSeed } from './seed.js';
import { createIncomeRegisterTables } from './tables.js';

export const incomeRegister: SourceModule<IncomeRegisterLoaders> = {
  name: 'incomeRegister',
  agency: 'SKV',
  title: 'Income register (Skatteverket)',
  typeDefs: readSdl('sources/income-register/schema.graphql'),
  resolvers: incomeRegisterResolvers,
  scopes: [{ name: 'income:read', description: 'income statements', citizen: true }],
  // Added after the first release: a deployment without it still serves everything else, and `incomes`
  // answers SOURCE_UNAVAILABLE naming it.
  required: false,
  dialect: 'postgres',
  createTables: createIncomeRegisterTables,
  seed: incomeRegisterSeed,
  changes: incomeRegisterChanges,
  createLoaders: createIncomeRegisterLoaders,
  unlinkableRows: (source) => new IncomeRegister(source).unlinkableRows(),
};
