/**
 * samgraf's configuration: one JSON file, `${ENV_VAR}` substituted, validated before anything starts. Every
 * message names the offending key (`sources.<name>.url: …`); unknown keys are errors, not ignored.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SOURCE_MODULES } from '../sources/registry.js';
import { GATEWAY_NAME as GATEWAY, partNames } from './federation/parts.js';
import { DIALECT_NAMES, parseDatabaseUrl, type DatabaseTarget, type Dialect } from './core/db.js';
import { CLIENT_ID } from './security/trusted-documents.js';
import { TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from './core/principal.js';

const databaseUrl = z.string().min(1).superRefine((url, ctx) => {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** A source's URL: its agency's database (the module's dialect), or SQLite for a demo. */
const sourceUrl = (dialect: Exclude<Dialect, 'sqlite'>) => databaseUrl.superRefine((url, ctx) => {
  let target: DatabaseTarget;
  try {
    target = parseDatabaseUrl(url);
  } catch {
    return; // said by databaseUrl
  }
  if (target.dialect !== 'sqlite' && target.dialect !== dialect) {
    const scheme = url.slice(0, url.indexOf(':'));
    ctx.addIssue({ code: 'custom', message: `unsupported scheme ${scheme}: this source is on ${DIALECT_NAMES[dialect]} (${dialect}://…), or SQLite for a demo (sqlite:///…)` });
  }
});

const source = (dialect: Exclude<Dialect, 'sqlite'>) => z.strictObject({
  url: sourceUrl(dialect),
  /** Connections to this source at most (each source has its own pool). */
  poolMax: z.number().int().min(1).max(200).default(10),
  /** A statement (or acquiring a connection) that takes longer fails, costing only this source's fields. */
  statementTimeoutMs: z.number().int().min(10).max(600_000).default(5000),
  circuitBreaker: z.strictObject({
    errorThresholdPercentage: z.number().min(1).max(100).default(50),
    volumeThreshold: z.number().int().min(1).default(5),
    resetTimeoutMs: z.number().int().min(100).default(5000),
  }).default({ errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 5000 }),
  /**
   * How life events find this source's changes (src/events): `poll` reads the change columns (SELECT only);
   * `binlog` reads the MySQL/MariaDB binary log (ROW format; the user needs REPLICATION SLAVE and CLIENT).
   */
  changeCapture: z.enum(['poll', 'binlog']).default('poll'),
  /** The replica id the binary log is read as: unique among everything reading that server's log (default: random). */
  binlogServerId: z.number().int().min(1).max(4_294_967_295).optional(),
}).superRefine((value, ctx) => {
  if (value.changeCapture !== 'binlog') return;
  let target: DatabaseTarget | null = null;
  try {
    target = parseDatabaseUrl(value.url);
  } catch {
    return; // said by url
  }
  if (target.dialect !== 'mysql') ctx.addIssue({ code: 'custom', path: ['changeCapture'], message: `binlog reads a MySQL or MariaDB binary log; this source is on ${DIALECT_NAMES[target.dialect]}: use poll` });
});

type SourceSchema = ReturnType<typeof source>;
export type SourceConfig = z.infer<SourceSchema>;

const issuer = z.strictObject({
  issuer: z.string().min(1),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  jwksUrl: z.url().optional(),
  jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
  principal: z.enum(['staff', 'citizen']),
  /** Asymmetric only: HMAC with a public key, or `none`, would let anyone sign. */
  algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1).optional(),
  personalNumberClaim: z.string().min(1).optional(),
  typ: z.string().min(1).optional(),
}).refine((value) => (value.jwksUrl === undefined) !== (value.jwks === undefined), {
  message: 'give exactly one of jwksUrl and jwks',
});

/** A part of a federated deployment: where the gateway reaches it (a subgraph listens on this URL's port). */
const subgraph = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('an http:// or https:// URL, e.g. http://skv-subgraph:4001/graphql'),
});

