/**
 * Each part of the schema as an Apollo Federation 2 subgraph SDL, derived from the same SDL files the single
 * server serves — one source of truth, so the supergraph cannot drift from `samgraf policy matrix`.
 *
 * - A source module's part is its own SDL; the register of persons' person type becomes the one entity
 *   (`@key(fields: "personalNumber")`). A module that extends the person type declares it with the register's
 *   type-level rules and the key field with the register's field rules, so that the subgraph enforces the same
 *   rules on its own `Citizen` fields when it is called directly, and both composers merge them into one.
 * - samgraf's own part (`me` and the access log) is the subgraph the gateway itself serves.
 * - samgraf's security directives (`@personalData`, `@category`, `@maskedWhenProtected`, `@personalNumber`) are
 *   linked and `@composeDirective`d: without that both composers drop them silently, and the supergraph could
 *   not carry the rule table.
 * - The value types of base.graphql (`Money`, `PageInfo`) are in every part, `@shareable`.
 */
import {
  Kind, parse, print, type ConstDirectiveNode, type DefinitionNode, type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode,
} from 'graphql';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { readSdl } from '../core/paths.js';
import type { SourceModule } from '../core/source-module.js';
import { partNames, SAMGRAF_PART } from './parts.js';

/** The federation version both composers accept that has `@policy` (v2.6–v2.9, docs/federation.md). */
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.6';
/** samgraf's own directives, as a linked spec (a `@composeDirective` must come from one). */
export const SAMGRAF_SPEC = 'https://samgraf.dev/security/v1.0';
export const SAMGRAF_DIRECTIVES = ['personalData', 'category', 'maskedWhenProtected', 'personalNumber'] as const;
/** The field every part keys the person type by: PersonRecord.personalNumber, 12 digits. */
export const PERSON_KEY = 'personalNumber';

const AUTH_DIRECTIVES = new Set(['authenticated', 'requiresScopes', 'policy']);
const CORE_SDL = 'src/core/base.graphql';
const SAMGRAF_SDL = ['src/security/principal.graphql', 'src/access-log/schema.graphql'];

export interface SubgraphSdl {
  /** A source module's name, or `samgraf`. */
  name: string;
  typeDefs: DocumentNode;
}

/** Every part's subgraph SDL, in registry order, samgraf's own last. */
export function subgraphSdls(modules: readonly SourceModule[] = SOURCE_MODULES): SubgraphSdl[] {
  return partNames(modules).map((name) => subgraphSdl(name, modules));
}

export function subgraphSdl(name: string, modules: readonly SourceModule[] = SOURCE_MODULES): SubgraphSdl {
  const register = modules.find((module) => module.people !== undefined);
  if (register === undefined) throw new Error('no source module is the register of persons (people)');
  const personType = register.people!.typeName;
  const own = name === SAMGRAF_PART ? SAMGRAF_SDL.map((path) => parse(readSdl(path))) : [parse(moduleNamed(name, modules).typeDefs)];
  const definitions: DefinitionNode[] = [...linkSchema(), ...coreDefinitions()];
  const queryFields: FieldDefinitionNode[] = [];
  for (const document of own) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OBJECT_TYPE_EXTENSION && definition.name.value === 'Query') {
        queryFields.push(...(definition.fields ?? []));
      } else if (definition.kind === Kind.OBJECT_TYPE_EXTENSION && definition.name.value === personType) {
        definitions.push(personStub(definition.fields ?? [], register, personType));
      } else if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === personType) {
        definitions.push(withDirectives(definition, [keyDirective()]));
      } else {
        definitions.push(definition);
      }
    }
  }
  if (queryFields.length > 0) definitions.push({ kind: Kind.OBJECT_TYPE_DEFINITION, name: { kind: Kind.NAME, value: 'Query' }, fields: queryFields });
  return { name, typeDefs: { kind: Kind.DOCUMENT, definitions } };
}

/** The SDL as text, as `_service { sdl }` and `samgraf compose` give it. */
export function printSubgraphSdl(sdl: SubgraphSdl): string {
  return print(sdl.typeDefs);
}

function moduleNamed(name: string, modules: readonly SourceModule[]): SourceModule {
  const module = modules.find((candidate) => candidate.name === name);
  if (module === undefined) throw new Error(`unknown part "${name}": one of ${partNames(modules).join(', ')}`);
  return module;
}

function linkSchema(): DefinitionNode[] {
  const imports = (names: readonly string[]): ConstValue => ({ kind: Kind.LIST, values: names.map((value) => ({ kind: Kind.STRING, value: `@${value}` } as const)) });
  const link = (url: string, names: readonly string[]) => directive('link', { url: { kind: Kind.STRING, value: url }, import: imports(names) });
  return [{
    kind: Kind.SCHEMA_EXTENSION,
    directives: [
      link(FEDERATION_SPEC, ['key', 'shareable', 'composeDirective', ...AUTH_DIRECTIVES]),
      link(SAMGRAF_SPEC, SAMGRAF_DIRECTIVES),
      ...SAMGRAF_DIRECTIVES.map((value) => directive('composeDirective', { name: { kind: Kind.STRING, value: `@${value}` } })),
    ],
  }];
}

/**
 * base.graphql without what federation provides (the auth directives, imported through the link) or a part
 * declares itself (Query); its object types are value types every part shares.
 */
function coreDefinitions(): DefinitionNode[] {
  return parse(readSdl(CORE_SDL)).definitions.flatMap((definition): DefinitionNode[] => {
    if (definition.kind === Kind.DIRECTIVE_DEFINITION && AUTH_DIRECTIVES.has(definition.name.value)) return [];
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) return definition.name.value === 'Query' ? [] : [withDirectives(definition, [directive('shareable')])];
    return [definition];
  });
}

/**
 * The person type as a part that extends it declares it: the register's type-level directives, its key field
 * with the register's rules on it, then the part's own fields.
 */
function personStub(fields: readonly FieldDefinitionNode[], register: SourceModule, personType: string): ObjectTypeDefinitionNode {
  const owned = parse(register.typeDefs).definitions.find((definition): definition is ObjectTypeDefinitionNode =>
    definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === personType)!;
  const key = owned.fields?.find((field) => field.name.value === PERSON_KEY);
  if (key === undefined) throw new Error(`${register.name}: its person type ${personType} has no field ${PERSON_KEY}`);
  return {
    kind: Kind.OBJECT_TYPE_DEFINITION,
    name: owned.name,
    directives: [keyDirective(), ...(owned.directives ?? [])],
    fields: [key, ...fields],
  };
}

function keyDirective(): ConstDirectiveNode {
  return directive('key', { fields: { kind: Kind.STRING, value: PERSON_KEY } });
}

function withDirectives(definition: ObjectTypeDefinitionNode, added: readonly ConstDirectiveNode[]): ObjectTypeDefinitionNode {
  return { ...definition, directives: [...added, ...(definition.directives ?? [])] };
}

type ConstValue = NonNullable<ConstDirectiveNode['arguments']>[number]['value'];

function directive(name: string, args: Record<string, ConstValue> = {}): ConstDirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: name },
    arguments: Object.entries(args).map(([argument, value]) => ({ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: argument }, value })),
  };
}
