/**
 * Every code a client can see in `extensions.code`, defined once: the HTTP statuses it comes with and what it
 * means. samgraf raises its own codes from here and names Apollo's and graphql-js's here too, because clients see
 * those as well. The README's "Error codes" table documents the same codes and statuses; tests/error-codes.test.ts
 * fails when the two differ, or when a code is spelt out as a string anywhere else in the server.
 */

interface ErrorCodeDefinition {
  /**
   * The statuses an answer carrying the code has. The first is the one samgraf raises it with; 200 means the
   * error stands beside data (a field error, or an answer Apollo gives with 200).
   */
  readonly statuses: readonly [number, ...number[]];
  readonly description: string;
}

export const ERROR_CODES = {
  UNAUTHENTICATED: { statuses: [401], description: 'no credentials for a data query, or credentials that fail' },
  UNAUTHORIZED_FIELD_OR_TYPE: { statuses: [200], description: 'a field the caller\'s scopes or policies do not allow; the rest is served' },
  PURPOSE_REQUIRED: { statuses: [400], description: 'a personal-data query without X-Purpose or a purpose claim' },
  PURPOSE_UNKNOWN: { statuses: [400], description: 'the stated purpose is not one of the configured purposes' },
  PURPOSE_NOT_ALLOWED: { statuses: [403], description: 'the stated purpose is not among the principal\'s' },
  QUERY_TOO_DEEP: { statuses: [400], description: 'the document nests deeper than limits.maxDepth' },
  QUERY_TOO_COSTLY: { statuses: [400], description: 'the query\'s cost exceeds limits.maxCost' },
  TOO_MANY_ALIASES: { statuses: [400], description: 'more aliases than limits.maxAliases' },
  TOO_MANY_ROOT_FIELDS: { statuses: [400], description: 'more root fields than limits.maxRootFields' },
  TOO_MANY_DEFINITIONS: { statuses: [400], description: 'more operations, fragments and variable definitions than limits.maxDefinitions' },
  TOO_MANY_DIRECTIVES: { statuses: [400], description: 'more directives than limits.maxDirectives' },
  BATCHING_DISABLED: { statuses: [400], description: 'an array of operations while limits.maxBatchSize is 1' },
  BATCH_TOO_LARGE: { statuses: [400], description: 'more operations in a batch than limits.maxBatchSize' },
  INTROSPECTION_NOT_ALLOWED: { statuses: [403], description: 'introspection without the scope schema:read' },
  RATE_LIMITED: { statuses: [429], description: 'the principal\'s request budget is spent' },
  EXECUTION_TIMEOUT: { statuses: [504], description: 'the request ran longer than limits.executionTimeoutMs' },
  OVERLOADED: { statuses: [503], description: 'all operation slots and queue places are taken' },
  BAD_USER_INPUT: { statuses: [200, 400], description: 'an invalid argument (a field error) or variable (Apollo, 400)' },
  GRAPHQL_PARSE_FAILED: { statuses: [400], description: 'the document is not valid GraphQL (Apollo)' },
  GRAPHQL_VALIDATION_FAILED: { statuses: [400], description: 'the document does not fit the schema (Apollo)' },
  OPERATION_RESOLUTION_FAILURE: { statuses: [400], description: 'operationName names no operation of the document (Apollo)' },
  PERSISTED_QUERY_NOT_FOUND: { statuses: [200], description: 'an automatic persisted query\'s hash is not known yet (Apollo), or a documentId names no trusted document of the caller\'s client' },
  PERSISTED_QUERY_REQUIRED: { statuses: [400], description: 'a client held to its trusted documents sent something else: a query text, or an id it has not registered' },
  PERSISTED_QUERY_NOT_SUPPORTED: { statuses: [400], description: 'a persisted-query extension samgraf does not support' },
  BAD_REQUEST: { statuses: [400, 406, 415], description: 'not a GraphQL request samgraf serves (406 and 415 from Apollo)' },
  PAYLOAD_TOO_LARGE: { statuses: [413], description: 'the body exceeds limits.maxBodyBytes' },
  NOT_FOUND: { statuses: [404], description: 'an unknown path or file' },
  METHOD_NOT_ALLOWED: { statuses: [405], description: 'a method the path does not serve' },
  AUDIT_VERIFICATION_RUNNING: { statuses: [200], description: 'auditChains before the first verification since start has finished' },
  AUDIT_UNAVAILABLE: { statuses: [503], description: 'the access log (the store) cannot be written or read' },
  PROOF_UNAVAILABLE: { statuses: [200], description: 'an inclusionProof or receipt the access log cannot give now (its store failed); the entries themselves are served' },
  CHECKPOINT_UNAVAILABLE: { statuses: [404, 200], description: 'the access log has no signed checkpoint to serve or prove against: accessLog.signingKeyFile is not set, or the checkpoint named was never signed' },
  COSIGNATURE_REFUSED: { statuses: [400, 404, 409], description: 'a posted cosignature that does not verify (400), is for a checkpoint this log never signed (404), or is by no witness in accessLog.witnesses (409)' },
  SUBSCRIPTION_NOT_FOUND: { statuses: [404], description: 'GET /events names no subscription of the caller\'s organisation' },
  SUBSCRIPTION_INACTIVE: { statuses: [403], description: 'GET /events for a subscription that is paused, revoked or expired' },
  EVENTS_UNAVAILABLE: { statuses: [503, 404], description: 'the event engine (NATS) cannot be reached now (503), or life events are off: events.natsUrl is not set (404)' },
  SOURCE_UNAVAILABLE: { statuses: [200], description: 'a legacy source did not answer; the rest is served' },
  INTERNAL_SERVER_ERROR: { statuses: [500, 200], description: 'a bug; the message is generic' },
} as const satisfies Record<string, ErrorCodeDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Each code by name, e.g. `Code.BAD_REQUEST`, so that a misspelt one fails to compile. */
export const Code = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as { readonly [C in ErrorCode]: C };

/** The status samgraf answers with when it raises the code itself. */
export function httpStatus(code: ErrorCode): number {
  return ERROR_CODES[code].statuses[0];
}

/** A GraphQL error's extensions for a code raised with an HTTP status of its own (Apollo answers with that status). */
export function withHttpStatus<C extends ErrorCode>(code: C, headers?: Map<string, string>): { code: C; http: { status: number; headers?: Map<string, string> } } {
  return { code, http: headers ? { status: httpStatus(code), headers } : { status: httpStatus(code) } };
}
