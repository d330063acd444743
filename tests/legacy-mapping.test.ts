/**
 * Legacy mapping, end to end: for generated data, what GraphQL returns for a person equals what the legacy
 * rows say under the rules of legacy-sources.md, checked field by field for every quirk, on MariaDB and on
 * SQLite.
 *
 * The expected values come from the ORACLE below: a small, independent re-statement of legacy-sources.md's
 * rules, computed from the in-memory rows of generateLegacyData. It deliberately imports nothing from the
 * connectors' mapping code, src/domain/* or connectors/shared/legacy-values.ts — checking the mapping
 * against itself would prove nothing. Where samgraf has made a documented presentation choice of its own,
 * the oracle mirrors it explicitly and says where the choice is documented.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  buildASTSchema, isObjectType, parse, TypeInfo, visit, visitWithTypeInfo, type DocumentNode,
} from 'graphql';
import { openDatabase } from '../src/core/db.js';
import { loadTypeDefs } from '../src/schema.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type Dialect, type SeededSources } from './helpers/seeded.js';

const DATA_SET = { citizens: 600, seed: 'mapping' } as const;
const BATCH = 100;
/**
 * Sent with every query. The test server has no access control yet; once it has, these must name a
 * principal who may read every field in full (all read scopes incl. citizen:protected:read and
 * case:notes:read, a purpose, and the agency `own-agency` needs for Case.notes) — this test is about
 * mapping, not masking.
 */
/** The default principal of startTestServer (an all-scopes AF officer) reads every field. */
const HEADERS: Record<string, string> = {};

type Row<T extends keyof LegacyData> = LegacyData[T][number];

// =========================================================================================================
// The oracle: legacy-sources.md, rule by rule
// =========================================================================================================

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Luhn over the ten digits `YYMMDDNNNC` (the century takes no part): weights 2,1,2,1,… from the left, the
 * check digit weighted 1, digit sums of the products; valid when the total is a multiple of 10.
 */
function luhnValid(twelveOrTen: string): boolean {
  const digits = twelveOrTen.slice(-10);
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const product = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  }
  return sum % 10 === 0;
}

/**
 * FK_BESLUT.PNR `YYMMDD-NNNC` / `YYMMDD+NNNC` → 12 digits. W = the year of the row's ANDRAD_TS. The birth year
 * B ends in YY and satisfies W − 99 ≤ B ≤ W for `-`; for `+` it is the largest such B ≤ W − 100. Written as
 * the spec's inequality, by search, on purpose.
 */
function expandTenDigitForm(pnr: string, andradTs: string): { pnr12: string; separator: '-' | '+' } {
  const match = /^(\d{2})(\d{4})([-+])(\d{4})$/.exec(pnr);
  if (!match) throw new Error(`oracle: FK_BESLUT.PNR ${pnr} is not a 10-digit form`);
  const [, yy, mmdd, separator, tail] = match as unknown as [string, string, string, '-' | '+', string];
  const w = Number(andradTs.slice(0, 4));
  let b: number | undefined;
  if (separator === '-') {
    for (let candidate = w - 99; candidate <= w; candidate++) if (candidate % 100 === Number(yy)) b = candidate;
  } else {
    for (let candidate = w - 100; b === undefined; candidate--) if (candidate % 100 === Number(yy)) b = candidate;
  }
  return { pnr12: `${b}${mmdd}${tail}`, separator };
}

/** `YYYYMMDD` → `YYYY-MM-DD`; the column's sentinel (`00000000` unknown, `99991231` open-ended) → null. */
function compactDate(value: string | null, sentinel: string | null): string | null {
  if (value === null || value === sentinel) return null;
  assert.match(value, /^\d{8}$/, 'oracle: a YYYYMMDD value');
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
}

/** Öre → Money, by string arithmetic only: "1250.00", "SEK", 125000. */
function money(ore: number | string): { amount: string; currency: string; minorUnits: number } {
  const text = String(ore);
  assert.match(text, /^\d+$/, 'oracle: whole, non-negative öre');
  const digits = text.padStart(3, '0');
  return { amount: `${digits.slice(0, -2)}.${digits.slice(-2)}`, currency: 'SEK', minorUnits: Number(text) };
}

/** The last Sunday of a month, `YYYY-MM-DD` (month 1–12). */
function lastSunday(year: number, month: number): string {
  const lastDay = new Date(Date.UTC(year, month, 0));
  return `${year}-${pad2(month)}-${pad2(lastDay.getUTCDate() - lastDay.getUTCDay())}`;
}

type DstKind = 'gap' | 'overlap' | null;

/**
 * Europe/Stockholm wall time `YYYY-MM-DD HH:MM:SS` → ISO 8601 with offset, by the EU rule (exact for the
 * data's years, 2010 on): summer time (+02:00) from the last Sunday of March 02:00 local (clocks jump to
 * 03:00) to the last Sunday of October 03:00 local (clocks go back to 02:00). A time in the skipped spring
 * hour is moved forward one hour and gets +02:00; a time in the repeated autumn hour is its first, +02:00,
 * occurrence. Fixed-width strings compare in time order.
 */
