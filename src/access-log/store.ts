/**
 * The access log's tables: appending a batch of events (one transaction), reading them back as events,
 * searching them for auditors and citizens. Rows map to events column by column, so what verification hashes
 * is exactly what the queries serve.
 */
import type { Knex } from 'knex';
import { inTransaction, selectRows } from '../core/db.js';
import type { AuditEvent, DataCategory, Outcome } from './event.js';
import { PENDING, pendingRow } from './transparency/tree-store.js';
import { FOLLOW_UP_PENDING, followUpPendingRow } from '../follow-up/store.js';

export interface EventRow {
  writer_id: string;
  seq: number | string;
  occurred_at: string;
  occurred_ms: number | string;
  request_id: string;
  principal_type: string;
  principal_subject: string;
  principal_organization: string | null;
  principal_api_key_id: string | null;
  principal_personal_number?: string | null;
  purpose: string | null;
  legal_basis: string | null;
  case_reference: string | null;
  operation_name: string | null;
  document_hash: string | null;
  outcome: string;
  subjects: string;
  subject_categories: string;
  subjects_withheld: string;
  subjects_requested: string | null;
  fields_read: string;
  fields_denied: string;
  fields_masked: string;
  source_errors: string;
  subgraphs: string | null;
  prev_hash: string;
  hash: string;
}

export function toRow(event: AuditEvent): EventRow {
  return {
    writer_id: event.writer,
    seq: event.seq,
    occurred_at: event.occurredAt,
    occurred_ms: Date.parse(event.occurredAt),
    request_id: event.requestId,
    principal_type: event.principal.type,
    principal_subject: event.principal.subject,
    principal_organization: event.principal.organization,
    principal_api_key_id: event.principal.apiKeyId,
    principal_personal_number: event.principal.personalNumber ?? null,
    purpose: event.purpose,
    legal_basis: event.legalBasis,
    case_reference: event.caseReference,
    operation_name: event.operationName,
    document_hash: event.documentHash,
    outcome: event.outcome,
    subjects: JSON.stringify(event.subjects),
    subject_categories: JSON.stringify(event.subjectCategories),
    subjects_withheld: JSON.stringify(event.subjectsWithheld),
    subjects_requested: event.subjectsRequested === undefined ? null : JSON.stringify(event.subjectsRequested),
    fields_read: JSON.stringify(event.fieldsRead),
    fields_denied: JSON.stringify(event.fieldsDenied),
    fields_masked: JSON.stringify(event.fieldsMasked),
    source_errors: JSON.stringify(event.sourceErrors),
    subgraphs: event.subgraphs === undefined ? null : JSON.stringify(event.subgraphs),
    prev_hash: event.prevHash,
    hash: event.hash,
  };
}

