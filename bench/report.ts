/** The results: the machine, the runs, the ratios, the issue's targets, and the markdown table. */
import { cpus, release, totalmem } from 'node:os';
import type { Knex } from 'knex';
import type { LoadResult } from './load.js';
import type { Paired } from './paired.js';
import type { StatementCount } from './statements.js';
import type { TargetName } from './targets.js';
import type { WorkloadId } from './workloads.js';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  os: string;
  node: string;
  mariadb: string;
  innodbBufferPoolMb: number;
  innodbFlushLogAtTrxCommit: string;
}

export async function describeMachine(admin: Knex): Promise<Machine> {
  const [[version]] = await admin.raw('SELECT VERSION() AS v') as [[{ v: string }]];
  const [variables] = await admin.raw("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('innodb_buffer_pool_size', 'innodb_flush_log_at_trx_commit')") as [{ Variable_name: string; Value: string }[]];
  const variable = (name: string) => variables.find((v) => v.Variable_name === name)?.Value ?? '?';
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `Linux ${release()}`,
    node: process.version,
    mariadb: version.v,
    innodbBufferPoolMb: Number(variable('innodb_buffer_pool_size')) / 2 ** 20,
    innodbFlushLogAtTrxCommit: variable('innodb_flush_log_at_trx_commit'),
  };
}

export interface Run extends Omit<LoadResult, 'seconds'> {
  workload: WorkloadId;
  connections: number;
  target: TargetName;
  /** Runs disturbed by other processes are repeated (--retries): which attempt this is. */
  attempt: number;
  warmup: { requests: number; invalid: number; errors: number };
  statements: StatementCount;
  memory: { peakMb: number; rssAfterMb: number; peakIsThisRun: boolean };
  /**
   * CPU during the run: cores used by the benchmark's own processes (harness, targets, MariaDB), by the target
   * alone, and by other processes (`disturbed` when they used enough to skew the figures); the target's CPU
   * time per request.
   */
  cpu: { ownCores: number; otherCores: number; targetCores: number; targetMsPerRequest: number; disturbed: boolean };
}

export interface Ratio {
  workload: WorkloadId;
  connections: number;
  /** samgraf / floor: requests per second, p50 and p99 latency. */
  overFloor: { requestsPerSecond: number; p50: number; p99: number } | null;
  overNaive: { requestsPerSecond: number; p99: number } | null;
}

export function ratios(runs: readonly Run[]): Ratio[] {
  const find = (w: WorkloadId, c: number, t: TargetName) => runs.find((r) => r.workload === w && r.connections === c && r.target === t);
  const keys = [...new Map(runs.map((r) => [`${r.workload}/${r.connections}`, r])).values()];
  return keys.map(({ workload, connections }) => {
    const samgraf = find(workload, connections, 'samgraf');
    const floor = find(workload, connections, 'floor');
    const naive = find(workload, connections, 'naive');
    return {
      workload,
      connections,
      overFloor: samgraf && floor ? {
        requestsPerSecond: samgraf.requestsPerSecond / floor.requestsPerSecond,
        p50: samgraf.latencyMs.p50 / floor.latencyMs.p50,
        p99: samgraf.latencyMs.p99 / floor.latencyMs.p99,
      } : null,
      overNaive: samgraf && naive ? { requestsPerSecond: samgraf.requestsPerSecond / naive.requestsPerSecond, p99: samgraf.latencyMs.p99 / naive.latencyMs.p99 } : null,
    };
  });
}

export interface Soak {
  seconds: number;
  connections: number;
  requests: number;
  invalid: number;
  /** VmRSS every second, MB. */
  rssMb: number[];
  /** Median RSS over the second fifth of the run (for 5 minutes: minute 2) and over the last fifth. */
  earlyMedianMb: number;
  lateMedianMb: number;
  peakMb: number;
}