function stockholm(local: string): { iso: string; dst: DstKind } {
  assert.match(local, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'oracle: a local date-time');
  const year = Number(local.slice(0, 4));
  const spring = lastSunday(year, 3);
  const autumn = lastSunday(year, 10);
  const [date, time] = local.split(' ') as [string, string];
  if (local >= `${spring} 02:00:00` && local < `${spring} 03:00:00`) {
    return { iso: `${date}T03${time.slice(2)}+02:00`, dst: 'gap' };
  }
  const summer = local >= `${spring} 03:00:00` && local < `${autumn} 03:00:00`;
  const overlap = local >= `${autumn} 02:00:00` && local < `${autumn} 03:00:00`;
  return { iso: `${date}T${time}${summer ? '+02:00' : '+01:00'}`, dst: overlap ? 'overlap' : null };
}

/**
 * samgraf's presentation choice (schema: Address.city; connectors/population-register/mapping.ts,
 * normalisePostTown): a POSTORT written all in upper case (old rows) is title-cased word by word and after
 * hyphens — 'UPPLANDS VÄSBY' → 'Upplands Väsby'; a mixed-case POSTORT is kept as written.
 */
function presentPostTown(postort: string): string {
  if (postort !== postort.toUpperCase()) return postort;
  const capitalise = (part: string): string => part.charAt(0).toUpperCase() + part.slice(1);
  return postort.toLowerCase().split(' ').map((word) => word.split('-').map(capitalise).join('-')).join(' ');
}

/** Code tables, from legacy-sources.md and the schema's enum descriptions. */
const CODES = {
  KON: { M: 'MALE', K: 'FEMALE' },
  AVREG_ORSAK: { AV: 'DECEASED', UV: 'EMIGRATED', TA: 'DEREGISTERED' },
  // VH: RELID is the guardian of PERSONID, so to the citizen (PERSONID) the related person is a GUARDIAN.
  // BA: RELID is a child of PERSONID. MA: spouse or registered partner.
  RELTYP: { VH: 'GUARDIAN', BA: 'CHILD', MA: 'SPOUSE' },
  FORMAN: { ABB: 'CHILD_ALLOWANCE', FP: 'PARENTAL_BENEFIT', SJP: 'SICKNESS_BENEFIT', BOB: 'HOUSING_ALLOWANCE', AKS: 'ACTIVITY_SUPPORT' },
  FK_STATUS: { I: 'APPLIED', B: 'GRANTED', A: 'REJECTED', U: 'ENDED' },
  PERIODICITET: { M: 'MONTHLY', D: 'DAILY', E: 'ONE_OFF' },
  ARENDETYP: { INSKRIVNING: 'JOBSEEKER_REGISTRATION', PROGRAM: 'LABOUR_MARKET_PROGRAMME', SANKTION: 'SANCTION' },
  AF_STATUS: { OPPET: 'OPEN', VILANDE: 'PAUSED', AVSLUTAT: 'CLOSED' },
  PLAN_STATUS: { PLANERAD: 'PLANNED', PAGAR: 'IN_PROGRESS', KLAR: 'DONE', AVBRUTEN: 'CANCELLED' },
} as const;

function code<T extends Record<string, string>>(table: T, value: string): T[keyof T] {
  assert.ok(Object.hasOwn(table, value), `oracle: unknown legacy code ${value}`);
  return table[value as keyof T];
}

/** SKYDDAD_FB = 'J' wins over SEKRETESS = 'J'; 'N' or NULL is none. */
function protectedIdentity(person: Row<'FB_PERSON'>): string {
  if (person.SKYDDAD_FB === 'J') return 'PROTECTED_REGISTRATION';
  if (person.SEKRETESS === 'J') return 'CONFIDENTIALITY_MARKING';
  return 'NONE';
}

type Tally = Map<string, number>;
const bump = (tally: Tally, quirk: string): void => void tally.set(quirk, (tally.get(quirk) ?? 0) + 1);

interface Expected {
  /** The expected GraphQL value of the citizen, for QUERY's selection. */
  citizen: Record<string, unknown>;
  /** The quirks this citizen's rows exercise. */
  quirks: Tally;
}

interface Oracle {
  citizens: Map<string, Expected>;
  /** FK_BESLUT / AF_ARENDE rows whose personal number fails Luhn, or is valid but matches no FB_PERSON row. */
  bad: {
    decisions: { luhn: Row<'FK_BESLUT'>[]; unmatched: Row<'FK_BESLUT'>[] };
    cases: { luhn: Row<'AF_ARENDE'>[]; unmatched: Row<'AF_ARENDE'>[] };
  };
  expectBenefit(row: Row<'FK_BESLUT'>, tally?: Tally): Record<string, unknown>;
  expectCase(row: Row<'AF_ARENDE'>, tally?: Tally): Record<string, unknown>;
}

