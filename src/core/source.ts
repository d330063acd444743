/**
 * A legacy source as the connectors see it: a named, read-only knex handle whose failures surface as
 * SourceUnavailableError (naming the source, never the SQL or its bindings, which may hold personal data),
 * and a sink for rows that cannot be mapped.
 */
import { dialectOf } from './db.js';
import CircuitBreaker from 'opossum';
import type { Knex } from 'knex';
import { queryMysql, withMysqlConnection } from './db.js';
import { StatementTexts, type SqlText, type Statement, type StatementParameter } from './statement-text.js';
import { Code } from './error-codes.js';
import { UnmappableValueError } from './legacy-values.js';

/** A source's name, as its module gives it (`sources.<name>` in config). */
export type SourceName = string;

export class SourceUnavailableError extends Error {
  readonly code = Code.SOURCE_UNAVAILABLE;
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

/** How long a statement may take, and when to stop trying a failing source for a while. */
export interface SourceOptions {
  statementTimeoutMs: number;
  /** Open the circuit when this share of recent statements failed (and at least `volumeThreshold` ran). */
  errorThresholdPercentage: number;
  volumeThreshold: number;
  /** After this long open, one statement is let through to see whether the source is back. */
  resetTimeoutMs: number;
}

export const DEFAULT_SOURCE_OPTIONS: SourceOptions = { statementTimeoutMs: 5000, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 5000 };

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What operators see of a source: statement timings and circuit changes (metrics), and why it fails (logs). */
export interface SourceObserver {
  statement(source: SourceName, seconds: number, failed: boolean): void;
  circuit(source: SourceName, state: CircuitState): void;
  /** After each statement: null when it ran, else its error (the observer reads only its code). */
  reached?(source: SourceName, error: unknown): void;
}

class StatementTimeoutError extends Error {
  readonly code = 'STATEMENT_TIMEOUT';
  constructor() {
    super('statement timed out');
  }
}

export class Source {
  private readonly breaker: CircuitBreaker<[Statement, readonly StatementParameter[]], unknown[]>;
  /** On MySQL, statements are sent as text: kept per statement and shape. */
  private readonly texts: StatementTexts | null;

  /** A source the deployment left out of its config: every statement fails, costing only its own fields. */
  static unconfigured(name: SourceName): Source {
    return new Source(name, null);
  }

  constructor(readonly name: SourceName, private readonly database: Knex | null, readonly options: SourceOptions = DEFAULT_SOURCE_OPTIONS, private readonly observer?: SourceObserver) {
    this.texts = database !== null && dialectOf(database) === 'mysql' ? new StatementTexts(database) : null;
    this.breaker = new CircuitBreaker((statement, parameters) => this.run(statement, parameters), {
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      name,
    });
    this.breaker.on('open', () => observer?.circuit(name, 'open'));
    this.breaker.on('halfOpen', () => observer?.circuit(name, 'half-open'));
    this.breaker.on('close', () => observer?.circuit(name, 'closed'));
  }

  get circuitState(): CircuitState {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /**
   * Runs one statement, within the statement timeout and behind the source's circuit breaker; any failure
   * (driver error, timeout, open circuit) becomes SourceUnavailableError, which costs only this source's fields.
   * A statement written once with its parameters (statement-text.ts) has its SQL built once per shape; a closure
   * `(db) => …` is built on every call.
   */
  async select<Row, P extends readonly StatementParameter[] = []>(statement: Statement<P>, ...parameters: P): Promise<Row[]> {
    if (this.database === null) throw new SourceUnavailableError(this.name, { cause: new Error('not configured') });
    try {
      return (await this.breaker.fire(statement as unknown as Statement, parameters)) as Row[];
    } catch (error) {
      throw new SourceUnavailableError(this.name, { cause: error });
    }
  }

  /** Stops the breaker's timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private get db(): Knex {
    return this.database!;
  }

  private async run(statement: Statement, parameters: readonly StatementParameter[]): Promise<unknown[]> {
    const started = process.hrtime.bigint();
    let failed = true;
    try {
      const rows = this.texts !== null ? await this.runWithTimeout(this.texts.textOf(statement, parameters)) : ((await statement(this.db, ...parameters)) as unknown[]);
      failed = false;
      this.observer?.reached?.(this.name, null);
      return rows;
    } catch (error) {
      this.observer?.reached?.(this.name, error);
      throw error;
    } finally {
      this.observer?.statement(this.name, Number(process.hrtime.bigint() - started) / 1e9, failed);
    }
  }

  /**
   * A statement that outlives the timeout has its connection destroyed, so that a stalled network cannot pin
   * the pool's connections; the pool replaces it. (Acquiring a connection has the same timeout, set in db.ts.)
   */
  private runWithTimeout(text: SqlText): Promise<unknown[]> {
    return withMysqlConnection(this.db, async (connection) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // mysql2's destroy() only ends the socket politely; a stalled peer would keep it half-open.
          connection.destroy();
          connection.stream?.destroy();
          reject(new StatementTimeoutError());
        }, this.options.statementTimeoutMs);
      });
      try {
        return await Promise.race([queryMysql(this.db, connection, text), timeout]);
      } finally {
        clearTimeout(timer);
      }
    });
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

/**
 * How the request's loaders batch: normally up to `maxBatchSize` keys per statement, cached for the request.
 * `batched: false` makes every load its own statement, uncached — only for the benchmark's naive baseline.
 */
export interface LoaderOptions {
  batched: boolean;
}

export function loaderSettings(options: LoaderOptions, maxBatchSize = 1000): { maxBatchSize: number; cache: boolean } {
  return options.batched ? { maxBatchSize, cache: true } : { maxBatchSize: 1, cache: false };
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
