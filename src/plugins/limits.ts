/**
 * Request limits, all checked before execution: definitions and directives (once parsed, before validation);
 * depth (a validation rule); aliases, root fields and cost (when the operation and its variables are known);
 * the parser's token limit stops huge documents before they can exhaust the stack. Cost counts every field
 * once per object it may be resolved on, so list sizes multiply: `citizens` by the numbers given, connections
 * by `first`, other lists by an assumed size.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType, getNullableType, GraphQLError, isListType, isObjectType, Kind, valueFromAST, visit,
  type ASTVisitor, type DocumentNode, type FieldNode, type OperationDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type SelectionSetNode, type ValidationContext,
} from 'graphql';
import type { RequestContext } from '../context.js';
import { Code, withHttpStatus, type ErrorCode } from '../core/error-codes.js';
import { fragmentsOf, type Fragments } from '../document.js';

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

/**
 * The deepest bracket nesting ({, [, ( outside strings and comments) of a document's text. graphql-js parses
 * and validates recursively, so a document nested thousands deep (inline fragments, list literals) could
 * exhaust the stack before any rule sees it: such a text is refused before parsing.
 */
export function bracketNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        i = end === -1 ? text.length : end + 2;
      } else {
        for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ']' || c === ')') {
      depth -= 1;
    }
  }
  return deepest;
}

/** How deep a document's brackets may nest: generous for any query within maxDepth fields. */
export function maxBracketNesting(maxDepth: number): number {
  return maxDepth * 4 + 16;
}

function limitError(code: ErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: withHttpStatus(code) });
}

/** What the limits checked before validation count in a document, as written. */
export interface DocumentCounts {
  /** Operations, fragments and variable definitions. */
  definitions: number;
  directives: number;
  aliases: number;
}

export function countDocument(document: DocumentNode): DocumentCounts {
  // Unused variables cost validation as much as unused fragments do: a variable definition counts as a definition.
  const counts = { definitions: document.definitions.length, directives: 0, aliases: 0 };
  visit(document, {
    VariableDefinition: () => { counts.definitions += 1; },
    Directive: () => { counts.directives += 1; },
    Field: (field) => { if (field.alias) counts.aliases += 1; },
  });
  return counts;
}

/**
 * What one document may define, checked once it is parsed and before graphql-js validates it. Validation
 * compares fields across fragments pairwise, so its cost grows with the square of the definitions: 1,000 small
 * fragments kept the event loop busy for 300–500 ms. Directives are counted so that no other construct can
 * stand in for fragments to multiply that work.
 */
export function documentBoundsError({ definitions, directives }: DocumentCounts, limits: { maxDefinitions: number; maxDirectives: number }): GraphQLError | null {
  if (definitions > limits.maxDefinitions) {
    return limitError(Code.TOO_MANY_DEFINITIONS, `the document holds ${definitions} definitions (operations, fragments and variables); the limit is ${limits.maxDefinitions}`);
  }
  if (directives > limits.maxDirectives) return limitError(Code.TOO_MANY_DIRECTIVES, `the document uses ${directives} directives; the limit is ${limits.maxDirectives}`);
  return null;
}

/**
 * A caller without credentials is served `__typename` and (by policy) introspection only, yet graphql-js would
 * validate thousands of aliased `__typename`s before the alias limit (measured per operation, after validation)
 * is checked. For them the document's aliases are counted as written, before validation.
 */
export function anonymousAliasError({ aliases }: DocumentCounts, limits: { maxAliases: number }): GraphQLError | null {
  return aliases > limits.maxAliases ? limitError(Code.TOO_MANY_ALIASES, `the document uses ${aliases} aliases; the limit is ${limits.maxAliases}`) : null;
}

/** What a selection set asks for: depth in fields, aliases and cost at a multiplier of 1, root fields. */
interface Shape {
  depth: number;
  aliases: number;
  cost: number;
  fields: number;
}

const NOTHING: Shape = { depth: 0, aliases: 0, cost: 0, fields: 0 };

/**
 * Measures a selection set once per fragment and type (memoised), so a document that spreads fragments into
 * each other many times costs linear work to measure. Cost scales with the multiplier, so a fragment's cost
 * at multiplier 1 serves every place it is spread.
 */
class ShapeMeter {
  private readonly memo = new Map<string, Shape>();

  constructor(private readonly schema: GraphQLSchema | null, private readonly fragments: Fragments, private readonly variables: Record<string, unknown>, private readonly limits: Limits) {}

