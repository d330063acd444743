/**
 * Database URLs (src/db.ts): what the driver is given for each accepted form, the messages for the rest, and a
 * password with URL delimiters surviving config substitution all the way to a MariaDB login.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseConfig } from '../src/config.js';
import { DatabaseUrlError, openDatabase, parseDatabaseUrl } from '../src/core/db.js';
import { createTestDatabases, TEST_MYSQL_URL } from './helpers/mysql.js';

function urlProblem(url: string): string {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    assert.ok(error instanceof DatabaseUrlError, String(error));
    return error.message;
  }
  assert.fail(`expected ${url} to be refused`);
}

describe('database URLs', () => {
  it('percent-decodes user, password and database for the driver', () => {
    assert.deepEqual(parseDatabaseUrl('mysql://svc%40gw:q2Xv%2F9kLm%2BZt4w%3D%3D%23%3F%40%3A%25%20@db.example:3307/folk%20bok'), {
      dialect: 'mysql', host: 'db.example', port: 3307, user: 'svc@gw', password: 'q2Xv/9kLm+Zt4w==#?@:% ', database: 'folk bok',
    });
    // `+` is a plus in a URL's userinfo, not a space as in a form.
    assert.equal((parseDatabaseUrl('mariadb://u:a+b@h/d') as { password: string }).password, 'a+b');
  });

  it('postgres: the income register\'s PostgreSQL, with its own default port and user', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://reader:p%2F1@agi-db:5433/agi'), { dialect: 'postgres', host: 'agi-db', port: 5433, user: 'reader', password: 'p/1', database: 'agi' });
    assert.deepEqual(parseDatabaseUrl('postgresql://agi-db/agi'), { dialect: 'postgres', host: 'agi-db', port: 5432, user: 'postgres', password: '', database: 'agi' });
    assert.equal(urlProblem('postgres://agi-db'), 'a postgres URL must name the database: postgres://user@host:5432/database');
  });

  it('sqlite: an absolute path or :memory:; any other sqlite URL is told the two forms', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/samgraf/store.db'), { dialect: 'sqlite', filename: '/var/lib/samgraf/store.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///tmp/with%20space.db'), { dialect: 'sqlite', filename: '/tmp/with space.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', filename: ':memory:' });
    for (const url of ['sqlite:relative.db', 'sqlite:/absolute/path.db', 'sqlite:memory:', 'sqlite::memory', 'sqlite:', 'SQLITE:///var/a.db', 'Sqlite:relative.db']) {
      assert.equal(urlProblem(url), 'sqlite URLs are sqlite:///absolute/path.db or sqlite::memory:', url);
    }
    assert.equal(urlProblem('sqlite://relative.db'), 'a sqlite URL needs an absolute path: sqlite:///absolute/path.db');
    assert.equal(urlProblem('oracle://db/x'), 'unsupported scheme oracle: expected mysql, mariadb, postgres or sqlite');
  });

  it('a stray % is refused, naming the part but not its text', () => {
    const message = urlProblem('mysql://reader:50%off!@db/x');
    assert.match(message, /^the password in the URL is not valid percent-encoding: write % itself as %25$/);
    assert.ok(!message.includes('50%off'));
    assert.match(urlProblem('mysql://re%ZZader@db/x'), /^the user name in the URL/);
    assert.match(urlProblem('sqlite:///var/lib/100%.db'), /^the path in the URL/);
  });

  it('a password with / # ? @ : % and a space, substituted from the environment, logs in to MariaDB', async () => {
    const databases = await createTestDatabases(['login']);
    const database = new URL(databases.urls.login!).pathname.slice(1);
    const admin = openDatabase(databases.urls.login!);
    // Unique per run, so that parallel and repeated runs do not collide.
    const user = `samgraf_t_${randomBytes(5).toString('hex')}`;
    const password = 'q2Xv/9kLm+Zt4w==#?@:% x';
    const server = new URL(TEST_MYSQL_URL);
    let login: ReturnType<typeof openDatabase> | undefined;
    try {
      await admin.raw("CREATE USER ?@'%' IDENTIFIED BY ?", [user, password]);
      await admin.raw("GRANT SELECT ON ??.* TO ?@'%'", [database, user]);
      const config = parseConfig({
        sources: {
          populationRegister: { url: `mysql://\${DB_USER}:\${DB_PASSWORD}@${server.host}/${database}` },
          socialInsurance: { url: 'sqlite::memory:' },
          employmentService: { url: 'sqlite::memory:' },
        },
        store: { url: 'sqlite::memory:' },
      }, { DB_USER: user, DB_PASSWORD: password });
      login = openDatabase(config.sources.populationRegister.url, { connectTimeoutMs: 10_000 });
      const [rows] = await login.raw('SELECT CURRENT_USER() AS who, DATABASE() AS db') as [{ who: string; db: string }[]];
      assert.equal(rows[0]!.who, `${user}@%`);
      assert.equal(rows[0]!.db, database);
    } finally {
      await login?.destroy();
      await admin.raw("DROP USER IF EXISTS ?@'%'", [user]);
      await admin.destroy();
      await databases.drop();
    }
  });
});