function buildOracle(data: LegacyData): Oracle {
  const registered = new Set(data.FB_PERSON.map((p) => p.PERSONID));

  const paymentsOf = groupBy(data.FK_UTBETALNING, (p) => String(p.BESLUT_ID));
  const stepsOf = groupBy(data.AF_HANDLINGSPLAN, (s) => s.ARENDE_ID);
  const relationsOf = groupBy(data.FB_RELATION, (r) => r.PERSONID);

  const decisionsOf = new Map<string, { row: Row<'FK_BESLUT'>; separator: '-' | '+' }[]>();
  const bad: Oracle['bad'] = { decisions: { luhn: [], unmatched: [] }, cases: { luhn: [], unmatched: [] } };
  for (const row of data.FK_BESLUT) {
    const { pnr12, separator } = expandTenDigitForm(row.PNR, row.ANDRAD_TS);
    if (!luhnValid(pnr12)) bad.decisions.luhn.push(row);
    else if (!registered.has(pnr12)) bad.decisions.unmatched.push(row);
    else push(decisionsOf, pnr12, { row, separator });
  }
  const casesOf = new Map<string, Row<'AF_ARENDE'>[]>();
  for (const row of data.AF_ARENDE) {
    // AF_ARENDE.PERSONNR: the 12-digit number stored as an integer.
    const pnr12 = String(row.PERSONNR);
    if (!luhnValid(pnr12)) bad.cases.luhn.push(row);
    else if (!registered.has(pnr12)) bad.cases.unmatched.push(row);
    else push(casesOf, pnr12, row);
  }

  const dateTime = (local: string, column: string, tally?: Tally): string => {
    const { iso, dst } = stockholm(local);
    if (dst && tally) {
      bump(tally, `DST ${dst} time`);
      bump(tally, `DST ${dst} time in ${column}`);
    }
    return iso;
  };

  const expectBenefit = (row: Row<'FK_BESLUT'>, tally?: Tally): Record<string, unknown> => {
    const { pnr12 } = expandTenDigitForm(row.PNR, row.ANDRAD_TS);
    if (tally) {
      if (row.BELOPP_ORE === null) bump(tally, 'FK_BESLUT.BELOPP_ORE NULL');
      if (row.BESLUTSDATUM === null) bump(tally, 'FK_BESLUT.BESLUTSDATUM NULL');
      if (row.TOM_DATUM === '99991231') bump(tally, 'FK_BESLUT.TOM_DATUM 99991231');
    }
    // Payments: samgraf's order (schema: "oldest first"; connector: UTBET_DATUM, then UTBET_ID).
    const payments = (paymentsOf.get(String(row.BESLUT_ID)) ?? [])
      .slice()
      .sort((a, b) => compare(a.UTBET_DATUM, b.UTBET_DATUM) || Number(a.UTBET_ID) - Number(b.UTBET_ID))
      .map((p) => ({ id: String(p.UTBET_ID), paidOn: p.UTBET_DATUM, amount: money(p.BELOPP_ORE) }));
    if (tally && payments.length > 0) bump(tally, 'FK_UTBETALNING rows');
    return {
      id: String(row.BESLUT_ID),
      type: code(CODES.FORMAN, row.FORMAN),
      status: code(CODES.FK_STATUS, row.STATUS),
      amount: row.BELOPP_ORE === null ? null : money(row.BELOPP_ORE),
      periodicity: code(CODES.PERIODICITET, row.PERIODICITET),
      validFrom: compactDate(row.FROM_DATUM, null),
      validTo: compactDate(row.TOM_DATUM, '99991231'),
      decidedOn: row.BESLUTSDATUM,
      officerId: row.HANDLAGGARE,
      payments,
      citizen: luhnValid(pnr12) && registered.has(pnr12) ? { personalNumber: pnr12 } : null,
    };
  };

  const expectCase = (row: Row<'AF_ARENDE'>, tally?: Tally): Record<string, unknown> => {
    const pnr12 = String(row.PERSONNR);
    // Action-plan steps in STEG order.
    const actionPlan = (stepsOf.get(row.ARENDE_ID) ?? [])
      .slice()
      .sort((a, b) => a.STEG - b.STEG)
      .map((s) => ({
        step: s.STEG,
        activity: s.AKTIVITET,
        status: code(CODES.PLAN_STATUS, s.STATUS),
        updatedAt: dateTime(s.UPPDATERAD, 'AF_HANDLINGSPLAN.UPPDATERAD', tally),
      }));
    if (tally && actionPlan.length > 0) bump(tally, 'AF_HANDLINGSPLAN rows');
    return {
      id: row.ARENDE_ID,
      agency: 'EMPLOYMENT_SERVICE',
      type: code(CODES.ARENDETYP, row.ARENDETYP),
      status: code(CODES.AF_STATUS, row.STATUS),
      jobSeekerCategory: row.SOKANDEKATEGORI,
      programme: row.PROGRAM_KOD,
      office: row.KONTOR_KOD,
      officer: row.HANDLAGGARE,
      openedAt: dateTime(row.OPPNAT, 'AF_ARENDE.OPPNAT', tally),
      closedAt: row.AVSLUTAT === null ? null : dateTime(row.AVSLUTAT, 'AF_ARENDE.AVSLUTAT', tally),
      notes: row.ANTECKNING,
      actionPlan,
      citizen: luhnValid(pnr12) && registered.has(pnr12) ? { personalNumber: pnr12 } : null,
    };
  };

  const citizens = new Map<string, Expected>();
  for (const person of data.FB_PERSON) {
    const pnr = person.PERSONID;
    const quirks: Tally = new Map();
    const monthDigits = Number(pnr.slice(4, 6));
    const dayDigits = Number(pnr.slice(6, 8));
    const coordination = dayDigits >= 60; // a coordination number has day + 60
    const day = coordination ? dayDigits - 60 : dayDigits;
    // Null where a coordination number leaves the day (60) or the month (00) unknown.
    const birthDate = day === 0 || monthDigits === 0 ? null : `${pnr.slice(0, 4)}-${pnr.slice(4, 6)}-${pad2(day)}`;
    if (coordination) bump(quirks, 'coordination number');
    if (coordination && birthDate === null) bump(quirks, 'coordination number with unknown day or month');

    const protection = protectedIdentity(person);
    bump(quirks, `protectedIdentity ${protection}`);
    bump(quirks, `SEKRETESS ${person.SEKRETESS ?? 'NULL'}`);
    bump(quirks, `SKYDDAD_FB ${person.SKYDDAD_FB ?? 'NULL'}`);
    if (person.SEKRETESS === 'J' && person.SKYDDAD_FB === 'J') bump(quirks, 'SEKRETESS and SKYDDAD_FB both J');
    bump(quirks, `AVREG_ORSAK ${person.AVREG_ORSAK ?? 'NULL'}`);
    if (person.AVREG_DATUM === '00000000') bump(quirks, 'AVREG_DATUM 00000000');
    for (const letter of ['å', 'ä', 'ö', 'é', 'ü']) {
      const names = [person.FORNAMN, person.TILLTALSNAMN, person.MELLANNAMN, person.EFTERNAMN].join(' ').toLowerCase();
      if (names.includes(letter)) bump(quirks, `name with ${letter}`);
    }
    if (person.POSTORT !== null) {
      const upper = person.POSTORT === person.POSTORT.toUpperCase();
      bump(quirks, upper ? 'POSTORT upper case' : 'POSTORT mixed case');
      if (upper && /[ -]/.test(person.POSTORT)) bump(quirks, 'POSTORT upper case, several words');
    }

    // samgraf's presentation choice (connectors/population-register/mapping.ts): no address at all when
    // street, postal code and city are all NULL.
    const noAddress = person.UTDELNINGSADRESS === null && person.POSTNR === null && person.POSTORT === null;
    if (noAddress) bump(quirks, 'no address (all address columns NULL)');
    const address = noAddress
      ? null
      : { street: person.UTDELNINGSADRESS, postalCode: person.POSTNR, city: person.POSTORT === null ? null : presentPostTown(person.POSTORT) };

    // Relations in the connector's order: RELTYP, then RELID.
    const relations = (relationsOf.get(pnr) ?? [])
      .slice()
      .sort((a, b) => compare(a.RELTYP, b.RELTYP) || compare(a.RELID, b.RELID))
      .map((r) => {
        bump(quirks, `RELTYP ${r.RELTYP}`);
        return { type: code(CODES.RELTYP, r.RELTYP), citizen: { personalNumber: r.RELID } };
      });

    // Benefits in BESLUT_ID order; cases in ARENDE_ID order (as the connectors order them).
    const decisions = (decisionsOf.get(pnr) ?? []).slice().sort((a, b) => a.row.BESLUT_ID - b.row.BESLUT_ID);
    const separators = new Set(decisions.map((d) => d.separator));
    if (separators.has('+')) bump(quirks, 'FK_BESLUT.PNR with +');
    if (separators.size === 2) bump(quirks, 'FK_BESLUT.PNR with + and with - for the same person');
    const benefits = decisions.map((d) => expectBenefit(d.row, quirks));
    const cases = (casesOf.get(pnr) ?? []).slice().sort((a, b) => compare(a.ARENDE_ID, b.ARENDE_ID)).map((row) => expectCase(row, quirks));

    citizens.set(pnr, {
      quirks,
      citizen: {
        personalNumber: pnr,
        identityType: coordination ? 'COORDINATION_NUMBER' : 'PERSONAL_IDENTITY_NUMBER',
        givenNames: person.FORNAMN,
        // samgraf's choice (schema: "The given name the person uses, where recorded"): TILLTALSNAMN or null.
        preferredName: person.TILLTALSNAMN,
        middleName: person.MELLANNAMN,
        familyName: person.EFTERNAMN,
        birthDate,
        sex: code(CODES.KON, person.KON),
        protectedIdentity: protection,
        address,
        municipalityCode: person.KOMMUNKOD,
        countyCode: person.LANKOD,
        registeredOn: compactDate(person.FOLKBOKFORINGSDATUM, null),
        registrationStatus: person.AVREG_ORSAK === null ? 'REGISTERED' : code(CODES.AVREG_ORSAK, person.AVREG_ORSAK),
        deregisteredOn: compactDate(person.AVREG_DATUM, '00000000'),
        relations,
        benefits,
        cases,
      },
    });
  }
  return { citizens, bad, expectBenefit, expectCase };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) push(map, key(item), item);
  return map;
}

