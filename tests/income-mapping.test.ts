/**
 * The income register's mapping, end to end: for generated data, what GraphQL returns as a citizen's `incomes`
 * equals what the `agi_individuppgift` and `agi_arbetsgivare` rows say under legacy-sources.md §4 and
 * product.md (IncomeStatement, Money, YearMonth, DateTime), checked field by field for every quirk, on
 * PostgreSQL (the agency's database) and on SQLite (the demo's).
 *
 * The expected values come from the ORACLE below: a small, independent re-statement of §4's rules, computed
 * from the in-memory rows of generateLegacyData. It deliberately imports nothing from sources/income-register,
 * src/core/money, src/core/calendar or any other mapping code — checking the mapping against itself would prove
 * nothing. Where samgraf makes a presentation choice the spec leaves open, the oracle says so where it mirrors it.
 *
 * Besides the generated data, a last test per dialect writes hand-made versions into the seeded register (ties on
 * `inlamnad`, a later `inlamnad` under a lower id, a withdrawal and a re-submission, instants on both sides of
 * both daylight-saving changes, NULL and zero amounts), so that each rule is exercised whatever the generator does.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { getNamedType, isObjectType, parse, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { openDatabase } from '../src/core/db.js';
import { buildDeclaredSchema } from '../src/schema.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import {
  agiTables, isRemoval, isSoleTrader, numberForms, statementsOf, twelveDigits, utcKey,
  type AgiEmployerRow, type AgiStatementRow, type Statement,
} from './helpers/income-register.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type Dialect, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 600, seed: 'income-mapping' } as const;
const BATCH = 100;
const PURPOSE = 'benefit-assessment';

// =========================================================================================================
// The oracle: legacy-sources.md §4 and product.md, rule by rule
// =========================================================================================================

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Luhn over ten digits: weights 2,1,2,1,… from the left, digit sums of the products, total a multiple of 10. */
function luhnValid(tenDigits: string): boolean {
  if (!/^\d{10}$/.test(tenDigits)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const product = Number(tenDigits[i]) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  }
  return sum % 10 === 0;
}

/** §4: an organisation number is `NNNNNN-NNNN`, Luhn over all ten digits, third digit ≥ 2. */
function isOrganisationNumber(value: string): boolean {
  return /^\d{6}-\d{4}$/.test(value) && luhnValid(value.replace('-', '')) && Number(value[2]) >= 2;
}

interface Money { amount: string; currency: string; minorUnits: number }

/** NUMERIC(12,0) whole kronor → Money, by string arithmetic: 12345 → "12345.00", 1234500 öre, SEK; NULL → null. */
function kronor(value: number | string | null): Money | null {
  if (value === null) return null;
  const text = String(value);
  assert.match(text, /^-?\d+$/, 'oracle: whole kronor');
  const digits = text.replace(/^(-?)0+(?=\d)/, '$1');
  return { amount: `${digits}.00`, currency: 'SEK', minorUnits: Number(`${digits}00`) };
}

/** `YYYYMM` → `YYYY-MM` (product.md's YearMonth). */
function yearMonth(period: string): string {
  assert.match(period, /^\d{4}(0[1-9]|1[0-2])$/, 'oracle: a YYYYMM period');
  return `${period.slice(0, 4)}-${period.slice(4)}`;
}

/** The last Sunday of a month (1–12), as a day of the month. */
function lastSunday(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month, 0));
  return lastDay.getUTCDate() - lastDay.getUTCDay();
}

interface Shown {
  iso: string;
  /** On the day the clocks change (spring forward, fall back), in local time. */
  changeDay: 'spring' | 'autumn' | null;
  /** In the local hour that happens twice in autumn: 02:00–02:59, as its first (+02:00) or second (+01:00) occurrence. */
  repeated: 'first' | 'second' | null;
}

/**
 * A TIMESTAMPTZ instant shown in Europe/Stockholm with its offset, by the EU rule (exact from 1996 on): summer
 * time (+02:00) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October, else
 * +01:00. An instant has one offset: nothing is skipped or repeated for it, only its local wall time is.
 */
function stockholm(timestamptz: string): Shown {
  const key = utcKey(timestamptz);
  assert.equal(key.slice(20), '000000', `oracle: ${timestamptz} has fractions of a second (decide how they are shown)`);
  const utc = Date.parse(`${key.slice(0, 19)}Z`);
  const year = new Date(utc).getUTCFullYear();
  const summerFrom = Date.UTC(year, 2, lastSunday(year, 3), 1);
  const summerTo = Date.UTC(year, 9, lastSunday(year, 10), 1);
  const offset = utc >= summerFrom && utc < summerTo ? 2 : 1;
  const local = new Date(utc + offset * 3_600_000).toISOString().slice(0, 19);
  const day = Number(local.slice(8, 10));
  const month = Number(local.slice(5, 7));
  const changeDay = month === 3 && day === lastSunday(year, 3) ? 'spring' : month === 10 && day === lastSunday(year, 10) ? 'autumn' : null;
  const repeated = changeDay === 'autumn' && local.slice(11, 13) === '02' ? (offset === 2 ? 'first' : 'second') : null;
  return { iso: `${local}+0${offset}:00`, changeDay, repeated };
}

