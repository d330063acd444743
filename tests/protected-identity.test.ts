/**
 * Protected identities (issue 12, item 1), on MariaDB: without `citizen:protected:read` no answer places a
 * person with a protected identity (SEKRETESS = J or SKYDDAD_FB = J) in a municipality or a location.
 * 1. citizensByMunicipality leaves them out, in its statement: full pages, right hasNextPage and cursors, one
 *    statement per page.
 * 2. A principal bound to a municipality (API key, staff JWT with `municipality`) without the scope gets for
 *    them, on every road, exactly what a non-existent person gives — bound to their own municipality or any
 *    other, so comparing tokens tells nothing — and the access log records them as withheld. With the scope,
 *    its own protected residents are served as before.
 * 3. Values that derive from the address are masked: a case's office (KONTOR_KOD is the home municipality's
 *    office, src/seed/generate.ts) and officer, for a case of a protected person or of a person the register
 *    does not know, with the person's protection read in one batched statement.
 * The people are chosen from the generated legacy rows, never from samgraf's answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { recordStatements, startTestServer, tableOf, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { superuserHeaders, testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 1000, seed: 'policies-0' } as const;
const PURPOSE = 'social-services';

type Person = LegacyData['FB_PERSON'][number];
const DATA = generateLegacyData(DATA_SET);
const PERSONS = new Map(DATA.FB_PERSON.map((p) => [p.PERSONID, p]));
const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
/** FK_BESLUT.PNR is `YYMMDD-NNNC`: its digits are the 12-digit number's last 10. */
const decisionsOf = (pnr: string) => DATA.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
const casesOf = (pnr: string) => DATA.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
const tenDigitsUnique = (pnr: string): boolean => DATA.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;

function pick<T>(what: string, items: readonly T[], predicate: (item: T) => boolean): T {
  const found = items.find(predicate);
  if (found === undefined) throw new Error(`the data set ${JSON.stringify(DATA_SET)} has no ${what}: choose another seed`);
  return found;
}

/** A protected person with a decision and a case. */
const HIDDEN = pick('protected person with a decision and a case', DATA.FB_PERSON, (p) =>
  isProtected(p) && isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID)
  && decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0);
const HOME = HIDDEN.KOMMUNKOD;
const HIDDEN_DECISION = String(decisionsOf(HIDDEN.PERSONID)[0]!.BESLUT_ID);
const HIDDEN_CASE = casesOf(HIDDEN.PERSONID)[0]!.ARENDE_ID;
/** An unprotected person at home whose relations include a protected person also registered at home. */
const RELATION_TO_HIDDEN = pick('relation of an unprotected person to a protected one, both at home', DATA.FB_RELATION, (r) => {
  const [from, to] = [PERSONS.get(r.PERSONID), PERSONS.get(r.RELID)];
  return from !== undefined && to !== undefined && from.KOMMUNKOD === HOME && to.KOMMUNKOD === HOME && !isProtected(from) && isProtected(to);
});
const RELATIVE = PERSONS.get(RELATION_TO_HIDDEN.PERSONID)!;
const HIDDEN_RELATIVE = RELATION_TO_HIDDEN.RELID;
const ELSEWHERE = pick('a municipality other than the protected person\'s', DATA.FB_PERSON, (p) => p.KOMMUNKOD !== HOME).KOMMUNKOD;
/** Ordinary people with cases, each a different person (for the office of their cases, and batching). */
const ORDINARY_WITH_CASES = DATA.FB_PERSON.filter((p) => !isProtected(p) && isValidPersonalNumber(p.PERSONID) && casesOf(p.PERSONID).length > 0).slice(0, 5);
/** A case whose PERSONNR is a valid number of nobody in the register (the seed's deliberately unmatched rows). */
const CASE_OF_NOBODY = pick('case of a valid number nobody is registered under', DATA.AF_ARENDE, (c) =>
  isValidPersonalNumber(String(c.PERSONNR).padStart(12, '0')) && !PERSONS.has(String(c.PERSONNR)));

