/** The employment service's (AF) tables, exactly as legacy-sources.md §3 names them. */
import type { Knex } from 'knex';
import { recreateTable } from '../../src/core/ddl.js';

export interface AfArendeRow {
  ARENDE_ID: string;
  PERSONNR: number | string;
  ARENDETYP: string;
  STATUS: string;
  SOKANDEKATEGORI: string | null;
  PROGRAM_KOD: string | null;
  KONTOR_KOD: string;
  HANDLAGGARE: string;
  OPPNAT: string;
  AVSLUTAT: string | null;
  ANTECKNING: string | null;
}

export interface AfHandlingsplanRow {
  ARENDE_ID: string;
  STEG: number;
  AKTIVITET: string;
  STATUS: string;
  UPPDATERAD: string;
}

export const UTF8MB4 = { charset: 'utf8mb4', collation: 'utf8mb4_swedish_ci' };

export async function createEmploymentServiceTables(db: Knex): Promise<void> {
  await recreateTable(db, 'AF_ARENDE', UTF8MB4, (t) => {
    t.string('ARENDE_ID', 20).notNullable().primary();
    t.bigInteger('PERSONNR').notNullable().index('AF_ARENDE_PERSONNR');
    t.string('ARENDETYP', 20).notNullable();
    t.string('STATUS', 10).notNullable();
    t.specificType('SOKANDEKATEGORI', 'CHAR(2)').nullable();
    t.string('PROGRAM_KOD', 10).nullable();
    t.specificType('KONTOR_KOD', 'CHAR(4)').notNullable();
    t.string('HANDLAGGARE', 40).notNullable();
    t.specificType('OPPNAT', 'DATETIME').notNullable();
    t.specificType('AVSLUTAT', 'DATETIME').nullable();
    t.text('ANTECKNING').nullable();
  });
  await recreateTable(db, 'AF_HANDLINGSPLAN', UTF8MB4, (t) => {
    t.string('ARENDE_ID', 20).notNullable();
    t.integer('STEG').notNullable();
    t.string('AKTIVITET', 200).notNullable();
    t.string('STATUS', 10).notNullable();
    t.specificType('UPPDATERAD', 'DATETIME').notNullable();
    t.primary(['ARENDE_ID', 'STEG']);
  });
}
