/**
 * The HTTP front: GraphQL over HTTP at /graphql (GET and POST), the operational endpoints, and the browser pages
 * (the auditor console under /console, the GraphQL IDE for a browser at /graphql). A small node:http handler
 * rather than a framework, because Apollo's integration API is all the GraphQL part needs.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { getOperationAST, GraphQLError, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { RequestContext } from './context.js';
import { Code, httpStatus, withHttpStatus, type ErrorCode } from './core/error-codes.js';
import type { LimitsConfig } from './config.js';
import type { Reachability } from './health.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { OperationGate, OverloadedError } from './operation-gate.js';
import { answerMetrics } from './metrics-endpoint.js';
import { DocumentFactsCache, type ParsedFacts } from './document-facts.js';
import type { IntrospectionPolicy } from './plugins/access-control.js';
import { anonymousAliasError, documentBoundsError, maxBracketNesting } from './plugins/limits.js';
import { DENIALS, operationLabel } from './plugins/metrics.js';
import { RequestLogEntry } from './plugins/request-log.js';
import { AuditUnavailableGraphQLError, AuthenticationError } from './security/errors.js';
import { chooseDocument, TrustedDocumentRefusal, type SentDocument, type TrustedDocumentStore } from './security/trusted-documents.js';
import { GATEWAY, INTERNAL_HEADER, InternalAuthError, type InternalAuth, type InternalCaller } from './federation/internal-auth.js';
import { LookupRefused, type LookupRequest } from './federation/person-directory.js';
import { wantsIdePage, type WebPages } from './web/pages.js';
import { endServerSpan, inServerSpan } from './telemetry.js';
import { acceptedRequestId, newRequestId } from './request-id.js';
import type { Span } from '@opentelemetry/api';
import { LogRequestError, type TransparencyLog } from './access-log/transparency/log.js';

const KNOWN_PATHS = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);
/** The transparency log's public routes (src/access-log/transparency): no credentials, no personal data. */
const LOG_PATHS = new Set(['/log/checkpoint', '/log/consistency', '/log/cosignature', '/log/key']);

/**
 * A federated part's side of internal authentication (src/federation/internal-auth.ts): requests another part
 * signed are verified before anything else is read of them, and their answers are signed.
 */
export interface InternalHttp {
  auth: InternalAuth;
  /** POST routes only other parts may call (the register's person lookups): the answer's JSON text. */
  routes: ReadonlyMap<string, (request: LookupRequest) => Promise<string>>;
}

export interface HttpOptions {
  apollo: ApolloServer<RequestContext>;
  /** The schema Apollo serves: names the operations refused before they reach Apollo, in the metrics. */
  schema: GraphQLSchema;
  /** `origin`: the part that sent the request, verified, or null for a client's own request. */
  createContext(requestId: string, headers: IncomingHttpHeaders, origin: InternalCaller | null): Promise<RequestContext>;
  internal?: InternalHttp;
  /** Extra GET routes (the demo issuer's JWKS, the console's demo personas); none outside demo mode. */
  routes?: ReadonlyMap<string, () => unknown>;
  /** The console and the IDE page, where the config turns them on. */
  pages?: WebPages;
  isReady(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'>; details: Record<string, Reachability>; warnings: string[] }>;
  /** The access log's checkpoints, proofs and cosignatures, served under /log/. */
  transparency?: TransparencyLog;
  /** The life events' pull feed, GET /events (src/events/pull-feed.ts): authenticates and answers the request. */
  eventFeed?: (headers: IncomingHttpHeaders, params: URLSearchParams, requestId: string) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;
  logger: Logger;
  metrics: Metrics;
  limits: Pick<LimitsConfig, 'maxBodyBytes' | 'maxBatchSize' | 'executionTimeoutMs' | 'maxDepth' | 'maxTokens' | 'maxDefinitions' | 'maxDirectives' | 'maxAliases'>;
  /** Whether a caller without credentials may introspect: if not, such a document is refused before validation. */
  introspection: IntrospectionPolicy;
  /** Bounds the operations executing at once. */
  gate: OperationGate;
  /** `server.metricsToken`: GET /metrics needs it as a bearer token. */
  metricsToken?: string | undefined;
  /** `server.metricsPort` is set: /metrics is served there, not here. */
  metricsElsewhere?: boolean;
  /**
   * Writes the access-log event of a request refused before Apollo (its text, where a trusted document was
   * required), if it names personal data; false when the event could not be written.
   */
  recordRefusal(context: RequestContext, document: DocumentNode, sent: { operationName?: unknown; variables?: unknown; query?: unknown }): Promise<boolean>;
  /** The clients' trusted documents (src/security/trusted-documents.ts), looked up by client and id. */
  trustedDocuments: Pick<TrustedDocumentStore, 'find'>;
  /** Which part of a federation this server is (`gateway`, a source's name, `samgraf`), for traces. */
  part?: string;
}

class HttpError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.status = httpStatus(code);
  }
}

