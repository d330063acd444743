/**
 * Existence oracles (issue 12, item 2), on MariaDB: an answer that says whether a person exists is a read of
 * that person. A non-null Citizen, Benefit or Case in the answer names its person in the event's `subjects`
 * (category IDENTITY, BENEFITS, CASES) whatever was selected of it — only `__typename`, or only fields the
 * caller may not read — on every field that returns such objects; and the outcome follows the README's rules
 * (data was returned, so OK, or PARTIAL beside a denial). The people are chosen from the generated legacy rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 300, seed: 'oracles-0' } as const;

type Person = LegacyData['FB_PERSON'][number];
const DATA = generateLegacyData(DATA_SET);
const PERSONS = new Map(DATA.FB_PERSON.map((p) => [p.PERSONID, p]));
const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
const decisionsOf = (pnr: string) => DATA.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
const casesOf = (pnr: string) => DATA.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
const tenDigitsUnique = (pnr: string): boolean => DATA.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;
const ordinary = (p: Person): boolean => !isProtected(p) && isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID);

function pick<T>(what: string, items: readonly T[], predicate: (item: T) => boolean): T {
  const found = items.find(predicate);
  if (found === undefined) throw new Error(`the data set ${JSON.stringify(DATA_SET)} has no ${what}: choose another seed`);
  return found;
}

const WITH_CASE = DATA.FB_PERSON.filter((p) => ordinary(p) && casesOf(p.PERSONID).length > 0).slice(0, 2);
const [A, B] = WITH_CASE.map((p) => p.PERSONID) as [string, string];
const CASE_OF_A = casesOf(A)[0]!.ARENDE_ID;
const WITH_DECISION = pick('ordinary person with a decision', DATA.FB_PERSON, (p) => ordinary(p) && decisionsOf(p.PERSONID).length > 0).PERSONID;
const DECISION = String(decisionsOf(WITH_DECISION)[0]!.BESLUT_ID);
/** An ordinary person whose relatives are all registered and unprotected. */
const WITH_RELATIVES = pick('ordinary person with unprotected relatives', DATA.FB_PERSON, (p) => {
  const relations = DATA.FB_RELATION.filter((r) => r.PERSONID === p.PERSONID);
  return ordinary(p) && relations.length > 0 && relations.every((r) => PERSONS.has(r.RELID) && ordinary(PERSONS.get(r.RELID)!));
}).PERSONID;
const RELATIVES = DATA.FB_RELATION.filter((r) => r.PERSONID === WITH_RELATIVES).map((r) => r.RELID);
const NOBODY = (() => {
  for (let serial = 10; serial < 10_000; serial++) {
    const pnr = `19770707${String(serial).padStart(4, '0')}`;
    if (isValidPersonalNumber(pnr) && !DATA.FB_PERSON.some((p) => p.PERSONID.slice(2) === pnr.slice(2))) return pnr;
  }
  throw new Error('no free personal number');
})();

let seeded: SeededSources;
let server: TestServer;
let requests = 0;

/** Runs `query` as a staff officer with exactly `scope`, and returns the answer and its access-log event. */
async function asStaff(org: string, scope: string, purpose: string, query: string, variables: Record<string, unknown> = {}) {
  const { staff } = await testIssuers();
  const requestId = `oracle-${++requests}`;
  const token = await staff.mint({ sub: 'officer-o', org, scope, purposes: [purpose] });
  const response: GraphQLResponse<any> = await server.query(query, variables, { authorization: `Bearer ${token}`, 'x-purpose': purpose, 'x-request-id': requestId });
  assert.equal(response.status, 200, JSON.stringify(response));
  const rows = await server.store('audit_events').where('request_id', requestId) as EventRow[];
  assert.equal(rows.length, 1, `one event for ${requestId}`);
  return { response, event: fromRow(rows[0]!) };
}

const sortedKeys = (categories: Record<string, string[]>) => Object.fromEntries(Object.entries(categories).sort(([a], [b]) => a.localeCompare(b)));

