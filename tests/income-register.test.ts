/**
 * The income register (legacy-sources.md §4) as a source module, beside the oracle (income-mapping.test.ts) and
 * the roads test (income-access.test.ts):
 * 1. Mapping, value by value: periods, whole kronor, TIMESTAMPTZ to Stockholm time (against Temporal, across
 *    changes of time), organisation numbers and sole traders, payees, `borttag`, and a whole current statement.
 * 2. End to end on PostgreSQL and on SQLite from hand-written rows: every quirk in one person's list (corrections,
 *    arrival compared as instants across offsets — on SQLite too, where it is text —, ties, withdrawals, sent
 *    again, sole traders, unknown and unreadable employers reported, payees without or with a broken number never
 *    served), the period filter, one statement per range for several citizens, the owner of a sole trader logged
 *    but never served, the scope, and a protected person's employer masked.
 * 3. Left out of the config: `incomes` answers SOURCE_UNAVAILABLE naming it, the rest is served.
 * 4. PostgreSQL as a source: a statement past the timeout fails as SOURCE_UNAVAILABLE, and health explains
 *    PostgreSQL's failures by SQLSTATE.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newRequestId } from '../src/request-id.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { Temporal } from 'temporal-polyfill';
import { decodeBorttag, decodeEmployer, decodeKronor, decodePayee, decodePeriod, decodeTimestampTz, mapCurrentStatement } from '../sources/income-register/mapping.js';
import { createIncomeRegisterTables, type AgiCurrentStatementRow } from '../sources/income-register/tables.js';
import { createPopulationRegisterTables } from '../sources/population-register/tables.js';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { parseConfig } from '../src/config.js';
import { openDatabase, parseDatabaseUrl } from '../src/core/db.js';
import { UnmappableValueError } from '../src/core/legacy-values.js';
import { scalarResolvers } from '../src/core/scalars.js';
import { Source, SourceUnavailableError, type DataQualityFinding } from '../src/core/source.js';
import { explainFailure, failureCode, probe, reachability } from '../src/health.js';
import { openSources } from '../src/sources.js';
import type { TestDatabases } from './helpers/mysql.js';
import { createTestDatabases } from './helpers/postgres.js';
import { recordStatements, startTestServer, tableOf, type TestServer } from './helpers/samgraf.js';
import { testIssuers } from './helpers/tokens.js';

// =========================================================================================================
// The people and the employers (official test personal numbers; organisation numbers with their Luhn digit)
// =========================================================================================================

/** Registered in Stockholm (0180). */
const P1 = '198501012382';
/** Registered in Göteborg (1480). */
const P2 = '199001012385';
/** In 0180, with a confidentiality marking. */
const P3 = '200101012391';
/** Runs a sole trader's business; registered in Göteborg. */
const OWNER = '197201079295';
/** Runs a sole trader's business under a protected identity; registered in 0180. */
const HIDDEN_OWNER = '196801029288';
/** Runs a sole trader's business, but the population register does not know them. */
const UNKNOWN_OWNER = '196801249290';
/** In 0180; paid by the two sole traders above and by E1. */
const P4 = '199301012382';
const dashed = (pnr: string) => `${pnr.slice(0, 8)}-${pnr.slice(8)}`;

const E1 = '556036-0793';
/** Valid, but agi_arbetsgivare has no row for it. */
const E3 = '559012-3450';
/** Luhn-valid, but its third digit is 1: not an organisation number. */
const EBAD = '551234-5678';
const SOLE = dashed(OWNER);

/** Luhn as legacy-sources.md states it, written here independently of samgraf's. */
function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const product = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  }
  return sum % 10 === 0;
}

// =========================================================================================================
// 1. Mapping
// =========================================================================================================

