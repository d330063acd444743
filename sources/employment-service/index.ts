/** The employment service (Arbetsförmedlingen, AF): job-seeker cases and individual action plans. */
import { readSdl } from '../../src/core/paths.js';
import { employmentServiceChanges } from './changes.js';
import type { SourceModule } from '../../src/core/source-module.js';
import { createEmploymentServiceLoaders, type EmploymentServiceLoaders } from './connector.js';
import { employmentServiceResolvers } from './resolvers.js';
import { employmentServiceSeed } from './seed.js';
import { createEmploymentServiceTables, UTF8MB4 } from './tables.js';

export const employmentService: SourceModule<EmploymentServiceLoaders> = {
  name: 'employmentService',
  agency: 'AF',
  title: 'Employment service (Arbetsförmedlingen)',
  typeDefs: readSdl('sources/employment-service/schema.graphql'),
  resolvers: employmentServiceResolvers,
  scopes: [
    { name: 'case:read', description: 'job-seeker cases and action plans', citizen: true },
    // The agency's own working notes: not for the person, whose own case it is.
    { name: 'case:notes:read', description: 'case notes (with the own-agency policy)', citizen: false },
  ],
  required: true,
  dialect: 'mysql',
  charset: UTF8MB4,
  createTables: createEmploymentServiceTables,
  seed: employmentServiceSeed,
  changes: employmentServiceChanges,
  createLoaders: createEmploymentServiceLoaders,
};
