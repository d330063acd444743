/**
 * The benchmark's own databases: `samgraf_bench_<run>_<source>` for each source module, on MariaDB or on
 * PostgreSQL as its agency runs it, and `samgraf_bench_<run>_store` on MariaDB; created fresh, seeded with
 * samgraf's deterministic generator, and dropped at the end (unless --keep).
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { SOURCE_MODULES } from '../sources/registry.js';
import { ensureDatabase, openDatabase, parseDatabaseUrl } from '../src/core/db.js';
import { ensureSourceDatabases, seedSources, type SeedCounts } from '../src/seed/load.js';
import { migrateStore } from '../src/store/migrations.js';
import { CursorCodec, readCursorKey } from '../src/core/cursor.js';

/** A database URL per source module (by its name), and the store's. */
export type BenchUrls = Readonly<Record<string, string>> & { readonly store: string };

export interface BenchDatabases {
  prefix: string;
  urls: BenchUrls;
  /** The databases' names, for a message. */
  names: string[];
  /** A connection to the MariaDB server (status counters, DDL), through the store's database. */
  admin: Knex;
  /**
   * The federated target's own stores, one per source's subgraph (each agency keeps its own log); the gateway
   * and samgraf's own part use the store above, with its filled access log.
   */
  partStores: Readonly<Record<string, string>>;
  drop(): Promise<void>;
  close(): Promise<void>;
}

/** The servers the databases are made on (URLs without a database). */
export interface BenchServers {
  mysql: string;
  postgres: string;
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createBenchDatabases(servers: BenchServers): Promise<BenchDatabases> {
  const prefix = `samgraf_bench_${randomBytes(4).toString('hex')}`;
  const urls: BenchUrls = {
    ...Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, databaseUrl(servers[module.dialect], `${prefix}_${module.name.toLowerCase()}`)])),
    store: databaseUrl(servers.mysql, `${prefix}_store`),
  };
  const partStores = Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, databaseUrl(servers.mysql, `${prefix}_store_${module.name.toLowerCase()}`)]));
  await ensureSourceDatabases(urls);
  for (const url of [urls.store, ...Object.values(partStores)]) await ensureDatabase(url, { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
  // A URL for the server itself: openDatabase wants a database, so use the store's and qualify names.
  const admin = openDatabase(urls.store, { poolMax: 2 });
  return {
    prefix,
    urls,
    names: [...Object.values(urls), ...Object.values(partStores)].map((url) => new URL(url).pathname.slice(1)),
    admin,
    partStores,
    async drop() {
      for (const url of [...Object.values(urls), ...Object.values(partStores)]) await dropDatabase(url);
    },
    close: () => admin.destroy(),
  };
}

/** Drops the database a server URL names, if it exists (on PostgreSQL even while connections to it are open). */
async function dropDatabase(url: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'sqlite') return;
  const postgres = target.dialect === 'postgres';
  const admin = knexFactory({
    client: postgres ? 'pg' : 'mysql2',
    connection: { host: target.host, port: target.port, user: target.user, password: target.password, ...(postgres ? { database: 'postgres' } : {}) },
    pool: { min: 0, max: 1 },
  });
  try {
    await admin.raw(postgres ? 'DROP DATABASE IF EXISTS ?? WITH (FORCE)' : 'DROP DATABASE IF EXISTS ??', [target.database]);
  } finally {
    await admin.destroy();
  }
}

export async function seedBenchSources(urls: BenchUrls, citizens: number, seed: string): Promise<SeedCounts> {
  const targets: Record<string, Knex> = Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, openDatabase(urls[module.name]!)]));
  try {
    return await seedSources(targets, { citizens, seed });
  } finally {
    await Promise.all(Object.values(targets).map((db) => db.destroy()));
  }
}

/** Migrates the store; returns a codec for the cursors samgraf will issue on it (the key is the store's). */
export async function migrateBenchStore(url: string): Promise<CursorCodec> {
  const store = openDatabase(url);
  try {
    await migrateStore(store);
    return new CursorCodec(await readCursorKey(store));
  } finally {
    await store.destroy();
  }
}

/**
 * Resizes the server's InnoDB buffer pool for the run (MariaDB resizes online). How to put it back is handed to
 * `restorable` before the resize starts, so that an interrupt at any point can undo it. A store of 1,000,000
 * events is about 2 GB: with the 128 MB default every auditor search and every subject-index insert is a disk
 * read, which is the server's configuration, not samgraf's cost.
 */
export async function resizeBufferPool(serverUrl: string, megabytes: number, restorable: (restore: () => Promise<void>) => void): Promise<void> {
  const admin = openDatabase(databaseUrl(serverUrl, 'mysql'), { poolMax: 1 });
  const size = async () => {
    const [[row]] = await admin.raw('SELECT @@GLOBAL.innodb_buffer_pool_size AS size') as [[{ size: number | string }]];
    return Number(row.size);
  };
  const resize = async (bytes: number) => {
    if ((await size()) === bytes) return;
    await admin.raw('SET GLOBAL innodb_buffer_pool_size = ?', [bytes]);
    // The resize runs in the background; while it does, its status reads "Resizing …", "Withdrawing …" or
    // "Latching …" (and afterwards "Completed …" or nothing, depending on the version).
    for (let i = 0; i < 1200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [[row]] = await admin.raw("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_resize_status'") as [[{ Value: string } | undefined]];
      if (!/resizing buffer pool from|withdraw|latch/i.test(row?.Value ?? '')) return;
    }
    throw new Error('the buffer pool resize did not finish within 2 minutes');
  };
  try {
    const original = await size();
    restorable(async () => {
      try {
        await resize(original);
      } finally {
        await admin.destroy();
      }
    });
    await resize(megabytes * 2 ** 20);
  } catch (error) {
    await admin.destroy();
    throw error;
  }
}
