/**
 * The benchmark harness (`npm run bench`, see bench/README.md): seeds fresh MariaDB databases, fills the store
 * with a large access log, starts samgraf (production mode, every safeguard on), the floor and the naive
 * baseline as separate processes, checks that all three give the same answers, drives each through W1–W5 at
 * each concurrency with autocannon, and writes bench/results/<date>.json and a markdown table. Exits 1 if any
 * response was wrong or the targets disagreed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { openDatabase } from '../src/core/db.js';
import { SeededRandom } from '../src/core/seed/random.js';
import { fetchAnswers, runLoad, warmUp } from './load.js';
import { findMariadbPid, startCpuWindow } from './machine-load.js';
import { BenchUsageError, parseBenchArgs, USAGE, type BenchOptions } from './options.js';
import {
  checkTargets, describeMachine, markdownMachine, markdownPaired, markdownScaling, markdownTable, markdownTargets, ratios, type BatchScaling, type Run, type SizeScaling, type Soak,
} from './report.js';
import { resizeBufferPool } from './databases.js';
import { pairedRun, type Paired } from './paired.js';
import { checkpointCost, proofCosts, transparencyChecks, type CheckpointCost } from './transparency.js';
import { lifeEventChecks, lifeEventLatency } from './life-events.js';
import { prepareBench, type Bench } from './setup.js';
import { startCounting } from './statements.js';
import { TARGET_NAMES, type Target, type TargetName } from './targets.js';
import {
  checkResponse, comparisonInputs, emptyCoverage, inputStream, normaliseResponse, WORKLOAD_IDS, type Input, type WorkloadId,
} from './workloads.js';

const startedAt = Date.now();
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

/** Other processes using more than this many cores during a run make its figures not comparable. */
const DISTURBED_CORES = 0.15;

interface Comparison {
  workload: WorkloadId;
  inputs: number;
  /** Per target: every answer checked and, for floor and naive, equal to samgraf's. */
  targets: Partial<Record<TargetName, { valid: boolean; sameAsSamgraf: boolean | null; problems: string[] }>>;
  coverage: ReturnType<typeof emptyCoverage>;
}

function running(bench: Bench, options: BenchOptions): Target[] {
  return TARGET_NAMES.filter((name) => options.targets.includes(name)).map((name) => bench.targets[name]!);
}

/** Sends the same few inputs to every target, checks each answer and compares the data with samgraf's. */
async function compareTargets(bench: Bench, options: BenchOptions, failures: string[]): Promise<Comparison[]> {
  const comparisons: Comparison[] = [];
  const token = bench.issuer.tokens[0]!;
  for (const workload of options.workloads) {
    const inputs = comparisonInputs(workload, bench.data, options.smoke ? 4 : 6, options.seed);
    const comparison: Comparison = { workload, inputs: inputs.length, targets: {}, coverage: emptyCoverage() };
    const reference = bench.targets.samgraf ? await fetchAnswers(bench.targets.samgraf, inputs, token) : null;
    for (const target of running(bench, options).filter((t) => timesOn(t, workload))) {
      const answers = target.name === 'samgraf' && reference ? reference : await fetchAnswers(target, inputs, token);
      const problems: string[] = [];
      answers.forEach((answer, i) => {
        const problem = checkResponse(inputs[i]!, answer.status, answer.body, target.name === 'samgraf' ? comparison.coverage : emptyCoverage());
        if (problem) problems.push(problem);
      });
      let same: boolean | null = null;
      if (target.name !== 'samgraf' && reference && problems.length === 0) {
        same = answers.every((answer, i) => normaliseResponse(answer.body) === normaliseResponse(reference[i]!.body));
        if (!same) problems.push(`answers differ from samgraf's for the same inputs`);
      }
      comparison.targets[target.name] = { valid: problems.length === 0, sameAsSamgraf: same, problems };
      for (const problem of problems) failures.push(`${workload} ${target.name} (comparison): ${problem}`);
    }
    const c = comparison.coverage;
    const { earners } = bench.data;
    const missing = workload === 'W1' && bench.data.richPeople.length > 0 && (c.payments === 0 || c.actionPlanSteps === 0) ? 'payments and action plans'
      : workload === 'W2' && (c.benefits === 0 || c.cases === 0) ? 'benefits and cases'
        : workload === 'W5' && c.incomes === 0 ? 'incomes'
          : workload === 'W5' && earners.corrected.length > 0 && c.correctedIncomes === 0 ? 'a corrected income statement'
            : workload === 'W5' && earners.paidBySoleTrader.length > 0 && c.soleTraderIncomes === 0 ? 'a sole trader\'s income statement'
              : c.nodes === 0 ? 'any data' : null;
    if (missing && bench.targets.samgraf) failures.push(`${workload}: the comparison inputs did not reach ${missing}`);
    comparisons.push(comparison);
    log(`${workload}: ${inputs.length} inputs, answers ${Object.entries(comparison.targets).map(([t, r]) => `${t} ${r.valid ? (r.sameAsSamgraf === false ? 'DIFFER' : 'ok') : 'WRONG'}`).join(', ')}`);
  }
  return comparisons;
}

