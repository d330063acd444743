/**
 * The `samgraf` command as an operator runs it: seed into MariaDB, serve from a config file, stop on SIGTERM,
 * and refuse bad input with a message and a non-zero exit.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { personalNumbersIn } from './helpers/pii.js';
import { repoRoot } from './helpers/repo.js';
import { superuserHeaders, testIssuers } from './helpers/tokens.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli.js');

function samgraf(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

describe('samgraf CLI', () => {
  let databases: TestDatabases;
  let dir: string;
  let configFile: string;

  before(async () => {
    databases = await createTestDatabases(['skv', 'fk', 'af', 'store']);
    dir = mkdtempSync(join(tmpdir(), 'samgraf-cli-'));
    configFile = join(dir, 'samgraf.json');
    // The population register's database does not exist yet: seed creates it with the agency's charset.
    const skvUrl = new URL(databases.urls.skv!);
    skvUrl.pathname = `${skvUrl.pathname}_new`;
    writeFileSync(configFile, JSON.stringify({
      server: { port: 4000, host: '127.0.0.1' },
      sources: {
        populationRegister: { url: '${SKV_URL}' },
        socialInsurance: { url: databases.urls.fk },
        employmentService: { url: databases.urls.af },
      },
      store: { url: databases.urls.store },
      auth: { issuers: [(await testIssuers()).staff.config] },
    }));
    process.env.SKV_URL = skvUrl.toString();
  });

  after(async () => {
    const skv = openDatabase(databases.urls.skv!);
    await skv.raw('DROP DATABASE IF EXISTS ??', [`${new URL(databases.urls.skv!).pathname.slice(1)}_new`]);
    await skv.destroy();
    await databases?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seed fills the three sources, creating a missing database with its charset, identically each time', async () => {
    const first = samgraf(['seed', '--config', configFile, '--citizens', '120', '--seed', 'cli']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /FB_PERSON: 120 rows/);
    const second = samgraf(['seed', '--config', configFile, '--citizens', '120', '--seed', 'cli']);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    const skv = openDatabase(process.env.SKV_URL!);
    const [rows] = await skv.raw('SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()');
    await skv.destroy();
    assert.equal(rows[0].cs, 'latin1');
  });

  it('serve answers GraphQL on PORT, reports ready, and exits 0 on SIGTERM', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      // Outside demo mode there is no demo issuer to fetch keys from.
      assert.equal((await fetch(`http://127.0.0.1:${port}/demo/jwks.json`)).status, 404);
      const query = JSON.stringify({ query: '{ citizensByMunicipality(code: "0180", first: 2) { edges { node { personalNumber } } } }' });
      const anonymous = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query });
      assert.equal(anonymous.status, 401);
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await superuserHeaders()) },
        body: query,
      });
      assert.equal(response.status, 200);
      const body = await response.json() as { data: { citizensByMunicipality: { edges: unknown[] } } };
      assert.ok(Array.isArray(body.data.citizensByMunicipality.edges));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(personalNumbersIn(stderr), [], 'operational log holds no personal number');
  });

  it('refuses an invalid config naming the key, and bad usage with exit 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ sources: { populationRegister: { url: 'ftp://x/y' } }, store: { url: 'sqlite::memory:' }, colour: 'blue' }));
    const result = samgraf(['serve', '--config', bad]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /sources\.populationRegister\.url: unsupported scheme ftp/);
    assert.match(result.stderr, /sources\.socialInsurance:/);
    assert.match(result.stderr, /\(root\): unknown key colour/);

    const usage = samgraf(['seed', '--config', configFile, '--citizens', 'many', '--seed', 'x']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--citizens must be a positive whole number/);
    assert.equal(samgraf(['frobnicate']).status, 2);
    assert.equal(samgraf(['serve']).status, 2);
  });
});

describe('samgraf --help', () => {
  // Each command, with the line of its own usage that the help must show; nothing here needs a config or a database.
  const cases: [string[], RegExp][] = [
    [['serve', '--help'], /^ {2}samgraf serve \[--config FILE\] \[--check-config\]$/m],
    [['serve', '--config', '/nonexistent/samgraf.json', '-h'], /^ {2}samgraf serve /m],
    [["demo", "--help"], /^ {2}samgraf demo {2}\[--data-dir DIR\] \[--port N\] \[--federated \| --life-events\]$/m],
    [['seed', '--citizens', '10', '--help'], /^ {2}samgraf seed {2}--config FILE --citizens N --seed S/m],
    [['migrate', '--help'], /^ {2}samgraf migrate \[--config FILE\]/m],
    [['apikey', 'create', '--help'], /^ {2}samgraf apikey create \[--config FILE\] --org CODE/m],
    [['apikey', 'list', '-h'], /^ {2}samgraf apikey list /m],
    [['apikey', 'revoke', '--help'], /^ {2}samgraf apikey revoke \[--config FILE\] ID$/m],
    [['audit', 'verify', '--help'], /^ {2}samgraf audit verify /m],
    [['audit', 'export', '--help'], /^ {2}samgraf audit export \[--config FILE\] \[--from DATE\|INSTANT\]/m],
    [['audit', 'prune', '--help'], /^ {2}samgraf audit prune /m],
    [['policy', 'matrix', '--help'], /^ {2}samgraf policy matrix \[--format text\|json\] \[--supergraph FILE\]$/m],
    [['compose', '--help'], /^ {2}samgraf compose --config FILE \[--from running\|package\] \[-o FILE\]$/m],
    [['token', '--help'], /^ {2}samgraf token \[--data-dir DIR\] \(--sub ID/m],
    [['token', '--sub', 'x', '-h'], /^ {2}samgraf token /m],
    [['help', 'token'], /^ {2}samgraf token /m],
  ];

  for (const [args, usage] of cases) {
    it(`samgraf ${args.join(' ')} prints that command's usage and exits 0`, () => {
      const result = samgraf(args, { SAMGRAF_CONFIG: '', SAMGRAF_DATA_DIR: '/nonexistent' });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^usage:\n/);
      assert.match(result.stdout, usage);
    });
  }

  it('a command with subcommands lists each of them; a subcommand shows only its own', () => {
    const apikey = samgraf(['apikey', '--help']);
    assert.equal(apikey.status, 0, apikey.stderr);
    for (const sub of ['create', 'list', 'revoke']) assert.match(apikey.stdout, new RegExp(`^ {2}samgraf apikey ${sub} `, 'm'));
    assert.doesNotMatch(apikey.stdout, /samgraf (audit|token|serve)/);
    const create = samgraf(['apikey', 'create', '--help']);
    assert.doesNotMatch(create.stdout, /apikey (list|revoke)/);
  });

  it('the overall usage is unchanged: samgraf --help, -h and help list every command', () => {
    for (const args of [['--help'], ['-h'], ['help'], []]) {
      const result = samgraf(args);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^usage: samgraf <command> \[options\]\n\ncommands:\n/);
      for (const command of ['serve', 'demo', 'seed', 'migrate', 'apikey create', 'apikey list', 'apikey revoke', 'audit verify', 'audit export', 'audit prune', 'policy matrix', 'compose', 'token']) {
        assert.match(result.stdout, new RegExp(`^ {2}${command} `, 'm'), command);
      }
    }
  });

  it('bad usage still exits 2, with the command\'s own usage; an unknown command with --help too', () => {
    const bogus = samgraf(['token', '--bogus']);
    assert.equal(bogus.status, 2);
    assert.match(bogus.stderr, /^samgraf: Unknown option '--bogus'/);
    assert.match(bogus.stderr, /^ {2}samgraf token /m);
    assert.equal(bogus.stdout, '');
    for (const args of [['frobnicate', '--help'], ['help', 'frobnicate']]) {
      const unknown = samgraf(args);
      assert.equal(unknown.status, 2, args.join(' '));
      assert.match(unknown.stderr, /unknown command: frobnicate/);
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for the server');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