/** The request target, read once per request: the route, and a GraphQL GET's or a route's parameters. */
function urlOf(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    throw new HttpError(Code.BAD_REQUEST, 'the request target is not a valid URL');
  }
}

function allowOnly(req: IncomingMessage, methods: readonly string[]): void {
  if (!methods.includes(req.method ?? '')) {
    throw new HttpError(Code.METHOD_NOT_ALLOWED, `use ${methods.join(' or ')}`, { allow: methods.join(', ') });
  }
}

const isConsolePath = (path: string) => path === '/console' || path.startsWith('/console/');
const isIdeAsset = (path: string) => path.startsWith('/graphql/assets/');

/** The metrics label of a path: one of ours, or `other` (client text must not become a label). */
function pathLabel(path: string): string {
  if (KNOWN_PATHS.has(path) || LOG_PATHS.has(path) || path === '/events') return path;
  if (isConsolePath(path)) return '/console';
  if (isIdeAsset(path)) return '/graphql';
  return 'other';
}

export function createHttpHandler(options: HttpOptions) {
  const pages = options.pages;
  const documents = new DocumentFactsCache({
    maxNesting: maxBracketNesting(options.limits.maxDepth),
    maxTokens: options.limits.maxTokens,
    servedMutations: new Set(Object.keys(options.schema.getMutationType()?.getFields() ?? {})),
  });
  return function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = acceptedRequestId(req.headers['x-request-id']) ?? newRequestId();
    return inServerSpan('samgraf.request', req.headers, { 'samgraf.request_id': requestId, 'samgraf.part': options.part ?? 'samgraf' }, (span) => serve(req, res, requestId, span));
  };

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string, span: Span | null): Promise<void> {
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    let path = 'other';
    const entry = new RequestLogEntry();
    res.once('finish', () => {
      const label = pathLabel(path);
      // Named by samgraf's own label of the path: never the client's text.
      span?.updateName(`${req.method === 'GET' || req.method === 'HEAD' ? req.method : 'POST'} ${label}`);
      endServerSpan(span, res.statusCode);
      options.metrics.response(label, res.statusCode);
      // One line per request; the path is logged only when it is one of ours (others are client text).
      options.logger.info({ requestId, method: req.method, path: label, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6, ...entry.fields() }, 'request');
    });
    try {
      const url = urlOf(req);
      path = url.pathname;
      const internalRoute = options.internal?.routes.get(path);
      if (internalRoute) {
        allowOnly(req, ['POST']);
        return await internalCall(req, res, requestId, options.internal!, internalRoute, options.limits.maxBodyBytes);
      }
      if (LOG_PATHS.has(path) && options.transparency) return await logRoute(req, res, url, options.transparency);
      if (path === '/events' && options.eventFeed) {
        allowOnly(req, ['GET']);
        const answer = await options.eventFeed(req.headers, url.searchParams, requestId);
        // Personal data: never kept by a cache.
        res.setHeader('cache-control', 'no-store');
        for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
        return sendJson(res, answer.status, answer.body);
      }
      if (path === '/graphql') {
        allowOnly(req, ['GET', 'POST']);
        if (pages?.ideEnabled && wantsIdePage(req, url) && pages.ide(req, res) === 'served') return;
        return await graphql(req, res, url, requestId, options, documents, entry);
      }
      const route = KNOWN_PATHS.has(path) ? undefined : options.routes?.get(path);
      if (!route && pages && ((pages.consoleEnabled && isConsolePath(path)) || (pages.ideEnabled && isIdeAsset(path)))) {
        allowOnly(req, ['GET', 'HEAD']);
        const served = isIdeAsset(path) ? pages.ideAsset(path, req, res) : pages.console(path, req, res);
        if (served === 'served') return;
        throw new HttpError(Code.NOT_FOUND, 'not found: no such file');
      }
      if (path === '/metrics' && options.metricsElsewhere) throw new HttpError(Code.NOT_FOUND, 'not found: /metrics is served on server.metricsPort');
      if (!KNOWN_PATHS.has(path) && !route) throw new HttpError(Code.NOT_FOUND, `not found: samgraf serves /graphql, /healthz, /readyz${pages?.consoleEnabled ? ', /metrics and /console' : ' and /metrics'}`);
      allowOnly(req, ['GET', 'HEAD']);
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/metrics') return await answerMetrics(req, res, options.metrics, options.metricsToken);
      if (route) {
        // Demo routes hand out keys and tokens: never kept by a cache.
        res.setHeader('cache-control', 'no-store');
        return sendJson(res, 200, route());
      }
      const { ready, checks, details, warnings } = await options.isReady();
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks, details, warnings });
    } catch (error) {
      if (error instanceof HttpError) {
        entry.failed(error.code);
        for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
        if (error.status === 413) res.setHeader('connection', 'close');
        return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
      }
      const code = (error as { code?: unknown }).code;
      // A client that hangs up mid-request is not a server fault.
      const level = code === 'ECONNRESET' || code === 'ECONNABORTED' || (error as Error).message === 'aborted' ? 'info' : 'error';
      options.logger[level]({ requestId, err: { name: (error as Error).name, code } }, 'request failed');
      if (!res.headersSent) sendJson(res, httpStatus(Code.INTERNAL_SERVER_ERROR), { errors: [{ message: 'Internal server error', extensions: { code: Code.INTERNAL_SERVER_ERROR } }] });
      else res.destroy();
    }
  };
}

