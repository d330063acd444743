/** The harness's command line: sizes, run lengths, which workloads and targets, where results go. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/core/paths.js';
import { TARGET_NAMES, type TargetName } from './targets.js';
import { WORKLOAD_IDS, type WorkloadId } from './workloads.js';

export interface BenchOptions {
  citizens: number;
  events: number;
  /** Seconds per timed run. */
  duration: number;
  /** Seconds of warm-up load before each timed run (not measured). */
  warmup: number;
  /** With --smoke: a warm-up of this many requests instead (autocannon's runs last whole seconds). */
  warmupRequests: number;
  connections: number[];
  workloads: WorkloadId[];
  targets: TargetName[];
  seed: string;
  /** MariaDB server the benchmark creates its databases on (no database in the URL). */
  mysqlUrl: string;
  /** PostgreSQL server for the sources that run on PostgreSQL (no database in the URL). */
  postgresUrl: string;
  /** Where `<date>.json` is written. */
  outDir: string;
  /** Keep the databases afterwards (and print their names). */
  keep: boolean;
  smoke: boolean;
  /** Seconds of the RSS soak run against samgraf (0: none). */
  soakSeconds: number;
  /** Run `samgraf audit verify`'s check over the whole store at the end. */
  verify: boolean;
  /** Targets to run under `node --cpu-prof` (profiles land in the run's work directory). */
  profile: TargetName[];
  /** The batch sizes for W2's statements-per-request check. */
  batchSizes: number[];
  /** Before each run, wait up to this many seconds for other processes to leave the CPUs alone. */
  quietWait: number;
  /** Repeat a run disturbed by other processes up to this many times. */
  retries: number;
  /** Extra node flags for the three server processes (e.g. --max-old-space-size=200). */
  nodeOptions: string[];
  /** Requests per target in each workload's paired measurement (samgraf and floor alternately, concurrency 1); 0 for none. */
  pairedRequests: number;
  /** Database sizes (citizens) at which W1's latency is compared, samgraf alone at concurrency 1; [] for none. */
  scalingSizes: number[];
  /** Set MariaDB's innodb_buffer_pool_size to this many MB for the run, and put it back afterwards. */
  bufferPoolMb: number | null;
}

export const USAGE = `usage: npm run bench -- [options]

  --citizens N        citizens to seed (default 100000)
  --events N          access-log events to put in the store before the runs (default 1000000)
  --duration S        seconds per timed run (default 15)
  --warmup S          seconds of warm-up before each timed run (default 3)
  --connections LIST  concurrency levels (default 1,32)
  --workloads LIST    any of W1,W2,W3,W4,W5 (default all)
  --targets LIST      any of samgraf,floor,naive,federated (default all)
  --seed S            data seed (default bench)
  --mysql URL         MariaDB server (default $BENCH_MYSQL_URL, $TEST_MYSQL_URL or mysql://root@127.0.0.1:3306)
  --postgres URL      PostgreSQL server, for the sources on PostgreSQL (default $BENCH_POSTGRES_URL,
                      $TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432)
  --out DIR           results directory (default bench/results; a temporary directory with --smoke)
  --paired N          per workload, N requests sent alternately to samgraf and the floor, one at a time, for their
                      CPU per request side by side (default 1000; 20 with --smoke; 0 to skip)
  --soak [S]          also run a mixed load against samgraf for S seconds (default 300) and track its RSS
  --verify            check every chain of the store at the end, as \`samgraf audit verify\` does (on with --smoke)
  --quiet-wait S      before each run, wait up to S seconds for other processes to go quiet (default 300; 0 with --smoke)
  --retries N         repeat a run that other processes disturbed up to N times (default 2; 0 with --smoke)
  --profile LIST      run these targets under node --cpu-prof
  --node-flags FLAGS  extra node flags for the three servers, space-separated (e.g. "--max-old-space-size=200")
  --scaling LIST      also time W1 (samgraf, concurrency 1) on fresh databases of these sizes and compare their p50
                      (default 10000,1000000; 300,3000 with --smoke; none to skip)
  --innodb-buffer-pool MB
                      resize MariaDB's InnoDB buffer pool for the run and restore it afterwards (needs SUPER)
  --keep              keep the benchmark databases
  --smoke             tiny sizes and short runs (300 citizens, 2000 events, 1 s, concurrency 1 and 4)
`;

