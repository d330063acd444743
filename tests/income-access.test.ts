/**
 * Incomes and who may see them, on the real services (population, social insurance and employment on MariaDB, the
 * income register on PostgreSQL):
 * 1. A principal bound to a municipality (API key, staff JWT with `municipality`) reads its residents' incomes and
 *    nobody else's, by any road — citizen, citizens, the municipality listing, a case's or a benefit's citizen,
 *    relations, `__typename` probes, errors, aliases and fragments: for a non-resident every answer is byte for
 *    byte what a non-existent person gives, and the attempt is in the access log (withheld, asked for). A citizen
 *    reads their own incomes and nobody else's.
 * 2. The access log: a read of incomes records its person with the category INCOME — in the event (as the auditor
 *    finds it through auditEvents) and in the person's own myAccessLog.
 * The people are chosen from the generated legacy rows (legacy-sources.md §4 read by tests/helpers/income-register),
 * never from samgraf's answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { agiTables, currentStatementsByPayee, isSoleTrader, twelveDigits } from './helpers/income-register.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 800, seed: 'income-access-0' } as const;
const HOME = '0180';
const PURPOSE = 'social-services';
const PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];
/** What a municipality's social services read to assess financial aid (and roads to people: benefits, cases, relations). */
const PARTNER_SCOPES = ['citizen:read', 'citizen:relations:read', 'benefit:read', 'case:read', 'income:read'];

type Person = LegacyData['FB_PERSON'][number];
const DATA = generateLegacyData(DATA_SET);
const PERSONS = new Map(DATA.FB_PERSON.map((p) => [p.PERSONID, p]));
const INCOMES = currentStatementsByPayee(agiTables(DATA).agi_individuppgift);
const incomesOf = (pnr: string) => (INCOMES.get(pnr) ?? []).map((s) => s.current);
/** People who run a business as sole traders: their number is their employees' employer's identifier. */
const SOLE_TRADERS = new Set(agiTables(DATA).agi_individuppgift.filter((r) => isSoleTrader(r.arbetsgivare)).map((r) => twelveDigits(r.arbetsgivare)));
const paidBySoleTrader = (pnr: string): boolean => incomesOf(pnr).some((s) => isSoleTrader(s.arbetsgivare));
const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
const decisionsOf = (pnr: string) => DATA.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
const casesOf = (pnr: string) => DATA.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
const relativesOf = (pnr: string): Person[] => DATA.FB_RELATION.filter((r) => r.PERSONID === pnr).map((r) => PERSONS.get(r.RELID)).filter((p): p is Person => p !== undefined);
const tenDigitsUnique = (pnr: string): boolean => DATA.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;
const ordinary = (p: Person): boolean => !isProtected(p) && isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID) && p.AVREG_ORSAK === null;

function pick<T>(what: string, items: readonly T[], predicate: (item: T) => boolean): T {
  const found = items.find(predicate);
  if (found === undefined) throw new Error(`the data set ${JSON.stringify(DATA_SET)} has no ${what}: choose another seed`);
  return found;
}

/**
 * Registered elsewhere, unprotected, with incomes, a decision and a case: every road leads to them. Not a sole
 * trader, whose number may rightly be logged as the employer of someone else's statement.
 */
const VICTIM = pick('ordinary non-resident with incomes, a decision and a case', DATA.FB_PERSON, (p) =>
  ordinary(p) && p.KOMMUNKOD !== HOME && !SOLE_TRADERS.has(p.PERSONID) && incomesOf(p.PERSONID).length > 0 && decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0);
const VICTIM_DECISION = String(decisionsOf(VICTIM.PERSONID)[0]!.BESLUT_ID);
const VICTIM_CASE = casesOf(VICTIM.PERSONID)[0]!.ARENDE_ID;
/** A resident with incomes, a decision and a case. */
const RESIDENT = pick('ordinary resident with incomes, a decision and a case', DATA.FB_PERSON, (p) =>
  ordinary(p) && p.KOMMUNKOD === HOME && incomesOf(p.PERSONID).length > 0 && decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0);
/** A resident whose (unprotected) relative elsewhere has incomes. */
const WITH_RELATIVE = pick('resident with an unprotected relative elsewhere who has incomes', DATA.FB_PERSON, (p) =>
  ordinary(p) && p.KOMMUNKOD === HOME && relativesOf(p.PERSONID).every((r) => !isProtected(r))
  && relativesOf(p.PERSONID).some((r) => r.KOMMUNKOD !== HOME && incomesOf(r.PERSONID).length > 0));
