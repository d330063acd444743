/**
 * Change capture by polling, read-only: each source module's watched tables are read by their change mark, from a
 * watermark kept in the store; each row is compared with what samgraf remembered of it (its state), and the
 * module turns a change of state into life events, which are published before the new state and watermark are
 * committed. A crash between the two publishes the same events again, with the same ids (the bus drops them as
 * duplicates, or the subscriber sees the same `webhook-id`): at least once, never a different id for one change.
 *
 * Nothing is missed at the watermark: a round re-reads from `lateCommitSeconds` before it (rows that share the
 * watermark's time, and transactions that commit after a later-stamped one), and, for Swedish wall-clock marks,
 * from the start of the autumn hour that repeats (rows written in its second run have smaller marks). Re-read
 * rows whose state is unchanged make no event. One round per table at a time across replicas: the round holds
 * its position row's lock in the store.
 *
 * A table is first read whole (phase `snapshot`): its rows are remembered without events, so that what existed
 * before samgraf watched is no news. Rows changed after that read began are left out of it; when it is done the
 * live rounds read on from its beginning, so those changes are events.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { Temporal } from 'temporal-polyfill';
import { dialectOf } from '../core/db.js';
import type { DerivedEvent, MarkKind, ObservedRow, RowState, WatchedTable } from '../core/life-events.js';
import type { Logger } from '../log.js';
import { CAPTURE_POSITIONS, CAPTURE_ROWS } from './subscriptions.js';

/** An event as it travels through the bus: what the module derived, with its stable id and source. */
export interface CapturedEvent extends DerivedEvent {
  /** The same change always has the same id: it is the CloudEvent `id` and the `webhook-id`. */
  id: string;
  source: string;
}

export interface CaptureOptions {
  pollIntervalMs: number;
  lateCommitSeconds: number;
  /** Rows per statement; more than change within `lateCommitSeconds` of one another. */
  pageRows: number;
}

export interface WatchedSource {
  name: string;
  db: Knex;
  tables: readonly WatchedTable[];
}

interface PositionRow {
  source: string;
  tbl: string;
  phase: 'snapshot' | 'live';
  mark: string | null;
  started_mark: string | null;
}

const STOCKHOLM = 'Europe/Stockholm';

/** How far a page grows past `pageRows` to get past rows that share one time. */
const MAX_PAGE_GROWTH = 64;

export class ChangeCapture {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** What the last rounds saw of the rows within the overlap: rows unchanged since need no store read. */
  private readonly seen = new Map<string, Map<string, string>>();
  /** The watermark this process last committed per table. */
  private readonly written = new Map<string, string | null>();
  /** Counted per round for metrics and tests. */
  roundsDone = 0;

  private readonly applier: ChangeApplier;

  constructor(
    private readonly store: Knex,
    private readonly sources: readonly WatchedSource[],
    publish: (events: readonly CapturedEvent[]) => Promise<void>,
    keySecret: Buffer,
    private readonly options: CaptureOptions,
    private readonly logger: Logger,
  ) {
    this.applier = new ChangeApplier(publish, keySecret);
  }