type Tally = Map<string, number>;
const bump = (tally: Tally, quirk: string, by = 1): void => void tally.set(quirk, (tally.get(quirk) ?? 0) + by);

interface Oracle {
  /** Per registered person: their current statements as GraphQL should serve them, newest period first. */
  incomesOf(pnr: string): Record<string, unknown>[];
  /** The same, for the `from`/`to` filter (inclusive YearMonths). */
  incomesBetween(pnr: string, from: string | null, to: string | null): Record<string, unknown>[];
  /** What each registered person's statements exercise. */
  quirks: Tally;
  /** The ids of the statements served under a registered person, and of those never to be served. */
  servable: Set<string>;
  neverServed: Set<string>;
  /** Statements whose payee has no number (`betalningsmottagare` NULL), and whose number matches nobody. */
  withoutNumber: Statement[];
  unmatched: Statement[];
  /** Sole traders' personal numbers (12 digits). */
  soleTraders: Set<string>;
  statements: Statement[];
}

/**
 * samgraf's choices where product.md leaves them open, mirrored here:
 * - `IncomeStatement.id` is the `agi_individuppgift.id` of the statement's first version (its lowest id: ids
 *   increase in order of arrival), so that it stays the same when the employer corrects the statement (the SDL's
 *   description of the field).
 * - `Employer.organizationNumber` is the register's own form, `NNNNNN-NNNN` (product.md gives no format; the SDL
 *   says `NNNNNN-NNNN`).
 * - Within one period product.md gives no order (the SDL says "then by employer", in the database's collation):
 *   the comparison orders each period's statements by id.
 */
const firstId = (statement: Statement): string =>
  String(statement.versions.reduce((min, v) => (BigInt(String(v.id)) < min ? BigInt(String(v.id)) : min), BigInt(String(statement.current.id))));

function expectStatement(statement: Statement, employers: ReadonlyMap<string, AgiEmployerRow>): Record<string, unknown> {
  const row = statement.current;
  const soleTrader = isSoleTrader(row.arbetsgivare);
  return {
    id: firstId(statement),
    period: yearMonth(row.redovisningsperiod),
    employer: {
      name: employers.get(row.arbetsgivare)?.namn ?? null,
      // §4: a sole trader's identifier is a person's number, never served as an organisation number.
      organizationNumber: soleTrader ? null : row.arbetsgivare,
      soleTrader,
    },
    grossPay: kronor(row.kontant_ersattning),
    taxDeducted: kronor(row.skatteavdrag),
    benefitsInKind: kronor(row.formaner),
    submittedAt: stockholm(row.inlamnad).iso,
    // product.md: how many versions the statement has had — every row of its key, the removals included.
    versions: statement.versions.length,
    citizen: { personalNumber: twelveDigits(row.betalningsmottagare!) },
  };
}

/** Newest period first; within a period by id (see expectStatement). */
function inServedOrder(statements: Record<string, unknown>[]): Record<string, unknown>[] {
  return statements.slice().sort((a, b) => compare(String(b.period), String(a.period)) || compareIds(String(a.id), String(b.id)));
}

