/**
 * What a request reads and writes of the follow-up: findings (after the worker has looked at everything queued),
 * their reviews and events, batched per request.
 */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { AuditEvent } from '../access-log/event.js';
import { readable } from '../access-log/reader.js';
import { fromRow, type EventRow } from '../access-log/store.js';
import type { Principal } from '../core/principal.js';
import { appendReview, findingById, reviewsOf, searchFindings, type FindingFilter, type FindingOrder, type FindingRow, type ReviewRow, type Verdict } from './store.js';
import type { FollowUp } from './worker.js';

export interface FollowUpRequest {
  search(filter: FindingFilter, order: FindingOrder, after: { key: number; id: string } | null, limit: number): Promise<FindingRow[]>;
  /** Whether this store holds a finding with that id. */
  holds(id: string): Promise<boolean>;
  /** Appends a review; the finding as it now stands, or null when there is none with that id. */
  review(id: string, verdict: Verdict, note: string | null, reviewer: Principal): Promise<FindingRow | null>;
  event: DataLoader<{ writer: string; seq: number }, AuditEvent | null, string>;
  reviews: DataLoader<string, ReviewRow[]>;
}

export function followUpRequest(db: Knex, worker: FollowUp | null): FollowUpRequest {
  return {
    search: (filter, order, after, limit) => readable((async () => {
      await worker?.catchUp();
      return searchFindings(db, filter, order, after, limit);
    })()),
    holds: (id) => readable((async () => (await findingById(db, id)) !== undefined)()),
    review: (id, verdict, note, reviewer) => readable((async () => {
      if ((await findingById(db, id)) === undefined) return null;
      await appendReview(db, {
        finding_id: id, verdict, note, reviewer_type: reviewer.type, reviewer_subject: reviewer.subject, reviewer_organization: reviewer.organization, at_ms: Date.now(),
      });
      return (await findingById(db, id)) ?? null;
    })()),
    event: new DataLoader(async (keys) => {
      const rows = await readable(db<EventRow>('audit_events').where((q) => {
        for (const key of keys) q.orWhere({ writer_id: key.writer, seq: key.seq });
      }));
      const byKey = new Map(rows.map((row) => [`${row.writer_id}:${row.seq}`, fromRow(row)]));
      return keys.map((key) => byKey.get(`${key.writer}:${key.seq}`) ?? null);
    }, { cacheKeyFn: (key) => `${key.writer}:${key.seq}` }),
    reviews: new DataLoader(async (ids) => {
      const found = await readable(reviewsOf(db, ids));
      return ids.map((id) => found.get(id) ?? []);
    }),
  };
}
