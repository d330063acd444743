/**
 * N+1 freedom: the SQL statements a request runs depend on the query's shape, not on how many citizens it
 * asks for. Counted with knex's query events on a real MariaDB (and the income register on PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { recordStatements, startTestServer, tableOf, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const QUERY = `query Profile($pnrs: [String!]!) {
  citizens(personalNumbers: $pnrs) {
    personalNumber
    benefits { id payments { id amount { minorUnits } } }
    cases { id actionPlan { step status } }
    relations { type citizen { familyName } }
  }
}`;

/** Every field of an income statement, and the statement's citizen, for 1, 10 or 100 citizens. */
const INCOMES = `query Incomes($pnrs: [String!]!) {
  citizens(personalNumbers: $pnrs) {
    personalNumber
    incomes {
      id period employer { name organizationNumber soleTrader } grossPay { amount minorUnits } taxDeducted { minorUnits }
      benefitsInKind { minorUnits } submittedAt versions citizen { personalNumber }
    }
  }
}`;
const INCOME_SOURCE = 'incomeRegister';

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

  describe('incomes (the income register, on PostgreSQL)', () => {
    let headers: Record<string, string>;
    let withIncomes: string[];

    before(async () => {
      const { staff } = await testIssuers();
      const token = await staff.mint({ sub: 'batching', org: 'FK', scope: 'citizen:read income:read', purposes: ['benefit-assessment'] });
      headers = { authorization: `Bearer ${token}`, 'x-purpose': 'benefit-assessment' };
      // People with incomes first, so that 1 and 10 citizens touch the same tables as 100; first of all one paid
      // by a sole trader, whose owner is looked up in the population register (is the owner protected?).
      const probe = await server.query(INCOMES, { pnrs: numbers }, headers);
      assert.equal(probe.errors, undefined, JSON.stringify(probe.errors));
      const citizens = probe.data.citizens as { personalNumber: string; incomes: { employer: { soleTrader: boolean } | null }[] | null }[];
      const bySoleTrader = citizens.filter((c) => (c.incomes ?? []).some((i) => i.employer?.soleTrader === true)).map((c) => c.personalNumber);
      const full = citizens.filter((c) => (c.incomes ?? []).length > 0).map((c) => c.personalNumber);
      assert.ok(full.length >= 10, 'the seed has at least 10 people with incomes among the first 100');
      withIncomes = [...new Set([...bySoleTrader.slice(0, 1), ...full, ...numbers])];
    });

    async function incomeStatementsFor(count: number) {
      const { result, statements } = await recordStatements(server.sources, () => server.query(INCOMES, { pnrs: withIncomes.slice(0, count) }, headers));
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.equal(result.data.citizens.length, count);
      const income = statements.filter(({ source }) => source === INCOME_SOURCE);
      const perTable = new Map<string, number>();
      for (const { sql } of income) perTable.set(tableOf(sql), (perTable.get(tableOf(sql)) ?? 0) + 1);
      return { result, perTable, income: income.length, total: statements.length, sql: income.map((s) => s.sql) };
    }

    it('the income register is one of the recorded sources', () => {
      assert.ok(Object.keys(server.sources).includes(INCOME_SOURCE), `sources: ${Object.keys(server.sources).join(', ')}`);
    });

    for (const count of [1, 10, 100]) {
      it(`${count} citizen(s)' incomes: one statement per income-register table`, async () => {
        const { result, perTable, income, sql } = await incomeStatementsFor(count);
        assert.ok(result.data.citizens[0].incomes.length > 0, 'the first citizen has incomes');
        assert.ok(income >= 1, 'the income register was read');
        for (const [table, n] of perTable) assert.equal(n, 1, `${table}: ${n} statements\n${sql.join('\n')}`);
        // agi_individuppgift and agi_arbetsgivare: at most one statement each (or one joining both).
        assert.ok(income <= 2, `${income} statements on the income register:\n${sql.join('\n')}`);
      });
    }

    it('1, 10 and 100 citizens\' incomes run the same statements', async () => {
      const one = await incomeStatementsFor(1);
      const ten = await incomeStatementsFor(10);
      const hundred = await incomeStatementsFor(100);
      assert.ok(hundred.result.data.citizens.filter((c: { incomes: unknown[] }) => c.incomes.length > 0).length >= 10);
      assert.equal(ten.income, one.income, `income register: 10 citizens ${ten.income}, 1 citizen ${one.income}`);
      assert.equal(hundred.income, ten.income, `income register: 100 citizens ${hundred.income}, 10 citizens ${ten.income}`);
      assert.equal(ten.total, one.total, `all sources: 10 citizens ${ten.total}, 1 citizen ${one.total}`);
      assert.equal(hundred.total, ten.total, `all sources: 100 citizens ${hundred.total}, 10 citizens ${ten.total}`);
    });
  });

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
