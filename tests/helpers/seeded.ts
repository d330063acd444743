/** Seeded legacy sources on a throwaway MariaDB, or in a temporary folder of SQLite files. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/core/db.js';
import { seedSources, type SeedOptions } from '../../src/seed/load.js';
import { createTestDatabases } from './mysql.js';
import type { SourceUrls } from './samgraf.js';

export type Dialect = 'mariadb' | 'sqlite';

export interface SeededSources {
  urls: SourceUrls;
  drop(): Promise<void>;
}

export async function seededSources(dialect: Dialect, options: SeedOptions): Promise<SeededSources> {
  const { urls, drop } = dialect === 'mariadb' ? await mysqlUrls() : sqliteUrls();
  const targets = {
    populationRegister: openDatabase(urls.populationRegister),
    socialInsurance: openDatabase(urls.socialInsurance),
    employmentService: openDatabase(urls.employmentService),
  };
  try {
    await seedSources(targets, options);
  } finally {
    await Promise.all(Object.values(targets).map((db) => db.destroy()));
  }
  return { urls, drop };
}

async function mysqlUrls(): Promise<SeededSources> {
  const databases = await createTestDatabases(['skv', 'fk', 'af', 'store']);
  return {
    urls: {
      populationRegister: databases.urls.skv!,
      socialInsurance: databases.urls.fk!,
      employmentService: databases.urls.af!,
      store: databases.urls.store!,
    },
    drop: databases.drop,
  };
}

function sqliteUrls(): SeededSources {
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-test-'));
  const file = (name: string) => `sqlite://${join(dir, `${name}.db`)}`;
  return {
    urls: { populationRegister: file('skv'), socialInsurance: file('fk'), employmentService: file('af'), store: file('store') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
