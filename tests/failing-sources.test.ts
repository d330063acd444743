/**
 * Failing sources (README "Running it in production": failing sources; health, metrics, logs, shutdown), on
 * MariaDB, with the employment service (AF) reached through a TCP proxy (helpers/tcp-proxy.ts) and a short
 * statement timeout, so that the test decides what AF's network does:
 *
 * 1. AF cut mid-run: identity and benefits keep flowing while `cases` is null with SOURCE_UNAVAILABLE naming
 *    employmentService at its path (HTTP 200); the access-log events say PARTIAL with employmentService in
 *    `sourceErrors`; the circuit opens (/metrics) and /readyz is 503 naming AF. AF restored: cases come back in
 *    the same process, and the circuit closes.
 * 2. AF stalled (connections accepted, never answered): requests still complete, cases SOURCE_UNAVAILABLE (the
 *    statement timeout destroys the connection); after the stall the pool serves again — more requests than
 *    poolMax, one after the other and at once, so the stalled connections must have been replaced.
 * 3. Execution timeout below AF's statement timeout, AF stalled: 504 EXECUTION_TIMEOUT without data, and the
 *    server keeps serving.
 * 4. `samgraf serve` and SIGTERM with a request in flight (AF stalled): the request completes, its access-log event
 *    is in the store, new connections are refused, and the process exits 0.
 *
 * No assertion is about time except one deliberately loose latency bound (test 1); loops are bounded by counts.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { openDatabase } from '../src/core/db.js';
import { freePort, mysqlTarget } from './helpers/net.js';
import { repoRoot } from './helpers/repo.js';
import { startTestServer, type SourceUrls, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { startTcpProxy, type TcpProxy, type TcpProxyOptions } from './helpers/tcp-proxy.js';
import { superuserHeaders, testIssuers } from './helpers/tokens.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli.js');
const TEST_TIMEOUT = 180_000;
const AF = 'employmentService';

const QUERY = `query Person($pn: String!) {
  citizen(personalNumber: $pn) { givenNames benefits { type amount { amount } } cases { id } }
}`;

interface Person {
  pn: string;
  givenNames: string;
  benefits: unknown[];
  cases: { id: string }[];
}

interface Reply {
  status: number;
  requestId: string | null;
  text: string;
  body: any;
}

/** POSTs the person query with our own X-Request-Id; rejects only when no HTTP answer arrives at all. */
async function ask(graphqlUrl: string, requestId: string, pn: string, headers: Record<string, string>): Promise<Reply> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ query: QUERY, variables: { pn } }),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, requestId: response.headers.get('x-request-id'), text, body };
}

const show = (reply: Reply) => `HTTP ${reply.status}: ${reply.text.slice(0, 400)}`;

/** Everything served, exactly as with every source up. */
function assertFullyServed(reply: Reply, person: Person, label: string): void {
  assert.equal(reply.status, 200, `${label}: ${show(reply)}`);
  assert.equal(reply.body?.errors, undefined, `${label}: no errors: ${show(reply)}`);
  assert.deepEqual(reply.body?.data?.citizen, { givenNames: person.givenNames, benefits: person.benefits, cases: person.cases }, `${label}: ${show(reply)}`);
}

function isFullyServed(reply: Reply, person: Person): boolean {
  try {
    assertFullyServed(reply, person, '');
    return true;
  } catch {
    return false;
  }
}

/** AF's field null with SOURCE_UNAVAILABLE naming it at its path; the other sources' fields served; HTTP 200. */
function assertCasesUnavailable(reply: Reply, person: Person, label: string): void {
  assert.equal(reply.status, 200, `${label}: a failing source costs only its fields: ${show(reply)}`);
  const citizen = reply.body?.data?.citizen;
  assert.equal(citizen?.givenNames, person.givenNames, `${label}: givenNames (population register) still served: ${show(reply)}`);
  assert.deepEqual(citizen?.benefits, person.benefits, `${label}: benefits (social insurance) still served: ${show(reply)}`);
  assert.equal(citizen?.cases, null, `${label}: cases null: ${show(reply)}`);
  const errors = (reply.body?.errors ?? []) as { path?: unknown[]; extensions?: Record<string, unknown> }[];
  assert.deepEqual(errors.map((e) => ({ path: e.path, code: e.extensions?.code, source: e.extensions?.source })),
    [{ path: ['citizen', 'cases'], code: 'SOURCE_UNAVAILABLE', source: AF }], `${label}: exactly one error, at cases, naming the source: ${show(reply)}`);
}

