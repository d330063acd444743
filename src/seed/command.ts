/** `samgraf seed`: creates the source databases if needed and fills them with the deterministic generator. */
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { openDatabase } from '../core/db.js';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { ensureSourceDatabases, seedSources, type SeedCounts, type SeedOptions } from './load.js';

export async function seedFromConfig(config: Config, options: SeedOptions): Promise<SeedCounts> {
  // An optional source the configuration leaves out is not seeded.
  const sources = config.sources as Readonly<Record<string, { url: string } | undefined>>;
  const urls = Object.fromEntries(SOURCE_MODULES.flatMap((module) => {
    const url = sources[module.name]?.url;
    return url === undefined ? [] : [[module.name, url] as const];
  }));
  await ensureSourceDatabases(urls);
  const targets: Record<string, Knex> = Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, openDatabase(url)]));
  try {
    return await seedSources(targets, options);
  } finally {
    await Promise.all(Object.values(targets).map((db) => db.destroy()));
  }
}
