/** The access log's CSV cells, shared by `samgraf audit export --format csv` and the console's export. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, csvCell, csvLine, type CsvColumn } from '../src/access-log/csv.js';

describe('access-log CSV', () => {
  test('plain values stay plain; null and undefined are empty; lists are space-separated', () => {
    assert.equal(csvCell('benefit-assessment'), 'benefit-assessment');
    assert.equal(csvCell(42), '42');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(['198001011234', '199002023456']), '198001011234 199002023456');
  });

  test('quotes, commas and line breaks are quoted the RFC 4180 way', () => {
    assert.equal(csvCell('a "b", c'), '"a ""b"", c"');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  });

  test('a cell a spreadsheet would run as a formula gets a leading apostrophe', () => {
    for (const formula of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      const cell = csvCell(formula);
      const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      assert.equal(unquoted, `'${formula}`, JSON.stringify(formula));
    }
    assert.equal(csvCell('SFB 110 kap. 31 §'), 'SFB 110 kap. 31 §', 'text that merely contains such characters is left alone');
  });

  test('a line has every column, in the header order', () => {
    const values = Object.fromEntries(CSV_COLUMNS.map((column, i) => [column, `v${i}`])) as Record<CsvColumn, unknown>;
    assert.equal(csvLine(values), CSV_COLUMNS.map((_, i) => `v${i}`).join(','));
  });
});
