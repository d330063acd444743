/** Assembles samgraf: sources, store, security, schema, Apollo Server and the HTTP front. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Knex } from 'knex';
import type { SourceName } from './core/source.js';
import { ConfigError, headersTimeoutOf, type Config } from './config.js';
import { compiledExecution } from './compiled-execution.js';
import { createRequestContext, DataQualityCollector, type RequestContext } from './context.js';
import { CursorCodec, readCursorKey } from './core/cursor.js';
import { openDatabase } from './core/db.js';
import { configuredTargets, DatabaseHealth, StoreUnavailableError, type DatabaseName } from './health.js';
import { formatClientError } from './errors.js';
import { declaredText } from './header-text.js';
import { createHttpHandler, type InternalHttp } from './http.js';
import { GATEWAY, PRINCIPAL_HEADER, type InternalCaller } from './federation/internal-auth.js';
import { prepareGateway } from './federation/gateway.js';
import { preparePart, type PartSetup } from './federation/part.js';
import { answerLookup, LookupRefused, PERSONS_PATH, type CallerCheck, type LookupRequest } from './federation/person-directory.js';
import { resolvePurpose } from './security/purpose.js';
import type { Principal } from './core/principal.js';
import { ACCESS_LOG_PATH, answerAccessLogRead, federatedAccessLog } from './federation/access-logs.js';
import { answerFollowUpRead, FOLLOW_UP_PATH, federatedFollowUp } from './federation/findings.js';
import { SAMGRAF_PART } from './federation/parts.js';
import { SDL_PATH } from './federation/compose.js';
import { printSubgraphSdl, subgraphSdl } from './federation/subgraph-sdl.js';
import type { Logger } from './log.js';
import { ChainVerifier } from './access-log/chain-status.js';
import { AccessLogReader } from './access-log/reader.js';
import { AuditLog } from './access-log/writer.js';
import { TransparencyLog, transparencyOptions, type TransparencyOptions } from './access-log/transparency/log.js';
import { NoteError } from './access-log/transparency/note.js';
import { accessControlPlugin, requestNoter } from './plugins/access-control.js';
import { accessLogPlugin, refusedRequestEvent } from './plugins/access-log.js';
import { dataQualityPlugin } from './plugins/data-quality.js';
import { depthLimitRule, operationLimitsPlugin } from './plugins/limits.js';
import { metricsPlugin } from './plugins/metrics.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { Metrics } from './metrics.js';
import { OperationGate } from './operation-gate.js';
import { portOf, startMetricsServer } from './metrics-endpoint.js';
import { documentId, TrustedDocumentStore } from './security/trusted-documents.js';
import { FollowUp } from './follow-up/worker.js';
import { followUpRules, openFollowUpRegister } from './follow-up/setup.js';
import { followUpRequest, type FollowUpRequest } from './follow-up/service.js';
import { buildSchema } from './schema.js';
import { ApiKeyStore } from './security/api-keys.js';
import { Authenticator } from './security/authenticate.js';
import { AuthenticationError } from './security/errors.js';
import { RequestRateLimiter } from './security/rate-limit.js';
import { JwtVerifier } from './security/jwt.js';
import { lockedOutBy } from './security/purpose.js';
import { openSources, SOURCE_NAMES } from './sources.js';
import { SOURCE_MODULES } from '../sources/registry.js';
import { Source } from './core/source.js';
import { SAMGRAF_VERSION } from './version.js';
import { createWebPages } from './web/pages.js';
import { migrateStore, pendingMigrations } from './store/migrations.js';
import { LifeEvents } from './events/engine.js';
import { FeedRefusal } from './events/pull-feed.js';
import { getOperationAST, GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { Code, httpStatus, type ErrorCode } from './core/error-codes.js';
import type { PersonRecord } from './core/source-module.js';

export interface Samgraf {
  url: string;
  /** GET /metrics: on the main port, or on server.metricsPort. */
  metricsUrl: string;
  metrics: Metrics;
  httpServer: Server;
  sources: Record<SourceName, Knex>;
  store: Knex;
  auditLog: AuditLog;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Demo mode only: GET routes the demo issuer serves (its JWKS). */
  demoRoutes?: ReadonlyMap<string, () => unknown>;
  /** The benchmark's naive baseline only: one statement per load, no batching or caching. */
  unbatched?: boolean;
  /**
   * Tests only: execute with graphql-js's interpreter instead of compiled operations, to prove that both
   * serve, deny, mask and log alike.
   */
  interpreted?: boolean;
  /**
   * Serve one part of a federated deployment as its subgraph (src/federation/part.ts): a source's name, or
   * `samgraf` for samgraf's own part (`me`, the access log).
   */
  part?: string;
  /** Serve a supergraph as the federation's gateway (src/federation/gateway.ts). */
  gateway?: { supergraphSdl: string };
}

