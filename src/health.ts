/**
 * Whether samgraf reaches each of its databases — the sources and the store — and if not, why: logged at
 * start and at every change, shown by /readyz and by `samgraf serve --check-config --connect`. A description
 * names the database, host, port, database name, user and the driver's code: never the password (nor the URL,
 * which holds it), and never the driver's message, which may quote SQL.
 */
import type { Knex } from 'knex';
import type { SourceName } from './core/source.js';
import type { Config } from './config.js';
import { openTarget, parseDatabaseUrl, type DatabaseTarget } from './core/db.js';
import type { Logger } from './log.js';

export type DatabaseName = SourceName | 'store';

export interface Reachability {
  state: 'up' | 'down';
  /** The driver's or the system's code, e.g. ER_ACCESS_DENIED_ERROR, ER_BAD_DB_ERROR, ECONNREFUSED, or a SQLSTATE (3D000). */
  code?: string;
  /** A sentence for the operator, naming where and as whom. */
  message?: string;
}

/** Where a database is and as whom samgraf connects: everything of its URL but the password. */
export function describeTarget(target: DatabaseTarget): Record<string, string | number> {
  return target.dialect === 'sqlite' ? { file: target.filename } : { host: target.host, port: target.port, database: target.database, user: target.user };
}

/** A driver's or the system's code (ER_…, ECONN…), or PostgreSQL's SQLSTATE: five digits and capitals (28P01). */
const CODE = /^(?:[A-Z][A-Z0-9_]*|[0-9A-Z]{5})$/;

export function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CODE.test(code)) return code;
  // pg gives up waiting for an answer (query_timeout, set in core/db.ts for a stalled network, where the server's
  // statement_timeout cannot reach us) with a plain Error: its message is the only sign.
  if (error instanceof Error && error.message === 'Query read timeout') return 'STATEMENT_TIMEOUT';
  return error instanceof Error ? error.name : 'UNKNOWN';
}

/** A plain sentence for a failure, from its code alone. */
export function explainFailure(code: string, target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return `the SQLite database ${target.filename} failed (${code})`;
  const { host, port, database, user } = target;
  const at = `${host}:${port}`;
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
      return `user ${user} was refused by the server at ${at} (database ${database}): wrong password, or the user may not connect from here`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `user ${user} may not use database ${database} on the server at ${at}`;
    case 'ER_TABLEACCESS_DENIED_ERROR':
      return `user ${user} lacks a privilege on a table of database ${database} on the server at ${at}`;
    case 'ER_BAD_DB_ERROR':
    case '3D000': // PostgreSQL: invalid_catalog_name
      return `database ${database} does not exist on the server at ${at} (user ${user})`;
    // PostgreSQL's SQLSTATEs, as pg reports them in `code`.
    case '28P01': // invalid_password
      return `user ${user} was refused by the server at ${at} (database ${database}): wrong password`;
    case '28000': // invalid_authorization_specification
      return `user ${user} may not connect to the server at ${at} (database ${database}): no such role, or pg_hba.conf refuses it from here`;
    case '42501': // insufficient_privilege
      return `user ${user} lacks a privilege on a table of database ${database} on the server at ${at}`;
    case '42P01': // undefined_table
      return `a table samgraf reads does not exist in database ${database} on the server at ${at} (user ${user})`;
    case '53300': // too_many_connections
      return `the server at ${at} has no connection slots left (database ${database}, user ${user})`;
    case '57P03': // cannot_connect_now
      return `the server at ${at} is starting up or shutting down (database ${database}, user ${user})`;
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${at} (database ${database}, user ${user})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${host} does not resolve (database ${database}, user ${user})`;
    case 'ETIMEDOUT':
    case 'KnexTimeoutError':
    case 'STATEMENT_TIMEOUT':
    case '57014': // PostgreSQL: query_canceled, here by statement_timeout
      return `the server at ${at} did not answer in time (database ${database}, user ${user})`;
    default:
      return `the server at ${at} failed with ${code} (database ${database}, user ${user})`;
  }
}

export function reachability(target: DatabaseTarget, error: unknown): Reachability {
  if (error === null) return { state: 'up' };
  const code = failureCode(error);
  return { state: 'down', code, message: explainFailure(code, target) };
}

export async function probe(db: Knex): Promise<unknown> {
  try {
    await db.raw('select 1');
    return null;
  } catch (error) {
    return error;
  }
}

/** Each database's last known state; the first and every change is logged. */
export class DatabaseHealth {
  private readonly states = new Map<DatabaseName, Reachability>();

  constructor(private readonly targets: Record<DatabaseName, DatabaseTarget>, private readonly logger: Logger) {}

  /** What a statement or a probe on `name` found: `null` when it succeeded, else its error. */
  record(name: DatabaseName, error: unknown): Reachability {
    const target = this.targets[name];
    const next = reachability(target, error);
    const previous = this.states.get(name);
    this.states.set(name, next);
    if (previous?.state === next.state && previous.code === next.code) return next;
    const fields = { check: name, ...describeTarget(target) };
    if (next.state === 'up') this.logger.info(fields, previous ? `${name} is reachable again` : `${name} is reachable`);
    else this.logger.error({ ...fields, code: next.code, reason: next.message }, previous?.state === 'up' ? `${name} became unreachable` : `${name} is unreachable`);
    return next;
  }

  async check(name: DatabaseName, db: Knex): Promise<Reachability> {
    return this.record(name, await probe(db));
  }
}

/** Where each database of the configuration is. */
export function configuredTargets(config: Config): Record<DatabaseName, DatabaseTarget> {
  const targets: Record<DatabaseName, DatabaseTarget> = {};
  for (const [name, source] of Object.entries(config.sources)) if (source !== undefined) targets[name] = parseDatabaseUrl(source.url);
  targets.store = parseDatabaseUrl(config.store.url);
  return targets;
}

/** Connects to each database once (`samgraf serve --check-config --connect`). */
export async function checkConnections(config: Config): Promise<[DatabaseName, DatabaseTarget, Reachability][]> {
  return Promise.all(Object.entries(configuredTargets(config)).map(async ([name, target]) => {
    const timeout = name === 'store' ? undefined : config.sources[name]?.statementTimeoutMs;
    const db = openTarget(target, { readOnly: name !== 'store', ...(timeout ? { connectTimeoutMs: timeout } : {}) });
    try {
      return [name as DatabaseName, target, reachability(target, await probe(db))] as [DatabaseName, DatabaseTarget, Reachability];
    } finally {
      await db.destroy();
    }
  }));
}

/** The store cannot be reached or prepared: a start or `samgraf migrate` stops with this, naming it. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(target: DatabaseTarget, cause: unknown, advice: string) {
    super(`the store is unavailable: ${explainFailure(failureCode(cause), target)} (${failureCode(cause)}); ${advice}`);
    this.name = 'StoreUnavailableError';
  }
}
