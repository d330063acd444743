/**
 * The console's CSV export: the same columns as `samgraf audit export --format csv`, newest first, RFC 4180
 * quoting, CRLF line ends and a UTF-8 byte-order mark (so spreadsheet programs read å, ä, ö). A cell that a
 * spreadsheet would run as a formula — starting with `=`, `+`, `-`, `@`, tab or carriage return — gets a leading
 * `'`: legal basis, case reference and operation name are text that callers chose.
 */
import type { AuditEventNode } from './queries.js';

export const CSV_COLUMNS = [
  'id', 'writer', 'seq', 'occurredAt', 'requestId', 'principalType', 'principalSubject', 'principalOrganization', 'principalApiKeyId',
  'purpose', 'legalBasis', 'caseReference', 'operationName', 'documentHash', 'subjects', 'subjectsWithheld', 'fieldsRead', 'fieldsDenied',
  'fieldsMasked', 'outcome', 'sourceErrors', 'prevHash', 'hash',
] as const;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(event: AuditEventNode): string {
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    id: event.id, writer: event.writer, seq: event.seq, occurredAt: event.occurredAt, requestId: event.requestId,
    principalType: event.principal?.type, principalSubject: event.principal?.subject, principalOrganization: event.principal?.organization,
    principalApiKeyId: event.principal?.apiKeyId, purpose: event.purpose, legalBasis: event.legalBasis, caseReference: event.caseReference,
    operationName: event.operationName, documentHash: event.documentHash, subjects: event.subjects, subjectsWithheld: event.subjectsWithheld,
    fieldsRead: event.fieldsRead, fieldsDenied: event.fieldsDenied, fieldsMasked: event.fieldsMasked, outcome: event.outcome,
    sourceErrors: event.sourceErrors, prevHash: event.prevHash, hash: event.hash,
  };
  return CSV_COLUMNS.map((column) => csvCell(values[column])).join(',');
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
