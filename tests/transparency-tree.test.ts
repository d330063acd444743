/**
 * The access log's tree in the store (src/access-log/transparency/tree-store.ts, log.ts): the sequencer behind
 * many writers and several replicas, its timer, the cost of a proof, what a migration does with events written
 * before the tree existed, and retention, which prunes events but keeps their leaves.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { EventDraft } from '../src/access-log/event.js';
import { pruneAccessLog } from '../src/access-log/retention.js';
import { TransparencyLog, type TransparencyOptions } from '../src/access-log/transparency/log.js';
import { parseVerifierKey, verifyCheckpoint } from '../src/access-log/transparency/note.js';
import { fromBase64, verifyConsistency, verifyInclusion } from '../src/access-log/transparency/proofs.js';
import { NoteSigner } from '../src/access-log/transparency/signer.js';
import { checkpointsFrom, rootAt, treeSize } from '../src/access-log/transparency/tree-store.js';
import { verifyTree } from '../src/access-log/transparency/verify-tree.js';
import { AuditWriter } from '../src/access-log/writer.js';
import { openDatabase } from '../src/core/db.js';
import { silentLogger } from '../src/log.js';
import { migrateStore } from '../src/store/migrations.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';

function draft(i: number, occurredAt = new Date().toISOString()): EventDraft {
  return {
    occurredAt, requestId: `r-${i}`, principal: { type: 'STAFF', subject: 'officer', organization: 'FK', apiKeyId: null },
    purpose: 'benefit-assessment', legalBasis: null, caseReference: null, operationName: null, documentHash: null,
    subjects: [], subjectCategories: {}, subjectsWithheld: [], subjectsRequested: [], fieldsRead: ['Query.me'], fieldsDenied: [], fieldsMasked: [],
    outcome: 'OK', sourceErrors: [],
  };
}

async function logOn(db: Knex, overrides: Partial<TransparencyOptions> = {}): Promise<{ log: TransparencyLog; signer: NoteSigner }> {
  const { signer } = await NoteSigner.generate('log.tree.test/access', 0x01);
  return { signer, log: new TransparencyLog(db, { signer, intervalMs: 3_600_000, witnesses: [], witnessTimeoutMs: 300_000, ...overrides }, silentLogger()) };
}

const events = async (db: Knex) => Number((await db('audit_events').count({ n: '*' }))[0]!.n);

describe('the tree on MariaDB: many writers, two sequencers racing', () => {
  let databases: TestDatabases;
  let db: Knex;
  before(async () => {
    databases = await createTestDatabases(['store']);
    db = openDatabase(databases.urls.store!);
    await migrateStore(db);
  });
  after(async () => {
    await db?.destroy();
    await databases?.drop();
  });

  it('every event gets exactly one leaf, in one tree, whichever replica sequences it', async () => {
    const writers = [0, 1, 2, 3].map(() => new AuditWriter(db, randomUUID()));
    const a = await logOn(db);
    // Two replicas with the same key, as a deployment has.
    const second = new TransparencyLog(db, { signer: a.signer, intervalMs: 3_600_000, witnesses: [], witnessTimeoutMs: 300_000 }, silentLogger());
    let written = 0;
    const writing = Promise.all(writers.map(async (writer, w) => {
      for (let round = 0; round < 15; round += 1) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append(draft(w * 10_000 + round * 100 + i))));
        written += 20;
      }
    }));
    const sequencing = Promise.all([a.log, second].map(async (log) => {
      while (written < 1200) await log.sequence().catch(() => undefined);
    }));
    await Promise.all([writing, sequencing]);
    await a.log.sequence();
    assert.equal(await treeSize(db), await events(db));
    assert.equal(await treeSize(db), 1200);
    const report = await verifyTree(db, await a.log.logKey());
    assert.deepEqual(report.problems, []);
    assert.equal(report.queued, 0);
    assert.ok(report.checkpoints >= 2, 'each round that added leaves signed a checkpoint');
  });
});

describe('the tree on SQLite', () => {
  let dir: string;
  let db: Knex;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samgraf-tree-'));
    db = openDatabase(`sqlite://${join(dir, 'store.db')}`);
    await migrateStore(db);
  });
  after(async () => {
    await db?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs a checkpoint at least every interval while events arrive, and none while none do', async () => {
    const { log, signer } = await logOn(db, { intervalMs: 20 });
    const writer = new AuditWriter(db, randomUUID());
    log.start();
    try {
      for (let round = 1; round <= 3; round += 1) {
        await Promise.all(Array.from({ length: 5 }, (_, i) => writer.append(draft(round * 100 + i))));
        const expected = await events(db);
        // Polled: the timer's own pace is the loaded machine's, never asserted.
        while ((await checkpointsFrom(db, expected - 1, 1)).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const signed = await checkpointsFrom(db, 0, 1000);
      const quiet = signed.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await checkpointsFrom(db, 0, 1000)).length, quiet, 'no events, no new checkpoint');
      const key = await parseVerifierKey(signer.verifierKey);
      for (const checkpoint of signed) await verifyCheckpoint(checkpoint.note, key);
    } finally {
      await log.stop();
    }
  });

  it('an inclusion proof costs the same few statements in a tree of 16 leaves as in one of 4,000', async () => {
    const { log } = await logOn(db);
    const writer = new AuditWriter(db, randomUUID());
    const statementsFor = async (event: { writer: string; seq: number }) => {
      const seen: string[] = [];
      const listener = (query: { sql: string }) => seen.push(query.sql);
      db.on('query', listener);
      try {
        const [proof] = await log.inclusionProofs([event], null);
        assert.ok(proof && !(proof instanceof Error));
        const { checkpoint } = await verifyCheckpoint(proof.checkpoint, (await log.logKey())!);
        assert.equal(await verifyInclusion(proof.leafIndex, proof.treeSize, fromBase64(proof.leafHash), proof.inclusionPath.map(fromBase64), checkpoint.root), null);
      } finally {
        db.removeListener('query', listener);
      }
      return seen.length;
    };
    const first = await writer.append(draft(1));
    await log.sequence();
    await log.checkpointNow();
    const small = await statementsFor(first);
    for (let i = 0; i < 8; i += 1) await Promise.all(Array.from({ length: 500 }, (_, j) => writer.append(draft(1000 + i * 500 + j))));
    await log.sequence();
    assert.ok(await treeSize(db) >= 4000);
    const large = await statementsFor(first);
    assert.equal(large, small, `${small} statements at the start, ${large} at ${await treeSize(db)} leaves`);
    assert.ok(large <= 6, `${large} statements`);
  });

  it('events written before the tree existed are queued by the migration and sequenced first', async () => {
    const older = openDatabase(`sqlite://${join(dir, 'older.db')}`);
    try {
      await migrateStore(older);
      const writer = new AuditWriter(older, randomUUID());
      for (let i = 0; i < 30; i += 1) await writer.append(draft(i));
      // As a store migrated before the tree: no queue, no leaves.
      await older('audit_tree_pending').delete();
      await older.raw("delete from samgraf_migrations where name = '20261205_001_transparency_log'");
      for (const table of ['audit_cosignatures', 'audit_checkpoints', 'audit_tree_nodes', 'audit_tree_leaves', 'audit_tree_pending']) await older.schema.dropTable(table);
      await migrateStore(older);
      const { log } = await logOn(older);
      await log.sequence();
      assert.equal(await treeSize(older), 30);
      assert.deepEqual((await verifyTree(older, await log.logKey())).problems, []);
    } finally {
      await older.destroy();
    }
  });

  it('retention prunes events but keeps their leaves: the tree verifies, grows, and proves consistency with old checkpoints', async () => {
    const pruned = openDatabase(`sqlite://${join(dir, 'pruned.db')}`);
    try {
      await migrateStore(pruned);
      const { log } = await logOn(pruned);
      const writer = new AuditWriter(pruned, randomUUID());
      const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
      for (let i = 0; i < 20; i += 1) await writer.append(draft(i, old));
      await log.sequence();
      const before = (await log.newest())!.checkpoint;
      const result = await pruneAccessLog(pruned, 365);
      assert.equal(result.events, 20);
      for (let i = 0; i < 5; i += 1) await writer.append(draft(100 + i));
      await log.sequence();
      const report = await verifyTree(pruned, await log.logKey());
      assert.deepEqual(report.problems, []);
      assert.equal(report.leaves, 25);
      const size = await treeSize(pruned);
      const proof = await log.consistency(before.size, size);
      assert.equal(await verifyConsistency(before.size, size, Buffer.from(before.rootHash, 'hex'), await rootAt(pruned, size), proof.map(fromBase64)), null);
    } finally {
      await pruned.destroy();
    }
  });
});