/** An Ed25519 key as a JWK; a private one (with `d`) may come from the environment as the JWK's JSON text. */
const ed25519Jwk = z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) });
const privateJwkObject = ed25519Jwk.extend({ d: z.string().min(1) });
const privateJwk = z.union([
  privateJwkObject,
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not the JSON text of a JWK' });
      return z.NEVER;
    }
  }).pipe(privateJwkObject),
]).describe('an Ed25519 private key as a JWK (kty OKP, crv Ed25519, x, d), or its JSON text (e.g. "${SAMGRAF_INTERNAL_KEY}")');

/** A time of day, HH:MM (24 hours; 24:00 ends a day). */
const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const WORKING_HOURS = /^(?:(?:[01]\d|2[0-3]):[0-5]\d)-(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

const limits = z.strictObject({
  maxDepth: z.number().int().min(1).max(100).default(15),
  maxAliases: z.number().int().min(0).max(1000).default(30),
  maxRootFields: z.number().int().min(1).max(100).default(10),
  maxCost: z.number().int().min(1).default(250_000),
  maxTokens: z.number().int().min(100).max(1_000_000).default(20_000),
  /** Operations and fragments in one document: graphql-js validates fragments pairwise (see README "Request limits"). */
  maxDefinitions: z.number().int().min(1).max(10_000).default(100),
  /** Directives (`@include`, `@skip` …) in one document. */
  maxDirectives: z.number().int().min(0).max(10_000).default(100),
  assumedListSize: z.number().int().min(1).max(1000).default(10),
  maxBodyBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  /** Operations in one batched (array) request; 1 turns batching off. */
  maxBatchSize: z.number().int().min(1).max(100).default(1),
  executionTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** GraphQL operations executing at once; more wait in a queue (see OperationGate). */
  maxConcurrentOperations: z.number().int().min(1).max(10_000).default(16),
  /** Operations that may wait; beyond that a request is refused with OVERLOADED (503). */
  maxQueuedOperations: z.number().int().min(0).max(1_000_000).default(1_000),
});

export type LimitsConfig = z.infer<typeof limits>;

export const DEFAULT_PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];

