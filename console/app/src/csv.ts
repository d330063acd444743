/**
 * The console's CSV export: the columns and cells of `samgraf audit export --format csv` (one definition, in
 * src/access-log/csv.ts, formula cells guarded), newest first, with CRLF line ends and a UTF-8 byte-order mark
 * (so spreadsheet programs read å, ä, ö).
 */
import { CSV_COLUMNS, csvLine } from '../../../src/access-log/csv.js';
import type { AuditEventNode } from './queries.js';

export function csvRow(event: AuditEventNode): string {
  return csvLine({
    id: event.id, writer: event.writer, seq: event.seq, occurredAt: event.occurredAt, requestId: event.requestId,
    principalType: event.principal?.type, principalSubject: event.principal?.subject, principalOrganization: event.principal?.organization,
    principalApiKeyId: event.principal?.apiKeyId, purpose: event.purpose, legalBasis: event.legalBasis, caseReference: event.caseReference,
    operationName: event.operationName, documentHash: event.documentHash, subjects: event.subjects, subjectsWithheld: event.subjectsWithheld,
    fieldsRead: event.fieldsRead, fieldsDenied: event.fieldsDenied, fieldsMasked: event.fieldsMasked, outcome: event.outcome,
    sourceErrors: event.sourceErrors, prevHash: event.prevHash, hash: event.hash, subjectsRequested: event.subjectsRequested,
    subgraphs: event.subgraphs,
  });
}

export function csvDocument(events: readonly AuditEventNode[]): string {
  return `\uFEFF${[CSV_COLUMNS.join(','), ...events.map(csvRow)].join('\r\n')}\r\n`;
}

/** Hands the text to the browser as a file download; nothing leaves the machine. */
export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
