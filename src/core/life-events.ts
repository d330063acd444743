/**
 * Life events: what a source module says happened to a person, derived from the changes samgraf sees in the
 * agency's tables (src/events captures them and delivers them). A module declares, per table it watches, how
 * to find changed rows, what of a row to remember between rounds (its state), and which events a change from one
 * state to the next means. A correction is not a birth: each module documents its rules next to them.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { DataCategory } from './generated/schema-types.js';

/** The event types of product.md ("Life events for agencies that must act"); CloudEvents `type` is `se.samgraf.<type>`. */
export const LIFE_EVENT_TYPES = [
  'person.born', 'person.moved', 'person.died', 'person.emigrated', 'person.protection-changed', 'relation.added',
  'benefit.decided', 'benefit.ended', 'case.opened', 'case.closed', 'action-plan.changed', 'income.reported',
] as const;

export type LifeEventType = (typeof LIFE_EVENT_TYPES)[number];

export function isLifeEventType(value: string): value is LifeEventType {
  return (LIFE_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * One item of an event's data and what it takes to receive it: the scope (and, for the relations of a person,
 * that the other person is visible), and the access-log category it counts as.
 */
export interface EventField {
  value: string | number | boolean | null | readonly string[];
  scope: string;
  category: DataCategory;
}

/** A person an event names besides its subject (a parent of a newborn, the other party of a relation). */
export interface RelatedPerson {
  personalNumber: string;
  /** `GUARDIAN`, `CHILD` or `SPOUSE`, as `Relation.type`. */
  relation: string;
}

/** An event as a module derives it: everything the most privileged subscriber could receive. */
export interface DerivedEvent {
  type: LifeEventType;
  /** The 12-digit number of the person it is about. */
  subject: string;
  /** When it happened, ISO 8601 with offset (the row's change time, or the date the register gives). */
  time: string;
  related?: readonly RelatedPerson[];
  data: Readonly<Record<string, EventField>>;
}

/** What a table's rows are remembered as between rounds: short codes and hashes, never names or addresses. */
export type RowState = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

/** One row as a round sees it. */
export interface ObservedRow {
  /** The row's identity in its table (hashed before it is stored). */
  key: string;
  /** The row's change mark, as `changedSince` compares it. */
  mark: string;
  state: RowState;
  /** Builds the events of the change from `before` (null: a row samgraf has not seen) to this row. */
  events(before: RowState | null): DerivedEvent[];
}

/**
 * How a table's change mark reads: a Swedish wall-clock time without offset (`YYYY-MM-DD HH:MM:SS`, which
 * repeats an hour each autumn), or an instant (text the database compares as one).
 */
export type MarkKind = 'swedish-local-time' | 'instant';

export interface WatchedTable {
  table: string;
  markKind: MarkKind;
  /** The change columns a round reads by: what an agency whose table is polled should index. */
  markColumns: readonly string[];
  /**
   * The rows whose mark is at or after `since` (every row when null), as ObservedRows, in mark order, at most
   * `limit` of them: one for every row read, an unreadable one too (`unreadableRow`), since the page's length
   * tells whether there is more. Reads only: the module's own statements on the agency's database.
   */
  changedSince(db: Knex, since: string | null, limit: number): Promise<ObservedRow[]>;
  /**
   * For change capture from the MySQL/MariaDB binary log: the tables whose written rows change a row of this
   * one, each with the key of that row in a written row (its own table's primary key; FB_RELATION's PERSONID for
   * FB_PERSON); and the rows of these keys as they are now (absent: deleted).
   */
  binlog?: {
    writtenBy: Readonly<Record<string, (row: Readonly<Record<string, unknown>>) => string>>;
    rowsByKey(db: Knex, keys: readonly string[]): Promise<ObservedRow[]>;
  };
}

/** A change made in a source for the demo or the benchmark, and how its event is recognised. */
export interface SimulatedChange {
  subject: string;
  related: readonly string[];
  /** Items of the event's data that identify it (e.g. `benefitId`). */
  data: Readonly<Record<string, string>>;
}

/** A module's change feed: the tables it watches. A table without a change mark is watched through another's. */
export interface ChangeFeed {
  tables: readonly WatchedTable[];
  /** For the README and `samgraf subscription` help: each rule, one line. */
  rules: readonly string[];
  /**
   * Writes, as the agency's own system would, a change that makes the event (demo and benchmark only: samgraf
   * never writes to a source it serves).
   */
  simulate?: Partial<Record<LifeEventType, (db: Knex) => Promise<SimulatedChange>>>;
}

/** Now on a Swedish wall clock, `YYYY-MM-DD HH:MM:SS`, as the legacy tables stamp their changes. */
export function swedishWallClockNow(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date());
}

/**
 * A row read that makes no event because it cannot be read (a personal number that fails its check, a code no
 * one knows): it still counts as read, so that the page and the watermark move past it.
 */
export function unreadableRow(key: string, mark: string): ObservedRow {
  return { key, mark, state: { unreadable: true }, events: () => [] };
}

/** A short stable hash of a text: state compares by it, so that the store holds no address or activity. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** Field helpers, so that every module spells scope and category alike. */
export const field = (value: EventField['value'], scope: string, category: DataCategory): EventField => ({ value, scope, category });