export const configSchema = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(0).max(65535).default(4000),
    host: z.string().min(1).default('0.0.0.0'),
    /** Who may introspect the schema: everyone, any authenticated principal, or holders of scope `schema:read`. */
    introspection: z.enum(['everyone', 'authenticated', 'scope']).default('scope'),
    /** The auditor console at /console: static pages; every datum goes through the API with the user's own token. */
    console: z.boolean().default(true),
    /** The GraphQL IDE (GraphiQL) for browsers at GET /graphql; GraphQL requests are unaffected. */
    ide: z.boolean().default(true),
    /**
     * How long an idle keep-alive connection stays open. Longer than the idle timeouts of common proxies and
     * client pools (60 s), so that they, not samgraf, close it: else they may send on a socket samgraf just closed.
     */
    keepAliveTimeoutMs: z.number().int().min(1000).max(3_600_000).default(65_000),
    /** Time to receive a request's headers; longer than keepAliveTimeoutMs (checked below). Default: 1 s longer. */
    headersTimeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
    /**
     * Serve GET /metrics on this port only (of the same host), so that it can be kept off the network clients
     * reach; the main port then answers 404 there. Without it, /metrics is on the main port.
     */
    metricsPort: z.number().int().min(1).max(65535).optional(),
    /** When set, GET /metrics requires `Authorization: Bearer <this>` (e.g. "${SAMGRAF_METRICS_TOKEN}"). */
    metricsToken: z.string().min(16).describe('a secret of at least 16 characters, e.g. "${SAMGRAF_METRICS_TOKEN}"').optional(),
  }).refine((server) => server.headersTimeoutMs === undefined || server.headersTimeoutMs > server.keepAliveTimeoutMs, {
    path: ['headersTimeoutMs'],
    message: 'must be greater than server.keepAliveTimeoutMs, or a request arriving on an idle connection could be cut off while its headers are read',
  }).refine((server) => server.metricsPort === undefined || server.metricsPort !== server.port, {
    path: ['metricsPort'],
    message: 'must differ from server.port (leave it out to serve /metrics on the main port)',
  }).default({ port: 4000, host: '0.0.0.0', introspection: 'scope', console: true, ide: true, keepAliveTimeoutMs: 65_000 }),
  limits: limits.default(limits.parse({})),
  // One key per source module; a module a deployment may leave out is optional.
  sources: z.strictObject(Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, module.required ? source(module.dialect) : source(module.dialect).optional()])) as Record<string, SourceSchema>),
  store: z.strictObject({
    url: databaseUrl,
    /** Apply pending migrations at start. Off where the store's user may not run DDL (`samgraf migrate` then). */
    autoMigrate: z.boolean().default(true),
  }),
  auth: z.strictObject({
    issuers: z.array(issuer).default([]),
    clockSkewSeconds: z.number().int().min(0).max(300).default(10),
    jwksCooldownSeconds: z.number().min(0).max(300).default(1),
  }).default({ issuers: [], clockSkewSeconds: 10, jwksCooldownSeconds: 1 }),
  rateLimit: z.strictObject({
    points: z.number().int().min(1).default(1000),
    durationSeconds: z.number().int().min(1).default(1),
    /** Share one budget across replicas: `redis://host:6379`. Without it, each replica counts in memory. */
    redisUrl: z.string().regex(/^rediss?:\/\//).describe('a redis:// or rediss:// URL').optional(),
    keyPrefix: z.string().min(1).default('samgraf-rl'),
  }).default({ points: 1000, durationSeconds: 1, keyPrefix: 'samgraf-rl' }),
  accessLog: z.strictObject({
    /** Events younger than this are never deleted; `samgraf audit prune` deletes older ones. Default 5 years. */
    retentionDays: z.number().int().min(1).default(1826),
    /** Chains this process writes in parallel (see AuditLog). */
    commitLanes: z.number().int().min(1).max(32).default(4),
    /**
     * The log's Ed25519 key for signing checkpoints (src/access-log/transparency), made by `samgraf audit keygen`.
     * Without it the tree is still built, but no checkpoint is signed and no receipt issued.
     */
    signingKeyFile: z.string().min(1).optional(),
    /** The checkpoints' origin line; it must be the name the key was made for (the default). */
    origin: z.string().min(1).regex(/^[^\s+]+$/).describe('a name without spaces or +, e.g. log.fk.example/access').optional(),
    /** While events arrive, a new checkpoint at least this often. */
    checkpointIntervalSeconds: z.number().min(0.05).max(3600).default(1),
    /** The verifier keys (`name+id+key`) of the witnesses whose cosignatures every checkpoint should get. */
    witnesses: z.array(z.string().regex(/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/).describe('a C2SP verifier key <name>+<key id hex>+<base64 key>')).default([]),
    /** How long a checkpoint may lack an expected witness's cosignature before /readyz warns and the metric says so. */
    witnessTimeoutSeconds: z.number().int().min(1).max(7 * 86_400).default(300),
  }).default({ retentionDays: 1826, commitLanes: 4, checkpointIntervalSeconds: 1, witnesses: [], witnessTimeoutSeconds: 300 }),
  /**
   * Life events (src/events): changes captured from the sources, delivered to subscriptions through NATS
   * JetStream. Without natsUrl there are none.
   */
  events: z.strictObject({
    natsUrl: z.string().regex(/^(nats:\/\/)?[^\s/]+(:\d+)?(,(nats:\/\/)?[^\s/]+(:\d+)?)*$/).describe('a NATS server, e.g. nats://127.0.0.1:4222 (several comma-separated for a cluster)').optional(),
    /** The JetStream stream (created if missing); its subjects are `<stream>.<event type>`. */
    stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('letters, digits, _ and -').default('SAMGRAF_EVENTS'),
    /** How often each watched table is read for changes. */
    pollIntervalSeconds: z.number().min(0.05).max(3600).default(1),
    /** How far before its watermark a round reads again: rows that commit this much after a later-stamped one are still seen. */
    lateCommitSeconds: z.number().int().min(0).max(86_400).default(10),
    /** A webhook that takes longer has failed this attempt. */
    webhookTimeoutSeconds: z.number().min(0.1).max(120).default(10),
    /** Attempts before an event goes to the subscription's dead letters. */
    maxAttempts: z.number().int().min(1).max(100).default(8),
    /**
     * How long events are kept: in the stream (for retries and pull feeds) and as dead letters. Captured events hold
     * the full data of a change, so they are kept no longer than deliveries need.
     */
    retentionDays: z.number().min(0.01).max(365).default(7),
  }).default({ stream: 'SAMGRAF_EVENTS', pollIntervalSeconds: 1, lateCommitSeconds: 10, webhookTimeoutSeconds: 10, maxAttempts: 8, retentionDays: 7 }),
  /**
   * Systematic follow-up of the access log (src/follow-up): which reads deserve an auditor's look, and why.
   */
  followUp: z.strictObject({
    /**
     * Working hours, Swedish time: a staff read outside them is OFF_HOURS. "07:00-19:00", or an object with
     * start, end and the ISO weekdays that are working days (1 Monday … 7 Sunday; default every day).
     */
    workingHours: z.union([
      z.string().regex(WORKING_HOURS).describe('working hours as HH:MM-HH:MM, e.g. 07:00-19:00'),
      z.strictObject({
        start: z.string().regex(CLOCK).describe('a time of day, HH:MM'),
        end: z.string().regex(CLOCK).describe('a time of day, HH:MM'),
        days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
      }),
    ]).default('07:00-19:00'),
    /** Purposes whose reads must carry X-Case-Reference: a read without one is NO_CASE_REFERENCE. */
    purposesRequiringCaseReference: z.array(z.string().min(1)).default([]),
    /** VOLUME_OUTLIER (src/follow-up/rules.ts): a reader's distinct persons per day against history and peers. */
    volume: z.strictObject({
      minPersons: z.number().int().min(1).default(20),
      factor: z.number().min(1).default(3),
      deviations: z.number().min(0).default(5),
      historyDays: z.number().int().min(1).max(366).default(28),
      minHistory: z.number().int().min(1).default(5),
    }).default({ minPersons: 20, factor: 3, deviations: 5, historyDays: 28, minHistory: 5 }),
    /** How often the follow-up looks for newly committed events (seconds). */
    // Readers never wait for it: auditFindings and the CLI bring the follow-up up to date first. Each round costs a
    // dozen round trips and a read of the register whatever its size, so a round every few seconds costs far less.
    intervalSeconds: z.number().min(0.05).max(3600).default(5),
  }).default({ workingHours: '07:00-19:00', purposesRequiringCaseReference: [], volume: { minPersons: 20, factor: 3, deviations: 5, historyDays: 28, minHistory: 5 }, intervalSeconds: 5 }),
  /**
   * Partners' clients by id: an API key's id, or a JWT client's `azp` / `client_id` claim. Only a client named here
   * (or an API key) has trusted documents and its own label in samgraf_client_requests_total.
   */
  clients: z.record(
    z.string().regex(CLIENT_ID).describe('a client id: letters, digits and ._:- (an API key id or a JWT azp / client_id)'),
    z.strictObject({
      /** `required`: the client runs only its registered documents, sent by id (src/security/trusted-documents.ts). */
      trustedDocuments: z.enum(TRUSTED_DOCUMENTS_MODES as [TrustedDocumentsMode, ...TrustedDocumentsMode[]]).default('optional'),
    }),
  ).default({}).superRefine((clients, ctx) => {
    // Client ids are compared exactly; two that differ only in case are a typo waiting to hold the wrong client.
    const seen = new Map<string, string>();
    for (const id of Object.keys(clients)) {
      const other = seen.get(id.toLowerCase());
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: [id], message: `differs from client ${other} only in upper and lower case: name each client once` });
      seen.set(id.toLowerCase(), id);
    }
  }),
  purposes: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/).describe('a name of lower-case words joined by - (e.g. benefit-assessment)')).min(1).default(DEFAULT_PURPOSES),
  /** A federated deployment (src/federation): where each part runs, for the gateway and `samgraf compose`. */
  federation: z.strictObject({
    subgraphs: z.strictObject(Object.fromEntries(partNames().map((name) => [name, subgraph.optional()])) as Record<string, z.ZodOptional<typeof subgraph>>).default({}),
    /**
     * How gateway and subgraphs know each other (src/federation/internal-auth.ts): this process's own private key,
     * and the public key of the gateway and of every part it talks to. `samgraf federation keygen` makes a pair.
     */
    /**
     * How long a part waits for another (the gateway for a subgraph, a subgraph for the register, the access
     * log for an agency's): shorter than limits.executionTimeoutMs, so that one agency that hangs fails its own
     * fields and the rest is served.
     */
    subgraphTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    internalAuth: z.strictObject({
      signingKey: privateJwk,
      trustedKeys: z.strictObject(Object.fromEntries([GATEWAY, ...partNames()].map((name) => [name, ed25519Jwk.describe('an Ed25519 public key as a JWK (kty OKP, crv Ed25519, x)').optional()])) as Record<string, z.ZodOptional<typeof ed25519Jwk>>),
    }).optional(),
  }).optional(),
});