/** Either served, or (while a source is failing) AF's field SOURCE_UNAVAILABLE: never anything else. */
function assertServedOrCasesUnavailable(reply: Reply, person: Person, label: string): void {
  if (reply.body?.data?.citizen?.cases === null) assertCasesUnavailable(reply, person, label);
  else assertFullyServed(reply, person, label);
}

/** Labelled samples of one metric from GET /metrics (Prometheus text format). */
async function metricSamples(graphqlUrl: string, name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

async function metric(graphqlUrl: string, name: string, labels: Record<string, string>): Promise<number | null> {
  const sample = (await metricSamples(graphqlUrl, name)).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value ?? null;
}

/** 0 closed, 1 half-open, 2 open. */
const circuitState = (graphqlUrl: string) => metric(graphqlUrl, 'samgraf_source_circuit_state', { source: AF });

async function readiness(graphqlUrl: string): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await fetch(new URL('/readyz', graphqlUrl));
  const body = await response.json() as { checks?: Record<string, string> };
  return { status: response.status, checks: body.checks ?? {} };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface StoredEvent {
  outcome: string;
  sourceErrors: string[];
  fieldsRead: string[];
  subjectCategories: Record<string, string[]>;
}

async function eventsFor(store: Knex, requestIds: readonly string[]): Promise<Map<string, StoredEvent[]>> {
  const rows = await store('audit_events').whereIn('request_id', [...requestIds]).select('request_id', 'outcome', 'source_errors', 'fields_read', 'subject_categories') as
    { request_id: string; outcome: string; source_errors: string; fields_read: string; subject_categories: string }[];
  const found = new Map<string, StoredEvent[]>();
  for (const row of rows) {
    const event = { outcome: row.outcome, sourceErrors: JSON.parse(row.source_errors), fieldsRead: JSON.parse(row.fields_read), subjectCategories: JSON.parse(row.subject_categories) };
    found.set(row.request_id, [...(found.get(row.request_id) ?? []), event]);
  }
  return found;
}

/** Opens (and at once closes) a TCP connection: whether the port accepts new connections. */
function tryConnect(port: number): Promise<'accepted' | 'refused' | string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : (error.code ?? 'error')));
  });
}

/** Waits, polling a bounded number of times, until the proxy shows that a statement (or a connection) reached it. */
async function waitUntilReached(proxy: TcpProxy, before: ReturnType<TcpProxy['stats']>): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    const now = proxy.stats();
    if (now.held.toServer > before.held.toServer || now.accepted > before.accepted) return true;
    await delay(25);
  }
  return false;
}

/** The whole `sources` object (test-server overrides replace top-level keys), AF through `afUrl` with `af` options. */
function sourcesWith(urls: SourceUrls, afUrl: string, af: Record<string, unknown>) {
  return {
    populationRegister: { url: urls.populationRegister },
    socialInsurance: { url: urls.socialInsurance },
    employmentService: { url: afUrl, ...af },
  };
}

interface SpawnedSamgraf {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('failing sources (MariaDB, employment service behind a proxy)', () => {
  let seeded: SeededSources;
  let store: Knex;
  let dir: string;
  let headers: Record<string, string>;
  let people: Person[];
  const cleanups: (() => Promise<void>)[] = [];
  const children: SpawnedSamgraf[] = [];
  let nextId = 0;
  const rid = (label: string) => `failing-sources-${label}-${++nextId}`;

  /** A proxy to MariaDB for AF, closed in `after`. */
  async function afProxy(tap?: TcpProxyOptions['tap']): Promise<TcpProxy> {
    const proxy = await startTcpProxy({ target: mysqlTarget(), ...(tap ? { tap } : {}) });
    cleanups.push(async () => {
      proxy.restore();
      await proxy.close();
    });
    return proxy;
  }

  /** An in-process samgraf, closed in `after` (before the proxies, which are restored first). */
  async function server(afUrl: string, af: Record<string, unknown>, overrides: Record<string, unknown> = {}): Promise<TestServer> {
    const started = await startTestServer(seeded.urls, { sources: sourcesWith(seeded.urls, afUrl, af), ...overrides });
    cleanups.push(() => started.close());
    return started;
  }

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 120, seed: 'failing-sources' });
    store = openDatabase(seeded.urls.store);
    dir = mkdtempSync(join(tmpdir(), 'samgraf-failing-sources-'));
    headers = await superuserHeaders();

