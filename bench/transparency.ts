/**
 * The transparency log in the benchmark (src/access-log/transparency):
 * - `buildTree`: the filled log's events become the tree's leaves before the servers start, as the migration of
 *   an existing store does (queued chain by chain, then sequenced), with a signing key for the targets' config;
 * - `proofCosts`: inclusion proofs of random leaves of that tree — statements each (counted) and latency (p50,
 *   p99) — at the log's full size;
 * - `checkpointCost`: samgraf's CPU per request with checkpointing on (a checkpoint every second, as by default)
 *   against samgraf with checkpointing off (none during the run), measured side by side (bench/paired.ts), each
 *   on its own store so that the one that checkpoints does not sequence the other's events.
 */
import { join } from 'node:path';
import type { Knex } from 'knex';
import { readFileSync, writeFileSync } from 'node:fs';
import { keygen } from '../src/commands/transparency.js';
import { TransparencyLog } from '../src/access-log/transparency/log.js';
import { parseVerifierKey, verifyCheckpoint } from '../src/access-log/transparency/note.js';
import { fromBase64, verifyInclusion } from '../src/access-log/transparency/proofs.js';
import { NoteSigner } from '../src/access-log/transparency/signer.js';
import { queueExistingEvents, treeSize } from '../src/access-log/transparency/tree-store.js';
import { ensureDatabase, openDatabase } from '../src/core/db.js';
import { SeededRandom } from '../src/core/seed/random.js';
import { silentLogger } from '../src/log.js';
import { migrateBenchStore } from './databases.js';
import { pairedRun, type Paired } from './paired.js';
import type { TargetCheck } from './report.js';
import { startTarget, type Target } from './targets.js';
import { inputStream, type InputData, type WorkloadId } from './workloads.js';

export const BENCH_LOG_ORIGIN = 'bench.samgraf.example/access-log';

export interface TreeBuild {
  keyFile: string;
  leaves: number;
  seconds: number;
}

export async function buildTree(storeUrl: string, workDir: string): Promise<TreeBuild> {
  const keyFile = join(workDir, 'access-log.key');
  await keygen(BENCH_LOG_ORIGIN, keyFile, false);
  const store = openDatabase(storeUrl);
  try {
    const started = Date.now();
    await queueExistingEvents(store);
    const log = new TransparencyLog(store, { signer: await NoteSigner.read(keyFile), intervalMs: 3_600_000, witnesses: [], witnessTimeoutMs: 300_000 }, silentLogger());
    await log.sequence();
    return { keyFile, leaves: await treeSize(store), seconds: (Date.now() - started) / 1000 };
  } finally {
    await store.destroy();
  }
}