const RELATIVE = relativesOf(WITH_RELATIVE.PERSONID).find((r) => r.KOMMUNKOD !== HOME && incomesOf(r.PERSONID).length > 0)!;
/** A person with incomes (none from a sole trader) whose reads the access-log tests follow. */
const READ = pick('another ordinary person with incomes, none from a sole trader', DATA.FB_PERSON, (p) =>
  ordinary(p) && p !== VICTIM && p !== RESIDENT && incomesOf(p.PERSONID).length > 0 && !paidBySoleTrader(p.PERSONID));
/** A person paid by a sole trader (someone else). */
const EMPLOYEE = pick('ordinary person paid by a sole trader', DATA.FB_PERSON, (p) =>
  ordinary(p) && incomesOf(p.PERSONID).some((s) => isSoleTrader(s.arbetsgivare) && twelveDigits(s.arbetsgivare) !== p.PERSONID));
const OWNER = twelveDigits(incomesOf(EMPLOYEE.PERSONID).find((s) => isSoleTrader(s.arbetsgivare) && twelveDigits(s.arbetsgivare) !== EMPLOYEE.PERSONID)!.arbetsgivare);

const NOBODY = (() => {
  for (let serial = 10; serial < 10_000; serial++) {
    const pnr = `19770707${String(serial).padStart(4, '0')}`;
    if (isValidPersonalNumber(pnr) && !DATA.FB_PERSON.some((p) => p.PERSONID.slice(2) === pnr.slice(2))) return pnr;
  }
  throw new Error('no free personal number');
})();
const NO_DECISION_ID = '987654321';
const NO_CASE_ID = 'AF-2099-999999';
const EMPTY_MUNICIPALITY = (() => {
  for (let code = 9999; ; code--) {
    const candidate = String(code).padStart(4, '0');
    if (!DATA.FB_PERSON.some((p) => p.KOMMUNKOD === candidate)) return candidate;
  }
})();
const tenDigit = (pnr: string): string => `${pnr.slice(2, 8)}-${pnr.slice(8)}`;

let seeded: SeededSources;
let server: TestServer;
let requests = 0;

