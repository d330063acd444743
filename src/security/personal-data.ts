/**
 * What the SDL declares about personal data, read once when the schema is built: which types are a person's
 * data (`@personalData`) and in which access-log category each of their fields falls (`@category`), which types
 * are edges of a list of persons, and which root fields can reach personal data at all — those need a purpose
 * and write an access-log event, whatever their name, so a root field added later cannot bypass either.
 */
import { getDirective } from '@graphql-tools/utils';
import { getNamedType, isAbstractType, isObjectType, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { DataCategory } from '../core/source-module.js';

export interface PersonalType {
  category: DataCategory;
  /** Objects whose person is out of the caller's rows are withheld. */
  rowRestricted: boolean;
}

export interface PersonalDataFacts {
  /** The `@personalData` types. */
  types: ReadonlyMap<string, PersonalType>;
  /**
   * Edges of a list of persons (a type with a `node` of a personal type): an edge stands for its node's person
   * even when the node is not selected — each `{ cursor }` says that one more person is listed.
   */
  edges: ReadonlyMap<string, PersonalType>;
  /** `Type.field` → the category a field of a personal type reads: its `@category`, its result's, or its type's. */
  fieldCategories: ReadonlyMap<string, DataCategory>;
  /** `Query.field` for every root field whose result can reach a personal type. */
  personalRootFields: ReadonlySet<string>;
}

export function readPersonalData(schema: GraphQLSchema): PersonalDataFacts {
  const types = new Map<string, PersonalType>();
  const objectTypes = Object.values(schema.getTypeMap()).filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'));
  for (const type of objectTypes) {
    const declared = getDirective(schema, type, 'personalData')?.[0];
    if (declared) types.set(type.name, { category: declared.category as DataCategory, rowRestricted: declared.rows !== false });
  }
  const edges = new Map<string, PersonalType>();
  for (const type of objectTypes) {
    const node = type.getFields().node;
    const personal = node ? types.get(getNamedType(node.type).name) : undefined;
    if (personal && !types.has(type.name)) edges.set(type.name, personal);
  }
  const fieldCategories = new Map<string, DataCategory>();
  for (const [typeName, personal] of types) {
    for (const field of Object.values((schema.getType(typeName) as GraphQLObjectType).getFields())) {
      const declared = getDirective(schema, field, 'category')?.[0]?.name as DataCategory | undefined;
      const returned = types.get(getNamedType(field.type).name);
      fieldCategories.set(`${typeName}.${field.name}`, declared ?? returned?.category ?? personal.category);
    }
  }
  const personalRootFields = new Set<string>();
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      if (reachesPersonalType(getNamedType(field.type), types, schema)) personalRootFields.add(`${root.name}.${field.name}`);
    }
  }
  return { types, edges, fieldCategories, personalRootFields };
}

/**
 * Whether objects of `start`, or any object reachable from them through fields, are personal data. A union or
 * an interface reaches what any of its object types reaches.
 */
export function reachesPersonalType(start: GraphQLNamedType, types: ReadonlyMap<string, PersonalType>, schema: GraphQLSchema): boolean {
  const seen = new Set<string>();
  const pending: GraphQLNamedType[] = [start];
  while (pending.length > 0) {
    const type = pending.pop()!;
    if (seen.has(type.name)) continue;
    seen.add(type.name);
    if (types.has(type.name)) return true;
    if (isObjectType(type)) for (const field of Object.values(type.getFields())) pending.push(getNamedType(field.type));
    if (isAbstractType(type)) pending.push(...schema.getPossibleTypes(type));
  }
  return false;
}
