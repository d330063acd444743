/**
 * The follow-up's tables, beside the access log in the store: the queue of committed events still to look at
 * (filled in the same transaction as the events, like the Merkle tree's), the findings, their reviews (append
 * only), and each reader's distinct persons per Swedish day (VOLUME_OUTLIER's evidence).
 */
import type { Knex } from 'knex';
import { DistinctCount } from './distinct-count.js';
import type { FindingDraft, FindingKind } from './rules.js';

export const FOLLOW_UP_PENDING = 'follow_up_pending';
export const FINDINGS = 'audit_findings';
export const REVIEWS = 'audit_finding_reviews';
export const READER_DAYS = 'follow_up_reader_days';
export const READER_PERSONS = 'follow_up_reader_persons';
export const FOLLOW_UP_LOCK = 'follow_up_lock';
export const FOLLOW_UP_TABLES = [FOLLOW_UP_PENDING, FINDINGS, REVIEWS, READER_DAYS, READER_PERSONS, FOLLOW_UP_LOCK] as const;

export const VERDICTS = ['JUSTIFIED', 'UNJUSTIFIED', 'NEEDS_FOLLOW_UP'] as const;
export type Verdict = (typeof VERDICTS)[number];

export async function createFollowUpTables(db: Knex): Promise<void> {
  await db.schema.createTable(FOLLOW_UP_PENDING, (t) => {
    t.increments('id').primary();
    t.string('writer_id', 36).notNullable();
    t.bigInteger('from_seq').notNullable();
    t.bigInteger('to_seq').notNullable();
  });
  await db.schema.createTable(FINDINGS, (t) => {
    // `<writer>:<seq>:<kind>`: a finding is made once per event and kind, whichever replica makes it.
    t.string('id', 120).primary();
    t.string('kind', 32).notNullable();
    t.double('score').notNullable();
    t.text('explanation').notNullable();
    t.string('event_writer', 36).notNullable();
    t.bigInteger('event_seq').notNullable();
    t.bigInteger('occurred_ms').notNullable();
    t.string('principal_type', 16).notNullable();
    t.string('principal_subject', 255).notNullable();
    t.string('principal_organization', 32).nullable();
    t.string('purpose', 64).nullable();
    t.text('subjects').notNullable();
    t.bigInteger('first_seen_ms').notNullable();
    // The newest review's verdict, for the `reviewed` filter; the reviews themselves are in REVIEWS.
    t.string('verdict', 16).nullable();
    t.index(['occurred_ms'], 'audit_findings_time');
    t.index(['kind', 'occurred_ms'], 'audit_findings_kind');
  });
  await db.schema.createTable(REVIEWS, (t) => {
    t.increments('id').primary();
    t.string('finding_id', 120).notNullable();
    t.string('verdict', 16).notNullable();
    t.text('note').nullable();
    t.string('reviewer_type', 16).notNullable();
    t.string('reviewer_subject', 255).notNullable();
    t.string('reviewer_organization', 32).nullable();
    t.bigInteger('at_ms').notNullable();
    t.index(['finding_id'], 'audit_finding_reviews_finding');
  });
  await db.schema.createTable(READER_DAYS, (t) => {
    // SHA-256 of the reader's type, organisation and subject: one key column, whatever their lengths.
    t.string('reader', 64).notNullable();
    t.string('day', 10).notNullable();
    t.string('organization', 32).nullable();
    t.integer('persons').notNullable();
    // The day's VOLUME_OUTLIER finding, once made: it is updated as the day's count grows.
    t.string('finding_id', 120).nullable();
    t.primary(['reader', 'day']);
    t.index(['organization', 'day'], 'follow_up_reader_days_peers');
  });
  await createReaderPersonsTable(db);
  await db.schema.createTable(FOLLOW_UP_LOCK, (t) => {
    t.integer('id').primary();
  });
  await db(FOLLOW_UP_LOCK).insert({ id: 1 });
}