/** Throws on malformed JSON columns: verification reports such a row as tampered. */
export function fromRow(row: EventRow): AuditEvent {
  return {
    writer: row.writer_id,
    seq: Number(row.seq),
    occurredAt: row.occurred_at,
    requestId: row.request_id,
    principal: {
      type: row.principal_type, subject: row.principal_subject, organization: row.principal_organization, apiKeyId: row.principal_api_key_id,
      ...(row.principal_personal_number == null ? {} : { personalNumber: row.principal_personal_number }),
    },
    purpose: row.purpose,
    legalBasis: row.legal_basis,
    caseReference: row.case_reference,
    operationName: row.operation_name,
    documentHash: row.document_hash,
    outcome: row.outcome as Outcome,
    subjects: JSON.parse(row.subjects) as string[],
    subjectCategories: JSON.parse(row.subject_categories) as Record<string, DataCategory[]>,
    subjectsWithheld: JSON.parse(row.subjects_withheld) as string[],
    // Left out, not undefined, for an older event: it then reads back exactly as it was written.
    ...(row.subjects_requested == null ? {} : { subjectsRequested: JSON.parse(row.subjects_requested) as string[] }),
    fieldsRead: JSON.parse(row.fields_read) as string[],
    fieldsDenied: JSON.parse(row.fields_denied) as string[],
    fieldsMasked: JSON.parse(row.fields_masked) as string[],
    sourceErrors: JSON.parse(row.source_errors) as string[],
    ...(row.subgraphs == null ? {} : { subgraphs: JSON.parse(row.subgraphs) as string[] }),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface IndexedSubject {
  subject: string;
  /** Space-separated; empty for a person named but not served (withheld or only asked for). */
  categories: string;
}

/**
 * The subject index's rows for an event: everyone it names — served, withheld or asked for — so an auditor
 * searching by person finds attempts too; only those served have categories (a citizen's own view shows reads
 * only). An event written before requested subjects were recorded indexed its served subjects only.
 */
export function indexedSubjects(event: AuditEvent): IndexedSubject[] {
  const served = event.subjects.map((subject) => ({ subject, categories: (event.subjectCategories[subject] ?? []).join(' ') }));
  if (event.subjectsRequested === undefined) return served;
  const named = new Set(event.subjects);
  const others = [...new Set([...event.subjectsWithheld, ...event.subjectsRequested])].filter((subject) => !named.has(subject));
  return [...served, ...others.map((subject) => ({ subject, categories: '' }))];
}

function subjectRows(event: AuditEvent) {
  const occurredMs = Date.parse(event.occurredAt);
  return indexedSubjects(event).map(({ subject, categories }) => ({
    subject,
    occurred_ms: occurredMs,
    writer_id: event.writer,
    seq: event.seq,
    categories,
  }));
}

/**
 * One transaction: the batch's events (one multi-row insert), their subject rows (another), the chain's new
 * head, and the batch's place in the queues of the log's Merkle tree (transparency/tree-store.ts) and of its
 * follow-up (follow-up/store.ts). The whole
 * batch is durable, or none of it. All events of a batch belong to one writer's chain, in order.
 */
export async function insertEvents(db: Knex, events: readonly AuditEvent[]): Promise<void> {
  const subjects = events.flatMap(subjectRows);
  const head = events.at(-1)!;
  await inTransaction(db, [
    { table: 'audit_events', rows: events.map(toRow) },
    ...chunks(subjects, SUBJECT_ROWS_PER_STATEMENT).map((rows) => ({ table: 'audit_event_subjects', rows })),
    { table: 'audit_chain_heads', rows: [{ writer_id: head.writer, seq: head.seq, hash: head.hash }] },
    { table: PENDING, rows: [pendingRow(head.writer, events)] },
    { table: FOLLOW_UP_PENDING, rows: [followUpPendingRow(head.writer, events)] },
  ]);
}

/**
 * The largest event the limits allow names about 250,000 people (limits.maxCost): its index rows in one
 * statement would pass MariaDB's max_allowed_packet (16 MB by default), so they go in statements of at most
 * this many rows (about half a megabyte each). An ordinary batch still takes one.
 */
const SUBJECT_ROWS_PER_STATEMENT = 5000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

export interface ChainPosition {
  seq: number;
  hash: string;
}

/** The highest (seq, hash) of a writer in a table keyed by (writer_id, seq); null when it has none. */
async function newestPosition(db: Knex, table: 'audit_events' | 'audit_chain_heads', writer: string): Promise<ChainPosition | null> {
  const row = await db(table).select('seq', 'hash').where('writer_id', writer).orderBy('seq', 'desc').first() as { seq: number | string; hash: string } | undefined;
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** The head a writer last recorded (commits record it with their events); null for a chain never written. */
export function recordedHeadOf(db: Knex, writer: string): Promise<ChainPosition | null> {
  return newestPosition(db, 'audit_chain_heads', writer);
}

/**
 * Where a writer's chain continues: its last event, or its recorded head if that is further on (events at the
 * end were deleted: the chain goes on from the head it had, and verification reports the gap).
 */
export async function chainEndOf(db: Knex, writer: string): Promise<ChainPosition | null> {
  const [last, head] = await Promise.all([newestPosition(db, 'audit_events', writer), recordedHeadOf(db, writer)]);
  return head && (!last || head.seq > last.seq) ? head : last;
}

export interface EventFilter {
  subject?: string | null;
  principal?: string | null;
  organization?: string | null;
  purpose?: string | null;
  outcome?: Outcome | null;
  fromMs?: number | null;
  toMs?: number | null;
}

/** Newest first: (occurred_ms, writer_id, seq) descending. */
export interface EventPosition {
  occurredMs: number;
  writer: string;
  seq: number;
}

const EVENT_COLUMNS = 'e.*';

export async function searchEvents(db: Knex, filter: EventFilter, after: EventPosition | null, limit: number): Promise<AuditEvent[]> {
  const bySubject = filter.subject != null;
  // Searching by subject walks the subject index (subject, time) and joins the events it points to.
  const query = bySubject
    ? db('audit_event_subjects as s').join('audit_events as e', function join() {
      this.on('e.writer_id', '=', 's.writer_id').andOn('e.seq', '=', 's.seq');
    }).where('s.subject', filter.subject!)
    : db('audit_events as e');
  const time = bySubject ? 's.occurred_ms' : 'e.occurred_ms';
  const writer = bySubject ? 's.writer_id' : 'e.writer_id';
  const seq = bySubject ? 's.seq' : 'e.seq';
  if (filter.principal != null) query.where('e.principal_subject', filter.principal);
  if (filter.organization != null) query.where('e.principal_organization', filter.organization);
  if (filter.purpose != null) query.where('e.purpose', filter.purpose);
  if (filter.outcome != null) query.where('e.outcome', filter.outcome);
  if (filter.fromMs != null) query.where(time, '>=', filter.fromMs);
  if (filter.toMs != null) query.where(time, '<=', filter.toMs);
  if (after) {
    query.where((q) => q.where(time, '<', after.occurredMs).orWhere((q2) => q2.where(time, after.occurredMs)
      .andWhere((q3) => q3.where(writer, '<', after.writer).orWhere((q4) => q4.where(writer, after.writer).andWhere(seq, '<', after.seq)))));
  }
  const rows = await selectRows<EventRow>(db, query.select(EVENT_COLUMNS)
    .orderBy([{ column: time, order: 'desc' }, { column: writer, order: 'desc' }, { column: seq, order: 'desc' }]).limit(limit));
  return rows.map(fromRow);
}
