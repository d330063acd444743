/**
 * Each field's rules are said in its description, so introspection (and the IDE's docs pane) shows what a field
 * needs. The expectations are read from the SDL itself — directives on the field and on its type, definitions
 * and extensions alike — not from the code that writes the line, so a line that left out or invented a scope or
 * policy, or lost a field's own description, fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  getIntrospectionQuery, graphqlSync, Kind, parse, type ConstDirectiveNode, type ConstValueNode, type IntrospectionQuery, type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import { buildSchema, loadTypeDefs } from '../src/schema.js';
import { readPersonalData } from '../src/security/personal-data.js';
import { describeFieldRules } from '../src/security/rules-text.js';

interface DeclaredField {
  description: string | undefined;
  scopes: Set<string>;
  policies: Set<string>;
  /** Any of @authenticated, @requiresScopes, @policy on the field or its type. */
  ruled: boolean;
  masked: boolean;
  category: string | undefined;
}

const strings = (value: ConstValueNode): string[] => {
  if (value.kind === Kind.STRING) return [value.value];
  if (value.kind === Kind.LIST) return value.values.flatMap(strings);
  return [];
};
const argument = (directive: ConstDirectiveNode, name: string) => directive.arguments?.find((arg) => arg.name.value === name)?.value;
const namesIn = (directives: readonly ConstDirectiveNode[], directive: string, arg: string) =>
  directives.filter((d) => d.name.value === directive).flatMap((d) => strings(argument(d, arg)!));
const RULES = new Set(['authenticated', 'requiresScopes', 'policy']);

/** Every object field the SDL declares, with what its directives (and its type's) say. */
function declaredFields(): Map<string, DeclaredField> {
  const definitions = loadTypeDefs().flatMap((sdl) => parse(sdl).definitions)
    .filter((d): d is ObjectTypeDefinitionNode | ObjectTypeExtensionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION);
  const typeDirectives = new Map<string, ConstDirectiveNode[]>();
  for (const definition of definitions) {
    typeDirectives.set(definition.name.value, [...typeDirectives.get(definition.name.value) ?? [], ...definition.directives ?? []]);
  }
  const fields = new Map<string, DeclaredField>();
  for (const definition of definitions) {
    const onType = typeDirectives.get(definition.name.value)!;
    const personalData = onType.find((d) => d.name.value === 'personalData');
    for (const field of definition.fields ?? []) {
      const own = field.directives ?? [];
      const all = [...onType, ...own];
      const category = own.find((d) => d.name.value === 'category');
      fields.set(`${definition.name.value}.${field.name.value}`, {
        description: field.description?.value,
        scopes: new Set(namesIn(all, 'requiresScopes', 'scopes')),
        policies: new Set(namesIn(all, 'policy', 'policies')),
        ruled: all.some((d) => RULES.has(d.name.value)),
        masked: own.some((d) => d.name.value === 'maskedWhenProtected'),
        category: personalData && (category ? (argument(category, 'name') as { value: string }).value : undefined),
      });
    }
  }
  return fields;
}

/** `Type.field` → its description as introspection serves it. */
function introspectedDescriptions(schema = buildSchema()): Map<string, string | null> {
  const result = graphqlSync({ schema, source: getIntrospectionQuery() });
  assert.equal(result.errors, undefined);
  const descriptions = new Map<string, string | null>();
  for (const type of (result.data as unknown as IntrospectionQuery).__schema.types) {
    if (type.kind !== 'OBJECT' || type.name.startsWith('__')) continue;
    for (const field of type.fields) descriptions.set(`${type.name}.${field.name}`, field.description ?? null);
  }
  return descriptions;
}