    // People with benefits (FK) and cases (AF), unprotected, as a healthy samgraf serves them.
    const register = openDatabase(seeded.urls.populationRegister);
    const af = openDatabase(seeded.urls.employmentService);
    let candidates: string[];
    try {
      const persons = await register('FB_PERSON').select('PERSONID', 'SEKRETESS', 'SKYDDAD_FB') as { PERSONID: string; SEKRETESS: string | null; SKYDDAD_FB: string | null }[];
      const open = new Set(persons.filter((p) => p.SEKRETESS?.trim() !== 'J' && p.SKYDDAD_FB?.trim() !== 'J').map((p) => p.PERSONID.trim()));
      const withCases = (await af('AF_ARENDE').distinct('PERSONNR').orderBy('PERSONNR') as { PERSONNR: string | number }[]).map((r) => String(r.PERSONNR));
      candidates = withCases.filter((pn) => open.has(pn)).slice(0, 40);
    } finally {
      await register.destroy();
      await af.destroy();
    }
    const healthy = await startTestServer(seeded.urls);
    try {
      people = [];
      for (const pn of candidates) {
        const reply = await ask(healthy.url, rid('baseline'), pn, headers);
        assert.equal(reply.status, 200, show(reply));
        assert.equal(reply.body.errors, undefined, show(reply));
        const c = reply.body.data.citizen;
        if (typeof c?.givenNames === 'string' && c.benefits?.length > 0 && c.cases?.length > 0) people.push({ pn, ...c });
        if (people.length === 4) break;
      }
    } finally {
      await healthy.close();
    }
    assert.equal(people.length, 4, `the seed has 4 unprotected people with benefits and cases (of ${candidates.length} candidates)`);
  });

  after(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await Promise.all(children.splice(0).map(async (spawned) => {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill('SIGKILL');
      await spawned.exited;
      const logDir = process.env.SAMGRAF_TEST_LOG_DIR;
      if (logDir) {
        mkdirSync(logDir, { recursive: true });
        writeFileSync(join(logDir, `samgraf-serve-${spawned.child.pid}.log`), spawned.output());
      }
    }));
    await store?.destroy();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('AF cut mid-run: the rest is served, cases SOURCE_UNAVAILABLE, circuit opens, /readyz 503; restored: cases back, circuit closes', { timeout: TEST_TIMEOUT }, async (t) => {
    // AF is cut by refusing connections, which fails at once: the statement timeout only has to be longer than any
    // healthy statement takes. 300 ms was not, on a machine running two test suites at once (a served request
    // after recovery timed out).
    const STATEMENT_TIMEOUT_MS = 1000;
    const RESET_TIMEOUT_MS = 1000;
    const proxy = await afProxy();
    const samgraf = await server(proxy.rewrite(seeded.urls.employmentService), {
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      circuitBreaker: { errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: RESET_TIMEOUT_MS },
    });
    const person = (i: number) => people[i % people.length]!;

    // Before the cut: everything served.
    const healthyIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const requestId = rid('before-cut');
      assertFullyServed(await ask(samgraf.url, requestId, person(i).pn, headers), person(i), `before the cut, request ${i}`);
      healthyIds.push(requestId);
    }
    assert.equal(await circuitState(samgraf.url), 0, 'circuit closed while AF answers');

    // The cut: keep asking (bounded) until the circuit has opened, then a few more (failing fast).
    proxy.cut();
    const cutIds: string[] = [];
    const latencies: number[] = [];
    let openedAfter: number | null = null;
    for (let i = 0; i < 60; i++) {
      const requestId = rid('cut');
      const started = performance.now();
      const reply = await ask(samgraf.url, requestId, person(i).pn, headers);
      latencies.push(performance.now() - started);
      assertCasesUnavailable(reply, person(i), `during the cut, request ${i}`);
      cutIds.push(requestId);
      if (openedAfter === null && await circuitState(samgraf.url) === 2) openedAfter = i + 1;
      if (openedAfter !== null && i + 1 >= Math.max(openedAfter + 5, 12)) break;
    }
    t.diagnostic(`circuit opened after ${openedAfter} request(s) during the cut; ${cutIds.length} requests during the cut`);
    assert.ok(openedAfter !== null, `the circuit opened: samgraf_source_circuit_state{source="${AF}"} is ${await circuitState(samgraf.url)} after ${cutIds.length} failing requests`);
    // Seen open (2) above; by now its reset timeout may have let a probe through (half-open, 1), but it never closes while AF is cut.
    assert.notEqual(await circuitState(samgraf.url), 0, 'the circuit stays open (or half-open, probing) while AF is cut');
    assert.ok(proxy.stats().refused > 0, 'samgraf did try to reach AF during the cut');

    // The README asks that a failing source stay "bounded by the statement timeout". The bound here is deliberately
    // loose (ten statement timeouts plus 2 s): shared CI machines stall for whole seconds, and a tight bound would make
    // this test flaky rather than informative. It only catches requests that hang far past the statement timeout;
    // how fast samgraf is otherwise is measured by the benchmarks, not here.
    const p99 = percentile(latencies, 99);
    t.diagnostic(`latency during the cut over ${latencies.length} requests: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (statement timeout ${STATEMENT_TIMEOUT_MS} ms)`);
    const bound = STATEMENT_TIMEOUT_MS * 10 + 2000;
    assert.ok(p99 <= bound, `p99 latency during the cut ${p99.toFixed(0)} ms exceeds ${bound} ms`);

    const ready = await readiness(samgraf.url);
    assert.equal(ready.status, 503, `/readyz while AF is cut: ${JSON.stringify(ready)}`);
    assert.deepEqual(ready.checks, { populationRegister: 'up', socialInsurance: 'up', employmentService: 'down', store: 'up' }, '/readyz names AF as the one down');

    // The access log: every request during the cut was PARTIAL, naming AF, and did not claim cases were read.
    const events = await eventsFor(store, [...healthyIds, ...cutIds]);
    for (const requestId of healthyIds) {
      const found = events.get(requestId);
      assert.equal(found?.length, 1, `${requestId}: one event`);
      assert.equal(found![0]!.outcome, 'OK', `${requestId}: ${JSON.stringify(found[0])}`);
      assert.deepEqual(found![0]!.sourceErrors, [], `${requestId}: ${JSON.stringify(found[0])}`);
    }
    for (const [i, requestId] of cutIds.entries()) {
      const found = events.get(requestId);
      assert.equal(found?.length, 1, `${requestId}: one event`);
      const event = found![0]!;
      assert.equal(event.outcome, 'PARTIAL', `${requestId}: ${JSON.stringify(event)}`);
      assert.deepEqual(event.sourceErrors, [AF], `${requestId}: ${JSON.stringify(event)}`);
      assert.ok(event.fieldsRead.includes('Citizen.givenNames') && event.fieldsRead.includes('Citizen.benefits'), `${requestId}: what was served is logged as read: ${JSON.stringify(event.fieldsRead)}`);
      assert.ok(!event.fieldsRead.includes('Citizen.cases') && !event.fieldsRead.includes('Case.id'), `${requestId}: cases were not served, so not read: ${JSON.stringify(event.fieldsRead)}`);
      assert.ok(!(event.subjectCategories[person(i).pn] ?? []).includes('CASES'), `${requestId}: no CASES category: ${JSON.stringify(event.subjectCategories)}`);
    }

    // Restored: the same process serves cases again by itself, once the circuit lets a statement through.
    proxy.restore();
    const RETRY_DELAY_MS = 100;
    const MAX_ATTEMPTS = Math.ceil((RESET_TIMEOUT_MS + 4000) / RETRY_DELAY_MS);
    let attempts = 0;
    let recovered = false;
    for (; attempts < MAX_ATTEMPTS && !recovered; attempts++) {
      const reply = await ask(samgraf.url, rid('recover'), person(attempts).pn, headers);
      recovered = isFullyServed(reply, person(attempts));
      if (!recovered) {
        assertCasesUnavailable(reply, person(attempts), `recovering, attempt ${attempts}`);
        await delay(RETRY_DELAY_MS);
      }
    }
    t.diagnostic(`cases served again at attempt ${attempts} after restore (${RETRY_DELAY_MS} ms apart, reset timeout ${RESET_TIMEOUT_MS} ms)`);
    assert.ok(recovered, `cases not served again within ${MAX_ATTEMPTS} attempts ${RETRY_DELAY_MS} ms apart after restore (reset timeout ${RESET_TIMEOUT_MS} ms)`);
    assert.equal(await circuitState(samgraf.url), 0, 'the circuit closed again');
    for (let i = 0; i < 8; i++) assertFullyServed(await ask(samgraf.url, rid('after-cut'), person(i).pn, headers), person(i), `after recovery, request ${i}`);
    let readyAgain = await readiness(samgraf.url);
    for (let i = 0; i < 20 && readyAgain.status !== 200; i++) {
      await delay(100);
      readyAgain = await readiness(samgraf.url);
    }
    assert.equal(readyAgain.status, 200, `/readyz after restore: ${JSON.stringify(readyAgain)}`);
  });

  it('AF stalled: requests complete with cases SOURCE_UNAVAILABLE, and the pool does not wedge', { timeout: TEST_TIMEOUT }, async (t) => {
    const POOL_MAX = 2;
    const RESET_TIMEOUT_MS = 1000;
    // Which AF connections carried the stalled statements (their held bytes are delivered inside restore()), and
    // whether any of them carried anything after that: a timed-out statement's connection must not be used again.
    let phase: 'before' | 'flushing' | 'after' = 'before';
    const stalledConnections = new Set<number>();
    let reusedChunks = 0;
    let otherChunks = 0;
    const proxy = await afProxy((_chunk, direction, connection) => {
      if (direction !== 'toServer') return;
      if (phase === 'flushing') stalledConnections.add(connection);
      else if (phase === 'after') {
        if (stalledConnections.has(connection)) reusedChunks += 1;
        else otherChunks += 1;
      }
    });
    const samgraf = await server(proxy.rewrite(seeded.urls.employmentService), {
      poolMax: POOL_MAX,
      statementTimeoutMs: 300,
      circuitBreaker: { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: RESET_TIMEOUT_MS },
    });
    const person = (i: number) => people[i % people.length]!;

    // Warm the pool: POOL_MAX requests at once, so that AF's connections are open when the stall begins.
    const warm = await Promise.all(Array.from({ length: POOL_MAX }, (_, i) => ask(samgraf.url, rid('warm'), person(i).pn, headers)));
    warm.forEach((reply, i) => assertFullyServed(reply, person(i), `warm-up ${i}`));
    const errorsBefore = await metric(samgraf.url, 'samgraf_source_statements_total', { source: AF, result: 'error' }) ?? 0;

    proxy.stall();
    const before = proxy.stats();
    // As many requests at once as the pool has connections, then as many again: each holds, or waits for, a connection.
    const burst = Array.from({ length: POOL_MAX * 2 }, (_, i) => ask(samgraf.url, rid('stall'), person(i).pn, headers));
    const reached = await waitUntilReached(proxy, before);
    t.diagnostic(`at the proxy during the stall: ${JSON.stringify(proxy.stats())}`);
    const replies = await Promise.all(burst);
    assert.ok(reached, `AF's statements reached the stalled proxy: ${JSON.stringify(proxy.stats())}`);
    replies.forEach((reply, i) => assertCasesUnavailable(reply, person(i), `stalled burst ${i}`));
    // And one after the other, on connections opened during the stall (accepted, never answered).
    for (let i = 0; i < 3; i++) assertCasesUnavailable(await ask(samgraf.url, rid('stall-seq'), person(i).pn, headers), person(i), `stalled, sequential ${i}`);
    const errorsAfter = await metric(samgraf.url, 'samgraf_source_statements_total', { source: AF, result: 'error' }) ?? 0;
    t.diagnostic(`AF statements failed during the stall: ${errorsAfter - errorsBefore}; circuit state ${await circuitState(samgraf.url)}`);
    assert.ok(errorsAfter - errorsBefore >= POOL_MAX, `at least the pool's worth of AF statements failed: ${errorsAfter - errorsBefore}`);

    // Restored: the stalled connections were destroyed and must have been replaced.
    phase = 'flushing';
    proxy.restore();
    phase = 'after';
    const RETRY_DELAY_MS = 100;
    const MAX_ATTEMPTS = Math.ceil((RESET_TIMEOUT_MS + 4000) / RETRY_DELAY_MS);
    let attempts = 0;
    let recovered = false;
    for (; attempts < MAX_ATTEMPTS && !recovered; attempts++) {
      const reply = await ask(samgraf.url, rid('unstall'), person(attempts).pn, headers);
      recovered = isFullyServed(reply, person(attempts));
      if (!recovered) {
        assertCasesUnavailable(reply, person(attempts), `after the stall, attempt ${attempts}`);
        await delay(RETRY_DELAY_MS);
      }
    }
    t.diagnostic(`cases served again at attempt ${attempts} after the stall ended`);
    assert.ok(recovered, `the pool stayed wedged: cases not served within ${MAX_ATTEMPTS} attempts ${RETRY_DELAY_MS} ms apart after restore`);
    for (let i = 0; i < POOL_MAX * 3; i++) {
      assertFullyServed(await ask(samgraf.url, rid('unstalled-seq'), person(i).pn, headers), person(i), `after the stall, sequential ${i} of ${POOL_MAX * 3} (poolMax ${POOL_MAX})`);
    }
    const together = await Promise.all(Array.from({ length: POOL_MAX + 2 }, (_, i) => ask(samgraf.url, rid('unstalled-burst'), person(i).pn, headers)));
    together.forEach((reply, i) => assertFullyServed(reply, person(i), `after the stall, ${POOL_MAX + 2} at once (poolMax ${POOL_MAX}), ${i}`));
    t.diagnostic(`connections that held stalled statements: ${stalledConnections.size}; chunks sent on them after the stall: ${reusedChunks}, on other connections: ${otherChunks}; ${JSON.stringify(proxy.stats())}`);
    assert.ok(stalledConnections.size > 0, 'some AF connections held stalled statements when the stall ended');
    assert.equal(reusedChunks, 0, 'a connection whose statement timed out was used again (README: its connection is destroyed)');
    assert.ok(otherChunks > 0, 'the statements after the stall went over new AF connections, which replaced the stalled ones');
    assert.equal(await circuitState(samgraf.url), 0, 'the circuit is closed');
  });

  it('execution timeout below AF\'s statement timeout, AF stalled: 504 EXECUTION_TIMEOUT without data; the server keeps serving', { timeout: TEST_TIMEOUT }, async () => {
    const proxy = await afProxy();
    const samgraf = await server(proxy.rewrite(seeded.urls.employmentService), { statementTimeoutMs: 6000 }, { limits: { executionTimeoutMs: 1500 } });
    const person = people[0]!;
    assertFullyServed(await ask(samgraf.url, rid('exec-before'), person.pn, headers), person, 'before the stall');

    proxy.stall();
    const timedOutId = rid('exec-timeout');
    const reply = await ask(samgraf.url, timedOutId, person.pn, headers);
    proxy.restore();
    assert.equal(reply.status, 504, show(reply));
    assert.equal(reply.body?.errors?.[0]?.extensions?.code, 'EXECUTION_TIMEOUT', show(reply));
    assert.equal(reply.body?.data ?? null, null, `no data with a 504: ${show(reply)}`);
    assert.ok(!reply.text.includes(person.givenNames), `no personal data in the 504: ${show(reply)}`);
    assert.equal(reply.requestId, timedOutId);

    for (let i = 0; i < 4; i++) {
      const next = people[i]!;
      assertFullyServed(await ask(samgraf.url, rid('exec-after'), next.pn, headers), next, `after the execution timeout, request ${i}`);
    }
    const health = await fetch(new URL('/healthz', samgraf.url));
    assert.equal(health.status, 200);
  });

  it('SIGTERM to `samgraf serve` with a request in flight: it completes and is logged, new connections are refused, exit 0', { timeout: TEST_TIMEOUT }, async (t) => {
    const proxy = await afProxy();
    const { staff } = await testIssuers();
    const configFile = join(dir, 'shutdown.json');
    writeFileSync(configFile, JSON.stringify({
      server: { port: 0, host: '127.0.0.1' },
      // A long enough statement timeout that the request is still in flight when SIGTERM arrives.
      sources: sourcesWith(seeded.urls, proxy.rewrite(seeded.urls.employmentService), { statementTimeoutMs: 3000 }),
      store: { url: seeded.urls.store },
      auth: { issuers: [staff.config] },
      rateLimit: { points: 1_000_000, durationSeconds: 1 },
    }));

    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], {
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => { output += chunk; });
    child.stderr!.on('data', (chunk) => { output += chunk; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const spawned: SpawnedSamgraf = { child, port, url: `http://127.0.0.1:${port}/graphql`, output: () => output, exited };
    children.push(spawned);
    let up = false;
    for (let attempt = 0; attempt < 600 && !up; attempt++) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        up = (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        // not listening yet
      }
      if (!up) await delay(100);
    }
    assert.ok(up, `samgraf serve did not come up:\n${output.slice(-2000)}`);

    const person = people[1]!;
    assertFullyServed(await ask(spawned.url, rid('serve-warm'), person.pn, headers), person, 'before the stall');

    proxy.stall();
    const before = proxy.stats();
    const inFlightId = rid('in-flight');
    let settled = false;
    const inFlight = ask(spawned.url, inFlightId, person.pn, headers).then(
      (reply) => ({ reply, error: null }),
      (error: unknown) => ({ reply: null, error }),
    ).finally(() => { settled = true; });
    assert.ok(await waitUntilReached(proxy, before), `the request's AF statement reached the stalled proxy: ${JSON.stringify(proxy.stats())}`);
    assert.equal(settled, false, 'the request is in flight');

    child.kill('SIGTERM');
    let probe = 'accepted';
    let probes = 0;
    for (; probes < 200 && probe !== 'refused'; probes++) {
      probe = await tryConnect(port);
      if (probe !== 'refused') await delay(20);
    }
    t.diagnostic(`new connections refused after ${probes} probe(s); request settled: ${settled}; process running: ${child.exitCode === null && child.signalCode === null}`);
    assert.equal(probe, 'refused', 'new connections are refused after SIGTERM');
    assert.equal(child.exitCode, null, 'the process waits for its in-flight request');
    assert.equal(child.signalCode, null, 'SIGTERM is handled, not fatal');

    proxy.restore();
    const { reply, error } = await inFlight;
    assert.equal(error, null, `the in-flight request got an answer: ${String(error)}\n${output.slice(-2000)}`);
    assert.equal(reply!.requestId, inFlightId);
    assertServedOrCasesUnavailable(reply!, person, 'the in-flight request');
    t.diagnostic(`in-flight request: cases ${reply!.body.data.citizen.cases === null ? 'SOURCE_UNAVAILABLE' : 'served'}`);

    const exit = await exited;
    assert.deepEqual(exit, { code: 0, signal: null }, `samgraf serve exits 0 after SIGTERM:\n${output.slice(-2000)}`);

    const events = await eventsFor(store, [inFlightId]);
    assert.equal(events.get(inFlightId)?.length, 1, 'the in-flight request\'s access-log event is in the store');
    const event = events.get(inFlightId)![0]!;
    if (reply!.body.data.citizen.cases === null) {
      assert.equal(event.outcome, 'PARTIAL', JSON.stringify(event));
      assert.deepEqual(event.sourceErrors, [AF], JSON.stringify(event));
    } else {
      assert.equal(event.outcome, 'OK', JSON.stringify(event));
      assert.deepEqual(event.sourceErrors, [], JSON.stringify(event));
    }
  });
});