function buildOracle(rows: readonly AgiStatementRow[], employerRows: readonly AgiEmployerRow[], registered: ReadonlySet<string>): Oracle {
  const employers = new Map(employerRows.map((e) => [e.arbetsgivare, e]));
  const statements = statementsOf(rows);
  const quirks: Tally = new Map();
  const byPayee = new Map<string, Statement[]>();
  const servable = new Set<string>();
  const neverServed = new Set<string>();
  const withoutNumber: Statement[] = [];
  const unmatched: Statement[] = [];
  const soleTraders = new Set<string>();

  for (const statement of statements) {
    const { current, versions } = statement;
    if (current.betalningsmottagare === null) {
      withoutNumber.push(statement);
      neverServed.add(firstId(statement));
      continue;
    }
    const payee = twelveDigits(current.betalningsmottagare);
    if (!registered.has(payee)) {
      unmatched.push(statement);
      neverServed.add(firstId(statement));
      continue;
    }
    if (statement.withdrawn) neverServed.add(firstId(statement));
    // Quirks exercised by the statements of registered payees (the ones the comparison reads).
    // The nights of the changes, in any version (a version there may be history or a removal, never served).
    for (const version of versions) {
      const night = stockholm(version.inlamnad);
      const hour = night.iso.slice(11, 13);
      if (night.changeDay === 'spring' && hour === '01') bump(quirks, 'inlamnad in the last hour before the spring change');
      if (night.changeDay === 'spring' && hour === '03') bump(quirks, 'inlamnad in the first hour after the spring change');
      if (night.repeated) bump(quirks, `inlamnad in the repeated autumn hour (${night.repeated})`);
    }
    if (versions.length > 1) bump(quirks, 'statement with several versions');
    if (statement.withdrawn) {
      bump(quirks, 'statement withdrawn (newest version borttag)');
      continue;
    }
    if (versions.length > 1) bump(quirks, 'corrected statement (current after older versions)');
    if (versions.some((v) => v !== current && isRemoval(v))) bump(quirks, 'statement sent again after a removal');
    const byId = versions.reduce((best, v) => (BigInt(String(v.id)) > BigInt(String(best.id)) ? v : best));
    if (byId !== current) bump(quirks, 'newest inlamnad is not the highest id');
    if (versions.some((v) => v !== current && utcKey(v.inlamnad) === utcKey(current.inlamnad))) bump(quirks, 'tie on inlamnad decided by id');
    if (isSoleTrader(current.arbetsgivare)) {
      bump(quirks, 'sole trader employer');
      soleTraders.add(twelveDigits(current.arbetsgivare));
    } else bump(quirks, 'organisation-number employer');
    if (current.specifikationsnummer !== 1) bump(quirks, 'specifikationsnummer other than 1');
    for (const column of ['kontant_ersattning', 'skatteavdrag', 'formaner'] as const) {
      if (current[column] === null) bump(quirks, `${column} NULL`);
    }
    const shown = stockholm(current.inlamnad);
    bump(quirks, `submittedAt ${shown.iso.slice(-6)}`);
    if (shown.changeDay) bump(quirks, `submittedAt on the ${shown.changeDay} change day`);
    if (shown.repeated) bump(quirks, `submittedAt in the repeated autumn hour (${shown.repeated})`);
    if (Number(payee.slice(6, 8)) > 60) bump(quirks, 'payee with a coordination number');
    servable.add(firstId(statement));
    const list = byPayee.get(payee);
    if (list) list.push(statement);
    else byPayee.set(payee, [statement]);
  }
  for (const list of byPayee.values()) {
    if (new Set(list.map((s) => s.current.arbetsgivare)).size > 1) bump(quirks, 'person with several employers');
    const months = new Map<string, Set<string>>();
    for (const s of list) months.set(s.current.redovisningsperiod, (months.get(s.current.redovisningsperiod) ?? new Set()).add(s.current.arbetsgivare));
    if ([...months.values()].some((set) => set.size > 1)) bump(quirks, 'several employers in one month');
  }
  bump(quirks, 'payee without a number', withoutNumber.length);

  const incomesBetween = (pnr: string, from: string | null, to: string | null) => inServedOrder((byPayee.get(pnr) ?? [])
    .map((s) => expectStatement(s, employers))
    .filter((s) => (from === null || String(s.period) >= from) && (to === null || String(s.period) <= to)));
  return {
    incomesOf: (pnr) => incomesBetween(pnr, null, null),
    incomesBetween,
    quirks, servable, neverServed, withoutNumber, unmatched, soleTraders, statements,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIds(a: string, b: string): number {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? Number(BigInt(a) - BigInt(b) > 0n) - Number(BigInt(a) - BigInt(b) < 0n) : compare(a, b);
}

// =========================================================================================================
// Comparison
// =========================================================================================================

interface Mismatch { path: string; expected: unknown; actual: unknown }

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function differences(expected: unknown, actual: unknown, path: string, out: Mismatch[]): void {
  if (isDeepStrictEqual(expected, actual)) return;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) out.push({ path: `${path}.length`, expected: expected.length, actual: actual.length });
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) differences(expected[i], actual[i], `${path}[${i}]`, out);
    return;
  }
  if (isRecord(expected) && isRecord(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) differences(expected[key], actual[key], `${path}.${key}`, out);
    return;
  }
  out.push({ path, expected, actual });
}

function report(mismatches: readonly Mismatch[], limit = 12): string {
  const lines = mismatches.slice(0, limit).map((m) => `  ${m.path}\n      expected ${JSON.stringify(m.expected)}\n      actual   ${JSON.stringify(m.actual)}`);
  const more = mismatches.length > limit ? `\n  … and ${mismatches.length - limit} more` : '';
  return `${mismatches.length} mismatch(es) between GraphQL and the income register's rows:\n${lines.join('\n')}${more}`;
}

/**
 * A served list, checked for product.md's order (newest period first), then put in the oracle's order within
 * each period (which product.md leaves open), so that the comparison names the field that differs.
 */
function servedInOracleOrder(served: unknown, path: string, out: Mismatch[]): unknown {
  if (!Array.isArray(served)) return served;
  const periods = served.map((s) => String((s as Record<string, unknown>)?.period));
  const sorted = periods.slice().sort().reverse();
  if (!isDeepStrictEqual(periods, sorted)) out.push({ path: `${path} (order of periods)`, expected: sorted, actual: periods });
  return inServedOrder(served as Record<string, unknown>[]);
}

// =========================================================================================================
// The queries
// =========================================================================================================

const MONEY = '{ amount currency minorUnits }';
const STATEMENT_FIELDS = `id period employer { name organizationNumber soleTrader } grossPay ${MONEY} taxDeducted ${MONEY} benefitsInKind ${MONEY} submittedAt versions citizen { personalNumber }`;
const INCOMES_QUERY = `query Incomes($pnrs: [String!]!) { citizens(personalNumbers: $pnrs) { personalNumber incomes { ${STATEMENT_FIELDS} } } }`;
const BETWEEN_QUERY = `query IncomesBetween($pnrs: [String!]!, $from: YearMonth, $to: YearMonth) {
  citizens(personalNumbers: $pnrs) { personalNumber incomes(from: $from, to: $to) { ${STATEMENT_FIELDS} } } }`;
