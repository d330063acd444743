/**
 * Request limits, all checked before execution: depth (a validation rule); aliases, root fields and cost
 * (when the operation and its variables are known); the parser's token limit stops huge documents before
 * they can exhaust the stack. Cost counts every field once per object it may be resolved on, so list sizes
 * multiply: `citizens` by the numbers given, connections by `first`, other lists by an assumed size.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType, getNullableType, GraphQLError, isListType, isObjectType, Kind, valueFromAST,
  type ASTVisitor, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type SelectionSetNode, type ValidationContext,
} from 'graphql';
import type { RequestContext } from '../context.js';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  maxTokens: number;
  /** The size assumed for a list whose size no argument tells (benefits, payments, relations …). */
  assumedListSize: number;
}

/** `first` of a connection when none is given, and the most a page holds (as the resolvers enforce). */
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
/** The most numbers `citizens` takes (the resolver refuses more). */
const MAX_BATCH = 100;

function limitError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

function fragmentsOf(definitions: readonly { kind: Kind }[]): Fragments {
  return new Map((definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION) as FragmentDefinitionNode[]).map((d) => [d.name.value, d]));
}

/** The fields a selection set selects, through inline fragments and fragment spreads. */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Fragments, visiting = new Set<string>()): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf(selection.selectionSet, fragments, visiting);
    const fragment = fragments.get(selection.name.value);
    if (!fragment || visiting.has(fragment.name.value)) return [];
    return fieldsOf(fragment.selectionSet, fragments, new Set([...visiting, fragment.name.value]));
  });
}

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument().definitions);
    const depthOf = (selectionSet: SelectionSetNode, budget: number): number => {
      let deepest = 0;
      for (const field of fieldsOf(selectionSet, fragments)) {
        const depth = field.selectionSet && budget > 0 ? 1 + depthOf(field.selectionSet, budget - 1) : 1;
        deepest = Math.max(deepest, depth);
        if (deepest > maxDepth) break;
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        if (depthOf(operation.selectionSet, maxDepth + 1) > maxDepth) {
          context.reportError(new GraphQLError(`the query is nested deeper than ${maxDepth} levels`, { nodes: [operation], extensions: { code: 'QUERY_TOO_DEEP' } }));
        }
      },
    };
  };
}

/** Aliases, root fields and cost of the operation, once its variables are known. */
export function operationLimitsPlugin(schema: GraphQLSchema, limits: Limits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          const fragments = fragmentsOf(document.definitions);
          const roots = fieldsOf(operation.selectionSet, fragments);
          if (roots.length > limits.maxRootFields) {
            throw limitError('TOO_MANY_ROOT_FIELDS', `the operation selects ${roots.length} root fields; the limit is ${limits.maxRootFields}`);
          }
          const aliases = countAliases(operation.selectionSet, fragments);
          if (aliases > limits.maxAliases) throw limitError('TOO_MANY_ALIASES', `the operation uses ${aliases} aliases; the limit is ${limits.maxAliases}`);
          const rootType = schema.getRootType(operation.operation);
          if (!rootType) return;
          const cost = costOf(operation.selectionSet, rootType, 1, { fragments, variables: request.variables ?? {}, limits });
          if (cost > limits.maxCost) throw limitError('QUERY_TOO_COSTLY', `the query could touch about ${Math.round(cost)} fields; the limit is ${limits.maxCost}`);
        },
      };
    },
  };
}

function countAliases(selectionSet: SelectionSetNode, fragments: Fragments): number {
  // Each fragment is counted where it is spread, since that is where its fields resolve.
  return fieldsOf(selectionSet, fragments).reduce((sum, field) => sum + (field.alias ? 1 : 0) + (field.selectionSet ? countAliases(field.selectionSet, fragments) : 0), 0);
}

interface CostContext {
  fragments: Fragments;
  variables: Record<string, unknown>;
  limits: Limits;
}

function costOf(selectionSet: SelectionSetNode, parentType: GraphQLNamedType, multiplier: number, context: CostContext): number {
  if (!isObjectType(parentType)) return multiplier;
  let cost = 0;
  for (const field of fieldsOf(selectionSet, context.fragments)) {
    cost += multiplier;
    const definition = parentType.getFields()[field.name.value];
    if (!definition || !field.selectionSet) continue;
    const size = isListType(getNullableType(definition.type)) || isConnection(definition) ? listSize(field, definition, context) : 1;
    cost += costOf(field.selectionSet, getNamedType(definition.type), multiplier * size, context);
    if (cost > context.limits.maxCost * 10) return cost;
  }
  return cost;
}

function isConnection(definition: GraphQLField<unknown, unknown>): boolean {
  return getNamedType(definition.type).name.endsWith('Connection');
}

function listSize(field: FieldNode, definition: GraphQLField<unknown, unknown>, context: CostContext): number {
  const argument = (name: string): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name);
    const type = definition.args.find((a) => a.name === name)?.type;
    return node && type ? valueFromAST(node.value, type, context.variables) : undefined;
  };
  const numbers = argument('personalNumbers');
  // Sizes the resolvers refuse are capped here, so that the resolver's clearer error is the one the client sees.
  if (Array.isArray(numbers)) return Math.min(Math.max(numbers.length, 1), MAX_BATCH);
  const first = argument('first');
  if (typeof first === 'number') return Math.min(Math.max(first, 1), MAX_PAGE);
  if (definition.args.some((a) => a.name === 'first')) return DEFAULT_PAGE;
  return context.limits.assumedListSize;
}
