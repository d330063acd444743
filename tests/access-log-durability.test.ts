/**
 * The access log when things go wrong: "committed before the response leaves; if the event cannot be written,
 * no personal data is sent (AUDIT_UNAVAILABLE, HTTP 503)", and the chain stays whole.
 *
 * 1. Fail closed and recover: samgraf in-process, its store reached through a TCP proxy (helpers/tcp-proxy.ts).
 *    Store cut → personal data refused with 503 for JWTs and API keys, not a byte of it in the body; store
 *    restored → the same process serves again and writes events, and `samgraf audit verify` passes. Store stalled
 *    → a request waits for its event's commit and returns data only after it. A commit that lands but whose
 *    acknowledgement is lost → 503, and the writer continues its chain after the event that landed.
 * 2. Two `samgraf serve` processes on one store under 32 concurrent clients: every response 200, one event per
 *    personal-data response, exactly two chains, verify passes, and group commit (fewer inserts than events, counted
 *    on the wire through each process's own proxy).
 * 3. kill -9 mid-load: every response a client received with personal data has its event; verify passes; a new
 *    process on the same store starts a new chain and verify still passes.
 *
 * No assertion is about time: loops are bounded by counts, and each test has a generous overall timeout.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { openDatabase } from '../src/core/db.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { freePort, mysqlTarget } from './helpers/net.js';
import { repoRoot } from './helpers/repo.js';
import { startTestServer, type SourceUrls, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { startTcpProxy, type Direction, type TcpProxy } from './helpers/tcp-proxy.js';
import { superuserHeaders, testIssuers } from './helpers/tokens.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli.js');
const PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];
const TEST_TIMEOUT = 180_000;

const PERSON_QUERY = `query Person($pn: String!) {
  citizen(personalNumber: $pn) { personalNumber givenNames familyName birthDate address { street postalCode city } }
}`;
const ME_QUERY = '{ me { type subject organization } }';

interface Reply {
  status: number;
  requestId: string | null;
  text: string;
  body: any;
}

/** POSTs GraphQL to `url` with our own X-Request-Id; rejects only when no HTTP answer arrives at all. */
async function post(url: string, requestId: string, query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ query, variables }),
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

/** True if the reply carries this person's record. */
function servedPerson(reply: Reply, pn: string): boolean {
  return reply.status === 200 && reply.body?.data?.citizen?.personalNumber === pn;
}

/** The strings that would give the person away: every form of the number, names, street. */
function revealing(person: Person): string[] {
  const pn = person.pn;
  return [pn, pn.slice(2), `${pn.slice(2, 8)}-${pn.slice(8)}`, `${pn.slice(0, 8)}-${pn.slice(8)}`, ...person.words];
}

function assertFailedClosed(reply: Reply, person: Person | null, label: string): void {
  assert.equal(reply.status, 503, `${label}: HTTP status (body: ${reply.text.slice(0, 300)})`);
  assert.equal(reply.body?.errors?.[0]?.extensions?.code, 'AUDIT_UNAVAILABLE', `${label}: ${reply.text.slice(0, 300)}`);
  assert.equal(reply.body?.data ?? null, null, `${label}: no data at all`);
  if (person) {
    for (const word of revealing(person)) assert.ok(!reply.text.includes(word), `${label}: the body reveals ${JSON.stringify(word)}: ${reply.text.slice(0, 300)}`);
  }
}

interface Person {
  pn: string;
  /** Names and street as samgraf serves them (filled from a successful response). */
  words: string[];
}

async function pickCitizens(registerUrl: string, count: number): Promise<string[]> {
  const register = openDatabase(registerUrl);
  try {
    const rows = await register('FB_PERSON').select('PERSONID', 'SEKRETESS', 'SKYDDAD_FB').orderBy('PERSONID') as { PERSONID: string; SEKRETESS: string | null; SKYDDAD_FB: string | null }[];
    const open = rows.filter((row) => row.SEKRETESS?.trim() !== 'J' && row.SKYDDAD_FB?.trim() !== 'J').map((row) => row.PERSONID.trim());
    assert.ok(open.length >= count, `need ${count} unprotected citizens, the seed has ${open.length}`);
    return open.slice(0, count);
  } finally {
    await register.destroy();
  }
}

