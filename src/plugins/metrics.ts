/** Counts and times GraphQL operations, labelled by the root fields they select (a closed set), and refusals by code. */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context.js';
import type { Metrics } from '../metrics.js';

const DENIALS = new Set([
  'UNAUTHORIZED_FIELD_OR_TYPE', 'PURPOSE_REQUIRED', 'PURPOSE_NOT_ALLOWED', 'INTROSPECTION_NOT_ALLOWED', 'UNAUTHENTICATED',
  'QUERY_TOO_DEEP', 'QUERY_TOO_COSTLY', 'TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS', 'AUDIT_UNAVAILABLE',
]);

export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, response, schema }) {
          const rootType = operation ? schema.getRootType(operation.operation) : undefined;
          // Only names the schema knows: an alias or operation name is client text and never a label.
          const roots = operation?.selectionSet.selections
            .flatMap((s) => (s.kind === 'Field' && (rootType?.getFields()[s.name.value] || s.name.value.startsWith('__')) ? [s.name.value] : []))
            .sort() ?? [];
          const operationLabel = roots.length > 0 ? [...new Set(roots)].join(',') : 'none';
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors = result?.errors ?? [];
          const hasData = result?.data !== undefined && result.data !== null;
          const outcome = errors.length === 0 ? 'ok' : hasData ? 'partial' : 'error';
          metrics.request(operationLabel, outcome, Number(process.hrtime.bigint() - started) / 1e9);
          for (const error of errors) {
            const code = error.extensions?.code;
            if (typeof code === 'string' && DENIALS.has(code)) metrics.denied(code);
          }
        },
      };
    },
  };
}