/** W1 (samgraf, concurrency 1) on databases of several sizes, smallest first. */
export interface SizeScaling {
  points: { citizens: number; requestsPerSecond: number; latencyMs: Run['latencyMs']; cpuMsPerRequest: number; disturbed: boolean }[];
  /** p50 at the largest size over p50 at the smallest. */
  p50Ratio: number;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export interface BatchScaling {
  /** SQL statements (SELECT) per request by batch size, per target. */
  [target: string]: Record<string, number>;
}

/** The issue's targets, measured (never asserted by tests). */
export function checkTargets(runs: readonly Run[], paired: readonly Paired[], scaling: BatchScaling, soak: Soak | null, sizes: SizeScaling | null, events: number, maxConnections: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ratioList = ratios(runs);
  const at = (w: WorkloadId, c: number) => ratioList.find((r) => r.workload === w && r.connections === c);
  for (const w of ['W1', 'W2'] as const) {
    const r = at(w, maxConnections)?.overFloor;
    checks.push(r
      ? { target: `${w} c${maxConnections}: samgraf ≥ 0.5 × floor req/s`, measured: `${r.requestsPerSecond.toFixed(2)} ×`, met: r.requestsPerSecond >= 0.5 }
      : { target: `${w} c${maxConnections}: samgraf ≥ 0.5 × floor req/s`, measured: 'not run', met: null });
    checks.push(r
      ? { target: `${w} c${maxConnections}: samgraf p99 ≤ 2 × floor p99`, measured: `${r.p99.toFixed(2)} ×`, met: r.p99 <= 2 }
      : { target: `${w} c${maxConnections}: samgraf p99 ≤ 2 × floor p99`, measured: 'not run', met: null });
  }
  for (const w of ['W1', 'W2', 'W3'] as const) {
    const pair = paired.find((p) => p.workload === w);
    const target = `${w} c1, paired: samgraf CPU per request ≤ 1.5 × floor's`;
    checks.push(pair && Number.isFinite(pair.ratio)
      ? { target, measured: `${pair.ratio.toFixed(2)} × (${pair.samgrafMsPerRequest.toFixed(2)} / ${pair.floorMsPerRequest.toFixed(2)} ms)`, met: pair.ratio <= 1.5 }
      : { target, measured: 'not run', met: null });
  }
  for (const w of ['W1', 'W2'] as const) {
    const single = runs.find((r) => r.workload === w && r.connections === maxConnections && r.target === 'samgraf');
    const federated = runs.find((r) => r.workload === w && r.connections === maxConnections && r.target === 'federated');
    const target = `${w} c${maxConnections}: federated ≥ 0.5 × single-server req/s`;
    checks.push(single && federated
      ? {
        target,
        measured: `${(federated.requestsPerSecond / single.requestsPerSecond).toFixed(2)} × (${federated.requestsPerSecond.toFixed(0)} / ${single.requestsPerSecond.toFixed(0)} req/s; CPU ${federated.cpu.targetMsPerRequest.toFixed(2)} / ${single.cpu.targetMsPerRequest.toFixed(2)} ms per request, all processes)`,
        met: w === 'W1' ? federated.requestsPerSecond >= 0.5 * single.requestsPerSecond : null,
        ...(w === 'W2' ? { note: 'measured; the issue sets its target on W1' } : {}),
      }
      : { target, measured: 'not run', met: null });
  }
  const w2 = ratioList.filter((r) => r.workload === 'W2' && r.overNaive).map((r) => `c${r.connections}: ${r.overNaive!.requestsPerSecond.toFixed(1)} ×`);
  const w2Met = ratioList.filter((r) => r.workload === 'W2' && r.overNaive).every((r) => r.overNaive!.requestsPerSecond >= 10);
  checks.push({ target: 'W2: samgraf ≥ 10 × naive req/s', measured: w2.join(', ') || 'not run', met: w2.length > 0 ? w2Met : null });
  const samgrafScaling = scaling.samgraf;
  if (samgrafScaling) {
    const values = Object.values(samgrafScaling);
    const constant = values.every((v) => Math.abs(v - values[0]!) < 1e-9);
    checks.push({ target: 'W2: statements per request constant in the batch size', measured: Object.entries(samgrafScaling).map(([b, v]) => `${b}: ${v}`).join(', '), met: constant });
  }
  const w4 = runs.find((r) => r.workload === 'W4' && r.connections === 1 && r.target === 'samgraf');
  checks.push(w4
    ? { target: 'W4 c1: samgraf p99 < 50 ms', measured: `${w4.latencyMs.p99.toFixed(1)} ms over ${events.toLocaleString('en-US')} pre-filled events`, met: w4.latencyMs.p99 < 50, ...(events < 1_000_000 ? { note: 'the target is for ≥ 1,000,000 events' } : {}) }
    : { target: 'W4 c1: samgraf p99 < 50 ms', measured: 'not run', met: null });
  const samgrafPeak = Math.max(...runs.filter((r) => r.target === 'samgraf').map((r) => r.memory.peakMb), soak?.peakMb ?? 0);
  checks.push({ target: 'samgraf RSS < 300 MB throughout', measured: `peak ${samgrafPeak.toFixed(0)} MB`, met: Number.isFinite(samgrafPeak) && samgrafPeak > 0 ? samgrafPeak < 300 : null });
  checks.push(soak
    ? { target: 'samgraf RSS does not grow across the soak run', measured: `median RSS ${soak.earlyMedianMb.toFixed(0)} MB in the second fifth, ${soak.lateMedianMb.toFixed(0)} MB in the last fifth of ${soak.seconds} s (peak ${soak.peakMb.toFixed(0)} MB)`, met: soak.lateMedianMb <= soak.earlyMedianMb * 1.05 }
    : { target: 'samgraf RSS does not grow across a 5-minute run', measured: 'not run (use --soak)', met: null });
  const [smallest, largest] = sizes ? [sizes.points[0]!, sizes.points.at(-1)!] : [];
  checks.push(smallest && largest
    ? {
      target: 'W1 p50 at 1,000,000 citizens within 1.3 × of p50 at 10,000',
      measured: `${sizes!.p50Ratio.toFixed(2)} × (${fmt(largest.latencyMs.p50, 2)} ms at ${largest.citizens.toLocaleString('en-US')}, ${fmt(smallest.latencyMs.p50, 2)} ms at ${smallest.citizens.toLocaleString('en-US')})`,
      met: sizes!.p50Ratio <= 1.3,
      ...(smallest.citizens !== 10_000 || largest.citizens !== 1_000_000 ? { note: 'at other sizes than the target names' } : {}),
    }
    : { target: 'W1 p50 at 1,000,000 citizens within 1.3 × of p50 at 10,000', measured: 'not run (--scaling)', met: null });
  return checks;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export function markdownTable(runs: readonly Run[]): string {
  const ratioList = ratios(runs);
  const lines = [
    '| workload | conc. | target | req/s | p50 ms | p99 ms | SQL/req (SELECT + INSERT) | server CPU ms/req | peak RSS MB | samgraf/floor req/s | samgraf/floor p99 | samgraf/naive req/s |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of runs) {
    const r = run.target === 'samgraf' ? ratioList.find((x) => x.workload === run.workload && x.connections === run.connections) : undefined;
    const s = run.statements;
    // MariaDB's counts, and the statements on PostgreSQL by the target's own count (W5's income register).
    const postgres = s.postgresSelectsPerRequest > 0 ? s.postgresSelectsPerRequest : 0;
    const sql = `${fmt(s.perRequest + postgres, 2)} (${fmt(s.selectsPerRequest, 2)} + ${postgres > 0 ? `${fmt(postgres, 2)} on PostgreSQL + ` : ''}${fmt(s.writesPerRequest, 2)})${s.noisy ? ' *' : ''}`;
    lines.push(`| ${run.workload} | ${run.connections} | ${run.target}${run.cpu.disturbed ? ' †' : ''} | ${fmt(run.requestsPerSecond, 0)} | ${fmt(run.latencyMs.p50, 2)} | ${fmt(run.latencyMs.p99, 2)} | ${sql} | ${fmt(run.cpu.targetMsPerRequest, 2)} | ${fmt(run.memory.peakMb, 0)} | `
      + `${r?.overFloor ? fmt(r.overFloor.requestsPerSecond, 2) : ''} | ${r?.overFloor ? fmt(r.overFloor.p99, 2) : ''} | ${r?.overNaive ? fmt(r.overNaive.requestsPerSecond, 1) : ''} |`);
  }
  return lines.join('\n');
}

export function markdownPaired(paired: readonly Paired[]): string {
  const lines = ['| paired, c1 | requests per target | samgraf CPU ms/req | floor CPU ms/req | samgraf ÷ floor |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const p of paired) lines.push(`| ${p.workload} | ${p.requests} | ${fmt(p.samgrafMsPerRequest, 2)} | ${fmt(p.floorMsPerRequest, 2)} | ${fmt(p.ratio, 2)} × |`);
  return lines.join('\n');
}

export function markdownScaling(sizes: SizeScaling): string {
  const lines = ['| W1, samgraf, c1 | req/s | p50 ms | p99 ms | server CPU ms/req |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const p of sizes.points) {
    lines.push(`| ${p.citizens.toLocaleString('en-US')} citizens${p.disturbed ? ' †' : ''} | ${fmt(p.requestsPerSecond, 0)} | ${fmt(p.latencyMs.p50, 2)} | ${fmt(p.latencyMs.p99, 2)} | ${fmt(p.cpuMsPerRequest, 2)} |`);
  }
  return lines.join('\n');
}

export function markdownTargets(checks: readonly TargetCheck[]): string {
  const lines = ['| target | measured | met |', '| --- | --- | --- |'];
  for (const c of checks) lines.push(`| ${c.target} | ${c.measured}${c.note ? ` (${c.note})` : ''} | ${c.met === null ? '–' : c.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

export function markdownMachine(m: Machine): string {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, ${m.os}, Node ${m.node}, MariaDB ${m.mariadb} `
    + `(innodb_buffer_pool_size ${m.innodbBufferPoolMb} MB, innodb_flush_log_at_trx_commit ${m.innodbFlushLogAtTrxCommit})`;
}
