/**
 * Seeds the three legacy sources with generated data: (re)creates each agency's tables, then bulk-inserts the
 * rows with multi-row INSERTs, each source in one transaction (all or nothing) and the three sources in
 * parallel. Works on MySQL/MariaDB and on SQLite.
 */
import { dialectOf } from '../core/db.js';
import type { Knex } from 'knex';
import { createEmploymentServiceTables, UTF8MB4 } from '../../sources/employment-service/tables.js';
import { createPopulationRegisterTables, LATIN1 } from '../../sources/population-register/tables.js';
import { type TableCharset } from '../core/ddl.js';
import { createSocialInsuranceTables, UTF8MB3 } from '../../sources/social-insurance/tables.js';
import { ensureDatabase } from '../core/db.js';
import {
  SOURCE_TABLES, streamLegacyData, type GenerateOptions, type LegacyChunk, type LegacyRow, type LegacyTableName, type SourceName,
} from './generate.js';

export type SourceTargets = { readonly [S in SourceName]: Knex };
export type SourceUrls = { readonly [S in SourceName]: string };

export interface SeedOptions extends GenerateOptions {
  /** Called after each chunk is inserted (e.g. for a progress line). */
  onChunk?: (table: LegacyTableName, rows: number) => void;
}

export type SeedCounts = Record<LegacyTableName, number>;

const SOURCES = Object.keys(SOURCE_TABLES) as SourceName[];

/** Each agency's own character set, as legacy-sources.md gives it. */
export const SOURCE_CHARSETS: { readonly [S in SourceName]: TableCharset } = {
  populationRegister: LATIN1,
  socialInsurance: UTF8MB3,
  employmentService: UTF8MB4,
};

const CREATE_TABLES: { readonly [S in SourceName]: (db: Knex) => Promise<void> } = {
  populationRegister: createPopulationRegisterTables,
  socialInsurance: createSocialInsuranceTables,
  employmentService: createEmploymentServiceTables,
};

/** Insert column order per table (every column, so explicit ids such as BESLUT_ID are kept). */
const TABLE_COLUMNS: { readonly [T in LegacyTableName]: readonly (keyof LegacyRow<T> & string)[] } = {
  FB_PERSON: [
    'PERSONID', 'FORNAMN', 'TILLTALSNAMN', 'MELLANNAMN', 'EFTERNAMN', 'KON', 'SEKRETESS', 'SKYDDAD_FB', 'UTDELNINGSADRESS',
    'POSTNR', 'POSTORT', 'KOMMUNKOD', 'LANKOD', 'FOLKBOKFORINGSDATUM', 'AVREG_ORSAK', 'AVREG_DATUM', 'SENAST_ANDRAD',
  ],
  FB_RELATION: ['PERSONID', 'RELID', 'RELTYP'],
  FK_BESLUT: [
    'BESLUT_ID', 'PNR', 'FORMAN', 'STATUS', 'BELOPP_ORE', 'PERIODICITET', 'FROM_DATUM', 'TOM_DATUM', 'BESLUTSDATUM',
    'HANDLAGGARE', 'ANDRAD_TS',
  ],
  FK_UTBETALNING: ['UTBET_ID', 'BESLUT_ID', 'UTBET_DATUM', 'BELOPP_ORE'],
  AF_ARENDE: [
    'ARENDE_ID', 'PERSONNR', 'ARENDETYP', 'STATUS', 'SOKANDEKATEGORI', 'PROGRAM_KOD', 'KONTOR_KOD', 'HANDLAGGARE', 'OPPNAT',
    'AVSLUTAT', 'ANTECKNING',
  ],
  AF_HANDLINGSPLAN: ['ARENDE_ID', 'STEG', 'AKTIVITET', 'STATUS', 'UPPDATERAD'],
};

/**
 * Rows per INSERT statement. MySQL: large enough to amortise the round trip, small enough to stay far below
 * max_allowed_packet (16 MB by default; ~2,000 rows are well under 1 MB). SQLite: bounded by the number of
 * bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER, 32,766 in the SQLite better-sqlite3 bundles).
 */
const MYSQL_ROWS_PER_INSERT = 2_000;
const SQLITE_MAX_PARAMETERS = 32_766;

/** Creates the databases the mysql URLs name, if missing, each with its agency's character set. */
export async function ensureSourceDatabases(urls: SourceUrls): Promise<void> {
  for (const source of SOURCES) {
    const { charset, collation } = SOURCE_CHARSETS[source];
    await ensureDatabase(urls[source], { charset, collation });
  }
}

/** (Re)creates the six legacy tables and fills them with the generated data set; returns rows per table. */
export async function seedSources(targets: SourceTargets, options: SeedOptions): Promise<SeedCounts> {
  const counts: SeedCounts = { FB_PERSON: 0, FB_RELATION: 0, FK_BESLUT: 0, FK_UTBETALNING: 0, AF_ARENDE: 0, AF_HANDLINGSPLAN: 0 };
  const streams = streamLegacyData({ citizens: options.citizens, seed: options.seed, personalNumbers: options.personalNumbers, chunkRows: MYSQL_ROWS_PER_INSERT });
  for (const source of SOURCES) await CREATE_TABLES[source](targets[source]);
  // The sources are separate databases: loading them concurrently lets one generate while another inserts.
  await Promise.all(SOURCES.map((source) => loadSource(targets[source], streams[source], (table, rows) => {
    counts[table] += rows;
    options.onChunk?.(table, rows);
  })));
  return counts;
}

async function loadSource(db: Knex, chunks: Iterable<LegacyChunk>, inserted: (table: LegacyTableName, rows: number) => void): Promise<void> {
  const mysql = dialectOf(db) === 'mysql';
  await db.transaction(async (trx) => {
    for (const chunk of chunks) {
      await insertRows(trx, mysql, chunk.table, chunk.rows);
      inserted(chunk.table, chunk.rows.length);
    }
  });
}

async function insertRows<T extends LegacyTableName>(trx: Knex.Transaction, mysql: boolean, table: T, rows: readonly LegacyRow<T>[]): Promise<void> {
  const columns = TABLE_COLUMNS[table] as readonly (keyof LegacyRow<T> & string)[];
  const rowsPerInsert = mysql ? MYSQL_ROWS_PER_INSERT : Math.floor(SQLITE_MAX_PARAMETERS / columns.length);
  const quote = (name: string): string => (mysql ? `\`${name}\`` : `"${name}"`);
  const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const batch = rows.slice(start, start + rowsPerInsert);
    const bindings: unknown[] = new Array(batch.length * columns.length);
    let k = 0;
    for (const row of batch) for (const column of columns) bindings[k++] = row[column];
    // knex.raw rather than the query builder: plain VALUES lists work on both dialects (knex's SQLite
    // builder writes multi-row inserts as UNION ALL SELECTs, capped at 500 terms) and skip per-row work.
    await trx.raw(head + new Array<string>(batch.length).fill(tuple).join(', '), bindings as Knex.RawBinding[]);
  }
}