const ONE_QUERY = `query Income($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber incomes { ${STATEMENT_FIELDS} } } }`;

function selectedFields(document: DocumentNode, schema: GraphQLSchema): Map<string, Set<string>> {
  const selected = new Map<string, Set<string>>();
  const typeInfo = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (!parent) return;
      selected.set(parent.name, (selected.get(parent.name) ?? new Set()).add(node.name.value));
    },
  }));
  return selected;
}

// =========================================================================================================
// The tests
// =========================================================================================================

const legacy = generateLegacyData(DATA_SET);
const agi = agiTables(legacy);
const REGISTERED = new Set(legacy.FB_PERSON.map((p) => p.PERSONID));
const oracle = buildOracle(agi.agi_individuppgift, agi.agi_arbetsgivare, REGISTERED);
const ALL_NUMBERS = legacy.FB_PERSON.map((p) => p.PERSONID);

async function incomeReader(): Promise<Record<string, string>> {
  const { staff } = await testIssuers();
  // citizen:protected:read: this test is about mapping, not masking (an employer is masked for a protected person).
  const token = await staff.mint({ sub: 'income-mapping', org: 'FK', scope: 'citizen:read citizen:protected:read income:read', purposes: [PURPOSE] });
  return { authorization: `Bearer ${token}`, 'x-purpose': PURPOSE };
}

describe('the income oracle itself (legacy-sources.md §4, by hand)', () => {
  test('kronor, periods and organisation numbers', () => {
    assert.deepEqual(kronor(12345), { amount: '12345.00', currency: 'SEK', minorUnits: 1234500 });
    assert.deepEqual(kronor('0'), { amount: '0.00', currency: 'SEK', minorUnits: 0 });
    assert.deepEqual(kronor('-250'), { amount: '-250.00', currency: 'SEK', minorUnits: -25000 });
    assert.equal(kronor(null), null);
    assert.equal(yearMonth('202401'), '2024-01');
    assert.equal(isOrganisationNumber('556036-0793'), true); // a well-known Swedish company's number
    assert.equal(isOrganisationNumber('556036-0794'), false);
    assert.equal(isOrganisationNumber('19850101-2382'), false);
    assert.equal(isSoleTrader('19850101-2382'), true);
    assert.equal(isSoleTrader('556036-0793'), false);
  });

  test('TIMESTAMPTZ in Europe/Stockholm around both changes (2024: 31 March, 27 October)', () => {
    assert.deepEqual(stockholm('2024-03-31T00:59:59Z'), { iso: '2024-03-31T01:59:59+01:00', changeDay: 'spring', repeated: null });
    assert.deepEqual(stockholm('2024-03-31 01:00:00+00'), { iso: '2024-03-31T03:00:00+02:00', changeDay: 'spring', repeated: null });
    assert.deepEqual(stockholm('2024-10-27T00:30:00Z'), { iso: '2024-10-27T02:30:00+02:00', changeDay: 'autumn', repeated: 'first' });
    assert.deepEqual(stockholm('2024-10-27T01:30:00+00:00'), { iso: '2024-10-27T02:30:00+01:00', changeDay: 'autumn', repeated: 'second' });
    assert.equal(stockholm('2024-10-27T01:00:00Z').iso, '2024-10-27T02:00:00+01:00');
    assert.equal(stockholm('2024-07-01T10:00:00+02:00').iso, '2024-07-01T10:00:00+02:00');
    assert.equal(stockholm('2024-12-31 23:30:00-01').iso, '2025-01-01T01:30:00+01:00');
    assert.equal(stockholm('2021-03-28T01:00:00Z').iso, '2021-03-28T03:00:00+02:00');
    assert.equal(stockholm('2021-10-31T00:59:59Z').iso, '2021-10-31T02:59:59+02:00');
  });

  test('the current version: latest inlamnad, then highest id; a removal withdraws; versions counts every row', () => {
    const base = { redovisningsperiod: '202401', arbetsgivare: '556036-0793', betalningsmottagare: '19850101-2382', fodelsetid: null, specifikationsnummer: 1, skatteavdrag: null, formaner: null };
    const v = (id: number, inlamnad: string, pay: number | null, borttag = false): AgiStatementRow => ({ ...base, id, inlamnad, kontant_ersattning: pay, borttag });
    const [tie] = statementsOf([v(2, '2024-02-01T10:00:00Z', 200), v(1, '2024-02-01 11:00:00+01', 100)]);
    assert.equal(tie!.current.id, 2, 'the same instant: the higher id');
    const [late] = statementsOf([v(3, '2024-02-02T10:00:00Z', 300), v(4, '2024-02-01T10:00:00Z', 400)]);
    assert.equal(late!.current.id, 3, 'a later inlamnad wins over a higher id');
    const [gone] = statementsOf([v(5, '2024-02-01T10:00:00Z', 500), v(6, '2024-03-01T10:00:00Z', null, true)]);
    assert.equal(gone!.withdrawn, true);
    const [again] = statementsOf([v(7, '2024-02-01T10:00:00Z', 700), v(8, '2024-03-01T10:00:00Z', null, true), v(9, '2024-04-01T10:00:00Z', 900)]);
    assert.deepEqual([again!.withdrawn, again!.current.id, again!.versions.length], [false, 9, 3]);
  });
});

