/**
 * Life-event latency (issue 16): from the commit of a change in a source to its webhook's arrival, at a steady 10
 * and 100 changes per second, with change capture polling at its default interval (`events.pollIntervalSeconds`,
 * 1 s). `samgraf serve` runs as its own process on fresh databases seeded with `citizens` people, so that each
 * poll reads tables of a realistic size; NATS is the machine's. Each change is one decision granted in
 * FK_BESLUT (one statement, committed alone); the receiver, in this process, notes when each arrives.
 *
 * Run alone with `node dist/bench/life-events.js [--citizens N] [--seconds S] [--out DIR]`; `npm run bench` runs it
 * too, with its own results.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from '../src/core/db.js';
import { SubscriptionStore } from '../src/events/subscriptions.js';
import { createBenchDatabases, migrateBenchStore, seedBenchSources } from './databases.js';
import type { TargetCheck } from './report.js';
import { startServerProcess } from './targets.js';

export interface LatencyAtRate {
  changesPerSecond: number;
  changes: number;
  received: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface LifeEventLatency {
  citizens: number;
  pollIntervalSeconds: number;
  rates: LatencyAtRate[];
}

export interface LatencyOptions {
  mysqlUrl: string;
  postgresUrl: string;
  natsUrl: string;
  citizens: number;
  seconds: number;
  rates: readonly number[];
  log(line: string): void;
}

const WATCHED_TABLES = SOURCE_MODULES.reduce((n, module) => n + (module.changes?.tables.length ?? 0), 0);

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/**
 * What the README asks of an agency whose tables are polled: an index on each change column, so that a round reads
 * the rows after the watermark instead of scanning the table (the binary log needs none).
 */
async function indexChangeColumns(urls: Readonly<Record<string, string>>): Promise<void> {
  for (const module of SOURCE_MODULES.filter((m) => m.changes !== undefined)) {
    const db = openDatabase(urls[module.name]!);
    try {
      for (const table of module.changes!.tables) {
        for (const column of table.markColumns) await db.schema.alterTable(table.table, (t) => { t.index([column], `${table.table}_${column}_changes`); });
      }
    } finally {
      await db.destroy();
    }
  }
}

/** The source whose module can write a decision granted, the change each measurement makes. */
const DECIDING = SOURCE_MODULES.find((module) => module.changes?.simulate?.['benefit.decided'] !== undefined)!;

