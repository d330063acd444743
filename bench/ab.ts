/**
 * Two samgraf builds (or one build with two configs) against each other and the floor, paired: each request goes
 * to A, B and the floor in turn, one at a time (A and B swap places every request), and each process's CPU time
 * is read from /proc around the measured requests. As `--paired` in run.ts, but samgraf against samgraf: on a VM
 * whose speed drifts by tens of percent between runs, a change's effect of a few percent shows only when both
 * builds see the same moments.
 *
 *   npm run build && node dist/bench/ab.js --a ../other-checkout [--b .] [--b-config '{"followUp":{"intervalSeconds":3600}}']
 *       [--workloads W1,W2] [--requests 1000] [--citizens 20000] [--events 20000]
 *
 * `--a`/`--b`: a checkout with `dist/` built (default: this one). `--a-config`/`--b-config`: JSON merged, key by
 * key, into that side's config (e.g. a worker slowed to once an hour, to see what it costs). `--profile-b DIR`: B runs
 * under `node --cpu-prof`, its profile written to DIR when it stops (read it with `node dist/bench/profile-summary.js`).
 * `--b-node-flags='…'`: node flags for B only (e.g. `--trace-gc`, or a V8 heap setting to compare).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCpuWindow } from './machine-load.js';
import { prepareBench } from './setup.js';
import { graphqlRequest, startServerProcess, type ServerProcess, type Target } from './targets.js';
import { checkResponse, inputStream, WORKLOAD_IDS, type Input, type WorkloadId } from './workloads.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    'a-config': { type: 'string' },
    'b-config': { type: 'string' },
    workloads: { type: 'string', default: 'W1,W2' },
    requests: { type: 'string', default: '1000' },
    citizens: { type: 'string', default: '20000' },
    events: { type: 'string', default: '20000' },
    'profile-b': { type: 'string' },
    'b-node-flags': { type: 'string' },
  },
});
const here = resolve(import.meta.dirname, '..', '..');
const workloads = values.workloads.split(',').map((w) => w.trim()) as WorkloadId[];
for (const w of workloads) if (!WORKLOAD_IDS.includes(w)) throw new Error(`--workloads: ${w} is not one of ${WORKLOAD_IDS.join(', ')}`);
const requests = Number(values.requests);

const bench = await prepareBench({
  citizens: Number(values.citizens),
  events: Number(values.events),
  seed: 'bench',
  mysqlUrl: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
  targets: ['floor'],
  workloads,
  log: (message) => console.log(message),
});

/** A side's config: the benchmark's, with the side's JSON merged into it key by key. */
function configOf(side: 'a' | 'b', override: string | undefined): string {
  if (override === undefined) return bench.configFile;
  const config = JSON.parse(readFileSync(bench.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [key, value] of Object.entries(JSON.parse(override) as Record<string, Record<string, unknown>>)) config[key] = { ...config[key], ...value };
  const file = join(bench.workDir, `samgraf-${side}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function start(side: 'a' | 'b', root: string, override: string | undefined): Promise<ServerProcess> {
  const configFile = configOf(side, override);
  // B under V8's profiler, A not: B's CPU per request then includes the profiler's cost.
  const nodeFlags = side === 'a' ? [] : [
    ...(values['b-node-flags']?.split(' ').filter(Boolean) ?? []),
    ...(values['profile-b'] !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['profile-b'])}`] : []),
  ];
  return startServerProcess(side, [join(resolve(root), 'dist', 'src', 'cli.js'), 'serve', '--config', configFile], { configFile, workDir: bench.workDir, profile: false, nodeFlags, readyPath: '/readyz' });
}

const floor = bench.targets.floor!;
const sides: ServerProcess[] = [];
try {
  sides.push(await start('a', values.a ?? here, values['a-config']), await start('b', values.b ?? here, values['b-config']));
  console.log('workload | A ms/req | B ms/req | floor ms/req | B ÷ A | A ÷ floor | B ÷ floor');
  for (const workload of workloads) {
    const inputs = inputStream(workload, bench.data, `ab-${workload}`);
    const send = async (target: Pick<Target, 'origin' | 'request'>, input: Input, token: string) => {
      const http = target.request(input, token);
      const response = await fetch(`${target.origin}${http.path}`, { method: 'POST', headers: http.headers, body: http.body });
      const wrong = checkResponse(input, response.status, await response.text());
      if (wrong !== null) throw new Error(`${workload}: a wrong answer: ${wrong}`);
    };
    const [a, b] = sides.map((side) => ({ origin: side.origin, request: graphqlRequest }));
    const alternate = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const input = inputs.next();
        const token = bench.issuer.tokens[i % bench.issuer.tokens.length]!;
        for (const target of i % 2 === 0 ? [a!, b!, floor] : [b!, a!, floor]) await send(target, input, token);
      }
    };
    await alternate(Math.ceil(requests / 5));
    const windows = [...sides.map((side) => side.pid), floor.pid].map((pid) => startCpuWindow(pid, []));
    await alternate(requests);
    const [msA, msB, msFloor] = windows.map((window) => (window().targetSeconds * 1000) / requests) as [number, number, number];
    console.log(`${workload} | ${msA.toFixed(2)} | ${msB.toFixed(2)} | ${msFloor.toFixed(2)} | ${(msB / msA).toFixed(3)} | ${(msA / msFloor).toFixed(2)} | ${(msB / msFloor).toFixed(2)}`);
  }
} finally {
  for (const side of sides) await side.stop();
  await bench.close();
}
