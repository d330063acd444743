/**
 * Walks every writer's chain in sequence order and checks, event by event: the sequence has no gap or
 * duplicate, prevHash is the previous event's hash, the hash matches the event's content, and the subject
 * index holds exactly the people the event names (`indexedSubjects`); and at the end, that the chain reaches
 * the head its writer last recorded (`audit_chain_heads`, written in each commit's transaction), which is what reveals events deleted
 * from the end. Any edit, deletion, insertion or reordering breaks one of these; the first event where one
 * breaks is named. Reads in pages, so memory stays flat.
 *
 * One walk, two readers: `samgraf audit verify` prints the report (`describeVerifyReport`), and the GraphQL
 * query `auditChains` serves it to auditors. Problems are fixed texts with a reason code, never row content,
 * so a report carries no personal data.
 */
import type { Knex } from 'knex';
import { chainHash, GENESIS_HASH } from './event.js';
import { fromRow, indexedSubjects, recordedHeadOf, type ChainPosition, type EventRow } from './store.js';

/** Why an event breaks its chain: a stable code for programs (and the GraphQL enum), and a fixed text for people. */
export const CHAIN_BREAK_REASONS = {
  SEQUENCE_GAP: 'an event was deleted, or one inserted',
  PREV_HASH_MISMATCH: 'prevHash is not the previous event\'s hash: events were removed, inserted or reordered',
  CONTENT_UNREADABLE: 'the event\'s content is unreadable: it was edited',
  HASH_MISMATCH: 'the hash does not match the event\'s content: it was edited',
  SUBJECT_INDEX_MISMATCH: 'the subject index does not match the event\'s subjects',
  ORPHAN_INDEX_ROW: 'the subject index names an event that does not exist',
  TRUNCATED: 'the chain ends before the head its writer recorded: events at its end were deleted',
  HEAD_MISMATCH: 'the event is not the one its writer recorded as head at this seq: the chain was rewritten',
} as const;

export type ChainBreakReason = keyof typeof CHAIN_BREAK_REASONS;

export interface BadEvent {
  writer: string;
  seq: number;
  occurredAt: string | null;
  reason: ChainBreakReason;
  problem: string;
}

export interface ChainHead {
  writer: string;
  events: number;
  /** The last event verified: record it elsewhere to detect a later rewrite or truncation of the chain. */
  seq: number;
  hash: string;
}

export interface VerifyReport {
  chains: number;
  events: number;
  heads: ChainHead[];
  /** The first bad event of each broken chain, earliest first. */
  broken: BadEvent[];
}

const PAGE = 1000;

export async function verifyAccessLog(db: Knex): Promise<VerifyReport> {
  const writers = await writersOf(db);
  const anchors = new Map((await db('audit_chain_anchors').select('*') as { writer_id: string; seq: number | string; hash: string }[])
    .map((a) => [a.writer_id, { seq: Number(a.seq), hash: a.hash }]));
  const report: VerifyReport = { chains: writers.length, events: 0, heads: [], broken: [] };
  for (const writer of writers) {
    // Read before the walk: a commit landing meanwhile records its head together with its events, so the head
    // read here is never beyond the end the walk will find — unless events were deleted.
    const recorded = await recordedHeadOf(db, writer);
    const { events, bad, head } = await verifyChain(db, writer, anchors.get(writer) ?? { seq: 0, hash: GENESIS_HASH }, recorded);
    report.events += events;
    report.heads.push({ writer, events, ...head });
    if (bad) report.broken.push(bad);
  }
  const orphan = await orphanSubjectRow(db);
  if (orphan) report.broken.push(orphan);
  report.broken.sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''));
  return report;
}

interface ChainResult {
  events: number;
  bad: BadEvent | null;
  head: { seq: number; hash: string };
}

/** Every chain: those with events, and those whose events are all gone but whose recorded heads remain. */
async function writersOf(db: Knex): Promise<string[]> {
  const rows = [
    ...await db('audit_events').distinct('writer_id') as { writer_id: string }[],
    ...await db('audit_chain_heads').distinct('writer_id') as { writer_id: string }[],
  ];
  return [...new Set(rows.map((r) => r.writer_id))].sort();
}

