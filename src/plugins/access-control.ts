/**
 * Operation-level access control, before anything executes: without credentials only schema metadata
 * (`__typename`, introspection) is served (else UNAUTHENTICATED, 401); an operation that selects a
 * root field that reaches `@personalData` needs an accepted purpose of use (PURPOSE_REQUIRED / PURPOSE_UNKNOWN / PURPOSE_NOT_ALLOWED).
 * Before the purpose is checked, the personal numbers its arguments name (`@personalNumber`) are noted for its
 * access-log event: an auditor searching by person finds a refused attempt too.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getDirective } from '@graphql-tools/utils';
import {
  getNamedType, getNullableType, getOperationAST, GraphQLError, isInputObjectType, type GraphQLUnionType, isListType, isObjectType, Kind, TypeInfo, valueFromAST, visit,
  visitWithTypeInfo, type DocumentNode, type GraphQLArgument, type GraphQLInputField, type GraphQLInputType,
  type GraphQLSchema, type OperationDefinitionNode, type ValueNode,
} from 'graphql';
import type { RequestContext } from '../context.js';
import { fragmentsOf, fragmentsUsedBy, rootFieldNames, type Fragments } from '../document.js';
import { Code, withHttpStatus } from '../core/error-codes.js';
import { InvalidPersonalNumberError, parsePersonalNumber } from '../core/personal-number.js';
import { AuthenticationError } from '../security/errors.js';
import { resolvePurpose } from '../security/purpose.js';
import { PERSON_KEY } from '../federation/subgraph-sdl.js';
import { readPersonalData } from '../security/personal-data.js';

export type IntrospectionPolicy = 'everyone' | 'authenticated' | 'scope';

/** Notes on a request's context whether `operations` select personal data, and the personal numbers they name. */
export type RequestNoter = (operations: readonly OperationDefinitionNode[], document: DocumentNode, ctx: RequestContext, variables: Readonly<Record<string, unknown>>) => void;

/** What a request's access-log event records of what it asked for, noted before anything runs (or refuses it). */
export function requestNoter(schema: GraphQLSchema): RequestNoter {
  const { personalRootFields } = readPersonalData(schema);
  const personalNumberSlots = readPersonalNumberSlots(schema);
  const rootType = (operation: OperationDefinitionNode) => schema.getRootType(operation.operation)?.name ?? 'Query';
  return (operations, document, ctx, variables) => {
    const fragments = fragmentsOf(document);
    ctx.readsPersonalData = operations.some((operation) => rootFieldNames(operation.selectionSet, fragments)
      .some((name) => !name.startsWith('__') && personalRootFields.has(`${rootType(operation)}.${name}`)));
    if (!ctx.readsPersonalData) return;
    const named = operations.flatMap((operation) => requestedPersonalNumbers(schema, personalNumberSlots, operation, fragments, variables));
    ctx.subjectsRequested = [...new Set(named)].sort();
  };
}

export function accessControlPlugin(schema: GraphQLSchema, introspection: IntrospectionPolicy, purposes: readonly string[]): ApolloServerPlugin<RequestContext> {
  const noteRequest = requestNoter(schema);
  return {
    async requestDidStart() {
      return {
        // A document refused by validation, or whose operation cannot be told, never reaches
        // didResolveOperation: an attempt at a person all the same, so its event records the personal numbers
        // it named (the operation sent, or, when that cannot be told, every operation of the document).
        async validationDidStart({ document, contextValue, request }) {
          return async (errors) => {
            if (contextValue.principal === null) return;
            const operation = getOperationAST(document, request.operationName);
            if ((errors === undefined || errors.length === 0) && operation !== null) return;
            const operations = operation ? [operation] : document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
            noteRequest(operations, document, contextValue, request.variables ?? {});
          };
        },
        async didResolveOperation({ operation, document, contextValue, request }) {
          if (!operation) return;
          if (operation.operation === 'subscription') {
            throw new GraphQLError(`samgraf serves queries only, not ${operation.operation}s`, { extensions: withHttpStatus(Code.BAD_REQUEST) });
          }
          const fields = rootFieldNames(operation.selectionSet, fragmentsOf(document));
          const dataFields = fields.filter((name) => !name.startsWith('__'));
          // A federated subgraph's `_service { sdl }` describes its schema as introspection does.
          if (fields.some((name) => name === '__schema' || name === '__type' || name === '_service')) checkIntrospection(introspection, contextValue);
          if (contextValue.principal === null) {
            if (dataFields.length > 0) throw new AuthenticationError('MISSING');
            return;
          }
          checkRepresentations(schema, operation, document, request.variables ?? {}, contextValue.origin?.gateway === true);
          noteRequest([operation], document, contextValue, request.variables ?? {});
          if (!contextValue.readsPersonalData) return;
          contextValue.purpose = resolvePurpose(contextValue.principal, contextValue.declarations.purposeHeader, purposes);
        },
      };
    },
  };
}

/**
 * A direct caller of a federated subgraph gets at most as many persons from `_entities` as from `citizens`;
 * the gateway's own requests are bounded by its client's document and limits. A representation must name an
 * entity type of this subgraph: anything else is the caller's error, said before anything runs.
 */
export const MAX_REPRESENTATIONS = 100;
/** Refused before anything runs, like a variable of the wrong type: 400, as Apollo answers those. */
const REFUSED_REPRESENTATIONS = { code: Code.BAD_USER_INPUT, http: { status: 400 } };

