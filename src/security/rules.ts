/**
 * Field rules as the SDL declares them, read once when the schema is built. The directives are Apollo's:
 * `@authenticated`, `@requiresScopes(scopes:)` and `@policy(policies:)`, each an OR of ANDs; a directive on a
 * type applies to every field of that type, in addition to (AND) the field's own. samgraf adds
 * `@maskedWhenProtected` (silently empty for protected persons without `citizen:protected:read`); what is
 * personal data is read from the SDL by personal-data.ts.
 */
import { getDirective } from '@graphql-tools/utils';
import { isObjectType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { Principal } from '../core/principal.js';
import { recordOwners, type RecordOwners } from './owners.js';

export type { RecordOwners };

export interface FieldRule {
  coordinate: string;
  authenticated: boolean;
  /** Each entry is one directive's OR-of-AND; all entries must hold. */
  scopes: string[][][];
  policies: string[][][];
  maskedWhenProtected: boolean;
  /** The agency that owns records of the field's type, for `own-agency`; null for samgraf's own types. */
  owner: string | null;
}

export type PolicyName = 'self' | 'own-agency' | 'staff' | 'citizen';

export const POLICIES: Readonly<Record<PolicyName, { description: string; holds(principal: Principal, parent: unknown, owner: string | null): boolean }>> = {
  self: {
    description: 'a citizen reading their own data',
    holds: (principal, parent) => principal.type === 'CITIZEN' && subjectOf(parent) === principal.subject,
  },
  'own-agency': {
    description: 'staff of the organisation that owns the record (the agency of the source that defines its type)',
    holds: (principal, _parent, owner) => principal.type !== 'CITIZEN' && owner !== null && principal.organization === owner,
  },
  staff: {
    description: 'any staff or partner principal (JWT staff or API key), not a citizen',
    holds: (principal) => principal.type !== 'CITIZEN',
  },
  citizen: {
    description: 'a citizen principal (their own access log)',
    holds: (principal) => principal.type === 'CITIZEN',
  },
};

function subjectOf(parent: unknown): string | null {
  const pnr = (parent as { personalNumber?: unknown } | null)?.personalNumber;
  return typeof pnr === 'string' ? pnr : null;
}

export function readFieldRules(schema: GraphQLSchema, owners: RecordOwners = recordOwners()): Map<string, FieldRule> {
  const rules = new Map<string, FieldRule>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = ruleOf(schema, type, field, owners.get(type.name) ?? null);
      if (rule) rules.set(rule.coordinate, rule);
    }
  }
  return rules;
}

function ruleOf(schema: GraphQLSchema, type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, owner: string | null): FieldRule | null {
  const coordinate = `${type.name}.${field.name}`;
  const on = [type, field] as const;
  const directive = (name: string) => on.flatMap((node) => getDirective(schema, node, name) ?? []);
  const scopes = directive('requiresScopes').map((d) => d.scopes as string[][]);
  const policies = directive('policy').map((d) => d.policies as string[][]);
  for (const name of policies.flat(2)) {
    if (!(name in POLICIES)) throw new Error(`${coordinate}: unknown policy "${name}"`);
  }
  const authenticated = directive('authenticated').length > 0 || scopes.length > 0 || policies.length > 0;
  if (!authenticated) return null;
  return {
    coordinate,
    authenticated,
    scopes,
    policies,
    maskedWhenProtected: directive('maskedWhenProtected').length > 0,
    owner,
  };
}

/**
 * True when the principal may read the field on this parent. It runs for every field of every object served,
 * so it is plain loops: closures here would be allocated thousands of times per request.
 */
export function allows(rule: FieldRule, principal: Principal | null, parent: unknown): boolean {
  if (principal === null) return false;
  for (const anyOf of rule.scopes) {
    if (!holdsAnyScopes(anyOf, principal)) return false;
  }
  for (const anyOf of rule.policies) {
    if (!holdsAnyPolicies(anyOf, principal, parent, rule.owner)) return false;
  }
  return true;
}

function holdsAnyScopes(anyOf: readonly string[][], principal: Principal): boolean {
  for (const allOf of anyOf) {
    let holds = true;
    for (const scope of allOf) {
      if (!principal.scopes.has(scope)) {
        holds = false;
        break;
      }
    }
    if (holds) return true;
  }
  return false;
}

function holdsAnyPolicies(anyOf: readonly string[][], principal: Principal, parent: unknown, owner: string | null): boolean {
  for (const allOf of anyOf) {
    let holds = true;
    for (const name of allOf) {
      if (!POLICIES[name as PolicyName].holds(principal, parent, owner)) {
        holds = false;
        break;
      }
    }
    if (holds) return true;
  }
  return false;
}
