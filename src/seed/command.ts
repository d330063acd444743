/** `samgraf seed`: creates the source databases if needed and fills them with the deterministic generator. */
import type { Config } from '../config.js';
import { openDatabase } from '../core/db.js';
import { ensureSourceDatabases, seedSources, type SeedCounts, type SeedOptions } from './load.js';

export async function seedFromConfig(config: Config, options: SeedOptions): Promise<SeedCounts> {
  const urls = {
    populationRegister: config.sources.populationRegister.url,
    socialInsurance: config.sources.socialInsurance.url,
    employmentService: config.sources.employmentService.url,
  };
  await ensureSourceDatabases(urls);
  const targets = {
    populationRegister: openDatabase(urls.populationRegister),
    socialInsurance: openDatabase(urls.socialInsurance),
    employmentService: openDatabase(urls.employmentService),
  };
  try {
    return await seedSources(targets, options);
  } finally {
    await Promise.all(Object.values(targets).map((db) => db.destroy()));
  }
}