/** W2's SELECTs per request at several batch sizes: constant when batching works, linear when it does not. */
async function batchScaling(bench: Bench, options: BenchOptions): Promise<{ scaling: BatchScaling; mariadbCounted: BatchScaling }> {
  const scaling: BatchScaling = {};
  const mariadbCounted: BatchScaling = {};
  const random = new SeededRandom(options.seed, 'batch-scaling');
  const numbers = bench.people.numbers;
  for (const target of running(bench, options).filter((t) => t.name !== 'floor')) {
    scaling[target.name] = {};
    mariadbCounted[target.name] = {};
    for (const size of options.batchSizes.filter((b) => b <= numbers.length)) {
      const inputs: Input[] = Array.from({ length: 3 }, () => ({ workload: 'W2', variables: { pnrs: random.sample(numbers, size) } }));
      const counting = await startCounting(bench.databases.admin, target);
      const answers = await fetchAnswers(target, inputs, bench.issuer.tokens[0]!);
      const count = await counting.finish();
      if (answers.some((a, i) => checkResponse(inputs[i]!, a.status, a.body) !== null)) throw new Error(`W2 batch of ${size}: a wrong answer from ${target.name}`);
      // The target's own count: exact, whoever else uses MariaDB meanwhile (MariaDB's count is kept alongside).
      scaling[target.name]![String(size)] = Math.round(count.targetCountedSelectsPerRequest * 100) / 100;
      mariadbCounted[target.name]![String(size)] = Math.round(count.selectsPerRequest * 100) / 100;
    }
    log(`W2 SELECTs per request by batch size, ${target.name}: ${JSON.stringify(scaling[target.name])} (MariaDB counted ${JSON.stringify(mariadbCounted[target.name])})`);
  }
  return { scaling, mariadbCounted };
}

/** Waits (up to `seconds`) until other processes leave the CPUs alone for a second. */
async function waitForQuiet(pids: number[], seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let announced = false;
  for (;;) {
    const window = startCpuWindow(process.pid, pids);
    await sleep(1000);
    const { otherCores } = window();
    if (otherCores <= DISTURBED_CORES || Date.now() > deadline) return;
    if (!announced) log(`other processes use ${otherCores.toFixed(2)} cores: waiting up to ${seconds} s for a quiet machine`);
    announced = true;
  }
}

async function timedRuns(bench: Bench, options: BenchOptions, failures: string[]): Promise<Run[]> {
  const runs: Run[] = [];
  const mariadb = findMariadbPid();
  const pids = [...Object.values(bench.targets).flatMap((t) => t.pids), ...(mariadb === null ? [] : [mariadb])];
  for (const workload of options.workloads) {
    for (const connections of options.connections) {
      for (const target of running(bench, options).filter((t) => timesOn(t, workload))) {
        for (let attempt = 1; ; attempt++) {
          if (options.quietWait > 0) await waitForQuiet(pids, options.quietWait);
          const run = await timedRun(bench, options, workload, connections, target, pids, failures);
          run.attempt = attempt;
          if (!run.cpu.disturbed || attempt > options.retries) {
            runs.push(run);
            break;
          }
          log(`${workload} c${connections} ${target.name} was disturbed by other processes: again`);
        }
      }
    }
  }
  return runs;
}