async function graphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, options: HttpOptions, documents: DocumentFactsCache, entry: RequestLogEntry): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = method === 'POST' ? await readBody(req, options.limits.maxBodyBytes) : undefined;
  const origin = await verifiedOrigin(req, requestId, raw, options.internal);
  const body = raw === undefined ? undefined : parseBody(raw, headers.get('content-type'));
  if (Array.isArray(body)) {
    if (options.limits.maxBatchSize <= 1) throw new HttpError(Code.BATCHING_DISABLED, 'batched (array) requests are turned off: send one operation per request');
    if (body.length === 0) throw badRequest('a batch (a JSON array) holds at least one operation');
    if (body.length > options.limits.maxBatchSize) throw new HttpError(Code.BATCH_TOO_LARGE, `a batch may hold at most ${options.limits.maxBatchSize} operations`);
  }
  const members = method === 'GET' ? [membersOfSearch(url.searchParams)] : Array.isArray(body) ? body : [body];
  members.forEach(checkMembers);
  for (const text of queryTexts(body, url)) {
    if (documents.read(text).nesting > maxBracketNesting(options.limits.maxDepth)) {
      throw new HttpError(Code.QUERY_TOO_DEEP, `the document nests deeper than the limit (${options.limits.maxDepth} levels of fields)`);
    }
  }
  // Credentials are checked before Apollo parses and validates the document: graphql-js validation costs far more
  // than this, and a caller without credentials is served schema metadata only. So is the client's hold to its
  // trusted documents, and a registered document named by id takes the place of the text. A refusal reaches
  // Apollo as a failed context, which answers it like any other (status, headers, error format, one answer per
  // batch piece).
  const admit = async (sent: GraphQLRequestMembers): Promise<Admitted> => {
    const started = process.hrtime.bigint();
    let context: RequestContext;
    try {
      context = await entry.track(() => options.createContext(requestId, req.headers, origin));
    } catch (error) {
      return { context: () => Promise.reject(error), members: sent };
    }
    const refuse = (refusal: GraphQLError, document: DocumentNode | null): Admitted => {
      // Refused before Apollo, so the metrics plugin never sees it: counted here as it would count it.
      const operation = document && getOperationAST(document, typeof sent.operationName === 'string' ? sent.operationName : undefined);
      options.metrics.request(document ? operationLabel(options.schema, document, operation) : 'none', 'error', Number(process.hrtime.bigint() - started) / 1e9);
      options.metrics.clientRequest(context.principal, 'refused');
      const code = String(refusal.extensions.code);
      if (DENIALS.has(code)) options.metrics.denied(code);
      entry.failed(code);
      return { context: () => Promise.reject(refusal), members: sent };
    };
    let members = sent;
    try {
      // The gateway held its client to its documents already; what it sends a part is its own plan of that document.
      const choice = origin?.part === GATEWAY ? { kind: 'as-sent' as const } : await chooseDocument(sentDocument(sent), context.principal?.client, (client, id) => options.trustedDocuments.find(client, id));
      if (choice.kind === 'registered') members = withRegisteredText(sent, choice.text);
    } catch (error) {
      if (!(error instanceof TrustedDocumentRefusal)) return { context: () => Promise.reject(error), members: sent };
      const document = typeof sent.query === 'string' ? documents.read(sent.query).parsed && parse(sent.query, { maxTokens: options.limits.maxTokens }) : null;
      // A text refused is still an attempt at the persons it names: on record before the refusal leaves.
      if (document && !(await options.recordRefusal(context, document, sent))) return refuse(new AuditUnavailableGraphQLError(), document);
      return refuse(new GraphQLError(error.message, { extensions: withHttpStatus(error.code) }), document);
    }
    const query = members.query;
    const facts = typeof query === 'string' ? documents.read(query).parsed : null;
    const refusal = facts && refusalOf(facts, context.principal === null, options);
    if (typeof query !== 'string' || !refusal) return { context: async () => context, members };
    // The text parsed when its facts were read.
    return refuse(refusal, parse(query, { maxTokens: options.limits.maxTokens }));
  };
  const execute = async (piece: unknown, index: number) => {
    const admitted = await admit(members[index] as GraphQLRequestMembers);
    const replaced = admitted.members !== members[index];
    return options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method,
        headers,
        // A registered document's text stands where the id was: in the body, or in a GET's parameters.
        search: replaced && method === 'GET' ? searchOf(url.searchParams, admitted.members) : url.search,
        body: replaced && method !== 'GET' ? admitted.members : piece,
      },
      context: admitted.context,
    });
  };
  // Each operation of a batch runs as a request of its own — its own context, access-log event and rate-limit
  // point — because per-request state (loaders, the access record) must never be shared between operations.
  // The time spent waiting for a slot counts towards the execution timeout; a request that times out waiting
  // never executes.
  const timeout = new AbortController();
  // A client that hangs up while its request waits for a slot takes the request with it.
  res.once('close', () => {
    if (!res.writableFinished) timeout.abort(Object.assign(new Error('aborted'), { code: 'ECONNABORTED' }));
  });
  const work = options.gate.run(() => (Array.isArray(body) ? executeBatch(body, execute) : execute(body, 0)), timeout.signal)
    .catch((error: unknown) => {
      if (error instanceof OverloadedError) throw new HttpError(Code.OVERLOADED, error.message, { 'retry-after': '1' });
      throw error;
    });
  const response = await withTimeout(work, options.limits.executionTimeoutMs, timeout);
  for (const [key, value] of response.headers) res.setHeader(key, value);
  // Answers carry personal data: no browser or proxy may keep them. (Apollo's cache-control plugin, which
  // would say so, is off.) GET /graphql also serves the IDE page to browsers, so the answer depends on Accept.
  res.setHeader('cache-control', 'no-store');
  res.setHeader('vary', 'accept');
  res.statusCode = response.status ?? 200;
  let text: string;
  if (response.body.kind === 'complete') {
    text = response.body.string;
  } else {
    text = '';
    for await (const chunk of response.body.asyncIterator) text += chunk;
  }
  if (origin !== null) res.setHeader(INTERNAL_HEADER, await options.internal!.auth.signResponse(origin.part, { requestId, body: text }));
  res.end(text);
}