async function eventsFor(store: Knex, requestIds: readonly string[]): Promise<Map<string, { writer: string; seq: number; hash: string; prevHash: string }[]>> {
  const found = new Map<string, { writer: string; seq: number; hash: string; prevHash: string }[]>();
  for (let i = 0; i < requestIds.length; i += 500) {
    const rows = await store('audit_events').whereIn('request_id', requestIds.slice(i, i + 500)).select('request_id', 'writer_id', 'seq', 'hash', 'prev_hash') as
      { request_id: string; writer_id: string; seq: number | string; hash: string; prev_hash: string }[];
    for (const row of rows) found.set(row.request_id, [...(found.get(row.request_id) ?? []), { writer: row.writer_id, seq: Number(row.seq), hash: row.hash, prevHash: row.prev_hash }]);
  }
  return found;
}

async function countEvents(store: Knex): Promise<number> {
  const [row] = await store('audit_events').count({ n: '*' }) as { n: number | string }[];
  return Number(row!.n);
}

async function writersIn(store: Knex): Promise<string[]> {
  return (await store('audit_events').distinct('writer_id').orderBy('writer_id') as { writer_id: string }[]).map((row) => row.writer_id);
}

interface VerifyResult {
  code: number | null;
  stdout: string;
  stderr: string;
  events: number | null;
  chains: number | null;
}

/** `samgraf audit verify --config FILE`, as an operator runs it (asynchronously: proxies in this process keep running). */
function auditVerify(configFile: string): Promise<VerifyResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'audit', 'verify', '--config', configFile], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const match = /access log intact: (\d+) events in (\d+) chain\(s\)/.exec(stdout);
      resolve({ code, stdout, stderr, events: match ? Number(match[1]) : null, chains: match ? Number(match[2]) : null });
    });
  });
}

function writeConfig(dir: string, name: string, urls: SourceUrls, extra: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({
    server: { port: 0, host: '127.0.0.1' },
    sources: {
      populationRegister: { url: urls.populationRegister },
      socialInsurance: { url: urls.socialInsurance },
      employmentService: { url: urls.employmentService },
    },
    store: { url: urls.store },
    // 32 clients as one officer: far more than a real principal's budget (the rate-limit tests set their own).
    rateLimit: { points: 1_000_000, durationSeconds: 1 },
    ...extra,
  }));
  return file;
}

interface SpawnedSamgraf {
  child: ChildProcess;
  url: string;
  /** stdout + stderr so far (pino logs go to stderr). */
  output(): string;
  /** The process's access-log chains (one per commit lane), from the "samgraf listening" log line. */
  writerIds(): string[] | null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: SpawnedSamgraf[] = [];

/** `samgraf serve --config FILE` with PORT set; resolves once /healthz answers (bounded by a count of tries). */
async function spawnSamgraf(configFile: string): Promise<SpawnedSamgraf> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const spawned: SpawnedSamgraf = {
    child,
    url: `http://127.0.0.1:${port}/graphql`,
    output: () => output,
    writerIds() {
      for (const line of output.split('\n')) {
        try {
          const entry = JSON.parse(line) as { msg?: string; auditWriters?: string[] };
          if (entry.msg === 'samgraf listening' && entry.auditWriters) return entry.auditWriters;
        } catch {
          // not a log line
        }
      }
      return null;
    },
    exited,
  };
  children.push(spawned);
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return spawned;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  throw new Error(`samgraf serve did not come up on port ${port}:\n${output.slice(-2000)}`);
}

/**
 * Kills every process this file spawned and is still running (by its handle) and waits for it. Under `npm test` their
 * operational logs go to SAMGRAF_TEST_LOG_DIR, so that the final log scan reads them too.
 */
async function stopAll(): Promise<void> {
  await Promise.all(children.splice(0).map(async (spawned) => {
    if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill('SIGKILL');
    await spawned.exited;
    const logDir = process.env.SAMGRAF_TEST_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      writeFileSync(join(logDir, `samgraf-serve-${spawned.child.pid}.log`), spawned.output());
    }
  }));
}

/** Counts occurrences of `needle` in what clients send through a proxy, per connection, across chunk boundaries. */
function wireCounter(needle: string) {
  const tails = new Map<number, string>();
  let count = 0;
  return {
    get count() { return count; },
    tap(chunk: Buffer, direction: Direction, connection: number) {
      if (direction !== 'toServer') return;
      const text = (tails.get(connection) ?? '') + chunk.toString('latin1');
      for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count += 1;
      tails.set(connection, text.slice(-(needle.length - 1)));
    },
  };
}