export async function lifeEventLatency(options: LatencyOptions): Promise<LifeEventLatency> {
  const workDir = mkdtempSync(join(tmpdir(), 'samgraf-bench-events-'));
  const databases = await createBenchDatabases({ mysql: options.mysqlUrl, postgres: options.postgresUrl });
  const stream = `BENCH_${randomBytes(5).toString('hex')}`;
  const committed = new Map<string, number>();
  const arrived = new Map<string, number>();
  let secret = '';
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const event = new Webhook(secret).verify(body, Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))) as { data: { benefitId: string } };
      if (!arrived.has(event.data.benefitId)) arrived.set(event.data.benefitId, at);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  let server: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  const agency = openDatabase(databases.urls[DECIDING.name]!);
  try {
    options.log(`life events: seeding ${options.citizens} citizens`);
    await seedBenchSources(databases.urls, options.citizens, 'bench-life-events');
    await indexChangeColumns(databases.urls);
    await migrateBenchStore(databases.urls.store);
    const store = openDatabase(databases.urls.store);
    try {
      const subscription = await new SubscriptionStore(store).create({
        organization: 'FK', events: ['benefit.decided'], purpose: 'benefit-assessment', legalBasis: null, scopes: ['benefit:read'],
        municipality: null, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, expiresAt: null,
      });
      secret = subscription.secret!;
    } finally {
      await store.destroy();
    }
    const configFile = join(workDir, 'samgraf.json');
    writeFileSync(configFile, JSON.stringify({
      server: { port: 0, host: '127.0.0.1' },
      sources: Object.fromEntries(Object.entries(databases.urls).filter(([name]) => name !== 'store').map(([name, url]) => [name, { url }])),
      store: { url: databases.urls.store },
      events: { natsUrl: options.natsUrl, stream },
    }));
    server = await startServerProcess('life-events', [join(import.meta.dirname, '..', 'src', 'cli.js'), 'serve', '--config', configFile], { configFile, workDir, profile: false, readyPath: '/readyz' });
    const admin = openDatabase(databases.urls.store);
    try {
      for (const deadline = Date.now() + 600_000; ;) {
        const rows: { phase: string }[] = await admin('event_capture_positions').select('phase');
        if (rows.length === WATCHED_TABLES && rows.every((row) => row.phase === 'live')) break;
        if (Date.now() > deadline) throw new Error('change capture did not finish its first read within 10 minutes');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await admin.destroy();
    }
    const rates: LatencyAtRate[] = [];
    for (const rate of options.rates) {
      options.log(`life events: ${rate} changes/s for ${options.seconds} s`);
      const ids: string[] = [];
      const started = performance.now();
      const total = rate * options.seconds;
      const inserts: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        inserts.push(DECIDING.changes!.simulate!['benefit.decided']!(agency).then(({ data }) => {
          committed.set(data.benefitId!, performance.now());
          ids.push(data.benefitId!);
        }));
      }
      await Promise.all(inserts);
      for (const deadline = Date.now() + 120_000; ids.some((id) => !arrived.has(id)) && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 100));
      const latencies = ids.filter((id) => arrived.has(id)).map((id) => arrived.get(id)! - committed.get(id)!).sort((a, b) => a - b);
      const result = { changesPerSecond: rate, changes: total, received: latencies.length, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), maxMs: latencies.at(-1) ?? NaN };
      options.log(`life events at ${rate}/s: ${result.received}/${total} received, p50 ${result.p50Ms.toFixed(0)} ms, p95 ${result.p95Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms`);
      rates.push(result);
    }
    return { citizens: options.citizens, pollIntervalSeconds: 1, rates };
  } finally {
    await server?.stop();
    await agency.destroy();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await databases.drop();
    await databases.close();
    const nc = await connect({ servers: options.natsUrl.replace(/^nats:\/\//, '') }).catch(() => null);
    if (nc) {
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
      await nc.close();
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Issue 16's target: p95 ≤ 5 s at every rate, and every change delivered. */
export function lifeEventChecks(latency: LifeEventLatency | null): TargetCheck[] {
  if (latency === null) return [];
  return latency.rates.map((rate) => ({
    target: `life event commit → webhook p95 ≤ 5 s at ${rate.changesPerSecond} changes/s (polling every ${latency.pollIntervalSeconds} s)`,
    measured: `p50 ${(rate.p50Ms / 1000).toFixed(2)} s, p95 ${(rate.p95Ms / 1000).toFixed(2)} s, ${rate.received}/${rate.changes} received`,
    met: rate.received === rate.changes && rate.p95Ms <= 5000,
  }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { citizens: { type: 'string', default: '100000' }, seconds: { type: 'string', default: '30' }, out: { type: 'string', default: 'bench/results' } } });
  const result = await lifeEventLatency({
    mysqlUrl: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
    natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
    citizens: Number(values.citizens),
    seconds: Number(values.seconds),
    rates: [10, 100],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const checks = lifeEventChecks(result);
  mkdirSync(values.out, { recursive: true });
  const file = join(values.out, `${new Date().toISOString().slice(0, 10)}-life-events-c${values.citizens}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), command: `node dist/bench/life-events.js ${process.argv.slice(2).join(' ')}`.trim(), ...result, targets: checks }, null, 2)}\n`);
  process.stdout.write(`${checks.map((c) => `${c.met ? 'met' : 'NOT MET'}: ${c.target}: ${c.measured}`).join('\n')}\nresults: ${file}\n`);
  if (!checks.every((c) => c.met)) process.exitCode = 1;
}
