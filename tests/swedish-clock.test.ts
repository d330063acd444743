/**
 * The follow-up's Swedish wall clock (OFF_HOURS, the day a read counts towards) is arithmetic on an offset looked
 * up once per UTC hour: it must agree with the time-zone rules themselves at every minute around both of a
 * year's changes of clock, and at instants spread over decades.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { swedishClock, swedishDay } from '../src/follow-up/rules.js';

function byTheRules(iso: string) {
  const local = Temporal.Instant.from(iso).toZonedDateTimeISO('Europe/Stockholm');
  return { day: local.toPlainDate().toString(), minutes: local.hour * 60 + local.minute, dayOfWeek: local.dayOfWeek };
}

describe('the Swedish clock of the follow-up', () => {
  it('agrees with the time-zone rules at every minute around the changes to and from summer time', () => {
    // 2026-03-29 01:00 UTC (02:00 → 03:00) and 2026-10-25 01:00 UTC (03:00 → 02:00); 1996 moved the autumn change.
    for (const change of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '1996-10-27T01:00:00Z', '2025-12-31T23:00:00Z']) {
      const at = Date.parse(change);
      for (let minute = -180; minute <= 180; minute++) {
        const iso = new Date(at + minute * 60_000).toISOString();
        assert.deepEqual(swedishClock(iso), byTheRules(iso), iso);
      }
    }
  });

  it('agrees with them at instants spread over fifty years, with and without fractions of a second', () => {
    let state = 20261204;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      const ms = Date.parse('1990-01-01T00:00:00Z') + Math.floor(next() * 50 * 365.25 * 86_400_000);
      const iso = new Date(ms).toISOString();
      assert.deepEqual(swedishClock(iso), byTheRules(iso), iso);
      assert.equal(swedishDay(iso), byTheRules(iso).day);
    }
  });
});
