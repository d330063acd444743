/**
 * The servers under test, each in production mode (NODE_ENV=production), started from one generated config
 * file: samgraf (`node dist/src/cli.js serve --config FILE`), the naive baseline (dist/bench/naive-server.js), the
 * floor (dist/bench/floor.js), and samgraf federated (bench/federated-target.ts: a gateway and a subgraph per part,
 * each its own process). Also what the harness reads from them: their own request and statement counters, and
 * their memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SOURCE_MODULES } from '../sources/registry.js';
import { packageRoot } from '../src/core/paths.js';
import type { BenchUrls } from './databases.js';
import type { BenchIssuer } from './issuer.js';
import { WORKLOADS, type Input } from './workloads.js';
import { startFederatedTarget } from './federated-target.js';

export const TARGET_NAMES = ['samgraf', 'floor', 'naive', 'federated'] as const;

/** The metric labels of the sources that run on PostgreSQL. */
const POSTGRES_SOURCES = SOURCE_MODULES.filter((module) => module.dialect === 'postgres').map((module) => new RegExp(`source="${module.name}"`));
export type TargetName = (typeof TARGET_NAMES)[number];

const SCRIPTS: Record<Exclude<TargetName, 'federated'>, string[]> = {
  samgraf: [join(packageRoot, 'dist', 'src', 'cli.js'), 'serve'],
  naive: [join(packageRoot, 'dist', 'bench', 'naive-server.js')],
  floor: [join(packageRoot, 'dist', 'bench', 'floor.js')],
};

/** The samgraf config every target is started with (the floor reads only the database URLs). */
export function writeServerConfig(dir: string, urls: BenchUrls, issuer: BenchIssuer, logKeyFile: string): string {
  const file = join(dir, 'samgraf.json');
  const config = {
    server: { host: '127.0.0.1', port: 0, introspection: 'scope' },
    sources: Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, { url: urls[module.name] }])),
    store: { url: urls.store },
    auth: { issuers: [issuer.config] },
    // Enough that the benchmark's few officers are never throttled; the limiter itself still runs per request.
    rateLimit: { points: 1_000_000_000, durationSeconds: 1 },
    purposes: ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'],
    // Checkpoints signed every second while events arrive, as by default in production.
    accessLog: { signingKeyFile: logKeyFile },
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

export interface HttpRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

export interface Counters {
  /** Requests the server has processed (its own count: access-log events written). */
  requests: number;
  /** SELECTs the server has sent to the legacy sources and the store, by its own count (a cross-check). */
  selects: number;
  /** … of which to sources on PostgreSQL, which MariaDB's counters do not see. */
  postgresSelects: number;
}

export interface Memory {
  rssMb: number;
  peakMb: number;
}

export interface Target {
  name: TargetName;
  /** The process requests go to (the gateway of the federated target). */
  pid: number;
  /** Every process of the target, whose CPU it costs: one, or the federation's gateway and parts. */
  pids: readonly number[];
  origin: string;
  logFile: string;
  request(input: Input, token: string): HttpRequest;
  counters(): Promise<Counters>;
  memory(): Memory;
  /** Resets the kernel's peak-RSS mark (VmHWM), so that the next reading is this run's peak. */
  resetPeak(): boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function readStatus(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function sumMetric(text: string, name: string, labelFilter?: RegExp): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter && !labelFilter.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface StartOptions {
  configFile: string;
  /** For the federated target: its parts' own stores (bench/databases.ts). */
  partStores?: Readonly<Record<string, string>>;
  workDir: string;
  /** Run under `node --cpu-prof`, profiles written to workDir. */
  profile: boolean;
  /** Extra node flags. */
  nodeFlags?: readonly string[];
}

/** A server process of a target, started and ready. */
export interface ServerProcess {
  pid: number;
  origin: string;
  logFile: string;
  /** Its own request and statement counts, from its /metrics. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts `script args` on a free port (or `port`) in production mode and waits until `readyPath` answers 200. */
export async function startServerProcess(label: string, command: readonly string[], options: StartOptions & { readyPath: string; port?: number; profileName?: string }): Promise<ServerProcess> {
  const port = options.port ?? await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const logFile = join(options.workDir, `${label}.log`);
  const log = openSync(logFile, 'a');
  const nodeArgs = [...(options.nodeFlags ?? []), ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(options.workDir, `profile-${options.profileName ?? label}`)}`] : [])];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...command], {
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = code ?? (signal ? 128 : 1);
    resolve();
  }));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`${label} exited with ${exited} while starting:\n${tail(logFile)}`);
    try {
      if ((await fetch(`${origin}${options.readyPath}`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} did not become ready:\n${tail(logFile)}`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid!,
    origin,
    logFile,
    metrics: async () => (await fetch(`${origin}/metrics`)).text(),
    async stop() {
      if (exited !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A GraphQL request of a workload, as samgraf (single or federated) takes it. */
export function graphqlRequest(input: Input, token: string): HttpRequest {
  const workload = WORKLOADS[input.workload];
  return {
    path: '/graphql',
    body: JSON.stringify({ query: workload.document, operationName: workload.operationName, variables: input.variables }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': workload.purpose, accept: 'application/graphql-response+json, application/json' },
  };
}

/** What samgraf's /metrics say it did: access-log events (one per workload request) and its statements. */
export function countersFromMetrics(text: string): Counters {
  // The store's SELECTs (W4's search) are not among samgraf's source metrics: one per auditEvents request.
  const auditSearches = sumMetric(text, 'samgraf_graphql_requests_total', /operation="auditEvents"/);
  return {
    // Every workload request writes one access-log event, also when the load generator has hung up on it.
    requests: sumMetric(text, 'samgraf_access_log_events_total'),
    selects: sumMetric(text, 'samgraf_source_statements_total') + auditSearches,
    postgresSelects: POSTGRES_SOURCES.reduce((total, source) => total + sumMetric(text, 'samgraf_source_statements_total', source), 0),
  };
}

export function memoryOf(pid: number): Memory {
  return readStatus(pid);
}

/** Resets a process's peak-RSS mark (VmHWM); false where the kernel does not let us. */
export function resetPeakOf(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export async function startTarget(name: TargetName, options: StartOptions): Promise<Target> {
  if (name === 'federated') return startFederatedTarget(options);
  const server = await startServerProcess(name, [...SCRIPTS[name], '--config', options.configFile], { ...options, readyPath: name === 'floor' ? '/healthz' : '/readyz' });
  const { pid, origin } = server;
  return {
    name,
    pid,
    pids: [pid],
    origin,
    logFile: server.logFile,
    request(input, token) {
      if (name !== 'floor') return graphqlRequest(input, token);
      const workload = WORKLOADS[input.workload];
      return { path: workload.floorPath, body: JSON.stringify(input.variables), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': workload.purpose } };
    },
    async counters() {
      if (name === 'floor') {
        const stats = await (await fetch(`${origin}/stats`)).json() as { requests: number; selects: number; postgresSelects: number };
        return { requests: stats.requests, selects: stats.selects, postgresSelects: stats.postgresSelects };
      }
      return countersFromMetrics(await server.metrics());
    },
    memory: () => readStatus(pid),
    resetPeak: () => resetPeakOf(pid),
    stop: () => server.stop(),
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
