/**
 * Runs after the whole suite (see the `test` script): every operational log line that in-process servers
 * wrote during the run must be free of personal data — no personal number in any of its forms, no family name
 * from the generated population.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { personalNumbersIn } from '../helpers/pii.js';
import { FAMILY_NAMES } from '../../src/core/seed/vocabulary.js';

const dir = process.env.SAMGRAF_TEST_LOG_DIR;


describe('operational logs of the whole test run', { skip: dir ? false : 'SAMGRAF_TEST_LOG_DIR is not set (npm test sets it)' }, () => {
  it('exist, and hold no personal number and no family name', () => {
    assert.ok(existsSync(dir!), `${dir} exists`);
    const files = readdirSync(dir!).filter((name) => name.endsWith('.log'));
    assert.ok(files.length > 0, 'the suite wrote logs');
    let lines = 0;
    const leaks: string[] = [];
    const names = FAMILY_NAMES.filter((name) => name.length >= 5);
    for (const file of files) {
      for (const line of readFileSync(join(dir!, file), 'utf8').split('\n').filter(Boolean)) {
        lines += 1;
        const numbers = personalNumbersIn(line);
        const family = names.filter((name) => line.includes(name));
        if (numbers.length > 0 || family.length > 0) leaks.push(`${file}: ${[...numbers, ...family].join(', ')} in ${line.slice(0, 300)}`);
      }
    }
    assert.ok(lines > 100, `scanned ${lines} lines: the run logged as it should`);
    assert.deepEqual(leaks.slice(0, 20), []);
  });

  it('the scan finds a personal number or a name when one is there', () => {
    assert.deepEqual(personalNumbersIn('{"msg":"x","pnr":"198501012382"}'), ['198501012382']);
    assert.deepEqual(personalNumbersIn('{"msg":"850101-2382"}'), ['850101-2382']);
    assert.deepEqual(personalNumbersIn('{"time":1795720675636,"ms":12.5}'), []);
    // A UUID's last group can end in ten digits that happen to pass the check; it is not a personal number.
    assert.deepEqual(personalNumbersIn('{"requestId":"41c8e245-de1b-416d-b74d-df3111161810"}'), []);
    assert.deepEqual(personalNumbersIn('{"requestId":"2a0acc96-1253-4e61-b550-869702049785"}'), []);
  });
});