/** Each workload's paired measurement (bench/paired.ts), when samgraf and the floor both run. */
async function pairedRuns(bench: Bench, options: BenchOptions, failures: string[]): Promise<Paired[]> {
  const { samgraf, floor } = bench.targets;
  if (!samgraf || !floor || options.pairedRequests === 0) return [];
  const mariadb = findMariadbPid();
  const pids = [samgraf.pid, floor.pid, ...(mariadb === null ? [] : [mariadb])];
  const results: Paired[] = [];
  for (const workload of options.workloads) {
    if (options.quietWait > 0) await waitForQuiet(pids, options.quietWait);
    const inputs = inputStream(workload, bench.data, `${options.seed}-paired-${workload}`);
    const result = await pairedRun(workload, samgraf, floor, inputs, bench.issuer.tokens, options.pairedRequests);
    for (const [target, count] of Object.entries(result.invalid)) if (count > 0) failures.push(`${workload} paired ${target}: ${count} wrong responses`);
    log(`${workload} paired c1: samgraf ${result.samgrafMsPerRequest.toFixed(2)} ms, floor ${result.floorMsPerRequest.toFixed(2)} ms of CPU per request (${result.ratio.toFixed(2)} ×)`);
    results.push(result);
  }
  return results;
}

/**
 * The federated target runs the workloads its issue weighs it by: a person and their records, and a batch of
 * people. (Its lists' cursors are sealed with the register's own store's key, so W3's answers are not the single
 * server's byte for byte, by design.)
 */
const FEDERATED_WORKLOADS: readonly WorkloadId[] = ['W1', 'W2'];
const timesOn = (target: Target, workload: WorkloadId) => target.name !== 'federated' || FEDERATED_WORKLOADS.includes(workload);

/** One warm-up and one timed run of a workload against a target; a wrong answer is a failure. */
async function timedRun(bench: Bench, options: BenchOptions, workload: WorkloadId, connections: number, target: Target, pids: number[], failures: string[]): Promise<Run> {
  const peakIsThisRun = target.resetPeak();
  const tokens = bench.issuer.tokens;
  const warmupInputs = inputStream(workload, bench.data, `${options.seed}-warmup-${workload}-${connections}`);
  const warmup = options.warmupRequests > 0 ? await warmUp(target, warmupInputs, tokens, connections, options.warmupRequests)
    : options.warmup > 0 ? await runLoad({ target, inputs: warmupInputs, tokens, connections, seconds: options.warmup }) : null;
  const counting = await startCounting(bench.databases.admin, target);
  const cpu = startCpuWindow(target.pids, pids);
  // The same input sequence for every target.
  const result = await runLoad({ target, inputs: inputStream(workload, bench.data, `${options.seed}-${workload}-${connections}`), tokens, connections, seconds: options.duration });
  const load = cpu();
  const statements = await counting.finish();
  const memory = target.memory();
  const { seconds: _seconds, ...measured } = result;
  const cpuMsPerRequest = (load.targetSeconds * 1000) / Math.max(1, statements.requests);
  const run: Run = {
    workload, connections, target: target.name, attempt: 1, ...measured,
    warmup: { requests: warmup?.requests ?? 0, invalid: warmup?.invalid ?? 0, errors: warmup?.errors ?? 0 },
    statements,
    memory: { peakMb: memory.peakMb, rssAfterMb: memory.rssMb, peakIsThisRun },
    cpu: { ownCores: load.ownCores, otherCores: load.otherCores, targetCores: load.targetCores, targetMsPerRequest: cpuMsPerRequest, disturbed: load.otherCores > DISTURBED_CORES },
  };
  const label = `${workload} c${connections} ${target.name}`;
  const invalid = result.invalid + (warmup?.invalid ?? 0);
  const errors = result.errors + (warmup?.errors ?? 0);
  if (result.requests === 0) failures.push(`${label}: no responses`);
  if (invalid > 0) failures.push(`${label}: ${invalid} wrong responses, e.g. ${[...(warmup?.problems ?? []), ...result.problems][0]}`);
  if (errors > 0) failures.push(`${label}: ${errors} connection errors or timeouts`);
  log(`${label}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, `
    + `${statements.perRequest.toFixed(2)} SQL/req${statements.noisy ? ' (noisy)' : ''}, server CPU ${cpuMsPerRequest.toFixed(2)} ms/req, `
    + `peak RSS ${memory.peakMb.toFixed(0)} MB, others' CPU ${load.otherCores.toFixed(2)} cores${invalid ? `, ${invalid} WRONG` : ''}`);
  return run;
}