describe('income register mapping', () => {
  const unmappable = (column: string, problem?: RegExp) => (error: unknown) => {
    assert.ok(error instanceof UnmappableValueError, String(error));
    assert.equal(error.column, column);
    if (problem) assert.match(error.problem, problem);
    return true;
  };

  it('the test data is what it claims', () => {
    for (const pnr of [P1, P2, P3, OWNER]) assert.ok(luhnOk(pnr.slice(2)), pnr);
    for (const org of [E1, E3, EBAD, '212000-0001']) assert.ok(luhnOk(org.replace('-', '')), org);
    assert.ok(!luhnOk('198501012383'.slice(2)));
    assert.ok(!luhnOk('5560360794'));
  });

  it('redovisningsperiod YYYYMM → YYYY-MM; anything else, month 00 or 13 included, is unmappable', () => {
    assert.equal(decodePeriod('202503'), '2025-03');
    assert.equal(decodePeriod('199912'), '1999-12');
    for (const bad of ['202500', '202513', '2025-3', '20253', '2025033', 'abcdef', '']) {
      assert.throws(() => decodePeriod(bad), unmappable('agi_individuppgift.redovisningsperiod'), bad);
    }
  });

  it('NUMERIC(12,0) whole kronor → Money (öre = kronor × 100), from PostgreSQL text or SQLite numbers; NULL = not reported', () => {
    assert.deepEqual(decodeKronor('32500', 'c'), { amount: '32500.00', currency: 'SEK', minorUnits: 3_250_000 });
    assert.deepEqual(decodeKronor(32500, 'c'), { amount: '32500.00', currency: 'SEK', minorUnits: 3_250_000 });
    assert.deepEqual(decodeKronor('0', 'c'), { amount: '0.00', currency: 'SEK', minorUnits: 0 });
    assert.deepEqual(decodeKronor('-1250', 'c'), { amount: '-1250.00', currency: 'SEK', minorUnits: -125_000 });
    // 21 474 836 kr is the most that fits in a 32-bit number of öre.
    assert.deepEqual(decodeKronor('21474836', 'c'), { amount: '21474836.00', currency: 'SEK', minorUnits: 2_147_483_600 });
    assert.equal(decodeKronor(null, 'c'), null);
    assert.throws(() => decodeKronor('21474837', 'x.kontant_ersattning'), unmappable('x.kontant_ersattning', /out of range/));
    for (const bad of ['1250.50', '1250.0', 1250.5, '12 500', '', 'NaN', Number.NaN]) {
      assert.throws(() => decodeKronor(bad, 'x.formaner'), unmappable('x.formaner', /whole number of kronor/), String(bad));
    }
  });

  it('TIMESTAMPTZ → ISO 8601 with the Stockholm offset, from PostgreSQL (UTC session) and SQLite text', () => {
    const cases: [string, string][] = [
      // PostgreSQL's text in a UTC session.
      ['2025-01-15 11:00:00+00', '2025-01-15T12:00:00+01:00'],
      ['2025-07-01 22:30:00+00', '2025-07-02T00:30:00+02:00'],
      ['2025-12-31 23:59:59+00', '2026-01-01T00:59:59+01:00'],
      // Spring forward, 2025-03-30 01:00 UTC: 02:00–03:00 local does not exist.
      ['2025-03-30 00:59:59+00', '2025-03-30T01:59:59+01:00'],
      ['2025-03-30 01:00:00+00', '2025-03-30T03:00:00+02:00'],
      ['2025-03-30 01:30:00+00', '2025-03-30T03:30:00+02:00'],
      // Fall back, 2025-10-26 01:00 UTC: 02:30 local happens twice, told apart by the offset.
      ['2025-10-26 00:30:00+00', '2025-10-26T02:30:00+02:00'],
      ['2025-10-26 01:30:00+00', '2025-10-26T02:30:00+01:00'],
      // Fractions are kept, without trailing zeros.
      ['2025-06-01 10:00:00.250+00', '2025-06-01T12:00:00.25+02:00'],
      ['2025-06-01 10:00:00.123456+00', '2025-06-01T12:00:00.123456+02:00'],
      ['2025-06-01 10:00:00.000+00', '2025-06-01T12:00:00+02:00'],
      // The demo's SQLite text, any offset.
      ['2025-03-30T03:30:00+02:00', '2025-03-30T03:30:00+02:00'],
      ['2025-02-12T09:15:00Z', '2025-02-12T10:15:00+01:00'],
      ['2025-02-12T14:45:00+05:30', '2025-02-12T10:15:00+01:00'],
      ['2025-02-12 04:15:00-0500', '2025-02-12T10:15:00+01:00'],
      // The first summer time of today's rules.
      ['1980-04-06 00:59:59+00', '1980-04-06T01:59:59+01:00'],
      ['1980-04-06 01:00:00+00', '1980-04-06T03:00:00+02:00'],
    ];
    for (const [stored, served] of cases) assert.equal(decodeTimestampTz(stored, 'c'), served, stored);
    for (const bad of ['2025-02-30 10:00:00+00', '2025-03-30 24:00:00+00', '2025-03-30 10:60:00+00', '2025-03-30 10:00:60+00', '2025-03-30 10:00:00+01:60',
      '2025-03-30 01:30:00', '2025-03-30', 'infinity', '-infinity', '2025-03-30 01:30:00+00 BC', '25-03-30 01:30:00+00', '']) {
      assert.throws(() => decodeTimestampTz(bad, 'agi_individuppgift.inlamnad'), unmappable('agi_individuppgift.inlamnad', /timestamp/), bad);
    }
  });

  it('TIMESTAMPTZ: the cached offsets give what Temporal gives, every 53 minutes over three years and around changes of time', () => {
    const check = (epochMs: number) => {
      const instant = Temporal.Instant.fromEpochMilliseconds(epochMs);
      const expected = instant.toZonedDateTimeISO('Europe/Stockholm').toString({ timeZoneName: 'never' });
      assert.equal(decodeTimestampTz(instant.toString(), 'c'), expected, instant.toString());
    };
    for (let t = Date.parse('2024-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 53 * 60_000) check(t);
    for (const change of ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2026-03-29T01:00:00Z', '1980-04-06T01:00:00Z', '1916-05-14T22:00:00Z']) {
      for (let delta = -7200_000; delta <= 7200_000; delta += 60_000) check(Date.parse(change) + delta);
    }
  });

  it('arbetsgivare: an organisation number (Luhn over 10 digits, third digit ≥ 2) or a sole trader, whose personal number is never an organisation number', () => {
    assert.deepEqual(decodeEmployer(E1), { organizationNumber: E1, soleTrader: false, personalNumber: null });
    assert.deepEqual(decodeEmployer('212000-0001'), { organizationNumber: '212000-0001', soleTrader: false, personalNumber: null });
    assert.deepEqual(decodeEmployer(SOLE), { organizationNumber: null, soleTrader: true, personalNumber: OWNER });
    const column = 'agi_individuppgift.arbetsgivare';
    assert.throws(() => decodeEmployer('556036-0794'), unmappable(column, /Luhn/));
    assert.throws(() => decodeEmployer(EBAD), unmappable(column, /third digit/));
    // A personal number without century has a month in digits 3–4: never an organisation number.
    assert.throws(() => decodeEmployer('720107-9295'), unmappable(column, /third digit/));
    assert.throws(() => decodeEmployer('19720107-9296'), unmappable(column, /sole trader/));
    for (const bad of ['5560360793', '197201079295', 'ABC', '', '556036-07930', '55603-60793']) {
      assert.throws(() => decodeEmployer(bad), unmappable(column, /neither/), bad);
    }
  });

  it('betalningsmottagare YYYYMMDD-NNNN → 12 digits; NULL (no Swedish number) and broken numbers are unmappable, without the value', () => {
    assert.equal(decodePayee(dashed(P1)), P1);
    assert.equal(decodePayee('19140168-2396'), '191401682396', 'a coordination number (Skatteverket\'s test numbers)');
    const column = 'agi_individuppgift.betalningsmottagare';
    assert.throws(() => decodePayee(null), unmappable(column, /without a Swedish personal number/));
    for (const bad of ['19850101-2383', '19851301-2382', '198501012382', '850101-2382']) {
      assert.throws(() => decodePayee(bad), (error: unknown) => {
        unmappable(column)(error);
        assert.ok(!/\d{4}/.test((error as Error).message), 'no digits of the number in the message');
        return true;
      }, bad);
    }
  });

  it('borttag: true/false from PostgreSQL, 1/0 from SQLite, nothing else', () => {
    assert.equal(decodeBorttag(true), true);
    assert.equal(decodeBorttag(1), true);
    assert.equal(decodeBorttag(false), false);
    assert.equal(decodeBorttag(0), false);
    for (const bad of ['t', 'true', 2, null]) assert.throws(() => decodeBorttag(bad as never), unmappable('agi_individuppgift.borttag'));
  });

  describe('a current statement', () => {
    const source = new Source('incomeRegister', null);
    after(() => source.shutdown());
    const row = (changes: Partial<AgiCurrentStatementRow> = {}): AgiCurrentStatementRow => ({
      id: '11', redovisningsperiod: '202502', arbetsgivare: E1, betalningsmottagare: dashed(P1), specifikationsnummer: 1,
      kontant_ersattning: '31000', skatteavdrag: '8300', formaner: null, borttag: false, inlamnad: '2025-03-30 01:30:00+00',
      namn: 'Åkerlunds Bygg AB', versions: '2', first_id: '10', ...changes,
    });
    const collect = () => {
      const findings: DataQualityFinding[] = [];
      return { findings, sink: { report: (finding: DataQualityFinding) => findings.push(finding) } };
    };

    it('is its newest version, with the id of its first and its count of versions', () => {
      const { findings, sink } = collect();
      assert.deepEqual(mapCurrentStatement(row(), source, sink), {
        id: '10', personalNumber: P1, period: '2025-02',
        employer: { name: 'Åkerlunds Bygg AB', organizationNumber: E1, soleTrader: false, personalNumber: null },
        grossPay: { amount: '31000.00', currency: 'SEK', minorUnits: 3_100_000 },
        taxDeducted: { amount: '8300.00', currency: 'SEK', minorUnits: 830_000 },
        benefitsInKind: null,
        submittedAt: '2025-03-30T03:30:00+02:00',
        versions: 2,
      });
      assert.deepEqual(findings, []);
    });

    it('is gone when its newest version withdraws it', () => {
      const { findings, sink } = collect();
      assert.equal(mapCurrentStatement(row({ borttag: true, kontant_ersattning: null }), source, sink), null);
      assert.equal(mapCurrentStatement(row({ borttag: 1 }), source, sink), null);
      assert.deepEqual(findings, []);
    });

    it('of a sole trader: the owner as the employer\'s person, never its organisation number', () => {
      const { sink } = collect();
      const statement = mapCurrentStatement(row({ arbetsgivare: SOLE, namn: 'Anna Svensson Måleri' }), source, sink)!;
      assert.deepEqual(statement.employer, { name: 'Anna Svensson Måleri', organizationNumber: null, soleTrader: true, personalNumber: OWNER });
    });

    it('with an unreadable employer: served without it, and reported by row id', () => {
      const { findings, sink } = collect();
      const statement = mapCurrentStatement(row({ arbetsgivare: EBAD }), source, sink)!;
      assert.equal(statement.employer, null);
      assert.equal(statement.grossPay?.minorUnits, 3_100_000);
      assert.deepEqual(findings, [{ source: 'incomeRegister', table: 'agi_individuppgift', column: 'agi_individuppgift.arbetsgivare', problem: 'organisation number with third digit below 2', rowKey: '11' }]);
    });

    it('with an employer agi_arbetsgivare does not know: served without its name, and reported', () => {
      const { findings, sink } = collect();
      const statement = mapCurrentStatement(row({ arbetsgivare: E3, namn: null }), source, sink)!;
      assert.deepEqual(statement.employer, { name: null, organizationNumber: E3, soleTrader: false, personalNumber: null });
      assert.deepEqual(findings, [{ source: 'incomeRegister', table: 'agi_arbetsgivare', column: 'agi_arbetsgivare.arbetsgivare', problem: 'employer has no row in agi_arbetsgivare', rowKey: '11' }]);
    });

    it('without a readable payee, period, arrival or borttag: unmappable as a whole (mapRows reports it and leaves it out)', () => {
      const { sink } = collect();
      assert.throws(() => mapCurrentStatement(row({ betalningsmottagare: null }), source, sink), unmappable('agi_individuppgift.betalningsmottagare'));
      assert.throws(() => mapCurrentStatement(row({ redovisningsperiod: '202513' }), source, sink), unmappable('agi_individuppgift.redovisningsperiod'));
      assert.throws(() => mapCurrentStatement(row({ inlamnad: 'infinity' }), source, sink), unmappable('agi_individuppgift.inlamnad'));
      assert.throws(() => mapCurrentStatement(row({ borttag: 'f' as never }), source, sink), unmappable('agi_individuppgift.borttag'));
    });
  });

  it('YearMonth: YYYY-MM with month 01–12, as argument and as result', () => {
    const scalar = scalarResolvers.YearMonth;
    for (const good of ['2025-01', '2025-12', '1999-10']) {
      assert.equal(scalar.parseValue(good), good);
      assert.equal(scalar.serialize(good), good);
    }
    for (const bad of ['2025-00', '2025-13', '2025-1', '202501', '2025-01-01', ' 2025-01', 202501]) {
      assert.throws(() => scalar.parseValue(bad), /YearMonth/, String(bad));
    }
  });
});

// =========================================================================================================
// 2. End to end, from hand-written rows
// =========================================================================================================

interface Version {
  id: number;
  period: string;
  employer: string;
  payee: string | null;
  birth?: string;
  spec: number;
  gross: number | null;
  tax?: number | null;
  benefits?: number | null;
  withdrawn?: boolean;
  /** ISO 8601 with an offset: PostgreSQL parses it into TIMESTAMPTZ, SQLite keeps the text. */
  at: string;
}

const VERSIONS: Version[] = [
  { id: 1, period: '202501', employer: E1, payee: P1, spec: 1, gross: 32500, tax: 9000, at: '2025-02-12T09:15:00Z' },
  { id: 2, period: '202501', employer: E1, payee: P1, spec: 2, gross: 1500, at: '2025-02-12T09:15:00Z' },
  // Corrected once: the second version is current.
  { id: 10, period: '202502', employer: E1, payee: P1, spec: 1, gross: 30000, tax: 8000, benefits: 500, at: '2025-03-12T09:00:00+01:00' },
  { id: 11, period: '202502', employer: E1, payee: P1, spec: 1, gross: 31000, tax: 8300, benefits: 500, at: '2025-03-30T03:30:00+02:00' },
  // The same employer, month and specification for another payee: a statement of its own.
  { id: 12, period: '202502', employer: E1, payee: P2, spec: 1, gross: 28000, tax: 7000, benefits: 0, at: '2025-03-12T09:00:00+01:00' },
  // The later arrival wins over the higher id. As text the +02:00 time looks later; as instants it is 40 minutes earlier.
  { id: 20, period: '202503', employer: E1, payee: P1, spec: 1, gross: 1000, at: '2025-10-26T02:10:00+01:00' },
  { id: 21, period: '202503', employer: E1, payee: P1, spec: 1, gross: 2000, at: '2025-10-26T02:30:00+02:00' },
  // Arrived at the same instant (written with different offsets): the higher id wins.
  { id: 30, period: '202504', employer: E1, payee: P1, spec: 1, gross: 3000, at: '2025-05-12T12:00:00+02:00' },
  { id: 31, period: '202504', employer: E1, payee: P1, spec: 1, gross: 3100, at: '2025-05-12T10:00:00Z' },
  // A sole trader's statement, withdrawn: gone.
  { id: 40, period: '202502', employer: SOLE, payee: P1, spec: 1, gross: 5000, at: '2025-03-05T10:00:00+01:00' },
  { id: 41, period: '202502', employer: SOLE, payee: P1, spec: 1, gross: null, withdrawn: true, at: '2025-03-06T10:00:00+01:00' },
  // Withdrawn and sent again: current again, three versions.
  { id: 50, period: '202501', employer: SOLE, payee: P1, spec: 1, gross: 4000, at: '2025-02-05T10:00:00+01:00' },
  { id: 51, period: '202501', employer: SOLE, payee: P1, spec: 1, gross: null, withdrawn: true, at: '2025-02-06T10:00:00+01:00' },
  { id: 52, period: '202501', employer: SOLE, payee: P1, spec: 1, gross: 4200, tax: 1100, at: '2025-02-07T10:00:00.250+01:00' },
  { id: 60, period: '202503', employer: E3, payee: P1, spec: 1, gross: 800, at: '2025-04-12T10:00:00+02:00' },
  { id: 61, period: '202503', employer: EBAD, payee: P1, spec: 1, gross: 900, at: '2025-04-12T10:00:00+02:00' },
  { id: 70, period: '202312', employer: E1, payee: P1, spec: 1, gross: 29000, at: '2024-01-12T10:00:00+01:00' },
  // A payee without a Swedish number, and one whose number fails Luhn: nobody's, never served.
  { id: 80, period: '202501', employer: E1, payee: null, birth: '19850101', spec: 1, gross: 77777, at: '2025-02-12T09:15:00Z' },
  { id: 82, period: '202501', employer: E1, payee: '19850101-2383', spec: 1, gross: 88888, at: '2025-02-12T09:15:00Z' },
  { id: 81, period: '202501', employer: E1, payee: P3, spec: 1, gross: 25000, at: '2025-02-12T09:15:00Z' },
  // P4's employers: a sole trader with a protected identity, one the population register does not know, an organisation.
  { id: 100, period: '202506', employer: dashed(HIDDEN_OWNER), payee: P4, spec: 1, gross: 1200, at: '2025-07-12T10:00:00+02:00' },
  { id: 101, period: '202506', employer: dashed(UNKNOWN_OWNER), payee: P4, spec: 1, gross: 1300, at: '2025-07-12T10:00:00+02:00' },
  { id: 102, period: '202506', employer: E1, payee: P4, spec: 1, gross: 1400, at: '2025-07-12T10:00:00+02:00' },
  // Both sides of the repeated autumn hour.
  { id: 90, period: '202509', employer: E1, payee: P1, spec: 1, gross: 33000, at: '2025-10-26T00:30:00Z' },
  { id: 91, period: '202510', employer: E1, payee: P1, spec: 1, gross: 33000, at: '2025-10-26T01:30:00Z' },
];

const EMPLOYERS = [
  { arbetsgivare: E1, namn: 'Åkerlunds Bygg AB', sni_kod: '41200' },
  { arbetsgivare: SOLE, namn: 'Anna Svensson Måleri', sni_kod: '43341' },
  { arbetsgivare: EBAD, namn: 'Felaktiga Nummer AB', sni_kod: null },
  { arbetsgivare: dashed(HIDDEN_OWNER), namn: 'Eva Lind Hemtjänst', sni_kod: '88101' },
  { arbetsgivare: dashed(UNKNOWN_OWNER), namn: 'Okänd Ägares Firma', sni_kod: null },
];

function legacyRow(v: Version, dialect: 'postgres' | 'sqlite') {
  const withdrawn = v.withdrawn === true;
  return {
    id: v.id, redovisningsperiod: v.period, arbetsgivare: v.employer, betalningsmottagare: v.payee === null ? null : v.payee.includes('-') ? v.payee : dashed(v.payee),
    fodelsetid: v.birth ?? null, specifikationsnummer: v.spec, kontant_ersattning: v.gross, skatteavdrag: v.tax ?? null, formaner: v.benefits ?? null,
    // SQLite has no BOOLEAN: 1/0, as the demo's seed writes it.
    borttag: dialect === 'sqlite' ? Number(withdrawn) : withdrawn,
    inlamnad: v.at,
  };
}

const money = (kronor: number) => ({ amount: `${kronor}.00`, currency: 'SEK', minorUnits: kronor * 100 });
const org = (name: string | null, number: string) => ({ name, organizationNumber: number, soleTrader: false });
const ME = org('Åkerlunds Bygg AB', E1);

interface Served {
  id: string; period: string; employer: unknown; grossPay: unknown; taxDeducted: unknown; benefitsInKind: unknown; submittedAt: string; versions: number;
}
const s = (id: string, period: string, employer: unknown, gross: number | null, submittedAt: string, versions = 1, tax: number | null = null, benefits: number | null = null): Served => ({
  id, period, employer, grossPay: gross === null ? null : money(gross), taxDeducted: tax === null ? null : money(tax),
  benefitsInKind: benefits === null ? null : money(benefits), submittedAt, versions,
});

/** P1's current statements, written from the rows above by hand: newest period first, then employer, then specification. */
const P1_INCOMES: Served[] = [
  s('91', '2025-10', ME, 33000, '2025-10-26T02:30:00+01:00'),
  s('90', '2025-09', ME, 33000, '2025-10-26T02:30:00+02:00'),
  s('30', '2025-04', ME, 3100, '2025-05-12T12:00:00+02:00', 2),
  s('61', '2025-03', null, 900, '2025-04-12T10:00:00+02:00'),
  s('20', '2025-03', ME, 1000, '2025-10-26T02:10:00+01:00', 2),
  s('60', '2025-03', org(null, E3), 800, '2025-04-12T10:00:00+02:00'),
  s('10', '2025-02', ME, 31000, '2025-03-30T03:30:00+02:00', 2, 8300, 500),
  s('50', '2025-01', { name: 'Anna Svensson Måleri', organizationNumber: null, soleTrader: true }, 4200, '2025-02-07T10:00:00.25+01:00', 3, 1100),
  s('1', '2025-01', ME, 32500, '2025-02-12T10:15:00+01:00', 1, 9000),
  s('2', '2025-01', ME, 1500, '2025-02-12T10:15:00+01:00'),
  s('70', '2023-12', ME, 29000, '2024-01-12T10:00:00+01:00'),
];
const P1_FINDINGS = [
  { source: 'incomeRegister', table: 'agi_arbetsgivare', column: 'agi_arbetsgivare.arbetsgivare', problem: 'employer has no row in agi_arbetsgivare', count: 1 },
  { source: 'incomeRegister', table: 'agi_individuppgift', column: 'agi_individuppgift.arbetsgivare', problem: 'organisation number with third digit below 2', count: 1 },
];

function person(pnr: string, kommun: string, lan: string, extra: Record<string, unknown> = {}) {
  return {
    PERSONID: pnr, FORNAMN: 'Test', TILLTALSNAMN: null, MELLANNAMN: null, EFTERNAMN: `Person ${pnr.slice(-4)}`, KON: Number(pnr[10]) % 2 === 1 ? 'M' : 'K',
    SEKRETESS: null, SKYDDAD_FB: null, UTDELNINGSADRESS: 'Storgatan 1', POSTNR: '11122', POSTORT: 'STOCKHOLM', KOMMUNKOD: kommun, LANKOD: lan,
    FOLKBOKFORINGSDATUM: '20100101', AVREG_ORSAK: null, AVREG_DATUM: null, SENAST_ANDRAD: '2024-01-01 00:00:00', ...extra,
  };
}

async function populationRegisterAt(url: string, persons: ReturnType<typeof person>[]): Promise<void> {
  const skv = openDatabase(url);
  try {
    await createPopulationRegisterTables(skv);
    await skv('FB_PERSON').insert(persons);
  } finally {
    await skv.destroy();
  }
}

const INCOME_FIELDS = 'id period employer { name organizationNumber soleTrader } grossPay { amount currency minorUnits } taxDeducted { amount currency minorUnits } benefitsInKind { amount currency minorUnits } submittedAt versions';
const INCOMES = `query Incomes($pnr: String!, $from: YearMonth, $to: YearMonth) {
  citizen(personalNumber: $pnr) { incomes(from: $from, to: $to) { ${INCOME_FIELDS} citizen { personalNumber } } }
}`;

/** An SKV officer with what these tests read: the shared test tokens' scopes leave out income:read. */
const OFFICER_SCOPES = 'citizen:read citizen:address:read citizen:protected:read income:read audit:read';

async function staffHeaders(scope: string): Promise<Record<string, string>> {
  const { staff } = await testIssuers();
  return { authorization: `Bearer ${await staff.mint({ sub: `officer-${randomUUID()}`, org: 'SKV', scope })}`, 'x-purpose': 'social-services' };
}

for (const dialect of ['postgres', 'sqlite'] as const) {
  describe(`the income register served from ${dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'}, hand-written rows`, () => {
    let dir: string;
    let pg: TestDatabases | undefined;
    let server: TestServer;
    let officer: Record<string, string>;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'samgraf-income-'));
      const file = (name: string) => `sqlite://${join(dir, `${name}.db`)}`;
      if (dialect === 'postgres') pg = await createTestDatabases(['agi']);
      const incomeUrl = pg?.urls.agi ?? file('agi');
      const agi = openDatabase(incomeUrl);
      try {
        await createIncomeRegisterTables(agi);
        await agi('agi_individuppgift').insert(VERSIONS.map((v) => legacyRow(v, dialect)));
        await agi('agi_arbetsgivare').insert(EMPLOYERS);
      } finally {
        await agi.destroy();
      }
      await populationRegisterAt(file('skv'), [person(P1, '0180', '01'), person(P2, '1480', '14'), person(P3, '0180', '01', { SEKRETESS: 'J' }), person(OWNER, '1480', '14'),
        person(HIDDEN_OWNER, '0180', '01', { SKYDDAD_FB: 'J' }), person(P4, '0180', '01')]);
      server = await startTestServer({
        populationRegister: file('skv'), socialInsurance: file('fk'), employmentService: file('af'), incomeRegister: incomeUrl, store: file('store'),
      });
      officer = await staffHeaders(OFFICER_SCOPES);
    });

    after(async () => {
      await server?.close();
      await pg?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('serves each statement as currently corrected, newest period first, every quirk mapped, bad employers reported', async () => {
      const response = await server.query(INCOMES, { pnr: P1 }, officer);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const incomes = response.data.citizen.incomes as (Served & { citizen: { personalNumber: string } })[];
      assert.deepEqual(incomes.map(({ citizen, ...statement }) => statement), P1_INCOMES);
      assert.ok(incomes.every((statement) => statement.citizen.personalNumber === P1));
      const findings = (response.extensions?.dataQuality ?? []) as { table: string }[];
      assert.deepEqual([...findings].sort((a, b) => a.table.localeCompare(b.table)), P1_FINDINGS);
    });

    it('another payee\'s statement with the same employer, month and specification is a statement of its own', async () => {
      const response = await server.query(INCOMES, { pnr: P2 }, officer);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.deepEqual(response.data.citizen.incomes.map(({ citizen, ...statement }: any) => statement), [s('12', '2025-02', ME, 28000, '2025-03-12T09:00:00+01:00', 1, 7000, 0)]);
    });

    it('filters on the period, both ends inclusive', async () => {
      const ids = async (from: string | null, to: string | null) => {
        const response = await server.query(INCOMES, { pnr: P1, from, to }, officer);
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        return response.data.citizen.incomes.map((statement: Served) => statement.id);
      };
      assert.deepEqual(await ids('2025-01', '2025-03'), ['61', '20', '60', '10', '50', '1', '2']);
      assert.deepEqual(await ids('2025-09', null), ['91', '90']);
      assert.deepEqual(await ids(null, '2023-12'), ['70']);
      assert.deepEqual(await ids('2025-02', '2025-02'), ['10']);
      assert.deepEqual(await ids('2025-05', '2025-08'), []);
      assert.deepEqual(await ids('2025-04', '2025-03'), []);
    });

    it('reads several citizens\' incomes in one statement per range asked, reading both tables', async () => {
      const query = `query Many($pnrs: [String!]!) {
        citizens(personalNumbers: $pnrs) { personalNumber incomes { id employer { name } } recent: incomes(from: "2025-09") { id } }
      }`;
      const { result, statements } = await recordStatements({ incomeRegister: server.sources.incomeRegister! }, () => server.query(query, { pnrs: [P1, P2, P3] }, officer));
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.deepEqual(result.data.citizens.map((c: any) => c.incomes.length), [P1_INCOMES.length, 1, 1]);
      assert.deepEqual(result.data.citizens.map((c: any) => c.recent.map((i: Served) => i.id)), [['91', '90'], [], []]);
      assert.equal(statements.length, 2, statements.map((st) => st.sql).join('\n'));
      for (const { sql } of statements) {
        assert.equal(tableOf(sql), 'agi_individuppgift');
        assert.match(sql, /agi_arbetsgivare/);
      }
    });

    it('never serves a sole trader\'s number, and logs a read of the employer as a read of the owner\'s data (INCOME)', async () => {
      const requestId = `income-${newRequestId()}`;
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...officer },
        body: JSON.stringify({ query: INCOMES, variables: { pnr: P1, from: '2025-01', to: '2025-01' } }),
      });
      const body = await response.text();
      assert.equal(response.status, 200);
      assert.ok(body.includes('"soleTrader":true'), body);
      for (const form of [OWNER, SOLE, OWNER.slice(2), `${OWNER.slice(2, 8)}-${OWNER.slice(8)}`]) assert.ok(!body.includes(form), `${form} in ${body}`);
      const rows = await server.store('audit_events').where('request_id', requestId) as EventRow[];
      assert.equal(rows.length, 1);
      const event = fromRow(rows[0]!);
      assert.deepEqual(event.subjects, [OWNER, P1].sort());
      assert.deepEqual(event.subjectCategories[OWNER], ['INCOME']);
      assert.ok(event.subjectCategories[P1]!.includes('INCOME'), JSON.stringify(event.subjectCategories));
      assert.ok(event.fieldsRead.includes('IncomeStatement.employer') && event.fieldsRead.includes('Employer.organizationNumber'), JSON.stringify(event.fieldsRead));
    });

    it('without income:read the field is denied at its path, and the rest is served', async () => {
      const response = await server.query(`query Q($pnr: String!) { citizen(personalNumber: $pnr) { givenNames incomes { id } } }`, { pnr: P1 }, await staffHeaders('citizen:read'));
      assert.equal(response.status, 200);
      assert.equal(response.data.citizen.givenNames, 'Test');
      assert.equal(response.data.citizen.incomes, null);
      assert.deepEqual(response.errors?.map((e) => [e.extensions?.code, e.path]), [['UNAUTHORIZED_FIELD_OR_TYPE', ['citizen', 'incomes']]]);
    });

    it('a protected person\'s employer is masked without citizen:protected:read (where they work locates them); their pay is served', async () => {
      const query = `query Q($pnr: String!) { citizen(personalNumber: $pnr) { incomes { id grossPay { amount } employer { name } } } }`;
      const without = await server.query(query, { pnr: P3 }, await staffHeaders('citizen:read income:read'));
      assert.equal(without.errors, undefined, JSON.stringify(without.errors));
      assert.deepEqual(without.data.citizen.incomes, [{ id: '81', grossPay: { amount: '25000.00' }, employer: null }]);
      const withScope = await server.query(query, { pnr: P3 }, await staffHeaders('citizen:read income:read citizen:protected:read'));
      assert.equal(withScope.errors, undefined, JSON.stringify(withScope.errors));
      assert.deepEqual(withScope.data.citizen.incomes, [{ id: '81', grossPay: { amount: '25000.00' }, employer: { name: 'Åkerlunds Bygg AB' } }]);
    });

    it('a sole trader with a protected identity, or one the register does not know, is masked as an employer: it leads to the owner as a relation would', async () => {
      const query = `query Q($pnr: String!) { citizen(personalNumber: $pnr) { incomes { id grossPay { amount } employer { name soleTrader } } } }`;
      const requestId = `income-${newRequestId()}`;
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...await staffHeaders('citizen:read income:read') },
        body: JSON.stringify({ query, variables: { pnr: P4 } }),
      });
      const without = await response.json() as { data: any; errors?: unknown };
      assert.equal(without.errors, undefined, JSON.stringify(without.errors));
      // One period: ordered by the employer's identifier, the owners' numbers (1968…) before E1 (5560…).
      assert.deepEqual(without.data.citizen.incomes, [
        { id: '100', grossPay: { amount: '1200.00' }, employer: null },
        { id: '101', grossPay: { amount: '1300.00' }, employer: null },
        { id: '102', grossPay: { amount: '1400.00' }, employer: { name: 'Åkerlunds Bygg AB', soleTrader: false } },
      ]);
      const event = fromRow((await server.store('audit_events').where('request_id', requestId) as EventRow[])[0]!);
      assert.deepEqual(event.subjects, [P4], 'a masked employer is not a read of its owner');
      assert.ok(event.fieldsMasked.includes('IncomeStatement.employer'), JSON.stringify(event));
      const withScope = await server.query(query, { pnr: P4 }, await staffHeaders('citizen:read income:read citizen:protected:read'));
      assert.equal(withScope.errors, undefined, JSON.stringify(withScope.errors));
      assert.deepEqual(withScope.data.citizen.incomes.map((i: any) => i.employer), [
        { name: 'Eva Lind Hemtjänst', soleTrader: true }, { name: 'Okänd Ägares Firma', soleTrader: true }, { name: 'Åkerlunds Bygg AB', soleTrader: false },
      ]);
    });
  });
}

