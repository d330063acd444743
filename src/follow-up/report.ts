/**
 * `samgraf audit follow-up`: a period's findings for the periodic review meeting, oldest first, as CSV (one
 * finding a line, cells quoted as the access log's CSV export does) or JSON.
 */
import type { Knex } from 'knex';
import { csvCell } from '../access-log/csv.js';
import { reviewsOf, searchFindings, type FindingRow } from './store.js';

export const FOLLOW_UP_COLUMNS = [
  'id', 'kind', 'score', 'occurredAt', 'eventId', 'principalType', 'principalSubject', 'principalOrganization', 'purpose', 'subjects',
  'explanation', 'firstSeen', 'verdict', 'reviewNote', 'reviewer', 'reviewedAt',
] as const;

const PAGE = 1000;

/** Every finding whose read was from `fromMs` to `toMs` (inclusive), newest last. */
async function findingsIn(db: Knex, fromMs: number | null, toMs: number | null): Promise<FindingRow[]> {
  const rows: FindingRow[] = [];
  let after: { key: number; id: string } | null = null;
  for (;;) {
    const page = await searchFindings(db, { fromMs, toMs, kind: null, organization: null, reviewed: null }, 'NEWEST', after, PAGE);
    rows.push(...page);
    if (page.length < PAGE) return rows.reverse();
    const last = page.at(-1)!;
    after = { key: Number(last.occurred_ms), id: last.id };
  }
}

export async function writeFollowUpReport(db: Knex, out: NodeJS.WritableStream, format: 'csv' | 'json', fromMs: number | null, toMs: number | null): Promise<number> {
  const findings = await findingsIn(db, fromMs, toMs);
  const reviews = await reviewsOf(db, findings.map((finding) => finding.id));
  const records = findings.map((finding) => {
    const review = reviews.get(finding.id)?.at(-1);
    return {
      id: finding.id,
      kind: finding.kind,
      score: Number(finding.score),
      occurredAt: new Date(Number(finding.occurred_ms)).toISOString(),
      eventId: `${finding.event_writer}:${finding.event_seq}`,
      principalType: finding.principal_type,
      principalSubject: finding.principal_subject,
      principalOrganization: finding.principal_organization,
      purpose: finding.purpose,
      subjects: JSON.parse(finding.subjects) as string[],
      explanation: finding.explanation,
      firstSeen: new Date(Number(finding.first_seen_ms)).toISOString(),
      verdict: review?.verdict ?? null,
      reviewNote: review?.note ?? null,
      reviewer: review?.reviewer_subject ?? null,
      reviewedAt: review ? new Date(Number(review.at_ms)).toISOString() : null,
    };
  });
  if (format === 'json') {
    out.write(`${JSON.stringify(records, null, 2)}\n`);
  } else {
    out.write(`${FOLLOW_UP_COLUMNS.join(',')}\r\n`);
    for (const record of records) out.write(`${FOLLOW_UP_COLUMNS.map((column) => csvCell(record[column])).join(',')}\r\n`);
  }
  return records.length;
}