/**
 * The part that signed a request, or null for a request no part signed (a client calling directly, with its
 * own credentials). A signature that does not hold is refused outright: nothing of the request is read.
 */
async function verifiedOrigin(req: IncomingMessage, requestId: string, raw: Buffer | undefined, internal: InternalHttp | undefined): Promise<InternalCaller | null> {
  const token = req.headers[INTERNAL_HEADER];
  if (token === undefined) return null;
  if (internal === undefined) throw new HttpError(Code.UNAUTHENTICATED, 'this server is not part of a federation: send your own credentials');
  // A signature binds the body: a GET's query would travel unsigned in the URL.
  if (raw === undefined) throw new HttpError(Code.BAD_REQUEST, 'a request between the parts of a federation is a POST');
  try {
    return await internal.auth.verifyRequest(Array.isArray(token) ? token[0] : token, { requestId, body: raw.toString('utf8'), headers: req.headers });
  } catch (error) {
    if (error instanceof InternalAuthError) throw new HttpError(Code.UNAUTHENTICATED, 'the request is signed as from a part of this federation, but the signature does not hold');
    throw error;
  }
}

/** A route only other parts may call: verified, answered, and the answer signed. */
async function internalCall(req: IncomingMessage, res: ServerResponse, requestId: string, internal: InternalHttp, route: (request: LookupRequest) => Promise<string>, maxBodyBytes: number): Promise<void> {
  const raw = await readBody(req, maxBodyBytes);
  const caller = await verifiedOrigin(req, requestId, raw, internal);
  if (caller === null) throw new HttpError(Code.UNAUTHENTICATED, 'only the parts of this federation may call this route');
  let answer: string;
  try {
    answer = await route({ requestId, caller, headers: req.headers, body: raw.toString('utf8') });
  } catch (error) {
    if (error instanceof LookupRefused) throw new HttpError(Code.BAD_REQUEST, error.message);
    throw error;
  }
  res.setHeader('cache-control', 'no-store');
  res.setHeader(INTERNAL_HEADER, await internal.auth.signResponse(caller.part, { requestId, body: answer }));
  sendJson(res, 200, answer, true);
}