// =========================================================================================================
// 3. Left out of the config
// =========================================================================================================

describe('a deployment without the income register', () => {
  let dir: string;
  let server: TestServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samgraf-income-'));
    const file = (name: string) => `sqlite://${join(dir, `${name}.db`)}`;
    await populationRegisterAt(file('skv'), [person(P1, '0180', '01')]);
    server = await startTestServer({ populationRegister: file('skv'), socialInsurance: file('fk'), employmentService: file('af'), store: file('store') });
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers incomes with SOURCE_UNAVAILABLE naming it, and serves everything else', async () => {
    const response = await server.query(`query Q($pnr: String!) { citizen(personalNumber: $pnr) { givenNames incomes { id } } }`, { pnr: P1 }, await staffHeaders(OFFICER_SCOPES));
    assert.equal(response.status, 200);
    assert.equal(response.data.citizen.givenNames, 'Test');
    assert.equal(response.data.citizen.incomes, null);
    assert.deepEqual(response.errors?.map((e) => [e.extensions?.code, e.extensions?.source, e.path]), [['SOURCE_UNAVAILABLE', 'incomeRegister', ['citizen', 'incomes']]]);
  });
});

// =========================================================================================================
// 4. PostgreSQL as a source
// =========================================================================================================

describe('PostgreSQL as a source', () => {
  let pg: TestDatabases;
  before(async () => {
    pg = await createTestDatabases(['timeout']);
  });
  after(async () => {
    await pg?.drop();
  });

  it('a statement past statementTimeoutMs fails as SOURCE_UNAVAILABLE, health says the server did not answer in time, and the pool serves on', async () => {
    const config = parseConfig({
      sources: {
        populationRegister: { url: 'sqlite::memory:' }, socialInsurance: { url: 'sqlite::memory:' }, employmentService: { url: 'sqlite::memory:' },
        incomeRegister: { url: pg.urls.timeout!, statementTimeoutMs: 200 },
      },
      store: { url: 'sqlite::memory:' },
    }, {});
    const reached: unknown[] = [];
    const { databases, sources } = openSources(config, { statement() {}, circuit() {}, reached: (_source, error) => reached.push(error) });
    try {
      const source = sources.incomeRegister!;
      assert.deepEqual(await source.select((db) => db.select(db.raw('1 as one'))), [{ one: 1 }]);
      await assert.rejects(source.select((db) => db.select(db.raw('pg_sleep(5)'))), (error: unknown) => {
        assert.ok(error instanceof SourceUnavailableError);
        assert.equal(error.source, 'incomeRegister');
        assert.equal(error.code, 'SOURCE_UNAVAILABLE');
        assert.equal((error.cause as { code?: string }).code, '57014', 'cancelled by the server\'s statement_timeout');
        assert.ok(!error.message.includes('pg_sleep'), 'the message holds no SQL');
        return true;
      });
      assert.deepEqual(reached.map((error) => (error === null ? null : failureCode(error))), [null, '57014']);
      const health = reachability(parseDatabaseUrl(pg.urls.timeout!), reached[1]);
      assert.equal(health.state, 'down');
      assert.match(health.message!, /did not answer in time/);
      assert.deepEqual(await source.select((db) => db.select(db.raw('2 as two'))), [{ two: 2 }]);
      // pg's own give-up (query_timeout, for a stalled network) carries no code: health still says what it was.
      assert.equal(failureCode(new Error('Query read timeout')), 'STATEMENT_TIMEOUT');
    } finally {
      for (const source of Object.values(sources)) source.shutdown();
      await Promise.all(Object.values(databases).map((db: Knex) => db.destroy()));
    }
  });

  it('health explains PostgreSQL\'s failures by SQLSTATE: no database, no role, nothing listening, wrong password', async () => {
    const base = new URL(pg.urls.timeout!);
    const explained = async (change: (url: URL) => void) => {
      const url = new URL(base);
      change(url);
      const db = openDatabase(url.toString(), { connectTimeoutMs: 5000 });
      try {
        return reachability(parseDatabaseUrl(url.toString()), await probe(db));
      } finally {
        await db.destroy();
      }
    };
    assert.deepEqual(await explained(() => {}), { state: 'up' });
    const noDatabase = await explained((url) => { url.pathname = '/samgraf_no_such_database'; });
    assert.equal(noDatabase.code, '3D000');
    assert.match(noDatabase.message!, /^database samgraf_no_such_database does not exist on the server at /);
    const noRole = await explained((url) => { url.username = 'samgraf_no_such_role'; });
    assert.equal(noRole.code, '28000');
    assert.match(noRole.message!, /^user samgraf_no_such_role may not connect to the server at /);
    const nothing = await explained((url) => { url.port = '1'; });
    assert.equal(nothing.code, 'ECONNREFUSED');
    assert.match(nothing.message!, /^nothing accepts connections at \S+:1 /);
    // The test server trusts local connections, so a wrong password cannot be provoked: its sentence is checked as written.
    const target = parseDatabaseUrl(pg.urls.timeout!);
    assert.equal(explainFailure('28P01', target), `user ${base.username || 'postgres'} was refused by the server at ${base.hostname}:${base.port || 5432} (database ${base.pathname.slice(1)}): wrong password`);
  });
});
