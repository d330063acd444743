/**
 * Composes the agencies' SDL modules and resolvers into one executable schema. Each agency's module owns its
 * types; the population register owns Citizen and the others extend it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { accessLogResolvers } from '../resolvers/access-log.js';
import { employmentServiceResolvers } from '../resolvers/employment-service.js';
import { populationRegisterResolvers } from '../resolvers/population-register.js';
import { principalResolvers } from '../resolvers/principal.js';
import { scalarResolvers } from '../resolvers/scalars.js';
import { socialInsuranceResolvers } from '../resolvers/social-insurance.js';
import { schemaDir } from './paths.js';
import { enforceFieldRules } from './security/enforce.js';

export const SCHEMA_MODULES = ['base', 'principal', 'population-register', 'social-insurance', 'employment-service', 'access-log'] as const;

export function loadTypeDefs(): string[] {
  return SCHEMA_MODULES.map((name) => readFileSync(join(schemaDir, `${name}.graphql`), 'utf8'));
}

/** The schema as declared, without resolvers: what `samgraf policy matrix` and the rule tests read. */
export function buildDeclaredSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs() });
}

/** The executable schema, with the SDL's field rules enforced around every resolver. */
export function buildSchema(): GraphQLSchema {
  return enforceFieldRules(makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [scalarResolvers, principalResolvers, populationRegisterResolvers, socialInsuranceResolvers, employmentServiceResolvers, accessLogResolvers],
  }));
}