/** Large enough that an oversized token reaches samgraf and gets a 401, instead of a bare 431. */
const MAX_HEADER_BYTES = 2 * 1024 * 1024;

/**
 * Receiving a whole request (headers and body, at most limits.maxBodyBytes) may take Node's default 5 minutes,
 * which bounds slow senders; Node requires it to be at least the headers timeout.
 */
const REQUEST_TIMEOUT_MS = 300_000;

const requestTimeoutMs = (headersTimeoutMs: number) => Math.max(REQUEST_TIMEOUT_MS, headersTimeoutMs);

/**
 * What a part that asks another on the caller's behalf passes on: the gateway to the subgraphs, a subgraph to
 * the register of persons (src/federation). Held for the request only.
 */
const FORWARDED_HEADERS = ['authorization', PRINCIPAL_HEADER, 'x-purpose', 'x-legal-basis', 'x-case-reference', 'traceparent', 'tracestate'] as const;

/** X-Legal-Basis and X-Case-Reference are kept in every event: a reference, not a document. */
const MAX_DECLARATION_CHARS = 200;

export async function startSamgraf(config: Config, logger: Logger, options: StartOptions = {}): Promise<Samgraf> {
  const part = options.part === undefined ? null : await preparePart(config, options.part);
  const gateway = options.gateway === undefined ? null : await prepareGateway(config, options.gateway.supergraphSdl, subgraphTimeoutOf(config));
  // A part opens only its own source, the gateway none: an agency's credentials stay with its own subgraph.
  const ownModules = part?.modules ?? (gateway !== null ? [] : SOURCE_MODULES);
  if (part !== null || gateway !== null) config = { ...config, sources: Object.fromEntries(ownModules.flatMap((module) => (config.sources[module.name] ? [[module.name, config.sources[module.name]!]] : []))) };
  const targets = configuredTargets(config);
  const health = new DatabaseHealth(targets, logger);
  for (const warning of lockedOutBy(config.purposes)) logger.warn(warning);
  const transparencyOptions = await logKeys(config);
  const store = openDatabase(config.store.url);
  // Reading the cursor key is the first read of a table: a privilege missing there is the store failing too.
  const cursorKey = await prepareStore(store, config.store.autoMigrate, logger).then(() => readCursorKey(store)).catch(async (error: unknown) => {
    await store.destroy();
    // A driver's or the system's failure (it has a code) is the store being unreachable: say which and why.
    if ((error as { code?: unknown }).code === undefined) throw error;
    health.record('store', error);
    throw new StoreUnavailableError(targets.store, error, 'samgraf cannot start without it (samgraf migrate creates a missing database)');
  });
  health.record('store', null);
  const cursors = new CursorCodec(cursorKey);
  const metrics = new Metrics(SOURCE_NAMES);
  const { databases: sources, sources: sourceHandles } = openSources(config, {
    statement: (source, seconds, failed) => metrics.statement(source, seconds, failed),
    circuit: (source, state) => metrics.circuit(source, state),
    reached: (source, error) => health.record(source, error),
  });
  for (const name of SOURCE_NAMES.filter((name) => sources[name] === undefined && ownModules.some((module) => module.name === name))) {
    logger.warn({ source: name }, 'source not configured: its fields answer SOURCE_UNAVAILABLE');
  }
  // Once at start, so that a source that cannot be reached is logged now, not at the first request; the server
  // starts anyway and serves the rest.
  await Promise.all(Object.entries(sources).map(([name, db]) => health.check(name, db)));
  await reportUnlinkableRows(sourceHandles, sources, logger, metrics);
  const authenticator = new Authenticator(
    new JwtVerifier({
      issuers: config.auth.issuers,
      purposes: config.purposes,
      clockSkewSeconds: config.auth.clockSkewSeconds,
      jwksCooldownMs: config.auth.jwksCooldownSeconds * 1000,
      clients: config.clients,
    }),
    new ApiKeyStore(store, config.purposes, config.clients),
  );
  // Refusals are logged here, where the request is known (an AsyncLocalStorage would cost every promise).
  const logRefusal = (requestId: string, { problem, refusal: { credential, detail } }: AuthenticationError) => {
    if (credential !== undefined) logger.info({ requestId, credential, reason: problem }, 'credentials refused');
    else logger.info({ requestId, reason: detail }, 'token refused');
  };
  const auditLog = new AuditLog(store, config.accessLog.commitLanes, (seconds, events, failed) => metrics.auditCommit(seconds, events, failed));
  const rateLimiter = new RequestRateLimiter(config.rateLimit);
  const transparency = new TransparencyLog(store, transparencyOptions, logger, { sequenced: (size, failed) => metrics.treeSequenced(size, failed) });
  const chains = new ChainVerifier(store, transparency);
  const accessLog = new AccessLogReader(store, transparency);
  metrics.observeWitnesses(() => transparency.witnessLag());
  const schema = gateway?.executable ?? part?.schema ?? buildSchema();
  // What the edge checks read (rules, personal data, costs): at the gateway, the supergraph as composed.
  const declared = gateway?.declared ?? schema;
  const apollo = new ApolloServer<RequestContext>({
    // The same schema, executed by compiled operations instead of graphql-js's interpreter (compiled-execution.ts);
    // the gateway's by the federation engine's resolvers.
    ...(options.interpreted || gateway !== null ? { schema } : { gateway: compiledExecution(schema) }),
    formatError: formatClientError,
    includeStacktraceInErrorResponses: false,
    // samgraf's own handler closes HTTP first, then Apollo, then the databases.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // samgraf sets no cache hints; Apollo's default cache-control plugin would wrap every field's resolver.
      ApolloServerPluginCacheControlDisabled(),
      accessControlPlugin(declared, config.server.introspection, config.purposes),
      operationLimitsPlugin(declared, config.limits),
      dataQualityPlugin(logger, metrics),
      metricsPlugin(metrics),
      accessLogPlugin(auditLog, logger, { gateway: gateway !== null }),
      requestLogPlugin(),
    ],
    validationRules: [depthLimitRule(config.limits.maxDepth)],
    parseOptions: { maxTokens: config.limits.maxTokens },
    // "Did you mean …?" would describe the schema to anyone who probes it.
    hideSchemaDetailsFromClientErrors: true,
    // Introspection is decided per principal by the access-control plugin.
    introspection: true,
    // CSRF rides on credentials a browser attaches by itself (cookies, HTTP auth). samgraf reads credentials only
    // from Authorization and X-API-Key, which a cross-site page cannot send without a CORS preflight that samgraf
    // never grants, and it serves queries only: a forged request carries no one's authority. Apollo's check
    // would refuse plain GraphQL-over-HTTP GETs (400 instead of the 401 an anonymous caller is owed) for nothing.
    csrfPrevention: false,
    // Batches are split in the HTTP layer, so that each operation gets a context of its own.
    allowBatchedHttpRequests: false,
    logger,
  });
  await apollo.start();

  const trustedDocuments = new TrustedDocumentStore(store);
  const followUpRegister = openFollowUpRegister(config);
  const followUp = new FollowUp(store, followUpRules(config), followUpRegister?.facts ?? null, logger, config.followUp.intervalSeconds * 1000);
  const ownFollowUp = () => followUpRequest(store, followUp);
  // samgraf's own part, as a subgraph or served by the gateway, reads every agency's log and findings as one.
  const agencies = part?.name === SAMGRAF_PART ? { remotes: part.remoteLogs, auth: part.internal, timeoutMs: subgraphTimeoutOf(config) }
    : gateway?.embedsSamgrafPart ? { remotes: sourceParts(gateway.parts), auth: gateway.internal, timeoutMs: subgraphTimeoutOf(config), vouches: true }
      : null;
  const services = {
    followUp: agencies === null ? ownFollowUp : federatedFollowUp({ ...agencies, local: ownFollowUp }),
    sources: sourceHandles, accessLog, chains, cursors, loaders: { batched: options.unbatched !== true }, documents: trustedDocuments,
    ...(part?.people ? { people: part.people } : {}),
    ...(agencies === null ? {} : { accessLogs: federatedAccessLog({ ...agencies, local: accessLog, localChains: chains }) }),
  };
  const createContext = async (requestId: string, headers: IncomingHttpHeaders, origin: InternalCaller | null) => {
    let principal;
    try {
      // Of the other parts, only the gateway sends queries; its word on a principal stands for a partner's API
      // key, which only it can check. A caller with a token is checked here, as if it had called directly.
      if (origin !== null && origin.part !== GATEWAY) throw new AuthenticationError('MISSING', { detail: `a query signed by ${origin.part}, which is not the gateway` });
      principal = origin?.principal ?? await authenticator.authenticate({ authorization: single(headers.authorization), apiKey: single(headers['x-api-key']) });
      // The gateway counted the client's request already; its calls to the parts are that same request.
      if (principal !== null && origin?.part !== GATEWAY) await rateLimiter.consume(principal);
    } catch (error) {
      if (error instanceof AuthenticationError) logRefusal(requestId, error);
      // Refusals before execution never reach the plugins: count them here.
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      if (typeof code === 'string') metrics.denied(code);
      throw error;
    }
    return createRequestContext(services, requestId, principal, {
      purposeHeader: single(headers['x-purpose']),
      legalBasis: declaredText(single(headers['x-legal-basis']), MAX_DECLARATION_CHARS),
      caseReference: declaredText(single(headers['x-case-reference']), MAX_DECLARATION_CHARS),
      forwarded: Object.fromEntries(FORWARDED_HEADERS.map((name) => [name, single(headers[name])])),
    }, origin === null ? null : { part: origin.part, gateway: origin.part === GATEWAY });
  };

  const lifeEvents = part === null && gateway === null ? await startLifeEvents(config, store, sources, sourceHandles, auditLog, cursorKey, logger, metrics) : null;
  const eventFeed = async (headers: IncomingHttpHeaders, params: URLSearchParams, requestId: string): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> => {
    const refuse = (code: ErrorCode, message: string, extra?: Record<string, string>) => ({ status: code === Code.EVENTS_UNAVAILABLE && lifeEvents === null ? 404 : httpStatus(code), body: { errors: [{ message, extensions: { code } }] }, ...(extra ? { headers: extra } : {}) });
    if (lifeEvents === null) return refuse(Code.EVENTS_UNAVAILABLE, 'life events are off on this server: events.natsUrl is not set');
    let principal;
    try {
      principal = await authenticator.authenticate({ authorization: single(headers.authorization), apiKey: single(headers['x-api-key']) });
      if (principal === null) throw new AuthenticationError('MISSING');
      await rateLimiter.consume(principal);
    } catch (error) {
      if (error instanceof AuthenticationError) logRefusal(requestId, error);
      if (error instanceof GraphQLError) {
        const extensions = error.extensions as { code?: ErrorCode; http?: { headers?: Map<string, string> } };
        const code = extensions.code ?? Code.UNAUTHENTICATED;
        return refuse(code, error.message, Object.fromEntries(extensions.http?.headers ?? []));
      }
      return refuse(Code.AUDIT_UNAVAILABLE, 'credentials cannot be checked now (the store does not answer)');
    }
    try {
      return { status: 200, body: await lifeEvents.feed(params, principal, requestId) };
    } catch (error) {
      if (error instanceof FeedRefusal) return refuse(error.code, error.message);
      throw error;
    }
  };

  const pages = createWebPages({ console: config.server.console, ide: config.server.ide });
  if (pages.missing.length > 0) logger.warn({ missing: pages.missing }, 'browser pages turned on but not built (run npm run build); they answer 404');
  const noteRequest = requestNoter(declared);
  const gate = new OperationGate(config.limits.maxConcurrentOperations, config.limits.maxQueuedOperations);
  metrics.observeGate(() => gate.state);
  const handler = createHttpHandler({
    apollo,
    schema,
    logger,
    limits: config.limits,
    introspection: config.server.introspection,
    gate,
    createContext,
    metrics,
    pages,
    ...(options.demoRoutes ? { routes: options.demoRoutes } : {}),
    ...(part ? { internal: { auth: part.internal, routes: internalRoutes(part, sourceHandles, { auditLog, accessLog, chains, followUp: ownFollowUp }, callerCheck(part, authenticator, config.purposes)) } } : {}),
    ...(part ? { part: part.name } : gateway ? { part: GATEWAY } : {}),
    transparency,
    eventFeed,
    trustedDocuments,
    recordRefusal: async (ctx, document, sent) => {
      if (ctx.principal === null) return true;
      const named = typeof sent.operationName === 'string' ? getOperationAST(document, sent.operationName) : null;
      const operations = named ? [named] : document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      noteRequest(operations, document, ctx, isPlainObject(sent.variables) ? sent.variables : {});
      if (!ctx.readsPersonalData) return true;
      try {
        await auditLog.append(refusedRequestEvent(ctx, ctx.principal, typeof sent.operationName === 'string' ? sent.operationName : named?.name?.value ?? null, documentId(sent.query as string)));
        return true;
      } catch (error) {
        logger.error({ requestId: ctx.requestId, err: { name: (error as Error).name, code: (error as { code?: unknown }).code } }, 'access-log event not written; response withheld');
        return false;
      }
    },
    metricsToken: config.server.metricsToken,
    metricsElsewhere: config.server.metricsPort !== undefined,
    isReady: async () => {
      const databases: [DatabaseName, Knex][] = [...Object.entries(sources), ['store', store]];
      const results = await Promise.all(databases.map(async ([name, db]) => [name, await health.check(name, db)] as const));
      const lagging = await transparency.witnessLag().catch(() => []);
      return {
        ready: results.every(([, result]) => result.state === 'up'),
        checks: Object.fromEntries(results.map(([name, result]) => [name, result.state])),
        details: Object.fromEntries(results),
        // Readiness is about serving: a witness that is late is for the operator to look into, not a reason to stop.
        warnings: [
          ...(sequencerStuck(transparency.sequencingFailingSince, config.accessLog.checkpointIntervalSeconds) ? ['the access log\'s tree has not grown for several checkpoint intervals: every sequencing round fails (see the log), so new reads get no leaf, checkpoint or receipt'] : []),
          ...(transparency.verifierKey === null ? ['accessLog.signingKeyFile is not set: the access log\'s checkpoints are not signed, so no one outside can hold it to them, and citizens get no receipts'] : []),
          ...lagging.filter((w) => w.overdue).map((w) => `the access log's newest checkpoint has lacked the cosignature of witness ${w.witness} for ${Math.round(w.lagSeconds)} s (accessLog.witnessTimeoutSeconds)`),
        ],
      };
    },
  });
  const httpServer = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    headersTimeout: headersTimeoutOf(config.server),
    requestTimeout: requestTimeoutMs(headersTimeoutOf(config.server)),
  }, (req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.server.port, config.server.host, () => resolve());
  });
  const metricsServer = config.server.metricsPort === undefined ? null : await startMetricsServer(metrics, config.server.metricsPort, config.server.host, config.server.metricsToken)
    .catch(async (error: unknown) => {
      await new Promise((resolve) => httpServer.close(resolve));
      throw error;
    });
  transparency.start();
  followUp.start();
  const { port } = httpServer.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ version: SAMGRAF_VERSION, node: process.version, port, ...(metricsServer ? { metricsPort: portOf(metricsServer) } : {}), auditWriters: auditLog.writerIds }, 'samgraf listening');

  return {
    url,
    metricsUrl: metricsServer ? `http://${host}:${portOf(metricsServer)}/metrics` : url.replace(/\/graphql$/, '/metrics'),
    metrics,
    httpServer,
    sources,
    store,
    auditLog,
    async close() {
      logger.info('samgraf shutting down: finishing in-flight requests');
      // Stop accepting, let in-flight requests finish, and drop idle keep-alive connections so close returns.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await closed;
      if (metricsServer) {
        const metricsClosed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        await metricsClosed;
      }
      await apollo.stop();
      await lifeEvents?.close();
      await auditLog.flush();
      await transparency.stop();
      await followUp.stop();
      await followUpRegister?.close();
      await rateLimiter.close();
      for (const source of Object.values(sourceHandles)) source.shutdown();
      await Promise.all([...Object.values(sources).map((db) => db.destroy()), store.destroy()]);
      logger.info('samgraf stopped');
    },
  };
}