function checkRepresentations(schema: GraphQLSchema, operation: OperationDefinitionNode, document: DocumentNode, variables: Readonly<Record<string, unknown>>, fromGateway: boolean): void {
  const entities = schema.getQueryType()?.getFields()._entities?.args.find((arg) => arg.name === 'representations');
  if (entities === undefined) return;
  const entityTypes = new Set(schema.getPossibleTypes(schema.getType('_Entity') as GraphQLUnionType).map((type) => type.name));
  for (const { value, argument } of argumentsOf(schema, operation, fragmentsOf(document))) {
    if (argument !== entities) continue;
    const representations = valueFromAST(value, argument.type, variables);
    if (!Array.isArray(representations)) continue;
    if (!fromGateway && representations.length > MAX_REPRESENTATIONS) {
      throw new GraphQLError(`_entities takes at most ${MAX_REPRESENTATIONS} representations`, { extensions: REFUSED_REPRESENTATIONS });
    }
    const typeName = (item: unknown) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as { __typename?: unknown }).__typename : undefined);
    if (representations.some((item) => { const name = typeName(item); return typeof name !== 'string' || !entityTypes.has(name); })) {
      throw new GraphQLError(`each representation is an object whose __typename is one of this subgraph's entity types (${[...entityTypes].join(', ')})`, { extensions: REFUSED_REPRESENTATIONS });
    }
  }
}

/** Introspection describes the whole schema: in production only for principals allowed it. */
function checkIntrospection(policy: IntrospectionPolicy, ctx: RequestContext): void {
  if (policy === 'everyone') return;
  if (ctx.principal === null) throw new AuthenticationError('MISSING');
  if (policy === 'scope' && !ctx.principal.scopes.has('schema:read')) {
    throw new GraphQLError('introspection needs the scope schema:read', { extensions: withHttpStatus(Code.INTROSPECTION_NOT_ALLOWED) });
  }
}

/** The arguments and input fields that hold a personal number, as the SDL marks them (`@personalNumber`). */
type PersonalNumberSlots = ReadonlySet<GraphQLArgument | GraphQLInputField>;

function readPersonalNumberSlots(schema: GraphQLSchema): PersonalNumberSlots {
  const slots = new Set<GraphQLArgument | GraphQLInputField>();
  const marked = (slot: GraphQLArgument | GraphQLInputField) => (getDirective(schema, slot, 'personalNumber') ?? []).length > 0;
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) for (const arg of field.args) if (marked(arg)) slots.add(arg);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (marked(field)) slots.add(field);
    }
  }
  return slots;
}

/**
 * The personal numbers an operation's arguments name — literals or variables, single or in lists, in input
 * objects, through fragments — in the 12-digit form, sorted, once each. A value that is no personal number
 * names nobody: it is left out (the resolver refuses it).
 */
function requestedPersonalNumbers(
  schema: GraphQLSchema, slots: PersonalNumberSlots, operation: OperationDefinitionNode,
  fragments: Fragments, variables: Readonly<Record<string, unknown>>,
): string[] {
  const found = new Set<string>();
  const entities = schema.getQueryType()?.getFields()._entities?.args.find((arg) => arg.name === 'representations');
  for (const { value, argument } of argumentsOf(schema, operation, fragments)) {
    const given = valueFromAST(value, argument.type, variables);
    if (argument === entities) collectRepresentedPersons(given, found);
    else collectPersonalNumbers(given, argument.type, slots.has(argument), slots, found);
  }
  return [...found].sort();
}

interface ArgumentUse {
  value: ValueNode;
  argument: GraphQLArgument;
}

/**
 * Every argument an operation passes (through its fragments too), found once per operation: Apollo hands out
 * the same parsed document for the same text, so only the variables' values are read per request.
 */
const argumentUses = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, readonly ArgumentUse[]>>();

function argumentsOf(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments): readonly ArgumentUse[] {
  let ofSchema = argumentUses.get(schema);
  if (ofSchema === undefined) argumentUses.set(schema, ofSchema = new WeakMap());
  const known = ofSchema.get(operation);
  if (known !== undefined) return known;
  const uses: ArgumentUse[] = [];
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Argument(node) {
      const argument = typeInfo.getArgument();
      if (argument) uses.push({ value: node.value, argument });
    },
  });
  for (const definition of [operation, ...fragmentsUsedBy(operation.selectionSet, fragments)]) visit(definition, visitor);
  ofSchema.set(operation, uses);
  return uses;
}

function collectPersonalNumbers(value: unknown, type: GraphQLInputType, marked: boolean, slots: PersonalNumberSlots, found: Set<string>): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    for (const item of Array.isArray(value) ? value : [value]) collectPersonalNumbers(item, nullable.ofType as GraphQLInputType, marked, slots, found);
    return;
  }
  if (marked && typeof value === 'string') {
    const pnr = parsedOrNull(value);
    if (pnr !== null) found.add(pnr);
    return;
  }
  const named = getNamedType(nullable);
  if (!isInputObjectType(named) || typeof value !== 'object') return;
  for (const field of Object.values(named.getFields())) {
    collectPersonalNumbers((value as Record<string, unknown>)[field.name], field.type, slots.has(field), slots, found);
  }
}

/**
 * A federated subgraph's `_entities` names persons by their key: each representation's key (the person type's
 * `PERSON_KEY`) is a person asked for.
 */
function collectRepresentedPersons(representations: unknown, found: Set<string>): void {
  if (!Array.isArray(representations)) return;
  for (const representation of representations) {
    const key = (representation as Record<string, unknown> | null)?.[PERSON_KEY];
    if (typeof key !== 'string') continue;
    const pnr = parsedOrNull(key);
    if (pnr !== null) found.add(pnr);
  }
}

function parsedOrNull(value: string): string | null {
  try {
    return parsePersonalNumber(value);
  } catch (error) {
    if (error instanceof InvalidPersonalNumberError) return null;
    throw error;
  }
}
