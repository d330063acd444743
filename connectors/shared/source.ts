/**
 * A legacy source as the connectors see it: a named, read-only knex handle whose failures surface as
 * SourceUnavailableError (naming the source, never the SQL or its bindings, which may hold personal data),
 * and a sink for rows that cannot be mapped.
 */
import type { Knex } from 'knex';
import { UnmappableValueError } from './legacy-values.js';

export type SourceName = 'populationRegister' | 'socialInsurance' | 'employmentService';

export class SourceUnavailableError extends Error {
  readonly code = 'SOURCE_UNAVAILABLE';
  constructor(readonly source: SourceName, options?: { cause?: unknown }) {
    super(`source ${source} is unavailable`, options);
    this.name = 'SourceUnavailableError';
  }
}

/** A row the connector could not map. Holds no personal data: the row key is a decision or case id at most. */
export interface DataQualityFinding {
  source: SourceName;
  table: string;
  column: string;
  problem: string;
  rowKey?: string;
}

export interface DataQualitySink {
  report(finding: DataQualityFinding): void;
}

export class Source {
  constructor(readonly name: SourceName, readonly db: Knex) {}

  /** Runs one statement; any driver error becomes SourceUnavailableError. */
  async select<Row>(build: (db: Knex) => Knex.QueryBuilder): Promise<Row[]> {
    try {
      return (await build(this.db)) as Row[];
    } catch (error) {
      throw new SourceUnavailableError(this.name, { cause: error });
    }
  }

  /**
   * Maps rows one by one. A row whose value breaks a legacy rule is reported and left out instead of failing
   * the request; any other error is a bug and propagates.
   */
  mapRows<Row, T>(rows: readonly Row[], table: string, rowKey: (row: Row) => string | undefined, map: (row: Row) => T, sink: DataQualitySink): T[] {
    const mapped: T[] = [];
    for (const row of rows) {
      try {
        mapped.push(map(row));
      } catch (error) {
        if (!(error instanceof UnmappableValueError)) throw error;
        sink.report({ source: this.name, table, column: error.column, problem: error.problem, rowKey: rowKey(row) });
      }
    }
    return mapped;
  }

  /** Decodes a value that is allowed to fail without losing the row: reports and returns null. */
  soft<T>(table: string, rowKey: string | undefined, decode: () => T, sink: DataQualitySink): T | null {
    try {
      return decode();
    } catch (error) {
      if (!(error instanceof UnmappableValueError)) throw error;
      sink.report({ source: this.name, table, column: error.column, problem: error.problem, rowKey });
      return null;
    }
  }
}

/** Groups items by key, in the order of `keys`: what a DataLoader batch function must return. */
export function groupInKeyOrder<T>(keys: readonly string[], items: readonly T[], keyOf: (item: T) => string | null): T[][] {
  const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
  for (const item of items) {
    const key = keyOf(item);
    if (key !== null) groups.get(key)?.push(item);
  }
  return keys.map((key) => groups.get(key)!);
}
