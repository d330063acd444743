/**
 * The access log as CSV — one definition for `samgraf audit export --format csv` and the console's export: the
 * columns, their order, and how a cell is written. Lists are space-separated; RFC 4180 quoting. A cell that a
 * spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading
 * `'`: legal basis, case reference and operation name are text that callers chose. No Node APIs here: the
 * console bundles this module too.
 */

export const CSV_COLUMNS = [
  'id', 'writer', 'seq', 'occurredAt', 'requestId', 'principalType', 'principalSubject', 'principalOrganization', 'principalApiKeyId',
  'purpose', 'legalBasis', 'caseReference', 'operationName', 'documentHash', 'subjects', 'subjectsWithheld', 'fieldsRead', 'fieldsDenied',
  'fieldsMasked', 'outcome', 'sourceErrors', 'prevHash', 'hash',
  // Added later, so at the end: a reader that takes columns by position keeps working.
  'subjectsRequested', 'subgraphs',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One event's line, without its line end. */
export function csvLine(values: Readonly<Record<CsvColumn, unknown>>): string {
  return CSV_COLUMNS.map((column) => csvCell(values[column])).join(',');
}
