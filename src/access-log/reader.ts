/**
 * Reading the access log: the auditors' search and a citizen's own view, both cursor-paginated, newest first.
 * A store that cannot be read (down, or SELECT not granted) is AUDIT_UNAVAILABLE, never an internal error.
 */
import type { Knex } from 'knex';
import { selectRows } from '../core/db.js';
import { AuditUnavailableGraphQLError } from '../security/errors.js';
import type { AuditEvent, DataCategory } from './event.js';
import { searchEvents, type EventFilter, type EventPosition } from './store.js';

export interface CitizenLogEntry {
  occurredAt: string;
  organization: string | null;
  purpose: string | null;
  dataCategories: DataCategory[];
  position: EventPosition;
}

export class AccessLogReader {
  constructor(private readonly db: Knex) {}

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
    const rows = await selectRows<{ occurred_at: string; principal_organization: string | null; purpose: string | null; categories: string; occurred_ms: number | string; writer_id: string; seq: number | string }>(
      this.db,
      query.select('e.occurred_at', 'e.principal_organization', 'e.purpose', 's.categories', 's.occurred_ms', 's.writer_id', 's.seq')
        .orderBy([{ column: 's.occurred_ms', order: 'desc' }, { column: 's.writer_id', order: 'desc' }, { column: 's.seq', order: 'desc' }])
        .limit(limit),
    );
    return rows.map((row) => ({
      occurredAt: row.occurred_at,
      organization: row.principal_organization,
      purpose: row.purpose,
      dataCategories: row.categories.split(' ').filter(Boolean) as DataCategory[],
      position: { occurredMs: Number(row.occurred_ms), writer: row.writer_id, seq: Number(row.seq) },
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

/** An event's place in the newest-first order, as the text a cursor seals (src/cursor.ts). */
export function eventPositionText(position: EventPosition): string {
  return `${position.occurredMs}:${position.writer}:${position.seq}`;
}

export function parseEventPosition(text: string): EventPosition | null {
  const match = /^(\d{1,15}):([0-9a-f-]{36}):(\d{1,15})$/.exec(text);
  return match ? { occurredMs: Number(match[1]), writer: match[2]!, seq: Number(match[3]) } : null;
}
