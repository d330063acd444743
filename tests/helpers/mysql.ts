/**
 * Throwaway MariaDB/MySQL databases for integration tests: each test creates its own, uniquely named, and
 * drops it afterwards, so tests run in parallel and twice in a row.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';

export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

function admin(server: string): Knex {
  const url = new URL(server);
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username) || 'root',
      password: decodeURIComponent(url.password),
    },
    pool: { min: 0, max: 1 },
  });
}

export interface TestDatabases {
  /** mysql:// URLs, one per requested name. */
  urls: Record<string, string>;
  drop(): Promise<void>;
}

/** Creates fresh databases (named `samgraf_t_<random>_<name>`) and returns their URLs. */
export async function createTestDatabases(names: readonly string[], server = TEST_MYSQL_URL): Promise<TestDatabases> {
  const prefix = `samgraf_t_${randomBytes(5).toString('hex')}`;
  const db = admin(server);
  const urls: Record<string, string> = {};
  try {
    for (const name of names) {
      const database = `${prefix}_${name}`;
      await db.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci', [database]);
      const url = new URL(server);
      url.pathname = `/${database}`;
      urls[name] = url.toString();
    }
  } finally {
    await db.destroy();
  }
  return {
    urls,
    async drop() {
      const cleanup = admin(server);
      try {
        for (const name of names) await cleanup.raw('DROP DATABASE IF EXISTS ??', [`${prefix}_${name}`]);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}