// =========================================================================================================
// Comparison
// =========================================================================================================

interface Mismatch {
  path: string;
  expected: unknown;
  actual: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The leaves where two values differ, with their paths. */
function differences(expected: unknown, actual: unknown, path: string, out: Mismatch[]): void {
  if (isDeepStrictEqual(expected, actual)) return;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) out.push({ path: `${path}.length`, expected: expected.length, actual: actual.length });
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) differences(expected[i], actual[i], `${path}[${i}]`, out);
    return;
  }
  if (isRecord(expected) && isRecord(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      differences(expected[key], actual[key], `${path}.${key}`, out);
    }
    return;
  }
  out.push({ path, expected, actual });
}

/** JSON; with non-ASCII escaped when two strings differ only invisibly (e.g. NFC vs NFD, NBSP vs space). */
function show(value: unknown, other: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined';
  const lookAlike = (x: string): string => x.normalize('NFKC').replace(/\s/g, ' ');
  if (typeof value !== 'string' || typeof other !== 'string' || lookAlike(value) !== lookAlike(other)) return json;
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function report(mismatches: readonly Mismatch[], limit = 10): string {
  const lines = mismatches.slice(0, limit).map((m) =>
    `  ${m.path}\n      expected ${show(m.expected, m.actual)}\n      actual   ${show(m.actual, m.expected)}`);
  const more = mismatches.length > limit ? `\n  … and ${mismatches.length - limit} more` : '';
  return `${mismatches.length} mismatch(es) between GraphQL and the legacy rows:\n${lines.join('\n')}${more}`;
}

// =========================================================================================================
// The queries
// =========================================================================================================

const BENEFIT_FIELDS = `
  id type status amount { amount currency minorUnits } periodicity validFrom validTo decidedOn officerId
  payments { id paidOn amount { amount currency minorUnits } }
  citizen { personalNumber }`;

const CASE_FIELDS = `
  id agency type status jobSeekerCategory programme office officer openedAt closedAt notes
  actionPlan { step activity status updatedAt }
  citizen { personalNumber }`;

const CITIZENS_QUERY = `query LegacyMapping($pnrs: [String!]!) {
  citizens(personalNumbers: $pnrs) {
    personalNumber identityType givenNames preferredName middleName familyName birthDate sex protectedIdentity
    address { street postalCode city }
    municipalityCode countyCode registeredOn registrationStatus deregisteredOn
    relations { type citizen { personalNumber } }
    benefits { ${BENEFIT_FIELDS} }
    cases { ${CASE_FIELDS} }
  }
}`;

const BENEFIT_QUERY = `query Benefit($id: ID!) { benefit(id: $id) { ${BENEFIT_FIELDS} } }`;
const CASE_QUERY = `query Case($id: ID!) { case(id: $id) { ${CASE_FIELDS} } }`;

/** The types whose every field the mapping test must ask for. */
const COVERED_TYPES = ['Citizen', 'Address', 'Relation', 'Benefit', 'Money', 'Payment', 'Case', 'ActionPlanStep'] as const;
/** Fields of those types that another oracle compares: the income register's (tests/income-mapping.test.ts, whose query asks for them). */
const CHECKED_ELSEWHERE: ReadonlySet<string> = new Set(['Citizen.incomes']);

function selectedFields(document: DocumentNode, schema: ReturnType<typeof buildASTSchema>): Map<string, Set<string>> {
  const selected = new Map<string, Set<string>>();
  const typeInfo = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (!parent) return;
      const fields = selected.get(parent.name) ?? new Set<string>();
      fields.add(node.name.value);
      selected.set(parent.name, fields);
    },
  }));
  return selected;
}

