/**
 * A part's executable subgraph schema: its subgraph SDL (subgraph-sdl.ts) with the resolvers the single server
 * uses for the same fields, and the same security facts enforced in the same place (security/enforce.ts). A
 * subgraph is authoritative: called directly, it serves, denies, masks and withholds exactly what the single
 * server would for its fields.
 *
 * What federation adds is the road in through `_entities`: a representation is whatever its sender wrote
 * (docs/federation.md), so the person type's `__resolveReference` trusts only the key, looks the
 * person up in the register of persons, and withholds a person out of the caller's rows as enforce.ts does.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { accessLogResolvers } from '../access-log/resolvers.js';
import { followUpResolvers } from '../follow-up/resolvers.js';
import type { RequestContext } from '../context.js';
import { hasValidCheckDigit } from '../core/personal-number.js';
import { scalarResolvers } from '../core/scalars.js';
import type { PersonRecord, SourceModule } from '../core/source-module.js';
import { canSee, isRowRestricted } from '../core/visibility.js';
import { enforceFieldRules } from '../security/enforce.js';
import { meResolvers } from '../security/me.js';
import { recordOwners } from '../security/owners.js';
import { readPersonalData } from '../security/personal-data.js';
import { SAMGRAF_PART } from './parts.js';
import { PERSON_KEY, subgraphSdl } from './subgraph-sdl.js';

type Resolvers = Readonly<Record<string, unknown>>;
type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>;

export function buildPartSchema(part: string, modules: readonly SourceModule[] = SOURCE_MODULES): GraphQLSchema {
  const register = modules.find((module) => module.people !== undefined)!;
  const personType = register.people!.typeName;
  const own: Resolvers[] = part === SAMGRAF_PART
    ? [meResolvers, accessLogResolvers, followUpResolvers as Resolvers]
    : [modules.find((module) => module.name === part)!.resolvers, { [personType]: { __resolveReference: resolvePerson } }];
  const schema = buildSubgraphSchema({ typeDefs: subgraphSdl(part, modules).typeDefs, resolvers: mergeResolvers([scalarResolvers, ...own]) as SubgraphModule['resolvers'] });
  const keyFields = new Set([`${personType}.${PERSON_KEY}`]);
  return enforceFieldRules(schema, { owners: recordOwners(modules), personal: readPersonalData(schema), personType, keyFields });
}

const TWELVE_DIGITS = /^\d{12}$/;

/**
 * The person a representation names, or null. Only the key is read: a representation's other fields (a
 * protection state, a municipality) are the sender's claims. A key that is no valid 12-digit personal number
 * names nobody, and the register is not asked about it.
 */
export async function resolvePerson(reference: Readonly<Record<string, unknown>>, ctx: RequestContext): Promise<PersonRecord | null> {
  const personalNumber = reference[PERSON_KEY];
  if (typeof personalNumber !== 'string' || !TWELVE_DIGITS.test(personalNumber) || !hasValidCheckDigit(personalNumber)) return null;
  const person = await ctx.people.person.load(personalNumber);
  if (person === null || ctx.principal === null || !isRowRestricted(ctx.principal) || canSee(ctx.principal, person)) return person;
  ctx.access.withhold(personalNumber);
  return null;
}

/** One resolver map from several: a type's resolvers from each, merged field by field (later maps win). */
function mergeResolvers(maps: readonly Resolvers[]): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [typeName, resolvers] of Object.entries(map)) {
      // A scalar's resolver is the GraphQLScalarType itself: kept whole, not spread into fields.
      merged[typeName] = isPlainObject(resolvers) ? { ...merged[typeName], ...resolvers } : resolvers as Record<string, unknown>;
    }
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
