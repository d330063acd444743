/**
 * Field rules said in words, for people: the line each field's description ends with in the served schema (so
 * introspection, and the IDE's docs pane, show what a field needs), and the cells of `samgraf policy matrix`.
 * Both are worded from the FieldRule that enforcement itself reads (rules.ts), so the docs cannot claim less or
 * more than is enforced; and from the personal-data facts the access log records by (personal-data.ts).
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { getNamedType, type GraphQLSchema } from 'graphql';
import { categoryOfReturned, servedField } from '../access-log/record.js';
import type { PersonalDataFacts } from './personal-data.js';
import { readFieldRules, type FieldRule, type RecordOwners } from './rules.js';

/** The word a field description's rules line starts with: a reader of the docs finds the rules by it. */
export const ACCESS_LINE_PREFIX = 'Access:';

const masked = (name: (word: string) => string) => `masked for protected persons without ${name('citizen:protected:read')}`;
export const MASKED_NOTE = masked((word) => word);
export const PERSONAL_ROOT_NOTE = 'personal data: purpose required, access-logged';

/** `[["a","b"],["c"]]` → `(a AND b) OR c`: one directive's OR of ANDs. */
export function anyOf(sets: readonly (readonly string[])[], name: (word: string) => string = (word) => word): string {
  return sets.map((set) => (set.length > 1 ? `(${set.map(name).join(' AND ')})` : name(set[0] ?? ''))).join(' OR ');
}

/**
 * Every directive that applies to a field (its type's and its own), all of which must hold; `-` for none. An
 * OR inside an AND of several is bracketed: `[staff OR self] AND own-agency`. The same directive on a type and
 * its field (`benefit:amount:read` on Payment and Payment.amount) is said once: X AND X is X.
 */
export function allOf(all: readonly (readonly (readonly string[])[])[], name?: (word: string) => string): string {
  if (all.length === 0) return '-';
  const entries = [...new Map(all.map((sets) => [JSON.stringify(sets), sets])).values()];
  return entries.map((sets) => (entries.length > 1 && sets.length > 1 ? `[${anyOf(sets, name)}]` : anyOf(sets, name))).join(' AND ');
}

export interface RulesTextFacts {
  rules: ReadonlyMap<string, FieldRule>;
  personal: PersonalDataFacts;
  /** Types that are only ever part of a person's data (an address, a payment): src/schema.ts works them out. */
  partsOfPersonalData?: ReadonlySet<string>;
}

const code = (word: string) => `\`${word}\``;

/**
 * What reading `Type.field` needs and means, in one line of Markdown, e.g. "Access: scopes `case:read` AND
 * `case:notes:read`; policies [`staff` OR `self`] AND `own-agency`; personal data (CASES), access-logged." It
 * depends only on the SDL, so it is the same on every machine and every start.
 */
export function accessLine(coordinate: string, returnedType: string, facts: RulesTextFacts): string {
  const rule = facts.rules.get(coordinate);
  if (rule === undefined) return `${ACCESS_LINE_PREFIX} no rule: anyone may read it, even without credentials.`;
  const parts: string[] = [];
  if (rule.scopes.length === 0 && rule.policies.length === 0) parts.push('any authenticated caller');
  if (rule.scopes.length > 0) parts.push(`scopes ${allOf(rule.scopes, code)}`);
  if (rule.policies.length > 0) parts.push(`policies ${allOf(rule.policies, code)}`);
  if (rule.maskedWhenProtected) parts.push(masked(code));
  const personal = personalDataNote(coordinate, returnedType, facts);
  if (personal !== null) parts.push(personal);
  return `${ACCESS_LINE_PREFIX} ${parts.join('; ')}.`;
}

/** Whether personal data is behind a field, as the access log sees it; null where it records no person. */
function personalDataNote(coordinate: string, returnedType: string, facts: RulesTextFacts): string | null {
  const { personal } = facts;
  if (personal.personalRootFields.has(coordinate)) return PERSONAL_ROOT_NOTE;
  const [typeName, fieldName] = coordinate.split('.') as [string, string];
  const served = servedField(typeName, fieldName, personal).subjects;
  // The access log counts an event's every field as a read of everyone the event names (access-log/record.ts).
  if (served?.of === 'event') return 'personal data (ACCESS_LOG) of everyone the event names, access-logged';
  if (served?.of === 'finding') return 'personal data (ACCESS_LOG) of everyone the finding is about, access-logged';
  if (served?.of === 'parent') return `personal data (${served.category}), access-logged`;
  const returned = categoryOfReturned(returnedType, personal);
  if (returned !== null) return `returns personal data (${returned}), access-logged`;
  if (facts.partsOfPersonalData?.has(typeName)) return 'part of a person\'s data';
  return null;
}

/**
 * The schema with every object field's description ending in its rules line (after any description it has),
 * so introspection carries the rules. Resolvers are kept as they are.
 */
export function describeFieldRules(schema: GraphQLSchema, facts: Omit<RulesTextFacts, 'rules'> & { owners: RecordOwners }): GraphQLSchema {
  const textFacts: RulesTextFacts = { ...facts, rules: readFieldRules(schema, facts.owners) };
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const line = accessLine(`${typeName}.${fieldName}`, getNamedType(fieldConfig.type).name, textFacts);
      return { ...fieldConfig, description: fieldConfig.description ? `${fieldConfig.description}\n\n${line}` : line };
    },
  });
}