/** A counter's value from GET /metrics (Prometheus text format); 0 if it has no sample yet. */
async function metric(graphqlUrl: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('access log durability (MariaDB store)', () => {
  let seeded: SeededSources;
  let dir: string;
  let citizens: string[];
  let jwtHeaders: Record<string, string>;

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 150, seed: 'access-log-durability' });
    citizens = await pickCitizens(seeded.urls.populationRegister, 40);
    dir = mkdtempSync(join(tmpdir(), 'samgraf-durability-'));
  });

  after(async () => {
    await stopAll();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('one process, store behind a proxy: fail closed, recover, wait for the commit', () => {
    let store: TestDatabases;
    let storeUrl: string;
    let proxy: TcpProxy;
    let server: TestServer;
    let direct: Knex;
    let configFile: string;
    let apiKey: string;
    const people = new Map<string, Person>();
    /** Request ids of every response that carried personal data: each must have exactly one event. */
    const served: string[] = [];
    /** Request ids whose batch was known to fail while the store was unreachable: nothing can have landed. */
    const refused: string[] = [];
    let nextId = 0;
    const id = (label: string) => `durability-${label}-${++nextId}`;
    const asOfficer = (pn: string, label: string) => post(server.url, id(label), PERSON_QUERY, { pn }, jwtHeaders);
    const asPartner = (pn: string, label: string) => post(server.url, id(label), PERSON_QUERY, { pn }, { 'x-api-key': apiKey, 'x-purpose': 'social-services' });

    function expectServed(reply: Reply, pn: string, label: string): void {
      assert.ok(servedPerson(reply, pn), `${label}: expected the person (HTTP ${reply.status}): ${reply.text.slice(0, 300)}`);
      served.push(reply.requestId!);
    }

    before(async () => {
      jwtHeaders = await superuserHeaders();
      store = await createTestDatabases(['store']);
      storeUrl = store.urls.store!;
      proxy = await startTcpProxy({ target: mysqlTarget() });
      // samgraf migrates the store at start: the proxy is open.
      server = await startTestServer({ ...seeded.urls, store: proxy.rewrite(storeUrl) });
      direct = openDatabase(storeUrl);
      apiKey = (await new ApiKeyStore(direct, PURPOSES).create({
        organization: '0180', name: 'durability partner', scopes: ['citizen:read', 'citizen:address:read'], purposes: ['social-services'], municipality: null, expiresAt: null,
      })).key;
      configFile = writeConfig(dir, 'one-process.json', { ...seeded.urls, store: storeUrl });
    });

    after(async () => {
      proxy?.restore();
      await server?.close();
      await proxy?.close();
      await direct?.destroy();
      await store?.drop();
    });

    it('with the store up, personal data is served and each response has its event', { timeout: TEST_TIMEOUT }, async () => {
      for (const pn of citizens.slice(0, 6)) {
        const reply = await asOfficer(pn, 'healthy');
        expectServed(reply, pn, 'healthy officer');
        const c = reply.body.data.citizen;
        people.set(pn, { pn, words: [c.givenNames, c.familyName, c.address?.street].filter((w): w is string => typeof w === 'string' && w.length >= 3) });
      }
      expectServed(await asPartner(citizens[0]!, 'healthy-partner'), citizens[0]!, 'healthy partner');
      const events = await eventsFor(direct, served);
      assert.deepEqual(served.filter((rid) => events.get(rid)?.length !== 1), [], 'one event per served response');
    });

    it('store cut: personal data is refused with 503 AUDIT_UNAVAILABLE and not a byte of it, for JWTs and API keys', { timeout: TEST_TIMEOUT }, async (t) => {
      proxy.cut();
      const person = people.get(citizens[1]!)!;
      const single = await asOfficer(person.pn, 'cut-officer');
      assertFailedClosed(single, person, 'officer, store cut');
      assert.equal(single.requestId, `durability-cut-officer-${nextId}`, 'the request id is echoed');
      refused.push(single.requestId!);

      // Several at once: a whole batch fails, every request in it is refused.
      const burst = await Promise.all(citizens.slice(0, 6).map(async (pn) => ({ pn, reply: await asOfficer(pn, 'cut-burst') })));
      for (const { pn, reply } of burst) {
        assertFailedClosed(reply, people.get(pn)!, `burst ${pn.slice(0, 4)}…, store cut`);
        refused.push(reply.requestId!);
      }

      const list = await post(server.url, id('cut-list'), 'query L($pns: [String!]!) { citizens(personalNumbers: $pns) { personalNumber familyName } }', { pns: citizens.slice(0, 6) }, jwtHeaders);
      for (const pn of citizens.slice(0, 6)) assertFailedClosed(list, people.get(pn)!, 'citizens list, store cut');
      refused.push(list.requestId!);

      const partner = await asPartner(person.pn, 'cut-partner');
      assertFailedClosed(partner, person, 'API key, store cut');

      // What needs neither the store nor personal data still answers.
      const typename = await post(server.url, id('cut-typename'), '{ __typename }', undefined, {});
      assert.equal(typename.status, 200, typename.text);
      assert.deepEqual(typename.body, { data: { __typename: 'Query' } });
      const me = await post(server.url, id('cut-me'), ME_QUERY, undefined, jwtHeaders);
      if (me.status === 200) {
        assert.deepEqual(me.body.data.me, { type: 'STAFF', subject: 'test-officer', organization: 'AF' });
      } else {
        assertFailedClosed(me, null, 'me, store cut');
      }
      t.diagnostic(`me with the store cut: HTTP ${me.status}`);

      const ready = await fetch(new URL('/readyz', server.url));
      const readiness = await ready.json() as { checks: Record<string, string> };
      assert.equal(ready.status, 503, 'not ready without the store');
      assert.equal(readiness.checks.store, 'down');

      assert.ok(proxy.stats().refused > 0, 'samgraf did try to reach the store');
      assert.ok(await metric(server.url, 'samgraf_access_log_commit_failures_total') >= 1, 'the failed commits show in /metrics');
      const events = await eventsFor(direct, refused);
      assert.equal(events.size, 0, 'nothing reached the store while it was cut');
    });

    it('store restored: the same process recovers by itself, writes events, and the chain verifies', { timeout: TEST_TIMEOUT }, async (t) => {
      proxy.restore();
      const pn = citizens[2]!;
      let attempts = 0;
      let first: Reply | undefined;
      for (; attempts < 20; attempts++) {
        first = await asOfficer(pn, 'recover-first');
        if (first.status === 200) break;
        assertFailedClosed(first, people.get(pn)!, 'while recovering');
        await delay(250);
      }
      t.diagnostic(`first request served after ${attempts} refused attempt(s)`);
      expectServed(first!, pn, 'first after restore');

      const burst = await Promise.all(citizens.slice(0, 16).map(async (p) => ({ p, reply: await asOfficer(p, 'recover-burst') })));
      for (const { p, reply } of burst) expectServed(reply, p, 'burst after restore');
      expectServed(await asPartner(citizens[3]!, 'recover-partner'), citizens[3]!, 'API key after restore');

      const ready = await fetch(new URL('/readyz', server.url));
      assert.equal(ready.status, 200, 'ready again');

      const events = await eventsFor(direct, served);
      assert.deepEqual(served.filter((rid) => events.get(rid)?.length !== 1), [], 'one event per served response, before and after the cut');
      assert.equal(await countEvents(direct), served.length, 'no other events: the refused requests left nothing');
      const writers = await writersIn(direct);
      assert.deepEqual(writers.filter((w) => !server.auditLog.writerIds.includes(w)), [], 'only this process\'s chains');
      assert.equal(server.auditLog.eventsWritten, served.length);

      const verify = await auditVerify(configFile);
      assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
      assert.equal(verify.events, served.length, verify.stdout);
      assert.equal(verify.chains, writers.length, verify.stdout);
    });

    it('store stalled: a request waits for its event\'s commit and returns data only after it', { timeout: TEST_TIMEOUT }, async (t) => {
      const before = proxy.stats();
      proxy.stall();
      const pns = citizens.slice(4, 9);
      const pending = pns.map((pn) => {
        const requestId = id('stall');
        const entry = { pn, requestId, settled: false, reply: undefined as Reply | undefined, error: undefined as unknown };
        const promise = post(server.url, requestId, PERSON_QUERY, { pn }, jwtHeaders).then(
          (reply) => { entry.reply = reply; entry.settled = true; },
          (error: unknown) => { entry.error = error; entry.settled = true; },
        );
        return { entry, promise };
      });

      // Wait (bounded by a count) until the writer has actually gone to the store: bytes held, or a new connection held.
      let reached = false;
      for (let i = 0; i < 400 && !reached; i++) {
        const now = proxy.stats();
        reached = now.held.toServer > 0 || now.accepted > before.accepted;
        if (!reached) await delay(25);
      }
      assert.ok(reached, `the event's write never reached the store: ${JSON.stringify(proxy.stats())}`);
      t.diagnostic(`stalled at the proxy: ${JSON.stringify(proxy.stats())}`);
      // Give a wrongly eager server every chance to answer early.
      await delay(500);
      for (const { entry } of pending) {
        assert.equal(entry.settled, false, `${entry.requestId} answered while its event could not be committed: ${entry.reply?.status} ${entry.reply?.text.slice(0, 200)}`);
      }
      const early = await eventsFor(direct, pending.map(({ entry }) => entry.requestId));
      assert.equal(early.size, 0, 'nothing committed during the stall');

      proxy.restore();
      await Promise.all(pending.map(({ promise }) => promise));
      for (const { entry } of pending) {
        assert.equal(entry.error, undefined, `${entry.requestId}: ${String(entry.error)}`);
        expectServed(entry.reply!, entry.pn, `${entry.requestId} after the stall`);
      }
      const events = await eventsFor(direct, pending.map(({ entry }) => entry.requestId));
      assert.deepEqual(pending.filter(({ entry }) => events.get(entry.requestId)?.length !== 1).map(({ entry }) => entry.requestId), [], 'each stalled request has its event');
    });

    it('a commit that lands but whose acknowledgement is lost: 503, and the chain continues after the landed event', { timeout: TEST_TIMEOUT }, async () => {
      // When the writer sends COMMIT, hold the database's answers: the COMMIT reaches MariaDB, its OK does not reach samgraf.
      let armed = true;
      const onQuery = (query: { sql?: string }) => {
        if (armed && /^commit/i.test(query.sql ?? '')) {
          armed = false;
          proxy.stall('toClient');
        }
      };
      server.store.on('query', onQuery);
      const pn = citizens[9]!;
      const requestId = id('ack-lost');
      let settled = false;
      const pending = post(server.url, requestId, PERSON_QUERY, { pn }, jwtHeaders).finally(() => { settled = true; });
      try {
        let landed: { writer: string; seq: number; hash: string; prevHash: string } | undefined;
        for (let i = 0; i < 400 && !landed; i++) {
          landed = (await eventsFor(direct, [requestId])).get(requestId)?.[0];
          if (!landed) await delay(25);
        }
        assert.ok(landed, 'the COMMIT reached the store');
        assert.equal(armed, false);
        assert.equal(settled, false, 'no answer while the commit is unacknowledged');
        proxy.cut();
        const reply = await pending;
        const person: Person = { pn, words: [] };
        // samgraf cannot know the commit landed, so it must not send the data.
        assertFailedClosed(reply, person, 'unacknowledged commit');

        proxy.restore();
        const after: string[] = [];
        for (const p of citizens.slice(10, 14)) {
          let reply2: Reply | undefined;
          for (let attempt = 0; attempt < 20; attempt++) {
            reply2 = await asOfficer(p, 'after-ack-lost');
            if (reply2.status === 200) break;
            assertFailedClosed(reply2, null, 'while recovering');
            await delay(250);
          }
          expectServed(reply2!, p, 'after the lost acknowledgement');
          after.push(reply2!.requestId!);
        }
        const events = await eventsFor(direct, after);
        const next = events.get(after[0]!)?.[0];
        assert.ok(next, 'the next request has its event');
        assert.equal(next.writer, landed.writer, 'same chain');
        assert.equal(next.seq, landed.seq + 1, 'the writer re-read the end of its chain: no duplicate seq, no gap');
        assert.equal(next.prevHash, landed.hash);

        const verify = await auditVerify(configFile);
        assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
        assert.equal(verify.events, served.length + 1, `every served response plus the landed-but-refused one: ${verify.stdout}`);
        assert.equal(verify.chains, (await writersIn(direct)).length);
      } finally {
        server.store.off('query', onQuery);
        proxy.restore();
        await pending.catch(() => undefined);
      }
    });
  });

  describe('two samgraf processes writing to one store at once', () => {
    let store: TestDatabases;
    let storeUrl: string;
    const proxies: TcpProxy[] = [];
    let direct: Knex;
    let verifyConfig: string;

    before(async () => {
      jwtHeaders = await superuserHeaders();
      store = await createTestDatabases(['store']);
      storeUrl = store.urls.store!;
      direct = openDatabase(storeUrl);
      verifyConfig = writeConfig(dir, 'two-processes-verify.json', { ...seeded.urls, store: storeUrl });
    });

    after(async () => {
      await stopAll();
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await direct?.destroy();
      await store?.drop();
    });

    it('32 clients across both: every response 200, one event per personal-data response, two chains, group commit, verify passes', { timeout: TEST_TIMEOUT }, async (t) => {
      const { staff } = await testIssuers();
      // Each process reaches the store through its own proxy, which counts the inserts into audit_events on the wire.
      const counters = [wireCounter('insert into `audit_events` ('), wireCounter('insert into `audit_events` (')];
      const servers: SpawnedSamgraf[] = [];
      for (const [i, counter] of counters.entries()) {
        const proxy = await startTcpProxy({ target: mysqlTarget(), tap: counter.tap });
        proxies.push(proxy);
        const config = writeConfig(dir, `replica-${i}.json`, { ...seeded.urls, store: proxy.rewrite(storeUrl) }, { auth: { issuers: [staff.config] } });
        // One after the other: each migrates the store at start.
        servers.push(await spawnSamgraf(config));
      }
      const apiKey = (await new ApiKeyStore(direct, PURPOSES).create({
        organization: '0180', name: 'replica partner', scopes: ['citizen:read', 'citizen:address:read'], purposes: ['social-services'], municipality: null, expiresAt: null,
      })).key;

      const CLIENTS = 32;
      const PER_CLIENT = 12;
      const results: { requestId: string; server: number; personal: boolean; pn: string | null; reply: Reply }[] = [];
      await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
        for (let n = 0; n < PER_CLIENT; n++) {
          const target = (c + n) % 2;
          const requestId = `replicas-c${c}-n${n}`;
          const url = servers[target]!.url;
          if (n % 4 === 3) {
            results.push({ requestId, server: target, personal: false, pn: null, reply: await post(url, requestId, ME_QUERY, undefined, jwtHeaders) });
            continue;
          }
          const pn = citizens[(c * PER_CLIENT + n) % citizens.length]!;
          const headers = n % 4 === 1 ? { 'x-api-key': apiKey, 'x-purpose': 'social-services' } : jwtHeaders;
          results.push({ requestId, server: target, personal: true, pn, reply: await post(url, requestId, PERSON_QUERY, { pn }, headers) });
        }
      }));

      assert.equal(results.length, CLIENTS * PER_CLIENT);
      const notOk = results.filter(({ reply }) => reply.status !== 200);
      assert.deepEqual(notOk.map(({ requestId, reply }) => `${requestId}: ${reply.status} ${reply.text.slice(0, 200)}`), [], 'every response 200');
      const personal = results.filter((r) => r.personal);
      assert.deepEqual(personal.filter((r) => !servedPerson(r.reply, r.pn!)).map((r) => r.requestId), [], 'every personal-data response carries the person');
      assert.deepEqual(results.filter((r) => r.reply.requestId !== r.requestId).map((r) => r.requestId), [], 'request ids echoed');

      const events = await eventsFor(direct, results.map((r) => r.requestId));
      assert.deepEqual(personal.filter((r) => events.get(r.requestId)?.length !== 1).map((r) => r.requestId), [], 'exactly one event per personal-data response');
      assert.deepEqual(results.filter((r) => !r.personal && events.has(r.requestId)).map((r) => r.requestId), [], '`me` reads nothing personal and is not logged');
      assert.equal(await countEvents(direct), personal.length, 'the store holds exactly as many events as personal-data responses');

      // Each process writes its own chains (one per commit lane), and no chain is shared or foreign.
      const writerIds = servers.map((s) => s.writerIds() ?? []);
      assert.ok(writerIds.every((ids) => ids.length >= 1), `each process logged its writers: ${JSON.stringify(writerIds)}`);
      assert.equal(new Set(writerIds.flat()).size, writerIds.flat().length, 'no chain belongs to both processes');
      const stored = await writersIn(direct);
      assert.deepEqual(stored.filter((w) => !writerIds.flat().includes(w)), [], 'no chain but the two processes\'');
      for (const [i, ids] of writerIds.entries()) {
        const wrong = personal.filter((r) => r.server === i && !ids.includes(events.get(r.requestId)?.[0]?.writer ?? ''));
        assert.deepEqual(wrong.map((r) => r.requestId), [], `process ${i}'s requests are in its own chains`);
      }

      // Group commit: one multi-row insert per batch, so fewer commits than events, at least on one process. Each
      // process reports its commits and events in /metrics; its proxy counts the inserts on the wire independently.
      const perProcess = await Promise.all(writerIds.map(async (ids, i) => {
        const [row] = await direct('audit_events').whereIn('writer_id', ids).count({ n: '*' }) as { n: number | string }[];
        return {
          stored: Number(row!.n),
          events: await metric(servers[i]!.url, 'samgraf_access_log_events_total'),
          commits: await metric(servers[i]!.url, 'samgraf_access_log_commit_duration_seconds_count'),
          failures: await metric(servers[i]!.url, 'samgraf_access_log_commit_failures_total'),
          inserts: counters[i]!.count,
        };
      }));
      t.diagnostic(`per process: ${JSON.stringify(perProcess)}`);
      for (const p of perProcess) {
        assert.equal(p.events, p.stored, `events reported = events in the chain: ${JSON.stringify(perProcess)}`);
        assert.equal(p.failures, 0);
        assert.equal(p.inserts, p.commits, `one insert into audit_events per commit: ${JSON.stringify(perProcess)}`);
        assert.ok(p.commits >= 1 && p.commits <= p.events, JSON.stringify(perProcess));
      }
      assert.ok(perProcess.some((p) => p.events > p.commits), `no commit ever held more than one event: ${JSON.stringify(perProcess)}`);

      const verify = await auditVerify(verifyConfig);
      assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
      assert.equal(verify.events, personal.length, verify.stdout);
      assert.equal(verify.chains, stored.length, verify.stdout);

      // Operational logs carry no personal numbers.
      for (const s of servers) {
        const leaked = citizens.filter((pn) => s.output().includes(pn) || s.output().includes(pn.slice(2)));
        assert.deepEqual(leaked, [], 'personal numbers in the operational log');
      }
    });
  });

  describe('kill -9 mid-load', () => {
    let store: TestDatabases;
    let direct: Knex;
    let configFile: string;
    let crashedWriters: string[];

    before(async () => {
      jwtHeaders = await superuserHeaders();
      store = await createTestDatabases(['store']);
      direct = openDatabase(store.urls.store!);
      const { staff } = await testIssuers();
      configFile = writeConfig(dir, 'crash.json', { ...seeded.urls, store: store.urls.store! }, { auth: { issuers: [staff.config] } });
    });

    after(async () => {
      await stopAll();
      await direct?.destroy();
      await store?.drop();
    });

    it('every response a client received with personal data has its event, and the chain verifies', { timeout: TEST_TIMEOUT }, async (t) => {
      const victim = await spawnSamgraf(configFile);
      const CLIENTS = 32;
      const PER_CLIENT = 40;
      const KILL_AFTER = 150;
      let received = 0;
      let killed = false;
      const results: { requestId: string; pn: string; reply: Reply | null; sentBeforeKill: boolean }[] = [];
      await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
        for (let n = 0; n < PER_CLIENT; n++) {
          const requestId = `crash-c${c}-n${n}`;
          const pn = citizens[(c + n) % citizens.length]!;
          const sentBeforeKill = !killed;
          let reply: Reply;
          try {
            reply = await post(victim.url, requestId, PERSON_QUERY, { pn }, jwtHeaders);
          } catch {
            results.push({ requestId, pn, reply: null, sentBeforeKill });
            return; // the server is gone: this client stops
          }
          results.push({ requestId, pn, reply, sentBeforeKill });
          received += 1;
          if (!killed && received >= KILL_AFTER) {
            killed = true;
            victim.child.kill('SIGKILL');
          }
        }
      }));
      const exit = await victim.exited;
      assert.equal(exit.signal, 'SIGKILL');
      crashedWriters = victim.writerIds()!;
      assert.ok(crashedWriters?.length, 'the process logged its writer ids');

      const answered = results.filter((r) => r.reply !== null);
      const inFlight = results.filter((r) => r.reply === null && r.sentBeforeKill);
      const withData = answered.filter((r) => servedPerson(r.reply!, r.pn));
      t.diagnostic(`answered ${answered.length} (with data ${withData.length}); in flight at the kill, never answered: ${inFlight.length}; refused after it: ${results.length - answered.length - inFlight.length}`);
      assert.ok(results.length < CLIENTS * PER_CLIENT, 'the kill came mid-run: the clients had requests left');
      assert.ok(withData.length >= KILL_AFTER - 1, 'the load ran before the kill');
      assert.deepEqual(answered.filter((r) => r.reply!.status !== 200).map((r) => `${r.requestId}: ${r.reply!.status}`), [], 'before the kill every answer was 200');
      assert.deepEqual(withData.filter((r) => r.reply!.requestId !== r.requestId).map((r) => r.requestId), []);

      const events = await eventsFor(direct, results.map((r) => r.requestId));
      assert.deepEqual(withData.filter((r) => events.get(r.requestId)?.length !== 1).map((r) => r.requestId), [], 'every response received with personal data has exactly one event');
      const stored = await writersIn(direct);
      assert.deepEqual(stored.filter((w) => !crashedWriters.includes(w)), [], 'only the crashed process\'s chains');
      // Events of requests whose answer never arrived may or may not exist (committed, then killed before sending).
      const total = await countEvents(direct);
      assert.ok(total >= withData.length && total <= results.length, `events ${total}, received with data ${withData.length}, sent ${results.length}`);

      const verify = await auditVerify(configFile);
      assert.equal(verify.code, 0, `audit verify after kill -9: ${verify.stdout}${verify.stderr}`);
      assert.equal(verify.chains, stored.length);
      assert.equal(verify.events, total);
    });

    it('a new process on the same store writes a new chain, and both verify', { timeout: TEST_TIMEOUT }, async () => {
      assert.ok(crashedWriters, 'runs after the kill -9 test');
      const before = await countEvents(direct);
      const chainsBefore = await writersIn(direct);
      const successor = await spawnSamgraf(configFile);
      const requests = citizens.slice(0, 24).map((pn, i) => ({ pn, requestId: `successor-${i}` }));
      const replies = await Promise.all(requests.map(async (r) => ({ ...r, reply: await post(successor.url, r.requestId, PERSON_QUERY, { pn: r.pn }, jwtHeaders) })));
      assert.deepEqual(replies.filter((r) => !servedPerson(r.reply, r.pn)).map((r) => `${r.requestId}: ${r.reply.status} ${r.reply.text.slice(0, 200)}`), []);

      const events = await eventsFor(direct, requests.map((r) => r.requestId));
      const successorWriters = successor.writerIds() ?? [];
      assert.ok(successorWriters.length > 0 && successorWriters.every((w) => !crashedWriters.includes(w)), 'new writers');
      assert.deepEqual(requests.filter((r) => !successorWriters.includes(events.get(r.requestId)?.[0]?.writer ?? '') || events.get(r.requestId)?.length !== 1).map((r) => r.requestId), []);
      const stored = await writersIn(direct);
      assert.deepEqual(stored.filter((w) => !chainsBefore.includes(w) && !successorWriters.includes(w)), [], 'no other chains');
      assert.equal(await countEvents(direct), before + requests.length);
      // Each new chain starts at 1 and has no gap.
      const byWriter = new Map<string, number[]>();
      for (const [event] of events.values()) byWriter.set(event!.writer, [...(byWriter.get(event!.writer) ?? []), event!.seq]);
      for (const [writer, seqs] of byWriter) assert.deepEqual(seqs.sort((a, b) => a - b), seqs.map((_, i) => i + 1), `chain ${writer} starts at 1`);

      const verify = await auditVerify(configFile);
      assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
      assert.equal(verify.chains, stored.length);
      assert.equal(verify.events, before + requests.length);
    });
  });
});
