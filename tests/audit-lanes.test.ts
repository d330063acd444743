/**
 * Commit lanes (AuditLog): a process writes its access log on several chains in parallel. A quiet process writes
 * only the first lane's chain, and events that arrive together go in one batch there; while commits are slow
 * (waiting on the store), later events spill to the next lanes; every chain is contiguous from seq 1 and
 * verifies, and no event is lost or doubled.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { AuditEvent, EventDraft } from '../src/access-log/event.js';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { AuditLog } from '../src/access-log/writer.js';
import { openDatabase } from '../src/core/db.js';
import { migrateStore } from '../src/store/migrations.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { mysqlTarget } from './helpers/net.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

function draft(requestId: string, subject: string): EventDraft {
  return {
    occurredAt: new Date().toISOString(),
    requestId,
    principal: { type: 'STAFF', subject: 'fk-lanes-1', organization: 'FK', apiKeyId: null },
    purpose: 'benefit-assessment',
    legalBasis: null,
    caseReference: null,
    operationName: 'Lanes',
    documentHash: null,
    subjects: [subject],
    subjectCategories: { [subject]: ['IDENTITY'] },
    subjectsWithheld: [],
    fieldsRead: ['Citizen.personalNumber', 'Query.citizen'],
    fieldsDenied: [],
    fieldsMasked: [],
    outcome: 'OK',
    sourceErrors: [],
  };
}

describe('access-log commit lanes (MariaDB store)', () => {
  let databases: TestDatabases;
  let store: Knex;

  before(async () => {
    databases = await createTestDatabases(['store']);
    store = openDatabase(databases.urls.store!);
    await migrateStore(store);
  });

  after(async () => {
    await store?.destroy();
    await databases?.drop();
  });

  async function chainsOf(log: AuditLog): Promise<Map<string, { seq: number; requestId: string }[]>> {
    const rows = await store('audit_events').whereIn('writer_id', log.writerIds).orderBy(['writer_id', 'seq'])
      .select('writer_id', 'seq', 'request_id') as { writer_id: string; seq: number | string; request_id: string }[];
    const chains = new Map<string, { seq: number; requestId: string }[]>();
    for (const row of rows) chains.set(row.writer_id, [...(chains.get(row.writer_id) ?? []), { seq: Number(row.seq), requestId: row.request_id }]);
    return chains;
  }

  it('events of one turn of the event loop go together, in one batch on the first lane', async () => {
    const commits: number[] = [];
    const log = new AuditLog(store, 4, (_seconds, events) => commits.push(events));
    await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(draft(`together-${i}`, '198001019999'))));
    assert.deepEqual(commits, [30]);
    assert.deepEqual([...(await chainsOf(log)).keys()], [log.writerIds[0]]);
  });

  it('one event at a time: every event on the first lane, in order', async () => {
    const commits: number[] = [];
    const log = new AuditLog(store, 4, (_seconds, events) => commits.push(events));
    for (let i = 0; i < 12; i++) await log.append(draft(`quiet-${i}`, '198001019999'));
    const chains = await chainsOf(log);
    assert.deepEqual([...chains.keys()], [log.writerIds[0]]);
    assert.deepEqual(chains.get(log.writerIds[0]!)!.map((e) => e.requestId), Array.from({ length: 12 }, (_, i) => `quiet-${i}`));
    assert.deepEqual(chains.get(log.writerIds[0]!)!.map((e) => e.seq), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.equal(log.eventsWritten, 12);
  });

  it('while commits are slow, later events spill to the next lanes; nothing is lost or doubled, and every chain verifies', async () => {
    // The store behind a stalled proxy: commits hang until it is restored, as commits waiting on disk reads do.
    const proxy = await startTcpProxy({ target: mysqlTarget() });
    const slowStore = openDatabase(proxy.rewrite(databases.urls.store!));
    try {
      await slowStore.raw('select 1');
      const commits: number[] = [];
      // A clock the test moves: which lane an event joins depends on how long commits have run, and a loaded
      // machine must not decide that.
      let now = 0;
      const log = new AuditLog(slowStore, 4, (_seconds, events) => commits.push(events), () => now);
      const waves: string[][] = Array.from({ length: 6 }, (_, w) => Array.from({ length: 10 }, (__, i) => `spill-${w}-${i}-${randomUUID()}`));
      const appended: Promise<AuditEvent>[] = [];
      const send = (wave: string[]) => wave.forEach((id, i) => appended.push(log.append(draft(id, `19800101${String(2000 + i)}`))));
      const tick = () => new Promise((resolve) => setImmediate(resolve));
      proxy.stall();
      send(waves[0]!);
      await tick();
      await tick();
      send(waves[1]!); // lane 0's commit has only just begun: these wait for its next batch
      for (const wave of waves.slice(2)) {
        // The lane the previous wave went to has begun its commit; then every lane that is writing has been at it
        // for longer than a slow commit.
        await tick();
        await tick();
        now += 60;
        send(wave);
      }
      proxy.restore();
      const events = await Promise.all(appended);
      assert.deepEqual(events.map((e) => e.requestId), waves.flat(), 'each append resolves with its own event');

      const lane = (id: string) => log.writerIds.indexOf(events.find((e) => e.requestId === id)!.writer);
      assert.deepEqual(waves.map((wave) => [...new Set(wave.map(lane))].sort()), [[0], [0], [1], [2], [3], [1, 2, 3]],
        'waves 1-2 on lane 0 (joined), 3-5 spill to lanes 1-3, 6 to the shortest queues (not lane 0, where 10 wait)');
      assert.deepEqual([...commits].sort((a, b) => a - b), [3, 3, 4, 10, 10, 10, 10, 10], 'one commit per wave and lane');
      const chains = await chainsOf(log);
      for (const [writer, chain] of chains) {
        assert.deepEqual(chain.map((e) => e.seq), chain.map((_, i) => i + 1), `${writer}: contiguous from 1`);
      }
      assert.equal([...chains.values()].flat().length, 60);
      const report = await verifyAccessLog(store);
      assert.deepEqual(report.broken, []);
    } finally {
      proxy.restore();
      await slowStore.destroy();
      await proxy.close();
    }
  });

  it('one lane is a single chain whatever the load', async () => {
    const log = new AuditLog(store, 1);
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(draft(`single-${i}`, '198001019999'))));
    assert.deepEqual([...(await chainsOf(log)).keys()], log.writerIds);
  });

  it('rejects a log without lanes', () => {
    assert.throws(() => new AuditLog(store, 0), RangeError);
  });
});
