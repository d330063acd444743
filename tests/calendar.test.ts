/** Calendar arithmetic used by every date decoder: checked against Date, and where Date would mislead. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { daysInMonth, isCalendarDate, isLeapYear } from '../src/core/calendar.js';

describe('calendar arithmetic', () => {
  test('days in every month of the years 1000–2400 agree with Date', () => {
    for (let year = 1000; year <= 2400; year++) {
      for (let month = 1; month <= 12; month++) {
        const viaDate = new Date(Date.UTC(year, month, 0)).getUTCDate();
        assert.equal(daysInMonth(year, month), viaDate, `${year}-${month}`);
      }
    }
  });

  test('leap years: every 4th, not every 100th, but every 400th', () => {
    assert.deepEqual([1900, 2000, 2023, 2024, 2100, 2400].map(isLeapYear), [false, true, false, true, false, true]);
  });

  test('years below 100 are not taken as 19xx (as Date.UTC would)', () => {
    assert.equal(isCalendarDate(4, 2, 29), true);
    assert.equal(isCalendarDate(1, 2, 29), false);
  });

  test('rejects month 0 and 13, day 0, the 31st of a 30-day month, and non-integer years', () => {
    assert.equal(isCalendarDate(2024, 0, 1), false);
    assert.equal(isCalendarDate(2024, 13, 1), false);
    assert.equal(isCalendarDate(2024, 1, 0), false);
    assert.equal(isCalendarDate(2024, 4, 31), false);
    assert.equal(isCalendarDate(Number.NaN, 1, 1), false);
    assert.equal(isCalendarDate(2024, 12, 31), true);
  });
});
