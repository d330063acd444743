/**
 * Composes samgraf's own SDL (base, principal, access log) and every source module's SDL and resolvers into one
 * executable schema, with the SDL's security facts enforced around every resolver. The register of persons'
 * module owns the person type; the others extend it.
 *
 * Before anything is served the modules are checked for what security and the access log need of them: a module
 * that leaves one out is refused here, at start, not discovered by an attacker later (see checkModules).
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import {
  getNamedType, isObjectType, Kind, parse, type DefinitionNode, type GraphQLObjectType, type GraphQLSchema, type InterfaceTypeDefinitionNode,
  type InterfaceTypeExtensionNode, type UnionTypeDefinitionNode, type UnionTypeExtensionNode,
} from 'graphql';
import { SOURCE_MODULES } from '../sources/registry.js';
import { accessLogResolvers } from './access-log/resolvers.js';
import { followUpResolvers } from './follow-up/resolvers.js';
import { readSdl } from './core/paths.js';
import { scalarResolvers } from './core/scalars.js';
import type { SourceModule } from './core/source-module.js';
import { enforceFieldRules } from './security/enforce.js';
import { meResolvers } from './security/me.js';
import { recordOwners } from './security/owners.js';
import { readPersonalData, reachesPersonalType, type PersonalDataFacts } from './security/personal-data.js';
import { readFieldRules } from './security/rules.js';
import { describeFieldRules } from './security/rules-text.js';
import { SAMGRAF_SCOPES } from './security/scopes.js';

const CORE_SDL = ['src/core/base.graphql', 'src/security/principal.graphql'];
const ACCESS_LOG_SDL = 'src/access-log/schema.graphql';

export function loadTypeDefs(modules: readonly SourceModule[] = SOURCE_MODULES): string[] {
  return [...CORE_SDL.map(readSdl), ...modules.map((module) => module.typeDefs), readSdl(ACCESS_LOG_SDL)];
}

/** The schema as declared, without resolvers: what `samgraf policy matrix` and the rule tests read. */
export function buildDeclaredSchema(modules: readonly SourceModule[] = SOURCE_MODULES): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(modules) });
}

/**
 * The executable schema, with the SDL's field rules, row restrictions and access records enforced, and each
 * field's rules said at the end of its description: introspection (the IDE's docs pane) shows what a field
 * needs, worded from the same rules that are enforced.
 */
export function buildSchema(modules: readonly SourceModule[] = SOURCE_MODULES): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(modules),
    resolvers: [scalarResolvers, meResolvers, ...modules.map((module) => module.resolvers as IResolvers), accessLogResolvers, followUpResolvers],
  });
  const personal = readPersonalData(schema);
  const personType = checkModules(schema, modules, personal);
  const owners = recordOwners(modules);
  const enforced = enforceFieldRules(schema, { owners, personal, personType });
  return describeFieldRules(enforced, { owners, personal, partsOfPersonalData: typesWithinPersonalData(schema, personal) });
}

export class ModuleError extends Error {
  constructor(module: string, problem: string) {
    super(`source module ${module}: ${problem}`);
    this.name = 'ModuleError';
  }
}

/**
 * Refuses modules that leave out what security and the access log need. Returns the person type.
 * - Exactly one module is the register of persons, and its person type is `@personalData`.
 * - Every root field a module adds reaches a `@personalData` type (so it needs a purpose and is logged).
 * - Every object type a module defines is personal data, part of a person's data (every field returning it
 *   belongs to such a type), or a container that leads to personal data (a connection).
 * - No union or interface it defines can hold personal data: the rules judge an object by its declared type.
 * - Every scope its rules name is declared by a module or by samgraf, and names are declared once.
 * - Every field it defines carries a rule (`@authenticated` at least), so no field is served by accident.
 */
