/**
 * Legacy databases for the life-event tests: the four sources' tables on MariaDB (with the income register on
 * PostgreSQL) or on SQLite, created empty by their modules, and row builders that fill every column.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { openDatabase } from '../../src/core/db.js';
import { luhnCheckDigit } from '../../src/core/luhn.js';
import { createTestDatabases as createMysqlDatabases } from './mysql.js';
import { createTestDatabases as createPostgresDatabases } from './postgres.js';

/** `mariadb-binlog`: the MySQL sources on a server with the binary log on (its URL given), the rest as `mariadb`. */
export type LegacyDialect = 'mariadb' | 'sqlite' | 'mariadb-binlog';

export interface LegacyDatabases {
  /** Writable handles per source name (the test plays the agency). */
  db: Record<string, Knex>;
  urls: Record<string, string>;
  storeUrl: string;
  drop(): Promise<void>;
}

export async function legacyDatabases(dialect: LegacyDialect, binlogServerUrl?: string): Promise<LegacyDatabases> {
  const urls: Record<string, string> = {};
  let storeUrl: string;
  let drop: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'samgraf-events-'));
    for (const module of SOURCE_MODULES) urls[module.name] = `sqlite://${join(dir, `${module.name}.db`)}`;
    storeUrl = `sqlite://${join(dir, 'store.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const mysqlSources = SOURCE_MODULES.filter((module) => module.dialect === 'mysql').map((module) => module.name);
    const pgSources = SOURCE_MODULES.filter((module) => module.dialect === 'postgres').map((module) => module.name);
    const onBinlogServer = dialect === 'mariadb-binlog' ? await createMysqlDatabases(mysqlSources, binlogServerUrl) : null;
    const mysql = await createMysqlDatabases(onBinlogServer ? ['store'] : [...mysqlSources, 'store']);
    const pg = await createPostgresDatabases(pgSources);
    Object.assign(urls, mysql.urls, onBinlogServer?.urls ?? {}, pg.urls);
    storeUrl = urls.store!;
    delete urls.store;
    drop = async () => {
      await onBinlogServer?.drop();
      await mysql.drop();
      await pg.drop();
    };
  }
  const db: Record<string, Knex> = {};
  for (const module of SOURCE_MODULES) {
    db[module.name] = openDatabase(urls[module.name]!);
    await module.createTables(db[module.name]!);
  }
  return {
    db, urls, storeUrl,
    async drop() {
      await Promise.all(Object.values(db).map((handle) => handle.destroy()));
      await drop();
    },
  };
}

/** A valid personal identity number born on `date` (YYYYMMDD), birth number `nnn`. */
export function pnr(date: string, nnn: string): string {
  return `${date}${nnn}${luhnCheckDigit(`${date.slice(2)}${nnn}`)}`;
}

/** The people the life-event tests share: two married parents, their newborn, and one who moves. */
export const PARENT_A = pnr('19850101', '238');
export const PARENT_B = pnr('19860202', '123');
export const NEWBORN = pnr('20260105', '246');
export const MOVER = pnr('19700404', '222');

/** `YYMMDD-NNNC`, as FK_BESLUT.PNR holds it. */
export function tenDigits(number: string): string {
  return `${number.slice(2, 8)}-${number.slice(8)}`;
}

export function person(number: string, changedAt: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    PERSONID: number, FORNAMN: 'Anna Maria', TILLTALSNAMN: 'Anna', MELLANNAMN: null, EFTERNAMN: 'Lindström',
    KON: Number(number[10]) % 2 === 0 ? 'K' : 'M', SEKRETESS: null, SKYDDAD_FB: null,
    UTDELNINGSADRESS: 'Storgatan 1', POSTNR: '11122', POSTORT: 'Stockholm', KOMMUNKOD: '0180', LANKOD: '01',
    FOLKBOKFORINGSDATUM: '20100101', AVREG_ORSAK: null, AVREG_DATUM: null, SENAST_ANDRAD: changedAt,
    ...overrides,
  };
}

export function decision(id: number, number: string, status: string, changedAt: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    BESLUT_ID: id, PNR: tenDigits(number), FORMAN: 'ABB', STATUS: status, BELOPP_ORE: 125000, PERIODICITET: 'M',
    FROM_DATUM: '20260101', TOM_DATUM: '99991231', BESLUTSDATUM: status === 'I' ? null : '2026-01-10', HANDLAGGARE: 'fk-1', ANDRAD_TS: changedAt,
    ...overrides,
  };
}

export function jobCase(id: string, number: string, status: string, openedAt: string, closedAt: string | null = null): Record<string, unknown> {
  return {
    ARENDE_ID: id, PERSONNR: number, ARENDETYP: 'INSKRIVNING', STATUS: status, SOKANDEKATEGORI: '11', PROGRAM_KOD: null,
    KONTOR_KOD: '0101', HANDLAGGARE: 'af-1', OPPNAT: openedAt, AVSLUTAT: closedAt, ANTECKNING: 'private notes',
  };
}

export function step(caseId: string, n: number, status: string, updatedAt: string): Record<string, unknown> {
  return { ARENDE_ID: caseId, STEG: n, AKTIVITET: 'Söka arbete', STATUS: status, UPPDATERAD: updatedAt };
}

export function statement(id: number, payee: string | null, period: string, arrived: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, redovisningsperiod: period, arbetsgivare: '556677-8899', betalningsmottagare: payee === null ? null : `${payee.slice(0, 8)}-${payee.slice(8)}`,
    fodelsetid: payee === null ? '19800101' : null, specifikationsnummer: 1, kontant_ersattning: 32000, skatteavdrag: 9000, formaner: null,
    borttag: false, inlamnad: arrived,
    ...overrides,
  };
}
