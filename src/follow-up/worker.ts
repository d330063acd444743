/**
 * The follow-up worker: it looks at every committed access-log event once, applies the rules (rules.ts), and
 * stores the findings beside the log.
 *
 * Off the request path, on purpose: the rules need the register of persons (relatives, addresses, protected
 * identities) and the reader's history, round trips no request should wait for. The events are queued in the
 * same transaction that commits them (access-log/store.ts), so none is skipped, and the worker keeps up within
 * `followUp.intervalSeconds`; `catchUp()` drains the queue on demand, so an auditor's `auditFindings` and
 * `samgraf audit follow-up` see every event committed before they asked. Replicas take turns through a row
 * lock, and a finding's id is its event's and kind's, so the same finding is never made twice.
 */
import { hash } from 'node:crypto';
import type { Knex } from 'knex';
import { dialectOf } from '../core/db.js';
import type { AuditEvent } from '../access-log/event.js';
import { fromRow, type EventRow } from '../access-log/store.js';
import type { Closeness } from '../core/source-module.js';
import type { Logger } from '../log.js';
import {
  dayThreshold, isFollowedUp, PROTECTED_CATEGORIES, noCaseReference, offHours, personsRead, protectedPerson, relativeOrHousehold, swedishDay, volumeOutlier,
  type FindingDraft, type FollowUpRules,
} from './rules.js';
import { DistinctCount } from './distinct-count.js';
import { FINDINGS, findingRow, FOLLOW_UP_LOCK, FOLLOW_UP_PENDING, READER_DAYS, type FindingRow } from './store.js';

/** What the follow-up asks the register of persons, with fresh loaders for each round. */
export interface RegisterFacts {
  closeness(person: string, others: readonly string[]): Promise<ReadonlyMap<string, Closeness>>;
  /** Of `persons`, those with a protected identity. */
  protectedAmong(persons: readonly string[]): Promise<ReadonlySet<string>>;
}

/** Events looked at in one round (one transaction), at most. */
const ROUND_EVENTS = 500;
/** Queued runs taken in one round, at most: each is a condition of the round's one SELECT. */
const ROUND_QUEUE_ROWS = 200;

export interface PendingRow {
  id: number;
  writer_id: string;
  from_seq: number | string;
  to_seq: number | string;
}

export class FollowUp {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;
  private stopped = true;

