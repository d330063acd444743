/**
 * The HTTP front: GraphQL over HTTP at /graphql (GET and POST), the operational endpoints, and the browser pages
 * (the auditor console under /console, the GraphQL IDE for a browser at /graphql). A small node:http handler
 * rather than a framework, because Apollo's integration API is all the GraphQL part needs.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { RequestContext } from './context.js';
import type { LimitsConfig } from './config.js';
import type { Reachability } from './health.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { OperationGate, OverloadedError } from './operation-gate.js';
import { bracketNesting, maxBracketNesting } from './plugins/limits.js';
import { RequestLogEntry } from './plugins/request-log.js';
import { wantsIdePage, type WebPages } from './web/pages.js';

const KNOWN_PATHS = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);

export interface HttpOptions {
  apollo: ApolloServer<RequestContext>;
  createContext(requestId: string, headers: IncomingHttpHeaders): Promise<RequestContext>;
  /** Extra GET routes (the demo issuer's JWKS, the console's demo personas); none outside demo mode. */
  routes?: ReadonlyMap<string, () => unknown>;
  /** The console and the IDE page, where the config turns them on. */
  pages?: WebPages;
  isReady(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'>; details: Record<string, Reachability> }>;
  logger: Logger;
  metrics: Metrics;
  limits: Pick<LimitsConfig, 'maxBodyBytes' | 'maxBatchSize' | 'executionTimeoutMs' | 'maxDepth'>;
  /** Bounds the operations executing at once. */
  gate: OperationGate;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** A client's request id is echoed and logged, so it must be a plain token and must not look like a personal number. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PERSONAL_NUMBER_LIKE = /(?<!\d)\d{6}(\d{2})?[-+]?\d{4}(?!\d)/;

function acceptedRequestId(given: string | string[] | undefined): string | null {
  return typeof given === 'string' && REQUEST_ID.test(given) && !PERSONAL_NUMBER_LIKE.test(given) ? given : null;
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the request target is not a valid URL');
  }
}

function allowOnly(req: IncomingMessage, methods: readonly string[]): void {
  if (!methods.includes(req.method ?? '')) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, { allow: methods.join(', ') });
  }
}

const isConsolePath = (path: string) => path === '/console' || path.startsWith('/console/');
const isIdeAsset = (path: string) => path.startsWith('/graphql/assets/');

/** The metrics label of a path: one of ours, or `other` (client text must not become a label). */
function pathLabel(path: string): string {
  if (KNOWN_PATHS.has(path)) return path;
  if (isConsolePath(path)) return '/console';
  if (isIdeAsset(path)) return '/graphql';
  return 'other';
}

export function createHttpHandler(options: HttpOptions) {
  const pages = options.pages;
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = acceptedRequestId(req.headers['x-request-id']) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    let path = 'other';
    const entry = new RequestLogEntry();
    res.once('finish', () => {
      const label = pathLabel(path);
      options.metrics.response(label, res.statusCode);
      // One line per request; the path is logged only when it is one of ours (others are client text).
      options.logger.info({ requestId, method: req.method, path: label, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6, ...entry.fields() }, 'request');
    });
    try {
      path = pathOf(req);
      if (path === '/graphql') {
        allowOnly(req, ['GET', 'POST']);
        if (pages?.ideEnabled && wantsIdePage(req, new URL(req.url ?? '/', 'http://localhost')) && pages.ide(req, res) === 'served') return;
        return await graphql(req, res, requestId, options, entry);
      }
      const route = KNOWN_PATHS.has(path) ? undefined : options.routes?.get(path);
      if (!route && pages && ((pages.consoleEnabled && isConsolePath(path)) || (pages.ideEnabled && isIdeAsset(path)))) {
        allowOnly(req, ['GET', 'HEAD']);
        const served = isIdeAsset(path) ? pages.ideAsset(path, req, res) : pages.console(path, req, res);
        if (served === 'served') return;
        throw new HttpError(404, 'NOT_FOUND', 'not found: no such file');
      }
      if (!KNOWN_PATHS.has(path) && !route) throw new HttpError(404, 'NOT_FOUND', `not found: samgraf serves /graphql, /healthz, /readyz${pages?.consoleEnabled ? ', /metrics and /console' : ' and /metrics'}`);
      allowOnly(req, ['GET', 'HEAD']);
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/metrics') {
        res.setHeader('content-type', options.metrics.registry.contentType);
        res.end(await options.metrics.registry.metrics());
        return;
      }
      if (route) {
        // Demo routes hand out keys and tokens: never kept by a cache.
        res.setHeader('cache-control', 'no-store');
        return sendJson(res, 200, route());
      }
      const { ready, checks, details } = await options.isReady();
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks, details });
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
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    }
  };
}

