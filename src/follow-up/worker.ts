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
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { Temporal } from 'temporal-polyfill';
import { dialectOf } from '../core/db.js';
import type { AuditEvent } from '../access-log/event.js';
import { fromRow, type EventRow } from '../access-log/store.js';
import type { Closeness } from '../core/source-module.js';
import type { Logger } from '../log.js';
import {
  dayThreshold, isFollowedUp, PROTECTED_CATEGORIES, noCaseReference, offHours, personsRead, protectedPerson, relativeOrHousehold, swedishDay, volumeOutlier,
  type FindingDraft, type FollowUpRules,
} from './rules.js';
import { FINDINGS, findingRow, FOLLOW_UP_LOCK, FOLLOW_UP_PENDING, READER_DAYS, READER_PERSONS, type FindingRow } from './store.js';

/** What the follow-up asks the register of persons, with fresh loaders for each round. */
export interface RegisterFacts {
  closeness(person: string, others: readonly string[]): Promise<ReadonlyMap<string, Closeness>>;
  /** Of `persons`, those with a protected identity. */
  protectedAmong(persons: readonly string[]): Promise<ReadonlySet<string>>;
}

/** Events looked at in one round (one transaction). */
const ROUND_EVENTS = 500;

interface PendingRow {
  id: number;
  writer_id: string;
  from_seq: number | string;
  to_seq: number | string;
}

export class FollowUp {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
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

  /** Looks at every event queued now; resolves when the queue is empty (or a round fails, which it throws). */
  async catchUp(): Promise<void> {
    while ((await this.round()) > 0) { /* until the queue is empty */ }
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

  /** One round at a time in this process; another process waits for the lock. Returns the events looked at. */
  private round(): Promise<number> {
    this.running ??= this.db.transaction((trx) => this.lookAtQueued(trx)).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async lookAtQueued(trx: Knex.Transaction): Promise<number> {
    const lock = trx(FOLLOW_UP_LOCK).where({ id: 1 });
    await (dialectOf(trx) === 'sqlite' ? lock : lock.forUpdate()).first();
    const pending = await trx<PendingRow>(FOLLOW_UP_PENDING).orderBy('id').limit(50);
    const events: AuditEvent[] = [];
    for (const row of pending) {
      if (events.length >= ROUND_EVENTS) break;
      const rows = await trx<EventRow>('audit_events').where('writer_id', row.writer_id).whereBetween('seq', [Number(row.from_seq), Number(row.to_seq)])
        .orderBy('seq').limit(ROUND_EVENTS - events.length);
      events.push(...rows.map(fromRow));
      const last = rows.length === 0 ? Number(row.to_seq) : Number(rows.at(-1)!.seq);
      // A queued run is taken whole or up to where this round stopped; the rest stays queued.
      if (last >= Number(row.to_seq)) await trx(FOLLOW_UP_PENDING).where({ id: row.id }).delete();
      else await trx(FOLLOW_UP_PENDING).where({ id: row.id }).update({ from_seq: last + 1 });
    }
    if (pending.length === 0) return 0;
    const now = Date.now();
    const followed = events.filter(isFollowedUp).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
    const facts = this.register?.() ?? null;
    const findings: FindingRow[] = [];
    for (const event of followed) {
      for (const draft of await this.findingsOf(event, facts)) findings.push(findingRow(refOf(event), draft, now));
    }
    if (findings.length > 0) await trx(FINDINGS).insert(findings).onConflict('id').ignore();
    await this.countVolumes(trx, followed.filter((event) => event.principal.type === 'STAFF' && personsRead(event).length > 0), now);
    // A round that found nothing to look at still emptied queue rows: it counts, so that catchUp goes on.
    return Math.max(events.length, 1);
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
   * Counts each staff reader's distinct persons per Swedish day, and judges each day the round touched against
   * the reader's own earlier days and their colleagues' (rules.ts, volumeOutlier). A day's finding is made once,
   * on the event that made it stand out, and kept up to date as the day's count grows.
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
    const rule = this.rules.volume;
    for (const { reader, day, organization, events: ofDay } of days.values()) {
      const subjects = [...new Set(ofDay.flatMap(personsRead))];
      const known = new Set(await trx(READER_PERSONS).where({ reader, day }).whereIn('subject', subjects).pluck('subject') as string[]);
      const fresh = subjects.filter((subject) => !known.has(subject));
      for (let i = 0; i < fresh.length; i += 500) await trx(READER_PERSONS).insert(fresh.slice(i, i + 500).map((subject) => ({ reader, day, subject })));
      const existing = await trx(READER_DAYS).where({ reader, day }).first() as { persons: number | string; finding_id: string | null } | undefined;
      const before = Number(existing?.persons ?? 0);
      const count = before + fresh.length;
      if (existing) await trx(READER_DAYS).where({ reader, day }).update({ persons: count });
      else await trx(READER_DAYS).insert({ reader, day, organization, persons: count, finding_id: null });
      const since = Temporal.PlainDate.from(day).subtract({ days: rule.historyDays }).toString();
      const own = (await trx(READER_DAYS).where({ reader }).where('day', '>=', since).where('day', '<', day).pluck('persons')).map(Number);
      const peers = organization === null ? [] : (await trx(READER_DAYS).where({ organization }).whereNot({ reader }).where('day', '>=', since).where('day', '<=', day).pluck('persons')).map(Number);
      const threshold = dayThreshold({ own, peers }, rule);
      if (threshold === null || count <= threshold) continue;
      if (existing?.finding_id) {
        const draft = volumeOutlier({ day, persons: count, own, peers, organization }, rule, []);
        await trx(FINDINGS).where({ id: existing.finding_id }).update({ score: Math.round(draft!.score * 1000) / 1000, explanation: draft!.explanation });
        continue;
      }
      // The finding is the read that took the day past the threshold.
      const crossing = crossingRead(ofDay, known, before, threshold);
      const draft = volumeOutlier({ day, persons: count, own, peers, organization }, rule, personsRead(crossing));
      const row = findingRow(refOf(crossing), draft!, now);
      await trx(FINDINGS).insert(row).onConflict('id').ignore();
      await trx(READER_DAYS).where({ reader, day }).update({ finding_id: row.id });
    }
  }
}

/** The first of a day's reads (in time order) after which the day's distinct persons exceed `threshold`. */
function crossingRead(events: readonly AuditEvent[], known: ReadonlySet<string>, before: number, threshold: number): AuditEvent {
  const seen = new Set(known);
  let count = before;
  for (const event of events) {
    for (const subject of personsRead(event)) {
      if (seen.has(subject)) continue;
      seen.add(subject);
      count += 1;
    }
    if (count > threshold) return event;
  }
  return events.at(-1)!;
}

/** One key for a reader, whatever the lengths of their organisation and subject. */
function readerKey(event: AuditEvent): string {
  const { type, organization, subject } = event.principal;
  return createHash('sha256').update(`${type}\u0000${organization ?? ''}\u0000${subject}`).digest('hex');
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
