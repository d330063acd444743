/**
 * Change capture from the MySQL/MariaDB binary log (`sources.<name>.changeCapture: "binlog"`), with @vlasky/zongji:
 * the log says which rows each committed transaction wrote; the module reads those rows as they are now
 * (`WatchedTable.binlog.rowsByKey`) and the same comparison as polling derives the events (src/events/capture.ts).
 * So a row seen twice, or read after a later change, makes no second event, and an event has the same id however
 * it was captured. Deleted rows are read as absent and make no event.
 *
 * The log position of the last transaction whose changes are committed in the store is kept beside them (one
 * transaction), and a restart reads on from there. The first start takes the position before it reads the tables
 * whole (as polling does), so that nothing written during that read is missed. Needs the server's `log_bin` with
 * `binlog_format=ROW`, and a user with REPLICATION SLAVE and REPLICATION CLIENT besides SELECT.
 */
import type { Knex } from 'knex';
import ZongJi from '@vlasky/zongji';
import type { ServerTarget } from '../core/db.js';
import { dialectOf } from '../core/db.js';
import type { WatchedTable } from '../core/life-events.js';
import type { Logger } from '../log.js';
import { lockPosition, type ChangeApplier, type WatchedSource } from './capture.js';
import { CAPTURE_POSITIONS } from './subscriptions.js';

/** The position row's `tbl`: not a table name any source could have. */
export const BINLOG_POSITION = '#binlog';

interface LogPosition {
  file: string;
  position: number;
}

const RETRY_MS = 1000;
/** Transactions arriving this close together are applied together. */
const BATCH_MS = 20;

function parsePosition(mark: string | null): LogPosition | null {
  const match = mark === null ? null : /^(.+):(\d+)$/.exec(mark);
  return match ? { file: match[1]!, position: Number(match[2]) } : null;
}

/** Log files are `name.000001`, `name.000002`, …: ordered by the number, which may outgrow its six digits. */
function compareFiles(a: string, b: string): number {
  const [baseA, numberA] = [a.slice(0, a.lastIndexOf('.')), Number(a.slice(a.lastIndexOf('.') + 1))];
  const [baseB, numberB] = [b.slice(0, b.lastIndexOf('.')), Number(b.slice(b.lastIndexOf('.') + 1))];
  if (baseA !== baseB || Number.isNaN(numberA) || Number.isNaN(numberB)) return a < b ? -1 : a > b ? 1 : 0;
  return numberA - numberB;
}

function atOrAfter(a: LogPosition, b: LogPosition): boolean {
  const files = compareFiles(a.file, b.file);
  return files > 0 || (files === 0 && a.position >= b.position);
}

export interface BinlogSource extends WatchedSource {
  target: ServerTarget;
  serverId: number;
}

