/**
 * Seeds the legacy sources with generated data: (re)creates each module's tables, then bulk-inserts the rows
 * with multi-row INSERTs, each source in one transaction (all or nothing) and the sources in parallel. Works
 * on MySQL/MariaDB, PostgreSQL and SQLite. A module without a target (an optional source a deployment leaves
 * out) is skipped.
 */
import type { Knex } from 'knex';
import { dialectOf, ensureDatabase } from '../core/db.js';
import type { LegacyChunk } from '../core/seed/world.js';
import type { SourceModule } from '../core/source-module.js';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { streamLegacyData, type GenerateOptions } from './generate.js';

/** A database per module name; modules left out are not seeded. */
export type SourceTargets = Readonly<Record<string, Knex | undefined>>;
/** A database URL per module name; modules left out are skipped. */
export type SourceUrls = Readonly<Record<string, string | undefined>>;

export interface SeedOptions extends GenerateOptions {
  /** Called after each chunk is inserted (e.g. for a progress line). */
  onChunk?: (table: string, rows: number) => void;
}

/** Rows inserted per table, for every table of the seeded modules. */
export type SeedCounts = Record<string, number>;

/** The modules to seed: the registry's unless a caller narrows it. */
type Modules = readonly Pick<SourceModule, 'name' | 'seed' | 'createTables' | 'charset'>[];

/**
 * Rows per INSERT statement. MySQL: large enough to amortise the round trip, small enough to stay far below
 * max_allowed_packet (16 MB by default; ~2,000 rows are well under 1 MB). SQLite: bounded by the number of
 * bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER, 32,766 in the SQLite better-sqlite3 bundles).
 * PostgreSQL takes a chunk in one statement, one array parameter per column (see insertArrays).
 */
const MYSQL_ROWS_PER_INSERT = 2_000;
const SQLITE_MAX_PARAMETERS = 32_766;

/** Creates the databases the server URLs name, if missing, each with its module's character set (MySQL). */
export async function ensureSourceDatabases(urls: SourceUrls, modules: Modules = SOURCE_MODULES): Promise<void> {
  for (const module of modules) {
    const url = urls[module.name];
    if (url !== undefined) await ensureDatabase(url, module.charset);
  }
}

/** (Re)creates the targets' legacy tables and fills them with the generated data set; returns rows per table. */
export async function seedSources(targets: SourceTargets, options: SeedOptions, modules: Modules = SOURCE_MODULES): Promise<SeedCounts> {
  const seeded = modules.flatMap((module) => {
    const db = targets[module.name];
    return db ? [{ module, db }] : [];
  });
  const counts: SeedCounts = Object.fromEntries(seeded.flatMap(({ module }) => Object.keys(module.seed.columns).map((table) => [table, 0])));
  const streams = streamLegacyData(
    { citizens: options.citizens, seed: options.seed, personalNumbers: options.personalNumbers, chunkRows: MYSQL_ROWS_PER_INSERT },
    seeded.map(({ module }) => module),
  );
  for (const { module, db } of seeded) await module.createTables(db);
  // The sources are separate databases: loading them concurrently lets one generate while another inserts.
  await Promise.all(seeded.map(({ module, db }) => loadSource(db, module.seed.columns, streams[module.name]!, (table, rows) => {
    counts[table] = (counts[table] ?? 0) + rows;
    options.onChunk?.(table, rows);
  })));
  return counts;
}

async function loadSource(
  db: Knex,
  columns: Readonly<Record<string, readonly string[]>>,
  chunks: Iterable<LegacyChunk>,
  inserted: (table: string, rows: number) => void,
): Promise<void> {
  const dialect = dialectOf(db);
  await db.transaction(async (trx) => {
    const postgresTypes = new Map<string, Readonly<Record<string, string>>>();
    for (const chunk of chunks) {
      const tableColumns = columns[chunk.table];
      if (!tableColumns) throw new Error(`generated rows for ${chunk.table}, a table the seed's columns do not list`);
      const rows = chunk.rows as readonly Readonly<Record<string, unknown>>[];
      if (dialect === 'postgres') {
        let types = postgresTypes.get(chunk.table);
        if (!types) postgresTypes.set(chunk.table, (types = await columnTypes(trx, chunk.table)));
        await insertArrays(trx, chunk.table, tableColumns, types, rows);
      } else {
        await insertValues(trx, dialect, chunk.table, tableColumns, rows);
      }
      inserted(chunk.table, chunk.rows.length);
    }
  });
}

type Row = Readonly<Record<string, unknown>>;

async function insertValues(trx: Knex.Transaction, dialect: 'mysql' | 'sqlite', table: string, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const mysql = dialect === 'mysql';
  const rowsPerInsert = mysql ? MYSQL_ROWS_PER_INSERT : Math.floor(SQLITE_MAX_PARAMETERS / columns.length);
  const quote = (name: string): string => (mysql ? `\`${name}\`` : `"${name}"`);
  // better-sqlite3 binds no booleans; MySQL would take them, as 1/0 too.
  const bindable = (value: unknown): unknown => (typeof value === 'boolean' ? Number(value) : value);
  const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const batch = rows.slice(start, start + rowsPerInsert);
    const bindings: unknown[] = new Array(batch.length * columns.length);
    let k = 0;
    for (const row of batch) for (const column of columns) bindings[k++] = bindable(row[column]);
    // knex.raw rather than the query builder: plain VALUES lists work on both dialects (knex's SQLite builder
    // writes multi-row inserts as UNION ALL SELECTs, capped at 500 terms) and skip per-row work.
    await trx.raw(head + new Array<string>(batch.length).fill(tuple).join(', '), bindings as Knex.RawBinding[]);
  }
}

/**
 * PostgreSQL: the rows as one array per column, unnested into the table. The server parses one parameter per
 * column rather than one per value, which loads the income register's million statements 2.5 times faster
 * than VALUES lists (and never meets the protocol's limit of 65,535 parameters).
 */
async function insertArrays(trx: Knex.Transaction, table: string, columns: readonly string[], types: Readonly<Record<string, string>>, rows: readonly Row[]): Promise<void> {
  const arrays = columns.map((column) => {
    const type = types[column];
    if (type === undefined) throw new Error(`${table} has no column ${column}`);
    // pg would write a missing value into an array as NULL; VALUES lists refuse it (knex: undefined binding).
    const values = rows.map((row) => row[column]);
    if (values.includes(undefined)) throw new Error(`a generated ${table} row has no ${column}`);
    return { type, values };
  });
  await trx.raw(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${arrays.map(({ type }) => `?::${type}[]`).join(', ')})`,
    arrays.map(({ values }) => values) as Knex.RawBinding[],
  );
}

/** A PostgreSQL table's column types as SQL spells them (`numeric(12,0)`), for casting the arrays. */
async function columnTypes(trx: Knex.Transaction, table: string): Promise<Readonly<Record<string, string>>> {
  const { rows } = await trx.raw(
    'SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped',
    [`"${table}"`],
  ) as { rows: { attname: string; type: string }[] };
  return Object.fromEntries(rows.map((row) => [row.attname, row.type]));
}