async function verifyChain(db: Knex, writer: string, start: ChainPosition, recorded: ChainPosition | null): Promise<ChainResult> {
  let expectedSeq = start.seq + 1;
  let prevHash = start.hash;
  let events = 0;
  for (;;) {
    const rows = await db('audit_events').where('writer_id', writer).andWhere('seq', '>=', expectedSeq).orderBy('seq').limit(PAGE) as EventRow[];
    const head = { seq: expectedSeq - 1, hash: prevHash };
    if (rows.length === 0) {
      // The first event missing from the end is the bad one; it no longer exists, so it has no time.
      const truncated = recorded !== null && recorded.seq > head.seq;
      return { events, head, bad: truncated ? { writer, seq: expectedSeq, occurredAt: null, reason: 'TRUNCATED', problem: CHAIN_BREAK_REASONS.TRUNCATED } : null };
    }
    const index = await subjectIndex(db, writer, Number(rows[0]!.seq), Number(rows.at(-1)!.seq));
    const heads = await recordedHeads(db, writer, Number(rows[0]!.seq), Number(rows.at(-1)!.seq));
    for (const row of rows) {
      const seq = Number(row.seq);
      // The head of a broken chain is its last event verified, the one before the bad one.
      const at = (reason: ChainBreakReason, problem: string = CHAIN_BREAK_REASONS[reason]): ChainResult =>
        ({ events, head: { seq: expectedSeq - 1, hash: prevHash }, bad: { writer, seq, occurredAt: row.occurred_at, reason, problem } });
      if (seq !== expectedSeq) return at('SEQUENCE_GAP', `expected seq ${expectedSeq} here: ${CHAIN_BREAK_REASONS.SEQUENCE_GAP}`);
      if (row.prev_hash !== prevHash) return at('PREV_HASH_MISMATCH');
      let event;
      try {
        event = fromRow(row);
      } catch {
        return at('CONTENT_UNREADABLE');
      }
      if (chainHash(prevHash, event) !== row.hash) return at('HASH_MISMATCH');
      const indexed = index.get(seq) ?? [];
      const expected = indexedSubjects(event).map((s) => `${s.subject}|${s.categories}|${Date.parse(event.occurredAt)}`).sort();
      if (indexed.sort().join(',') !== expected.join(',')) return at('SUBJECT_INDEX_MISMATCH');
      if (heads.has(seq) && heads.get(seq) !== row.hash) return at('HEAD_MISMATCH');
      prevHash = row.hash;
      expectedSeq += 1;
      events += 1;
    }
  }
}

async function subjectIndex(db: Knex, writer: string, fromSeq: number, toSeq: number): Promise<Map<number, string[]>> {
  const rows = await db('audit_event_subjects').where('writer_id', writer).whereBetween('seq', [fromSeq, toSeq])
    .select('seq', 'subject', 'categories', 'occurred_ms') as { seq: number | string; subject: string; categories: string; occurred_ms: number | string }[];
  const bySeq = new Map<number, string[]>();
  for (const row of rows) {
    const key = Number(row.seq);
    // Appended in place: an event can name a quarter of a million people, and copying per row would be quadratic.
    const entries = bySeq.get(key) ?? [];
    entries.push(`${row.subject}|${row.categories}|${Number(row.occurred_ms)}`);
    bySeq.set(key, entries);
  }
  return bySeq;
}

/** The heads the writer recorded between two seqs (one per commit): seq → hash. */
async function recordedHeads(db: Knex, writer: string, fromSeq: number, toSeq: number): Promise<Map<number, string>> {
  const rows = await db('audit_chain_heads').where('writer_id', writer).whereBetween('seq', [fromSeq, toSeq])
    .select('seq', 'hash') as { seq: number | string; hash: string }[];
  return new Map(rows.map((row) => [Number(row.seq), row.hash]));
}

/** A subject-index row whose event does not exist points a search at something that never happened. */
async function orphanSubjectRow(db: Knex): Promise<BadEvent | null> {
  const orphan = await db('audit_event_subjects as s')
    .leftJoin('audit_events as e', function join() {
      this.on('e.writer_id', '=', 's.writer_id').andOn('e.seq', '=', 's.seq');
    })
    .whereNull('e.writer_id').select('s.writer_id', 's.seq').orderBy([{ column: 's.writer_id' }, { column: 's.seq' }]).first() as { writer_id: string; seq: number | string } | undefined;
  return orphan
    ? { writer: orphan.writer_id, seq: Number(orphan.seq), occurredAt: null, reason: 'ORPHAN_INDEX_ROW', problem: CHAIN_BREAK_REASONS.ORPHAN_INDEX_ROW }
    : null;
}

/** The report as `samgraf audit verify` prints it: each chain's head, then the verdict (and each break). */
export function describeVerifyReport(report: VerifyReport): string {
  const lines = report.heads.map((head) => `chain ${head.writer}: ${head.events} event(s) verified, head ${head.seq} ${head.hash}`);
  if (report.broken.length === 0) {
    lines.push(`access log intact: ${report.events} events in ${report.chains} chain(s)`);
  } else {
    for (const bad of report.broken) lines.push(`BROKEN: event ${bad.writer}:${bad.seq}${bad.occurredAt ? ` (${bad.occurredAt})` : ''}: ${bad.problem}`);
    lines.push(`access log NOT intact: ${report.broken.length} broken chain(s); first bad event ${report.broken[0]!.writer}:${report.broken[0]!.seq}`);
  }
  return `${lines.join('\n')}\n`;
}
