/** The population register's (SKV) tables, exactly as legacy-sources.md §1 names them. */
import type { Knex } from 'knex';
import { recreateTable } from '../../src/core/ddl.js';

export interface FbPersonRow {
  PERSONID: string;
  FORNAMN: string;
  TILLTALSNAMN: string | null;
  MELLANNAMN: string | null;
  EFTERNAMN: string;
  KON: string;
  SEKRETESS: string | null;
  SKYDDAD_FB: string | null;
  UTDELNINGSADRESS: string | null;
  POSTNR: string | null;
  POSTORT: string | null;
  KOMMUNKOD: string;
  LANKOD: string;
  FOLKBOKFORINGSDATUM: string;
  AVREG_ORSAK: string | null;
  AVREG_DATUM: string | null;
  SENAST_ANDRAD: string;
}

export interface FbRelationRow {
  PERSONID: string;
  RELID: string;
  RELTYP: string;
}

export const LATIN1 = { charset: 'latin1', collation: 'latin1_swedish_ci' };

export async function createPopulationRegisterTables(db: Knex): Promise<void> {
  await recreateTable(db, 'FB_PERSON', LATIN1, (t) => {
    t.specificType('PERSONID', 'CHAR(12)').notNullable().primary();
    t.string('FORNAMN', 80).notNullable();
    t.string('TILLTALSNAMN', 40).nullable();
    t.string('MELLANNAMN', 40).nullable();
    t.string('EFTERNAMN', 60).notNullable();
    t.specificType('KON', 'CHAR(1)').notNullable();
    t.specificType('SEKRETESS', 'CHAR(1)').nullable();
    t.specificType('SKYDDAD_FB', 'CHAR(1)').nullable();
    t.string('UTDELNINGSADRESS', 100).nullable();
    t.specificType('POSTNR', 'CHAR(5)').nullable();
    t.string('POSTORT', 40).nullable();
    t.specificType('KOMMUNKOD', 'CHAR(4)').notNullable().index('FB_PERSON_KOMMUNKOD');
    t.specificType('LANKOD', 'CHAR(2)').notNullable();
    t.specificType('FOLKBOKFORINGSDATUM', 'CHAR(8)').notNullable();
    t.specificType('AVREG_ORSAK', 'CHAR(2)').nullable();
    t.specificType('AVREG_DATUM', 'CHAR(8)').nullable();
    t.specificType('SENAST_ANDRAD', 'DATETIME').notNullable();
  });
  await recreateTable(db, 'FB_RELATION', LATIN1, (t) => {
    t.specificType('PERSONID', 'CHAR(12)').notNullable().index('FB_RELATION_PERSONID');
    t.specificType('RELID', 'CHAR(12)').notNullable();
    t.specificType('RELTYP', 'CHAR(2)').notNullable();
  });
}
