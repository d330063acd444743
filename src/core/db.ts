/**
 * Opens a knex instance from a database URL: `mysql://user:pass@host:port/db` (MySQL or MariaDB, via
 * mysql2), `postgres://user:pass@host:port/db` (PostgreSQL, via pg), `sqlite:///absolute/path.db`, or
 * `sqlite::memory:`.
 */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { SqlText } from './statement-text.js';

export class DatabaseUrlError extends Error {
  readonly code = 'BAD_DATABASE_URL';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

export type Dialect = 'mysql' | 'postgres' | 'sqlite';

export interface ServerTarget {
  dialect: 'mysql' | 'postgres';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export type DatabaseTarget = ServerTarget | { dialect: 'sqlite'; filename: string };

/** How people call each dialect, for messages. */
export const DIALECT_NAMES: Readonly<Record<Dialect, string>> = { mysql: 'MySQL or MariaDB', postgres: 'PostgreSQL', sqlite: 'SQLite' };

const SERVER_SCHEMES: Readonly<Record<string, { dialect: 'mysql' | 'postgres'; port: number; defaultUser: string }>> = {
  'mysql:': { dialect: 'mysql', port: 3306, defaultUser: 'root' },
  'mariadb:': { dialect: 'mysql', port: 3306, defaultUser: 'root' },
  'postgres:': { dialect: 'postgres', port: 5432, defaultUser: 'postgres' },
  'postgresql:': { dialect: 'postgres', port: 5432, defaultUser: 'postgres' },
};

/** Said of any URL of scheme sqlite that is neither form, rather than "unsupported scheme sqlite". */
const SQLITE_FORMS = 'sqlite URLs are sqlite:///absolute/path.db or sqlite::memory:';

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) return parseSqliteUrl(url.slice('sqlite:'.length));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError('not a URL: expected mysql://…, postgres://…, sqlite:///… or sqlite::memory:');
  }
  // `SQLITE:…` gets here: the check above is case-sensitive, a URL parser lower-cases the scheme.
  if (parsed.protocol === 'sqlite:') throw new DatabaseUrlError(SQLITE_FORMS);
  const scheme = SERVER_SCHEMES[parsed.protocol];
  if (scheme === undefined) {
    throw new DatabaseUrlError(`unsupported scheme ${parsed.protocol.replace(':', '')}: expected mysql, mariadb, postgres or sqlite`);
  }
  const database = decodeUrlPart(parsed.pathname.replace(/^\//, ''), 'database name');
  const example = scheme.dialect === 'mysql' ? 'mysql://user@host:3306/database' : 'postgres://user@host:5432/database';
  if (!database) throw new DatabaseUrlError(`a ${scheme.dialect} URL must name the database: ${example}`);
  return {
    dialect: scheme.dialect,
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : scheme.port,
    // The URL keeps user and password percent-encoded (as config substitution writes them): the driver needs the
    // original text back, byte for byte.
    user: decodeUrlPart(parsed.username, 'user name') || scheme.defaultUser,
    password: decodeUrlPart(parsed.password, 'password'),
    database,
  };
}

/** What follows `sqlite:`: `//` and an absolute path, or `:memory:`. */
function parseSqliteUrl(rest: string): DatabaseTarget {
  if (rest === ':memory:') return { dialect: 'sqlite', filename: ':memory:' };
  if (!rest.startsWith('//')) throw new DatabaseUrlError(SQLITE_FORMS);
  const filename = decodeUrlPart(rest.slice('//'.length), 'path');
  if (!filename.startsWith('/')) throw new DatabaseUrlError('a sqlite URL needs an absolute path: sqlite:///absolute/path.db');
  return { dialect: 'sqlite', filename };
}

/** Percent-decodes one part of a database URL; the message names the part, never its text (it may be a secret). */
function decodeUrlPart(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DatabaseUrlError(`the ${part} in the URL is not valid percent-encoding: write % itself as %25`);
  }
}

