/**
 * Throwaway PostgreSQL databases for integration tests, like ./mysql.ts: each test creates its own, uniquely
 * named, and drops it afterwards (with FORCE, so a connection a failed test left open cannot keep it).
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import type { TestDatabases } from './mysql.js';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

function serverUrl(): URL {
  return new URL(TEST_POSTGRES_URL);
}

function admin(): Knex {
  const url = serverUrl();
  return knexFactory({
    client: 'pg',
    connection: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username) || 'postgres',
      password: decodeURIComponent(url.password),
      database: 'postgres',
    },
    pool: { min: 0, max: 1 },
  });
}

/** Creates fresh databases (named `samgraf_t_<random>_<name>`, in UTF-8) and returns their postgres:// URLs. */
export async function createTestDatabases(names: readonly string[]): Promise<TestDatabases> {
  const prefix = `samgraf_t_${randomBytes(5).toString('hex')}`;
  const db = admin();
  const urls: Record<string, string> = {};
  try {
    for (const name of names) {
      const database = `${prefix}_${name}`.toLowerCase();
      await db.raw("CREATE DATABASE ?? ENCODING 'UTF8' TEMPLATE template0", [database]);
      const url = serverUrl();
      url.pathname = `/${database}`;
      urls[name] = url.toString();
    }
  } finally {
    await db.destroy();
  }
  return {
    urls,
    async drop() {
      const cleanup = admin();
      try {
        for (const name of names) await cleanup.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [`${prefix}_${name}`.toLowerCase()]);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}