const NOBODY = (() => {
  for (let serial = 10; serial < 10_000; serial++) {
    const pnr = `19770707${String(serial).padStart(4, '0')}`;
    if (isValidPersonalNumber(pnr) && !DATA.FB_PERSON.some((p) => p.PERSONID.slice(2) === pnr.slice(2))) return pnr;
  }
  throw new Error('no free personal number');
})();
const NO_DECISION_ID = '987654321';
const NO_CASE_ID = 'AF-2099-999999';

let seeded: SeededSources;
let server: TestServer;
let requests = 0;

async function staff(claims: Record<string, unknown>): Promise<Record<string, string>> {
  const { staff: issuer } = await testIssuers();
  return { authorization: `Bearer ${await issuer.mint({ sub: 'officer-p', purposes: [PURPOSE], ...claims })}`, 'x-purpose': PURPOSE };
}

/**
 * POSTs with a fresh request id, as the all-scopes AF officer unless `headers` say otherwise (undefined drops a
 * header); keeps the body as text for byte-for-byte comparisons.
 */
async function raw(query: string, variables: Record<string, unknown>, headers: Record<string, string | undefined>): Promise<{ requestId: string; body: string; parsed: GraphQLResponse<any> }> {
  const requestId = `protected-${++requests}`;
  const merged = Object.entries({ 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...await superuserHeaders(), ...headers })
    .filter((entry): entry is [string, string] => entry[1] !== undefined);
  const response = await fetch(server.url, { method: 'POST', headers: Object.fromEntries(merged), body: JSON.stringify({ query, variables }) });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return { requestId, body, parsed: JSON.parse(body) };
}

async function eventOf(requestId: string) {
  const rows = await server.store('audit_events').where('request_id', requestId) as EventRow[];
  assert.equal(rows.length, 1, `one event for ${requestId}`);
  return fromRow(rows[0]!);
}

/**
 * Every personal number citizensByMunicipality lists for `code`, page by page (with those of protected persons
 * apart), the size of each page and the population-register statements each page ran.
 */
async function listAll(code: string, first: number, headers: Record<string, string | undefined>): Promise<{ numbers: string[]; protectedNumbers: string[]; pageSizes: number[]; statements: number[] }> {
  const query = 'query L($code: String!, $first: Int, $after: String) { citizensByMunicipality(code: $code, first: $first, after: $after) { edges { cursor node { personalNumber protectedIdentity } } pageInfo { hasNextPage endCursor } } }';
  const numbers: string[] = [];
  const protectedNumbers: string[] = [];
  const pageSizes: number[] = [];
  const statements: number[] = [];
  let after: string | null = null;
  for (;;) {
    const { result, statements: run } = await recordStatements(server.sources, () => raw(query, { code, first, after }, headers));
    const page = result.parsed.data!.citizensByMunicipality;
    assert.equal(result.parsed.errors, undefined, result.body);
    numbers.push(...page.edges.map((e: any) => e.node.personalNumber));
    protectedNumbers.push(...page.edges.filter((e: any) => e.node.protectedIdentity !== 'NONE').map((e: any) => e.node.personalNumber));
    pageSizes.push(page.edges.length);
    statements.push(run.filter((s) => tableOf(s.sql) === 'FB_PERSON').length);
    if (page.edges.length > 0) assert.equal(page.pageInfo.endCursor, page.edges.at(-1).cursor, 'endCursor is the last edge\'s cursor');
    if (!page.pageInfo.hasNextPage) return { numbers, protectedNumbers, pageSizes, statements };
    after = page.pageInfo.endCursor;
  }
}

