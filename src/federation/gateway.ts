/**
 * The gateway (`samgraf gateway`): samgraf's own edge — credentials, purpose, limits, rate limits, the
 * operation gate, its own access-log event per request — in front of an existing federation engine,
 * @graphql-tools/federation, the engine Hive Gateway runs (MIT). The engine plans each query over the supergraph
 * and executes it against the subgraphs; samgraf gives it the HTTP transport:
 * - each subgraph request is signed as the gateway's (internal-auth.ts), carries the client's request id,
 *   credentials and declarations (a partner's API key as the principal the gateway vouches for, since the
 *   subgraphs do not hold the gateway's key table), and each answer must be signed by the part that was asked;
 * - identical in-flight requests are never merged: each client request is its own read in every agency's log.
 *
 * The subgraphs enforce every rule on what they serve. The gateway enforces only what no subgraph can: the rule
 * of an entity's key, which every subgraph gives the gateway so it can join their answers (security/enforce.ts).
 * Its rule is read from the supergraph and applied to what the client selected, per object, exactly as the
 * single server applies it — null and UNAUTHORIZED_FIELD_OR_TYPE at the field's path.
 */
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { getDirective, relocatedError, type ExecutionRequest } from '@graphql-tools/utils';
import { defaultFieldResolver, execute, GraphQLError, GraphQLScalarType, isScalarType, isObjectType, responsePathAsArray, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Path } from 'graphql/jsutils/Path.js';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import type { RequestContext } from '../context.js';
import { UnauthorizedFieldError } from '../security/errors.js';
import { SourceUnavailableError } from '../core/source.js';
import { allows, readFieldRules } from '../security/rules.js';
import { GATEWAY, INTERNAL_HEADER, InternalAuth, PRINCIPAL_HEADER } from './internal-auth.js';
import { supergraphParts, supergraphSchema } from './supergraph.js';
import { EMBEDDED_URL, SAMGRAF_PART } from './parts.js';
import { buildPartSchema } from './subgraph-schema.js';
import { scalarResolvers } from '../core/scalars.js';
import { inClientSpan } from '../telemetry.js';

export interface GatewaySetup {
  /** Whether the gateway serves samgraf's own part (`me`, the access log) itself: no subgraph is configured for it. */
  embedsSamgrafPart: boolean;
  /** What the engine executes: the supergraph's API schema, stitched over the subgraphs. */
  executable: GraphQLSchema;
  /** The supergraph read back: the rule table and personal-data facts the edge checks read. */
  declared: GraphQLSchema;
  internal: InternalAuth;
  /** The parts the supergraph names, by name: where the gateway reaches each. */
  parts: ReadonlyMap<string, string>;
}

/** The client's headers a subgraph needs to decide for itself, forwarded as the client sent them. */
const FORWARDED = ['authorization', 'x-purpose', 'x-legal-basis', 'x-case-reference', 'traceparent', 'tracestate'] as const;

export async function prepareGateway(config: Config, supergraphSdl: string, timeoutMs: number): Promise<GatewaySetup> {
  const internal = await InternalAuth.fromConfig(GATEWAY, config, 'to run the gateway (it signs every subgraph request)');
  const trustedKeys = config.federation!.internalAuth!.trustedKeys;
  const declared = supergraphSchema(supergraphSdl);
  const graphs = supergraphParts(declared);
  const missing = [...graphs.values()].filter(({ url }) => url !== EMBEDDED_URL).filter(({ name }) => trustedKeys[name] === undefined).map(({ name }) => `federation.internalAuth.trustedKeys.${name}: required — the gateway checks that ${name}'s answers are its own`);
  if (missing.length > 0) throw new ConfigError(missing);
  const embedded = [...graphs.values()].some(({ name, url }) => name === SAMGRAF_PART && url === EMBEDDED_URL);
  const samgrafPart = embedded ? buildPartSchema(SAMGRAF_PART) : null;
  const executable = getStitchedSchemaFromSupergraphSdl({
    supergraphSdl,
    // samgraf's own part, when the gateway serves it, runs in this process with the request's own context.
    onSubschemaConfig: (subschema) => {
      if (samgrafPart === null || subschema.endpoint !== EMBEDDED_URL) return;
      subschema.executor = ((request: ExecutionRequest) => execute({
        schema: samgrafPart, document: request.document, variableValues: request.variables ?? {}, contextValue: request.context, operationName: request.operationName ?? null,
      })) as typeof subschema.executor;
    },
    httpExecutorOpts: ({ name: graph }) => {
      const part = graphs.get(graph)!.name;
      // The timeout is the transport's own: the engine's would tie a listener per request to one long-lived
      // signal of the executor (MaxListenersExceededWarning under load).
      return { deduplicateInflightRequests: false, fetch: signedFetch(part, internal, timeoutMs) as never };
    },
  });
  withSamgrafScalars(executable);
  enforceKeyRules(executable, declared);
  relocateSubgraphErrors(executable);
  return { executable, declared, internal, embedsSamgrafPart: embedded, parts: new Map([...graphs.values()].map(({ name, url }) => [name, url])) };
}

