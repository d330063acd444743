/**
 * The follow-up's count of a reader's distinct persons per day (src/follow-up/distinct-count.ts): a sketch, so
 * its promise is an error bound, tested over many sets; and what exact properties it has (repeats never count,
 * the stored text reads back the same, small numbers are exact or one off).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DistinctCount } from '../src/follow-up/distinct-count.js';

const persons = (n: number, set: number) => Array.from({ length: n }, (_, i) => String(190_000_000_000 + set * 10_000_000 + i));

describe('the distinct-count sketch', () => {
  it('counts nothing as 0, one person as 1, and a person read again not at all', () => {
    const sketch = DistinctCount.empty();
    assert.equal(sketch.estimate, 0);
    assert.equal(sketch.add('196408233234'), true);
    assert.equal(sketch.estimate, 1);
    for (let i = 0; i < 100; i++) assert.equal(sketch.add('196408233234'), false);
    assert.equal(sketch.estimate, 1);
  });

  it('is within 10 % of the truth for every set of 1 to 100,000 persons tried, and within 4 % on average (root mean square)', () => {
    for (const n of [1, 7, 19, 20, 21, 50, 200, 1000, 2500, 5000, 20_000, 100_000]) {
      let squares = 0;
      const sets = n >= 20_000 ? 3 : 20;
      for (let set = 0; set < sets; set++) {
        const sketch = DistinctCount.empty();
        for (const person of persons(n, set)) sketch.add(person);
        const error = (sketch.estimate - n) / n;
        assert.ok(Math.abs(error) <= 0.1, `${n} persons (set ${set}): estimated ${sketch.estimate}`);
        squares += error * error;
      }
      assert.ok(Math.sqrt(squares / sets) <= 0.04, `${n} persons: root mean square error ${Math.sqrt(squares / sets)}`);
    }
  });

  it('reads back from its stored text as it was, and goes on counting from there', () => {
    const sketch = DistinctCount.empty();
    for (const person of persons(300, 1)) sketch.add(person);
    const again = DistinctCount.fromText(sketch.toText());
    assert.equal(again.estimate, sketch.estimate);
    assert.equal(again.toText(), sketch.toText());
    for (const person of persons(300, 1)) assert.equal(again.add(person), false);
    for (const person of persons(300, 2)) again.add(person);
    assert.ok(Math.abs(again.estimate - 600) <= 30, String(again.estimate));
    assert.equal(DistinctCount.fromText(null).estimate, 0);
    assert.throws(() => DistinctCount.fromText('AAAA'), /not a distinct-count sketch/);
  });
});
