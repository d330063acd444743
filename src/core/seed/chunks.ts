/** Hands a seed generator's rows out in chunks, so that a large data set is never held in memory at once. */
import type { LegacyChunk } from './world.js';

/** An iterable that starts `start` afresh each time it is iterated, giving the same chunks again. */
export function reiterable<T>(start: () => Iterator<T>): Iterable<T> {
  return { [Symbol.iterator]: start };
}

/** Collects rows per table and hands them out in chunks of exactly `chunkRows` (the last ones smaller). */
export class ChunkBuffer {
  private readonly pending = new Map<string, object[]>();

  constructor(private readonly chunkRows: number) {}

  add(table: string, row: object): void {
    const rows = this.pending.get(table);
    if (rows) rows.push(row);
    else this.pending.set(table, [row]);
  }

  /** Full chunks; with `all`, the remainders too. */
  *drain(all: boolean): Generator<LegacyChunk> {
    for (const [table, rows] of this.pending) {
      while (rows.length >= this.chunkRows || (all && rows.length > 0)) {
        yield { table, rows: rows.splice(0, this.chunkRows) };
      }
    }
  }
}

/** Rows already in memory, in chunks of `chunkRows`. */
export function* sliced(table: string, rows: readonly object[], chunkRows: number): Generator<LegacyChunk> {
  for (let i = 0; i < rows.length; i += chunkRows) yield { table, rows: rows.slice(i, i + chunkRows) };
}