describe('protected identities (MariaDB)', () => {
  const keys: Record<string, string> = {};

  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    server = await startTestServer(seeded.urls);
    const store = new ApiKeyStore(server.store, [PURPOSE, 'employment-support', 'benefit-assessment', 'self-service', 'audit']);
    const key = async (name: string, municipality: string, scopes: string[]) =>
      (await store.create({ organization: municipality, name, scopes, purposes: [PURPOSE], municipality, expiresAt: null })).key;
    const read = ['citizen:read', 'citizen:address:read', 'citizen:relations:read', 'benefit:read', 'case:read'];
    keys.home = await key('home', HOME, read);
    keys.elsewhere = await key('elsewhere', ELSEWHERE, read);
    keys.homeProtected = await key('home, protected', HOME, [...read, 'citizen:protected:read']);
    keys.elsewhereProtected = await key('elsewhere, protected', ELSEWHERE, [...read, 'citizen:protected:read']);
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  test('the chosen people are what the tests need', () => {
    assert.ok(isProtected(HIDDEN) && !isProtected(RELATIVE) && RELATIVE.KOMMUNKOD === HOME && ELSEWHERE !== HOME);
    assert.ok(isProtected(PERSONS.get(HIDDEN_RELATIVE)!) && PERSONS.get(HIDDEN_RELATIVE)!.KOMMUNKOD === HOME);
    assert.equal(ORDINARY_WITH_CASES.length, 5);
  });

  describe('1. citizensByMunicipality', () => {
    test('without citizen:protected:read it lists exactly the unprotected residents, in full pages, one statement per page', async () => {
      const all = await listAll(HOME, 100, {});
      assert.ok(all.protectedNumbers.includes(HIDDEN.PERSONID), 'with the scope (the default principal) the protected person is listed (sanity)');

      for (const [label, headers] of [
        ['staff without the scope', await staff({ org: 'SKV', scope: 'citizen:read citizen:address:read' })],
        ['API key bound to the municipality, without the scope', { 'x-api-key': keys.home!, authorization: undefined, 'x-purpose': PURPOSE }],
      ] as const) {
        const first = 7;
        const listed = await listAll(HOME, first, headers);
        assert.deepEqual(listed.numbers, all.numbers.filter((pnr) => !all.protectedNumbers.includes(pnr)), `${label}: the unprotected residents, in order`);
        assert.ok(listed.pageSizes.slice(0, -1).every((size) => size === first), `${label}: every page but the last is full: ${listed.pageSizes.join(',')}`);
        assert.ok(listed.statements.every((n) => n === 1), `${label}: one statement per page: ${listed.statements.join(',')}`);
      }
      // The bound key with the scope lists its protected residents too.
      assert.deepEqual((await listAll(HOME, 100, { 'x-api-key': keys.homeProtected!, authorization: undefined, 'x-purpose': PURPOSE })).numbers, all.numbers);
    });
  });

  describe('2. municipality-bound principals', () => {
    /** Every road to a person, with the ids that reach HIDDEN and the ones that reach nobody. */
    const ROADS = [
      ['citizen', 'query Q($p: String!) { citizen(personalNumber: $p) { personalNumber givenNames protectedIdentity municipalityCode benefits { id } cases { id } } }',
        { p: HIDDEN.PERSONID }, { p: NOBODY }],
      ['citizens', 'query Q($p: [String!]!) { citizens(personalNumbers: $p) { personalNumber givenNames } }',
        { p: [RELATIVE.PERSONID, HIDDEN.PERSONID] }, { p: [RELATIVE.PERSONID, NOBODY] }],
      ['benefit(id)', 'query Q($id: ID!) { benefit(id: $id) { id type citizen { personalNumber } } }', { id: HIDDEN_DECISION }, { id: NO_DECISION_ID }],
      ['case(id)', 'query Q($id: ID!) { case(id: $id) { id status office citizen { personalNumber } } }', { id: HIDDEN_CASE }, { id: NO_CASE_ID }],
    ] as const;

    for (const [kind, bound] of [['API key', 'key'], ['staff JWT with municipality', 'jwt']] as const) {
      const headersFor = async (municipality: string, withScope: boolean): Promise<Record<string, string | undefined>> => {
        if (bound === 'key') {
          const name = `${municipality === HOME ? 'home' : 'elsewhere'}${withScope ? 'Protected' : ''}`;
          return { 'x-api-key': keys[name]!, authorization: undefined, 'x-purpose': PURPOSE };
        }
        const scope = `citizen:read citizen:address:read citizen:relations:read benefit:read case:read${withScope ? ' citizen:protected:read' : ''}`;
        return staff({ org: municipality, municipality, scope });
      };

      test(`${kind}, without citizen:protected:read: on every road a protected person answers exactly like nobody, in their own municipality and any other, and is recorded as withheld`, async () => {
        for (const municipality of [HOME, ELSEWHERE]) {
          const headers = await headersFor(municipality, false);
          for (const [road, query, hidden, absent] of ROADS) {
            const a = await raw(query, hidden, headers);
            const b = await raw(query, absent, headers);
            assert.equal(a.body, b.body, `${road}, bound to ${municipality === HOME ? 'their own municipality' : 'another'}: like nobody`);
            assert.equal(a.parsed.errors, undefined);
            assert.ok(!a.body.includes(HIDDEN.PERSONID));
            assert.ok((await eventOf(a.requestId)).subjectsWithheld.includes(HIDDEN.PERSONID), `${road}: recorded as withheld`);
          }
          // Relations never lead to them, and the listing leaves them out.
          const relations = await raw('query R($p: String!) { citizen(personalNumber: $p) { personalNumber relations { type citizen { personalNumber } } } }', { p: RELATIVE.PERSONID }, headers);
          assert.equal(relations.parsed.errors, undefined);
          assert.ok(!relations.body.includes(HIDDEN_RELATIVE), 'no relation leads to the protected person');
          assert.ok(!(await listAll(HOME, 100, headers)).numbers.includes(HIDDEN.PERSONID), 'not in the listing');
        }
      });

      test(`${kind}, with citizen:protected:read: its own protected residents are served, another municipality's are not`, async () => {
        const home = await headersFor(HOME, true);
        const [road, query, hidden] = ROADS[0];
        const served = await raw(query, hidden, home);
        assert.equal(served.parsed.errors, undefined);
        assert.equal(served.parsed.data.citizen.personalNumber, HIDDEN.PERSONID, road);
        assert.equal(served.parsed.data.citizen.municipalityCode, HOME);
        const relations = await raw('query R($p: String!) { citizen(personalNumber: $p) { relations { citizen { personalNumber } } } }', { p: RELATIVE.PERSONID }, home);
        assert.ok(relations.parsed.data.citizen.relations.some((r: any) => r.citizen?.personalNumber === HIDDEN_RELATIVE), 'the relation is there with the scope');
        const other = await raw(query, hidden, await headersFor(ELSEWHERE, true));
        assert.equal(other.parsed.data.citizen, null, 'outside its municipality, still nobody');
      });
    }
  });

  describe('3. values that derive from the address', () => {
    const CASE = 'query C($id: ID!) { case(id: $id) { id office officer citizen { personalNumber } } }';
    const withoutScope = () => staff({ org: 'AF', scope: 'citizen:read case:read', purposes: ['employment-support'] }).then((h) => ({ ...h, 'x-purpose': 'employment-support' }));

    test('a protected person\'s case: office and officer are silently null without the scope, on case(id) and Citizen.cases, and real with it', async () => {
      const headers = await withoutScope();
      const byId = await raw(CASE, { id: HIDDEN_CASE }, headers);
      assert.equal(byId.parsed.errors, undefined, 'masking is silent');
      assert.deepEqual(byId.parsed.data.case, { id: HIDDEN_CASE, office: null, officer: null, citizen: { personalNumber: HIDDEN.PERSONID } });
      const event = await eventOf(byId.requestId);
      assert.deepEqual(event.fieldsMasked, ['Case.office', 'Case.officer']);
      assert.equal(event.outcome, 'OK', 'masking is policy, not a denial');

      const viaCitizen = await raw('query P($p: String!) { citizen(personalNumber: $p) { cases { id office officer } } }', { p: HIDDEN.PERSONID }, headers);
      assert.equal(viaCitizen.parsed.errors, undefined);
      assert.ok(viaCitizen.parsed.data.citizen.cases.length > 0);
      assert.ok(viaCitizen.parsed.data.citizen.cases.every((c: any) => c.office === null && c.officer === null));
      const row = casesOf(HIDDEN.PERSONID)[0]!;
      assert.ok(!viaCitizen.body.includes(row.KONTOR_KOD!), 'the office code never appears');

      const full = await raw(CASE, { id: HIDDEN_CASE }, {});
      assert.equal(full.parsed.data.case.office, row.KONTOR_KOD, 'with the scope (the default principal) the office is there');
      assert.equal(full.parsed.data.case.officer, row.HANDLAGGARE);
    });

    test('a case of a person the register does not know is masked too; an ordinary person\'s case is not', async () => {
      const headers = await withoutScope();
      const unknown = await raw(CASE, { id: CASE_OF_NOBODY.ARENDE_ID }, headers);
      assert.equal(unknown.parsed.errors, undefined);
      assert.deepEqual([unknown.parsed.data.case.id, unknown.parsed.data.case.office, unknown.parsed.data.case.officer], [CASE_OF_NOBODY.ARENDE_ID, null, null]);
      const ordinary = casesOf(ORDINARY_WITH_CASES[0]!.PERSONID)[0]!;
      const plain = await raw(CASE, { id: ordinary.ARENDE_ID }, headers);
      assert.equal(plain.parsed.data.case.office, ordinary.KONTOR_KOD);
      assert.equal(plain.parsed.data.case.officer, ordinary.HANDLAGGARE);
    });

    test('the persons of many cases are read for the mask in one batched statement (no N+1)', async () => {
      const headers = await withoutScope();
      const ids = ORDINARY_WITH_CASES.map((p) => casesOf(p.PERSONID)[0]!.ARENDE_ID);
      const query = `query Many { ${ids.map((id, i) => `c${i}: case(id: "${id}") { office }`).join(' ')} }`;
      const { result, statements } = await recordStatements(server.sources, () => raw(query, {}, headers));
      assert.equal(result.parsed.errors, undefined);
      assert.deepEqual(ids.map((_, i) => result.parsed.data[`c${i}`].office), ORDINARY_WITH_CASES.map((p) => casesOf(p.PERSONID)[0]!.KONTOR_KOD));
      assert.equal(statements.filter((s) => tableOf(s.sql) === 'FB_PERSON').length, 1, statements.map((s) => s.sql).join('\n'));
    });
  });
});

