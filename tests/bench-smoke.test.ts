/**
 * The benchmark harness must never rot: it runs at smoke size (seconds, not minutes) and every workload ×
 * concurrency × target must have run and returned correct data. And the two baselines must answer exactly as
 * samgraf does for the same inputs. Nothing here is timed: how fast is the benchmark's business, not the tests'.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchAnswers } from '../bench/load.js';
import { prepareBench, type Bench } from '../bench/setup.js';
import { TARGET_NAMES } from '../bench/targets.js';
import { checkResponse, comparisonInputs, normaliseResponse, WORKLOAD_IDS } from '../bench/workloads.js';
import { repoRoot } from './helpers/repo.js';
import { TEST_MYSQL_URL } from './helpers/mysql.js';
import { TEST_POSTGRES_URL } from './helpers/postgres.js';

describe('benchmark harness at smoke size', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'samgraf-bench-smoke-test-'));
  after(() => rmSync(outDir, { recursive: true, force: true }));

  // The timeout only stops a harness that hangs: about 45 s alone, the smoke run took 277 s on 2026-12-05 with
  // two test suites sharing the VM's two cores, and past 300 s in another.
  it('runs every workload at every concurrency against every target and checks every answer', { timeout: 900_000 }, async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, 'dist', 'bench', 'run.js'), '--smoke', '--out', outDir, '--mysql', TEST_MYSQL_URL], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
      child.on('exit', (exitCode) => resolve({ code: exitCode, stderr: err }));
    });
    assert.equal(code, 0, `the harness failed:\n${stderr.slice(-3000)}`);

    const files = readdirSync(outDir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1, 'one results file');
    const results = JSON.parse(readFileSync(join(outDir, files[0]!), 'utf8'));
    assert.equal(results.ok, true);
    assert.deepEqual(results.failures, []);
    assert.deepEqual(results.settings.connections, [1, 4]);
    // Life events: every change of both rates reached the webhook, and the latency was measured.
    assert.deepEqual(results.lifeEvents.rates.map((r: any) => [r.changesPerSecond, r.received === r.changes, r.p95Ms > 0]), [[10, true, true], [100, true, true]]);

    for (const workload of WORKLOAD_IDS) {
      for (const connections of [1, 4]) {
        // The federated target runs W1 and W2 only (bench/run.ts).
        for (const target of TARGET_NAMES.filter((name) => name !== 'federated' || workload === 'W1' || workload === 'W2')) {
          const run = results.runs.find((r: any) => r.workload === workload && r.connections === connections && r.target === target);
          assert.ok(run, `${workload} c${connections} ${target} ran`);
          assert.ok(run.requests > 0, `${workload} c${connections} ${target} got answers`);
          assert.equal(run.invalid, 0, `${workload} c${connections} ${target}: every answer right (${run.problems.join('; ')})`);
          assert.equal(run.errors, 0);
          assert.equal(run.warmup.invalid, 0);
          assert.ok(run.statements.requests > 0 && run.statements.perRequest > 0, 'statements were counted');
          assert.ok(run.memory.peakMb > 0, 'peak RSS was read');
        }
      }
      const comparison = results.comparisons.find((c: any) => c.workload === workload);
      assert.equal(comparison.targets.samgraf.valid, true);
      assert.equal(comparison.targets.floor.sameAsSamgraf, true, `${workload}: floor answers like samgraf`);
      assert.equal(comparison.targets.naive.sameAsSamgraf, true, `${workload}: naive answers like samgraf`);
      if (workload === 'W1' || workload === 'W2') assert.equal(comparison.targets.federated.sameAsSamgraf, true, `${workload}: the federation answers like samgraf`);
      assert.ok(comparison.coverage.nodes > 0, `${workload}: the comparison reached data`);
    }
    // Each workload's paired measurement: samgraf and the floor alternately, every answer checked, CPU read for both.
    assert.deepEqual(results.paired.map((p: any) => p.workload), [...WORKLOAD_IDS]);
    for (const pair of results.paired) {
      assert.equal(pair.requests, 20);
      assert.deepEqual(pair.invalid, { samgraf: 0, floor: 0 }, `${pair.workload}: every paired answer right`);
      assert.ok(pair.samgrafMsPerRequest >= 0 && pair.floorMsPerRequest >= 0, JSON.stringify(pair));
    }
    assert.ok(results.targets.some((t: any) => t.target.startsWith('W1 c1, paired')));
    // The federation against the single server, measured.
    assert.match(results.targets.find((t: any) => t.target === 'W1 c4: federated ≥ 0.5 × single-server req/s').measured, /^\d+\.\d\d × \(\d+ \/ \d+ req\/s; CPU/);
    // W5 compared the targets on the income register's quirks, not on empty lists.
    const incomes = results.comparisons.find((c: any) => c.workload === 'W5').coverage;
    assert.ok(incomes.incomes > 0 && incomes.correctedIncomes > 0 && incomes.soleTraderIncomes > 0, JSON.stringify(incomes));
    // Batching: samgraf's statements do not grow with the batch; the naive baseline's do.
    const samgraf = Object.values(results.batchScaling.samgraf as Record<string, number>);
    assert.ok(samgraf.every((n) => n === samgraf[0]), JSON.stringify(results.batchScaling));
    assert.ok(results.batchScaling.naive['50'] > results.batchScaling.naive['1']);
    // W1 on fresh databases of two sizes, samgraf alone, answers checked like every other run.
    assert.deepEqual(results.sizeScaling.points.map((p: any) => p.citizens), [300, 3_000]);
    assert.ok(results.sizeScaling.points.every((p: any) => p.requestsPerSecond > 0 && p.latencyMs.p50 > 0));
    assert.ok(results.targets.some((t: any) => t.target.startsWith('W1 p50 at 1,000,000') && t.measured.includes('3,000')));
    // Every chain in the store — pre-filled, samgraf's, the naive baseline's and the floor's — verifies.
    assert.equal(results.verification.broken.length, 0);
    assert.ok(results.verification.chains >= 12 + 3);
  });
});

describe('the floor and the naive baseline answer exactly as samgraf', () => {
  let bench: Bench;

  before(async () => {
    bench = await prepareBench({ citizens: 300, events: 2_000, seed: 'bench-compare', mysqlUrl: TEST_MYSQL_URL, postgresUrl: TEST_POSTGRES_URL, targets: ['samgraf', 'floor', 'naive'] });
  });

  after(async () => {
    await bench?.close();
  });

  for (const workload of WORKLOAD_IDS) {
    it(`${workload}: same data for the same inputs`, async () => {
      const inputs = comparisonInputs(workload, bench.data, 5, 'bench-compare');
      const token = bench.issuer.tokens[0]!;
      const [samgraf, floor, naive] = await Promise.all((['samgraf', 'floor', 'naive'] as const).map((name) => fetchAnswers(bench.targets[name]!, inputs, token)));
      for (const [i, input] of inputs.entries()) {
        assert.equal(checkResponse(input, samgraf![i]!.status, samgraf![i]!.body), null, `samgraf's answer to ${JSON.stringify(input.variables).slice(0, 80)} is right`);
        assert.equal(normaliseResponse(floor![i]!.body), normaliseResponse(samgraf![i]!.body), `floor = samgraf for input ${i}`);
        assert.equal(normaliseResponse(naive![i]!.body), normaliseResponse(samgraf![i]!.body), `naive = samgraf for input ${i}`);
      }
      // Not vacuous: the answers hold data.
      assert.ok(samgraf!.some((answer) => normaliseResponse(answer.body).length > 200));
    });
  }
});
