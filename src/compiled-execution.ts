/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter: each validated document (and the
 * operation chosen in it) is compiled once into a function and kept, so a request pays for its resolvers — the
 * field rules, row restrictions, masking and access record that wrap them (security/enforce.ts) — and not for
 * graphql-js walking the selection set again for every field of every object.
 *
 * Apollo Server still parses, validates (its document store caches both), runs every plugin and formats the
 * response; only `execute` is replaced, through Apollo's gateway interface, its one seam for that. The schema,
 * and so every resolver and rule, is the same object either way.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute, getVariableValues, GraphQLError, printSchema, valueFromASTUntyped, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** As graphql-js's execute reports at most. */
const MAX_VARIABLE_ERRORS = 50;

export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new CompiledOperations(schema);
  const executor: GatewayExecutor = async ({ document, operation, operationName, request, context }) => {
    // Apollo found no operation to run (several without a name, or an unknown name): graphql-js says why, in
    // the words Apollo turns into OPERATION_RESOLUTION_FAILURE.
    if (operation === undefined) return execute({ schema, document, operationName: request.operationName ?? null, variableValues: request.variables ?? null, contextValue: context });
    // Variables are checked by graphql-js, exactly as its execute would, so a bad variable is refused with the
    // same error (Apollo's BAD_USER_INPUT, 400) — graphql-jit's own messages differ.
    const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
    if (variables.errors !== undefined) return { errors: variables.errors };
    const compiledOperation = compiled.get(document, operationName ?? null);
    if (!isCompiledQuery(compiledOperation)) return compiledOperation;
    return asGraphQLResult(await compiledOperation.query(undefined, context, withDefaults(operation, request.variables ?? {})));
  };
  return {
    // Apollo asks for the schema before it loads the executor; it never changes while samgraf runs.
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async load() {
      return { executor };
    },
    async stop() {},
  };
}

/**
 * Compiled operations by document and operation name. The key is the document object itself, held weakly:
 * Apollo hands out the same parsed document for the same query text for as long as its document store keeps
 * it, and when it drops it, the compiled functions go with it. A document parsed anew is compiled anew, so
 * nothing compiled for one text ever runs for another.
 */
class CompiledOperations {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string | null, CompiledQuery | ExecutionResult>>();

  constructor(private readonly schema: GraphQLSchema) {}

  get(document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult {
    let operations = this.byDocument.get(document);
    if (operations === undefined) {
      operations = new Map();
      this.byDocument.set(document, operations);
    }
    let operation = operations.get(operationName);
    if (operation === undefined) {
      operation = compileOperation(this.schema, document, operationName);
      operations.set(operationName, operation);
    }
    return operation;
  }
}

function compileOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult {
  try {
    return compileQuery(schema, document, operationName ?? undefined, { disableLeafSerialization: false });
  } catch (error) {
    return { errors: [error instanceof GraphQLError ? error : new GraphQLError('the operation could not be compiled')] };
  }
}

/**
 * graphql-jit's errors are its own GraphQLError look-alikes, without graphql-js's `extensions` object when the
 * thrown error had none, which Apollo's error formatting needs; they become graphql-js's own errors, with the same
 * message, locations, path and original error.
 */
function asGraphQLResult(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined) return result;
  const errors = result.errors.map((jitError) => {
    const error = new GraphQLError(jitError.message, { path: jitError.path, originalError: jitError.originalError, extensions: jitError.extensions });
    (error as { locations?: GraphQLError['locations'] }).locations = jitError.locations;
    return error;
  });
  return { ...result, errors };
}

/**
 * The variables as sent, plus each left out that has a default: graphql-jit refuses a non-null variable left out
 * even where its definition gives a default, which graphql-js (and the spec) then uses.
 */
function withDefaults(operation: OperationDefinitionNode, sent: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const variables: Record<string, unknown> = { ...sent };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (definition.defaultValue !== undefined && !Object.hasOwn(sent, name)) variables[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return variables;
}
