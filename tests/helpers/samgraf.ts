/** Starts samgraf in-process on a free port against given databases, and speaks GraphQL over HTTP to it. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { parseConfig } from '../../src/config.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { startSamgraf, type Samgraf, type StartOptions } from '../../src/server.js';
import { superuserHeaders, testIssuers } from './tokens.js';

/**
 * Where in-process servers log during `npm test`: every line, at debug level, to a file per test process in
 * SAMGRAF_TEST_LOG_DIR, which the final log-scan test reads for personal data. Silent when it is not set.
 */
export function testLogger(): Logger {
  const dir = process.env.SAMGRAF_TEST_LOG_DIR;
  if (!dir) return silentLogger();
  mkdirSync(dir, { recursive: true });
  return createLogger({ level: 'debug', destination: join(dir, `samgraf-${process.pid}.log`) });
}

/** A logger whose JSON lines a test can read back; they also go where testLogger's go, for the final log scan. */
export interface CapturedLog {
  logger: Logger;
  lines(): Record<string, unknown>[];
}

export function capturingLogger(): CapturedLog {
  const dir = process.env.SAMGRAF_TEST_LOG_DIR;
  if (dir) mkdirSync(dir, { recursive: true });
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      if (dir) appendFileSync(join(dir, `samgraf-${process.pid}.log`), text);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines: () => [...lines] };
}

/** A database URL per source module (by its name), and the store's. */
export interface SourceUrls {
  populationRegister: string;
  socialInsurance: string;
  employmentService: string;
  /** Optional, as in the configuration: a server without it answers its fields SOURCE_UNAVAILABLE. */
  incomeRegister?: string;
  store: string;
}

/** `sources` of the configuration: every registered module the URLs name. */
export function sourcesConfig(urls: SourceUrls): Record<string, { url: string }> {
  const byName = urls as unknown as Readonly<Record<string, string | undefined>>;
  return Object.fromEntries(SOURCE_MODULES.flatMap((module) => {
    const url = byName[module.name];
    return url === undefined ? [] : [[module.name, { url }]];
  }));
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface TestServer extends Samgraf {
  /**
   * POSTs a query. By default as an all-scopes AF officer with a purpose (tokens.ts); `headers` are merged
   * over that, and a header given as undefined is left out (e.g. `{ authorization: undefined }`).
   */
  query<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string | undefined>): Promise<GraphQLResponse<T>>;
}

export async function startTestServer(urls: SourceUrls, overrides: Record<string, unknown> = {}, options: StartOptions = {}, logger: Logger = testLogger()): Promise<TestServer> {
  const { staff, citizen } = await testIssuers();
  const config = parseConfig({
    server: { port: 0, host: '127.0.0.1' },
    sources: sourcesConfig(urls),
    store: { url: urls.store },
    auth: { issuers: [staff.config, citizen.config] },
    // Tests drive many requests as one principal; the rate-limit tests set their own budget.
    rateLimit: { points: 1_000_000, durationSeconds: 1 },
    ...overrides,
  }, {});
  const server = await startSamgraf(config, logger, options);
  const defaults = await superuserHeaders();
  return {
    ...server,
    async query(query, variables, headers = {}) {
      const merged = Object.entries({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...defaults, ...headers })
        .filter((entry): entry is [string, string] => entry[1] !== undefined);
      const response = await fetch(server.url, {
        method: 'POST',
        headers: Object.fromEntries(merged),
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...(await response.json() as object) };
    },
  };
}

/** Records the SQL statements each database runs while `run` is in progress. */
export async function recordStatements<T>(databases: Record<string, Knex>, run: () => Promise<T>): Promise<{ result: T; statements: { source: string; sql: string }[] }> {
  const statements: { source: string; sql: string }[] = [];
  const listeners = Object.entries(databases).map(([source, db]) => {
    const listener = (query: { sql: string }) => statements.push({ source, sql: query.sql });
    db.on('query', listener);
    return () => db.removeListener('query', listener);
  });
  try {
    return { result: await run(), statements };
  } finally {
    for (const remove of listeners) remove();
  }
}

/** The table a SELECT reads, e.g. FK_BESLUT. */
export function tableOf(sql: string): string {
  return /from\s+[`"]?(\w+)[`"]?/i.exec(sql)?.[1] ?? '?';
}
