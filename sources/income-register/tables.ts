/** The income register's (SKV, AGI) tables, exactly as legacy-sources.md §4 names them: PostgreSQL, lower case. */
import type { Knex } from 'knex';
import { dialectOf } from '../../src/core/db.js';

/** One version of one pay statement (arbetsgivardeklaration på individnivå). */
export interface AgiIndividuppgiftRow {
  /** BIGINT: a string from PostgreSQL, a number from SQLite. */
  id: number | string;
  /** `YYYYMM`. */
  redovisningsperiod: string;
  /** Organisation number `NNNNNN-NNNN`, or a sole trader's personal number `YYYYMMDD-NNNN`. */
  arbetsgivare: string;
  /** `YYYYMMDD-NNNN`; null for a payee without a Swedish number. */
  betalningsmottagare: string | null;
  /** `YYYYMMDD`, only where betalningsmottagare is null. */
  fodelsetid: string | null;
  specifikationsnummer: number;
  /** NUMERIC(12,0) whole kronor: a string from PostgreSQL, a number from SQLite; null = not reported. */
  kontant_ersattning: number | string | null;
  skatteavdrag: number | string | null;
  formaner: number | string | null;
  /** BOOLEAN: true/false from PostgreSQL, 1/0 from SQLite. */
  borttag: boolean | number;
  /** TIMESTAMPTZ, as the text the database returns (see src/core/db.ts). */
  inlamnad: string;
}

export interface AgiArbetsgivareRow {
  arbetsgivare: string;
  namn: string;
  sni_kod: string | null;
}

/** The index §4 names: a payee's statements by period. */
export const PAYEE_PERIOD_INDEX = 'agi_individuppgift_betalningsmottagare_period';

/**
 * (Re)creates both tables. On PostgreSQL with §4's exact types. On SQLite (the demo) the same columns with the
 * closest types: NUMERIC(12,0) keeps whole kronor as integers, BOOLEAN is 0/1, and `inlamnad` is TEXT holding
 * ISO 8601 with its offset, `2025-03-30T03:30:00+02:00` (any offset, or `Z`; the offset as `±HH:MM`, which
 * SQLite's date functions read when the connector orders versions by instant).
 */
export async function createIncomeRegisterTables(db: Knex): Promise<void> {
  const postgres = dialectOf(db) === 'postgres';
  await db.schema.dropTableIfExists('agi_individuppgift');
  await db.schema.dropTableIfExists('agi_arbetsgivare');
  await db.schema.createTable('agi_individuppgift', (t) => {
    t.bigInteger('id').notNullable().primary();
    t.specificType('redovisningsperiod', 'CHAR(6)').notNullable();
    t.string('arbetsgivare', 13).notNullable();
    t.string('betalningsmottagare', 13).nullable();
    t.specificType('fodelsetid', 'CHAR(8)').nullable();
    t.integer('specifikationsnummer').notNullable();
    t.specificType('kontant_ersattning', 'NUMERIC(12,0)').nullable();
    t.specificType('skatteavdrag', 'NUMERIC(12,0)').nullable();
    t.specificType('formaner', 'NUMERIC(12,0)').nullable();
    t.boolean('borttag').notNullable();
    t.specificType('inlamnad', postgres ? 'TIMESTAMPTZ' : 'TEXT').notNullable();
    t.index(['betalningsmottagare', 'redovisningsperiod'], PAYEE_PERIOD_INDEX);
  });
  await db.schema.createTable('agi_arbetsgivare', (t) => {
    t.string('arbetsgivare', 13).notNullable().primary();
    t.text('namn').notNullable();
    t.specificType('sni_kod', 'CHAR(5)').nullable();
  });
}

/**
 * What the connector's statement returns per statement: its newest version, with the employer's registered name
 * (null where agi_arbetsgivare has no row for it) and what the statement's other versions add.
 */
export interface AgiCurrentStatementRow extends Omit<AgiIndividuppgiftRow, 'fodelsetid'> {
  namn: string | null;
  /** How many rows the statement has, the newest included: COUNT(*), a string from PostgreSQL. */
  versions: number | string;
  /** The row id of the statement's first version: MIN(id). */
  first_id: number | string;
}