  /** Reads a table whole, remembering its rows without events, unless that is done (the binlog's start). */
  async snapshot(source: WatchedSource, table: WatchedTable): Promise<void> {
    for (;;) {
      const position = await this.store(CAPTURE_POSITIONS).where({ source: source.name, tbl: table.table }).first() as PositionRow | undefined;
      if (position?.phase === 'live') return;
      await this.round(source, table, this.options.pageRows);
    }
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.running = this.pollAll().then(() => undefined).finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollIntervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One round over every watched table, the tables side by side (a large first read of one does not hold up the
   * others' events); returns the events published.
   */
  async pollAll(): Promise<number> {
    const counts = await Promise.all(this.sources.flatMap((source) => source.tables.map(async (table) => {
      try {
        return await this.catchUp(source, table);
      } catch (error) {
        // The driver's message may hold a value of a row: only the code is logged.
        this.logger.warn({ source: source.name, table: table.table, code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: a capture round failed; it is retried');
        return 0;
      }
    })));
    this.roundsDone++;
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Rounds until a page is not full. */
  private async catchUp(source: WatchedSource, table: WatchedTable): Promise<number> {
    let published = 0;
    let limit = this.options.pageRows;
    for (;;) {
      const { events, full, advanced } = await this.round(source, table, limit);
      published += events;
      if (!full || this.stopped) return published;
      // A full page whose rows all share the watermark's time would be read again and again: a larger page gets
      // past them (a bulk load stamps many rows alike). Bounded, so that one round cannot take all memory.
      if (!advanced) {
        if (limit >= MAX_PAGE_GROWTH * this.options.pageRows) {
          this.logger.warn({ source: source.name, table: table.table, rows: limit }, 'life events: more rows share one change time than a round reads; this table makes no events until that changes (the binary log has no such limit)');
          return published;
        }
        limit *= 2;
      } else {
        limit = this.options.pageRows;
      }
    }
  }

  private async round(source: WatchedSource, table: WatchedTable, limit: number): Promise<{ events: number; full: boolean; advanced: boolean }> {
    const config: Knex.TransactionConfig = dialectOf(this.store) === 'sqlite' ? {} : { isolationLevel: 'read committed' };
    const seen = this.seenOf(source.name, table.table);
    let written: string | null = null;
    const { events, full, advanced, keyed } = await this.store.transaction(async (trx) => {
      const position = await lockPosition(trx, source.name, table.table);
      // Another replica moved the table on since this one's last round: what this one saw then vouches for nothing.
      if (position.mark !== this.written.get(`${source.name}.${table.table}`)) seen.clear();
      // The first read remembers what was there when it began; anything changed since is news, for the live rounds.
      const started = position.phase === 'snapshot' ? position.started_mark ?? markNow(table.markKind) : null;
      const since = position.mark === null ? null : position.phase === 'snapshot' ? position.mark : rewind(position.mark, table.markKind, this.options.lateCommitSeconds);
      const rows = await table.changedSince(source.db, since, limit);
      const remembered = started === null ? rows : rows.filter((row) => compareMarks(row.mark, started, table.markKind) < 0);
      const { events, keyed } = await this.applier.apply(trx, source.name, table.table, remembered, position.phase === 'live', seen);
      const full = rows.length >= limit;
      const read = rows.reduce<string | null>((max, row) => (max === null || compareMarks(row.mark, max, table.markKind) > 0 ? row.mark : max), position.mark);
      // A row stamped in the future (a clock ahead, a typo) must not carry the watermark past the changes still to come.
      const now = markNow(table.markKind);
      const phase = position.phase === 'snapshot' && !full ? 'live' : position.phase;
      const newest = read !== null && phase === 'live' && compareMarks(read, position.phase === 'snapshot' ? started! : now, table.markKind) > 0
        ? (position.phase === 'snapshot' ? started : now)
        : read;
      await trx(CAPTURE_POSITIONS).where({ source: source.name, tbl: table.table }).update({ mark: newest, phase, started_mark: started, updated_at: Date.now() });
      written = newest;
      return { events, full, advanced: newest !== position.mark || phase !== position.phase, keyed };
    }, config);
    // Remembered after the commit only: a failed round must not vouch for rows it did not store.
    this.written.set(`${source.name}.${table.table}`, written);
    if (seen.size > 4 * this.options.pageRows) seen.clear();
    for (const { row, hash, state } of keyed) seen.set(hash, `${row.mark}\n${state}`);
    return { events, full, advanced };
  }

  private seenOf(source: string, table: string): Map<string, string> {
    const key = `${source}.${table}`;
    let seen = this.seen.get(key);
    if (!seen) this.seen.set(key, seen = new Map());
    return seen;
  }
}

export interface KeyedRow {
  row: ObservedRow;
  hash: string;
  state: string;
}

/**
 * Compares rows read with what was remembered of them, derives the events of each change, publishes them, and
 * remembers the rows' new state, in the caller's transaction: the same for polling and the binary log.
 */
export class ChangeApplier {
  constructor(private readonly publish: (events: readonly CapturedEvent[]) => Promise<void>, private readonly keySecret: Buffer) {}

  /** `emit` false: remember only (a first read). `seen`: rows known unchanged since (skips the store read). */
  async apply(trx: Knex.Transaction, source: string, table: string, rows: readonly ObservedRow[], emit: boolean, seen?: ReadonlyMap<string, string>): Promise<{ events: number; keyed: KeyedRow[] }> {
    const keyed = rows.map((row) => ({ row, hash: this.keyHash(row.key), state: canonicalState(row.state) }));
    const unsure = seen === undefined ? keyed : keyed.filter(({ hash, row, state }) => seen.get(hash) !== `${row.mark}\n${state}`);
    const before = await rememberedStates(trx, source, table, unsure.map((r) => r.hash));
    const events: CapturedEvent[] = [];
    const changed = new Map<string, string>();
    for (const { row, hash, state } of unsure) {
      const remembered = before.get(hash);
      if (remembered === state || changed.get(hash) === state) continue;
      changed.set(hash, state);
      if (!emit) continue;
      // A row that could not be read before is new to the rules now that it can be.
      const parsed = remembered === undefined ? null : JSON.parse(remembered) as RowState;
      const previous = parsed === null || parsed.unreadable === true ? null : parsed;
      row.events(previous).forEach((event, index) => events.push({ ...event, source, id: eventId(source, table, hash, remembered ?? '', state, row.mark, index) }));
    }
    // Published before the state is committed: a crash in between publishes them again, with the same ids.
    if (events.length > 0) await this.publish(events);
    const states = [...changed];
    for (let i = 0; i < states.length; i += 500) {
      await trx(CAPTURE_ROWS).insert(states.slice(i, i + 500).map(([hash, state]) => ({ source, tbl: table, key_hash: hash, state })))
        .onConflict(['source', 'tbl', 'key_hash']).merge(['state']);
    }
    return { events: events.length, keyed };
  }

  /** Keyed, so that the store's copy of a row's key (often a personal number) cannot be reversed by trying them all. */
  private keyHash(key: string): string {
    return createHmac('sha256', this.keySecret).update(key).digest('hex');
  }
}

export async function lockPosition(trx: Knex.Transaction, source: string, table: string): Promise<PositionRow> {
  await trx(CAPTURE_POSITIONS).insert({ source, tbl: table, phase: 'snapshot', mark: null, updated_at: Date.now() }).onConflict(['source', 'tbl']).ignore();
  const query = trx<PositionRow>(CAPTURE_POSITIONS).select('source', 'tbl', 'phase', 'mark', 'started_mark').where({ source, tbl: table });
  const row = await (dialectOf(trx) === 'sqlite' ? query : query.forUpdate()).first();
  return row as PositionRow;
}

async function rememberedStates(trx: Knex.Transaction, source: string, table: string, hashes: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (let i = 0; i < hashes.length; i += 1000) {
    const rows: { key_hash: string; state: string }[] = await trx(CAPTURE_ROWS).select('key_hash', 'state').where({ source, tbl: table }).whereIn('key_hash', hashes.slice(i, i + 1000));
    for (const row of rows) states.set(row.key_hash, row.state);
  }
  return states;
}

function canonicalState(state: RowState): string {
  return JSON.stringify(Object.fromEntries(Object.entries(state).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function eventId(source: string, table: string, keyHash: string, before: string, after: string, mark: string, index: number): string {
  const hash = createHash('sha256').update(JSON.stringify([source, table, keyHash, before, after, mark, index])).digest('hex');
  return `evt_${hash.slice(0, 32)}`;
}

function markNow(kind: MarkKind): string {
  if (kind === 'instant') return new Date().toISOString();
  return Temporal.Now.plainDateTimeISO(STOCKHOLM).toString({ fractionalSecondDigits: 0 }).replace('T', ' ');
}

function compareMarks(a: string, b: string, kind: MarkKind): number {
  if (kind === 'instant') return Date.parse(a) - Date.parse(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Where a round starts reading, for a watermark: see the file's comment. */
export function rewind(mark: string, kind: MarkKind, lateCommitSeconds: number): string {
  if (kind === 'instant') return new Date(Date.parse(mark) - lateCommitSeconds * 1000).toISOString();
  const wall = Temporal.PlainDateTime.from(mark.trim().replace(' ', 'T'));
  let from = wall.subtract({ seconds: lateCommitSeconds });
  const repeated = repeatedHourNear(wall);
  if (repeated !== null && Temporal.PlainDateTime.compare(wall, repeated.start) >= 0
    && Temporal.PlainDateTime.compare(from, repeated.end) <= 0 && Temporal.PlainDateTime.compare(repeated.start, from) < 0) {
    from = repeated.start;
  }
  return from.toString({ fractionalSecondDigits: 0 }).replace('T', ' ');
}

/**
 * The wall-clock interval that a backward change of Stockholm's offset repeats, if one ends within an hour before
 * `wall` or contains it: [start, end) in wall time.
 */
function repeatedHourNear(wall: Temporal.PlainDateTime): { start: Temporal.PlainDateTime; end: Temporal.PlainDateTime } | null {
  const probe = wall.subtract({ hours: 3 }).toZonedDateTime(STOCKHOLM, { disambiguation: 'earlier' });
  const change = probe.getTimeZoneTransition('next');
  if (change === null || Temporal.ZonedDateTime.compare(change, wall.add({ hours: 3 }).toZonedDateTime(STOCKHOLM, { disambiguation: 'later' })) > 0) return null;
  const before = change.subtract({ nanoseconds: 1 });
  const back = before.offsetNanoseconds - change.offsetNanoseconds;
  if (back <= 0) return null;
  const start = change.toPlainDateTime();
  return { start, end: start.add({ nanoseconds: back }) };
}
