/**
 * The connectors' SQL kept per statement and shape (src/core/statement-text.ts): a kept text with a call's
 * values must be exactly what knex builds for that call, and a statement whose bindings are not all its
 * parameters' values is never kept. Then through a source on MariaDB: the rows are the rows of knex's own statement.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { StatementTexts, type Statement, type StatementParameter } from '../src/core/statement-text.js';
import { Source } from '../src/core/source.js';
import { openDatabase } from '../src/core/db.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';

const mysql = knexFactory({ client: 'mysql2' });

const BY_NUMBER = (db: Knex, numbers: readonly string[]) => db('FB_PERSON').select('PERSONID', 'EFTERNAMN').whereIn('PERSONID', numbers).orderBy('PERSONID');
const IN_RANGE = (db: Knex, ids: readonly number[], from: string | null, to: string | null) => {
  const query = db('FK_UTBETALNING').select('UTBET_ID').whereIn('BESLUT_ID', ids);
  if (from !== null) query.andWhere('UTBET_DATUM', '>=', from);
  if (to !== null) query.andWhere('UTBET_DATUM', '<=', to);
  return query;
};

function knexText<P extends readonly StatementParameter[]>(statement: Statement<P>, parameters: P) {
  const { sql, bindings } = statement(mysql, ...parameters).toSQL();
  return { sql, bindings };
}

describe('statement texts', () => {
  after(() => mysql.destroy());

  it('gives exactly knex\'s SQL and bindings for every number of keys, and keeps one text per number', () => {
    const texts = new StatementTexts(mysql);
    let built = 0;
    const counted: typeof BY_NUMBER = (db, numbers) => {
      built += 1;
      return BY_NUMBER(db, numbers);
    };
    for (const n of [1, 2, 3, 50, 1, 2, 3, 50, 0]) {
      const numbers = Array.from({ length: n }, (_, i) => String(194_001_010_000 + i * 7 + n));
      assert.deepEqual(texts.textOf(counted, [numbers]), knexText(BY_NUMBER, [numbers]));
    }
    // One build per shape of 1, 2, 3 and 50 keys; the repeats were served from the kept texts. No keys is knex's
    // `where 1 = ?` with a 0 of its own: never kept, so built to look and built again to run.
    assert.equal(built, 4 + 2);
  });

  it('keeps a text per parameter that is null or not, and binds each call\'s own values', () => {
    const texts = new StatementTexts(mysql);
    const cases: [readonly number[], string | null, string | null][] = [
      [[1, 2], null, null], [[1, 2], '2026-01-01', null], [[3, 4], null, '2026-12-31'], [[5, 6], '2025-01-01', '2025-06-30'],
      [[7, 8], '2024-01-01', '2024-02-01'], [[9, 10], null, null],
    ];
    for (const parameters of cases) assert.deepEqual(texts.textOf(IN_RANGE, parameters), knexText(IN_RANGE, parameters));
  });

  it('never keeps a statement with a binding of its own, or one worked out from a parameter', () => {
    const texts = new StatementTexts(mysql);
    let built = 0;
    const withConstant = (db: Knex, numbers: readonly string[]) => {
      built += 1;
      return db('FB_PERSON').select('PERSONID').whereIn('PERSONID', numbers).andWhere('KOMMUNKOD', '0180');
    };
    const converted = (db: Knex, numbers: readonly string[]) => {
      built += 1;
      return db('AF_ARENDE').select('ARENDE_ID').whereIn('PERSONNR', numbers.map(Number));
    };
    for (let i = 0; i < 3; i++) {
      const numbers = [String(194_001_010_000 + i)];
      assert.deepEqual(texts.textOf(withConstant, [numbers]), knexText(withConstant, [numbers]));
      assert.deepEqual(texts.textOf(converted, [numbers]), knexText(converted, [numbers]));
    }
    // Each call built twice: once for the text, once to compare; none was served from a kept text.
    assert.equal(built, 3 * 2 * 2 + 2);
  });

  it('builds a closure, which has no parameters, on every call', () => {
    const texts = new StatementTexts(mysql);
    for (const code of ['0180', '1480']) {
      const closure = (db: Knex) => db('FB_PERSON').select('PERSONID').where('KOMMUNKOD', code);
      assert.deepEqual(texts.textOf(closure, []), { sql: 'select `PERSONID` from `FB_PERSON` where `KOMMUNKOD` = ?', bindings: [code] });
    }
  });
});

describe('a source on MariaDB with kept statement texts', () => {
  let databases: TestDatabases;
  let db: Knex;
  before(async () => {
    databases = await createTestDatabases(['legacy']);
    db = openDatabase(databases.urls.legacy!);
    await db.schema.createTable('FB_PERSON', (table) => {
      table.string('PERSONID', 12).primary();
      table.string('EFTERNAMN', 40);
    });
    await db('FB_PERSON').insert(Array.from({ length: 60 }, (_, i) => ({ PERSONID: String(194_001_010_000 + i), EFTERNAMN: `Efternamn${i}` })));
  });
  after(async () => {
    await db.destroy();
    await databases.drop();
  });

  it('reads the rows knex\'s own statement reads, batch after batch', async () => {
    const source = new Source('population-register', db);
    try {
      for (const n of [1, 5, 50, 5, 1]) {
        const numbers = Array.from({ length: n }, (_, i) => String(194_001_010_000 + ((i * 13 + n) % 70)));
        const rows = await source.select<{ PERSONID: string; EFTERNAMN: string }, [readonly string[]]>(BY_NUMBER, numbers);
        assert.deepEqual(rows.map((row) => ({ ...row })), await BY_NUMBER(db, numbers));
      }
    } finally {
      source.shutdown();
    }
  });
});