/** A GraphQL-over-HTTP request's members, unchecked (a JSON body's pieces, or a GET's parameters). */
interface GraphQLRequestMembers {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  /** A trusted document's id (GraphQL over HTTP's persisted documents): `sha256:<hex>` or the hex alone. */
  documentId?: unknown;
}

/** A request admitted: its context (or the refusal Apollo is to answer), and the members it runs. */
interface Admitted {
  context: () => Promise<RequestContext>;
  members: GraphQLRequestMembers;
}

const DOCUMENT_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

/** What a request's checked members send: its text and the id it names a document by. */
function sentDocument({ query, documentId, extensions }: GraphQLRequestMembers): SentDocument {
  const hash = isJsonObject(extensions) && isJsonObject(extensions.persistedQuery) ? extensions.persistedQuery.sha256Hash as string : undefined;
  const id = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId)![1] : hash;
  return { query: typeof query === 'string' ? query : undefined, id, byDocumentId: typeof documentId === 'string' };
}

/** The members with the registered text as the query, and no id left for Apollo to look up again. */
function withRegisteredText({ documentId: _id, extensions, ...rest }: GraphQLRequestMembers, text: string): GraphQLRequestMembers {
  const { persistedQuery: _hash, ...otherExtensions } = isJsonObject(extensions) ? extensions : {};
  return { ...rest, query: text, ...(Object.keys(otherExtensions).length > 0 ? { extensions: otherExtensions } : {}) };
}

/** A GET's parameters for the members, as Apollo reads them. */
function searchOf(original: URLSearchParams, members: GraphQLRequestMembers): string {
  const params = new URLSearchParams();
  for (const [name, value] of original) if (!['query', 'extensions', 'documentId'].includes(name)) params.append(name, value);
  params.set('query', members.query as string);
  if (members.extensions !== undefined) params.set('extensions', JSON.stringify(members.extensions));
  return `?${params.toString()}`;
}

const isJsonObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isAbsent = (value: unknown) => value === undefined || value === null;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function badRequest(message: string): HttpError {
  return new HttpError(Code.BAD_REQUEST, message);
}

/**
 * Every member of one request by type and shape, before Apollo reads any: its own checks stop short of the
 * persisted-query extension, whose hash it hands to its cache as it is (an object there was a 500).
 */
