/**
 * Rate limits (README "Rate limits"): `rateLimit.points` requests per principal per window — per API key, per
 * JWT issuer and subject — then HTTP 429 RATE_LIMITED with Retry-After. In memory by default; with
 * `rateLimit.redisUrl` all replicas draw on one budget, checked here with two samgraf processes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { openDatabase } from '../src/core/db.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { repoRoot } from './helpers/repo.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli.js');
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ME = '{ me { subject type } }';

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function ask(graphqlUrl: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query: ME }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() as Answer['body'] };
}

async function officer(sub: string, claims: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const { staff } = await testIssuers();
  return { authorization: `Bearer ${await staff.mint({ sub, org: 'FK', scope: 'citizen:read', ...claims })}` };
}

function assertServed(answer: Answer, label: string): void {
  assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.errors, undefined, label);
  assert.ok(answer.body.data?.me?.subject, label);
}

function assertRateLimited(answer: Answer, label: string, windowSeconds: number): void {
  assert.equal(answer.status, 429, `${label}: ${JSON.stringify(answer.body)}`);
  assert.deepEqual(answer.body.errors?.map((e) => e.extensions?.code), ['RATE_LIMITED'], label);
  assert.ok(answer.body.data === undefined || answer.body.data === null, `${label}: no data`);
  assert.ok(answer.retryAfter !== null, `${label}: Retry-After is sent`);
  assert.match(answer.retryAfter, /^\d+$/, `${label}: Retry-After is whole seconds, got ${answer.retryAfter}`);
  const seconds = Number(answer.retryAfter);
  assert.ok(seconds >= 1 && seconds <= windowSeconds, `${label}: Retry-After ${seconds} within 1..${windowSeconds}`);
}

describe('rate limits in memory (5 per 60 s)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let keys: { id: string; key: string }[];

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 20, seed: 'rate-limit' });
    server = await startTestServer(seeded.urls, { rateLimit: { points: 5, durationSeconds: 60 } });
    const store = openDatabase(seeded.urls.store);
    try {
      const apiKeys = new ApiKeyStore(store, ['social-services']);
      const spec = { organization: '0180', name: 'rate-limit test', scopes: ['citizen:read'], purposes: ['social-services'], municipality: '0180', expiresAt: null };
      keys = [await apiKeys.create(spec), await apiKeys.create(spec)];
    } finally {
      await store.destroy();
    }
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  it("a JWT subject's 6th request is 429 RATE_LIMITED with Retry-After; a new token of the same subject shares the budget", async () => {
    const headers = await officer('rl-officer-a');
    for (let i = 1; i <= 5; i++) assertServed(await ask(server.url, headers), `request ${i}`);
    assertRateLimited(await ask(server.url, headers), 'request 6', 60);
    // Another token for the same issuer and subject (other exp, so another string): the same principal.
    const again = await officer('rl-officer-a', { exp: Math.floor(Date.now() / 1000) + 900, scope: 'citizen:read case:read' });
    assert.notEqual(again.authorization, headers.authorization);
    assertRateLimited(await ask(server.url, again), 'a fresh token of the same subject', 60);
  });

  it('another JWT subject has its own budget', async () => {
    const headers = await officer('rl-officer-b');
    for (let i = 1; i <= 5; i++) assertServed(await ask(server.url, headers), `subject b, request ${i}`);
    assertRateLimited(await ask(server.url, headers), 'subject b, request 6', 60);
  });

  it('an API key has its own budget, counted per key', async () => {
    const [first, second] = keys as [{ id: string; key: string }, { id: string; key: string }];
    for (let i = 1; i <= 5; i++) {
      const answer = await ask(server.url, { 'x-api-key': first.key });
      assertServed(answer, `key 1, request ${i}`);
      assert.equal(answer.body.data.me.type, 'API_KEY');
    }
    assertRateLimited(await ask(server.url, { 'x-api-key': first.key }), 'key 1, request 6', 60);
    // Another key of the same organisation: its own budget.
    for (let i = 1; i <= 5; i++) assertServed(await ask(server.url, { 'x-api-key': second.key }), `key 2, request ${i}`);
    assertRateLimited(await ask(server.url, { 'x-api-key': second.key }), 'key 2, request 6', 60);
  });

  it('a JWT whose subject equals a spent API key id is still another principal with its own budget', async () => {
    const headers = await officer(keys[0]!.id);
    assertServed(await ask(server.url, headers), 'JWT with the key id as subject');
  });
});

describe('rate limits in Redis: two samgraf processes share one budget (10 per 60 s)', () => {
  let seeded: SeededSources;
  let dir: string;
  let redis: Redis;
  const keyPrefix = `samgraf-rl-test-${randomUUID()}`;
  const children: { child: ChildProcess; exited: Promise<number | null>; stderr: () => string }[] = [];
  const urls: string[] = [];

  async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
  }

  async function prefixedKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    for (let round = 0; round < 1000; round++) {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    return found;
  }

  before(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    assert.equal(await redis.ping(), 'PONG');
    seeded = await seededSources('sqlite', { citizens: 20, seed: 'rate-limit-redis' });
    dir = mkdtempSync(join(tmpdir(), 'samgraf-rl-'));
    const { staff } = await testIssuers();
    const logDir = process.env.SAMGRAF_TEST_LOG_DIR;
    if (logDir) mkdirSync(logDir, { recursive: true });
    for (const replica of ['a', 'b']) {
      const configFile = join(dir, `samgraf-${replica}.json`);
      writeFileSync(configFile, JSON.stringify({
        server: { port: 4000, host: '127.0.0.1' },
        sources: {
          populationRegister: { url: seeded.urls.populationRegister },
          socialInsurance: { url: seeded.urls.socialInsurance },
          employmentService: { url: seeded.urls.employmentService },
        },
        // One store per replica, as separate instances would have (the budget is what they share).
        store: { url: `sqlite://${join(dir, `store-${replica}.db`)}` },
        auth: { issuers: [staff.config] },
        rateLimit: { points: 10, durationSeconds: 60, redisUrl: REDIS_URL, keyPrefix },
      }));
      const port = await freePort();
      const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      // The replicas' operational logs join the suite's log scan for personal data.
      if (logDir) child.stderr!.pipe(createWriteStream(join(logDir, `samgraf-rl-replica-${replica}-${process.pid}.log`)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      children.push({ child, exited, stderr: () => stderr });
      urls.push(`http://127.0.0.1:${port}/graphql`);
    }
    for (const [i, url] of urls.entries()) {
      let up = false;
      for (let attempt = 0; attempt < 300 && !up; attempt++) {
        if (children[i]!.child.exitCode !== null) break;
        try {
          up = (await fetch(new URL('/healthz', url))).ok;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.ok(up, `replica ${i} is up; stderr: ${children[i]!.stderr()}`);
    }
  });

  after(async () => {
    for (const { child, exited } of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref())]);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (redis) {
      const leftover = await prefixedKeys().catch(() => []);
      if (leftover.length > 0) await redis.del(...leftover);
      await redis.quit();
    }
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each replica reaches Redis (a warm-up principal per replica leaves its counter there)', async () => {
    // A replica counts in memory until its Redis connection is ready; warm up with throwaway principals
    // until each replica's counter shows up in Redis, so that the shared-budget test below counts in Redis only.
    for (const [i, url] of urls.entries()) {
      const headers = await officer(`rl-warm-up-${i}`);
      let inRedis = false;
      for (let attempt = 0; attempt < 8 && !inRedis; attempt++) {
        assertServed(await ask(url, headers), `warm-up ${i}.${attempt}`);
        inRedis = (await prefixedKeys()).length === i + 1;
        if (!inRedis) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(inRedis, `replica ${i} counts in Redis under ${keyPrefix}`);
    }
  });

  it('one principal alternating between the replicas gets exactly 10 requests in total, then 429', async () => {
    const headers = await officer('rl-shared-officer');
    const statuses: number[] = [];
    const perReplica = [0, 0];
    for (let i = 0; i < 16; i++) {
      const replica = i % 2;
      const answer = await ask(urls[replica]!, headers);
      statuses.push(answer.status);
      if (answer.status === 200) {
        assertServed(answer, `request ${i + 1} (replica ${replica})`);
        perReplica[replica]! += 1;
      } else {
        assertRateLimited(answer, `request ${i + 1} (replica ${replica})`, 60);
      }
    }
    assert.equal(statuses.filter((s) => s === 200).length, 10, `statuses ${statuses.join(' ')}`);
    assert.deepEqual(statuses, [...Array(10).fill(200), ...Array(6).fill(429)]);
    // Neither replica alone reached 10: only a shared count explains the refusals.
    assert.deepEqual(perReplica, [5, 5]);
    // Another principal still has its budget on both.
    const other = await officer('rl-other-officer');
    assertServed(await ask(urls[0]!, other), 'another principal on replica a');
    assertServed(await ask(urls[1]!, other), 'another principal on replica b');
  });

  it('the Redis keys are hashes: no subject or issuer in them', async () => {
    const keys = await prefixedKeys();
    assert.equal(keys.length, 4, `two warm-up principals, the shared one and the other one: ${keys.join(', ')}`);
    for (const key of keys) {
      assert.doesNotMatch(key, /officer|warm-up|idp\.staff/);
    }
  });
});
