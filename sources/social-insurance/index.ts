/** Social insurance (Försäkringskassan, FK): benefit decisions and their payments. */
import { readSdl } from '../../src/core/paths.js';
import { socialInsuranceChanges } from './changes.js';
import type { SourceModule } from '../../src/core/source-module.js';
import { createSocialInsuranceLoaders, type SocialInsuranceLoaders } from './connector.js';
import { socialInsuranceResolvers } from './resolvers.js';
import { socialInsuranceSeed } from './seed.js';
import { createSocialInsuranceTables, UTF8MB3 } from './tables.js';

export const socialInsurance: SourceModule<SocialInsuranceLoaders> = {
  name: 'socialInsurance',
  agency: 'FK',
  title: 'Social insurance (Försäkringskassan)',
  typeDefs: readSdl('sources/social-insurance/schema.graphql'),
  resolvers: socialInsuranceResolvers,
  scopes: [
    { name: 'benefit:read', description: 'benefit decisions', citizen: true },
    { name: 'benefit:amount:read', description: 'amounts and payments of benefits', citizen: true },
  ],
  required: true,
  dialect: 'mysql',
  charset: UTF8MB3,
  createTables: createSocialInsuranceTables,
  seed: socialInsuranceSeed,
  changes: socialInsuranceChanges,
  createLoaders: createSocialInsuranceLoaders,
};