/**
 * W1 on fresh databases of each size (samgraf alone, concurrency 1, the same warm-up and duration): a
 * profile's cost must not grow with the data. The access log is kept small here; W1 does not read it.
 */
async function sizeScaling(options: BenchOptions, failures: string[]): Promise<SizeScaling | null> {
  if (options.scalingSizes.length < 2 || !options.workloads.includes('W1') || !options.targets.includes('samgraf')) return null;
  const points: SizeScaling['points'] = [];
  for (const citizens of options.scalingSizes) {
    log(`scaling: W1 at ${citizens.toLocaleString('en-US')} citizens`);
    const bench = await prepareBench({
      citizens, events: Math.min(options.events, 100_000), seed: options.seed, mysqlUrl: options.mysqlUrl, postgresUrl: options.postgresUrl, targets: ['samgraf'], workloads: ['W1'], nodeFlags: options.nodeOptions, log,
    });
    active.bench = bench;
    try {
      const target = bench.targets.samgraf!;
      const mariadb = findMariadbPid();
      const pids = [target.pid, ...(mariadb === null ? [] : [mariadb])];
      if (options.quietWait > 0) await waitForQuiet(pids, options.quietWait);
      const run = await timedRun(bench, options, 'W1', 1, target, pids, failures);
      points.push({ citizens, requestsPerSecond: run.requestsPerSecond, latencyMs: run.latencyMs, cpuMsPerRequest: run.cpu.targetMsPerRequest, disturbed: run.cpu.disturbed });
    } finally {
      active.bench = null;
      await bench.close();
    }
  }
  return { points, p50Ratio: points.at(-1)!.latencyMs.p50 / points[0]!.latencyMs.p50 };
}

/** A mixed load of the workloads run against samgraf, sampling its RSS every second. */
async function soak(bench: Bench, options: BenchOptions, failures: string[]): Promise<Soak> {
  const target = bench.targets.samgraf!;
  const connections = Math.max(...options.connections);
  const rss: number[] = [];
  target.resetPeak();
  log(`soak: mixed ${options.workloads.join('/')} at c${connections} for ${options.soakSeconds} s`);
  const result = await runLoad({
    target,
    inputs: options.workloads.map((w) => inputStream(w, bench.data, `${options.seed}-soak-${w}`)),
    tokens: bench.issuer.tokens,
    connections,
    seconds: options.soakSeconds,
    onTick: () => rss.push(Math.round(target.memory().rssMb * 10) / 10),
  });
  if (result.invalid > 0) failures.push(`soak: ${result.invalid} wrong responses, e.g. ${result.problems[0]}`);
  // Early (second fifth of the run, after the heap has grown into its working size) against late (last fifth).
  const fifth = Math.max(1, Math.floor(rss.length / 5));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  return {
    seconds: options.soakSeconds,
    connections,
    requests: result.requests,
    invalid: result.invalid,
    rssMb: rss,
    earlyMedianMb: median(rss.slice(fifth, 2 * fifth)),
    lateMedianMb: median(rss.slice(-fifth)),
    peakMb: target.memory().peakMb,
  };
}

/** What an interrupt must undo: the databases and servers of the bench being run, and a resized buffer pool. */
const active: { bench: Bench | null; restoreBufferPool: (() => Promise<void>) | null; interrupted: Promise<void> | null } = {
  bench: null, restoreBufferPool: null, interrupted: null,
};

/**
 * Ctrl-C or SIGTERM at any point: stop the servers and drop the databases of the bench being run (one being
 * seeded is not yet known here: its names are in the log), put the buffer pool back, then leave.
 */