  measure(selectionSet: SelectionSetNode, parentType: GraphQLNamedType | null, visiting: ReadonlySet<string> = new Set()): Shape {
    const total = { ...NOTHING };
    for (const selection of selectionSet.selections) {
      let part: Shape;
      if (selection.kind === Kind.FIELD) {
        part = this.field(selection, parentType, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema?.getType(selection.typeCondition.name.value) ?? null : parentType;
        part = this.measure(selection.selectionSet, type, visiting);
      } else {
        part = this.spread(selection.name.value, visiting);
      }
      total.depth = Math.max(total.depth, part.depth);
      total.aliases += part.aliases;
      total.cost += part.cost;
      total.fields += part.fields;
    }
    return total;
  }

  private field(field: FieldNode, parentType: GraphQLNamedType | null, visiting: ReadonlySet<string>): Shape {
    const alias = field.alias ? 1 : 0;
    const definition = parentType && isObjectType(parentType) ? parentType.getFields()[field.name.value] : undefined;
    if (!field.selectionSet) return { depth: 1, aliases: alias, cost: 1, fields: 1 };
    const child = this.measure(field.selectionSet, definition ? getNamedType(definition.type) : null, visiting);
    const size = definition && (isListType(getNullableType(definition.type)) || isConnection(definition)) ? this.listSize(field, definition) : 1;
    return { depth: 1 + child.depth, aliases: alias + child.aliases, cost: 1 + size * child.cost, fields: 1 };
  }

  private spread(name: string, visiting: ReadonlySet<string>): Shape {
    const fragment = this.fragments.get(name);
    if (!fragment || visiting.has(name)) return NOTHING;
    const type = this.schema?.getType(fragment.typeCondition.name.value) ?? null;
    const key = `${name}@${type?.name ?? ''}`;
    let shape = this.memo.get(key);
    if (!shape) {
      shape = this.measure(fragment.selectionSet, type, new Set([...visiting, name]));
      this.memo.set(key, shape);
    }
    return shape;
  }

  private listSize(field: FieldNode, definition: GraphQLField<unknown, unknown>): number {
    const argument = (name: string): unknown => {
      const node = field.arguments?.find((a) => a.name.value === name);
      const type = definition.args.find((a) => a.name === name)?.type;
      return node && type ? valueFromAST(node.value, type, this.variables) : undefined;
    };
    // Sizes the resolvers refuse are capped here, so that the resolver's clearer error is the one the client sees.
    const numbers = argument('personalNumbers');
    if (Array.isArray(numbers)) return Math.min(Math.max(numbers.length, 1), MAX_BATCH);
    const first = argument('first');
    if (typeof first === 'number') return Math.min(Math.max(first, 1), MAX_PAGE);
    if (definition.args.some((a) => a.name === 'first')) return DEFAULT_PAGE;
    return this.limits.assumedListSize;
  }
}

function isConnection(definition: GraphQLField<unknown, unknown>): boolean {
  return getNamedType(definition.type).name.endsWith('Connection');
}

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const meter = new ShapeMeter(null, fragmentsOf(context.getDocument()), {}, { ...DEFAULT_SHAPE_LIMITS, maxDepth });
      if (meter.measure(operation.selectionSet, null).depth > maxDepth) {
        context.reportError(new GraphQLError(`the query is nested deeper than ${maxDepth} levels`, { nodes: [operation], extensions: { code: Code.QUERY_TOO_DEEP } }));
      }
    },
  });
}

const DEFAULT_SHAPE_LIMITS: Limits = { maxDepth: 15, maxAliases: 30, maxRootFields: 10, maxCost: 250_000, maxTokens: 20_000, assumedListSize: 10 };

/**
 * Why an operation's aliases, root fields or cost exceed the limits, if they do. List sizes that variables give
 * are read from `variables`; without them, the sizes a resolver assumes by default.
 */
export function operationShapeError(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, limits: Limits): GraphQLError | null {
  const rootType = schema.getRootType(operation.operation) ?? null;
  const shape = new ShapeMeter(schema, fragmentsOf(document), variables, limits).measure(operation.selectionSet, rootType);
  if (shape.fields > limits.maxRootFields) return limitError(Code.TOO_MANY_ROOT_FIELDS, `the operation selects ${shape.fields} root fields; the limit is ${limits.maxRootFields}`);
  if (shape.aliases > limits.maxAliases) return limitError(Code.TOO_MANY_ALIASES, `the operation uses ${shape.aliases} aliases; the limit is ${limits.maxAliases}`);
  if (shape.cost > limits.maxCost) return limitError(Code.QUERY_TOO_COSTLY, `the query could touch about ${Math.round(shape.cost)} fields; the limit is ${limits.maxCost}`);
  return null;
}

/** Aliases, root fields and cost of the operation, once its variables are known. */
export function operationLimitsPlugin(schema: GraphQLSchema, limits: Limits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          const error = operationShapeError(schema, document, operation, request.variables ?? {}, limits);
          if (error) throw error;
        },
      };
    },
  };
}