/** A row per reader, day and person read: the first migration's volume counts, until sketches replaced them. */
export async function createReaderPersonsTable(db: Knex): Promise<void> {
  await db.schema.createTable(READER_PERSONS, (t) => {
    t.string('reader', 64).notNullable();
    t.string('day', 10).notNullable();
    t.string('subject', 12).notNullable();
    t.primary(['reader', 'day', 'subject']);
  });
}

/**
 * Each reader's day gets a sketch of its distinct persons (distinct-count.ts) in place of a row per person: the
 * persons counted so far go into it, and their rows go.
 */
export async function sketchReaderDays(db: Knex): Promise<void> {
  // MySQL commits each schema change at once: a run stopped half-way is taken up again from where it stopped.
  if (!await db.schema.hasColumn(READER_DAYS, 'sketch')) {
    await db.schema.alterTable(READER_DAYS, (t) => {
      t.text('sketch').nullable();
    });
  }
  if (!await db.schema.hasTable(READER_PERSONS)) return;
  const days = await db(READER_DAYS).select('reader', 'day') as { reader: string; day: string }[];
  for (const { reader, day } of days) {
    const sketch = DistinctCount.empty();
    for (const subject of await db(READER_PERSONS).where({ reader, day }).pluck('subject') as string[]) sketch.add(subject);
    await db(READER_DAYS).where({ reader, day }).update({ sketch: sketch.toText() });
  }
  await db.schema.dropTable(READER_PERSONS);
}

/** Queues every event already in the log, so that the follow-up looks at the history too. */
export async function queueExistingEventsForFollowUp(db: Knex): Promise<void> {
  const chains = await db('audit_events').select('writer_id').min({ first: 'seq' }).max({ last: 'seq' }).groupBy('writer_id') as { writer_id: string; first: number | string; last: number | string }[];
  for (const chain of chains) await db(FOLLOW_UP_PENDING).insert({ writer_id: chain.writer_id, from_seq: Number(chain.first), to_seq: Number(chain.last) });
}

/** A committed batch's place in the follow-up's queue (access-log/store.ts adds it in the commit's transaction). */
export function followUpPendingRow(writer: string, events: readonly { seq: number }[]) {
  return { writer_id: writer, from_seq: events[0]!.seq, to_seq: events.at(-1)!.seq };
}

export interface FindingRow {
  id: string;
  kind: FindingKind;
  score: number;
  explanation: string;
  event_writer: string;
  event_seq: number | string;
  occurred_ms: number | string;
  principal_type: string;
  principal_subject: string;
  principal_organization: string | null;
  purpose: string | null;
  subjects: string;
  first_seen_ms: number | string;
  verdict: string | null;
}

export interface ReviewRow {
  id: number;
  finding_id: string;
  verdict: Verdict;
  note: string | null;
  reviewer_type: string;
  reviewer_subject: string;
  reviewer_organization: string | null;
  at_ms: number | string;
}

export interface FindingEventRef {
  writer: string;
  seq: number;
  occurredMs: number;
  principal: { type: string; subject: string; organization: string | null };
  purpose: string | null;
}

export function findingRow(event: FindingEventRef, draft: FindingDraft, now: number): FindingRow {
  return {
    id: `${event.writer}:${event.seq}:${draft.kind}`,
    kind: draft.kind,
    score: Math.round(draft.score * 1000) / 1000,
    explanation: draft.explanation,
    event_writer: event.writer,
    event_seq: event.seq,
    occurred_ms: event.occurredMs,
    principal_type: event.principal.type,
    principal_subject: event.principal.subject,
    principal_organization: event.principal.organization,
    purpose: event.purpose,
    subjects: JSON.stringify(draft.subjects),
    first_seen_ms: now,
    verdict: null,
  };
}

export interface FindingFilter {
  fromMs: number | null;
  toMs: number | null;
  kind: FindingKind | null;
  organization: string | null;
  reviewed: boolean | null;
}