async function graphql(req: IncomingMessage, res: ServerResponse, requestId: string, options: HttpOptions, entry: RequestLogEntry): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const body = method === 'POST' ? parseBody(await readBody(req, options.limits.maxBodyBytes), headers.get('content-type')) : undefined;
  if (Array.isArray(body)) {
    if (options.limits.maxBatchSize <= 1) throw new HttpError(400, 'BATCHING_DISABLED', 'batched (array) requests are turned off: send one operation per request');
    if (body.length > options.limits.maxBatchSize) throw new HttpError(400, 'BATCH_TOO_LARGE', `a batch may hold at most ${options.limits.maxBatchSize} operations`);
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  for (const text of queryTexts(body, url)) {
    if (bracketNesting(text) > maxBracketNesting(options.limits.maxDepth)) {
      throw new HttpError(400, 'QUERY_TOO_DEEP', `the document nests deeper than the limit (${options.limits.maxDepth} levels of fields)`);
    }
  }
  const execute = (piece: unknown) => options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search: url.search, body: piece },
    context: () => entry.track(() => options.createContext(requestId, req.headers)),
  });
  // Each operation of a batch runs as a request of its own — its own context, access-log event and rate-limit
  // point — because per-request state (loaders, the access record) must never be shared between operations.
  // The time spent waiting for a slot counts towards the execution timeout; a request that times out waiting
  // never executes.
  const timeout = new AbortController();
  // A client that hangs up while its request waits for a slot takes the request with it.
  res.once('close', () => {
    if (!res.writableFinished) timeout.abort(Object.assign(new Error('aborted'), { code: 'ECONNABORTED' }));
  });
  const work = options.gate.run(() => (Array.isArray(body) ? executeBatch(body, execute) : execute(body)), timeout.signal)
    .catch((error: unknown) => {
      if (error instanceof OverloadedError) throw new HttpError(503, 'OVERLOADED', error.message, { 'retry-after': '1' });
      throw error;
    });
  const response = await withTimeout(work, options.limits.executionTimeoutMs, timeout);
  for (const [key, value] of response.headers) res.setHeader(key, value);
  // Answers carry personal data: no browser or proxy may keep them. (Apollo's cache-control plugin, which
  // would say so, is off.) GET /graphql also serves the IDE page to browsers, so the answer depends on Accept.
  res.setHeader('cache-control', 'no-store');
  res.setHeader('vary', 'accept');
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** The GraphQL documents a request carries, wherever they are (body, batch pieces, GET parameter). */
function queryTexts(body: unknown, url: URL): string[] {
  const pieces = Array.isArray(body) ? body : [body];
  const texts = pieces.map((piece) => (piece !== null && typeof piece === 'object' ? (piece as { query?: unknown }).query : undefined));
  return [...texts, url.searchParams.get('query')].filter((text): text is string => typeof text === 'string');
}

async function executeBatch(pieces: unknown[], execute: (piece: unknown) => Promise<HTTPGraphQLResponse>): Promise<HTTPGraphQLResponse> {
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
      const error = new HttpError(504, 'EXECUTION_TIMEOUT', `the request did not finish within ${ms} ms`);
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
      throw new HttpError(400, 'BAD_REQUEST', 'the request body is not valid JSON');
    }
  }
  return text;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