function checkMembers(piece: unknown): void {
  if (!isJsonObject(piece)) throw badRequest('a GraphQL request is a JSON object with a query (or a persisted-query extension)');
  const { query, operationName, variables, extensions, documentId } = piece as GraphQLRequestMembers;
  if (!isAbsent(query) && typeof query !== 'string') throw badRequest('query must be a string');
  if (!isAbsent(documentId)) {
    if (typeof documentId !== 'string' || !DOCUMENT_ID.test(documentId)) throw badRequest('documentId must be a trusted document\'s id: sha256:<64 lower-case hexadecimal digits>, or the digits alone');
    if (!isAbsent(query)) throw badRequest('send either a query or a documentId, not both');
  }
  if (!isAbsent(operationName) && typeof operationName !== 'string') throw badRequest('operationName must be a string');
  if (!isAbsent(variables) && !isJsonObject(variables)) throw badRequest('variables must be a JSON object');
  if (isAbsent(extensions)) return;
  if (!isJsonObject(extensions)) throw badRequest('extensions must be a JSON object');
  const persisted = extensions.persistedQuery;
  if (isAbsent(persisted)) return;
  if (!isJsonObject(persisted)) throw badRequest('extensions.persistedQuery must be a JSON object');
  if (persisted.version !== 1) throw new HttpError(Code.PERSISTED_QUERY_NOT_SUPPORTED, 'only persisted queries of version 1 are supported');
  if (typeof persisted.sha256Hash !== 'string' || !SHA256_HEX.test(persisted.sha256Hash)) {
    throw badRequest('extensions.persistedQuery.sha256Hash must be a SHA-256 hash in 64 lower-case hexadecimal digits');
  }
}

/** A GET's members: each parameter at most once, variables and extensions as JSON. */
function membersOfSearch(params: URLSearchParams): GraphQLRequestMembers {
  const once = (name: string): string | undefined => {
    const values = params.getAll(name);
    if (values.length > 1) throw badRequest(`the ${name} parameter may be given only once`);
    return values[0];
  };
  const json = (name: string): unknown => {
    const text = once(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw badRequest(`the ${name} parameter is not valid JSON`);
    }
  };
  return { query: once('query'), operationName: once('operationName'), variables: json('variables'), extensions: json('extensions'), documentId: once('documentId') };
}

/**
 * Why a parsed document is refused before validation, if it is. Nothing here needs the schema, so that no
 * document reaches validation unless it could be served: a mutation or subscription never can; without
 * credentials, neither can any operation that selects more than `__typename` and introspection, nor
 * introspection unless the policy lets everyone introspect (validating `__schema { types { name } }` repeated
 * 1,500 times took 450 ms). Then, for everyone, the definitions and directives are bounded.
 */
function refusalOf({ notQuery, rootSelection, counts }: ParsedFacts, anonymous: boolean, { limits, introspection }: Pick<HttpOptions, 'limits' | 'introspection'>): GraphQLError | null {
  if (notQuery !== null) return new GraphQLError(notQuery === 'mutation' ? 'samgraf serves queries and one mutation, reviewFinding, only: not other mutations' : `samgraf serves queries only, not ${notQuery}s`, { extensions: withHttpStatus(Code.BAD_REQUEST) });
  const servedAnonymously = rootSelection === 'typename' || (introspection === 'everyone' && rootSelection === 'introspection');
  if (anonymous && !servedAnonymously) return new AuthenticationError('MISSING');
  return documentBoundsError(counts, limits) ?? (anonymous ? anonymousAliasError(counts, limits) : null);
}

/** The GraphQL documents a request carries, wherever they are (body, batch pieces, GET parameter). */
function queryTexts(body: unknown, url: URL): string[] {
  const pieces = Array.isArray(body) ? body : [body];
  const texts = pieces.map((piece) => (piece !== null && typeof piece === 'object' ? (piece as { query?: unknown }).query : undefined));
  return [...texts, url.searchParams.get('query')].filter((text): text is string => typeof text === 'string');
}

async function executeBatch(pieces: unknown[], execute: (piece: unknown, index: number) => Promise<HTTPGraphQLResponse>): Promise<HTTPGraphQLResponse> {
  const responses = await Promise.all(pieces.map(execute));
  const bodies = await Promise.all(responses.map(async (response) => {
    if (response.body.kind === 'complete') return response.body.string;
    let text = '';
    for await (const chunk of response.body.asyncIterator) text += chunk;
    return text;
  }));
  const statuses = new Set(responses.map((response) => response.status ?? 200));
  return {
    status: statuses.size === 1 ? [...statuses][0]! : 200,
    headers: responses[0]!.headers,
    body: { kind: 'complete', string: `[${bodies.join(',')}]` },
  };
}

