/**
 * N+1 freedom: the SQL statements a request runs depend on the query's shape, not on how many citizens it
 * asks for. Counted with knex's query events on a real MariaDB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { recordStatements, startTestServer, tableOf, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

const QUERY = `query Profile($pnrs: [String!]!) {
  citizens(personalNumbers: $pnrs) {
    personalNumber
    benefits { id payments { id amount { minorUnits } } }
    cases { id actionPlan { step status } }
    relations { type citizen { familyName } }
  }
}`;

interface ProbeCitizen {
  personalNumber: string;
  benefits: { payments: unknown[] }[];
  cases: { actionPlan: unknown[] }[];
  relations: unknown[];
}

describe('statements per request (MariaDB)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let numbers: string[];

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 400, seed: 'batching' });
    server = await startTestServer(seeded.urls);
    const register = openDatabase(seeded.urls.populationRegister);
    const hundred = (await register('FB_PERSON').select('PERSONID').orderBy('PERSONID').limit(100)).map((r: { PERSONID: string }) => r.PERSONID);
    await register.destroy();
    // Put people whose data reaches every table first, so that 1 and 10 citizens touch the same tables as 100.
    const probe = await server.query(QUERY, { pnrs: hundred });
    const reachesEverything = (c: ProbeCitizen) =>
      c.benefits.some((b) => b.payments.length > 0) && c.cases.some((k) => k.actionPlan.length > 0) && c.relations.length > 0;
    const full = (probe.data.citizens as ProbeCitizen[]).filter(reachesEverything).map((c) => c.personalNumber);
    assert.ok(full.length >= 1, 'the seed has someone with payments, an action plan and relations among the first 100');
    numbers = [...full, ...hundred.filter((pnr) => !full.includes(pnr))];
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  async function statementsFor(count: number) {
    const { result, statements } = await recordStatements(server.sources, () => server.query(QUERY, { pnrs: numbers.slice(0, count) }));
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const perTable = new Map<string, number>();
    for (const { sql } of statements) perTable.set(tableOf(sql), (perTable.get(tableOf(sql)) ?? 0) + 1);
    return { result, perTable, total: statements.length };
  }

  for (const count of [1, 10, 100]) {
    it(`${count} citizen(s): at most one statement per table per level`, async () => {
      const { result, perTable } = await statementsFor(count);
      assert.equal(result.data.citizens.length, count);
      // FB_PERSON is read at level 1 (the citizens) and at most once more at level 3 (relations' citizens).
      assert.ok((perTable.get('FB_PERSON') ?? 0) <= 2, `FB_PERSON: ${perTable.get('FB_PERSON')}`);
      for (const table of ['FB_RELATION', 'FK_BESLUT', 'FK_UTBETALNING', 'AF_ARENDE', 'AF_HANDLINGSPLAN']) {
        assert.ok((perTable.get(table) ?? 0) <= 1, `${table}: ${perTable.get(table)} statements`);
      }
    });
  }

  it('the benchmark\'s naive baseline (unbatched loaders) really runs a statement per load', async () => {
    const naive = await startTestServer(seeded.urls, {}, { unbatched: true });
    try {
      const { result, statements } = await recordStatements(naive.sources, () => naive.query(QUERY, { pnrs: numbers.slice(0, 10) }));
      assert.equal(result.errors, undefined);
      const people = statements.filter(({ sql }) => tableOf(sql) === 'FB_PERSON').length;
      assert.ok(people >= 10, `FB_PERSON read ${people} times for 10 citizens`);
    } finally {
      await naive.close();
    }
  });

  it('1, 10 and 100 citizens run the same statements, one for each table the shape touches', async () => {
    const one = await statementsFor(1);
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    for (const table of ['FB_RELATION', 'FK_BESLUT', 'FK_UTBETALNING', 'AF_ARENDE', 'AF_HANDLINGSPLAN']) {
      assert.equal(hundred.perTable.get(table), 1, table);
    }
    assert.equal(ten.total, one.total, `10 citizens: ${ten.total} statements, 1 citizen: ${one.total}`);
    assert.equal(hundred.total, ten.total, `100 citizens: ${hundred.total} statements, 10 citizens: ${ten.total}`);
  });
});