export type FindingOrder = 'NEWEST' | 'SCORE';

/** A finding's sort key in `order`: searches go down it, then down the id. */
export const findingKey = (row: FindingRow, order: FindingOrder): number => (order === 'SCORE' ? Number(row.score) : Number(row.occurred_ms));

/** A page of findings, newest first (or highest score first), after a position of the same order. */
export async function searchFindings(db: Knex, filter: FindingFilter, order: FindingOrder, after: { key: number; id: string } | null, limit: number): Promise<FindingRow[]> {
  const column = order === 'SCORE' ? 'score' : 'occurred_ms';
  const query = db<FindingRow>(FINDINGS).select('*');
  if (filter.fromMs !== null) query.where('occurred_ms', '>=', filter.fromMs);
  if (filter.toMs !== null) query.where('occurred_ms', '<=', filter.toMs);
  if (filter.kind !== null) query.where('kind', filter.kind);
  if (filter.organization !== null) query.where('principal_organization', filter.organization);
  if (filter.reviewed === true) query.whereNotNull('verdict');
  if (filter.reviewed === false) query.whereNull('verdict');
  if (after !== null) {
    const { writer, seq, kind } = partsOfFindingId(after.id);
    query.where((q) => q.where(column, '<', after.key).orWhere((sameKey) => sameKey.where(column, after.key).andWhere((next) => next
      .where('event_writer', '<', writer)
      .orWhere((sameWriter) => sameWriter.where('event_writer', writer).andWhere((later) => later
        .where('event_seq', '<', seq)
        .orWhere((sameEvent) => sameEvent.where('event_seq', seq).andWhere('kind', '<', kind)))))));
  }
  return query.orderBy([{ column, order: 'desc' }, { column: 'event_writer', order: 'desc' }, { column: 'event_seq', order: 'desc' }, { column: 'kind', order: 'desc' }]).limit(limit);
}

/**
 * A finding id's parts. Findings are ordered by them rather than by the id's text: a store's collation may sort
 * `:` and digits otherwise than code does (`…:12:…` against `…:123:…`), and a federation merges stores' pages in
 * code. A writer is a UUID (hex and `-`), and the kinds differ in their first letter, so every collation agrees.
 */
export function partsOfFindingId(id: string): { writer: string; seq: number; kind: string } {
  const [writer = '', seq = '0', kind = ''] = id.split(':');
  return { writer, seq: Number(seq), kind };
}

/** Findings in the order searchFindings gives them. */
export function findingOrder(order: FindingOrder) {
  return (a: FindingRow, b: FindingRow): number => {
    const byKey = findingKey(b, order) - findingKey(a, order);
    if (byKey !== 0) return byKey;
    if (a.event_writer !== b.event_writer) return a.event_writer < b.event_writer ? 1 : -1;
    const bySeq = Number(b.event_seq) - Number(a.event_seq);
    if (bySeq !== 0) return bySeq;
    return a.kind === b.kind ? 0 : a.kind < b.kind ? 1 : -1;
  };
}

export async function findingById(db: Knex, id: string): Promise<FindingRow | undefined> {
  return db<FindingRow>(FINDINGS).where({ id }).first();
}

export async function reviewsOf(db: Knex, ids: readonly string[]): Promise<Map<string, ReviewRow[]>> {
  const rows = await db<ReviewRow>(REVIEWS).whereIn('finding_id', [...new Set(ids)]).orderBy('id');
  const byFinding = new Map<string, ReviewRow[]>();
  for (const row of rows) byFinding.set(row.finding_id, [...(byFinding.get(row.finding_id) ?? []), row]);
  return byFinding;
}

/** Appends a review and makes its verdict the finding's current one, in one transaction. */
export async function appendReview(db: Knex, review: Omit<ReviewRow, 'id'>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx(REVIEWS).insert(review);
    await trx(FINDINGS).where({ id: review.finding_id }).update({ verdict: review.verdict });
  });
}