/** POSTs with a fresh request id and exactly `headers` (no default principal); keeps the body as text. */
async function raw(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<{ requestId: string; status: number; body: string; parsed: GraphQLResponse<any> }> {
  const requestId = `income-access-${++requests}`;
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.text();
  return { requestId, status: response.status, body, parsed: JSON.parse(body) };
}

async function eventOf(requestId: string) {
  const rows = await server.store('audit_events').where('request_id', requestId) as EventRow[];
  assert.equal(rows.length, 1, `one event for ${requestId}`);
  return fromRow(rows[0]!);
}

async function staff(claims: Record<string, unknown>, purpose: string): Promise<Record<string, string>> {
  const { staff: issuer } = await testIssuers();
  return { authorization: `Bearer ${await issuer.mint({ sub: 'officer-i', purposes: [purpose], ...claims })}`, 'x-purpose': purpose };
}

async function citizen(pnr: string): Promise<Record<string, string>> {
  const { citizen: issuer } = await testIssuers();
  return { authorization: `Bearer ${await issuer.mint({ sub: pnr })}` };
}

/** An unbound officer who may read everyone's incomes: the reference that the data is there. */
const unbound = () => staff({ org: 'FK', scope: PARTNER_SCOPES.join(' ') }, 'benefit-assessment');

describe('incomes: rows and the access log (MariaDB, income register on PostgreSQL)', () => {
  const keys: Record<string, { id: string; key: string }> = {};

  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    server = await startTestServer(seeded.urls);
    const store = new ApiKeyStore(server.store, PURPOSES);
    keys.home = await store.create({ organization: HOME, name: 'social services', scopes: PARTNER_SCOPES, purposes: [PURPOSE], municipality: HOME, expiresAt: null });
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  test('the chosen people are what the tests need', () => {
    assert.ok(VICTIM.KOMMUNKOD !== HOME && RESIDENT.KOMMUNKOD === HOME && WITH_RELATIVE.KOMMUNKOD === HOME && RELATIVE.KOMMUNKOD !== HOME);
    assert.ok(!isProtected(RELATIVE) && incomesOf(RELATIVE.PERSONID).length > 0);
  });

  describe('1. a municipality-bound principal reads its residents\' incomes, and nobody else\'s by any road', () => {
    const INCOME_FIELDS = 'id period employer { name organizationNumber soleTrader } grossPay { amount minorUnits } submittedAt versions';

    /** Each road: a query, variables that reach the non-resident, and variables that reach nobody. */
    const ROADS: readonly (readonly [string, string, Record<string, unknown>, Record<string, unknown>])[] = [
      ['citizen(12 digits)', `query Q($p: String!) { citizen(personalNumber: $p) { personalNumber incomes { ${INCOME_FIELDS} } } }`,
        { p: VICTIM.PERSONID }, { p: NOBODY }],
      ['citizen(10 digits)', `query Q($p: String!) { citizen(personalNumber: $p) { incomes { ${INCOME_FIELDS} } } }`,
        { p: tenDigit(VICTIM.PERSONID) }, { p: tenDigit(NOBODY) }],
      ['citizens([...])', `query Q($p: [String!]!) { citizens(personalNumbers: $p) { personalNumber incomes { ${INCOME_FIELDS} } } }`,
        { p: [RESIDENT.PERSONID, VICTIM.PERSONID] }, { p: [RESIDENT.PERSONID, NOBODY] }],
      ['citizensByMunicipality(another code)', `query Q($c: String!) { citizensByMunicipality(code: $c, first: 10) { edges { cursor node { personalNumber incomes { ${INCOME_FIELDS} } } } pageInfo { hasNextPage endCursor } } }`,
        { c: VICTIM.KOMMUNKOD }, { c: EMPTY_MUNICIPALITY }],
      ['case(id) { citizen { incomes } }', `query Q($id: ID!) { case(id: $id) { id citizen { personalNumber incomes { ${INCOME_FIELDS} } } } }`,
        { id: VICTIM_CASE }, { id: NO_CASE_ID }],
      ['benefit(id) { citizen { incomes } }', `query Q($id: ID!) { benefit(id: $id) { id citizen { personalNumber incomes { ${INCOME_FIELDS} } } } }`,
        { id: VICTIM_DECISION }, { id: NO_DECISION_ID }],
      ['__typename probes', 'query Q($p: String!) { citizen(personalNumber: $p) { __typename incomes { __typename employer { __typename } } } }',
        { p: VICTIM.PERSONID }, { p: NOBODY }],
      ['aliases and fragments', `query Q($p: String!, $ps: [String!]!) {
          a: citizen(personalNumber: $p) { x: incomes { ${INCOME_FIELDS} } y: incomes(from: "2000-01", to: "2099-12") { id } }
          b: citizens(personalNumbers: $ps) { ...F }
          ... on Query { c: citizen(personalNumber: $p) { ...F } } }
        fragment F on Citizen { incomes { id grossPay { amount } } }`,
        { p: VICTIM.PERSONID, ps: [VICTIM.PERSONID] }, { p: NOBODY, ps: [NOBODY] }],
      // A field the principal may not read: for a resident it is an error; for a non-resident there must be none.
      ['a denied field beside the incomes', 'query Q($p: String!) { citizen(personalNumber: $p) { incomes { id } address { street } benefits { amount { amount } } } }',
        { p: VICTIM.PERSONID }, { p: NOBODY }],
      // Bad input beside a non-resident: the same refusal as beside nobody.
      ['a bad YearMonth', 'query Q($p: String!) { citizen(personalNumber: $p) { incomes(from: "2024-13") { id } } }',
        { p: VICTIM.PERSONID }, { p: NOBODY }],
      ['a bad YearMonth variable', 'query Q($p: String!, $f: YearMonth) { citizen(personalNumber: $p) { incomes(from: $f) { id } } }',
        { p: VICTIM.PERSONID, f: '2024-13' }, { p: NOBODY, f: '2024-13' }],
    ];

    for (const [kind, bound] of [['API key', 'key'], ['staff JWT with municipality', 'jwt']] as const) {
      const headersFor = async (): Promise<Record<string, string>> => (bound === 'key'
        ? { 'x-api-key': keys.home!.key, 'x-purpose': PURPOSE }
        : staff({ org: HOME, municipality: HOME, scope: PARTNER_SCOPES.join(' ') }, PURPOSE));

      test(`${kind}: a resident's incomes are served, as an unbound officer sees them`, async () => {
        const query = `query Q($p: String!) { citizen(personalNumber: $p) { personalNumber incomes { ${INCOME_FIELDS} } } }`;
        const reference = await raw(query, { p: RESIDENT.PERSONID }, await unbound());
        const own = await raw(query, { p: RESIDENT.PERSONID }, await headersFor());
        assert.equal(own.parsed.errors, undefined, own.body);
        assert.equal(own.parsed.data.citizen.incomes.length, incomesOf(RESIDENT.PERSONID).length);
        assert.deepEqual(own.parsed.data, reference.parsed.data);
        const event = await eventOf(own.requestId);
        assert.ok(event.subjects.includes(RESIDENT.PERSONID));
        assert.ok(event.subjectCategories[RESIDENT.PERSONID]?.includes('INCOME'), JSON.stringify(event.subjectCategories));
      });

      test(`${kind}: on every road a non-resident's incomes answer exactly like nobody, and the attempt is in the access log`, async () => {
        const headers = await headersFor();
        const problems: string[] = [];
        for (const [road, query, victim, nobody] of ROADS) {
          // Sanity: unbound, the road reaches the victim's incomes (or, for bad input, is refused all the same).
          const reference = await raw(query, victim, await unbound());
          if (!road.startsWith('a bad')) {
            assert.ok(reference.body.includes('"incomes"') && /"(id|__typename)"/.test(reference.body), `${road}: unbound, the road reaches incomes: ${reference.body.slice(0, 300)}`);
          }
          const a = await raw(query, victim, headers);
          const b = await raw(query, nobody, headers);
          if (a.status !== b.status || a.body !== b.body) problems.push(`${road}: differs from nobody\n    non-resident: ${a.status} ${a.body.slice(0, 400)}\n    nobody:       ${b.status} ${b.body.slice(0, 400)}`);
          if (a.body.includes(VICTIM.PERSONID) || a.body.includes(tenDigit(VICTIM.PERSONID))) problems.push(`${road}: the non-resident's number in the answer`);
          // Bad input is refused before anything is read (whether that writes an event is not this test's concern).
          if (road.startsWith('a bad')) continue;
          const event = await eventOf(a.requestId);
          if (event.subjects.includes(VICTIM.PERSONID)) problems.push(`${road}: the event says the non-resident's data was returned`);
          // A listing names nobody it leaves out: there is no attempt on a person to record.
          if (road.startsWith('citizensByMunicipality')) continue;
          const recorded = [...event.subjectsWithheld, ...(event.subjectsRequested ?? [])];
          if (!recorded.includes(VICTIM.PERSONID)) problems.push(`${road}: the attempt is not in the access log (withheld ${JSON.stringify(event.subjectsWithheld)}, requested ${JSON.stringify(event.subjectsRequested)})`);
          if (!event.subjectsWithheld.includes(VICTIM.PERSONID)) problems.push(`${road}: the non-resident is not recorded as withheld`);
        }
        assert.deepEqual(problems, [], problems.join('\n'));
      });

      test(`${kind}: a relation to a relative elsewhere never leads to the relative's incomes, silently, and is recorded as withheld`, async () => {
        const headers = await headersFor();
        const query = `query R($p: String!) { citizen(personalNumber: $p) { personalNumber relations { type citizen { personalNumber incomes { ${INCOME_FIELDS} } } } } }`;
        const reference = await raw(query, { p: WITH_RELATIVE.PERSONID }, await unbound());
        const served = (reference.parsed.data.citizen.relations as { citizen: { personalNumber: string; incomes: unknown[] } | null }[]);
        assert.ok(served.some((r) => r.citizen?.personalNumber === RELATIVE.PERSONID && r.citizen.incomes.length > 0), 'unbound, the relation leads to the relative\'s incomes');

        const bound = await raw(query, { p: WITH_RELATIVE.PERSONID }, headers);
        assert.equal(bound.status, 200);
        assert.equal(bound.parsed.errors, undefined, bound.body);
        const relations = bound.parsed.data.citizen.relations as { type: string; citizen: { personalNumber: string } | null }[];
        assert.equal(relations.length, served.length, 'the relations themselves are the resident\'s own data');
        served.forEach((full, i) => {
          const relative = PERSONS.get(full.citizen!.personalNumber)!;
          if (relative.KOMMUNKOD === HOME) assert.equal(relations[i]!.citizen?.personalNumber, relative.PERSONID);
          else assert.equal(relations[i]!.citizen, null, 'a relative out of sight is null');
        });
        assert.ok(!bound.body.includes(RELATIVE.PERSONID), 'nothing of the relative appears');
        const event = await eventOf(bound.requestId);
        assert.ok(!event.subjects.includes(RELATIVE.PERSONID));
        assert.ok(event.subjectsWithheld.includes(RELATIVE.PERSONID), `withheld: ${JSON.stringify(event.subjectsWithheld)}`);
      });
    }

    test('an auditor searching the log for the non-resident finds the bound principals\' attempts', async () => {
      const auditor = await staff({ org: 'IMY', scope: 'audit:read' }, 'audit');
      const response = await raw(`query A($s: String!) { auditEvents(filter: { subject: $s }, first: 100) {
        edges { node { requestId subjects subjectsWithheld subjectsRequested principal { type organization apiKeyId } } } } }`, { s: VICTIM.PERSONID }, auditor);
      assert.equal(response.parsed.errors, undefined, response.body);
      const nodes = (response.parsed.data.auditEvents.edges as { node: { requestId: string; subjects: string[]; subjectsWithheld: string[]; principal: { type: string; organization: string; apiKeyId: string | null } } }[]).map((e) => e.node);
      const byKey = nodes.filter((n) => n.principal.apiKeyId === keys.home!.id);
      const byJwt = nodes.filter((n) => n.principal.type === 'STAFF' && n.principal.organization === HOME);
      assert.ok(byKey.length > 0 && byJwt.length > 0, `attempts found: ${byKey.length} by the API key, ${byJwt.length} by the bound JWT`);
      for (const n of [...byKey, ...byJwt]) assert.ok(!n.subjects.includes(VICTIM.PERSONID), 'an attempt never says the data was returned');
    });

    test('a citizen reads their own incomes, and another person\'s answer exactly like nobody\'s', async () => {
      const query = `query Q($p: String!) { citizen(personalNumber: $p) { personalNumber incomes { ${INCOME_FIELDS} } } }`;
      const headers = await citizen(RESIDENT.PERSONID);
      const own = await raw(query, { p: RESIDENT.PERSONID }, headers);
      assert.equal(own.parsed.errors, undefined, own.body);
      assert.equal(own.parsed.data.citizen.incomes.length, incomesOf(RESIDENT.PERSONID).length);
      const other = await raw(query, { p: VICTIM.PERSONID }, headers);
      const nobody = await raw(query, { p: NOBODY }, headers);
      assert.equal(other.body, nobody.body);
      assert.ok(!other.body.includes(VICTIM.PERSONID));
    });
  });

  describe('2. the access log records a read of incomes as INCOME', () => {
    const FK_PURPOSE = 'benefit-assessment';
    let reads: { requestId: string; occurredAt: string }[] = [];

    before(async () => {
      const officer = await staff({ org: 'FK', scope: 'citizen:read income:read' }, FK_PURPOSE);
      reads = [];
      for (const query of [
        'query I($p: String!) { citizen(personalNumber: $p) { incomes { id grossPay { amount } } } }',
        // Only that statements exist: still a read of the person's incomes.
        'query I($p: String!) { citizen(personalNumber: $p) { incomes { __typename } } }',
      ]) {
        const response = await raw(query, { p: READ.PERSONID }, officer);
        assert.equal(response.parsed.errors, undefined, response.body);
        assert.ok(response.parsed.data.citizen.incomes.length > 0);
        reads.push({ requestId: response.requestId, occurredAt: (await eventOf(response.requestId)).occurredAt });
      }
    });

    test('the event names the person, with INCOME among the categories, and the income fields as read', async () => {
      for (const { requestId } of reads) {
        const event = await eventOf(requestId);
        assert.deepEqual(event.subjects, [READ.PERSONID]);
        assert.ok(event.subjectCategories[READ.PERSONID]?.includes('INCOME'), JSON.stringify(event.subjectCategories));
        assert.ok(event.fieldsRead.includes('Citizen.incomes'), JSON.stringify(event.fieldsRead));
        assert.equal(event.outcome, 'OK');
        assert.equal(event.purpose, FK_PURPOSE);
      }
      // Identity alone is not an income read.
      const officer = await staff({ org: 'FK', scope: 'citizen:read income:read' }, FK_PURPOSE);
      const identity = await raw('query I($p: String!) { citizen(personalNumber: $p) { personalNumber } }', { p: READ.PERSONID }, officer);
      const event = await eventOf(identity.requestId);
      assert.deepEqual(event.subjectCategories, { [READ.PERSONID]: ['IDENTITY'] });
    });

    test('an auditor finds the reads through auditEvents, naming the person and the income fields', async () => {
      const auditor = await staff({ org: 'IMY', scope: 'audit:read' }, 'audit');
      const response = await raw(`query A($s: String!) { auditEvents(filter: { subject: $s }, first: 100) {
        edges { node { requestId subjects fieldsRead purpose outcome principal { organization } } } } }`, { s: READ.PERSONID }, auditor);
      assert.equal(response.parsed.errors, undefined, response.body);
      const nodes = (response.parsed.data.auditEvents.edges as { node: { requestId: string; subjects: string[]; fieldsRead: string[]; purpose: string; outcome: string; principal: { organization: string } } }[]).map((e) => e.node);
      for (const { requestId } of reads) {
        const node = nodes.find((n) => n.requestId === requestId);
        assert.ok(node, `the read ${requestId} is found by subject`);
        assert.deepEqual(node.subjects, [READ.PERSONID]);
        assert.ok(node.fieldsRead.includes('Citizen.incomes'));
        assert.deepEqual([node.purpose, node.outcome, node.principal.organization], [FK_PURPOSE, 'OK', 'FK']);
      }
      assert.ok(nodes.find((n) => n.requestId === reads[0]!.requestId)!.fieldsRead.some((f) => f.startsWith('IncomeStatement.')), 'the statement\'s fields are named');
    });

    test('the person sees the reads in myAccessLog: the organisation, the purpose and INCOME', async () => {
      const response = await raw('query { myAccessLog(first: 100) { edges { node { occurredAt organization purpose dataCategories } } } }', {}, await citizen(READ.PERSONID));
      assert.equal(response.parsed.errors, undefined, response.body);
      const entries = (response.parsed.data.myAccessLog.edges as { node: { occurredAt: string; organization: string; purpose: string; dataCategories: string[] } }[]).map((e) => e.node);
      for (const { occurredAt } of reads) {
        const entry = entries.find((e) => e.occurredAt === occurredAt && e.organization === 'FK');
        assert.ok(entry, `the read at ${occurredAt} is in the citizen's log`);
        assert.equal(entry.purpose, FK_PURPOSE);
        assert.ok(entry.dataCategories.includes('INCOME'), JSON.stringify(entry.dataCategories));
      }
      assert.ok(!response.body.includes('officer-i'), 'never the officer');
    });

    test('a statement from a sole trader is also a read of the owner\'s data (INCOME), though their number is never served', async () => {
      // legacy-sources.md §4: the sole trader's identifier is the owner's personal data; the SDL (Employer) logs it.
      const officer = await staff({ org: 'FK', scope: 'citizen:read income:read' }, FK_PURPOSE);
      const response = await raw('query I($p: String!) { citizen(personalNumber: $p) { incomes { employer { name organizationNumber soleTrader } } } }', { p: EMPLOYEE.PERSONID }, officer);
      assert.equal(response.parsed.errors, undefined, response.body);
      assert.ok(response.parsed.data.citizen.incomes.some((s: any) => s.employer.soleTrader && s.employer.organizationNumber === null));
      assert.ok(!response.body.includes(OWNER) && !response.body.includes(`${OWNER.slice(0, 8)}-${OWNER.slice(8)}`), 'the owner\'s number is not served');
      const event = await eventOf(response.requestId);
      assert.ok(event.subjects.includes(EMPLOYEE.PERSONID) && event.subjects.includes(OWNER), JSON.stringify(event.subjects));
      assert.deepEqual(event.subjectCategories[OWNER], ['INCOME']);
      assert.ok(event.subjectCategories[EMPLOYEE.PERSONID]?.includes('INCOME'));
    });
  });
});
