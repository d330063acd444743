/**
 * Operators are told why (README "Health, metrics, logs, shutdown"), on MariaDB: a source whose password is
 * wrong is logged at start and named in /readyz — which source, user, host, database and the driver's code,
 * never the password — and its recovery is logged; `samgraf serve --check-config --connect` connects to each
 * database and exits 1 naming the one that fails; a missing store database stops the server with a message
 * naming the store and the database, and `samgraf migrate` creates it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { runCli } from './helpers/cli.js';
import { createTestDatabases, TEST_MYSQL_URL, type TestDatabases } from './helpers/mysql.js';
import { capturingLogger, startTestServer, type SourceUrls } from './helpers/samgraf.js';

function admin(): Knex {
  const url = new URL(TEST_MYSQL_URL);
  return knexFactory({ client: 'mysql2', connection: { host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username) || 'root', password: decodeURIComponent(url.password) }, pool: { min: 0, max: 1 } });
}

function withCredentials(url: string, user: string, password: string): string {
  const changed = new URL(url);
  changed.username = user;
  changed.password = password;
  return changed.toString();
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

describe('operators are told why a database cannot be reached (MariaDB)', () => {
  let databases: TestDatabases;
  let urls: SourceUrls;
  let dir: string;
  const user = `sg_${randomBytes(4).toString('hex')}`;
  const right = `Right-${randomBytes(6).toString('hex')}`;
  const wrong = `Wrong-${randomBytes(6).toString('hex')}`;
  const missingStore = `samgraf_t_${randomBytes(5).toString('hex')}_newstore`;

  const writeConfig = (name: string, sources: SourceUrls) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({
      sources: { populationRegister: { url: sources.populationRegister }, socialInsurance: { url: sources.socialInsurance }, employmentService: { url: sources.employmentService } },
      store: { url: sources.store },
    }));
    return file;
  };

  before(async () => {
    databases = await createTestDatabases(['skv', 'fk', 'af', 'store']);
    urls = { populationRegister: databases.urls.skv!, socialInsurance: databases.urls.fk!, employmentService: databases.urls.af!, store: databases.urls.store! };
    const db = admin();
    try {
      for (const host of ['%', 'localhost']) {
        await db.raw('CREATE USER ??@?? IDENTIFIED BY ?', [user, host, right]);
        await db.raw('GRANT SELECT ON ??.* TO ??@??', [databaseOf(urls.populationRegister), user, host]);
      }
    } finally {
      await db.destroy();
    }
    dir = mkdtempSync(join(tmpdir(), 'samgraf-diagnostics-'));
  });

  after(async () => {
    const db = admin();
    try {
      for (const host of ['%', 'localhost']) await db.raw('DROP USER IF EXISTS ??@??', [user, host]);
      await db.raw('DROP DATABASE IF EXISTS ??', [missingStore]);
    } finally {
      await db.destroy();
    }
    await databases?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a wrong source password: logged at start, named in /readyz, no password anywhere; its recovery is logged', { timeout: 60_000 }, async () => {
    const log = capturingLogger();
    const server = await startTestServer({ ...urls, populationRegister: withCredentials(urls.populationRegister, user, wrong) }, {}, {}, log.logger);
    try {
      const down = log.lines().filter((line) => line.msg === 'populationRegister is unreachable');
      assert.equal(down.length, 1, JSON.stringify(log.lines().filter((line) => line.level !== 30 || String(line.msg).includes('reach'))));
      assert.deepEqual({ check: down[0]!.check, user: down[0]!.user, host: down[0]!.host, port: down[0]!.port, database: down[0]!.database, code: down[0]!.code },
        { check: 'populationRegister', user, host: '127.0.0.1', port: 3306, database: databaseOf(urls.populationRegister), code: 'ER_ACCESS_DENIED_ERROR' });
      for (const name of ['socialInsurance', 'employmentService', 'store']) {
        assert.equal(log.lines().filter((line) => line.msg === `${name} is reachable`).length, 1, `${name} is logged as reachable`);
      }

      const response = await fetch(new URL('/readyz', server.url));
      assert.equal(response.status, 503);
      const text = await response.text();
      const body = JSON.parse(text) as { checks: Record<string, string>; details: Record<string, { state: string; code?: string; message?: string }> };
      assert.equal(body.checks.populationRegister, 'down');
      const detail = body.details.populationRegister!;
      assert.equal(detail.state, 'down');
      assert.equal(detail.code, 'ER_ACCESS_DENIED_ERROR');
      for (const part of [user, '127.0.0.1:3306', databaseOf(urls.populationRegister)]) assert.ok(detail.message?.includes(part), `${part} in ${detail.message}`);
      assert.deepEqual(body.details.store, { state: 'up' });

      // The password becomes the one configured: the next probe finds the source, and says so once.
      const db = admin();
      try {
        for (const host of ['%', 'localhost']) await db.raw('ALTER USER ??@?? IDENTIFIED BY ?', [user, host, wrong]);
      } finally {
        await db.destroy();
      }
      assert.equal((await fetch(new URL('/readyz', server.url))).status, 200);
      assert.equal((await fetch(new URL('/readyz', server.url))).status, 200);
      assert.equal(log.lines().filter((line) => line.msg === 'populationRegister is reachable again').length, 1);

      const everything = JSON.stringify(log.lines()) + text;
      for (const secret of [wrong, right]) assert.ok(!everything.includes(secret), 'no password in the logs or /readyz');
    } finally {
      await server.close();
      const db = admin();
      try {
        for (const host of ['%', 'localhost']) await db.raw('ALTER USER ??@?? IDENTIFIED BY ?', [user, host, right]);
      } finally {
        await db.destroy();
      }
    }
  });

  it('serve --check-config --connect: each database reported, exit 1 naming the source that fails, no password', { timeout: 60_000 }, async () => {
    const bad = await runCli(['serve', '--config', writeConfig('bad.json', { ...urls, populationRegister: withCredentials(urls.populationRegister, user, wrong) }), '--check-config', '--connect']);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, new RegExp(`^populationRegister: cannot connect: user ${user} was refused .*127\\.0\\.0\\.1:3306.*${databaseOf(urls.populationRegister)}.*\\(ER_ACCESS_DENIED_ERROR\\)$`, 'm'));
    for (const name of ['socialInsurance', 'employmentService', 'store']) assert.match(bad.stdout, new RegExp(`^${name}: connected \\(host 127\\.0\\.0\\.1, port 3306, database \\S+, user root\\)$`, 'm'));
    assert.ok(!(bad.stdout + bad.stderr).includes(wrong));

    const good = await runCli(['serve', '--config', writeConfig('good.json', { ...urls, populationRegister: withCredentials(urls.populationRegister, user, right) }), '--check-config', '--connect']);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.equal(good.stdout.split('\n').filter((line) => line.includes(': connected (')).length, 4);
  });

  it('a missing store database: the server stops naming the store and the database; samgraf migrate creates it', { timeout: 60_000 }, async () => {
    const missing = new URL(urls.store);
    missing.pathname = `/${missingStore}`;
    const withMissingStore = { ...urls, store: missing.toString() };
    await assert.rejects(startTestServer(withMissingStore), (error: Error) => {
      assert.match(error.message, /^the store is unavailable: database \S+ does not exist on the server at 127\.0\.0\.1:3306 .*\(ER_BAD_DB_ERROR\)/);
      assert.ok(error.message.includes(missingStore), error.message);
      return true;
    });

    const migrated = await runCli(['migrate', '--config', writeConfig('missing-store.json', withMissingStore)]);
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.match(migrated.stdout, /^applied: /);
    const db = admin();
    try {
      const [rows] = await db.raw('SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [missingStore]);
      assert.equal(rows[0]?.cs, 'utf8mb4');
    } finally {
      await db.destroy();
    }
    const server = await startTestServer(withMissingStore);
    await server.close();
  });

  it('a store table the user may not read stops the start naming the store, the user and the code, not the SQL', { timeout: 60_000 }, async () => {
    await (await startTestServer(urls)).close(); // migrates the store, as root
    const store = databaseOf(urls.store);
    const db = admin();
    try {
      const tables = (await db.raw('SHOW TABLES FROM ??', [store]))[0].map((row: Record<string, string>) => Object.values(row)[0]!);
      for (const host of ['%', 'localhost']) {
        for (const table of tables.filter((name: string) => name !== 'samgraf_keys')) await db.raw('GRANT SELECT, INSERT, UPDATE, DELETE ON ??.?? TO ??@??', [store, table, user, host]);
        await db.raw('GRANT INSERT ON ??.samgraf_keys TO ??@??', [store, user, host]);
      }
    } finally {
      await db.destroy();
    }
    await assert.rejects(startTestServer({ ...urls, store: withCredentials(urls.store, user, right) }), (error: Error) => {
      assert.match(error.message, /^the store is unavailable: user \S+ lacks a privilege on a table of database \S+ .*\(ER_TABLEACCESS_DENIED_ERROR\)/);
      assert.ok(error.message.includes(user) && error.message.includes(store), error.message);
      assert.doesNotMatch(error.message, /select|samgraf_keys|Right-/i);
      return true;
    });
  });

  it('samgraf migrate that may not create the store database says so, naming the store and the database', { timeout: 60_000 }, async () => {
    const missing = new URL(withCredentials(urls.store, user, right));
    missing.pathname = `/${missingStore}_denied`;
    const result = await runCli(['migrate', '--config', writeConfig('denied-store.json', { ...urls, store: missing.toString() })]);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /^samgraf: the store is unavailable: /);
    assert.ok(result.stderr.includes(`${missingStore}_denied`), result.stderr);
    assert.ok(result.stderr.includes(user), result.stderr);
    assert.ok(!result.stderr.includes(right));
  });
});
