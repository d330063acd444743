/**
 * Life events read from the MariaDB binary log through the server (`sources.<name>.changeCapture: "binlog"`): a
 * birth reaches the webhook, and so does a relation written without touching its person's row, which polling
 * cannot see. A binlog on a PostgreSQL source is refused by the configuration.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ConfigError, parseConfig } from '../src/config.js';
import { openDatabase } from '../src/core/db.js';
import { SubscriptionStore } from '../src/events/subscriptions.js';
import { startBinlogServer, type BinlogServer } from './helpers/binlog-mariadb.js';
import { NEWBORN as CHILD, PARENT_A as A, PARENT_B as B, legacyDatabases, person, type LegacyDatabases } from './helpers/life-events.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('life events from the binary log, through the server', () => {
  let binlog: BinlogServer;
  let legacy: LegacyDatabases;
  let server: TestServer;
  let store: Knex;
  const stream = `TB_${randomBytes(6).toString('hex')}`;
  const received: { type: string; data: Record<string, any> }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; data: Record<string, any> });
      res.statusCode = 204;
      res.end();
    });
  });

  before(async () => {
    binlog = await startBinlogServer();
    legacy = await legacyDatabases('mariadb-binlog', binlog.url);
    await legacy.db.populationRegister!('FB_PERSON').insert([person(A, '2026-01-10 10:00:00'), person(B, '2026-01-10 10:00:00')]);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    store = openDatabase(legacy.storeUrl);
    const sources = Object.fromEntries(Object.entries(legacy.urls).map(([name, url]) => [name, { url, ...(url.startsWith('mysql') ? { changeCapture: 'binlog' } : {}) }]));
    server = await startTestServer({ ...legacy.urls, store: legacy.storeUrl } as never, {
      sources,
      events: { natsUrl: NATS_URL, stream, pollIntervalSeconds: 0.2 },
    });
    await new SubscriptionStore(store).create({
      organization: 'FK', events: ['person.born', 'relation.added'], purpose: 'benefit-assessment', legalBasis: null,
      scopes: ['citizen:read', 'citizen:relations:read'], municipality: null, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, expiresAt: null,
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const rows: { tbl: string; phase: string }[] = await store('event_capture_positions').select('tbl', 'phase');
      if (rows.filter((row) => row.tbl === '#binlog').length === 3 && rows.filter((row) => row.tbl !== '#binlog').length === 5 && rows.every((row) => row.phase === 'live')) break;
      if (Date.now() > deadline) throw new Error('capture did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await store?.destroy();
    const nc = await connect({ servers: NATS_URL.replace('nats://', '') });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc.close();
    await legacy?.drop();
    await binlog?.stop();
  });

  it('delivers a birth, and a relation written alone (which no change column shows)', async () => {
    const fb = legacy.db.populationRegister!;
    // The register writes a birth as one transaction: the person and their guardians.
    await fb.transaction(async (trx) => {
      await trx('FB_PERSON').insert(person(CHILD, '2026-01-10 12:00:00', { FOLKBOKFORINGSDATUM: '20260106' }));
      await trx('FB_RELATION').insert([{ PERSONID: CHILD, RELID: A, RELTYP: 'VH' }]);
    });
    // A marriage registered in FB_RELATION only: SENAST_ANDRAD of neither person changes.
    await fb('FB_RELATION').insert([{ PERSONID: A, RELID: B, RELTYP: 'MA' }]);
    const deadline = Date.now() + 60_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // Nothing more comes: the birth's relation is part of the birth, not a relation added to someone seen before.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const kinds = received.map((event) => `${event.type} ${event.data.personalNumber}`).sort();
    assert.deepEqual(kinds, [`se.samgraf.person.born ${CHILD}`, `se.samgraf.relation.added ${A}`]);
    assert.deepEqual(received.find((event) => event.type === 'se.samgraf.person.born')!.data.related, [{ personalNumber: A, relation: 'GUARDIAN' }]);
    assert.deepEqual(received.find((event) => event.type === 'se.samgraf.relation.added')!.data.related, [{ personalNumber: B, relation: 'SPOUSE' }]);
  });

  it('refuses the binary log for a source on PostgreSQL', () => {
    assert.throws(() => parseConfig({
      sources: { populationRegister: { url: 'sqlite:///tmp/x.db' }, socialInsurance: { url: 'sqlite:///tmp/y.db' }, employmentService: { url: 'sqlite:///tmp/z.db' }, incomeRegister: { url: 'postgres://p@127.0.0.1/agi', changeCapture: 'binlog' } },
      store: { url: 'sqlite:///tmp/s.db' },
    }, {}), (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('sources.incomeRegister.changeCapture: binlog reads a MySQL or MariaDB binary log')));
  });
});