describe('protected identities: a relative the register cannot be asked about (MariaDB)', () => {
  let failing: SeededSources;
  let failingServer: TestServer;

  before(async () => {
    failing = await seededSources('mariadb', DATA_SET);
    // FB_PERSON becomes a view whose row of the protected relative cannot be read (a signal, as a failing
    // statement): the relative's protection cannot be looked up, while everyone else reads as before.
    const register = openDatabase(failing.urls.populationRegister);
    try {
      const columns = (await register('information_schema.COLUMNS').select('COLUMN_NAME').where({ TABLE_SCHEMA: register.raw('DATABASE()'), TABLE_NAME: 'FB_PERSON' }).orderBy('ORDINAL_POSITION') as { COLUMN_NAME: string }[])
        .map((c) => c.COLUMN_NAME);
      await register.raw('RENAME TABLE FB_PERSON TO FB_PERSON_ROWS');
      await register.raw("CREATE FUNCTION unreadable_row() RETURNS INT NOT DETERMINISTIC BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'unreadable row'; RETURN 0; END");
      const select = columns.map((c) => (c === 'SEKRETESS' ? `IF(PERSONID = ?, IF(unreadable_row() = 0, SEKRETESS, SEKRETESS), SEKRETESS) AS SEKRETESS` : `\`${c}\``)).join(', ');
      await register.raw(`CREATE ALGORITHM=MERGE VIEW FB_PERSON AS SELECT ${select.replace('?', `'${HIDDEN_RELATIVE}'`)} FROM FB_PERSON_ROWS`);
    } finally {
      await register.destroy();
    }
    failingServer = await startTestServer(failing.urls);
  });

  after(async () => {
    await failingServer?.close();
    await failing?.drop();
  });

  test('without citizen:protected:read the relations fail as the register did, never showing the relation to a person who may be protected', async () => {
    const { staff: issuer } = await testIssuers();
    const token = await issuer.mint({ sub: 'officer-p', org: 'SKV', scope: 'citizen:read citizen:relations:read', purposes: [PURPOSE] });
    const response = await failingServer.query('query R($p: String!) { citizen(personalNumber: $p) { personalNumber relations { type } } }',
      { p: RELATIVE.PERSONID }, { authorization: `Bearer ${token}`, 'x-purpose': PURPOSE });
    assert.equal(response.status, 200, JSON.stringify(response));
    assert.equal(response.data?.citizen?.personalNumber, RELATIVE.PERSONID, 'the person themself is read');
    assert.equal(response.data?.citizen?.relations, null, JSON.stringify(response));
    assert.deepEqual(response.errors?.map((e) => [e.extensions?.code, e.path?.join('.')]), [['SOURCE_UNAVAILABLE', 'citizen.relations']]);
  });
});
