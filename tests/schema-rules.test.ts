/** The schema's security declarations: every field has a rule, and what a rule can deny is nullable. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isNonNullType, isObjectType } from 'graphql';
import { buildDeclaredSchema, buildSchema } from '../src/schema.js';
import { readFieldRules } from '../src/security/rules.js';
import { repoRoot } from './helpers/repo.js';

const schema = buildDeclaredSchema();
const rules = readFieldRules(schema);
const objectTypes = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith('__'));

describe('schema security declarations', () => {
  it('every field of every object type carries a rule (@authenticated, @requiresScopes or @policy, on it or its type)', () => {
    const missing = objectTypes.flatMap((type) => Object.keys((type as any).getFields()).map((field) => `${type.name}.${field}`))
      .filter((coordinate) => !rules.has(coordinate));
    assert.deepEqual(missing, []);
  });

  it('every field a scope or policy can deny is nullable, so a denial never nulls its parent', () => {
    const nonNull = [...rules.values()]
      .filter((rule) => rule.scopes.length > 0 || rule.policies.length > 0)
      .filter((rule) => {
        const [typeName, fieldName] = rule.coordinate.split('.') as [string, string];
        const type = schema.getType(typeName);
        return isObjectType(type) && isNonNullType(type.getFields()[fieldName]!.type) && typeName !== 'Query';
      })
      .map((rule) => rule.coordinate);
    assert.deepEqual(nonNull, []);
  });

  it('the contract\'s rule for Case.notes: case:notes:read and own-agency', () => {
    const notes = rules.get('Case.notes')!;
    assert.ok(notes.scopes.some((anyOf) => anyOf.length === 1 && anyOf[0]!.length === 1 && anyOf[0]![0] === 'case:notes:read'));
    assert.ok(notes.policies.some((anyOf) => anyOf.length === 1 && anyOf[0]!.join() === 'own-agency'));
  });

  it('an unknown policy name in the SDL stops the schema from building', async () => {
    const { makeExecutableSchema } = await import('@graphql-tools/schema');
    const bad = makeExecutableSchema({ typeDefs: [
      'directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT',
      'type Query { x: String @policy(policies: [["everyone"]]) }',
    ] });
    assert.throws(() => readFieldRules(bad), /Query\.x: unknown policy "everyone"/);
    assert.ok(buildSchema());
  });

  it('samgraf policy matrix prints every ruled field, as text and as JSON', () => {
    const cli = join(repoRoot, 'dist', 'src', 'cli.js');
    const json = spawnSync(process.execPath, [cli, 'policy', 'matrix', '--format', 'json'], { encoding: 'utf8' });
    assert.equal(json.status, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { field: string; scopes: string[][][]; policies: string[][][] }[];
    assert.deepEqual(rows.map((r) => r.field).sort(), [...rules.keys()].sort());
    assert.deepEqual(rows.find((r) => r.field === 'Case.notes')?.policies, [[['staff'], ['self']], [['own-agency']]]);
    const text = spawnSync(process.execPath, [cli, 'policy', 'matrix'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^Case\.notes\s+case:read AND case:notes:read\s+\[staff OR self\] AND own-agency/m);
    assert.match(text.stdout, /^Citizen\.address\s+citizen:address:read\s+staff OR self\s+masked for protected persons/m);
    assert.match(text.stdout, /self: a citizen reading their own data/);
  });
});
