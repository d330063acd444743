/**
 * The income register's generator (sources/income-register/seed.ts), checked against legacy-sources.md §4:
 * every quirk present from 100 citizens on, determinism, and identical rows read back from PostgreSQL and
 * SQLite (the same instants for `inlamnad`, written with an explicit offset).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { Temporal } from 'temporal-polyfill';
import { incomeRegisterSeed, type GeneratedStatementRow } from '../sources/income-register/seed.js';
import type { AgiArbetsgivareRow } from '../sources/income-register/tables.js';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from '../src/core/db.js';
import { hasValidLuhn } from '../src/core/luhn.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { generateLegacyData as generateByTable, streamLegacyData } from '../src/seed/generate.js';
import { seedSources } from '../src/seed/load.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { createTestDatabases } from './helpers/postgres.js';
import type { TestDatabases } from './helpers/mysql.js';

const INCOME_ONLY = [{ name: 'incomeRegister', seed: incomeRegisterSeed }];

interface Income {
  statements: GeneratedStatementRow[];
  employers: AgiArbetsgivareRow[];
}

function incomeOf(citizens: number, seed: string): Income {
  const data = generateByTable({ citizens, seed }, INCOME_ONLY);
  return { statements: data.agi_individuppgift as GeneratedStatementRow[], employers: data.agi_arbetsgivare as AgiArbetsgivareRow[] };
}

function sha256Of(income: Income): string {
  return createHash('sha256').update(JSON.stringify(income.employers)).update('\n').update(JSON.stringify(income.statements)).digest('hex');
}

/** The statement key of legacy-sources.md §4. */
function keyOf(row: GeneratedStatementRow): string {
  return [row.redovisningsperiod, row.arbetsgivare, row.betalningsmottagare, row.specifikationsnummer].join('|');
}