/** The transport to one subgraph: signed, with the client's request id and credentials; only signed answers count. */
function signedFetch(part: string, internal: InternalAuth, timeoutMs: number) {
  return async (url: string, init: RequestInit, ctx: RequestContext): Promise<Response> => {
    const body = typeof init.body === 'string' ? init.body : '';
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => { headers[name] = value; });
    for (const name of FORWARDED) {
      const value = ctx.declarations.forwarded[name];
      if (value !== undefined) headers[name] = value;
    }
    headers['x-request-id'] = ctx.requestId;
    // A partner's key stays at the gateway: the subgraph gets the principal it stands for, vouched for.
    const vouched = ctx.principal?.type === 'API_KEY' ? ctx.principal : null;
    if (vouched !== null) {
      delete headers.authorization;
      // For the calls the subgraph makes in turn on the partner's behalf (the register, the access logs).
      headers[PRINCIPAL_HEADER] = internal.signPrincipal(ctx.requestId, vouched);
    }
    ctx.access.calledSubgraph(part);
    headers[INTERNAL_HEADER] = await internal.signRequest(part, { requestId: ctx.requestId, body, headers, principal: vouched });
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const { response, text } = await inClientSpan(part, headers, async () => {
        const answer = await fetch(url, { method: 'POST', headers, body, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
        return { response: answer, text: await answer.text(), status: answer.status };
      });
      await internal.verifyResponse(response.headers.get(INTERNAL_HEADER) ?? undefined, part, { requestId: ctx.requestId, body: text });
      // A part answers GraphQL JSON — data, errors or both — with samgraf's statuses; anything else is a part
      // that cannot answer, whatever its signature says.
      if (response.status >= 500 && response.status !== 503) return unavailable(part);
      if (!isGraphQLAnswer(text)) return unavailable(part);
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch {
      // A part that cannot be reached, or whose answer is not its own, is a source unavailable — in the words
      // samgraf uses for a source, never the engine's, which quote the request (personal numbers) and the URL.
      return unavailable(part);
    }
  };
}

/**
 * Puts each subgraph error at the path of the field it belongs to. When the engine batches several objects into
 * one `_entities` request, it gives every error of the answer the path of the first object that asked
 * (@graphql-tools/batch-delegate drops the batch index: ardatan/graphql-tools#2951), though the error itself sits
 * in the right object's data. graphql-js keeps the path an error comes with, so each field's resolver re-places
 * an error it returns or throws — or that a list it returns holds — at its own path. Wrapped in place, as above.
 */
function relocateSubgraphErrors(executable: GraphQLSchema): void {
  for (const type of Object.values(executable.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, RequestContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, ctx: RequestContext, info) => {
        let value: unknown;
        try {
          value = resolve(parent, args, ctx, info);
        } catch (error) {
          throw placed(error, info.path);
        }
        if (isPromiseLike(value)) return Promise.resolve(value).then((resolved) => placedValue(resolved, info.path), (error: unknown) => { throw placed(error, info.path); });
        return placedValue(value, info.path);
      };
    }
  }
}

function placedValue(value: unknown, path: Path): unknown {
  if (value instanceof Error) return placed(value, path);
  if (Array.isArray(value) && value.some((item) => item instanceof Error)) {
    return value.map((item, index) => (item instanceof Error ? placed(item, { prev: path, key: index, typename: undefined }) : item));
  }
  return value;
}

function placed(error: unknown, path: Path): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const here = responsePathAsArray(path);
  const same = error.path !== undefined && error.path.length === here.length && error.path.every((segment, i) => segment === here[i]);
  return same ? error : relocatedError(error, here);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function isGraphQLAnswer(text: string): boolean {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && !Array.isArray(body) && ('data' in body || 'errors' in body);
  } catch {
    return false;
  }
}

/**
 * samgraf's scalars (`Date`, `DateTime`, `YearMonth`) on the engine's schema, which builds them from SDL as
 * pass-through scalars: so a client's bad date is refused as the single server refuses it (validation, 400),
 * and a value a subgraph sends is checked on its way out. In place, as the engine's schema is.
 */
function withSamgrafScalars(executable: GraphQLSchema): void {
  for (const scalar of Object.values(scalarResolvers)) {
    if (!(scalar instanceof GraphQLScalarType)) continue;
    const target = executable.getType(scalar.name);
    if (!isScalarType(target)) continue;
    target.serialize = scalar.serialize;
    target.parseValue = scalar.parseValue;
    target.parseLiteral = scalar.parseLiteral;
  }
}

/** The answer of a part that could not answer: its fields fail as SOURCE_UNAVAILABLE, naming it. */
function unavailable(part: string): Response {
  const error = new SourceUnavailableError(part);
  return new Response(JSON.stringify({ data: null, errors: [{ message: error.message, extensions: { code: error.code, source: part } }] }), {
    status: 200, headers: { 'content-type': 'application/json' },
  });
}

/**
 * Wraps the resolver of every entity key field (the fields a `@join__type(key:)` names) with its rule, in place:
 * the engine's stitched schema keeps its merging state on its types, so it is not rebuilt.
 */
function enforceKeyRules(executable: GraphQLSchema, declared: GraphQLSchema): void {
  const rules = readFieldRules(declared);
  for (const type of Object.values(declared.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const keys = new Set((getDirective(declared, type, 'join__type') ?? []).flatMap((join) => (typeof join.key === 'string' ? join.key.split(/\s+/).filter(Boolean) : [])));
    for (const key of keys) {
      const rule = rules.get(`${type.name}.${key}`);
      const field = (executable.getType(type.name) as typeof type | undefined)?.getFields()[key];
      if (rule === undefined || field === undefined) continue;
      const resolve: GraphQLFieldResolver<unknown, RequestContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, ctx: RequestContext, info) => {
        if (allows(rule, ctx.principal, parent)) return resolve(parent, args, ctx, info);
        ctx.access.denied(rule.coordinate);
        throw new UnauthorizedFieldError(rule.coordinate);
      };
    }
  }
}