export interface OpenOptions {
  /** Sources are read-only to samgraf: SQLite opens read-only, MySQL and PostgreSQL sessions are READ ONLY. */
  readOnly?: boolean;
  poolMax?: number;
  /** Connecting (and waiting for a pooled connection) gives up after this long. */
  connectTimeoutMs?: number;
  /** PostgreSQL: the server cancels a statement after this long, and the client stops waiting for it. */
  statementTimeoutMs?: number;
}

export function openDatabase(url: string, options: OpenOptions = {}): Knex {
  return openTarget(parseDatabaseUrl(url), options);
}

/**
 * knex would print its own warnings (pool errors, deprecations) to the console, outside samgraf's structured
 * logs; the errors reach samgraf as exceptions anyway, where they are logged without their SQL or values.
 */
const QUIET = { warn() {}, error() {}, deprecate() {}, debug() {} };

export function openTarget(target: DatabaseTarget, options: OpenOptions = {}): Knex {
  if (target.dialect === 'sqlite') {
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: target.filename, options: { readonly: options.readOnly === true && target.filename !== ':memory:' } },
      useNullAsDefault: true,
      log: QUIET,
    });
  }
  if (target.dialect === 'postgres') return openPostgres(target, options);
  return knexFactory({
    client: 'mysql2',
    log: QUIET,
    connection: {
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      // The connection speaks utf8mb4; the server converts latin1 and utf8mb3 columns to it.
      charset: 'utf8mb4',
      // Dates and timestamps stay strings: legacy local times have no zone, and JS Dates would invent one.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      // samgraf's writes (the store) commit a transaction in one round trip (inTransaction). Every statement is
      // built by knex with bound values, never from text a caller sent; read-only sources never need it.
      multipleStatements: options.readOnly !== true,
      ...(options.connectTimeoutMs ? { connectTimeout: options.connectTimeoutMs } : {}),
    },
    ...(options.connectTimeoutMs ? { acquireConnectionTimeout: options.connectTimeoutMs } : {}),
    pool: serverPool(options, 'SET SESSION TRANSACTION READ ONLY'),
  });
}

/**
 * PostgreSQL's date and time types come back as the text the server sent, as MySQL's do (dateStrings): a
 * TIMESTAMPTZ is mapped by the source module, which knows the zone it is to be shown in, and a DATE would become a
 * JS Date at local midnight. NUMERIC and BIGINT stay strings (pg's default), so no amount loses precision.
 */
