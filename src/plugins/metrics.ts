/** Counts and times GraphQL operations, labelled by the root fields they select (a closed set), and refusals by code. */
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { fragmentsOf, keptWith, rootFieldNames } from '../document.js';
import type { RequestContext } from '../context.js';
import { Code } from '../core/error-codes.js';
import type { Metrics } from '../metrics.js';

export const DENIALS = new Set<string>([
  Code.UNAUTHORIZED_FIELD_OR_TYPE, Code.PURPOSE_REQUIRED, Code.PURPOSE_NOT_ALLOWED, Code.PURPOSE_UNKNOWN, Code.INTROSPECTION_NOT_ALLOWED, Code.UNAUTHENTICATED,
  Code.QUERY_TOO_DEEP, Code.QUERY_TOO_COSTLY, Code.TOO_MANY_ALIASES, Code.TOO_MANY_ROOT_FIELDS, Code.TOO_MANY_DEFINITIONS, Code.TOO_MANY_DIRECTIVES,
  Code.AUDIT_UNAVAILABLE, Code.PERSISTED_QUERY_REQUIRED,
]);

export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, document, response, schema, contextValue }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors = result?.errors ?? [];
          const hasData = result?.data !== undefined && result.data !== null;
          const outcome = errors.length === 0 ? 'ok' : hasData ? 'partial' : 'error';
          metrics.request(operationLabel(schema, document, operation), outcome, Number(process.hrtime.bigint() - started) / 1e9);
          metrics.clientRequest(contextValue.principal, outcome);
          for (const error of errors) {
            const code = error.extensions?.code;
            if (typeof code === 'string' && DENIALS.has(code)) metrics.denied(code);
          }
        },
      };
    },
  };
}

/** An operation's label: the root fields it selects, sorted; only names the schema knows (aliases and operation names are client text). */
export function operationLabel(schema: GraphQLSchema, document: DocumentNode | undefined, operation: OperationDefinitionNode | undefined | null): string {
  if (!operation) return 'none';
  // Kept per schema and parsed operation, as document.ts keeps its walks: every request's is asked for twice.
  const labels = keptWith(labelsBySchema, schema, () => new WeakMap<OperationDefinitionNode, string>());
  return keptWith(labels, operation, () => {
    const rootType = schema.getRootType(operation.operation);
    const roots = rootFieldNames(operation.selectionSet, fragmentsOf(document))
      .filter((name) => rootType?.getFields()[name] !== undefined || name.startsWith('__'))
      .sort();
    return roots.length > 0 ? [...new Set(roots)].join(',') : 'none';
  });
}

const labelsBySchema = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, string>>();
