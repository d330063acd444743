/**
 * Partner agencies' API keys: created with the CLI and shown once, stored as a hash, listed without the key,
 * revoked with effect on the next request; unknown, revoked, expired and malformed keys are refused.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { ApiKeyStore, secretMatches } from '../src/security/api-keys.js';
import { runCli } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

const PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];

describe('API keys (MariaDB store)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let dir: string;
  let configFile: string;
  let stockholmer: string;

  const samgraf = (...args: string[]) => runCli([...args, '--config', configFile], { timeoutMs: 60_000 });
  const asPartner = (key: string | undefined, query = `{ citizen(personalNumber: "${stockholmer}") { familyName } }`) =>
    server.query(query, undefined, { authorization: undefined, 'x-api-key': key, 'x-purpose': 'social-services' });

  async function createKey(...extra: string[]): Promise<{ id: string; key: string }> {
    const result = await samgraf('apikey', 'create', '--org', '0180', '--name', 'Stockholms stad', '--scopes', 'citizen:read citizen:address:read',
      '--purposes', 'social-services', '--municipality', '0180', ...extra);
    assert.equal(result.status, 0, result.stderr);
    const key = result.stdout.trim();
    const id = /^API key ([0-9a-f]{16}) created/.exec(result.stderr)?.[1];
    assert.ok(id, result.stderr);
    return { id, key };
  }

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 300, seed: 'api-keys' });
    server = await startTestServer(seeded.urls);
    const register = openDatabase(seeded.urls.populationRegister);
    stockholmer = (await register('FB_PERSON').where('KOMMUNKOD', '0180').whereNull('SKYDDAD_FB').orderBy('PERSONID').first('PERSONID')).PERSONID;
    await register.destroy();
    dir = mkdtempSync(join(tmpdir(), 'samgraf-keys-'));
    configFile = join(dir, 'samgraf.json');
    writeFileSync(configFile, JSON.stringify({
      sources: { populationRegister: { url: seeded.urls.populationRegister }, socialInsurance: { url: seeded.urls.socialInsurance }, employmentService: { url: seeded.urls.employmentService } },
      store: { url: seeded.urls.store },
    }));
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create prints a prefixed key once; the store holds only its hash; list never shows it', async () => {
    const { id, key } = await createKey('--expires', '90d');
    assert.match(key, /^sgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const store = openDatabase(seeded.urls.store);
    const row = await store('api_keys').where({ id }).first();
    await store.destroy();
    assert.equal(row.secret_sha256, crypto.createHash('sha256').update(key.split('_').slice(2).join('_')).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(key.slice(21)), 'the secret is not stored');
    const list = await samgraf('apikey', 'list');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${id}\\s+active\\s+0180\\s+Stockholms stad\\s+0180\\s+citizen:read citizen:address:read\\s+social-services`, 'm'));
    assert.ok(!list.stdout.includes(key.slice(21)));
    const json = JSON.parse((await samgraf('apikey', 'list', '--format', 'json')).stdout) as { id: string; expiresAt: string }[];
    const listed = json.find((k) => k.id === id)!;
    const days = (Date.parse(listed.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 89.9 && days <= 90, `expires in ${days} days`);
  });

  it('a valid key is a principal of its organisation, scopes, purposes and municipality', async () => {
    const { id, key } = await createKey();
    const me = await asPartner(key, '{ me { type subject organization scopes purposes municipality apiKeyId } }');
    assert.deepEqual(me.data?.me, {
      type: 'API_KEY', subject: id, organization: '0180', scopes: ['citizen:address:read', 'citizen:read'],
      purposes: ['social-services'], municipality: '0180', apiKeyId: id,
    });
    const read = await asPartner(key);
    assert.equal(read.status, 200);
    assert.equal(typeof read.data?.citizen?.familyName, 'string');
  });

  it('revoke takes effect on the next request', async () => {
    const { id, key } = await createKey();
    assert.equal((await asPartner(key)).status, 200);
    const revoked = await samgraf('apikey', 'revoke', id);
    assert.equal(revoked.status, 0, revoked.stderr);
    const refused = await asPartner(key);
    assert.equal(refused.status, 401);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(refused.data ?? null, null);
    assert.match((await samgraf('apikey', 'list')).stdout, new RegExp(`^${id}\\s+revoked`, 'm'));
    const again = await samgraf('apikey', 'revoke', id);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no active API key/);
  });

  it('unknown, expired and malformed keys are refused with 401 and no data', async () => {
    const { key } = await createKey();
    const store = new ApiKeyStore(server.store, PURPOSES);
    const expired = await store.create({ organization: 'FK', name: 'old', scopes: ['citizen:read'], purposes: ['social-services'], municipality: null, expiresAt: new Date(Date.now() - 1000) });
    const unknownId = `sgk_${'0'.repeat(16)}_${key.split('_').slice(2).join('_')}`;
    const wrongSecret = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    for (const candidate of [unknownId, wrongSecret, expired.key, 'sgk_', 'not-a-key', `${key} extra`, 'x'.repeat(10_000), key.toUpperCase()]) {
      const response = await asPartner(candidate);
      assert.equal(response.status, 401, candidate.slice(0, 40));
      assert.equal(response.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(response.data ?? null, null);
    }
    const expiredResponse = await asPartner(expired.key);
    assert.match(expiredResponse.errors![0]!.message, /expired/);
  });

  it('compares the secret in constant time, also for an unknown key id', async () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      const { key } = await createKey();
      await asPartner(key);
      await asPartner(`sgk_${'f'.repeat(16)}_${'A'.repeat(43)}`);
      assert.ok(spy.mock.callCount() >= 2, `timingSafeEqual called ${spy.mock.callCount()} times`);
    } finally {
      spy.mock.restore();
    }
    assert.equal(secretMatches('abc', crypto.createHash('sha256').update('abc').digest('hex')), true);
    assert.equal(secretMatches('abd', crypto.createHash('sha256').update('abc').digest('hex')), false);
  });

  it('create refuses unknown scopes, unconfigured purposes, a bad municipality and a past expiry', async () => {
    const base = ['apikey', 'create', '--org', 'FK', '--name', 'x'];
    const cases: [string[], RegExp][] = [
      [[...base, '--scopes', 'citizen:write', '--purposes', 'audit'], /unknown scope\(s\): citizen:write/],
      [[...base, '--scopes', 'citizen:read', '--purposes', 'marketing'], /purpose\(s\) not in the configuration: marketing/],
      [[...base, '--scopes', 'citizen:read', '--purposes', 'audit', '--municipality', '180'], /4-digit/],
      [[...base, '--scopes', 'citizen:read', '--purposes', 'audit', '--expires', '2001-01-01'], /in the future/],
      [['apikey', 'create', '--name', 'x', '--scopes', 'citizen:read', '--purposes', 'audit'], /--org CODE is required/],
    ];
    for (const [args, message] of cases) {
      const result = await samgraf(...args);
      assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });
});
