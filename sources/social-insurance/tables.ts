/** Social insurance's (FK) tables, exactly as legacy-sources.md §2 names them. */
import { dialectOf } from '../../src/core/db.js';
import type { Knex } from 'knex';
import { recreateTable } from '../../src/core/ddl.js';

export interface FkBeslutRow {
  BESLUT_ID: number;
  PNR: string;
  FORMAN: string;
  STATUS: string;
  BELOPP_ORE: number | string | null;
  PERIODICITET: string;
  FROM_DATUM: string;
  TOM_DATUM: string;
  BESLUTSDATUM: string | null;
  HANDLAGGARE: string | null;
  ANDRAD_TS: string;
}

export interface FkUtbetalningRow {
  UTBET_ID: number | string;
  BESLUT_ID: number;
  UTBET_DATUM: string;
  BELOPP_ORE: number | string;
}

export const UTF8MB3 = { charset: 'utf8mb3', collation: 'utf8mb3_general_ci' };

export async function createSocialInsuranceTables(db: Knex): Promise<void> {
  await recreateTable(db, 'FK_BESLUT', UTF8MB3, (t) => {
    if (dialectOf(db) === 'mysql') t.specificType('BESLUT_ID', 'INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY');
    else t.increments('BESLUT_ID').primary();
    t.string('PNR', 11).notNullable().index('FK_BESLUT_PNR');
    t.string('FORMAN', 4).notNullable();
    t.specificType('STATUS', 'CHAR(1)').notNullable();
    t.bigInteger('BELOPP_ORE').nullable();
    t.specificType('PERIODICITET', 'CHAR(1)').notNullable();
    t.specificType('FROM_DATUM', 'CHAR(8)').notNullable();
    t.specificType('TOM_DATUM', 'CHAR(8)').notNullable();
    t.date('BESLUTSDATUM').nullable();
    t.string('HANDLAGGARE', 12).nullable();
    t.specificType('ANDRAD_TS', dialectOf(db) === 'mysql' ? 'TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP' : 'TIMESTAMP NOT NULL');
  });
  await recreateTable(db, 'FK_UTBETALNING', UTF8MB3, (t) => {
    t.bigInteger('UTBET_ID').notNullable().primary();
    t.specificType('BESLUT_ID', dialectOf(db) === 'mysql' ? 'INT UNSIGNED NOT NULL' : 'INTEGER NOT NULL').index('FK_UTBETALNING_BESLUT_ID');
    t.date('UTBET_DATUM').notNullable();
    t.bigInteger('BELOPP_ORE').notNullable();
  });
}
