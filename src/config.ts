/**
 * samgraf's configuration: one JSON file, `${ENV_VAR}` substituted, validated before anything starts. Every
 * message names the offending key (`sources.socialInsurance.url: …`); unknown keys are errors, not ignored.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDatabaseUrl } from './db.js';

const databaseUrl = z.string().min(1).superRefine((url, ctx) => {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const source = z.strictObject({
  url: databaseUrl,
  /** Connections to this source at most (each source has its own pool). */
  poolMax: z.number().int().min(1).max(200).default(10),
  /** A statement (or acquiring a connection) that takes longer fails, costing only this source's fields. */
  statementTimeoutMs: z.number().int().min(10).max(600_000).default(5000),
  circuitBreaker: z.strictObject({
    errorThresholdPercentage: z.number().min(1).max(100).default(50),
    volumeThreshold: z.number().int().min(1).default(5),
    resetTimeoutMs: z.number().int().min(100).default(5000),
  }).default({ errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 5000 }),
});

const issuer = z.strictObject({
  issuer: z.string().min(1),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  jwksUrl: z.url().optional(),
  jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
  principal: z.enum(['staff', 'citizen']),
  algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'], {
    message: 'only asymmetric algorithms (RS*, PS*, ES*, EdDSA) may be allowed',
  })).min(1).optional(),
  personalNumberClaim: z.string().min(1).optional(),
  typ: z.string().min(1).optional(),
}).refine((value) => (value.jwksUrl === undefined) !== (value.jwks === undefined), {
  message: 'give exactly one of jwksUrl and jwks',
});

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
  }).default({ port: 4000, host: '0.0.0.0', introspection: 'scope', console: true, ide: true }),
  limits: limits.default(limits.parse({})),
  sources: z.strictObject({
    populationRegister: source,
    socialInsurance: source,
    employmentService: source,
  }),
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
    redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(),
    keyPrefix: z.string().min(1).default('samgraf-rl'),
  }).default({ points: 1000, durationSeconds: 1, keyPrefix: 'samgraf-rl' }),
  accessLog: z.strictObject({
    /** Events younger than this are never deleted; `samgraf audit prune` deletes older ones. Default 5 years. */
    retentionDays: z.number().int().min(1).default(1826),
    /** Chains this process writes in parallel (see AuditLog). */
    commitLanes: z.number().int().min(1).max(32).default(4),
  }).default({ retentionDays: 1826, commitLanes: 4 }),
  purposes: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'purposes are lower-case words joined by -')).min(1).default(DEFAULT_PURPOSES),
});

export type Config = z.infer<typeof configSchema>;

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

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const missing: string[] = [];
  const substituted = substituteEnv(raw, env, [], missing);
  if (missing.length > 0) throw new ConfigError(missing);
  const result = configSchema.safeParse(substituted);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') return `${key}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      return `${key}: ${issue.message}`;
    }));
  }
  const config = result.data;
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(['PORT: must be a port number']);
    config.server.port = port;
  }
  return config;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
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
    throw new ConfigError([`${path} is not valid JSON: ${(error as Error).message}`]);
  }
  return parseConfig(raw, env);
}
