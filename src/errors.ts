/**
 * The errors a client can see. Each has a stable `extensions.code` (all listed in the README). GraphQL
 * errors raised on purpose — by graphql-js, Apollo or samgraf — reach the client with values redacted from
 * their messages; any other exception is masked as INTERNAL_SERVER_ERROR, so that SQL, bindings or stack
 * traces, which may hold personal data, never reach a client.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { SourceUnavailableError } from './core/source.js';
import { Code } from './core/error-codes.js';
import { partNames } from './federation/parts.js';

/** `auditChains` while the first verification since start is still walking the log: nothing to show yet. */
export class VerificationRunningError extends GraphQLError {
  constructor() {
    super('a verification of the whole access log is running and none has finished yet: try again shortly', { extensions: { code: Code.AUDIT_VERIFICATION_RUNNING } });
  }
}

/**
 * graphql-js quotes the offending value ("got invalid value 194002243154; …", "cannot represent a non string
 * value: …", "found …"). The value may be a personal number, so messages keep the rule and drop the value.
 */
const VALUE_QUOTES: [RegExp, string][] = [
  [/got invalid value [\s\S]*?( at "[^"]*")?(; |$)/g, 'got an invalid value$1$2'],
  [/Value [\s\S]*? does not exist in "(\w+)" enum/g, 'The value does not exist in "$1" enum'],
  // A variable's object keys are client text.
  [/Field "[^"]*" is not defined by type "(\w+)"/g, 'A field is not defined by type "$1"'],
  // Suggestions describe the schema to whoever probes it.
  [/ ?Did you mean [^?]*\?/g, ''],
  [/(cannot represent[^:]*value): [\s\S]*$/, '$1'],
  [/, found [\s\S]*?(\.|;|$)/g, '$1'],
  [/Expected value of type "([^"]+)", found [\s\S]*?(;|$)/g, 'Expected a value of type "$1"$2'],
];

export function redactValues(message: string): string {
  return VALUE_QUOTES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}

/** graphql-js's parser recurses: a document nested thousands deep exhausts the stack, which is the client's doing. */
function clarify(message: string, code: string): string {
  if (code === Code.GRAPHQL_PARSE_FAILED && /Maximum call stack size exceeded/.test(message)) return 'the document is nested too deeply to parse';
  return redactValues(message);
}

/**
 * The most specific code: Apollo wraps validation errors in its own class with GRAPHQL_VALIDATION_FAILED,
 * while the rule that failed (e.g. the depth limit) set a more precise one on the error it wraps.
 */
function codeOf(error: GraphQLError): string {
  let code: unknown = error.extensions.code;
  for (let inner = error.originalError; inner instanceof GraphQLError; inner = inner.originalError) {
    if (typeof inner.extensions.code === 'string') code = inner.extensions.code;
  }
  return typeof code === 'string' ? code : Code.BAD_REQUEST;
}

/** The names an error's `source` may give: a source's, or samgraf's own part's — never whatever a part wrote. */
const KNOWN_SOURCES: ReadonlySet<string> = new Set(partNames());

export function formatClientError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof SourceUnavailableError) {
    return { ...formatted, message: original.message, extensions: { code: original.code, source: original.source } };
  }
  if (original instanceof GraphQLError && !(original.originalError && !(original.originalError instanceof GraphQLError))) {
    const code = codeOf(original);
    // Only samgraf's own extensions: a federation engine's errors carry the request they failed on (personal
    // numbers in its variables), a subgraph's URL, or a stack trace.
    const source = formatted.extensions?.source;
    return { ...formatted, message: clarify(formatted.message, code), extensions: { code, ...(typeof source === 'string' && KNOWN_SOURCES.has(source) ? { source } : {}) } };
  }
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: Code.INTERNAL_SERVER_ERROR },
  };
}
