/**
 * The module contract: what every source module must give security and the access log, checked for the
 * registered modules, and proven to refuse a module that leaves something out — the schema does not build, so
 * samgraf does not start, rather than serving a root field without a purpose or a record without its owner.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, parse } from 'graphql';
import { SOURCE_MODULES } from '../sources/registry.js';
import type { SourceModule } from '../src/core/source-module.js';
import { buildSchema, ModuleError } from '../src/schema.js';
import { recordOwners } from '../src/security/owners.js';
import { readPersonalData } from '../src/security/personal-data.js';
import { buildDeclaredSchema } from '../src/schema.js';

const register = SOURCE_MODULES.find((module) => module.people !== undefined)!;
const others = SOURCE_MODULES.filter((module) => module !== register);

/** The registry with one module replaced by a variant of it. */
function withVariant(original: SourceModule, change: Partial<SourceModule>): SourceModule[] {
  return SOURCE_MODULES.map((module) => (module === original ? { ...module, ...change } : module));
}

function refuses(modules: readonly SourceModule[], message: RegExp): void {
  assert.throws(() => buildSchema(modules), (error: unknown) => error instanceof ModuleError && message.test(error.message));
}

describe('source modules: what each must declare', () => {
  test('names, agencies and SDL of every registered module', () => {
    const names = SOURCE_MODULES.map((module) => module.name);
    assert.equal(new Set(names).size, names.length, 'names are unique');
    for (const module of SOURCE_MODULES) {
      assert.match(module.name, /^[a-z][A-Za-z]+$/, `${module.name}: a config key`);
      assert.match(module.agency, /^[A-Z]{2,4}$/, `${module.name}: an agency code`);
      assert.ok(module.title.length > 0);
      assert.doesNotThrow(() => parse(module.typeDefs), `${module.name}: its SDL parses`);
      assert.ok(['mysql', 'postgres'].includes(module.dialect));
      assert.equal(typeof module.createTables, 'function');
      assert.ok(Object.keys(module.seed.columns).length > 0, `${module.name}: its seed names its tables' columns`);
    }
  });

  test('exactly one module is the register of persons, and its person type is row-restricted personal data', () => {
    assert.equal(SOURCE_MODULES.filter((module) => module.people !== undefined).length, 1);
    const personal = readPersonalData(buildDeclaredSchema());
    assert.equal(personal.types.get(register.people!.typeName)?.rowRestricted, true);
  });

  test('every object type a module defines is owned by its agency (own-agency)', () => {
    const owners = recordOwners();
    for (const module of SOURCE_MODULES) {
      for (const definition of parse(module.typeDefs).definitions) {
        if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) assert.equal(owners.get(definition.name.value), module.agency, definition.name.value);
      }
    }
  });

  test('every root field a module adds reaches personal data: it needs a purpose and is access-logged', () => {
    const { personalRootFields } = readPersonalData(buildDeclaredSchema());
    for (const module of SOURCE_MODULES) {
      for (const definition of parse(module.typeDefs).definitions) {
        if ((definition.kind === Kind.OBJECT_TYPE_EXTENSION || definition.kind === Kind.OBJECT_TYPE_DEFINITION) && definition.name.value === 'Query') {
          for (const field of definition.fields ?? []) assert.ok(personalRootFields.has(`Query.${field.name.value}`), `Query.${field.name.value}`);
        }
      }
    }
  });

  test('the registered modules build', () => {
    assert.ok(buildSchema());
  });
});

describe('source modules: a module that leaves something out is refused', () => {
  const victim = others[0]!;

  test('a root field whose result is not personal data (it would bypass purpose and access log)', () => {
    const typeDefs = `${victim.typeDefs}\nextend type Query { leak(id: ID!): Leak @requiresScopes(scopes: [["${victim.scopes[0]!.name}"]]) }\ntype Leak @authenticated { personalNumber: String }\n`;
    refuses(withVariant(victim, { typeDefs }), /root field Query\.leak reaches no @personalData type|type Leak is neither/);
  });

  test('a type that is neither personal data nor part of it', () => {
    const typeDefs = `${victim.typeDefs}\ntype Orphan @authenticated { name: String }\n`;
    refuses(withVariant(victim, { typeDefs }), /type Orphan is neither @personalData/);
  });

  test('a union or an interface that can hold personal data (rows, masking and the log judge an object by its declared type)', () => {
    const person = register.people!.typeName;
    const scope = victim.scopes[0]!.name;
    const union = `${victim.typeDefs}\nunion Anything = ${person}\nextend type Query { anything(id: ID!): Anything @requiresScopes(scopes: [["${scope}"]]) }\n`;
    refuses(withVariant(victim, { typeDefs: union }), /Anything is a union or an interface that can hold personal data/);
    const nested = `${victim.typeDefs}\ntype Holder @authenticated { held: Anything @authenticated }\nunion Anything = ${person}\nextend type Query { holder: Holder @requiresScopes(scopes: [["${scope}"]]) }\n`;
    refuses(withVariant(victim, { typeDefs: nested }), /Anything is a union or an interface that can hold personal data/);
    const iface = `${victim.typeDefs}\ninterface Named { familyName: String }\nextend type ${person} implements Named\n`;
    refuses(withVariant(victim, { typeDefs: iface }), /Named is a union or an interface that can hold personal data/);
  });

  test('a scope that no module declares', () => {
    const typeDefs = victim.typeDefs.replace(victim.scopes[0]!.name, 'undeclared:read');
    refuses(withVariant(victim, { typeDefs }), /needs scope undeclared:read, which no module declares/);
  });

  test('a scope declared twice', () => {
    refuses(withVariant(victim, { scopes: [...victim.scopes, register.scopes[0]!] }), /is declared by .* already/);
  });

  test('a field without any rule', () => {
    const typeDefs = `${victim.typeDefs}\nextend type ${register.people!.typeName} { bare: Bare @requiresScopes(scopes: [["${victim.scopes[0]!.name}"]]) }\ntype Bare { unguarded: String }\n`;
    refuses(withVariant(victim, { typeDefs }), /Bare\.unguarded has no rule/);
  });

  test('no register of persons, or two', () => {
    refuses(withVariant(register, { people: undefined }), /exactly one module must be the register of persons/);
    refuses(withVariant(victim, { people: register.people }), /exactly one module must be the register of persons/);
  });

  test('a person type that is not row-restricted personal data', () => {
    const typeName = register.people!.typeName;
    const typeDefs = register.typeDefs.replace(/@personalData\(category: (\w+)\)/, '@personalData(category: $1, rows: false)');
    assert.notEqual(typeDefs, register.typeDefs, 'the register declares its person type personal data');
    refuses(withVariant(register, { typeDefs }), new RegExp(`person type ${typeName} must be @personalData with rows`));
  });
});