export type Config = z.infer<typeof configSchema>;
export type ClientsConfig = Config['clients'];

/**
 * The configuration of one part of a federated deployment (`samgraf subgraph --source NAME`): the agency's own
 * source is required and no other is (an agency keeps the others' credentials out of its file); the rest is as
 * for the single server. samgraf's own part and the gateway need no source, nor do the commands that work on
 * the store alone (null: migrate, apikey, audit, compose), so that they take any part's file.
 */
export function partConfigSchema(part: string | null): typeof configSchema {
  const sources = Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, module.name === part ? source(module.dialect) : source(module.dialect).optional()]));
  // The gateway's file, or samgraf's own part's, has no source at all: the section may be left out.
  return configSchema.extend({ sources: z.strictObject(sources as Record<string, SourceSchema>).default({}) }) as unknown as typeof configSchema;
}

/** `server.headersTimeoutMs`, or 1 s more than the keep-alive timeout: raising only that one must not break the other. */
export function headersTimeoutOf(server: Config['server']): number {
  return server.headersTimeoutMs ?? server.keepAliveTimeoutMs + 1000;
}

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Where a URL template's userinfo (user and password, before the authority's `@`) lies, as [start, end), or
 * null when the template is no `scheme://` URL or has no userinfo. Only the template's own text delimits it: a
 * substituted value may contain `/`, `@` or `#` and must not move the boundaries.
 */
