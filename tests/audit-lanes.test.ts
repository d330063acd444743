/**
 * Commit lanes (AuditLog): a process writes its access log on several chains in parallel. A quiet process —
 * one event at a time — writes only the first lane's chain; a burst spreads over every lane, each lane still
 * batching (group commit); every chain is contiguous from seq 1 and verifies, and no event is lost or doubled.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { EventDraft } from '../src/access-log/event.js';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { AuditLog } from '../src/access-log/writer.js';
import { openDatabase } from '../src/db.js';
import { migrateStore } from '../src/store/migrations.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';

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

  it('a burst uses every lane, batches within each, loses and doubles nothing, and every chain verifies', async () => {
    const commits: number[] = [];
    const log = new AuditLog(store, 4, (_seconds, events) => commits.push(events));
    const ids = Array.from({ length: 200 }, () => `burst-${randomUUID()}`);
    const events = await Promise.all(ids.map((id, i) => log.append(draft(id, `19800101${String(1000 + (i % 50))}`))));
    assert.deepEqual(events.map((e) => e.requestId), ids, 'each append resolves with its own event');

    const chains = await chainsOf(log);
    assert.deepEqual([...chains.keys()].sort(), [...log.writerIds].sort(), 'all four lanes wrote');
    for (const [writer, chain] of chains) {
      assert.deepEqual(chain.map((e) => e.seq), chain.map((_, i) => i + 1), `${writer}: contiguous from 1`);
    }
    const stored = [...chains.values()].flat().map((e) => e.requestId).sort();
    assert.deepEqual(stored, [...ids].sort(), 'exactly the appended events');
    assert.equal(log.eventsWritten, 200);
    assert.ok(commits.length < 200 && commits.some((n) => n > 1), `group commit within lanes: ${JSON.stringify(commits)}`);

    const report = await verifyAccessLog(store);
    assert.deepEqual(report.broken, []);
    assert.equal(report.events, 212);
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