export class BenchUsageError extends Error {}

function list<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new BenchUsageError(`${flag}: ${item} is not one of ${allowed.join(', ')}`);
  if (items.length === 0) throw new BenchUsageError(`${flag} needs at least one value`);
  return items as T[];
}

function positive(value: string | undefined, flag: string, fallback: number, { integer = true, zero = false } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const ok = Number.isFinite(n) && (zero ? n >= 0 : n > 0) && (!integer || Number.isInteger(n));
  if (!ok) throw new BenchUsageError(`${flag} must be a ${integer ? 'whole ' : ''}number${zero ? '' : ' above 0'}`);
  return n;
}

export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  // `--soak` takes an optional number of seconds: turn a bare `--soak` into `--soak=300`.
  const args = argv.map((arg, i) => (arg === '--soak' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) ? '--soak=300' : arg));
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        citizens: { type: 'string' },
        events: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        workloads: { type: 'string' },
        targets: { type: 'string' },
        seed: { type: 'string' },
        mysql: { type: 'string' },
        postgres: { type: 'string' },
        out: { type: 'string' },
        soak: { type: 'string' },
        paired: { type: 'string' },
        verify: { type: 'boolean', default: false },
        profile: { type: 'string' },
        'node-flags': { type: 'string' },
        'quiet-wait': { type: 'string' },
        retries: { type: 'string' },
        scaling: { type: 'string' },
        'innodb-buffer-pool': { type: 'string' },
        keep: { type: 'boolean', default: false },
        smoke: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  if (values.help) throw new BenchUsageError('');
  const smoke = values.smoke;
  const connections = values.connections === undefined ? (smoke ? [1, 4] : [1, 32])
    : values.connections.split(',').map((c) => positive(c.trim(), '--connections', 1));
  return {
    citizens: positive(values.citizens, '--citizens', smoke ? 300 : 100_000),
    events: positive(values.events, '--events', smoke ? 2_000 : 1_000_000, { zero: true }),
    duration: positive(values.duration, '--duration', smoke ? 1 : 15, { integer: false }),
    warmup: positive(values.warmup, '--warmup', smoke ? 0 : 3, { integer: false, zero: true }),
    warmupRequests: smoke && values.warmup === undefined ? 20 : 0,
    connections,
    workloads: list(values.workloads, WORKLOAD_IDS, '--workloads') ?? [...WORKLOAD_IDS],
    targets: list(values.targets, TARGET_NAMES, '--targets') ?? [...TARGET_NAMES],
    seed: values.seed ?? 'bench',
    mysqlUrl: values.mysql ?? env.BENCH_MYSQL_URL ?? env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    postgresUrl: values.postgres ?? env.BENCH_POSTGRES_URL ?? env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
    outDir: values.out ?? (smoke ? join(tmpdir(), 'samgraf-bench-smoke') : join(packageRoot, 'bench', 'results')),
    keep: values.keep,
    smoke,
    soakSeconds: positive(values.soak, '--soak', 0, { zero: true }),
    pairedRequests: positive(values.paired, '--paired', smoke ? 20 : 1000, { zero: true }),
    verify: values.verify || smoke,
    profile: list(values.profile, TARGET_NAMES, '--profile') ?? [],
    batchSizes: smoke ? [1, 10, 50] : [1, 10, 50, 100],
    quietWait: positive(values['quiet-wait'], '--quiet-wait', smoke ? 0 : 300, { zero: true }),
    retries: positive(values.retries, '--retries', smoke ? 0 : 2, { zero: true }),
    nodeOptions: values['node-flags']?.split(' ').filter(Boolean) ?? [],
    scalingSizes: scalingSizes(values.scaling, smoke),
    bufferPoolMb: values['innodb-buffer-pool'] === undefined ? null : positive(values['innodb-buffer-pool'], '--innodb-buffer-pool', 128),
  };
}

function scalingSizes(value: string | undefined, smoke: boolean): number[] {
  if (value === undefined) return smoke ? [300, 3_000] : [10_000, 1_000_000];
  if (value === 'none') return [];
  const sizes = value.split(',').map((size) => positive(size.trim(), '--scaling', 1));
  if (sizes.length < 2) throw new BenchUsageError('--scaling needs two or more sizes (or none)');
  return sizes;
}