function instantOf(text: string): Temporal.Instant {
  // PostgreSQL writes `2025-03-30 00:30:00+00`; the generator `2025-03-30T01:30:00+01:00`.
  return Temporal.Instant.from(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

/** Versions per statement key, oldest first (latest inlamnad, then highest id, is the newest). */
function versionsByKey(statements: readonly GeneratedStatementRow[]): Map<string, GeneratedStatementRow[]> {
  const byKey = new Map<string, GeneratedStatementRow[]>();
  for (const row of statements) byKey.set(keyOf(row), [...(byKey.get(keyOf(row)) ?? []), row]);
  for (const versions of byKey.values()) versions.sort((a, b) => Temporal.Instant.compare(instantOf(a.inlamnad), instantOf(b.inlamnad)) || a.id - b.id);
  return byKey;
}

const DASHED = /^(\d{8})-(\d{4})$/;
const ORGANISATION = /^\d{6}-\d{4}$/;

describe('income register generator: every quirk of legacy-sources.md §4 from 100 citizens on', () => {
  for (const seed of ['quirks-a', 'quirks-b', 'quirks-c']) {
    describe(`100 citizens, seed ${seed}`, () => {
      const data = generateLegacyData({ citizens: 100, seed });
      const statements = data.agi_individuppgift;
      const employers = new Map(data.agi_arbetsgivare.map((e) => [e.arbetsgivare, e]));
      const persons = new Map(data.FB_PERSON.map((p) => [p.PERSONID, p]));
      const byKey = versionsByKey(statements);

      test('every employer of a statement is in agi_arbetsgivare; organisation numbers are Luhn-valid with third digit ≥ 2', () => {
        assert.equal(employers.size, data.agi_arbetsgivare.length, 'arbetsgivare is unique');
        for (const row of statements) assert.ok(employers.has(row.arbetsgivare), 'employer registered');
        const organisations = data.agi_arbetsgivare.filter((e) => ORGANISATION.test(e.arbetsgivare));
        assert.ok(organisations.length >= 3);
        for (const { arbetsgivare } of organisations) {
          const digits = arbetsgivare.replace('-', '');
          assert.ok(hasValidLuhn(digits), 'Luhn over all ten digits');
          assert.ok(Number(digits[2]) >= 2, 'third digit ≥ 2');
        }
        for (const employer of data.agi_arbetsgivare) assert.ok(ORGANISATION.test(employer.arbetsgivare) || DASHED.test(employer.arbetsgivare));
        assert.ok(data.agi_arbetsgivare.some((e) => e.sni_kod === null), 'an employer without an industry code');
        assert.ok(data.agi_arbetsgivare.every((e) => e.sni_kod === null || /^\d{5}$/.test(e.sni_kod)));
      });

      test('sole traders: the employer id is a person\'s number, with employees, and a trade name that is the owner\'s own name', () => {
        const soleTraders = data.agi_arbetsgivare.filter((e) => DASHED.test(e.arbetsgivare));
        assert.ok(soleTraders.length >= 1);
        for (const trader of soleTraders) {
          const owner = persons.get(trader.arbetsgivare.replace('-', ''));
          assert.ok(owner, 'the owner is a registered person');
          assert.ok(trader.namn.includes(owner.EFTERNAMN), 'the trade name carries the owner\'s family name');
          assert.ok(statements.every((s) => s.arbetsgivare !== trader.arbetsgivare || s.betalningsmottagare !== trader.arbetsgivare), 'not their own employee');
        }
        assert.ok(soleTraders.some((trader) => {
          const owner = persons.get(trader.arbetsgivare.replace('-', ''))!;
          return trader.namn === `${owner.FORNAMN.split(' ')[0]} ${owner.EFTERNAMN}`;
        }), 'a trade name that is exactly the owner\'s name');
        assert.ok(statements.some((s) => DASHED.test(s.arbetsgivare)), 'a statement from a sole trader');
      });

      test('payees: registered persons in YYYYMMDD-NNNN form, with several employers; without a Swedish number only a birth date', () => {
        const employersOf = new Map<string, Set<string>>();
        for (const row of statements) {
          if (row.betalningsmottagare === null) {
            assert.match(row.fodelsetid ?? '', /^(19|20)\d{6}$/, 'fodelsetid where there is no number');
            assert.ok(Temporal.PlainDate.from(`${row.fodelsetid!.slice(0, 4)}-${row.fodelsetid!.slice(4, 6)}-${row.fodelsetid!.slice(6)}`));
            continue;
          }
          assert.equal(row.fodelsetid, null, 'fodelsetid only where betalningsmottagare is NULL');
          assert.match(row.betalningsmottagare, DASHED);
          employersOf.set(row.betalningsmottagare, (employersOf.get(row.betalningsmottagare) ?? new Set()).add(row.arbetsgivare));
        }
        assert.ok(statements.some((s) => s.betalningsmottagare === null), 'a payee without a Swedish number');
        assert.ok([...employersOf.values()].some((set) => set.size >= 2), 'someone with several employers');
        const registered = [...employersOf.keys()].filter((payee) => persons.has(payee.replace('-', '')));
        assert.ok(registered.length >= 30, `${registered.length} registered payees`);
      });

      test('data-quality findings: payee numbers failing Luhn, and valid numbers of no one', () => {
        const payees = new Set(statements.flatMap((s) => (s.betalningsmottagare === null ? [] : [s.betalningsmottagare.replace('-', '')])));
        const failing = [...payees].filter((pnr) => !isValidPersonalNumber(pnr));
        const unmatched = [...payees].filter((pnr) => isValidPersonalNumber(pnr) && !persons.has(pnr));
        assert.equal(failing.length, 3);
        assert.equal(unmatched.length, 3);
      });

      test('several statements of one employer for one payee and month (specifikationsnummer)', () => {
        const months = new Map<string, Set<number>>();
        for (const row of statements) {
          if (row.betalningsmottagare === null) continue;
          const month = [row.redovisningsperiod, row.arbetsgivare, row.betalningsmottagare].join('|');
          months.set(month, (months.get(month) ?? new Set()).add(row.specifikationsnummer));
        }
        assert.ok([...months.values()].some((specs) => specs.size >= 2));
      });

      test('corrections: a later version, a version in the same submission with a higher id; withdrawals; a withdrawn statement sent again', () => {
        const multi = [...byKey.values()].filter((versions) => versions.length >= 2);
        assert.ok(multi.some((v) => v.some((row, i) => i > 0 && Temporal.Instant.compare(instantOf(row.inlamnad), instantOf(v[i - 1]!.inlamnad)) > 0 && !row.borttag)), 'a later correction');
        assert.ok(multi.some((v) => v.some((row, i) => i > 0 && row.inlamnad === v[i - 1]!.inlamnad && row.id > v[i - 1]!.id)), 'same inlamnad, higher id');
        assert.ok(multi.some((v) => v.at(-1)!.borttag), 'a statement whose newest version withdraws it');
        assert.ok(multi.some((v) => !v.at(-1)!.borttag && v.some((row) => row.borttag)), 'withdrawn, then sent again');
        for (const versions of byKey.values()) assert.equal(versions[0]!.borttag, false, 'the first version is never a withdrawal');
      });

      test('amounts: whole kronor, NULL where not reported', () => {
        for (const row of statements) {
          for (const amount of [row.kontant_ersattning, row.skatteavdrag, row.formaner]) assert.ok(amount === null || (Number.isSafeInteger(amount) && amount >= 0));
        }
        const current = statements.filter((s) => !s.borttag);
        assert.ok(current.some((s) => s.kontant_ersattning === null), 'cash pay not reported');
        assert.ok(current.some((s) => s.skatteavdrag === null), 'tax not reported');
        assert.ok(current.some((s) => s.formaner === null) && current.some((s) => s.formaner !== null), 'benefits reported and not');
      });

      test('inlamnad: Swedish local time with its true offset, around both DST changes; ids increase in order of arrival', () => {
        for (const row of statements) {
          assert.match(row.inlamnad, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+]0[12]:00$/);
          const zoned = instantOf(row.inlamnad).toZonedDateTimeISO('Europe/Stockholm');
          assert.equal(zoned.offset, row.inlamnad.slice(-6), 'the offset Stockholm had at that instant');
          assert.equal(zoned.toPlainDateTime().toString(), row.inlamnad.slice(0, 19), 'the wall-clock time there');
          const period = Temporal.PlainYearMonth.from(`${row.redovisningsperiod.slice(0, 4)}-${row.redovisningsperiod.slice(4)}`);
          assert.ok(Temporal.PlainDate.compare(zoned.toPlainDate(), period.add({ months: 1 }).toPlainDate({ day: 1 })) >= 0, 'sent after the pay month');
        }
        const byId = [...statements].sort((a, b) => a.id - b.id);
        for (let i = 1; i < byId.length; i++) assert.ok(Temporal.Instant.compare(instantOf(byId[i - 1]!.inlamnad), instantOf(byId[i]!.inlamnad)) <= 0, 'ids in order of arrival');
        assert.equal(new Set(statements.map((s) => s.id)).size, statements.length, 'id is unique');
        const inDstNight = (date: RegExp, time: RegExp) => statements.some((s) => date.test(s.inlamnad.slice(0, 10)) && time.test(s.inlamnad.slice(11)));
        assert.ok(inDstNight(/-03-(2[5-9]|3[01])$/, /^01:\d\d:\d\d\+01:00$/), 'the last hour of winter time before the spring change');
        assert.ok(inDstNight(/-03-(2[5-9]|3[01])$/, /^03:\d\d:\d\d\+02:00$/), 'the first hour of summer time after it');
        assert.ok(inDstNight(/-10-(2[5-9]|3[01])$/, /^02:\d\d:\d\d\+02:00$/), 'the repeated autumn hour in summer time');
        assert.ok(inDstNight(/-10-(2[5-9]|3[01])$/, /^02:\d\d:\d\d\+01:00$/), 'the repeated autumn hour in winter time');
      });

      test('pay months: the 24 months before the as-of month', () => {
        const periods = new Set(statements.map((s) => s.redovisningsperiod));
        assert.ok([...periods].every((p) => p >= '202410' && p <= '202609'), [...periods].sort().join(' '));
        assert.ok(periods.has('202410') && periods.has('202609'));
      });
    });
  }

  test('coordination numbers among the payees (2,000 citizens)', () => {
    const data = generateLegacyData({ citizens: 2000, seed: 'coordination' });
    const payees = new Set(data.agi_individuppgift.map((s) => s.betalningsmottagare));
    const coordination = data.FB_PERSON.filter((p) => Number(p.PERSONID.slice(6, 8)) >= 60 && payees.has(`${p.PERSONID.slice(0, 8)}-${p.PERSONID.slice(8)}`));
    assert.ok(coordination.length >= 1);
  });
});

describe('income register generator: determinism', () => {
  test('the same citizens and seed give identical rows; another seed other rows', () => {
    const first = sha256Of(incomeOf(300, 'determinism'));
    assert.equal(sha256Of(incomeOf(300, 'determinism')), first);
    assert.notEqual(sha256Of(incomeOf(300, 'determinism2')), first);
  });

  test('rows do not depend on the chunk size, and the other sources\' rows not on the income register', () => {
    const whole = incomeOf(300, 'chunks');
    const chunked: Income = { statements: [], employers: [] };
    for (const chunk of streamLegacyData({ citizens: 300, seed: 'chunks', chunkRows: 7 }, INCOME_ONLY).incomeRegister!) {
      assert.ok(chunk.rows.length >= 1 && chunk.rows.length <= 7);
      if (chunk.table === 'agi_individuppgift') chunked.statements.push(...(chunk.rows as GeneratedStatementRow[]));
      else chunked.employers.push(...(chunk.rows as AgiArbetsgivareRow[]));
    }
    assert.equal(sha256Of(chunked), sha256Of(whole));
    const withIncome = generateLegacyData({ citizens: 300, seed: 'chunks' });
    const others = generateByTable({ citizens: 300, seed: 'chunks' }, SOURCE_MODULES.filter((m) => m.seed !== incomeRegisterSeed));
    assert.ok(Object.keys(others).length >= 6);
    for (const [table, rows] of Object.entries(others)) assert.deepEqual(withIncome[table as keyof typeof withIncome], rows, table);
  });
});

/** A row as both drivers can agree on it: ids and amounts as decimal text, booleans as such, instants in ms. */
function normalisedStatement(row: Record<string, unknown>): string {
  return JSON.stringify(Object.entries(row).map(([key, value]) => {
    if (value === null) return [key, null];
    if (key === 'borttag') return [key, value === true || value === 1];
    if (key === 'inlamnad') return [key, instantOf(String(value)).epochMilliseconds];
    return [key, String(value)];
  }).sort());
}

/** The tables as legacy-sources.md §4 gives them (the module's own DDL is tested with the module). */
async function createIncomeTablesFromSpec(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('agi_individuppgift');
  await db.schema.dropTableIfExists('agi_arbetsgivare');
  await db.schema.createTable('agi_individuppgift', (t) => {
    t.bigInteger('id').primary();
    t.specificType('redovisningsperiod', 'CHAR(6)').notNullable();
    t.string('arbetsgivare', 13).notNullable();
    t.string('betalningsmottagare', 13).nullable();
    t.specificType('fodelsetid', 'CHAR(8)').nullable();
    t.integer('specifikationsnummer').notNullable();
    t.decimal('kontant_ersattning', 12, 0).nullable();
    t.decimal('skatteavdrag', 12, 0).nullable();
    t.decimal('formaner', 12, 0).nullable();
    t.boolean('borttag').notNullable();
    t.timestamp('inlamnad', { useTz: true }).notNullable();
    t.index(['betalningsmottagare', 'redovisningsperiod']);
  });
  await db.schema.createTable('agi_arbetsgivare', (t) => {
    t.string('arbetsgivare', 13).primary();
    t.text('namn').notNullable();
    t.specificType('sni_kod', 'CHAR(5)').nullable();
  });
}

describe('seedSources: PostgreSQL and SQLite read back the generated income rows', () => {
  const citizens = 400;
  const seed = 'income-round-trip';
  const module = { ...INCOME_ONLY[0]!, createTables: createIncomeTablesFromSpec };
  let databases: TestDatabases;
  let postgres: Knex;
  let sqlite: Knex;
  let sqliteDir: string;

  before(async () => {
    databases = await createTestDatabases(['skv_agi']);
    postgres = openDatabase(databases.urls.skv_agi!);
    sqliteDir = mkdtempSync(join(tmpdir(), 'samgraf-income-seed-'));
    sqlite = openDatabase(`sqlite://${join(sqliteDir, 'agi.db')}`);
  });

  after(async () => {
    await postgres?.destroy();
    await sqlite?.destroy();
    await databases?.drop();
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  });

  test('both hold exactly the generated rows, the same instants included', async () => {
    const expected = incomeOf(citizens, seed);
    const counts = await seedSources({ incomeRegister: postgres }, { citizens, seed }, [module]);
    assert.deepEqual(await seedSources({ incomeRegister: sqlite }, { citizens, seed }, [module]), counts);
    assert.deepEqual(counts, { agi_arbetsgivare: expected.employers.length, agi_individuppgift: expected.statements.length });
    const want = expected.statements.map((row) => normalisedStatement({ ...row })).sort();
    for (const db of [postgres, sqlite]) {
      const rows = await db('agi_individuppgift').select('*') as Record<string, unknown>[];
      assert.deepEqual(rows.map(normalisedStatement).sort(), want);
      const employers = await db('agi_arbetsgivare').select('*') as Record<string, unknown>[];
      assert.deepEqual(employers.map((row) => JSON.stringify(row)).sort(), expected.employers.map((row) => JSON.stringify(row)).sort());
    }
    // Seeding again replaces the rows rather than adding to them.
    assert.deepEqual(await seedSources({ incomeRegister: postgres }, { citizens, seed }, [module]), counts);
    const [{ n }] = await postgres('agi_individuppgift').count({ n: '*' }) as [{ n: string }];
    assert.equal(Number(n), expected.statements.length);
  });
});