export class BinlogCapture {
  private zongji: ZongJi | null = null;
  private file = '';
  /** Keys written by the transaction being read: applied only once its end is read (its rows are committed). */
  private readonly current = new Map<WatchedTable, Set<string>>();
  /** Keys written by transactions read to their end, not yet applied. */
  private readonly pending = new Map<WatchedTable, Set<string>>();
  private received: LogPosition | null = null;
  private committed: LogPosition | null = null;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: Knex,
    private readonly source: BinlogSource,
    private readonly applier: ChangeApplier,
    private readonly snapshot: (table: WatchedTable) => Promise<void>,
    private readonly logger: Logger,
  ) {
    for (const table of source.tables) {
      if (table.binlog === undefined) throw new Error(`${source.name}: table ${table.table} cannot be captured from the binary log`);
    }
  }

  /** Resolves once the log is being read (after the first whole read of the tables, on a first start). */
  async start(): Promise<void> {
    if (this.stopped) return;
    let stored = parsePosition((await this.store(CAPTURE_POSITIONS).where({ source: this.source.name, tbl: BINLOG_POSITION }).first() as { mark: string | null } | undefined)?.mark ?? null);
    if (stored === null) {
      stored = await this.masterPosition();
      await this.store(CAPTURE_POSITIONS).insert({ source: this.source.name, tbl: BINLOG_POSITION, phase: 'live', mark: `${stored.file}:${stored.position}`, updated_at: Date.now() })
        .onConflict(['source', 'tbl']).ignore();
    }
    for (const table of this.source.tables) await this.snapshot(table);
    this.committed = stored;
    this.listen(stored);
  }

  private listen(from: LogPosition): void {
    if (this.stopped) return;
    const { host, port, user, password, database } = this.source.target;
    const zongji = new ZongJi({ host, port, user, password, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    this.zongji = zongji;
    this.file = from.file;
    const written = [...new Set(this.source.tables.flatMap((table) => Object.keys(table.binlog!.writtenBy)))];
    zongji.on('binlog', (event: Parameters<typeof this.onEvent>[0]) => this.onEvent(event));
    zongji.on('error', (error: unknown) => {
      this.logger.warn({ source: this.source.name, code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: reading the binary log failed; it reconnects');
      zongji.stop();
      if (this.zongji === zongji) {
        this.zongji = null;
        setTimeout(() => this.listen(this.committed ?? from), RETRY_MS);
      }
    });
    zongji.start({
      serverId: this.source.serverId,
      filename: from.file,
      position: from.position,
      includeEvents: ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query'],
      includeSchema: { [database]: written },
    });
  }

  private onEvent(event: { getEventName(): string; nextPosition: number; binlogName?: string; tableId?: number; tableMap?: Record<number, { tableName: string }>; rows?: unknown[]; query?: string }): void {
    const name = event.getEventName();
    if (name === 'rotate') {
      this.file = event.binlogName!;
      return;
    }
    if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
      const tableName = event.tableMap![event.tableId!]!.tableName;
      const images = (event.rows ?? []).flatMap((row) => (name === 'updaterows' ? [(row as { before: Record<string, unknown> }).before, (row as { after: Record<string, unknown> }).after] : [row as Record<string, unknown>]));
      for (const table of this.source.tables) {
        const keyOf = table.binlog!.writtenBy[tableName];
        if (keyOf === undefined) continue;
        const keys = this.current.get(table) ?? new Set<string>();
        for (const image of images) keys.add(keyOf(image));
        this.current.set(table, keys);
      }
      return;
    }
    // A transaction ends with its XID; a statement outside one (DDL) is its own. Only there may reading resume.
    if (name === 'xid' || (name === 'query' && !/^\s*BEGIN\s*$/i.test(event.query ?? ''))) {
      for (const [table, keys] of this.current) {
        const all = this.pending.get(table) ?? new Set<string>();
        for (const key of keys) all.add(key);
        this.pending.set(table, all);
      }
      this.current.clear();
      this.received = { file: this.file, position: event.nextPosition };
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, BATCH_MS);
    }
  }

  /** Applies what committed transactions wrote; one at a time, and again on failure. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const received = this.received;
    if (received === null || (this.committed !== null && atOrAfter(this.committed, received) && this.pending.size === 0)) return Promise.resolve();
    const taken = new Map(this.pending);
    this.pending.clear();
    this.flushing = this.apply(taken, received).then(() => {
      this.committed = received;
    }, (error: unknown) => {
      for (const [table, keys] of taken) {
        const again = this.pending.get(table) ?? new Set<string>();
        for (const key of keys) again.add(key);
        this.pending.set(table, again);
      }
      this.logger.warn({ source: this.source.name, code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: applying the binary log\'s changes failed; it is retried');
      return new Promise<void>((resolve) => setTimeout(resolve, RETRY_MS));
    }).finally(() => {
      this.flushing = null;
      if (!this.stopped && (this.pending.size > 0 || (this.received !== null && !atOrAfter(this.committed ?? { file: '', position: 0 }, this.received)))) void this.flush();
    });
    return this.flushing;
  }

  private async apply(taken: ReadonlyMap<WatchedTable, ReadonlySet<string>>, received: LogPosition): Promise<void> {
    const config: Knex.TransactionConfig = dialectOf(this.store) === 'sqlite' ? {} : { isolationLevel: 'read committed' };
    await this.store.transaction(async (trx) => {
      // Replicas reading the same log take turns here; the second finds the rows' state already remembered.
      await lockPosition(trx, this.source.name, BINLOG_POSITION);
      for (const [table, keys] of taken) {
        const rows = await table.binlog!.rowsByKey(this.source.db, [...keys]);
        await this.applier.apply(trx, this.source.name, table.table, rows, true);
      }
      await trx(CAPTURE_POSITIONS).where({ source: this.source.name, tbl: BINLOG_POSITION }).update({ mark: `${received.file}:${received.position}`, updated_at: Date.now() });
    }, config);
  }

  /** Resolves once every transaction the server had logged when it was called is applied. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const target = await this.masterPosition();
    const deadline = Date.now() + timeoutMs;
    while (this.committed === null || !atOrAfter(this.committed, target) || this.flushing !== null || this.pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`${this.source.name}: the binary log was not applied up to ${target.file}:${target.position}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async masterPosition(): Promise<LogPosition> {
    const result = await this.source.db.raw('SHOW MASTER STATUS') as unknown as [{ File: string; Position: number | string }[]];
    const row = result[0]?.[0];
    if (!row) throw new Error(`${this.source.name}: the server has no binary log (log_bin is off): use changeCapture "poll"`);
    return { file: row.File, position: Number(row.Position) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.zongji?.stop();
    this.zongji = null;
    await this.flushing;
  }
}
