/** What one round of the follow-up takes of its queue (worker.ts, roundOf), and the upgrade of its volume counts to sketches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../src/core/db.js';
import { DistinctCount } from '../src/follow-up/distinct-count.js';
import { createFollowUpTables, FINDINGS, findingKey, findingOrder, READER_DAYS, READER_PERSONS, searchFindings, sketchReaderDays, type FindingRow } from '../src/follow-up/store.js';
import { contiguousRuns, roundOf, type PendingRow } from '../src/follow-up/worker.js';

const run = (id: number, from: number, to: number, writer = 'w1'): PendingRow => ({ id, writer_id: writer, from_seq: from, to_seq: String(to) });

describe('a follow-up round', () => {
  it('reads each chain\'s adjoining runs as one range, and never joins runs with a gap or of other chains', () => {
    const taken = roundOf([run(1, 1, 1), run(2, 1, 3, 'w2'), run(3, 2, 2), run(4, 3, 5), run(5, 7, 7), run(6, 4, 4, 'w2'), run(7, 6, 6, 'w2')]);
    assert.deepEqual(contiguousRuns(taken.runs), [
      { writer: 'w1', from: 1, to: 5 }, { writer: 'w1', from: 7, to: 7 }, { writer: 'w2', from: 1, to: 4 }, { writer: 'w2', from: 6, to: 6 },
    ]);
    // The round's own runs are left as they were.
    assert.deepEqual(taken.runs[0], { writer: 'w1', from: 1, to: 1 });
    assert.deepEqual(contiguousRuns([]), []);
  });

  it('takes whole runs, oldest first, of every writer, while they fit in 500 events', () => {
    const taken = roundOf([run(1, 1, 1), run(2, 1, 3, 'w2'), run(3, 2, 2), run(4, 3, 497), run(5, 498, 498)]);
    assert.deepEqual(taken.runs, [{ writer: 'w1', from: 1, to: 1 }, { writer: 'w2', from: 1, to: 3 }, { writer: 'w1', from: 2, to: 2 }, { writer: 'w1', from: 3, to: 497 }]);
    assert.deepEqual(taken.done, [1, 2, 3, 4]);
    assert.equal(taken.rest, null);
    assert.equal(taken.full, true, 'it left a run queued');
  });

  it('is not full when it took every row it read, fewer than it may read: the queue was empty behind them', () => {
    const taken = roundOf([run(1, 1, 5), run(2, 6, 9)]);
    assert.deepEqual(taken.done, [1, 2]);
    assert.equal(taken.full, false);
  });

  it('is full when it read as many queue rows as a round may, even if they fit', () => {
    const rows = Array.from({ length: 200 }, (_, i) => run(i + 1, i + 1, i + 1));
    const taken = roundOf(rows);
    assert.equal(taken.done.length, 200);
    assert.equal(taken.full, true);
  });

  it('takes a first run longer than a round in part, and leaves the rest of it queued', () => {
    const taken = roundOf([run(7, 10, 1209), run(8, 1210, 1210)]);
    assert.deepEqual(taken.runs, [{ writer: 'w1', from: 10, to: 509 }]);
    assert.deepEqual(taken.done, []);
    assert.deepEqual(taken.rest, { id: 7, from: 510 });
    assert.equal(taken.full, true);
  });

  it('stops before a later run that would not fit, without splitting it', () => {
    const taken = roundOf([run(1, 1, 100), run(2, 101, 1000)]);
    assert.deepEqual(taken.done, [1]);
    assert.equal(taken.rest, null);
    assert.equal(taken.runs.length, 1);
  });

  it('takes exactly 500 events whole', () => {
    const taken = roundOf([run(1, 1, 500), run(2, 501, 501)]);
    assert.deepEqual(taken.done, [1]);
    assert.equal(taken.rest, null);
    assert.equal(taken.full, true);
  });
});

/** A fresh SQLite store with the follow-up's first tables, for `run`; removed afterwards. */
async function withFollowUpTables(run: (db: Knex) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-follow-up-'));
  const db = openDatabase(`sqlite://${join(dir, 'store.db')}`);
  try {
    await createFollowUpTables(db);
    await run(db);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the upgrade to sketches of each reader\'s day', () => {
  it('counts the persons a day\'s rows held into its sketch, and drops the rows', () => withFollowUpTables(async (db) => {
    await db(READER_DAYS).insert([{ reader: 'r1', day: '2026-12-01', organization: 'FK', persons: 30 }, { reader: 'r1', day: '2026-12-02', organization: 'FK', persons: 0 }]);
    await db(READER_PERSONS).insert(Array.from({ length: 30 }, (_, i) => ({ reader: 'r1', day: '2026-12-01', subject: String(195_000_000_000 + i) })));
    await sketchReaderDays(db);
    const days = await db(READER_DAYS).orderBy('day').select('day', 'persons', 'sketch') as { day: string; persons: number; sketch: string }[];
    assert.deepEqual(days.map((day) => [day.day, day.persons, DistinctCount.fromText(day.sketch).estimate]), [['2026-12-01', 30, 30], ['2026-12-02', 0, 0]]);
    assert.equal(await db.schema.hasTable(READER_PERSONS), false);
  }));
});

describe('a page of findings', () => {
  it('pages through findings with equal keys in the one order a federation merges in: key, writer, seq, kind', () => withFollowUpTables(async (db) => {
    const writers = ['0f000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000'];
    const rows = writers.flatMap((writer) => [12, 123, 3].flatMap((seq) => (['OFF_HOURS', 'NO_CASE_REFERENCE'] as const).map((kind) => ({
      id: `${writer}:${seq}:${kind}`, kind, score: seq === 3 ? 0.5 : 0.3, explanation: 'x', event_writer: writer, event_seq: seq, occurred_ms: 1000,
      principal_type: 'STAFF', principal_subject: 's', principal_organization: 'FK', purpose: null, subjects: '[]', first_seen_ms: 1, verdict: null,
    }))));
    await db(FINDINGS).insert(rows);
    for (const order of ['NEWEST', 'SCORE'] as const) {
      const expected = [...rows].sort(findingOrder(order)).map((row) => row.id);
      const paged: string[] = [];
      let after: { key: number; id: string } | null = null;
      for (let page = 0; page < 20; page++) {
        const found: FindingRow[] = await searchFindings(db, { fromMs: null, toMs: null, kind: null, organization: null, reviewed: null }, order, after, 1);
        if (found.length === 0) break;
        paged.push(found[0]!.id);
        after = { key: findingKey(found[0]!, order), id: found[0]!.id };
      }
      assert.deepEqual(paged, expected, order);
      // The seq is compared as a number: 123 comes before 12, which comes before 3, whatever the text says.
      assert.deepEqual(expected.filter((id) => id.startsWith(writers[1]!) && id.endsWith('OFF_HOURS')).map((id) => id.split(':')[1]), order === 'NEWEST' ? ['123', '12', '3'] : ['3', '123', '12']);
    }
  }));
});
