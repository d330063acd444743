/**
 * Appends events to this instance's chain, durably, with group commit: while one batch is being written,
 * newly arriving events queue up and go together in the next multi-row insert; each request waits for the
 * commit that holds its event. A failed batch leaves the chain as it was, so no sequence number or hash
 * is ever skipped; after a failure the chain's end is re-read from the store before the next batch (the
 * failed commit may in fact have landed). A batch the store refuses for one event's content is retried without
 * it (`write`), so one caller's event never fails the others'.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Code } from '../core/error-codes.js';
import { chainHash, GENESIS_HASH, type AuditEvent, type EventDraft } from './event.js';
import { chainEndOf, insertEvents } from './store.js';

interface Pending {
  draft: EventDraft;
  resolve(event: AuditEvent): void;
  reject(error: unknown): void;
}

export class AuditUnavailableError extends Error {
  readonly code = Code.AUDIT_UNAVAILABLE;
  constructor(options?: { cause?: unknown }) {
    super('the access log could not be written', options);
    this.name = 'AuditUnavailableError';
  }
}

/**
 * Whether the store refused a commit for the data it holds rather than for being unreachable: SQLSTATE class 22
 * (data exception: too long, out of range) or 23 (constraint violation) on MySQL/MariaDB, a statement larger than
 * max_allowed_packet, and SQLite's constraint, size and type errors.
 */
export function isContentRefusal(error: unknown): boolean {
  const { sqlState, code } = (error ?? {}) as { sqlState?: unknown; code?: unknown };
  if (typeof sqlState === 'string' && /^2[23]/.test(sqlState)) return true;
  if (code === 'ER_NET_PACKET_TOO_LARGE') return true;
  return typeof code === 'string' && /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/.test(code);
}

export class AuditWriter {
  private seq = 0;
  private lastHash = GENESIS_HASH;
  private needsResync = false;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private writingSince: number | null = null;
  /** Commits made and events written; for metrics and tests. */
  commits = 0;
  eventsWritten = 0;

  constructor(
    private readonly db: Knex,
    readonly writerId: string = randomUUID(),
    private readonly onCommit?: (seconds: number, events: number, failed: boolean) => void,
    private readonly maxBatch = 500,
    /** Milliseconds, for how long a commit has run; tests pass their own to choose lanes without racing a real clock. */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  append(draft: EventDraft): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves once everything queued so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** How long the batch being written has taken so far; 0 when not writing. */
  writingFor(now: number): number {
    return this.writingSince === null ? 0 : now - this.writingSince;
  }

  /** Events waiting for the next batch. */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    // Let the requests finishing in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) await this.write(this.queue.splice(0, this.maxBatch));
    } finally {
      this.flushing = null;
    }
  }

  /**
   * Commits a batch. When the store refuses it for what one of its events holds, the batch is written again in
   * halves, down to that event alone: one request's content fails only that request. Any other failure (the
   * store is down or slow) fails the batch as it is, once.
   */
  private async write(batch: Pending[]): Promise<void> {
    const failure = await this.commit(batch);
    if (failure === null) return;
    if (batch.length > 1 && isContentRefusal(failure)) {
      const half = Math.ceil(batch.length / 2);
      await this.write(batch.slice(0, half));
      await this.write(batch.slice(half));
      return;
    }
    const error = new AuditUnavailableError({ cause: failure });
    for (const pending of batch) pending.reject(error);
  }

  /** Writes the batch as one transaction; returns why it failed, or null. A failed batch leaves the chain as it was. */
  private async commit(batch: Pending[]): Promise<unknown> {
    const before = { seq: this.seq, lastHash: this.lastHash };
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    this.writingSince = this.clock();
    try {
      if (this.needsResync) await this.resync();
      const events = batch.map(({ draft }) => this.chain(draft));
      await insertEvents(this.db, events);
      // Done before the waiters hear of it: a caller that appends again at once finds this lane free.
      this.writingSince = null;
      this.commits += 1;
      this.eventsWritten += events.length;
      this.onCommit?.(seconds(), events.length, false);
      batch.forEach((pending, i) => pending.resolve(events[i]!));
      return null;
    } catch (error) {
      this.seq = before.seq;
      this.lastHash = before.lastHash;
      this.needsResync = true;
      this.writingSince = null;
      this.onCommit?.(seconds(), batch.length, true);
      return error;
    }
  }

  private chain(draft: EventDraft): AuditEvent {
    const body = { ...draft, writer: this.writerId, seq: this.seq + 1 };
    const hash = chainHash(this.lastHash, body);
    const event: AuditEvent = { ...body, prevHash: this.lastHash, hash };
    this.seq = event.seq;
    this.lastHash = hash;
    return event;
  }

  private async resync(): Promise<void> {
    const last = await chainEndOf(this.db, this.writerId);
    this.seq = last?.seq ?? 0;
    this.lastHash = last?.hash ?? GENESIS_HASH;
    this.needsResync = false;
  }
}

/**
 * The process's access log: several writers ("commit lanes"), each its own chain, committing in parallel.
 *
 * Group commit makes one lane fast while a commit costs mostly its round trips and its flush: events that
 * arrive meanwhile wait and go together in the next one. But a commit inserts its events' subject-index rows
 * one after another, and in a store larger than its buffer pool each row can be a disk read; then the commit
 * takes long in proportion to its batch, and waiting behind it gains nothing. So an event goes to the first lane
 * that is not writing, or that has been writing for less than SLOW_COMMIT_MS (it joins the next batch there);
 * past that, the next lane; when every lane is busy and slow, the one with the fewest events waiting. A quiet or
 * a merely busy process writes one chain; one that waits on disk spreads over up to `lanes` chains.
 */
const SLOW_COMMIT_MS = 20;

export class AuditLog {
  readonly lanes: readonly AuditWriter[];

  constructor(
    db: Knex,
    lanes: number,
    onCommit?: (seconds: number, events: number, failed: boolean) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError('an access log needs at least one lane');
    this.lanes = Array.from({ length: lanes }, () => new AuditWriter(db, randomUUID(), onCommit, undefined, clock));
  }

  append(draft: EventDraft): Promise<AuditEvent> {
    return this.laneFor().append(draft);
  }

  /** Resolves once everything queued so far, on every lane, is written (or failed). */
  async flush(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.flush()));
  }

  /** The chains this process writes, in lane order; a lane's chain is in the store once it has an event. */
  get writerIds(): string[] {
    return this.lanes.map((lane) => lane.writerId);
  }

  get eventsWritten(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.eventsWritten, 0);
  }

  private laneFor(): AuditWriter {
    const now = this.clock();
    const open = this.lanes.find((lane) => lane.writingFor(now) < SLOW_COMMIT_MS);
    if (open) return open;
    return this.lanes.reduce((best, lane) => (lane.waiting < best.waiting ? lane : best));
  }
}