describe('existence oracles (MariaDB)', () => {
  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    server = await startTestServer(seeded.urls);
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  test('the chosen people are what the tests need', () => {
    assert.ok(A !== undefined && B !== undefined && A !== B && RELATIVES.length > 0);
  });

  test('citizens([...]) { __typename } with only case:read names the people it shows to exist (IDENTITY), outcome OK', async () => {
    const { response, event } = await asStaff('AF', 'case:read', 'employment-support',
      'query Who($p: [String!]!) { citizens(personalNumbers: $p) { __typename } }', { p: [A, NOBODY, B] });
    assert.equal(response.errors, undefined);
    assert.deepEqual(response.data.citizens, [{ __typename: 'Citizen' }, null, { __typename: 'Citizen' }], 'the answer tells who is registered');
    assert.deepEqual(event.subjects, [A, B].sort());
    assert.deepEqual(event.subjectCategories, sortedKeys({ [A]: ['IDENTITY'], [B]: ['IDENTITY'] }));
    assert.equal(event.outcome, 'OK', 'everything asked for was served');
  });

  test('a Citizen whose every selected field is denied still names its person; the outcome is PARTIAL', async () => {
    const { response, event } = await asStaff('AF', 'case:read', 'employment-support',
      'query Who($p: String!) { citizen(personalNumber: $p) { personalNumber familyName } }', { p: A });
    assert.deepEqual(response.data.citizen, { personalNumber: null, familyName: null });
    assert.deepEqual(response.errors?.map((e) => e.extensions?.code), ['UNAUTHORIZED_FIELD_OR_TYPE', 'UNAUTHORIZED_FIELD_OR_TYPE']);
    assert.deepEqual(event.subjects, [A]);
    assert.deepEqual(event.subjectCategories, { [A]: ['IDENTITY'] });
    assert.deepEqual(event.fieldsDenied, ['Citizen.familyName', 'Citizen.personalNumber']);
    assert.equal(event.outcome, 'PARTIAL', 'something was returned (that the person exists) and something denied');
  });

  test('every field that returns a Case, Benefit or Citizen names its person in the object\'s category', async () => {
    const caseById = await asStaff('AF', 'case:read', 'employment-support', 'query C($id: ID!) { case(id: $id) { __typename } }', { id: CASE_OF_A });
    assert.deepEqual(caseById.response.data, { case: { __typename: 'Case' } });
    assert.deepEqual(caseById.event.subjectCategories, { [A]: ['CASES'] });

    const casesOfCitizen = await asStaff('AF', 'case:read', 'employment-support', 'query C($p: String!) { citizen(personalNumber: $p) { cases { __typename } } }', { p: A });
    assert.ok(casesOfCitizen.response.data.citizen.cases.length > 0);
    assert.deepEqual(casesOfCitizen.event.subjectCategories, { [A]: ['CASES', 'IDENTITY'] });

    const citizenOfCase = await asStaff('AF', 'case:read', 'employment-support', 'query C($id: ID!) { case(id: $id) { citizen { __typename } } }', { id: CASE_OF_A });
    assert.deepEqual(citizenOfCase.response.data, { case: { citizen: { __typename: 'Citizen' } } });
    assert.deepEqual(citizenOfCase.event.subjectCategories, { [A]: ['CASES', 'IDENTITY'] });

    const benefitById = await asStaff('FK', 'benefit:read', 'benefit-assessment', 'query B($id: ID!) { benefit(id: $id) { __typename citizen { __typename } } }', { id: DECISION });
    assert.deepEqual(benefitById.response.data, { benefit: { __typename: 'Benefit', citizen: { __typename: 'Citizen' } } });
    assert.deepEqual(benefitById.event.subjectCategories, { [WITH_DECISION]: ['BENEFITS', 'IDENTITY'] });

    const benefitsOfCitizen = await asStaff('FK', 'benefit:read', 'benefit-assessment', 'query B($p: String!) { citizen(personalNumber: $p) { benefits { __typename } } }', { p: WITH_DECISION });
    assert.ok(benefitsOfCitizen.response.data.citizen.benefits.length > 0);
    assert.deepEqual(benefitsOfCitizen.event.subjectCategories, { [WITH_DECISION]: ['BENEFITS', 'IDENTITY'] });

    const relatives = await asStaff('SKV', 'citizen:relations:read case:read', 'social-services',
      'query R($p: String!) { citizen(personalNumber: $p) { relations { citizen { __typename } } } }', { p: WITH_RELATIVES });
    assert.equal(relatives.response.errors, undefined);
    assert.equal(relatives.response.data.citizen.relations.length, RELATIVES.length);
    assert.deepEqual(relatives.event.subjects, [WITH_RELATIVES, ...RELATIVES].sort());
    assert.deepEqual(relatives.event.subjectCategories,
      sortedKeys({ [WITH_RELATIVES]: ['IDENTITY', 'RELATIONS'], ...Object.fromEntries(RELATIVES.map((r) => [r, ['IDENTITY']])) }));
    assert.equal(relatives.event.outcome, 'OK');

    const code = PERSONS.get(A)!.KOMMUNKOD;
    const LISTING = 'query L($c: String!) { citizensByMunicipality(code: $c, first: 3) { edges { node { __typename } } } }';
    const listing = await asStaff('SKV', 'citizen:read', 'social-services', LISTING, { c: code });
    const numbers = await asStaff('SKV', 'citizen:read', 'social-services', LISTING.replace('__typename', 'personalNumber'), { c: code });
    const listed = (numbers.response.data.citizensByMunicipality.edges as { node: { personalNumber: string } }[]).map((e) => e.node.personalNumber);
    assert.equal(listed.length, 3);
    assert.deepEqual(listing.event.subjects, [...listed].sort());
    assert.deepEqual(listing.event.subjectCategories, sortedKeys(Object.fromEntries(listed.map((pnr) => [pnr, ['IDENTITY']]))));
  });

  test('citizensByMunicipality edges without their node (only cursor or __typename) name the people they list', async () => {
    const code = PERSONS.get(A)!.KOMMUNKOD;
    const numbers = await asStaff('SKV', 'citizen:read', 'social-services',
      'query L($c: String!) { citizensByMunicipality(code: $c, first: 3) { edges { node { personalNumber } } } }', { c: code });
    const listed = (numbers.response.data.citizensByMunicipality.edges as { node: { personalNumber: string } }[]).map((e) => e.node.personalNumber);
    assert.equal(listed.length, 3);
    for (const selection of ['cursor', '__typename']) {
      const { response, event } = await asStaff('SKV', 'citizen:read', 'social-services',
        `query L($c: String!) { citizensByMunicipality(code: $c, first: 3) { edges { ${selection} } } }`, { c: code });
      assert.equal(response.data.citizensByMunicipality.edges.length, 3, 'each edge says one more person is listed');
      assert.deepEqual(event.subjects, [...listed].sort(), `edges { ${selection} }`);
      assert.deepEqual(event.subjectCategories, sortedKeys(Object.fromEntries(listed.map((pnr) => [pnr, ['IDENTITY']]))));
    }
    const onlyPageInfo = await asStaff('SKV', 'citizen:read', 'social-services',
      'query L($c: String!) { citizensByMunicipality(code: $c, first: 3) { pageInfo { hasNextPage } } }', { c: code });
    assert.deepEqual(onlyPageInfo.event.subjects, [], 'no edge, nobody listed');
  });

  test('an answer that returns nobody names nobody', async () => {
    const { response, event } = await asStaff('AF', 'case:read', 'employment-support',
      'query Who($p: [String!]!) { citizens(personalNumbers: $p) { __typename } }', { p: [NOBODY] });
    assert.deepEqual(response.data.citizens, [null]);
    assert.deepEqual(event.subjects, []);
    assert.equal(event.outcome, 'OK');
  });
});
