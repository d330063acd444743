/**
 * Composes the agencies' SDL modules and resolvers into one executable schema. Each agency's module owns its
 * types; the population register owns Citizen and the others extend it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { employmentServiceResolvers } from '../resolvers/employment-service.js';
import { populationRegisterResolvers } from '../resolvers/population-register.js';
import { scalarResolvers } from '../resolvers/scalars.js';
import { socialInsuranceResolvers } from '../resolvers/social-insurance.js';
import { schemaDir } from './paths.js';

export const SCHEMA_MODULES = ['base', 'population-register', 'social-insurance', 'employment-service'] as const;

export function loadTypeDefs(): string[] {
  return SCHEMA_MODULES.map((name) => readFileSync(join(schemaDir, `${name}.graphql`), 'utf8'));
}

export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [scalarResolvers, populationRegisterResolvers, socialInsuranceResolvers, employmentServiceResolvers],
  });
}