  constructor(
    private readonly db: Knex,
    private readonly rules: FollowUpRules,
    /** The register of persons, where this process has it; without it, the rules that need it are off. */
    private readonly register: (() => RegisterFacts) | null,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Looks at every event queued when it is called; resolves when they are looked at (or a round fails, which it
   * throws). Not until the queue is empty: under load events are queued all the time, and a worker that chased
   * them would run round after round of a few events each, its statements outnumbering the requests'. A round
   * that was not full took everything queued when it read the queue — after this call, unless it was already
   * under way, which is why such a round does not count.
   */
  async catchUp(): Promise<void> {
    if (this.running) await this.running.catch(() => undefined);
    while (await this.round()) { /* a full round: more may be queued */ }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.catchUp().catch((error: unknown) => {
        this.logger.warn({ err: { name: (error as Error).name, code: (error as { code?: unknown }).code } }, 'follow-up round failed; retried at the next');
      }).finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One round at a time in this process; another process waits for the lock. Resolves to whether it was full. */
  private round(): Promise<boolean> {
    this.running ??= this.db.transaction((trx) => this.lookAtQueued(trx)).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async lookAtQueued(trx: Knex.Transaction): Promise<boolean> {
    const lock = trx(FOLLOW_UP_LOCK).where({ id: 1 });
    await (dialectOf(trx) === 'sqlite' ? lock : lock.forUpdate()).first();
    const pending = await trx<PendingRow>(FOLLOW_UP_PENDING).orderBy('id').limit(ROUND_QUEUE_ROWS);
    if (pending.length === 0) return false;
    const taken = roundOf(pending);
    // One statement for the round's events and one for its queue rows, whatever the number of commits queued
    // (at concurrency 1, every request is a commit of its own).
    const rows = await trx<EventRow>('audit_events').where((q) => {
      for (const run of contiguousRuns(taken.runs)) q.orWhere((one) => one.where('writer_id', run.writer).whereBetween('seq', [run.from, run.to]));
    }).orderBy(['writer_id', 'seq']);
    const events = rows.map(fromRow);
    await trx(FOLLOW_UP_PENDING).whereIn('id', taken.done).delete();
    // A run longer than a round is taken in part; the rest stays queued.
    if (taken.rest !== null) await trx(FOLLOW_UP_PENDING).where({ id: taken.rest.id }).update({ from_seq: taken.rest.from });
    const now = Date.now();
    const followed = events.filter(isFollowedUp).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
    const facts = this.register?.() ?? null;
    // All at once: the register's loaders then ask about the whole round's persons in one statement.
    const drafts = await Promise.all(followed.map((event) => this.findingsOf(event, facts)));
    const findings = followed.flatMap((event, i) => drafts[i]!.map((draft) => findingRow(refOf(event), draft, now)));
    if (findings.length > 0) await trx(FINDINGS).insert(findings).onConflict('id').ignore();
    await this.countVolumes(trx, followed.filter((event) => event.principal.type === 'STAFF' && personsRead(event).length > 0), now);
    return taken.full;
  }

  private async findingsOf(event: AuditEvent, facts: RegisterFacts | null): Promise<FindingDraft[]> {
    const drafts = [noCaseReference(event, this.rules), offHours(event, this.rules.workingHours)];
    if (facts !== null) {
      const reader = event.principal.personalNumber;
      if (reader !== undefined && event.principal.type === 'STAFF') drafts.push(relativeOrHousehold(event, await facts.closeness(reader, personsRead(event))));
      // Only a person whose protected data (address, relations) was served can make the finding: no one else is asked about.
      const candidates = event.subjects.filter((subject) => (event.subjectCategories[subject] ?? []).some((category) => PROTECTED_CATEGORIES.has(category)));
      const protectedOnes = candidates.length === 0 ? new Set<string>() : await facts.protectedAmong(candidates);
      drafts.push(protectedPerson(event, (subject) => protectedOnes.has(subject)));
    }
    return drafts.filter((draft): draft is FindingDraft => draft !== null);
  }

  /**
   * Counts each staff reader's distinct persons per Swedish day (a sketch per reader and day: distinct-count.ts),
   * and judges each day the round touched against the reader's own earlier days and their colleagues'
   * (rules.ts, volumeOutlier). A day's finding is made once, on the read that took it past its bound, and kept up
   * to date as the day's count grows.
   *
   * A round's statements do not grow with its readers or persons: the touched days' sketches, and every day row
   * the judgements need (the readers' own and their organisations'), are read in one statement each; the days
   * are judged one after another in memory, each seeing the counts of the days judged before it; the days are
   * written back in one upsert.
   */
  private async countVolumes(trx: Knex.Transaction, events: readonly AuditEvent[], now: number): Promise<void> {
    const days = new Map<string, { reader: string; day: string; organization: string | null; events: AuditEvent[] }>();
    for (const event of events) {
      const reader = readerKey(event);
      const day = swedishDay(event.occurredAt);
      const key = `${reader}|${day}`;
      if (!days.has(key)) days.set(key, { reader, day, organization: event.principal.organization, events: [] });
      days.get(key)!.events.push(event);
    }
    if (days.size === 0) return;
    const rule = this.rules.volume;
    // Calendar days, counted in UTC where every day has 24 hours.
    const sinceOf = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - rule.historyDays * 86_400_000).toISOString().slice(0, 10);
    const touched = [...days.values()];

    const sketches = new Map((await trx(READER_DAYS).select('reader', 'day', 'sketch')
      .where((q) => { for (const d of touched) q.orWhere({ reader: d.reader, day: d.day }); }) as { reader: string; day: string; sketch: string | null }[])
      .map((row) => [`${row.reader}|${row.day}`, row.sketch]));
    const earliest = touched.map((d) => sinceOf(d.day)).sort()[0]!;
    const latest = touched.map((d) => d.day).sort().at(-1)!;
    const readers = [...new Set(touched.map((d) => d.reader))];
    const organizations = [...new Set(touched.map((d) => d.organization).filter((o): o is string => o !== null))];
    const stored = await trx(READER_DAYS).select('reader', 'day', 'organization', 'persons', 'finding_id')
      .where('day', '>=', earliest).where('day', '<=', latest)
      .where((q) => {
        q.whereIn('reader', readers);
        if (organizations.length > 0) q.orWhereIn('organization', organizations);
      }) as { reader: string; day: string; organization: string | null; persons: number | string; finding_id: string | null }[];
    type DayRow = { reader: string; day: string; organization: string | null; persons: number; finding_id: string | null; sketch?: string };
    const rows = new Map<string, DayRow>();
    // The same rows by reader and by organisation: each day's judgement reads its reader's and their colleagues'.
    const byReader = new Map<string, DayRow[]>();
    const byOrganization = new Map<string, DayRow[]>();
    const keep = (row: DayRow) => {
      rows.set(`${row.reader}|${row.day}`, row);
      append(byReader, row.reader, row);
      if (row.organization !== null) append(byOrganization, row.organization, row);
    };
    for (const row of stored) keep({ ...row, persons: Number(row.persons) });

    const newFindings: FindingRow[] = [];
    const updatedFindings: { id: string; score: number; explanation: string }[] = [];
    for (const { reader, day, organization, events: ofDay } of touched) {
      const key = `${reader}|${day}`;
      const row = rows.get(key) ?? { reader, day, organization, persons: 0, finding_id: null };
      if (!rows.has(key)) keep(row);
      const since = sinceOf(day);
      const own = (byReader.get(reader) ?? []).filter((r) => r.day >= since && r.day < day).map((r) => r.persons);
      const peers = organization === null ? [] : (byOrganization.get(organization) ?? []).filter((r) => r.reader !== reader && r.day >= since && r.day <= day).map((r) => r.persons);
      const threshold = dayThreshold({ own, peers }, rule);
      // The day's reads in time order; the first after which the count exceeds the bound is the finding's read.
      const sketch = DistinctCount.fromText(sketches.get(key) ?? null);
      let crossing: AuditEvent | null = null;
      for (const event of ofDay) {
        let grew = false;
        for (const subject of personsRead(event)) grew = sketch.add(subject) || grew;
        if (grew) row.persons = Math.max(row.persons, sketch.estimate);
        if (crossing === null && threshold !== null && row.persons > threshold) crossing = event;
      }
      row.sketch = sketch.toText();
      if (threshold === null || row.persons <= threshold) continue;
      const evidence = { day, persons: row.persons, own, peers, organization };
      if (row.finding_id) {
        const draft = volumeOutlier(evidence, rule, []);
        updatedFindings.push({ id: row.finding_id, score: Math.round(draft!.score * 1000) / 1000, explanation: draft!.explanation });
        continue;
      }
      // The read that took the day past the bound; the round's first, when the day was past it already (the
      // bound fell as colleagues' days came in).
      const read = crossing ?? ofDay[0]!;
      const finding = findingRow(refOf(read), volumeOutlier(evidence, rule, personsRead(read))!, now);
      newFindings.push(finding);
      row.finding_id = finding.id;
    }

    const written = touched.map((d) => rows.get(`${d.reader}|${d.day}`)!)
      .map(({ reader, day, organization, persons, finding_id, sketch }) => ({ reader, day, organization, persons, finding_id, sketch }));
    await trx(READER_DAYS).insert(written).onConflict(['reader', 'day']).merge(['persons', 'finding_id', 'sketch']);
    if (newFindings.length > 0) await trx(FINDINGS).insert(newFindings).onConflict('id').ignore();
    for (const finding of updatedFindings) await trx(FINDINGS).where({ id: finding.id }).update({ score: finding.score, explanation: finding.explanation });
  }
}

/**
 * What a round takes of the queue, oldest first: whole runs while they fit in ROUND_EVENTS, and of a run that
 * does not fit (only ever the first: a commit of more than ROUND_EVENTS events), its first ROUND_EVENTS. Full
 * when it left any of what it read, or read as many rows as it may: more may be queued.
 */
/** Events `from`..`to` (inclusive) of a writer's chain. */
export interface Run {
  writer: string;
  from: number;
  to: number;
}

export function roundOf(pending: readonly PendingRow[]): { runs: Run[]; done: number[]; rest: { id: number; from: number } | null; full: boolean } {
  const runs: Run[] = [];
  const done: number[] = [];
  let events = 0;
  for (const row of pending) {
    const from = Number(row.from_seq);
    const to = Number(row.to_seq);
    if (events + (to - from + 1) > ROUND_EVENTS) {
      if (runs.length > 0) return { runs, done, rest: null, full: true };
      runs.push({ writer: row.writer_id, from, to: from + ROUND_EVENTS - 1 });
      return { runs, done, rest: { id: row.id, from: from + ROUND_EVENTS }, full: true };
    }
    runs.push({ writer: row.writer_id, from, to });
    done.push(row.id);
    events += to - from + 1;
  }
  // As many queue rows as a round reads: there may be more behind them.
  return { runs, done, rest: null, full: pending.length === ROUND_QUEUE_ROWS };
}

/**
 * The runs with each chain's adjoining ones joined: at concurrency 1 every commit queues a run of one event, and a
 * round's statement would otherwise say `writer = ? and seq between ? and ?` once per event.
 */
export function contiguousRuns(runs: readonly Run[]): Run[] {
  const joined: Run[] = [];
  const sorted = [...runs].sort((a, b) => (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : a.from - b.from));
  for (const run of sorted) {
    const last = joined.at(-1);
    if (last !== undefined && last.writer === run.writer && run.from <= last.to + 1) last.to = Math.max(last.to, run.to);
    else joined.push({ ...run });
  }
  return joined;
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** One key for a reader, whatever the lengths of their organisation and subject. */
function readerKey(event: AuditEvent): string {
  const { type, organization, subject } = event.principal;
  return hash('sha256', `${type}\u0000${organization ?? ''}\u0000${subject}`, 'hex');
}

function refOf(event: AuditEvent) {
  return {
    writer: event.writer,
    seq: event.seq,
    occurredMs: Date.parse(event.occurredAt),
    principal: { type: event.principal.type, subject: event.principal.subject, organization: event.principal.organization },
    purpose: event.purpose,
  };
}

/** `followUp.workingHours` as the rules read it. */
export function workingHoursOf(value: string | { start: string; end: string; days: number[] }): FollowUpRules['workingHours'] {
  const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
  if (typeof value === 'string') {
    const [start, end] = value.split('-') as [string, string];
    return { start: minutes(start), end: minutes(end), days: [1, 2, 3, 4, 5, 6, 7] };
  }
  return { start: minutes(value.start), end: minutes(value.end), days: value.days };
}
