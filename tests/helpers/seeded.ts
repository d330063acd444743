/**
 * Seeded legacy sources: each source module's database on the server its agency runs (MariaDB for MySQL
 * sources, PostgreSQL for PostgreSQL ones), throwaway and uniquely named; or a temporary folder of SQLite files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { openDatabase } from '../../src/core/db.js';
import { seedSources, type SeedOptions } from '../../src/seed/load.js';
import { createTestDatabases as createMysqlDatabases, type TestDatabases } from './mysql.js';
import { createTestDatabases as createPostgresDatabases } from './postgres.js';
import type { SourceUrls } from './samgraf.js';

export type Dialect = 'mariadb' | 'sqlite';

export interface SeededSources {
  urls: SourceUrls;
  drop(): Promise<void>;
}

export async function seededSources(dialect: Dialect, options: SeedOptions): Promise<SeededSources> {
  const { urls, drop } = dialect === 'mariadb' ? await serverUrls() : sqliteUrls();
  const byName = urls as unknown as Readonly<Record<string, string>>;
  const targets: Record<string, Knex> = Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, openDatabase(byName[module.name]!)]));
  try {
    await seedSources(targets, options);
  } catch (error) {
    await drop();
    throw error;
  } finally {
    await Promise.all(Object.values(targets).map((db) => db.destroy()));
  }
  return { urls, drop };
}

/** A database name for a module: its name in lower case (PostgreSQL folds unquoted names to it). */
function databaseName(moduleName: string): string {
  return moduleName.toLowerCase();
}

async function serverUrls(): Promise<SeededSources> {
  const onPostgres = SOURCE_MODULES.filter((module) => module.dialect === 'postgres').map((module) => databaseName(module.name));
  const onMysql = [...SOURCE_MODULES.filter((module) => module.dialect === 'mysql').map((module) => databaseName(module.name)), 'store'];
  const mysql = await createMysqlDatabases(onMysql);
  let postgres: TestDatabases = { urls: {}, drop: async () => {} };
  try {
    if (onPostgres.length > 0) postgres = await createPostgresDatabases(onPostgres);
  } catch (error) {
    await mysql.drop();
    throw error;
  }
  const all = { ...mysql.urls, ...postgres.urls };
  return {
    urls: { ...Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, all[databaseName(module.name)]!])), store: all.store! } as unknown as SourceUrls,
    drop: async () => {
      await Promise.all([mysql.drop(), postgres.drop()]);
    },
  };
}

function sqliteUrls(): SeededSources {
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-test-'));
  const file = (name: string) => `sqlite://${join(dir, `${name}.db`)}`;
  return {
    urls: { ...Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, file(databaseName(module.name))])), store: file('store') } as unknown as SourceUrls,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
