/**
 * Everything before the first request: fresh databases, seeded sources, a store filled with a realistic access
 * log, the staff issuer, the config file, and the three target processes. Used by the harness (run.ts) and
 * by the smoke test that compares the targets' answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillAccessLog, type FilledLog } from './access-log-fill.js';
import { buildTree, type TreeBuild } from './transparency.js';
import { createBenchDatabases, migrateBenchStore, seedBenchSources, type BenchDatabases } from './databases.js';
import { earnersIn, loadPeople, NO_EARNERS, peopleWithEverything, type People } from './legacy-tables.js';
import { createBenchIssuer, type BenchIssuer } from './issuer.js';
import { startTarget, writeServerConfig, type Target, type TargetName } from './targets.js';
import { W5_PERIODS, WORKLOAD_IDS, type InputData, type WorkloadId } from './workloads.js';

export interface SetupOptions {
  citizens: number;
  events: number;
  seed: string;
  mysqlUrl: string;
  postgresUrl: string;
  targets: readonly TargetName[];
  /** The workloads the inputs are prepared for (default all): W5's earners take a scan of the income register. */
  workloads?: readonly WorkloadId[];
  /** Targets to run under node --cpu-prof. */
  profile?: readonly TargetName[];
  /** Extra node flags for the servers. */
  nodeFlags?: readonly string[];
  /** Token lifetime: long enough for the whole run. */
  tokenSeconds?: number;
  log?: (message: string) => void;
}

export interface Bench {
  databases: BenchDatabases;
  people: People;
  accessLog: FilledLog;
  /** The filled log's Merkle tree, and the key its checkpoints are signed with. */
  tree: TreeBuild;
  data: InputData;
  issuer: BenchIssuer;
  workDir: string;
  /** The samgraf config the targets run with. */
  configFile: string;
  targets: Partial<Record<TargetName, Target>>;
  seeded: { rows: Record<string, number>; seconds: number };
  /** Stops the targets; drops the databases unless `keep`; removes the work directory unless it holds profiles. */
  close(options?: { keep?: boolean }): Promise<void>;
}

/** Officers the load is spread over (each a principal with its own token and rate-limit key). */
const OFFICERS = 16;

export async function prepareBench(options: SetupOptions): Promise<Bench> {
  const log = options.log ?? (() => {});
  const workDir = mkdtempSync(join(tmpdir(), 'samgraf-bench-'));
  const databases = await createBenchDatabases({ mysql: options.mysqlUrl, postgres: options.postgresUrl });
  const targets: Partial<Record<TargetName, Target>> = {};
  const close = async ({ keep = false } = {}) => {
    for (const target of Object.values(targets)) await target.stop();
    if (keep) log(`kept the databases ${databases.names.join(', ')}`);
    else await databases.drop();
    await databases.close();
    if ((options.profile ?? []).length === 0) rmSync(workDir, { recursive: true, force: true });
    else log(`profiles and logs are in ${workDir}`);
  };
  try {
    log(`databases ${databases.prefix}_*: seeding ${options.citizens} citizens`);
    let started = Date.now();
    const rows = await seedBenchSources(databases.urls, options.citizens, options.seed);
    const seeded = { rows, seconds: (Date.now() - started) / 1000 };
    log(`seeded in ${seeded.seconds.toFixed(1)} s: ${Object.entries(rows).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    const cursors = await migrateBenchStore(databases.urls.store);
    const people = await loadPeople(databases.urls);
    started = Date.now();
    const accessLog = await fillAccessLog(databases.urls.store, { events: options.events, people, seed: options.seed, endMs: Date.now() - 60_000, onProgress: log });
    log(`access log: ${accessLog.events} events, ${accessLog.subjectRows} subject rows in ${accessLog.seconds.toFixed(1)} s`);
    const tree = await buildTree(databases.urls.store, workDir);
    log(`transparency log: ${tree.leaves} leaves sequenced and signed in ${tree.seconds.toFixed(1)} s`);
    const data: InputData = {
      people,
      eventsPerPerson: accessLog.eventsPerPerson,
      logUntil: new Date(accessLog.toMs).toISOString(),
      richPeople: await peopleWithEverything(databases.urls, people, 10),
      cursors,
      earners: (options.workloads ?? WORKLOAD_IDS).includes('W5') ? await earnersIn(databases.urls, people, W5_PERIODS) : NO_EARNERS,
    };
    const issuer = await createBenchIssuer(OFFICERS, options.tokenSeconds ?? 24 * 3600);
    const configFile = writeServerConfig(workDir, databases.urls, issuer, tree.keyFile);
    await Promise.all(options.targets.map(async (name) => {
      targets[name] = await startTarget(name, { configFile, workDir, partStores: databases.partStores, profile: (options.profile ?? []).includes(name), nodeFlags: options.nodeFlags ?? [] });
      log(`${name} is up (pid ${targets[name]!.pid})`);
    }));
    return { databases, people, accessLog, tree, data, issuer, workDir, configFile, targets, seeded, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