export function checkModules(schema: GraphQLSchema, modules: readonly SourceModule[], personal: PersonalDataFacts): string {
  const registers = modules.filter((module) => module.people !== undefined);
  if (registers.length !== 1) throw new ModuleError(registers[1]?.name ?? '(none)', `exactly one module must be the register of persons (people); found ${registers.length}`);
  const rules = readFieldRules(schema, recordOwners(modules));
  const declaredScopes = new Map<string, string>(SAMGRAF_SCOPES.map((scope) => [scope.name, 'samgraf']));
  for (const module of modules) {
    for (const scope of module.scopes) {
      const other = declaredScopes.get(scope.name);
      if (other !== undefined) throw new ModuleError(module.name, `scope ${scope.name} is declared by ${other} already`);
      declaredScopes.set(scope.name, module.name);
    }
  }
  const partOfPersons = typesWithinPersonalData(schema, personal);
  for (const module of modules) {
    for (const definition of parse(module.typeDefs).definitions) {
      if (isAbstractDefinition(definition) && reachesPersonalType(schema.getType(definition.name.value)!, personal.types, schema)) {
        // Row restrictions, masking and the access log judge an object by its field's declared type.
        throw new ModuleError(module.name, `${definition.name.value} is a union or an interface that can hold personal data: return the object types themselves`);
      }
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      const typeName = definition.name.value;
      const type = schema.getType(typeName) as GraphQLObjectType;
      const root = type === schema.getQueryType();
      if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && !root && !partOfPersons.has(typeName) && !reachesPersonalType(type, personal.types, schema)) {
        throw new ModuleError(module.name, `type ${typeName} is neither @personalData, nor part of a person's data, nor leads to any`);
      }
      for (const fieldNode of definition.fields ?? []) {
        const coordinate = `${typeName}.${fieldNode.name.value}`;
        const rule = rules.get(coordinate);
        if (rule === undefined) throw new ModuleError(module.name, `${coordinate} has no rule: give it @authenticated, @requiresScopes or @policy`);
        if (root && !personal.personalRootFields.has(coordinate)) {
          throw new ModuleError(module.name, `root field ${coordinate} reaches no @personalData type: a source serves personal data, which needs a purpose and an access-log event`);
        }
        for (const scope of rule.scopes.flat(2)) {
          if (!declaredScopes.has(scope)) throw new ModuleError(module.name, `${coordinate} needs scope ${scope}, which no module declares`);
        }
      }
    }
  }
  const personType = personTypeOf(schema, registers[0]!);
  if (!personal.types.get(personType)?.rowRestricted) throw new ModuleError(registers[0]!.name, `the person type ${personType} must be @personalData with rows`);
  return personType;
}

function isAbstractDefinition(definition: DefinitionNode): definition is UnionTypeDefinitionNode | UnionTypeExtensionNode | InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode {
  return definition.kind === Kind.UNION_TYPE_DEFINITION || definition.kind === Kind.UNION_TYPE_EXTENSION
    || definition.kind === Kind.INTERFACE_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION;
}

/** The register's person type: the type its `people` directory names. */
function personTypeOf(schema: GraphQLSchema, register: SourceModule): string {
  const typeName = register.people!.typeName;
  if (!isObjectType(schema.getType(typeName))) throw new ModuleError(register.name, `its person type ${typeName} is not an object type of the schema`);
  return typeName;
}

/** Types whose every appearance is inside personal data: `@personalData` types and, transitively, their parts. */
export function typesWithinPersonalData(schema: GraphQLSchema, personal: PersonalDataFacts): Set<string> {
  const within = new Set(personal.types.keys());
  const objectTypes = Object.values(schema.getTypeMap()).filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'));
  for (let grew = true; grew;) {
    grew = false;
    for (const candidate of objectTypes) {
      if (within.has(candidate.name)) continue;
      const holders = objectTypes.filter((holder) => Object.values(holder.getFields()).some((field) => getNamedType(field.type) === candidate));
      if (holders.length > 0 && holders.every((holder) => within.has(holder.name))) {
        within.add(candidate.name);
        grew = true;
      }
    }
  }
  return within;
}