describe('the generated income register follows §4', () => {
  test('columns, codes and identifiers are what §4 says', () => {
    const problems: string[] = [];
    const employerIds = new Set(agi.agi_arbetsgivare.map((e) => e.arbetsgivare));
    const ids = new Set<string>();
    for (const row of agi.agi_individuppgift) {
      const where = `agi_individuppgift ${row.id}`;
      if (ids.has(String(row.id))) problems.push(`${where}: id not unique`);
      ids.add(String(row.id));
      if (!/^\d{4}(0[1-9]|1[0-2])$/.test(row.redovisningsperiod)) problems.push(`${where}: redovisningsperiod ${row.redovisningsperiod}`);
      if (!isSoleTrader(row.arbetsgivare) && !isOrganisationNumber(row.arbetsgivare)) problems.push(`${where}: arbetsgivare is neither an organisation number nor YYYYMMDD-NNNN`);
      if (isSoleTrader(row.arbetsgivare) && !luhnValid(twelveDigits(row.arbetsgivare).slice(2))) problems.push(`${where}: a sole trader's number fails Luhn`);
      if (!employerIds.has(row.arbetsgivare)) problems.push(`${where}: employer without an agi_arbetsgivare row`);
      if ((row.betalningsmottagare === null) === (row.fodelsetid === null)) problems.push(`${where}: fodelsetid must be set exactly where betalningsmottagare is NULL`);
      if (row.betalningsmottagare !== null && !/^\d{8}-\d{4}$/.test(row.betalningsmottagare)) problems.push(`${where}: betalningsmottagare not YYYYMMDD-NNNN`);
      if (row.fodelsetid !== null && !/^\d{8}$/.test(row.fodelsetid)) problems.push(`${where}: fodelsetid not YYYYMMDD`);
      for (const column of ['kontant_ersattning', 'skatteavdrag', 'formaner'] as const) {
        if (row[column] !== null && !/^-?\d{1,12}$/.test(String(row[column]))) problems.push(`${where}: ${column} is not whole kronor`);
      }
      if (![true, false, 0, 1].includes(row.borttag as never)) problems.push(`${where}: borttag is not a boolean`);
      try {
        utcKey(row.inlamnad);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
    for (const employer of agi.agi_arbetsgivare) {
      if (employer.sni_kod !== null && !/^\d{5}$/.test(employer.sni_kod)) problems.push(`agi_arbetsgivare: sni_kod ${employer.sni_kod}`);
      if (typeof employer.namn !== 'string' || employer.namn.length === 0) problems.push('agi_arbetsgivare: no namn');
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);
  });

  test(`the ${DATA_SET.citizens} citizens' data exercises every quirk of §4 (so that this file can fail)`, () => {
    const required = [
      'statement with several versions',
      'corrected statement (current after older versions)',
      'statement withdrawn (newest version borttag)',
      'sole trader employer',
      'organisation-number employer',
      'payee without a number',
      'person with several employers',
      'several employers in one month',
      'specifikationsnummer other than 1',
      'statement sent again after a removal',
      'tie on inlamnad decided by id',
      'kontant_ersattning NULL',
      'skatteavdrag NULL',
      'formaner NULL',
      'payee with a coordination number',
      'submittedAt +01:00',
      'submittedAt +02:00',
      'submittedAt in the repeated autumn hour (first)',
      'submittedAt in the repeated autumn hour (second)',
      // In the generated data the spring night may fall on history or a removal only; the hand-made rows below
      // serve it in submittedAt whatever the generator does.
      'inlamnad in the last hour before the spring change',
      'inlamnad in the first hour after the spring change',
      'inlamnad in the repeated autumn hour (first)',
      'inlamnad in the repeated autumn hour (second)',
    ];
    const seen = [...oracle.quirks].sort(([a], [b]) => compare(a, b)).map(([quirk, n]) => `${quirk}: ${n}`).join('; ');
    assert.deepEqual(required.filter((quirk) => !(oracle.quirks.get(quirk)! >= 1)), [], `not in the generated data (seen: ${seen})`);
  });
});

for (const dialect of ['mariadb', 'sqlite'] as const satisfies readonly Dialect[]) {
  // seededSources('mariadb') puts the income register on PostgreSQL, its production database; 'sqlite' is the demo's.
  const label = dialect === 'mariadb' ? 'PostgreSQL' : 'SQLite';

  describe(`income register rows → GraphQL, field by field (${label})`, () => {
    let seeded: SeededSources | undefined;
    let server: TestServer;
    let headers: Record<string, string>;
    const bodies: { numbers: string[]; body: string }[] = [];
    const servedIds = new Map<string, string[]>();
    let compared = 0;

    before(async () => {
      seeded = await seededSources(dialect, DATA_SET);
      server = await startTestServer(seeded.urls);
      headers = await incomeReader();
    });

    after(async () => {
      await server?.close();
      await seeded?.drop();
    });

    test('the query asks for every field of IncomeStatement, its employer and Money', () => {
      const schema = buildDeclaredSchema();
      const statementType = schema.getType('IncomeStatement');
      assert.ok(statementType && isObjectType(statementType), 'IncomeStatement is in the schema');
      const employerField = statementType.getFields().employer;
      assert.ok(employerField, 'IncomeStatement.employer');
      const covered = ['IncomeStatement', getNamedType(employerField.type).name, 'Money'];
      const selected = selectedFields(parse(INCOMES_QUERY), schema);
      const missing: string[] = [];
      for (const typeName of covered) {
        const type = schema.getType(typeName);
        assert.ok(type && isObjectType(type), typeName);
        for (const field of Object.keys(type.getFields())) if (!selected.get(typeName)?.has(field)) missing.push(`${typeName}.${field}`);
      }
      assert.deepEqual(missing, [], 'add these fields to the query (and the oracle)');
    });

    test(`all ${DATA_SET.citizens} citizens' incomes equal their rows under §4`, async () => {
      const mismatches: Mismatch[] = [];
      for (let start = 0; start < ALL_NUMBERS.length; start += BATCH) {
        const numbers = ALL_NUMBERS.slice(start, start + BATCH);
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body: JSON.stringify({ query: INCOMES_QUERY, variables: { pnrs: numbers } }),
        });
        const body = await response.text();
        bodies.push({ numbers, body });
        const parsed = JSON.parse(body) as GraphQLResponse<any>;
        assert.equal(response.status, 200, body.slice(0, 500));
        assert.equal(parsed.errors, undefined, `batch ${start / BATCH}: ${JSON.stringify(parsed.errors)}`);
        assert.equal(parsed.extensions?.dataQuality, undefined, `batch ${start / BATCH}: ${JSON.stringify(parsed.extensions?.dataQuality)}`);
        const served = parsed.data.citizens as ({ personalNumber: string; incomes: Record<string, unknown>[] | null } | null)[];
        assert.equal(served.length, numbers.length);
        numbers.forEach((pnr, i) => {
          compared++;
          const actual = served[i];
          const path = `citizen ${pnr}`;
          if (!actual) {
            mismatches.push({ path, expected: 'a citizen', actual });
            return;
          }
          for (const s of actual.incomes ?? []) servedIds.set(String(s.id), [...(servedIds.get(String(s.id)) ?? []), pnr]);
          differences(oracle.incomesOf(pnr), servedInOracleOrder(actual.incomes, `${path}.incomes`, mismatches), `${path}.incomes`, mismatches);
        });
      }
      assert.equal(compared, DATA_SET.citizens);
      assert.ok(mismatches.length === 0, report(mismatches));
    });

    // History never served as current is the field-by-field comparison's: every value is the newest version's.
    test('every existing statement is served once, under its payee; withdrawn statements and payees without a number or a match never', () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      const servedTwice = [...servedIds].filter(([, under]) => under.length > 1).map(([id]) => id);
      assert.deepEqual(servedTwice, [], 'served under more than one citizen');
      const missing = [...oracle.servable].filter((id) => !servedIds.has(id));
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} current statement(s) never served`);
      const wrong = [...servedIds.keys()].filter((id) => oracle.neverServed.has(id));
      assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} served statement(s) are withdrawn or unlinkable`);
      assert.equal(servedIds.size, oracle.servable.size);
      assert.ok(oracle.withoutNumber.length > 0 && oracle.servable.size > 0, 'the data has both (the check tests something)');
    });

    test('a sole trader\'s personal number never appears as an organisation number, nor anywhere else, in any answer', async () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      assert.ok(oracle.soleTraders.size > 0, 'the data has sole traders');
      const leaks: string[] = [];
      for (const { numbers, body } of bodies) {
        const asked = new Set(numbers);
        for (const owner of oracle.soleTraders) {
          // The owner's own number is theirs to be served as a citizen's personalNumber (when asked for), nowhere else.
          const rest = asked.has(owner) ? body.split(`"personalNumber":"${owner}"`).join('') : body;
          for (const form of numberForms(owner)) {
            if (rest.includes(form)) leaks.push(`a sole trader's number (as ${form.length} characters) in the answer for a batch`);
          }
        }
      }
      // Payees of sole traders, each asked for alone: nothing of the owner's number.
      const asked = new Set<string>();
      for (const statement of oracle.statements.filter((s) => isSoleTrader(s.current.arbetsgivare) && s.current.betalningsmottagare !== null && !s.withdrawn)) {
        const payee = twelveDigits(statement.current.betalningsmottagare!);
        const owner = twelveDigits(statement.current.arbetsgivare);
        if (!REGISTERED.has(payee) || payee === owner || asked.has(payee) || asked.size >= 40) continue;
        asked.add(payee);
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body: JSON.stringify({ query: ONE_QUERY, variables: { pnr: payee } }),
        });
        const body = await response.text();
        assert.equal(response.status, 200, body.slice(0, 300));
        for (const form of numberForms(owner)) if (body.includes(form)) leaks.push(`sole trader's number in the answer for one payee (as ${form.length} characters)`);
        const incomes = (JSON.parse(body).data?.citizen?.incomes ?? []) as { employer: { organizationNumber: string | null; soleTrader: boolean } }[];
        assert.ok(incomes.some((s) => s.employer.soleTrader && s.employer.organizationNumber === null), 'the sole trader is served as one');
      }
      assert.ok(asked.size > 0, 'payees of sole traders were asked for');
      assert.deepEqual(leaks.slice(0, 10), [], `${leaks.length} leak(s)`);
    });

    test('organisation numbers are served as NNNNNN-NNNN, and every served one is an organisation number', () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      let count = 0;
      for (const { body } of bodies) {
        const citizens = JSON.parse(body).data.citizens as { incomes: { employer: { organizationNumber: string | null; soleTrader: boolean } }[] }[];
        for (const statement of citizens.flatMap((c) => c.incomes ?? [])) {
          const { organizationNumber, soleTrader } = statement.employer;
          if (soleTrader) assert.equal(organizationNumber, null);
          else {
            count++;
            assert.ok(organizationNumber !== null && isOrganisationNumber(organizationNumber), `served organisation number ${organizationNumber}`);
          }
        }
      }
      assert.ok(count > 0);
    });

    test('from and to filter by period, both inclusive; newest period first', async () => {
      // People with at least three periods, and bounds that are periods of theirs, so that both ends are hit exactly.
      const people = ALL_NUMBERS.filter((pnr) => new Set(oracle.incomesOf(pnr).map((s) => s.period)).size >= 3).slice(0, 40);
      assert.ok(people.length >= 10, 'people with several periods');
      const periods = [...new Set(people.flatMap((pnr) => oracle.incomesOf(pnr).map((s) => String(s.period))))].sort();
      const lower = periods[Math.floor(periods.length / 3)]!;
      const upper = periods[Math.floor((2 * periods.length) / 3)]!;
      const mismatches: Mismatch[] = [];
      let atBounds = 0;
      for (const [from, to] of [[lower, upper], [lower, null], [null, upper], [upper, upper], [upper, lower]] as const) {
        const response: GraphQLResponse<any> = await server.query(BETWEEN_QUERY, { pnrs: people, from, to }, headers);
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        people.forEach((pnr, i) => {
          const expected = oracle.incomesBetween(pnr, from, to);
          atBounds += expected.filter((s) => s.period === from || s.period === to).length;
          const path = `incomes(from: ${from}, to: ${to}) of ${pnr}`;
          differences(expected, servedInOracleOrder(response.data.citizens[i].incomes, path, mismatches), path, mismatches);
        });
      }
      assert.ok(mismatches.length === 0, report(mismatches));
      assert.ok(atBounds > 0, 'statements in the bounding periods themselves');
    });

    test('a YearMonth that is not YYYY-MM is refused as bad input, never a server error', async () => {
      const pnr = ALL_NUMBERS.find((p) => oracle.incomesOf(p).length > 0)!;
      for (const bad of ['2024-13', '202401', '2024-1', '2024-00', 'x']) {
        const response = await server.query(BETWEEN_QUERY, { pnrs: [pnr], from: bad, to: null }, headers);
        assert.ok(response.status < 500, `${bad}: HTTP ${response.status}`);
        assert.ok((response.errors ?? []).length > 0, `${bad}: refused`);
        assert.ok(!JSON.stringify(response).includes(pnr), 'nothing personal in the refusal');
      }
    });

    test('hand-made versions written into the register: ties, late arrivals, removals, re-submissions, both DST changes, NULL amounts', async () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      const sample = agi.agi_individuppgift.find((r) => r.betalningsmottagare !== null && !isRemoval(r))!;
      const person = ALL_NUMBERS.find((pnr) => oracle.incomesOf(pnr).length === 0 && legacy.FB_PERSON.find((p) => p.PERSONID === pnr)!.AVREG_ORSAK === null)
        ?? ALL_NUMBERS[0]!;
      const employer = agi.agi_arbetsgivare.find((e) => !isSoleTrader(e.arbetsgivare))!;
      const firstId = agi.agi_individuppgift.reduce((max, r) => (BigInt(String(r.id)) > max ? BigInt(String(r.id)) : max), 0n) + 1000n;
      let next = firstId;
      const made: AgiStatementRow[] = [];
      const version = (spec: number, period: string, utc: string, pay: number | null, extra: Partial<AgiStatementRow> = {}): AgiStatementRow => {
        const row: AgiStatementRow = {
          id: String(next++), redovisningsperiod: period, arbetsgivare: employer.arbetsgivare, betalningsmottagare: `${person.slice(0, 8)}-${person.slice(8)}`,
          fodelsetid: null, specifikationsnummer: spec, kontant_ersattning: pay, skatteavdrag: pay === null ? null : Math.round(pay / 3), formaner: null,
          borttag: false, inlamnad: sameFormAs(sample.inlamnad, utc), ...extra,
        };
        made.push(row);
        return row;
      };
      // Ties on inlamnad: the higher id wins, though it is written first.
      const [tieLow, tieHigh] = [version(901, '202105', '2021-06-05T08:00:00Z', 1001), version(901, '202105', '2021-06-05T08:00:00Z', 1002)];
      made.splice(0, 2, tieHigh, tieLow);
      // A later inlamnad under a lower id wins over the higher id.
      version(902, '202105', '2021-06-10T08:00:00Z', 2002);
      version(902, '202105', '2021-06-09T08:00:00Z', 2001);
      // Sent, removed, sent again: exists, with three versions.
      version(903, '202104', '2021-05-05T08:00:00Z', 3001);
      version(903, '202104', '2021-05-20T08:00:00Z', null, { borttag: true });
      version(903, '202104', '2021-06-01T08:00:00Z', 3003);
      // Sent and removed: gone.
      version(904, '202104', '2021-05-05T08:00:00Z', 4001);
      version(904, '202104', '2021-05-06T08:00:00Z', 4001, { borttag: true });
      // Both sides of both changes of 2024.
      version(905, '202402', '2024-03-31T00:59:59Z', 5001);
      version(906, '202402', '2024-03-31T01:00:00Z', 5002);
      version(907, '202409', '2024-10-27T00:30:00Z', 5003);
      version(908, '202409', '2024-10-27T01:30:00Z', 5004);
      // NULL and zero amounts; a large one.
      version(909, '202403', '2024-04-05T08:00:00Z', null, { skatteavdrag: null, formaner: null });
      version(910, '202403', '2024-04-05T08:00:00Z', 0, { skatteavdrag: 0, formaner: 0 });
      version(911, '202403', '2024-04-05T08:00:00Z', 1_234_567, { formaner: 4_321 });

      const url = seeded!.urls.incomeRegister;
      assert.ok(url, 'the income register was seeded');
      const db = openDatabase(url);
      try {
        const asStored = (row: AgiStatementRow) => ({
          ...row,
          id: Number(row.id),
          // SQLite has no BOOLEAN: 1/0 there, as the demo's tables hold it.
          borttag: url.startsWith('sqlite:') ? Number(isRemoval(row)) : isRemoval(row),
        });
        await db('agi_individuppgift').insert(made.map(asStored));
      } finally {
        await db.destroy();
      }
      const withMade = buildOracle([...agi.agi_individuppgift, ...made], agi.agi_arbetsgivare, REGISTERED);
      const expected = withMade.incomesOf(person);
      const response: GraphQLResponse<any> = await server.query(ONE_QUERY, { pnr: person }, headers);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const mismatches: Mismatch[] = [];
      differences(expected, servedInOracleOrder(response.data.citizen.incomes, 'incomes', mismatches), 'incomes', mismatches);
      assert.ok(mismatches.length === 0, report(mismatches));

      // The oracle's answers for them, said out loud (so that a wrong oracle cannot agree with a wrong mapping).
      // Served ids are first versions' ids (see expectStatement).
      const madeById = new Map(made.map((m) => [String(m.id), m]));
      const bySpec = new Map((response.data.citizen.incomes as Record<string, any>[])
        .filter((s) => madeById.has(String(s.id)))
        .map((s) => [madeById.get(String(s.id))!.specifikationsnummer, s]));
      assert.equal(bySpec.get(901)?.grossPay.amount, '1002.00', 'tie: the higher id');
      assert.equal(bySpec.get(901)?.versions, 2);
      assert.equal(bySpec.get(902)?.grossPay.amount, '2002.00', 'the later inlamnad, under the lower id');
      assert.equal(bySpec.get(903)?.grossPay.amount, '3003.00', 'sent again after the removal');
      assert.equal(bySpec.get(903)?.versions, 3);
      assert.equal(bySpec.has(904), false, 'withdrawn');
      assert.equal(bySpec.get(905)?.submittedAt, '2024-03-31T01:59:59+01:00');
      assert.equal(bySpec.get(906)?.submittedAt, '2024-03-31T03:00:00+02:00');
      assert.equal(bySpec.get(907)?.submittedAt, '2024-10-27T02:30:00+02:00');
      assert.equal(bySpec.get(908)?.submittedAt, '2024-10-27T02:30:00+01:00');
      assert.deepEqual([bySpec.get(909)?.grossPay, bySpec.get(909)?.taxDeducted, bySpec.get(909)?.benefitsInKind], [null, null, null]);
      assert.deepEqual(bySpec.get(910)?.grossPay, { amount: '0.00', currency: 'SEK', minorUnits: 0 });
      assert.deepEqual(bySpec.get(911)?.grossPay, { amount: '1234567.00', currency: 'SEK', minorUnits: 123456700 });
      assert.deepEqual(bySpec.get(911)?.benefitsInKind, { amount: '4321.00', currency: 'SEK', minorUnits: 432100 });
      assert.equal(bySpec.size, 10);
    });
  });
}

/**
 * An instant (`YYYY-MM-DDTHH:MM:SSZ`) written the way the generator writes `inlamnad`, so that hand-made rows are
 * stored as the generated ones are: the same date-time separator and the same style of offset, at UTC.
 */
function sameFormAs(sample: string, utc: string): string {
  const match = /^\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}:\d{2}(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(sample);
  assert.ok(match, `inlamnad sample in no known form: ${sample}`);
  const [, separator, fraction, offset] = match as unknown as [string, string, string | undefined, string];
  const zero = offset === 'Z' ? 'Z' : offset.length === 3 ? '+00' : offset.includes(':') ? '+00:00' : '+0000';
  return `${utc.slice(0, 10)}${separator}${utc.slice(11, 19)}${fraction ? `.${'0'.repeat(fraction.length - 1)}` : ''}${zero}`;
}