export function userinfoSpan(template: string): [number, number] | null {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(template);
  if (!scheme) return null;
  const start = scheme[0].length;
  const literal = template.replace(PLACEHOLDER, (placeholder) => '_'.repeat(placeholder.length));
  const authorityEnd = literal.slice(start).search(/[/?#]/);
  const authority = literal.slice(start, authorityEnd === -1 ? undefined : start + authorityEnd);
  const at = authority.lastIndexOf('@');
  return at === -1 ? null : [start, start + at];
}

/**
 * Replaces `${NAME}` in every string with the environment variable; a missing variable is an error. A variable
 * in a URL's user or password is percent-encoded, so that a secret with `/`, `#`, `@` or `%` still makes a valid
 * URL (parseDatabaseUrl decodes it again); anywhere else the value goes in as it is.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = [], missing: string[] = []): unknown {
  if (typeof value === 'string') {
    const userinfo = userinfoSpan(value);
    return value.replace(PLACEHOLDER, (_match, name: string, offset: number) => {
      const replacement = env[name];
      if (replacement === undefined) {
        missing.push(`${path.join('.') || '(root)'}: environment variable ${name} is not set`);
        return '';
      }
      const inUserinfo = userinfo !== null && offset >= userinfo[0] && offset < userinfo[1];
      return inUserinfo ? encodeURIComponent(replacement) : replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, [...path, String(i)], missing));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, [...path, key], missing)]));
  }
  return value;
}

/** The parts of a JSON Schema node that describe what a key takes. */
interface SchemaNode {
  type?: string;
  description?: string;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  format?: string;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode | boolean;
}

/** The configuration's JSON Schema (draft 2020-12), generated from `configSchema`: what a file may say. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}

let jsonSchema: SchemaNode | undefined;

/** The schema node for the value at `path`; undefined where the schema says nothing about it. */
function nodeAt(path: readonly PropertyKey[]): SchemaNode | undefined {
  jsonSchema ??= configJsonSchema() as SchemaNode;
  let node: SchemaNode | undefined = jsonSchema;
  for (const segment of path) {
    if (node === undefined) return undefined;
    const isIndex = typeof segment === 'number';
    // In a union, the branch that has items (for an index) or properties (for a key).
    const branch: SchemaNode = node.anyOf?.find((option) => (isIndex ? option.items : option.properties)) ?? node;
    const extra = typeof branch.additionalProperties === 'object' ? branch.additionalProperties : undefined;
    node = isIndex ? branch.items : branch.properties?.[String(segment)] ?? extra;
  }
  return node;
}

function range(node: SchemaNode): string {
  const min = node.minimum;
  const max = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  return max !== undefined ? ` of at most ${max}` : '';
}

/** What a key takes, in words: "a whole number from 0 to 65535", "one of \"staff\", \"citizen\"". */
function expectation(node: SchemaNode): string {
  if (node.description) return node.description;
  if (node.anyOf) return node.anyOf.map(expectation).join(', or ');
  if (node.enum) return `one of ${node.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  switch (node.type) {
    case 'integer': return `a whole number${range(node)}`;
    case 'number': return `a number${range(node)}`;
    case 'boolean': return 'true or false';
    case 'string':
      if (node.format === 'uri') return 'a URL';
      if (node.pattern) return `a string matching ${node.pattern}`;
      return node.minLength ? 'a non-empty string' : 'a string';
    case 'array': return `a ${node.minItems ? 'non-empty ' : ''}list, each item ${node.items ? expectation(node.items) : 'any value'}`;
    case 'object': return node.required?.length ? `an object with ${node.required.join(', ')}` : 'an object';
    default: return 'a valid value';
  }
}

/** Keys whose values may hold secrets (a password in a URL, keys): never quoted back. */
const SECRET_KEYS = new Set(['url', 'redisUrl', 'jwksUrl', 'jwks', 'signingKey', 'metricsToken']);
const HAS_PLACEHOLDER = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;
const MAX_QUOTED_CHARS = 40;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `a string of ${value.length} characters`;
  return typeof value === 'boolean' ? 'true or false' : `a ${typeof value}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, segment) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[segment] : undefined), value);
}