const described = introspectedDescriptions();
const declared = declaredFields();
const personalTypes = new Set(loadTypeDefs().flatMap((sdl) => parse(sdl).definitions).flatMap((d) =>
  (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && d.directives?.some((x) => x.name.value === 'personalData') ? [d.name.value] : []));

/** The rules line: the description's last paragraph. */
function rulesLine(coordinate: string): string {
  const description = described.get(coordinate);
  assert.ok(description, `${coordinate} has a description`);
  return description.split('\n\n').at(-1)!;
}

/** The names a line puts in code spans: scopes and policies. */
const codeSpans = (line: string) => new Set([...line.matchAll(/`([^`]+)`/g)].map((match) => match[1]!));

describe('the docs show each field\'s rules (introspected descriptions)', () => {
  it('Case.notes names case:notes:read and own-agency; Citizen.address names citizen:address:read and says it is personal data', () => {
    const notes = rulesLine('Case.notes');
    assert.match(notes, /^Access: /);
    assert.ok(notes.includes('`case:notes:read`') && notes.includes('`own-agency`'), notes);
    // Case's own rule holds too (a type's directive is AND-ed with the field's), so the line says both.
    assert.ok(notes.includes('`case:read`') && notes.includes('`staff`') && notes.includes('`self`'), notes);
    const address = rulesLine('Citizen.address');
    assert.ok(address.includes('`citizen:address:read`'), address);
    assert.match(address, /personal data \(ADDRESS\)/);
    assert.match(address, /masked for protected persons/);
  });

  it('a root field that reaches personal data says a purpose is required', () => {
    assert.match(rulesLine('Query.citizen'), /personal data: purpose required/);
    assert.doesNotMatch(rulesLine('Query.me'), /personal data/);
  });

  it('every field with a rule directive gets a line naming exactly the scopes and policies its SDL declares, after its own description', () => {
    assert.ok(declared.size > 100, `${declared.size} fields declared`);
    for (const [coordinate, field] of declared) {
      assert.ok(field.ruled, `${coordinate} carries a rule in the SDL`);
      const description = described.get(coordinate);
      assert.ok(description, `${coordinate} is served with a description`);
      if (field.description) assert.ok(description.startsWith(`${field.description}\n\n`), `${coordinate} keeps its description: ${description}`);
      const line = rulesLine(coordinate);
      assert.match(line, /^Access: .+\.$/, coordinate);
      const expected = new Set([...field.scopes, ...field.policies, ...field.masked ? ['citizen:protected:read'] : []]);
      assert.deepEqual(codeSpans(line), expected, `${coordinate}: ${line}`);
      if (field.scopes.size === 0 && field.policies.size === 0) assert.match(line, /any authenticated caller/, coordinate);
      if (field.scopes.size === 0) assert.doesNotMatch(line, /scopes/, coordinate);
      if (field.policies.size === 0) assert.doesNotMatch(line, /policies/, coordinate);
      assert.equal(line.includes('masked for protected persons'), field.masked, `${coordinate}: ${line}`);
    }
  });

  it('every field of a @personalData type says it is personal data, in its @category where it has one', () => {
    let personal = 0;
    for (const [coordinate, field] of declared) {
      if (!personalTypes.has(coordinate.split('.')[0]!)) continue;
      personal += 1;
      const line = rulesLine(coordinate);
      assert.match(line, /personal data \([A-Z_]+\)[^;]*access-logged/, `${coordinate}: ${line}`);
      if (field.category) assert.ok(line.includes(`personal data (${field.category})`), `${coordinate}: ${line}`);
    }
    assert.ok(personal > 20, `${personal} fields of personal types`);
  });

  it('a field without any rule says so', () => {
    const typeDefs = [
      'directive @authenticated on FIELD_DEFINITION | OBJECT',
      'directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT',
      'type Query { "Open to all." open: String, closed: String @requiresScopes(scopes: [["a:read", "b:read"], ["c:read"]]) }',
    ];
    const schema = makeExecutableSchema({ typeDefs });
    const docs = introspectedDescriptions(describeFieldRules(schema, { owners: new Map(), personal: readPersonalData(schema) }));
    assert.match(docs.get('Query.open')!, /^Open to all\.\n\nAccess: no rule: anyone may read it, even without credentials\.$/);
    // Outer list OR, inner list AND, as Apollo Router reads them.
    assert.equal(docs.get('Query.closed'), 'Access: scopes (`a:read` AND `b:read`) OR `c:read`.');
  });
});