/**
 * A request that runs past the execution timeout is answered 504 without data. Its execution may still
 * finish in the background; its access-log event is then written as usual (a read logged but not delivered).
 */
function withTimeout<T>(work: Promise<T>, ms: number, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HttpError(Code.EXECUTION_TIMEOUT, `the request did not finish within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** JSON bodies are parsed here; a malformed one is the client's error (400), not the server's. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (mediaType === 'application/json' || mediaType?.endsWith('+json')) {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(Code.BAD_REQUEST, 'the request body is not valid JSON');
    }
  }
  return text;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(Code.PAYLOAD_TOO_LARGE, `the request body exceeds ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(Code.PAYLOAD_TOO_LARGE, `the request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A cosignature is one checkpoint and a few signature lines: far below any body limit. */
const MAX_COSIGNATURE_BYTES = 16 * 1024;

/**
 * The transparency log's routes: the newest signed checkpoint with its cosignatures (or one of `?size=`), a
 * consistency proof (base64 hashes, one per line; JSON when asked for), the verifier key, and the witnesses'
 * cosignatures posted back. Texts as C2SP writes them; never cached, since each answer is of the log as it is now.
 */
async function logRoute(req: IncomingMessage, res: ServerResponse, url: URL, log: TransparencyLog): Promise<void> {
  const path = url.pathname;
  allowOnly(req, path === '/log/cosignature' ? ['POST'] : ['GET', 'HEAD']);
  res.setHeader('cache-control', 'no-store');
  const text = (body: string) => {
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(body);
  };
  try {
    if (path === '/log/key') {
      if (log.verifierKey === null) throw new HttpError(Code.CHECKPOINT_UNAVAILABLE, 'this log signs no checkpoints: accessLog.signingKeyFile is not set');
      return text(`${log.verifierKey}\n`);
    }
    if (path === '/log/checkpoint') {
      // A log that no longer signs serves no checkpoint either: a stale one would be cosigned as if the log stood still.
      if (log.verifierKey === null) throw new HttpError(Code.CHECKPOINT_UNAVAILABLE, 'this log signs no checkpoints: accessLog.signingKeyFile is not set');
      const size = url.searchParams.get('size');
      if (size !== null && !/^[1-9]\d{0,15}$/.test(size)) throw new HttpError(Code.BAD_REQUEST, 'size is a tree size: a whole number from 1');
      const note = size === null ? (await log.newest())?.note : await log.checkpointOfSize(Number(size));
      if (!note) throw new HttpError(Code.CHECKPOINT_UNAVAILABLE, 'no such checkpoint has been signed');
      return text(note);
    }
    if (path === '/log/consistency') {
      const [from, to] = ['from', 'to'].map((name) => url.searchParams.get(name));
      if (!from || !to || !/^\d{1,16}$/.test(from) || !/^\d{1,16}$/.test(to)) throw new HttpError(Code.BAD_REQUEST, 'from and to are tree sizes (whole numbers)');
      const proof = await log.consistency(Number(from), Number(to));
      if ((req.headers.accept ?? '').includes('application/json')) return sendJson(res, 200, { from: Number(from), to: Number(to), proof });
      return text(proof.map((hash) => `${hash}\n`).join(''));
    }
    const body = (await readBody(req, MAX_COSIGNATURE_BYTES)).toString('utf8');
    const accepted = await log.acceptCosignature(body);
    return sendJson(res, 200, { accepted: true, witness: accepted.witness, treeSize: accepted.size });
  } catch (error) {
    if (error instanceof LogRequestError) {
      const code = path === '/log/cosignature' ? Code.COSIGNATURE_REFUSED : error.status === 404 ? Code.NOT_FOUND : Code.BAD_REQUEST;
      return sendJson(res, error.status, { errors: [{ message: error.problem, extensions: { code } }] });
    }
    if (error instanceof HttpError) throw error;
    // The store failed: its driver's message may name tables and users.
    throw new HttpError(Code.AUDIT_UNAVAILABLE, 'the access log cannot be read now');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, serialized = false): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(serialized ? body as string : JSON.stringify(body));
}
