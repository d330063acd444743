/** The population register (Skatteverket, SKV): persons and their relations. It is the register of persons. */
import { readSdl } from '../../src/core/paths.js';
import { populationRegisterChanges } from './changes.js';
import type { SourceModule } from '../../src/core/source-module.js';
import { createPopulationRegisterLoaders, type PopulationRegisterLoaders } from './connector.js';
import { populationRegisterResolvers } from './resolvers.js';
import { populationRegisterSeed } from './seed.js';
import { createPopulationRegisterTables, LATIN1 } from './tables.js';
import { closeness } from './closeness.js';

export const populationRegister: SourceModule<PopulationRegisterLoaders> = {
  name: 'populationRegister',
  agency: 'SKV',
  title: 'Population register (Skatteverket)',
  typeDefs: readSdl('sources/population-register/schema.graphql'),
  resolvers: populationRegisterResolvers,
  scopes: [
    { name: 'citizen:read', description: 'identity fields', citizen: true },
    { name: 'citizen:address:read', description: 'address and municipality', citizen: true },
    { name: 'citizen:relations:read', description: 'guardians, children and spouses', citizen: true },
    { name: 'citizen:protected:read', description: 'the real data of persons with a protected identity', citizen: true },
  ],
  required: true,
  dialect: 'mysql',
  charset: LATIN1,
  createTables: createPopulationRegisterTables,
  seed: populationRegisterSeed,
  changes: populationRegisterChanges,
  createLoaders: createPopulationRegisterLoaders,
  people: { typeName: 'Citizen', person: (loaders) => loaders.citizen, closeness },
};