export interface ProofCosts {
  treeSize: number;
  proofs: number;
  /** The most statements one proof took (all take the same number). */
  statementsPerProof: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/** Proofs of `count` random leaves against the newest checkpoint, one at a time; each is verified. */
export async function proofCosts(storeUrl: string, keyFile: string, count: number, seed: string): Promise<ProofCosts> {
  const store = openDatabase(storeUrl);
  try {
    const signer = await NoteSigner.read(keyFile);
    const log = new TransparencyLog(store, { signer, intervalMs: 3_600_000, witnesses: [], witnessTimeoutMs: 300_000 }, silentLogger());
    await log.checkpointNow();
    const size = await treeSize(store);
    const random = new SeededRandom(seed, 'proofs');
    const indexes = Array.from({ length: count }, () => random.int(0, size - 1));
    const rows = await store('audit_tree_leaves').whereIn('leaf_index', indexes).select('leaf_index', 'writer_id', 'seq') as { leaf_index: number | string; writer_id: string; seq: number | string }[];
    const events = new Map(rows.map((row) => [Number(row.leaf_index), { writer: row.writer_id, seq: Number(row.seq) }]));
    const key = await parseVerifierKey(signer.verifierKey);
    const times: number[] = [];
    let statementsPerProof = 0;
    for (const [i, index] of indexes.entries()) {
      const { proof, statements, ms } = await timedProof(store, log, events.get(index)!);
      times.push(ms);
      statementsPerProof = Math.max(statementsPerProof, statements);
      if (i < 20) {
        const { checkpoint } = await verifyCheckpoint(proof.checkpoint, key);
        const problem = await verifyInclusion(proof.leafIndex, proof.treeSize, fromBase64(proof.leafHash), proof.inclusionPath.map(fromBase64), checkpoint.root);
        if (problem) throw new Error(`the proof of leaf ${index} does not verify: ${problem}`);
      }
    }
    times.sort((a, b) => a - b);
    return { treeSize: size, proofs: count, statementsPerProof, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
  } finally {
    await store.destroy();
  }
}

async function timedProof(store: Knex, log: TransparencyLog, event: { writer: string; seq: number }) {
  let statements = 0;
  const count = () => { statements += 1; };
  store.on('query', count);
  try {
    const started = process.hrtime.bigint();
    const [proof] = await log.inclusionProofs([event], null);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!proof || proof instanceof Error) throw new Error(`no proof for ${event.writer}:${event.seq}`);
    return { proof, statements, ms };
  } finally {
    store.removeListener('query', count);
  }
}

export interface CheckpointCost {
  workload: WorkloadId;
  requests: number;
  onMsPerRequest: number;
  offMsPerRequest: number;
  /** CPU per request with checkpointing on ÷ off. */
  ratio: number;
}

/**
 * A second samgraf with checkpointing off — no checkpoint during the run — on a store of its own, and the
 * workloads sent alternately to it and to the benchmark's samgraf (a checkpoint every second).
 */
export async function checkpointCost(options: {
  samgraf: Target;
  configFile: string;
  storeUrl: string;
  workDir: string;
  workloads: readonly WorkloadId[];
  data: InputData;
  tokens: readonly string[];
  requests: number;
  seed: string;
  failures: string[];
}): Promise<{ costs: CheckpointCost[]; drop(): Promise<void> }> {
  const quietStore = `${options.storeUrl}_quiet`;
  await ensureDatabase(quietStore);
  await migrateBenchStore(quietStore);
  const config = JSON.parse(readFileSync(options.configFile, 'utf8')) as { store: { url: string }; accessLog: Record<string, unknown> };
  const quietConfig = join(options.workDir, 'samgraf-checkpoints-off.json');
  writeFileSync(quietConfig, JSON.stringify({ ...config, store: { url: quietStore }, accessLog: { ...config.accessLog, checkpointIntervalSeconds: 3600 } }, null, 2));
  const off = await startTarget('samgraf', { configFile: quietConfig, workDir: join(options.workDir), profile: false });
  const costs: CheckpointCost[] = [];
  try {
    for (const workload of options.workloads) {
      const inputs = inputStream(workload, options.data, `${options.seed}-checkpoints-${workload}`);
      // The second process has just started: its warm-up is long enough for its code to be as hot as the first's.
      const paired: Paired = await pairedRun(workload, options.samgraf, off, inputs, options.tokens, options.requests, options.requests * 2);
      for (const [which, n] of Object.entries(paired.invalid)) if (n > 0) options.failures.push(`${workload} checkpoint cost (${which === 'samgraf' ? 'on' : 'off'}): ${n} wrong responses`);
      costs.push({ workload, requests: paired.requests, onMsPerRequest: paired.samgrafMsPerRequest, offMsPerRequest: paired.floorMsPerRequest, ratio: paired.ratio });
    }
  } finally {
    await off.stop();
  }
  return {
    costs,
    async drop() {
      const admin = openDatabase(quietStore.replace(/\/[^/]*$/, '/mysql'), { poolMax: 1 });
      try {
        await admin.raw('DROP DATABASE IF EXISTS ??', [new URL(quietStore).pathname.slice(1)]);
      } finally {
        await admin.destroy();
      }
    },
  };
}

export function transparencyChecks(costs: readonly CheckpointCost[], proofs: ProofCosts | null): TargetCheck[] {
  const checks: TargetCheck[] = costs.map((cost) => ({
    target: `${cost.workload} c1, paired: checkpointing on adds ≤ 5 % CPU per request`,
    measured: `${((cost.ratio - 1) * 100).toFixed(1)} % (${cost.onMsPerRequest.toFixed(3)} / ${cost.offMsPerRequest.toFixed(3)} ms)`,
    met: cost.ratio <= 1.05,
  }));
  checks.push(proofs
    ? {
      target: 'an inclusion proof in O(log n) statements, p99 published',
      measured: `${proofs.statementsPerProof} statements at ${proofs.treeSize.toLocaleString('en-US')} leaves; p50 ${proofs.p50Ms.toFixed(2)} ms, p99 ${proofs.p99Ms.toFixed(2)} ms (${proofs.proofs} proofs)`,
      met: proofs.statementsPerProof <= Math.ceil(Math.log2(Math.max(2, proofs.treeSize))),
    }
    : { target: 'an inclusion proof in O(log n) statements, p99 published', measured: 'not run', met: null });
  return checks;
}
