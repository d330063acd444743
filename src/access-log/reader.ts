/**
 * Reading the access log: the auditors' search and a citizen's own view, both cursor-paginated, newest first.
 * A store that cannot be read (down, or SELECT not granted) is AUDIT_UNAVAILABLE, never an internal error.
 */
import type { Knex } from 'knex';
import { selectRows } from '../core/db.js';
import { AuditUnavailableGraphQLError } from '../security/errors.js';
import type { AuditEvent, DataCategory } from './event.js';
import { searchEvents, type EventFilter, type EventPosition } from './store.js';
import { LogRequestError, type EventKey, type InclusionProof, type TransparencyLog } from './transparency/log.js';
import { ProofUnavailableError, CheckpointUnavailableGraphQLError } from '../security/errors.js';
import { GraphQLError } from 'graphql';
import { Code } from '../core/error-codes.js';

export interface CitizenLogEntry {
  occurredAt: string;
  organization: string | null;
  purpose: string | null;
  dataCategories: DataCategory[];
  position: EventPosition;
  /** The event's hash: what its receipt proves is in the tree. */
  hash: string;
  /** Set by the agency that holds the event, in a federation: its receipt, made there. */
  receipt?: string | null;
}

export type { EventKey };

export class AccessLogReader {
  constructor(private readonly db: Knex, private readonly transparency: TransparencyLog) {}

  /** Each event's leaf index ("writer:seq" → index); events committed since the last round are sequenced first. */
  leafIndexes(events: readonly EventKey[]): Promise<Map<string, number>> {
    return readable((async () => {
      const found = await this.transparency.leafIndexes(events);
      if (found.size === new Set(events.map((e) => `${e.writer}:${e.seq}`)).size) return found;
      await this.transparency.sequenceSoon();
      return this.transparency.leafIndexes(events);
    })());
  }

  /** An event the checkpoint named does not cover gets its own error in place of a proof; the rest are served. */
  async inclusionProofs(events: readonly EventKey[], checkpoint: number | null): Promise<(InclusionProof | GraphQLError | null)[]> {
    const proofs = await proofRead(this.transparency.inclusionProofs(events, checkpoint));
    return proofs.map((proof) => (proof instanceof LogRequestError ? proofError(proof) : proof));
  }

  /** Receipts of a citizen's entries; an entry that came with its receipt (from another agency) keeps it. */
  async receipts(entries: readonly CitizenLogEntry[]): Promise<(string | null)[]> {
    const own = entries.filter((entry) => entry.receipt === undefined);
    const made = await proofRead(this.transparency.receipts(own.map(({ occurredAt, organization, purpose, dataCategories, position, hash }) => ({
      event: { writer: position.writer, seq: position.seq, hash },
      entry: { occurredAt, organization, purpose, dataCategories },
    }))));
    const receiptOf = new Map(own.map((entry, i) => [entry, made[i]!]));
    return entries.map((entry) => (entry.receipt !== undefined ? entry.receipt : receiptOf.get(entry)!));
  }

  search(filter: EventFilter, after: EventPosition | null, limit: number): Promise<AuditEvent[]> {
    return readable(searchEvents(this.db, filter, after, limit));
  }

  /** Reads of one citizen's data by others (their own reads of themselves are left out). */
  ofCitizen(subject: string, fromMs: number | null, toMs: number | null, after: EventPosition | null, limit: number): Promise<CitizenLogEntry[]> {
    return readable(this.citizenEntries(subject, fromMs, toMs, after, limit));
  }

  private async citizenEntries(subject: string, fromMs: number | null, toMs: number | null, after: EventPosition | null, limit: number): Promise<CitizenLogEntry[]> {
    const query = this.db('audit_event_subjects as s')
      .join('audit_events as e', function join() {
        this.on('e.writer_id', '=', 's.writer_id').andOn('e.seq', '=', 's.seq');
      })
      .where('s.subject', subject)
      // Reads only: a row without categories names someone asked for or withheld, not served.
      .whereNot('s.categories', '')
      .whereNot((q) => q.where('e.principal_type', 'CITIZEN').andWhere('e.principal_subject', subject));
    if (fromMs !== null) query.where('s.occurred_ms', '>=', fromMs);
    if (toMs !== null) query.where('s.occurred_ms', '<=', toMs);
    if (after) {
      query.where((q) => q.where('s.occurred_ms', '<', after.occurredMs).orWhere((q2) => q2.where('s.occurred_ms', after.occurredMs)
        .andWhere((q3) => q3.where('s.writer_id', '<', after.writer).orWhere((q4) => q4.where('s.writer_id', after.writer).andWhere('s.seq', '<', after.seq)))));
    }
    const rows = await selectRows<{ occurred_at: string; principal_organization: string | null; purpose: string | null; categories: string; occurred_ms: number | string; writer_id: string; seq: number | string; hash: string }>(
      this.db,
      query.select('e.occurred_at', 'e.principal_organization', 'e.purpose', 's.categories', 's.occurred_ms', 's.writer_id', 's.seq', 'e.hash')
        .orderBy([{ column: 's.occurred_ms', order: 'desc' }, { column: 's.writer_id', order: 'desc' }, { column: 's.seq', order: 'desc' }])
        .limit(limit),
    );
    return rows.map((row) => ({
      occurredAt: row.occurred_at,
      organization: row.principal_organization,
      purpose: row.purpose,
      dataCategories: row.categories.split(' ').filter(Boolean) as DataCategory[],
      position: { occurredMs: Number(row.occurred_ms), writer: row.writer_id, seq: Number(row.seq) },
      hash: row.hash,
    }));
  }
}

/** The store's own failure (the driver's error may name tables and users) becomes the client's AUDIT_UNAVAILABLE. */
export async function readable<T>(reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch {
    throw new AuditUnavailableGraphQLError();
  }
}

/**
 * A proof's or receipt's read: a checkpoint that cannot serve it is the client's to know (a size never signed is
 * bad input, a log without a key has none); the store's failure is AUDIT_UNAVAILABLE.
 */
async function proofRead<T>(reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (error instanceof LogRequestError) throw proofError(error);
    // Only the proof fails: the entries and events themselves were read, and are served.
    throw new ProofUnavailableError();
  }
}

function proofError(error: LogRequestError): GraphQLError {
  return error.status === 404 ? new CheckpointUnavailableGraphQLError(error.problem) : new GraphQLError(error.problem, { extensions: { code: Code.BAD_USER_INPUT } });
}

/** An event's place in the newest-first order, as the text a cursor seals (src/cursor.ts). */
export function eventPositionText(position: EventPosition): string {
  return `${position.occurredMs}:${position.writer}:${position.seq}`;
}

export function parseEventPosition(text: string): EventPosition | null {
  const match = /^(\d{1,15}):([0-9a-f-]{36}):(\d{1,15})$/.exec(text);
  return match ? { occurredMs: Number(match[1]), writer: match[2]!, seq: Number(match[3]) } : null;
}