const PG_TEXT_TYPES = new Set([1082 /* date */, 1083 /* time */, 1114 /* timestamp */, 1184 /* timestamptz */]);
const pgTypes = {
  getTypeParser: (oid: number, format?: string) => (PG_TEXT_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')),
};

function openPostgres(target: ServerTarget, options: OpenOptions): Knex {
  const timeout = options.statementTimeoutMs ?? options.connectTimeoutMs;
  return knexFactory({
    client: 'pg',
    log: QUIET,
    connection: {
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      types: pgTypes,
      // Sessions speak UTC, so that TIMESTAMPTZ text has a fixed offset to read (+00).
      options: '-c TimeZone=UTC',
      ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
      // The server cancels the statement; the client also stops waiting, in case the network stalls.
      ...(timeout ? { statement_timeout: timeout, query_timeout: timeout + 1000 } : {}),
    } as Knex.PgConnectionConfig,
    ...(options.connectTimeoutMs ? { acquireConnectionTimeout: options.connectTimeoutMs } : {}),
    pool: serverPool(options, 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY'),
  });
}

/** A MySQL or PostgreSQL pool; read-only sessions run `readOnlyStatement` as each connection is made. */
function serverPool(options: OpenOptions, readOnlyStatement: string): Knex.PoolConfig {
  type Connection = { query: (sql: string, callback: (error: Error | null) => void) => void };
  return {
    min: 0,
    max: options.poolMax ?? 10,
    ...(options.readOnly
      ? { afterCreate: (connection: Connection, done: (error: Error | null, connection: unknown) => void) => connection.query(readOnlyStatement, (error) => done(error, connection)) }
      : {}),
  };
}

/** The dialect a knex instance speaks. */
export function dialectOf(db: Knex): Dialect {
  const client = db.client.config.client;
  return client === 'mysql2' ? 'mysql' : client === 'pg' ? 'postgres' : 'sqlite';
}

/** A pooled mysql2 connection as knex's pool hands it out (callback API). */
export interface MysqlConnection {
  __knexUid?: string;
  query(sql: string, values: readonly unknown[], callback: (error: Error | null, rows: unknown) => void): void;
  destroy(): void;
  stream?: { destroy(): void };
}

/**
 * Runs a statement on a pooled MySQL connection through mysql2 directly: one built with knex, or its text
 * (statement-text.ts). knex's own runner costs about 0.1 ms of CPU per statement — more than mysql2 and the round
 * trip together — and samgraf runs several statements per request; the SQL and its bindings are knex's either way.
 */
export function queryMysql<Row>(db: Knex, connection: MysqlConnection, statement: Knex.QueryBuilder | Knex.Raw | SqlText): Promise<Row[]> {
  const { sql, bindings } = announced(db, connection, statement);
  return new Promise((resolve, reject) => {
    connection.query(sql, bindings, (error, rows) => (error ? reject(error) : resolve(rows as Row[])));
  });
}

/**
 * A round trip's statements stay far below MySQL's smallest usual max_allowed_packet (the whole query is one
 * packet): the largest access-log event's subject index still goes in several.
 */
const MAX_ROUND_TRIP_BYTES = 1024 * 1024;

/** Consecutive statements, grouped so that each group's estimated size stays under MAX_ROUND_TRIP_BYTES. */
function roundTrips(queries: readonly SqlText[]): SqlText[][] {
  const trips: SqlText[][] = [];
  let size = Infinity;
  for (const query of queries) {
    // Escaping at most doubles a string; other values are short.
    const bytes = query.sql.length + query.bindings.reduce<number>((sum, value) => sum + (typeof value === 'string' ? 2 * Buffer.byteLength(value) + 2 : 24), 0);
    if (size + bytes > MAX_ROUND_TRIP_BYTES) {
      trips.push([]);
      size = 0;
    }
    trips.at(-1)!.push(query);
    size += bytes;
  }
  return trips;
}

/**
 * Sends several statements in one query (the connection allows multiple statements: see openTarget); the server
 * runs them in order and stops at the first that fails.
 */
function queryMysqlAtOnce(connection: MysqlConnection, queries: readonly SqlText[]): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.query(queries.map((query) => query.sql).join(';\n'), queries.flatMap((query) => query.bindings), (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * The statement's SQL and bindings, announced by knex's documented 'query' event as its runner would emit it, so
 * that listeners on the knex instance still see every statement; 'query-response' and 'query-error', and
 * listeners on a single builder, are not emitted.
 */
function announced(db: Knex, connection: MysqlConnection, statement: Knex.QueryBuilder | Knex.Raw | SqlText): SqlText {
  const { sql, bindings } = 'toSQL' in statement ? statement.toSQL() : statement;
  db.client.emit('query', { sql, bindings, __knexUid: connection.__knexUid });
  return { sql, bindings };
}

interface MysqlPool {
  acquireConnection(): Promise<MysqlConnection>;
  releaseConnection(connection: MysqlConnection): Promise<void>;
}

/** A pooled MySQL connection for `use`, given back afterwards; knex's pool drops it if `use` destroyed it. */
export async function withMysqlConnection<T>(db: Knex, use: (connection: MysqlConnection) => Promise<T>): Promise<T> {
  const pool = db.client as MysqlPool;
  const connection = await pool.acquireConnection();
  try {
    return await use(connection);
  } finally {
    await pool.releaseConnection(connection);
  }
}

/** Runs a SELECT built with knex: on MySQL through mysql2 directly (see queryMysql). */
export function selectRows<Row>(db: Knex, statement: Knex.QueryBuilder): Promise<Row[]> {
  if (dialectOf(db) !== 'mysql') return statement as unknown as Promise<Row[]>;
  return withMysqlConnection(db, (connection) => queryMysql<Row>(db, connection, statement));
}

/** Rows for a multi-row INSERT: every row has the same columns, none of them undefined. */
export interface RowsToInsert {
  table: string;
  rows: readonly object[];
}

const START_TRANSACTION: SqlText = { sql: 'START TRANSACTION', bindings: [] };
const COMMIT: SqlText = { sql: 'COMMIT', bindings: [] };

/**
 * The INSERT knex would write for the rows on MySQL, without its compiler: every access-log commit inserts several
 * tables' rows, and knex's walk over every value of every row cost more than the rest of the commit's CPU.
 */
function mysqlInsert({ table, rows }: RowsToInsert): SqlText {
  const columns = Object.keys(rows[0]!);
  const bindings: unknown[] = [];
  for (const row of rows as readonly Record<string, unknown>[]) {
    for (const column of columns) {
      const value = row[column];
      if (value === undefined) throw new TypeError(`insert into ${table}: ${column} is undefined`);
      bindings.push(value);
    }
  }
  const row = `(${columns.map(() => '?').join(', ')})`;
  return { sql: `insert into ${quoteMysql(table)} (${columns.map(quoteMysql).join(', ')}) values ${Array(rows.length).fill(row).join(', ')}`, bindings };
}

const quoteMysql = (identifier: string) => `\`${identifier.replaceAll('`', '``')}\``;

/**
 * Runs the statements in one transaction: all of them are committed, or none. On MySQL through mysql2
 * directly (see queryMysql); a connection whose rollback fails is destroyed rather than reused mid-transaction.
 */
export async function inTransaction(db: Knex, statements: readonly (Knex.QueryBuilder | Knex.Raw | RowsToInsert)[]): Promise<void> {
  if (dialectOf(db) !== 'mysql') {
    await db.transaction(async (trx) => {
      for (const statement of statements) await ('rows' in statement ? trx(statement.table).insert(statement.rows) : statement.transacting(trx));
    });
    return;
  }
  await withMysqlConnection(db, async (connection) => {
    try {
      // Statements go together, so an ordinary commit waits for the network once, not once per statement.
      const queries = [START_TRANSACTION, ...statements.map((statement) => ('rows' in statement ? mysqlInsert(statement) : statement)), COMMIT]
        .map((statement) => announced(db, connection, statement));
      for (const trip of roundTrips(queries)) await queryMysqlAtOnce(connection, trip);
    } catch (error) {
      await queryMysql(db, connection, db.raw('ROLLBACK')).catch(() => connection.destroy());
      throw error;
    }
  });
}

/**
 * Creates the database a server URL names, if missing: on MySQL with the given default character set, on
 * PostgreSQL in UTF-8. A SQLite file is made when it is opened.
 */
export async function ensureDatabase(url: string, charset: { charset: string; collation: string } = { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }): Promise<void> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'sqlite') return;
  if (target.dialect === 'postgres') return ensurePostgresDatabase(target);
  const { charset: characterSet, collation } = charset;
  const admin = knexFactory({
    client: 'mysql2',
    connection: { host: target.host, port: target.port, user: target.user, password: target.password },
    pool: { min: 0, max: 1 },
  });
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET ${characterSet} COLLATE ${collation}`, [target.database]);
  } finally {
    await admin.destroy();
  }
}

async function ensurePostgresDatabase(target: ServerTarget): Promise<void> {
  // PostgreSQL has no CREATE DATABASE IF NOT EXISTS; connect to the maintenance database to ask and create.
  const admin = knexFactory({ client: 'pg', connection: { host: target.host, port: target.port, user: target.user, password: target.password, database: 'postgres' }, pool: { min: 0, max: 1 }, log: QUIET });
  try {
    const { rows } = await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [target.database]) as { rows: unknown[] };
    if (rows.length === 0) await admin.raw("CREATE DATABASE ?? ENCODING 'UTF8' TEMPLATE template0", [target.database]);
  } finally {
    await admin.destroy();
  }
}