// =========================================================================================================
// The tests
// =========================================================================================================

const legacy = generateLegacyData(DATA_SET);
const oracle = buildOracle(legacy);
const ALL_NUMBERS = legacy.FB_PERSON.map((p) => p.PERSONID);

describe('the oracle itself (legacy-sources.md, by hand)', () => {
  test('Luhn and the century of the 10-digit form, at the year the row was written', () => {
    assert.equal(luhnValid('198501012382'), true);
    assert.equal(luhnValid('198501012383'), false);
    assert.deepEqual(expandTenDigitForm('850101-2382', '2024-05-01 10:00:00'), { pnr12: '198501012382', separator: '-' });
    // Born 1925: '-' until 2024, '+' from 2025 (the year they turn 100).
    assert.equal(expandTenDigitForm('250101-2382', '2024-12-31 23:00:00').pnr12, '192501012382');
    assert.equal(expandTenDigitForm('250101+2382', '2025-01-01 08:00:00').pnr12, '192501012382');
    assert.equal(expandTenDigitForm('250101+2382', '2026-01-01 08:00:00').pnr12, '192501012382');
    // The same ten digits with '-' in 2026 are a child born 2025.
    assert.equal(expandTenDigitForm('250101-2382', '2026-01-01 08:00:00').pnr12, '202501012382');
    assert.equal(expandTenDigitForm('260101-2382', '2026-06-01 08:00:00').pnr12, '202601012382');
    assert.equal(expandTenDigitForm('260101+2382', '2026-06-01 08:00:00').pnr12, '192601012382');
  });

  test('Europe/Stockholm wall time around both changes (2024: 31 March, 27 October; 2021: 28 March, 31 October)', () => {
    assert.equal(stockholm('2024-03-31 01:59:59').iso, '2024-03-31T01:59:59+01:00');
    assert.deepEqual(stockholm('2024-03-31 02:30:00'), { iso: '2024-03-31T03:30:00+02:00', dst: 'gap' });
    assert.deepEqual(stockholm('2024-03-31 03:00:00'), { iso: '2024-03-31T03:00:00+02:00', dst: null });
    assert.deepEqual(stockholm('2024-10-27 01:59:59'), { iso: '2024-10-27T01:59:59+02:00', dst: null });
    assert.deepEqual(stockholm('2024-10-27 02:30:00'), { iso: '2024-10-27T02:30:00+02:00', dst: 'overlap' });
    assert.deepEqual(stockholm('2024-10-27 03:00:00'), { iso: '2024-10-27T03:00:00+01:00', dst: null });
    assert.equal(stockholm('2021-03-28 02:00:00').iso, '2021-03-28T03:00:00+02:00');
    assert.equal(stockholm('2021-10-31 02:59:59').iso, '2021-10-31T02:59:59+02:00');
    assert.equal(stockholm('2021-07-01 12:00:00').iso, '2021-07-01T12:00:00+02:00');
    assert.equal(stockholm('2021-12-24 15:00:00').iso, '2021-12-24T15:00:00+01:00');
  });

  test('money, dates and post towns', () => {
    assert.deepEqual(money(125000), { amount: '1250.00', currency: 'SEK', minorUnits: 125000 });
    assert.deepEqual(money('5'), { amount: '0.05', currency: 'SEK', minorUnits: 5 });
    assert.deepEqual(money(115350), { amount: '1153.50', currency: 'SEK', minorUnits: 115350 });
    assert.equal(compactDate('20240229', '99991231'), '2024-02-29');
    assert.equal(compactDate('99991231', '99991231'), null);
    assert.equal(compactDate('00000000', '00000000'), null);
    assert.equal(presentPostTown('UPPLANDS VÄSBY'), 'Upplands Väsby');
    assert.equal(presentPostTown('ÖDÅKRA'), 'Ödåkra');
    assert.equal(presentPostTown('VÄSTRA FRÖLUNDA'), 'Västra Frölunda');
    assert.equal(presentPostTown('BJÖRKÖ-ARHOLMA'), 'Björkö-Arholma');
    assert.equal(presentPostTown('Upplands Väsby'), 'Upplands Väsby');
  });

  test('the generated guardian relations point the way the spec says (VH: RELID is the older guardian)', () => {
    const vh = legacy.FB_RELATION.filter((r) => r.RELTYP === 'VH');
    assert.ok(vh.length > 0);
    for (const r of vh) assert.ok(r.RELID.slice(0, 8) < r.PERSONID.slice(0, 8), 'a guardian is born before the child');
    const ba = new Set(legacy.FB_RELATION.filter((r) => r.RELTYP === 'BA').map((r) => `${r.PERSONID}>${r.RELID}`));
    for (const r of vh) assert.ok(ba.has(`${r.RELID}>${r.PERSONID}`), 'each VH has its BA the other way');
  });

  test('the queries ask for every field of the mapped types', () => {
    // The SDL the server serves, every module's and samgraf's own.
    const sdl = loadTypeDefs().join('\n');
    // Only the types' fields matter here, so the SDL is not validated (custom directives need no definitions).
    const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });
    const selected = selectedFields(parse(CITIZENS_QUERY), schema);
    const missing: string[] = [];
    for (const typeName of COVERED_TYPES) {
      const type = schema.getType(typeName);
      assert.ok(type && isObjectType(type), typeName);
      for (const field of Object.values(type.getFields())) {
        if (CHECKED_ELSEWHERE.has(`${typeName}.${field.name}`)) continue;
        if (!selected.get(typeName)?.has(field.name)) missing.push(`${typeName}.${field.name}`);
      }
    }
    assert.deepEqual(missing, [], `add these fields to the mapping test's queries (and its oracle): ${missing.join(', ')}`);
  });
});

