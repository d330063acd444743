/**
 * The deterministic generator of the agencies' legacy data for the demo, tests and benchmarks: one shared
 * world of people (src/core/seed/world.ts), and each source module's rows from it (its `seed` generator).
 *
 * The same `citizens` and `seed` give byte-identical rows on every machine (see world.ts). Rows hold only
 * strings, numbers, booleans and nulls, so they insert alike into MySQL/MariaDB, PostgreSQL and SQLite.
 */
import { reiterable } from '../core/seed/chunks.js';
import { buildWorld, type LegacyChunk, type WorldOptions } from '../core/seed/world.js';
import type { SourceModule } from '../core/source-module.js';
import { SOURCE_MODULES } from '../../sources/registry.js';

export { BAD_ROWS_PER_KIND, GUARANTEED_QUIRKS_FROM, WORLD_AS_OF } from '../core/seed/world.js';
export type { LegacyChunk } from '../core/seed/world.js';

export type GenerateOptions = WorldOptions;

export interface StreamOptions extends GenerateOptions {
  /** Rows per chunk (default 1000). Only the grouping changes with it, never the rows. */
  chunkRows?: number;
}

/** Rows per legacy table name. */
export type LegacyData = Record<string, object[]>;

/** The modules to generate for: the registry's unless a caller narrows it. */
type Modules = readonly Pick<SourceModule, 'name' | 'seed'>[];

/**
 * Generates the data set, one lazily produced chunk stream per module (by module name); each can be iterated
 * (again) independently, always giving the same chunks.
 */
export function streamLegacyData(options: StreamOptions, modules: Modules = SOURCE_MODULES): Record<string, Iterable<LegacyChunk>> {
  const chunkRows = options.chunkRows ?? 1000;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError('chunkRows must be a positive integer');
  const world = buildWorld(options);
  return Object.fromEntries(modules.map((module) => [module.name, reiterable(() => module.seed.chunks(world, chunkRows)[Symbol.iterator]())]));
}

/** Generates the whole data set in memory (tests, small demos): every table of every module, empty ones too. */
export function generateLegacyData(options: GenerateOptions, modules: Modules = SOURCE_MODULES): LegacyData {
  const data: LegacyData = Object.fromEntries(modules.flatMap((module) => Object.keys(module.seed.columns).map((table) => [table, []])));
  const streams = streamLegacyData({ ...options, chunkRows: 10_000 }, modules);
  for (const module of modules) {
    for (const chunk of streams[module.name]!) {
      const rows = data[chunk.table];
      if (!rows) throw new Error(`${module.name}: generated rows for ${chunk.table}, a table its seed's columns do not list`);
      rows.push(...chunk.rows);
    }
  }
  return data;
}
