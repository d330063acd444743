/**
 * Operations (README "Health, metrics, logs, shutdown"): after a known mix of requests, GET /metrics holds every
 * documented series with counts that match what was done, and no label value — indeed nothing in the text —
 * carries a personal number or a string the client chose (operation name, alias, X-Request-Id, X-Purpose,
 * X-Legal-Basis, X-Case-Reference, path). /healthz and /readyz answer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { hasValidCheckDigit, isValidPersonalNumber } from '../src/core/personal-number.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format → samples (comments and HELP/TYPE lines skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    assert.ok(match, `a well-formed sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) as IterableIterator<RegExpMatchArray & [string, string, string]>) {
      labels[name] = raw.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function pick(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one sample with exactly these labels (plus any others), or 0 when the series has none yet. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = pick(samples, name, labels);
  assert.ok(found.length <= 1, `${name}${JSON.stringify(labels)} is one series: ${JSON.stringify(found)}`);
  return found[0]?.value ?? 0;
}

/** Any run of 10 digits (optionally with - or + before the last four) or 12 digits whose last 10 pass Luhn. */
function luhnValidNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?<!\d)(\d{2})?(\d{6})([-+]?)(\d{4})(?!\d)/g)) {
    if (hasValidCheckDigit(`${match[2]}${match[4]}`)) found.push(match[0]);
  }
  return found;
}

