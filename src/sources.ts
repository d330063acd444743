/** Opens every configured source, read-only, each with its own pool, statement timeout and circuit breaker. */
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from './core/db.js';
import { Source, type SourceObserver } from './core/source.js';
import type { Config } from './config.js';

export const SOURCE_NAMES: readonly string[] = SOURCE_MODULES.map((module) => module.name);

export interface OpenSources {
  /** The configured sources' databases (a source left out of the config has none). */
  databases: Record<string, Knex>;
  /** Every source, configured or not: one left out fails every statement with SOURCE_UNAVAILABLE. */
  sources: Record<string, Source>;
}

export function openSources(config: Config, observer?: SourceObserver): OpenSources {
  const databases: Record<string, Knex> = {};
  const sources: Record<string, Source> = {};
  for (const { name } of SOURCE_MODULES) {
    const configured = config.sources[name];
    if (configured === undefined) {
      sources[name] = Source.unconfigured(name);
      continue;
    }
    const { url, poolMax, statementTimeoutMs, circuitBreaker } = configured;
    const db = openDatabase(url, { readOnly: true, poolMax, connectTimeoutMs: statementTimeoutMs });
    databases[name] = db;
    sources[name] = new Source(name, db, { statementTimeoutMs, ...circuitBreaker }, observer);
  }
  return { databases, sources };
}
