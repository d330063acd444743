/** `samgraf audit export`: streams events in time order as JSON lines or CSV, in constant memory. */
import type { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { CSV_COLUMNS, csvLine } from './csv.js';
import type { AuditEvent } from './event.js';
import { fromRow, type EventRow } from './store.js';

export type ExportFormat = 'jsonl' | 'csv';

function csvRow(event: AuditEvent): string {
  return csvLine({
    id: `${event.writer}:${event.seq}`, writer: event.writer, seq: event.seq, occurredAt: event.occurredAt, requestId: event.requestId,
    principalType: event.principal.type, principalSubject: event.principal.subject, principalOrganization: event.principal.organization,
    principalApiKeyId: event.principal.apiKeyId, purpose: event.purpose, legalBasis: event.legalBasis, caseReference: event.caseReference,
    operationName: event.operationName, documentHash: event.documentHash, subjects: event.subjects, subjectsWithheld: event.subjectsWithheld,
    fieldsRead: event.fieldsRead, fieldsDenied: event.fieldsDenied, fieldsMasked: event.fieldsMasked, outcome: event.outcome,
    sourceErrors: event.sourceErrors, prevHash: event.prevHash, hash: event.hash, subjectsRequested: event.subjectsRequested, subgraphs: event.subgraphs,
  });
}

/** Writes events with fromMs ≤ time ≤ toMs; returns how many. Honours back-pressure on `out`. */
export async function exportEvents(db: Knex, out: Writable, format: ExportFormat, fromMs: number | null, toMs: number | null): Promise<number> {
  const query = db('audit_events').select('*').orderBy([{ column: 'occurred_ms' }, { column: 'writer_id' }, { column: 'seq' }]);
  if (fromMs !== null) query.where('occurred_ms', '>=', fromMs);
  if (toMs !== null) query.where('occurred_ms', '<=', toMs);
  if (format === 'csv') await write(out, `${CSV_COLUMNS.join(',')}\n`);
  let count = 0;
  for await (const row of query.stream() as AsyncIterable<EventRow>) {
    const event = fromRow(row);
    await write(out, format === 'csv' ? `${csvRow(event)}\n` : `${JSON.stringify({ id: `${event.writer}:${event.seq}`, ...event })}\n`);
    count += 1;
  }
  return count;
}

function write(out: Writable, chunk: string): Promise<void> | void {
  if (out.write(chunk)) return;
  return new Promise((resolve) => out.once('drain', resolve));
}
