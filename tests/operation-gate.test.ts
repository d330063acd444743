/**
 * The operation gate: at most `limits.maxConcurrentOperations` GraphQL operations execute at once, up to
 * `limits.maxQueuedOperations` wait in order, more are refused with OVERLOADED (503, Retry-After), and a request
 * whose execution timeout passes while it waits never executes. First the gate on its own, then over HTTP with
 * the population register stalled behind a proxy so that operations hold their slots.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { openDatabase } from '../src/core/db.js';
import { OperationGate, OverloadedError } from '../src/operation-gate.js';
import { mysqlTarget } from './helpers/net.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { superuserHeaders } from './helpers/tokens.js';

/** A piece of work that runs until the test releases it, recording that it started. */
function held(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => { release = resolve; });
  return { work: async () => { log.push(name); await done; return name; }, release };
}

describe('OperationGate', () => {
  it('runs at most maxRunning at once and admits the waiters first come, first served', async () => {
    const gate = new OperationGate(2, 10);
    const started: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((name) => held(started, name));
    const results = jobs.map((job) => gate.run(job.work));
    await delay(5);
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual(gate.state, { running: 2, queued: 2 });
    jobs[1]!.release();
    await delay(5);
    assert.deepEqual(started, ['a', 'b', 'c']);
    jobs[0]!.release();
    await delay(5);
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    jobs[2]!.release();
    jobs[3]!.release();
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
    assert.deepEqual(gate.state, { running: 0, queued: 0 });
  });

  it('refuses at once with OverloadedError when every slot and the queue are taken, without running the work', async () => {
    const gate = new OperationGate(1, 1);
    const started: string[] = [];
    const first = held(started, 'first');
    const second = held(started, 'second');
    const running = gate.run(first.work);
    const waiting = gate.run(second.work);
    await assert.rejects(gate.run(async () => { started.push('third'); }), OverloadedError);
    assert.deepEqual(started, ['first']);
    first.release();
    second.release();
    await Promise.all([running, waiting]);
  });

  it('with no queue, anything beyond the slots is refused', async () => {
    const gate = new OperationGate(1, 0);
    const job = held([], 'only');
    const running = gate.run(job.work);
    await assert.rejects(gate.run(async () => 'x'), OverloadedError);
    job.release();
    await running;
    assert.equal(await gate.run(async () => 'after'), 'after');
  });

  it('a waiter whose signal aborts leaves the queue with the reason and never runs; the next waiter moves up', async () => {
    const gate = new OperationGate(1, 5);
    const started: string[] = [];
    const first = held(started, 'first');
    const running = gate.run(first.work);
    const controller = new AbortController();
    const abandoned = gate.run(async () => { started.push('abandoned'); }, controller.signal);
    const last = held(started, 'last');
    const waiting = gate.run(last.work);
    const reason = new Error('timed out');
    controller.abort(reason);
    await assert.rejects(abandoned, (error) => error === reason);
    assert.deepEqual(gate.state, { running: 1, queued: 1 });
    first.release();
    await delay(5);
    assert.deepEqual(started, ['first', 'last']);
    last.release();
    await Promise.all([running, waiting]);
    assert.deepEqual(gate.state, { running: 0, queued: 0 });
  });

  it('an already aborted signal is refused before anything runs', async () => {
    const gate = new OperationGate(1, 1);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await assert.rejects(gate.run(async () => assert.fail('ran'), controller.signal), /gone/);
    assert.deepEqual(gate.state, { running: 0, queued: 0 });
  });

  it('work that fails gives its slot back', async () => {
    const gate = new OperationGate(1, 1);
    await assert.rejects(gate.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await gate.run(async () => 'next'), 'next');
    assert.deepEqual(gate.state, { running: 0, queued: 0 });
  });

  it('rejects nonsense sizes', () => {
    assert.throws(() => new OperationGate(0, 1), RangeError);
    assert.throws(() => new OperationGate(1.5, 1), RangeError);
    assert.throws(() => new OperationGate(1, -1), RangeError);
  });
});

describe('the operation gate over HTTP (MariaDB, population register stalled)', () => {
  let seeded: SeededSources;
  let proxy: TcpProxy;
  let server: TestServer;
  let store: Knex;
  let headers: Record<string, string>;
  let pnr: string;
  const QUERY = 'query($p: String!) { citizen(personalNumber: $p) { givenNames } }';

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 50, seed: 'operation-gate' });
    proxy = await startTcpProxy({ target: mysqlTarget() });
    server = await startTestServer({ ...seeded.urls, populationRegister: proxy.rewrite(seeded.urls.populationRegister) }, {
      limits: { maxConcurrentOperations: 1, maxQueuedOperations: 1, executionTimeoutMs: 1500 },
    });
    store = openDatabase(seeded.urls.store);
    headers = { ...(await superuserHeaders()), 'content-type': 'application/json' };
    const register = openDatabase(seeded.urls.populationRegister);
    pnr = ((await register('FB_PERSON').select('PERSONID').first()) as { PERSONID: string }).PERSONID.trim();
    await register.destroy();
  });

  after(async () => {
    proxy?.restore();
    await server?.close();
    await proxy?.close();
    await store?.destroy();
    await seeded?.drop();
  });

  const ask = (requestId: string) => fetch(server.url, {
    method: 'POST',
    headers: { ...headers, 'x-request-id': requestId },
    body: JSON.stringify({ query: QUERY, variables: { p: pnr } }),
  });

  async function gauge(name: string): Promise<number> {
    const text = await (await fetch(new URL('/metrics', server.url))).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1]);
  }

  async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await condition()) return;
      await delay(10);
    }
    assert.fail(`timed out waiting until ${what}`);
  }

  it('one runs, one waits, the next is refused with OVERLOADED; the waiter times out without executing', async () => {
    assert.equal((await ask('gate-warm')).status, 200, 'served while the source answers');
    proxy.stall();
    const running = ask('gate-running');
    await until(async () => (await gauge('samgraf_graphql_operations_running')) === 1, 'one operation runs');
    const waiting = ask('gate-waiting');
    await until(async () => (await gauge('samgraf_graphql_operations_queued')) === 1, 'one operation waits');

    const refused = await ask('gate-refused');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    const body = await refused.json() as { errors: { extensions: { code: string } }[]; data?: unknown };
    assert.equal(body.errors[0]!.extensions.code, 'OVERLOADED');
    assert.equal(body.data, undefined, 'no data');

    const [timedOutRunning, timedOutWaiting] = await Promise.all([running, waiting]);
    assert.equal(timedOutWaiting.status, 504);
    assert.equal((await timedOutWaiting.json() as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'EXECUTION_TIMEOUT');
    assert.equal(timedOutRunning.status, 504);
    assert.equal(await gauge('samgraf_graphql_operations_queued'), 0, 'the waiter left the queue');

    proxy.restore();
    await until(async () => (await gauge('samgraf_graphql_operations_running')) === 0, 'the stalled operation finishes');
    assert.equal((await ask('gate-after')).status, 200, 'the slot is free again');
    await server.auditLog.flush();
    const logged = (await store('audit_events').select('request_id').whereIn('request_id', ['gate-running', 'gate-waiting', 'gate-refused', 'gate-after']))
      .map((row: { request_id: string }) => row.request_id).sort();
    // The stalled operation did execute (logged though not delivered); the waiter and the refused one never did.
    assert.deepEqual(logged, ['gate-after', 'gate-running']);
  });
});