function cleanUpWhenInterrupted(options: BenchOptions): void {
  const interrupted = async () => {
    log('interrupted: cleaning up');
    const { bench, restoreBufferPool } = active;
    active.bench = null;
    active.restoreBufferPool = null;
    await bench?.close({ keep: options.keep }).catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
    await restoreBufferPool?.().catch((error: unknown) => log(`could not restore the buffer pool: ${(error as Error).message}`));
    if (restoreBufferPool) log('InnoDB buffer pool restored');
    process.exit(130);
  };
  // The run itself fails as its servers go away: main's exit waits for this (see the end of the file).
  const onSignal = () => { active.interrupted ??= interrupted(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

function resultsFile(options: BenchOptions): string {
  const date = new Date().toISOString().slice(0, 10);
  const defaults = !options.smoke && options.citizens === 100_000 && options.events === 1_000_000
    && options.workloads.length === WORKLOAD_IDS.length && options.targets.length === TARGET_NAMES.length;
  const suffix = defaults ? '' : `-c${options.citizens}-e${options.events}${options.workloads.length < WORKLOAD_IDS.length ? `-${options.workloads.join('')}` : ''}${options.smoke ? '-smoke' : ''}`;
  const pool = options.bufferPoolMb === null ? '' : `-pool${options.bufferPoolMb}`;
  return join(options.outDir, `${date}${suffix}${pool}.json`);
}

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    if (error.message) process.stderr.write(`${error.message}\n\n`);
    process.stderr.write(USAGE);
    return error.message ? 2 : 0;
  }
  const failures: string[] = [];
  const started = new Date();
  cleanUpWhenInterrupted(options);
  try {
    if (options.bufferPoolMb !== null) {
      await resizeBufferPool(options.mysqlUrl, options.bufferPoolMb, (restore) => { active.restoreBufferPool = restore; });
      log(`InnoDB buffer pool set to ${options.bufferPoolMb} MB for this run`);
    }
    return await benchmark(argv, options, failures, started);
  } finally {
    const restore = active.restoreBufferPool;
    active.restoreBufferPool = null;
    if (restore) {
      await restore();
      log('InnoDB buffer pool restored');
    }
  }
}

async function benchmark(argv: string[], options: BenchOptions, failures: string[], started: Date): Promise<number> {
  const bench = await prepareBench({
    citizens: options.citizens,
    events: options.events,
    seed: options.seed,
    mysqlUrl: options.mysqlUrl,
    postgresUrl: options.postgresUrl,
    targets: options.targets,
    workloads: options.workloads,
    profile: options.profile,
    nodeFlags: options.nodeOptions,
    log,
  });
  let closed = false;
  active.bench = bench;
  try {
    const machine = await describeMachine(bench.databases.admin);
    const comparisons = await compareTargets(bench, options, failures);
    const { scaling, mariadbCounted } = options.workloads.includes('W2') ? await batchScaling(bench, options) : { scaling: {}, mariadbCounted: {} };
    const runs = await timedRuns(bench, options, failures);
    const paired = await pairedRuns(bench, options, failures);
    const checkpointWorkloads = options.workloads.filter((w): w is 'W1' | 'W2' => w === 'W1' || w === 'W2');
    let checkpointCosts: CheckpointCost[] = [];
    if (bench.targets.samgraf && options.pairedRequests > 0 && checkpointWorkloads.length > 0) {
      log('checkpointing on against off, paired');
      const measured = await checkpointCost({
        samgraf: bench.targets.samgraf, configFile: bench.configFile, storeUrl: bench.databases.urls.store, workDir: bench.workDir,
        workloads: checkpointWorkloads, data: bench.data, tokens: bench.issuer.tokens, requests: options.pairedRequests, seed: options.seed, failures,
      });
      checkpointCosts = measured.costs;
      if (!options.keep) await measured.drop();
      for (const cost of checkpointCosts) log(`${cost.workload} checkpointing: on ${cost.onMsPerRequest.toFixed(3)} ms, off ${cost.offMsPerRequest.toFixed(3)} ms of CPU per request (${cost.ratio.toFixed(3)} ×)`);
    }
    const soakResult = options.soakSeconds > 0 && bench.targets.samgraf ? await soak(bench, options, failures) : null;
    for (const target of Object.values(bench.targets)) await target.stop();
    log('inclusion proofs at the log\'s full size');
    const proofs = await proofCosts(bench.databases.urls.store, bench.tree.keyFile, options.smoke ? 50 : 1000, options.seed);
    log(`inclusion proofs: ${proofs.statementsPerProof} statements each at ${proofs.treeSize} leaves, p50 ${proofs.p50Ms.toFixed(2)} ms, p99 ${proofs.p99Ms.toFixed(2)} ms`);
    let verification = null;
    if (options.verify) {
      log('verifying every chain in the store');
      const store = openDatabase(bench.databases.urls.store);
      try {
        const report = await verifyAccessLog(store);
        verification = { chains: report.chains, events: report.events, broken: report.broken };
        if (report.broken.length > 0) failures.push(`audit verify: ${report.broken.map((b) => `${b.writer}:${b.seq} ${b.problem}`).join('; ')}`);
      } finally {
        await store.destroy();
      }
    }
    await bench.close({ keep: options.keep });
    closed = true;
    active.bench = null;
    const scalingResult = await sizeScaling(options, failures);
    log('life events: commit in a source → webhook received');
    const lifeEvents = await lifeEventLatency({
      mysqlUrl: options.mysqlUrl, postgresUrl: options.postgresUrl, natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
      citizens: options.smoke ? 1000 : options.citizens, seconds: options.smoke ? 3 : 30, rates: [10, 100], log,
    }).catch((error: unknown) => {
      failures.push(`life events: ${(error as Error).message}`);
      return null;
    });

    const targets = [...checkTargets(runs, paired, scaling, soakResult, scalingResult, options.events, Math.max(...options.connections)), ...transparencyChecks(checkpointCosts, proofs), ...lifeEventChecks(lifeEvents)];
    const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
    const results = {
      date: started.toISOString(),
      command,
      machine,
      sizes: { citizens: options.citizens, rows: bench.seeded.rows, seedSeconds: bench.seeded.seconds, accessLogEvents: bench.accessLog.events, accessLogSubjectRows: bench.accessLog.subjectRows, accessLogFillSeconds: bench.accessLog.seconds },
      settings: { nodeFlags: options.nodeOptions, durationSeconds: options.duration, warmupSeconds: options.warmup, warmupRequests: options.warmupRequests, connections: options.connections, workloads: options.workloads, targets: options.targets },
      comparisons,
      batchScaling: scaling,
      batchScalingCountedByMariadb: mariadbCounted,
      runs,
      ratios: ratios(runs),
      paired,
      transparency: { treeBuildSeconds: bench.tree.seconds, leaves: bench.tree.leaves, checkpointCosts, proofs },
      lifeEvents,
      soak: soakResult,
      sizeScaling: scalingResult,
      verification,
      targets,
      failures,
      ok: failures.length === 0,
    };
    const file = resultsFile(options);
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\n## samgraf benchmark, ${started.toISOString().slice(0, 10)}\n\n\`${command}\`\n\n${markdownMachine(machine)}; `
      + `${options.citizens.toLocaleString('en-US')} citizens, ${bench.accessLog.events.toLocaleString('en-US')} access-log events before the runs; `
      + `${options.duration} s per run after ${options.warmupRequests > 0 ? `${options.warmupRequests} requests` : `${options.warmup} s`} of warm-up.\n\n${markdownTable(runs)}\n\n${paired.length > 0 ? `${markdownPaired(paired)}\n\n` : ''}${scalingResult ? `${markdownScaling(scalingResult)}\n\n` : ''}${markdownTargets(targets)}\n\n`);
    if (runs.some((r) => r.statements.noisy)) process.stdout.write('\\* MariaDB counted more SELECTs than the target sent: another client used the server during that run.\n\n');
    if (runs.some((r) => r.cpu.disturbed)) process.stdout.write(`† other processes used more than ${DISTURBED_CORES} cores during that run: its figures are not comparable.\n\n`);
    process.stdout.write(`results: ${file}\n`);
    if (failures.length > 0) process.stderr.write(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    if (!closed) await bench.close({ keep: options.keep }).catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
  }
}

main(process.argv.slice(2)).then(async (code) => {
  await active.interrupted;
  process.exit(code);
}, async (error: unknown) => {
  if (active.interrupted) return active.interrupted;
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