describe('metrics, health and readiness (SQLite)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let dir: string;
  /** A served citizen's personal number, and another. */
  let pn: string;
  let pn2: string;
  // Letters only: a run of digits in it could make X-Request-Id look like a personal number (and be replaced).
  const MARKER = `zq${[...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
  let metricsText: string;
  let samples: Sample[];
  /** Requests that selected a personal-data root field with valid credentials: each writes one access-log event. */
  let personalDataRequests = 0;

  const tenDigit = (p: string) => `${p.slice(2, 8)}-${p.slice(8)}`;

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 200, seed: 'metrics' });
    server = await startTestServer(seeded.urls);
    const register = openDatabase(seeded.urls.populationRegister);
    const rows = await register('FB_PERSON').whereNull('SKYDDAD_FB').whereNull('SEKRETESS').whereNull('AVREG_ORSAK').orderBy('PERSONID').select('PERSONID');
    await register.destroy();
    const valid = rows.map((r: { PERSONID: string }) => r.PERSONID).filter(isValidPersonalNumber);
    [pn, pn2] = valid as [string, string];
    assert.ok(pn && pn2);
    dir = mkdtempSync(join(tmpdir(), 'samgraf-metrics-'));
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a mix of requests: served, a denied field, purposes refused, 401s, an unknown path', async () => {
    const { staff } = await testIssuers();
    const personal = (result: GraphQLResponse) => {
      personalDataRequests += 1;
      return result;
    };

    // Served (operation name and alias hold a personal number and the marker; so do the request headers).
    const served = personal(await server.query(
      `query Op_${pn}_${MARKER} { a_${pn}_${MARKER}: citizen(personalNumber: "${tenDigit(pn)}") { familyName benefits { id } cases { id } } }`,
      undefined,
      { 'x-request-id': `${MARKER}-request`, 'x-legal-basis': `${MARKER}-basis ${pn}`, 'x-case-reference': `${MARKER}-case ${tenDigit(pn)}` },
    ));
    assert.equal(served.status, 200, JSON.stringify(served));
    assert.equal(served.errors, undefined);
    assert.ok((served.data as any)[`a_${pn}_${MARKER}`].familyName);

    const many = personal(await server.query('query Many($pns: [String!]!) { citizens(personalNumbers: $pns) { familyName } }', { pns: [pn, pn2] }));
    assert.equal(many.status, 200);
    assert.equal(many.errors, undefined);

    // A denied field: citizen:read only, so `benefits` is UNAUTHORIZED_FIELD_OR_TYPE and the rest served.
    const narrow = { authorization: `Bearer ${await staff.mint({ sub: 'metrics-narrow', org: 'AF', scope: 'citizen:read' })}` };
    const denied = personal(await server.query(`query Denied_${MARKER} { citizen(personalNumber: "${pn}") { familyName benefits { id } } }`, undefined, narrow));
    assert.equal(denied.status, 200);
    assert.deepEqual(denied.errors?.map((e) => e.extensions?.code), ['UNAUTHORIZED_FIELD_OR_TYPE']);

    // Purposes refused: one the principal may not use, a made-up one carrying the marker (not configured), and none at all.
    const bound = { authorization: `Bearer ${await staff.mint({ sub: 'metrics-bound', org: 'AF', scope: 'citizen:read', purposes: ['employment-support'] })}` };
    const notAllowed = personal(await server.query(`{ citizen(personalNumber: "${pn}") { familyName } }`, undefined, { ...bound, 'x-purpose': 'audit' }));
    assert.equal(notAllowed.status, 403);
    assert.deepEqual(notAllowed.errors?.map((e) => e.extensions?.code), ['PURPOSE_NOT_ALLOWED']);
    const madeUp = personal(await server.query(`{ citizen(personalNumber: "${pn}") { familyName } }`, undefined, { ...bound, 'x-purpose': `${MARKER}-purpose-${pn}` }));
    assert.equal(madeUp.status, 400);
    assert.deepEqual(madeUp.errors?.map((e) => e.extensions?.code), ['PURPOSE_UNKNOWN']);
    const required = personal(await server.query(`{ citizen(personalNumber: "${pn}") { familyName } }`, undefined, { ...bound, 'x-purpose': undefined }));
    assert.equal(required.status, 400);
    assert.deepEqual(required.errors?.map((e) => e.extensions?.code), ['PURPOSE_REQUIRED']);

    // 401s (no access-log event): no credentials for data, and a token that fails verification.
    const anonymous = await server.query(`{ citizen(personalNumber: "${pn}") { familyName } }`, undefined, { authorization: undefined });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.errors?.map((e) => e.extensions?.code), ['UNAUTHENTICATED']);
    const expired = await staff.mint({ sub: 'metrics-expired', org: 'AF', scope: 'citizen:read', exp: Math.floor(Date.now() / 1000) - 3600 });
    const badToken = await server.query(`{ citizen(personalNumber: "${pn}") { familyName } }`, undefined, { authorization: `Bearer ${expired}` });
    assert.equal(badToken.status, 401);
    assert.deepEqual(badToken.errors?.map((e) => e.extensions?.code), ['UNAUTHENTICATED']);

    // Not personal data: no access-log event.
    const me = await server.query(`query Me_${MARKER} { m_${MARKER}: me { subject } }`, undefined, { 'x-purpose': `${MARKER}-purpose` });
    assert.equal(me.status, 200);
    assert.equal(me.errors, undefined);

    // A path the client chose.
    const unknown = await fetch(new URL(`/${MARKER}/${pn}`, server.url), { headers: { 'x-request-id': `${MARKER}-path` } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-request-id'), `${MARKER}-path`, 'a plain request id is echoed');
    await unknown.text();

    assert.equal(personalDataRequests, 6);
  });

  it('GET /metrics is Prometheus text with every documented series', async () => {
    const response = await fetch(new URL('/metrics', server.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    metricsText = await response.text();
    samples = parseMetrics(metricsText);
    for (const name of [
      'samgraf_graphql_requests_total', 'samgraf_graphql_request_duration_seconds', 'samgraf_http_responses_total',
      'samgraf_source_statements_total', 'samgraf_source_statement_duration_seconds', 'samgraf_source_circuit_state',
      'samgraf_denials_total', 'samgraf_access_log_commit_duration_seconds', 'samgraf_access_log_events_total',
      'samgraf_access_log_commit_failures_total',
    ]) {
      assert.match(metricsText, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'), `${name} is declared`);
    }
    // Node's process metrics (prom-client's defaults, with samgraf's prefix).
    for (const name of ['process_cpu_user_seconds_total', 'process_start_time_seconds', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      const found = samples.filter((s) => s.name === name || s.name === `samgraf_${name}`);
      assert.ok(found.length > 0, `process metric ${name}`);
    }
  });

  it('GraphQL operations are counted by root fields (never aliases or operation names) and outcome', () => {
    const requests = (operation: string, outcome: string) => value(samples, 'samgraf_graphql_requests_total', { operation, outcome });
    assert.equal(requests('citizen', 'ok'), 1, 'the served citizen');
    assert.equal(requests('citizens', 'ok'), 1);
    assert.equal(requests('citizen', 'partial'), 1, 'the denied field');
    // A purpose not allowed, one unknown, one missing, one without credentials (refused in the operation's access control).
    assert.equal(requests('citizen', 'error'), 4);
    assert.equal(requests('me', 'ok'), 1);
    const operations = new Set(pick(samples, 'samgraf_graphql_requests_total').map((s) => s.labels.operation));
    assert.deepEqual([...operations].sort(), ['citizen', 'citizens', 'me']);
    const outcomes = new Set(pick(samples, 'samgraf_graphql_requests_total').map((s) => s.labels.outcome));
    for (const outcome of outcomes) assert.ok(['ok', 'partial', 'error'].includes(outcome!), outcome);
    // The histogram saw each operation once per request.
    assert.equal(value(samples, 'samgraf_graphql_request_duration_seconds_count', { operation: 'citizen' }), 6);
    assert.equal(value(samples, 'samgraf_graphql_request_duration_seconds_count', { operation: 'citizens' }), 1);
    assert.equal(value(samples, 'samgraf_graphql_request_duration_seconds_count', { operation: 'me' }), 1);
    assert.equal(value(samples, 'samgraf_graphql_request_duration_seconds_bucket', { operation: 'citizen', le: '+Inf' }), 6);
    assert.ok(value(samples, 'samgraf_graphql_request_duration_seconds_sum', { operation: 'citizen' }) > 0);
  });

  it('HTTP responses are counted by path (closed set) and status', () => {
    const responses = (path: string, status: string) => value(samples, 'samgraf_http_responses_total', { path, status });
    // served, citizens, denied field (200), me
    assert.equal(responses('/graphql', '200'), 4);
    assert.equal(responses('/graphql', '403'), 1);
    assert.equal(responses('/graphql', '400'), 2);
    assert.equal(responses('/graphql', '401'), 2);
    assert.equal(responses('other', '404'), 1);
    for (const sample of pick(samples, 'samgraf_http_responses_total')) {
      assert.ok(['/graphql', '/healthz', '/readyz', '/metrics', 'other'].includes(sample.labels.path!), `path label ${sample.labels.path}`);
      assert.match(sample.labels.status!, /^\d{3}$/);
    }
  });

  it('source statements, their durations and circuit states for every source', () => {
    for (const source of ['populationRegister', 'socialInsurance', 'employmentService']) {
      const ok = value(samples, 'samgraf_source_statements_total', { source, result: 'ok' });
      assert.ok(ok >= 1, `${source} ran statements (${ok})`);
      assert.equal(value(samples, 'samgraf_source_statements_total', { source, result: 'error' }), 0, `${source} had no errors`);
      assert.equal(value(samples, 'samgraf_source_statement_duration_seconds_count', { source }), ok, `${source}: one duration per statement`);
      assert.equal(value(samples, 'samgraf_source_circuit_state', { source }), 0, `${source} circuit closed`);
    }
    // Statements ran for the served requests only: SKV for each citizen request that executed (3), FK and AF
    // for the one that selected benefits and cases with benefit:read and case:read.
    assert.equal(value(samples, 'samgraf_source_statements_total', { source: 'socialInsurance', result: 'ok' }), 1);
    assert.equal(value(samples, 'samgraf_source_statements_total', { source: 'employmentService', result: 'ok' }), 1);
    // No request selected incomes: the income register ran only its count at start of the rows no request can
    // reach (payees without a number), and its circuit is closed.
    assert.equal(value(samples, 'samgraf_source_statements_total', { source: 'incomeRegister', result: 'ok' }), 1);
    assert.equal(value(samples, 'samgraf_source_circuit_state', { source: 'incomeRegister' }), 0);
    assert.equal(pick(samples, 'samgraf_source_circuit_state').length, 4);
  });

  it('denials by reason: exactly those triggered', () => {
    const denials = (reason: string) => value(samples, 'samgraf_denials_total', { reason });
    assert.equal(denials('UNAUTHORIZED_FIELD_OR_TYPE'), 1);
    assert.equal(denials('PURPOSE_NOT_ALLOWED'), 1);
    assert.equal(denials('PURPOSE_UNKNOWN'), 1);
    assert.equal(denials('PURPOSE_REQUIRED'), 1);
    // One refused in the operation's access control (no credentials), one in authentication (expired token).
    assert.equal(denials('UNAUTHENTICATED'), 2);
    assert.deepEqual(pick(samples, 'samgraf_denials_total').map((s) => s.labels.reason).sort(),
      ['PURPOSE_NOT_ALLOWED', 'PURPOSE_REQUIRED', 'PURPOSE_UNKNOWN', 'UNAUTHENTICATED', 'UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('access-log events equal the personal-data requests made, and the store holds as many', async () => {
    assert.equal(value(samples, 'samgraf_access_log_events_total'), personalDataRequests);
    const commits = value(samples, 'samgraf_access_log_commit_duration_seconds_count');
    assert.ok(commits >= 1 && commits <= personalDataRequests, `${commits} commits for ${personalDataRequests} events`);
    assert.equal(value(samples, 'samgraf_access_log_commit_duration_seconds_bucket', { le: '+Inf' }), commits);
    assert.equal(value(samples, 'samgraf_access_log_commit_failures_total'), 0);
    const store = openDatabase(seeded.urls.store);
    try {
      const [{ n }] = await store('audit_events').count({ n: '*' }) as [{ n: number | string }];
      assert.equal(Number(n), personalDataRequests);
    } finally {
      await store.destroy();
    }
  });

  it('no label value holds a personal number, and no client-chosen string appears anywhere in /metrics', () => {
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    assert.ok(labelValues.length > 50);
    for (const label of labelValues) assert.deepEqual(luhnValidNumbersIn(label), [], `label value ${JSON.stringify(label)}`);
    assert.ok(!metricsText.includes(MARKER), 'the marker (operation name, alias, X-Request-Id, X-Purpose, X-Legal-Basis, X-Case-Reference, path) is nowhere');
    for (const form of [pn, tenDigit(pn), pn.slice(2), pn2, tenDigit(pn2), pn2.slice(2)]) {
      assert.ok(!metricsText.includes(form), `${form.length}-character form of a personal number is nowhere`);
    }
    // Principals' subjects are not labels either.
    for (const subject of ['metrics-narrow', 'metrics-bound', 'metrics-expired', 'test-officer']) {
      assert.ok(!metricsText.includes(subject), `no ${subject} in /metrics`);
    }
  });

  it('root fields selected through a fragment or an inline fragment are still the operation label', async () => {
    const before = parseMetrics(await (await fetch(new URL('/metrics', server.url))).text());
    const viaFragment = await server.query(`query { ...Roots } fragment Roots on Query { citizen(personalNumber: "${pn}") { familyName } }`);
    assert.equal(viaFragment.status, 200);
    assert.equal(viaFragment.errors, undefined);
    const viaInline = await server.query('{ ... on Query { me { subject } } }');
    assert.equal(viaInline.status, 200);
    const afterwards = parseMetrics(await (await fetch(new URL('/metrics', server.url))).text());
    const delta = (operation: string) => value(afterwards, 'samgraf_graphql_requests_total', { operation, outcome: 'ok' }) - value(before, 'samgraf_graphql_requests_total', { operation, outcome: 'ok' });
    assert.deepEqual({ citizen: delta('citizen'), me: delta('me'), none: delta('none') }, { citizen: 1, me: 1, none: 0 },
      'README: "operation = the root fields, from the schema"');
  });

  it('GET /healthz is 200; GET /readyz is 200 with every check up', async () => {
    const health = await fetch(new URL('/healthz', server.url));
    assert.equal(health.status, 200);
    await health.text();
    const ready = await fetch(new URL('/readyz', server.url));
    assert.equal(ready.status, 200);
    const body = await ready.json() as { checks: Record<string, string> };
    assert.deepEqual(body.checks, { populationRegister: 'up', socialInsurance: 'up', employmentService: 'up', incomeRegister: 'up', store: 'up' });
  });
});

describe('metrics of a failing source (SQLite, employment service without its tables)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let dir: string;
  let pn: string;

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 20, seed: 'metrics-failing' });
    dir = mkdtempSync(join(tmpdir(), 'samgraf-metrics-failing-'));
    const empty = join(dir, 'af-empty.db');
    writeFileSync(empty, '');
    server = await startTestServer({ ...seeded.urls, employmentService: `sqlite://${empty}` });
    const register = openDatabase(seeded.urls.populationRegister);
    const rows = await register('FB_PERSON').orderBy('PERSONID').select('PERSONID');
    await register.destroy();
    pn = rows.map((r: { PERSONID: string }) => r.PERSONID).find(isValidPersonalNumber)!;
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a statement that fails is counted with result="error" for its source only', async () => {
    const result = await server.query('query($pn: String!) { citizen(personalNumber: $pn) { familyName cases { id } } }', { pn });
    assert.ok((result.data as any).citizen.familyName, 'the population register still answers');
    assert.equal(result.status, 200);
    const codes = new Set(result.errors?.map((e) => e.extensions?.code));
    assert.deepEqual([...codes], ['SOURCE_UNAVAILABLE']);
    const samples = parseMetrics(await (await fetch(new URL('/metrics', server.url))).text());
    assert.ok(value(samples, 'samgraf_source_statements_total', { source: 'employmentService', result: 'error' }) >= 1);
    assert.equal(value(samples, 'samgraf_source_statements_total', { source: 'populationRegister', result: 'error' }), 0);
    assert.ok(value(samples, 'samgraf_source_statements_total', { source: 'populationRegister', result: 'ok' }) >= 1);
    assert.equal(value(samples, 'samgraf_graphql_requests_total', { operation: 'citizen', outcome: 'partial' }), 1);
    assert.equal(value(samples, 'samgraf_access_log_events_total'), 1);
  });
});
