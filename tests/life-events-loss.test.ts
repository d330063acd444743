/**
 * Loss and duplication (issue 16): 10,000 changes in a source while `samgraf serve` is killed with SIGKILL after
 * every 1,000 events received and NATS (a private server with its own storage) is restarted twice. Every change
 * must reach the webhook at least once, each change always under one webhook-id, and the receiver's idempotent
 * count must be exactly 10,000.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { Webhook } from 'standardwebhooks';
import { openDatabase } from '../src/core/db.js';
import { SubscriptionStore } from '../src/events/subscriptions.js';
import { migrateStore } from '../src/store/migrations.js';
import { CLI } from './helpers/cli.js';
import { decision, legacyDatabases, pnr, type LegacyDatabases } from './helpers/life-events.js';
import { freePort } from './helpers/net.js';

const CHANGES = 10_000;
const KILL_EVERY = 1_000;
const NATS_RESTARTS_AT = [3_000, 7_000];

function spawnLogged(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output = (output + chunk).slice(-20_000); });
  child.stderr!.on('data', (chunk) => { output = (output + chunk).slice(-20_000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

async function until(what: string, check: () => Promise<boolean> | boolean, seconds: number, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('life events survive SIGKILL of samgraf and restarts of NATS', { timeout: 20 * 60_000 }, () => {
  let legacy: LegacyDatabases;
  let store: Knex;
  let dir: string;
  let natsPort: number;
  let nats: ReturnType<typeof spawnLogged> | null = null;
  let samgraf: ReturnType<typeof spawnLogged> | null = null;
  const processes: ReturnType<typeof spawnLogged>[] = [];
  /** webhook-ids per benefit id (one change each), and deliveries in all. */
  const ids = new Map<string, Set<string>>();
  let deliveries = 0;
  let receiver: ReturnType<typeof createServer>;

  const startNats = async () => {
    nats = spawnLogged('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(dir, 'nats')]);
    processes.push(nats);
    await until('NATS to accept connections', () => new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('error', () => { socket.destroy(); resolve(false); });
      socket.connect(natsPort, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    }), 60, nats.output);
  };
  const startSamgraf = async (configFile: string) => {
    const port = await freePort();
    samgraf = spawnLogged(process.execPath, [CLI, 'serve', '--config', configFile], { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' });
    processes.push(samgraf);
    await until('samgraf to serve', async () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false), 120, samgraf.output);
  };
  const kill = async (spawned: ReturnType<typeof spawnLogged> | null) => {
    if (spawned === null || spawned.child.exitCode !== null || spawned.child.signalCode !== null) return;
    spawned.child.kill('SIGKILL');
    await spawned.exited;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samgraf-loss-'));
    mkdirSync(join(dir, 'nats'));
    natsPort = await freePort();
    legacy = await legacyDatabases('mariadb');
    store = openDatabase(legacy.storeUrl);
    await migrateStore(store);
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const event = new Webhook(secret).verify(body, headers) as { data: { benefitId: string } };
        deliveries++;
        const seen = ids.get(event.data.benefitId) ?? new Set<string>();
        seen.add(headers['webhook-id']!);
        ids.set(event.data.benefitId, seen);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const subscription = await new SubscriptionStore(store).create({
      organization: 'FK', events: ['benefit.decided'], purpose: 'benefit-assessment', legalBasis: null, scopes: ['benefit:read'],
      municipality: null, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, expiresAt: null,
    });
    secret = subscription.secret!;
  });
  let secret = '';

  after(async () => {
    for (const spawned of processes) await kill(spawned);
    const logDir = process.env.SAMGRAF_TEST_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      for (const spawned of processes) writeFileSync(join(logDir, `samgraf-loss-${spawned.child.pid}.log`), spawned.output());
    }
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    await store?.destroy();
    await legacy?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each of 10,000 changes at least once, under one webhook-id each', async () => {
    await startNats();
    const configFile = join(dir, 'samgraf.json');
    writeFileSync(configFile, JSON.stringify({
      server: { port: 0, host: '127.0.0.1' },
      sources: Object.fromEntries(Object.entries(legacy.urls).map(([name, url]) => [name, { url }])),
      store: { url: legacy.storeUrl },
      events: { natsUrl: `nats://127.0.0.1:${natsPort}`, stream: 'LOSS_TEST', pollIntervalSeconds: 0.2, lateCommitSeconds: 2, webhookTimeoutSeconds: 2 },
    }));
    await startSamgraf(configFile);
    await until('the first snapshot', async () => {
      const rows: { phase: string }[] = await store('event_capture_positions').select('phase');
      return rows.length === 5 && rows.every((row) => row.phase === 'live');
    }, 120, samgraf!.output);

    const fk = legacy.db.socialInsurance!;
    const subject = pnr('19850101', '238');
    let inserted = 0;
    const producer = (async () => {
      while (inserted < CHANGES) {
        const batch = Array.from({ length: 100 }, (_, i) => {
          const n = inserted + i + 1;
          const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString().replace('T', ' ').slice(0, 19);
          return decision(n, subject, 'B', at);
        });
        await fk('FK_BESLUT').insert(batch);
        inserted += batch.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    let kills = 0;
    const restartsOfNats = [...NATS_RESTARTS_AT];
    while (ids.size < CHANGES) {
      const output = () => `${samgraf?.output() ?? ''}\n${nats?.output() ?? ''}`;
      const target = Math.min(CHANGES, (kills + 1) * KILL_EVERY);
      await until(`${target} changes delivered (now ${ids.size}, ${inserted} made)`, () => ids.size >= target, 600, output);
      if (ids.size >= CHANGES) break;
      await kill(samgraf);
      kills++;
      if (restartsOfNats[0] !== undefined && ids.size >= restartsOfNats[0]) {
        restartsOfNats.shift();
        await kill(nats);
        await startNats();
      }
      await startSamgraf(configFile);
    }
    await producer;

    assert.equal(kills, CHANGES / KILL_EVERY - 1);
    assert.equal(restartsOfNats.length, 0, 'NATS was restarted twice');
    assert.equal(ids.size, CHANGES, 'the idempotent count');
    const twoIds = [...ids].filter(([, set]) => set.size !== 1);
    assert.deepEqual(twoIds, [], 'one webhook-id per change');
    assert.ok(deliveries >= CHANGES);
    // Every delivery is a read: at least one access-log event per change delivered (more where one was repeated).
    const logged = await store('audit_events').where('principal_type', 'SUBSCRIPTION').count({ n: '*' }).first() as { n: number | string };
    assert.ok(Number(logged.n) >= deliveries, `${logged.n} access-log events for ${deliveries} deliveries`);
  });
});