/**
 * The value a key was given, as the message may show it: quoted when the file says it literally, else only its
 * kind — a secret key's value, or one that came from the environment, is never repeated.
 */
function shownValue(path: readonly PropertyKey[], value: unknown, raw: unknown): string {
  const literal = valueAt(raw, path);
  const secret = path.some((segment) => SECRET_KEYS.has(String(segment))) || (typeof literal === 'string' && HAS_PLACEHOLDER.test(literal));
  // Not even a secret's length.
  if (secret) return typeof value === 'string' ? 'a string' : kindOf(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && value !== '' && value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  return kindOf(value);
}

/**
 * One sentence per problem, naming the key and what it takes. Refinements (`custom`) carry samgraf's own
 * sentence; every other kind of issue is described from the schema, not in the validation library's words.
 */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const key = issue.path.join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `${key}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'custom') return `${key}: ${issue.message}`;
  const node = nodeAt(issue.path);
  const expected = node ? expectation(node) : 'a valid value';
  if (issue.input === undefined) return `${key}: is required; it must be ${expected}`;
  return `${key}: must be ${expected} (got ${shownValue(issue.path, issue.input, raw)})`;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, schema: typeof configSchema = configSchema): Config {
  const missing: string[] = [];
  const substituted = substituteEnv(raw, env, [], missing);
  if (missing.length > 0) throw new ConfigError(missing);
  const result = schema.safeParse(substituted, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, raw)));
  const config = result.data;
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(['PORT: must be a port number']);
    config.server.port = port;
  }
  return config;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env, schema: typeof configSchema = configSchema): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([jsonSyntaxProblem(path, text, error as Error)]);
  }
  return parseConfig(raw, env, schema);
}

/** JSON.parse's own message can quote the file's text, secrets included: say only where the error is. */
function jsonSyntaxProblem(path: string, text: string, error: Error): string {
  const position = /at position (\d+)/.exec(error.message);
  if (!position) return `${path} is not valid JSON`;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${path} is not valid JSON (line ${line}, column ${column})`;
}