/**
 * Life events when `events.natsUrl` is set (src/events); the people a delivery needs come from the register of
 * persons, as a query's would. Without it the server says that there are none.
 */
async function startLifeEvents(config: Config, store: Knex, sources: Readonly<Record<string, Knex>>, handles: Readonly<Record<string, Source>>, auditLog: AuditLog, keySecret: Buffer, logger: Logger, metrics: Metrics): Promise<LifeEvents | null> {
  if (config.events.natsUrl === undefined) {
    logger.info('life events are off: events.natsUrl is not set');
    return null;
  }
  const register = SOURCE_MODULES.find((module) => module.people !== undefined)!;
  const people = async (numbers: readonly string[]): Promise<ReadonlyMap<string, PersonRecord | null>> => {
    const loaders = register.createLoaders({ source: handles[register.name] ?? Source.unconfigured(register.name), dataQuality: new DataQualityCollector(), options: { batched: true }, principal: null });
    const records = await register.people!.person(loaders).loadMany([...numbers]);
    const failed = records.find((record): record is Error => record instanceof Error);
    if (failed) throw failed;
    return new Map(numbers.map((pnr, i) => [pnr, records[i] as PersonRecord | null]));
  };
  try {
    return await LifeEvents.start({
      config: config.events,
      store,
      sources: SOURCE_MODULES.filter((module) => sources[module.name] !== undefined).map((module) => {
        const source = config.sources[module.name]!;
        return { module, db: sources[module.name]!, url: source.url, changeCapture: source.changeCapture, binlogServerId: source.binlogServerId };
      }),
      auditLog,
      people,
      keySecret,
      logger,
      observe: { published: (events) => metrics.eventsPublished(events), delivery: (result) => metrics.eventDelivery(result) },
    });
  } catch (error) {
    // Said with the servers' hosts only: a NATS URL may carry credentials.
    const hosts = config.events.natsUrl.split(',').map((server) => server.replace(/^[a-z]+:\/\//, '').replace(/^[^@]*@/, '')).join(',');
    throw new EventsUnavailableError(`events.natsUrl: cannot reach NATS JetStream at ${hosts} (${String((error as { code?: unknown }).code ?? (error as Error).name)}); samgraf does not start without the life events it was configured for`);
  }
}

/** NATS does not answer at start: the message names the hosts (never credentials). */
class EventsUnavailableError extends Error {
  readonly code = Code.EVENTS_UNAVAILABLE;
}

/** Whether sequencing has failed for longer than three checkpoint intervals (one failed round is a race, not a fault). */
function sequencerStuck(failingSince: number | null, intervalSeconds: number): boolean {
  return failingSince !== null && Date.now() - failingSince > 3 * intervalSeconds * 1000;
}

/** The access log's signing and witness keys (accessLog.signingKeyFile, accessLog.witnesses), read before anything starts. */
async function logKeys(config: Config): Promise<TransparencyOptions> {
  try {
    return await transparencyOptions(config.accessLog);
  } catch (error) {
    if (error instanceof NoteError) throw new ConfigError([error.problem.startsWith('accessLog.') ? error.problem : `accessLog.signingKeyFile: ${error.problem}`]);
    throw error;
  }
}

/** How long a part waits for another: `federation.subgraphTimeoutMs`, and never as long as the whole request may take. */
function subgraphTimeoutOf(config: Config): number {
  return Math.min(config.federation?.subgraphTimeoutMs ?? 10_000, Math.max(100, config.limits.executionTimeoutMs - 1000));
}

/** The sources' parts a gateway's supergraph names, for the access-log reads of samgraf's part it serves. */
function sourceParts(parts: ReadonlyMap<string, string>): { part: string; url: string }[] {
  return [...parts].filter(([name]) => name !== SAMGRAF_PART).map(([part, url]) => ({ part, url }));
}

/**
 * The routes only other parts may call: every source's part lets samgraf's own part read its access log; the
 * register of persons also answers the others' lookups.
 */
function internalRoutes(part: PartSetup, handles: Readonly<Record<string, Source>>, log: { auditLog: AuditLog; accessLog: AccessLogReader; chains: ChainVerifier; followUp: () => FollowUpRequest }, callerOf: CallerCheck): InternalHttp['routes'] {
  const routes = new Map<string, (request: LookupRequest) => Promise<string>>();
  const sdl = JSON.stringify({ sdl: printSubgraphSdl(subgraphSdl(part.name)) });
  routes.set(SDL_PATH, async (request) => {
    if (request.caller.part !== GATEWAY) throw new LookupRefused('only the gateway composes the supergraph');
    return sdl;
  });
  if (part.name === SAMGRAF_PART) return routes;
  // samgraf's own part reads it: as a subgraph of its own, or served by the gateway.
  routes.set(ACCESS_LOG_PATH, (request) => answerAccessLogRead(request, log.accessLog, log.chains, log.auditLog, [SAMGRAF_PART, GATEWAY], callerOf));
  routes.set(FOLLOW_UP_PATH, (request) => answerFollowUpRead(request, log.followUp, log.accessLog, log.auditLog, [SAMGRAF_PART, GATEWAY], callerOf));
  if (!part.isRegister) return routes;
  const register = part.modules[0]!;
  routes.set(PERSONS_PATH, async (request) => {
    // The other sources' parts ask whom they may show; the gateway and samgraf's own part never need to.
    if (request.caller.part === GATEWAY || request.caller.part === SAMGRAF_PART || request.caller.part === part.name) throw new LookupRefused(`${request.caller.part} does not look persons up`);
    const loaders = register.createLoaders({ source: handles[register.name]!, dataQuality: new DataQualityCollector(), options: { batched: true }, principal: null });
    return answerLookup(request, register.people!.person(loaders), log.auditLog, callerOf);
  });
  return routes;
}

/**
 * Who a part asking on a caller's behalf is asking for, judged here: the caller's own token (verified as at the
 * edge), or the gateway's signed word on a partner for this very request — never the asking part's word — and
 * a purpose the caller may state.
 */
function callerCheck(part: PartSetup, authenticator: Authenticator, purposes: readonly string[]): CallerCheck {
  return async (request, options = { purpose: true }) => {
    const header = (name: string) => single(request.headers[name]);
    let principal: Principal | null;
    try {
      const assertion = header(PRINCIPAL_HEADER);
      principal = assertion !== undefined ? part.internal.verifyPrincipal(assertion, request.requestId) : await authenticator.authenticate({ authorization: header('authorization'), apiKey: undefined });
    } catch {
      throw new LookupRefused("the caller's credentials do not hold");
    }
    if (principal === null) throw new LookupRefused('a part asks on behalf of a caller: send their credentials');
    if (!options.purpose) return principal;
    try {
      resolvePurpose(principal, header('x-purpose'), purposes);
    } catch {
      throw new LookupRefused('the caller may not state this purpose');
    }
    return principal;
  };
}

/**
 * Rows no request can reach (they name no person) are never served, so they would never be reported by a
 * request: each module counts its own once at start, as data-quality findings. A source that cannot be asked
 * now is skipped; its state is logged by the health check.
 */
async function reportUnlinkableRows(handles: Readonly<Record<string, Source>>, configured: Readonly<Record<string, Knex>>, logger: Logger, metrics: Metrics): Promise<void> {
  await Promise.all(SOURCE_MODULES.filter((module) => module.unlinkableRows !== undefined && configured[module.name] !== undefined).map(async (module) => {
    try {
      for (const { table, column, problem, count } of await module.unlinkableRows!(handles[module.name]!)) {
        if (count === 0) continue;
        logger.warn({ dataQuality: { source: module.name, table, column, problem, count } }, 'legacy rows no request can reach');
        metrics.dataQualityFinding(module.name, table, column, count);
      }
    } catch (error) {
      logger.warn({ source: module.name, code: (error as { code?: unknown }).code }, 'could not count the legacy rows no request can reach');
    }
  }));
}

async function prepareStore(store: Knex, autoMigrate: boolean, logger: Logger): Promise<void> {
  if (autoMigrate) {
    const applied = await migrateStore(store);
    if (applied.length > 0) logger.info({ applied }, 'store migrated');
    return;
  }
  const pending = await pendingMigrations(store);
  if (pending.length > 0) throw new Error(`the store has ${pending.length} pending migration(s): run samgraf migrate`);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