for (const dialect of ['mariadb', 'sqlite'] as const satisfies readonly Dialect[]) {
  describe(`legacy rows → GraphQL, field by field (${dialect})`, () => {
    let seeded: SeededSources | undefined;
    let server: TestServer;
    /** What the comparison test saw: quirks exercised, and where each benefit and case was served. */
    const exercised: Tally = new Map();
    const servedBenefits = new Map<string, number>();
    const servedCases = new Map<string, number>();
    const actualByNumber = new Map<string, Record<string, unknown>>();
    let compared = 0;

    before(async () => {
      seeded = await seededSources(dialect, DATA_SET);
      server = await startTestServer(seeded.urls);
    });

    after(async () => {
      await server?.close();
      await seeded?.drop();
    });

    test(`all ${DATA_SET.citizens} citizens equal their legacy rows under legacy-sources.md`, async () => {
      const mismatches: Mismatch[] = [];
      for (let start = 0; start < ALL_NUMBERS.length; start += BATCH) {
        const numbers = ALL_NUMBERS.slice(start, start + BATCH);
        const response: GraphQLResponse<any> = await server.query(CITIZENS_QUERY, { pnrs: numbers }, HEADERS);
        assert.equal(response.status, 200, JSON.stringify(response.errors));
        assert.equal(response.errors, undefined, `batch ${start / BATCH}: ${JSON.stringify(response.errors)}`);
        // Good rows only here: nothing may have been found unmappable.
        assert.equal(response.extensions?.dataQuality, undefined, `batch ${start / BATCH}: ${JSON.stringify(response.extensions?.dataQuality)}`);
        const served = response.data.citizens as (Record<string, any> | null)[];
        assert.equal(served.length, numbers.length);
        numbers.forEach((pnr, i) => {
          const expected = oracle.citizens.get(pnr)!;
          const actual = served[i];
          compared++;
          for (const [quirk, count] of expected.quirks) exercised.set(quirk, (exercised.get(quirk) ?? 0) + count);
          if (actual) {
            actualByNumber.set(pnr, actual);
            for (const b of actual.benefits ?? []) servedBenefits.set(b.id, (servedBenefits.get(b.id) ?? 0) + 1);
            for (const c of actual.cases ?? []) servedCases.set(c.id, (servedCases.get(c.id) ?? 0) + 1);
          }
          differences(expected.citizen, actual, `citizen ${pnr}`, mismatches);
        });
      }
      assert.equal(compared, DATA_SET.citizens);
      assert.ok(mismatches.length === 0, report(mismatches));
    });

    test('the compared data exercised every quirk of legacy-sources.md', () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      const required = [
        'FK_BESLUT.PNR with + and with - for the same person',
        'coordination number',
        'coordination number with unknown day or month',
        'DST gap time',
        'DST overlap time',
        'AVREG_DATUM 00000000',
        'FK_BESLUT.TOM_DATUM 99991231',
        'protectedIdentity NONE',
        'protectedIdentity CONFIDENTIALITY_MARKING',
        'protectedIdentity PROTECTED_REGISTRATION',
        'SEKRETESS N',
        'SEKRETESS NULL',
        'SKYDDAD_FB N',
        'SKYDDAD_FB NULL',
        'no address (all address columns NULL)',
        'AVREG_ORSAK AV',
        'AVREG_ORSAK UV',
        'AVREG_ORSAK TA',
        'AVREG_ORSAK NULL',
        'RELTYP VH',
        'RELTYP BA',
        'RELTYP MA',
        'FK_BESLUT.BELOPP_ORE NULL',
        'FK_BESLUT.BESLUTSDATUM NULL',
        'name with å',
        'name with ä',
        'name with ö',
        'name with é',
        'name with ü',
        'POSTORT upper case',
        'POSTORT upper case, several words',
        'POSTORT mixed case',
        'FK_UTBETALNING rows',
        'AF_HANDLINGSPLAN rows',
      ];
      const missing = required.filter((quirk) => !(exercised.get(quirk)! >= 1));
      const seen = [...exercised].sort(([a], [b]) => compare(a, b)).map(([quirk, n]) => `${quirk}: ${n}`).join('; ');
      assert.deepEqual(missing, [], `not exercised by the compared data (seen: ${seen})`);
    });

    test('every well-numbered decision and case is served under exactly its citizen, bad-numbered ones under none', () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      const badDecisionIds = new Set([...oracle.bad.decisions.luhn, ...oracle.bad.decisions.unmatched].map((r) => String(r.BESLUT_ID)));
      const badCaseIds = new Set([...oracle.bad.cases.luhn, ...oracle.bad.cases.unmatched].map((r) => r.ARENDE_ID));
      for (const row of legacy.FK_BESLUT) {
        const id = String(row.BESLUT_ID);
        assert.equal(servedBenefits.get(id) ?? 0, badDecisionIds.has(id) ? 0 : 1, `FK_BESLUT ${id} served under citizens`);
      }
      for (const row of legacy.AF_ARENDE) {
        assert.equal(servedCases.get(row.ARENDE_ID) ?? 0, badCaseIds.has(row.ARENDE_ID) ? 0 : 1, `AF_ARENDE ${row.ARENDE_ID} served under citizens`);
      }
    });

    describe('rows whose personal number fails Luhn or matches nobody', () => {
      const kinds = [
        { table: 'FK_BESLUT', source: 'socialInsurance', column: /PNR/ },
        { table: 'AF_ARENDE', source: 'employmentService', column: /PERSONNR/ },
      ] as const;
      type Kind = (typeof kinds)[number];
      type Problem = 'luhn' | 'unmatched';

      /** Fetches each bad row by id; returns the responses and the rows' 12-digit numbers. */
      async function fetchBadRows(table: Kind['table'], problem: Problem, mismatches: Mismatch[]) {
        const fetched: { response: GraphQLResponse<any>; pnr12: string }[] = [];
        const rows = table === 'FK_BESLUT' ? oracle.bad.decisions[problem] : oracle.bad.cases[problem];
        for (const row of rows) {
          const decision = table === 'FK_BESLUT' ? row as Row<'FK_BESLUT'> : null;
          const arende = table === 'AF_ARENDE' ? row as Row<'AF_ARENDE'> : null;
          const response: GraphQLResponse<any> = decision
            ? await server.query(BENEFIT_QUERY, { id: String(decision.BESLUT_ID) }, HEADERS)
            : await server.query(CASE_QUERY, { id: arende!.ARENDE_ID }, HEADERS);
          assert.equal(response.status, 200, JSON.stringify(response.errors));
          assert.equal(response.errors, undefined, JSON.stringify(response.errors));
          const expected = decision ? oracle.expectBenefit(decision) : oracle.expectCase(arende!);
          assert.equal(expected.citizen, null, 'oracle: a bad row has no citizen');
          const actual = decision ? response.data.benefit : response.data.case;
          differences(expected, actual, `${table} ${decision ? decision.BESLUT_ID : arende!.ARENDE_ID}`, mismatches);
          const pnr12 = decision ? expandTenDigitForm(decision.PNR, decision.ANDRAD_TS).pnr12 : String(arende!.PERSONNR);
          fetched.push({ response, pnr12 });
        }
        return fetched;
      }

      /** No form of the number may appear anywhere in the response (data, errors or extensions). */
      function assertNoNumberIn(response: GraphQLResponse<any>, pnr12: string): void {
        const body = JSON.stringify(response);
        const forms = [pnr12, pnr12.slice(2), `${pnr12.slice(2, 8)}-${pnr12.slice(8)}`, `${pnr12.slice(2, 8)}+${pnr12.slice(8)}`];
        for (const form of forms) assert.ok(!body.includes(form), `the response holds a form of the row's personal number: ${body}`);
      }

      /** extensions.dataQuality names source, table, column, problem and count — and nothing else. */
      function assertFinding(response: GraphQLResponse<any>, { source, table, column }: Kind): void {
        const findings = (response.extensions?.dataQuality ?? []) as Record<string, unknown>[];
        const finding = findings.find((f) => f.source === source && f.table === table && column.test(String(f.column)));
        assert.ok(finding, `a data-quality finding for ${source} ${table}: ${JSON.stringify(response.extensions)}`);
        assert.equal(typeof finding.problem, 'string');
        assert.ok(String(finding.problem).length > 0);
        assert.equal(finding.count, 1);
        assert.deepEqual(Object.keys(finding).sort(), ['column', 'count', 'problem', 'source', 'table']);
      }

      test('the generated data has both kinds in both tables', () => {
        assert.ok(oracle.bad.decisions.luhn.length >= 1, 'FK_BESLUT failing Luhn');
        assert.ok(oracle.bad.decisions.unmatched.length >= 1, 'FK_BESLUT matching nobody');
        assert.ok(oracle.bad.cases.luhn.length >= 1, 'AF_ARENDE failing Luhn');
        assert.ok(oracle.bad.cases.unmatched.length >= 1, 'AF_ARENDE matching nobody');
      });

      for (const kind of kinds) {
        test(`${kind.table}, failing Luhn: served by id with citizen null, reported without the number`, async () => {
          const mismatches: Mismatch[] = [];
          for (const { response, pnr12 } of await fetchBadRows(kind.table, 'luhn', mismatches)) {
            assertNoNumberIn(response, pnr12);
            assertFinding(response, kind);
          }
          assert.ok(mismatches.length === 0, report(mismatches));
        });

        test(`${kind.table}, matching nobody: served by id with citizen null, without the number`, async () => {
          const mismatches: Mismatch[] = [];
          for (const { response, pnr12 } of await fetchBadRows(kind.table, 'unmatched', mismatches)) assertNoNumberIn(response, pnr12);
          assert.ok(mismatches.length === 0, report(mismatches));
        });

        // legacy-sources.md: "A row whose number fails the Luhn check or cannot be matched is a data-quality
        // finding, reported".
        test(`${kind.table}, matching nobody: reported as a data-quality finding`, async () => {
          for (const { response } of await fetchBadRows(kind.table, 'unmatched', [])) assertFinding(response, kind);
          // …and counted for operators, by source, table and column.
          const counted = await server.metrics.registry.getSingleMetricAsString('samgraf_data_quality_findings_total');
          assert.match(counted, new RegExp(`samgraf_data_quality_findings_total\\{source="${kind.source}",table="${kind.table}",column="[^"]+"\\} [1-9]`));
        });
      }
    });

    test(`names with å ä ö é ü come back exactly${dialect === 'mariadb' ? ' (through FB_PERSON\'s latin1 columns)' : ''}`, async () => {
      assert.equal(compared, DATA_SET.citizens, 'runs after the comparison');
      if (dialect === 'mariadb') {
        const db = openDatabase(seeded!.urls.populationRegister);
        try {
          const [columns] = await db.raw(
            "SELECT COLUMN_NAME AS name, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'FB_PERSON' AND COLUMN_NAME IN ('FORNAMN', 'EFTERNAMN')");
          assert.deepEqual((columns as { charset: string }[]).map((c) => c.charset), ['latin1', 'latin1']);
        } finally {
          await db.destroy();
        }
      }
      for (const letter of ['å', 'ä', 'ö', 'é', 'ü']) {
        const person = legacy.FB_PERSON.find((p) => `${p.FORNAMN} ${p.EFTERNAMN}`.includes(letter));
        assert.ok(person, `a generated name with ${letter}`);
        const actual = actualByNumber.get(person.PERSONID);
        assert.ok(actual, 'served');
        assert.equal(actual.givenNames, person.FORNAMN);
        assert.equal(actual.familyName, person.EFTERNAMN);
        assert.ok(`${actual.givenNames} ${actual.familyName}`.includes(letter), `${letter} survives`);
      }
    });
  });
}
