/**
 * Compiled execution (graphql-jit, src/compiled-execution.ts) serves, denies, masks, withholds and logs exactly
 * as graphql-js's interpreter does. Two servers on the same databases — samgraf as it runs (compiled) and one
 * started with `interpreted: true` — get the same requests from every kind of principal: the whole of a
 * person's data on ordinary, protected, out-of-sight and non-existent people, batches with fragments, aliases,
 * `__typename` and directives, pages with cursors, records by id, bad variables, unresolvable operations, and
 * the access log read back by an auditor and by a citizen. The HTTP status, the response body and the request's
 * access-log event (all but its position in its chain and its time) must be the same.
 * The people are chosen from the generated legacy rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { superuserHeaders, testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 1000, seed: 'policies-0' } as const;
const HOME = '0180';

type Person = LegacyData['FB_PERSON'][number];
const DATA = generateLegacyData(DATA_SET);
const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
const decisionsOf = (pnr: string) => DATA.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
const casesOf = (pnr: string) => DATA.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
const relationsOf = (pnr: string) => DATA.FB_RELATION.filter((r) => r.PERSONID === pnr);
const tenDigitsUnique = (pnr: string): boolean => DATA.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;
const usable = (p: Person): boolean => isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID) && decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0;

function pick(what: string, predicate: (p: Person) => boolean): Person {
  const found = DATA.FB_PERSON.find(predicate);
  if (found === undefined) throw new Error(`the data set ${JSON.stringify(DATA_SET)} has no ${what}: choose another seed`);
  return found;
}

const RESIDENT = pick('ordinary resident with decisions, cases and relations', (p) => usable(p) && !isProtected(p) && p.KOMMUNKOD === HOME && relationsOf(p.PERSONID).length > 0);
const PROTECTED = pick('protected resident with decisions and cases', (p) => usable(p) && isProtected(p) && p.KOMMUNKOD === HOME);
const ELSEWHERE = pick('ordinary person elsewhere with decisions and cases', (p) => usable(p) && !isProtected(p) && p.KOMMUNKOD !== HOME);
const NOBODY = '197707070007';
const PEOPLE = [RESIDENT.PERSONID, PROTECTED.PERSONID, ELSEWHERE.PERSONID, NOBODY];

const CITIZEN_FIELDS = `
  __typename personalNumber identityType givenNames preferredName middleName familyName birthDate sex protectedIdentity
  address { street postalCode city } municipalityCode countyCode registeredOn registrationStatus deregisteredOn
  relations { type citizen { personalNumber familyName protectedIdentity municipalityCode } }
  benefits { id type status amount { amount currency minorUnits } periodicity validFrom validTo decidedOn officerId payments { id paidOn amount { amount } } citizen { familyName } }
  cases { id agency type status jobSeekerCategory programme office officer openedAt closedAt notes actionPlan { step activity status updatedAt } citizen { personalNumber } }
  incomes { id period employer { name organizationNumber soleTrader } grossPay { amount } taxDeducted { amount } benefitsInKind { amount } submittedAt versions citizen { personalNumber } }`;

interface Step {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

const DATA_STEPS: Step[] = [
  ...PEOPLE.map((pnr, i) => ({ label: `everything of person ${i}`, query: `query Profile($p: String!) { citizen(personalNumber: $p) { ${CITIZEN_FIELDS} } }`, variables: { p: pnr } })),
  {
    label: 'a batch with fragments, aliases, __typename and directives',
    query: `query Batch($ps: [String!]!, $withCases: Boolean!, $skipName: Boolean!) {
      __typename
      people: citizens(personalNumbers: $ps) { __typename ...Who benefits(status: [GRANTED, ENDED]) { id status } cases @include(if: $withCases) { id office } }
      again: citizens(personalNumbers: $ps) { ... on Citizen { id: personalNumber } }
    }
    fragment Who on Citizen { personalNumber familyName @skip(if: $skipName) municipalityCode }`,
    variables: { ps: PEOPLE, withCases: true, skipName: false },
  },
  {
    label: 'the same batch with the directives the other way',
    query: `query Batch($ps: [String!]!, $withCases: Boolean!, $skipName: Boolean!) {
      people: citizens(personalNumbers: $ps) { ...Who cases @include(if: $withCases) { id } }
    }
    fragment Who on Citizen { personalNumber familyName @skip(if: $skipName) }`,
    variables: { ps: PEOPLE, withCases: false, skipName: true },
  },
  { label: 'a municipality page', query: `query Page($code: String!) { citizensByMunicipality(code: $code, first: 7) { edges { cursor node { personalNumber familyName protectedIdentity } } pageInfo { hasNextPage endCursor } } }`, variables: { code: HOME } },
  { label: 'another municipality', query: `query Page($code: String!) { citizensByMunicipality(code: $code, first: 3) { edges { cursor } pageInfo { hasNextPage } } }`, variables: { code: ELSEWHERE.KOMMUNKOD } },
  ...[RESIDENT, PROTECTED, ELSEWHERE].map((p, i) => ({
    label: `records by id of person ${i}`,
    query: `query Records($b: ID!, $c: ID!) { benefit(id: $b) { id amount { amount } citizen { personalNumber municipalityCode } } case(id: $c) { id office officer notes citizen { familyName } } }`,
    variables: { b: String(decisionsOf(p.PERSONID)[0]!.BESLUT_ID), c: casesOf(p.PERSONID)[0]!.ARENDE_ID },
  })),
  { label: 'records nobody has', query: `{ benefit(id: "987654321") { id } case(id: "AF-2099-999999") { id } }` },
  { label: 'me', query: '{ me { type subject organization scopes purposes municipality apiKeyId issuer } }' },
  { label: 'a personal number of the wrong type', query: 'query P($p: String!) { citizen(personalNumber: $p) { familyName } }', variables: { p: 198501012382 } },
  { label: 'a malformed personal number', query: 'query P($p: String!) { citizen(personalNumber: $p) { familyName } }', variables: { p: '19850101-238' } },
  { label: 'a bad enum in a variable', query: 'query P($p: String!, $s: [BenefitStatus!]) { citizen(personalNumber: $p) { benefits(status: $s) { id } } }', variables: { p: RESIDENT.PERSONID, s: ['GRANTD'] } },
  { label: 'several operations and no name', query: 'query A { me { type } } query B { me { subject } }' },
  { label: 'an unknown operation name', query: 'query A { me { type } }', operationName: 'Nope' },
  { label: 'the second of two operations', query: `query A { me { type } } query B($p: String! = "${RESIDENT.PERSONID}") { citizen(personalNumber: $p) { familyName } }`, operationName: 'B' },
];

let seeded: SeededSources;
let compiled: TestServer;
let interpreted: TestServer;
let requests = 0;

/** The event without its place in its chain, its time and its request id: what the request did. */
async function eventOf(server: TestServer, requestId: string) {
  const rows = await server.store('audit_events').where('request_id', requestId) as EventRow[];
  if (rows.length === 0) return null;
  assert.equal(rows.length, 1, `one event for ${requestId}`);
  const { writer: _writer, seq: _seq, hash: _hash, prevHash: _prev, occurredAt: _at, requestId: _rid, ...what } = fromRow(rows[0]!);
  return what;
}

async function send(server: TestServer, step: Step, headers: Record<string, string>) {
  const requestId = `compiled-${++requests}`;
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ query: step.query, variables: step.variables, ...(step.operationName ? { operationName: step.operationName } : {}) }),
  });
  const body = await response.json() as { errors?: unknown[] } & Record<string, unknown>;
  // Errors are listed as fields finish, which the machine's load decides, for either executor alike.
  if (body.errors) body.errors = body.errors.map((error) => JSON.stringify(error)).sort().map((text) => JSON.parse(text));
  return { status: response.status, body, event: await eventOf(server, requestId) };
}

/** Runs each step on both servers, interpreted first, and reports every difference at once. */
async function compare(persona: string, headers: Record<string, string>, steps: readonly Step[]) {
  const differences: string[] = [];
  let served = 0;
  for (const step of steps) {
    const reference = await send(interpreted, step, headers);
    const candidate = await send(compiled, step, headers);
    for (const part of ['status', 'body', 'event'] as const) {
      try {
        assert.deepStrictEqual(candidate[part], reference[part]);
      } catch (error) {
        differences.push(`${persona}, ${step.label}, ${part}: ${(error as Error).message}`);
      }
    }
    if (reference.status === 200 && (reference.body.data ?? null) !== null) served += 1;
  }
  assert.deepEqual(differences, []);
  return served;
}

describe('compiled execution serves, denies, masks and logs as graphql-js does (MariaDB, income register on PostgreSQL)', () => {
  const personas: Record<string, Record<string, string>> = {};

  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    interpreted = await startTestServer(seeded.urls, {}, { interpreted: true });
    compiled = await startTestServer(seeded.urls);
    const { staff, citizen } = await testIssuers();
    const bearer = async (claims: Record<string, unknown>) => `Bearer ${await staff.mint({ sub: `officer-${++requests}`, ...claims })}`;
    const key = await new ApiKeyStore(compiled.store, ['social-services']).create({
      organization: HOME, name: 'social services', purposes: ['social-services'], municipality: HOME, expiresAt: null,
      scopes: ['citizen:read', 'citizen:address:read', 'citizen:relations:read', 'benefit:read', 'benefit:amount:read', 'case:read', 'income:read'],
    });
    personas['all scopes (AF)'] = await superuserHeaders();
    personas['FK caseworker'] = { authorization: await bearer({ org: 'FK', scope: 'citizen:read citizen:address:read benefit:read benefit:amount:read income:read' }), 'x-purpose': 'benefit-assessment' };
    personas['AF officer without protected data'] = { authorization: await bearer({ org: 'AF', scope: 'citizen:read citizen:address:read citizen:relations:read case:read case:notes:read' }), 'x-purpose': 'employment-support' };
    personas['municipality API key'] = { 'x-api-key': key.key, 'x-purpose': 'social-services' };
    personas['municipality-bound token'] = { authorization: await bearer({ org: HOME, municipality: HOME, scope: 'citizen:read citizen:relations:read case:read income:read' }), 'x-purpose': 'social-services' };
    personas.citizen = { authorization: `Bearer ${await citizen.mint({ sub: RESIDENT.PERSONID })}` };
    personas.auditor = { authorization: await bearer({ org: 'IMY', scope: 'audit:read' }), 'x-purpose': 'audit' };
  });

  after(async () => {
    await compiled?.close();
    await interpreted?.close();
    await seeded?.drop();
  });

  test('every persona, every road to a person: the same status, body and access-log event', async () => {
    let served = 0;
    for (const [persona, headers] of Object.entries(personas)) served += await compare(persona, headers, DATA_STEPS);
    assert.ok(served > 20, `the steps reached data (${served} answers with data)`);
  });

  test('the access log read back: by a citizen, and by an auditor up to a fixed time', async () => {
    await compare('citizen', personas.citizen!, [{ label: 'my access log', query: '{ myAccessLog(first: 100) { edges { cursor node { occurredAt organization purpose dataCategories } } pageInfo { hasNextPage endCursor } } }' }]);
    const to = new Date().toISOString();
    const events = '{ cursor node { id writer seq occurredAt requestId principal { type subject organization apiKeyId } purpose operationName documentHash documentText subjects subjectsWithheld subjectsRequested fieldsRead fieldsDenied fieldsMasked outcome sourceErrors hash prevHash } }';
    const query = `query Log($f: AuditEventFilter) { auditEvents(filter: $f, first: 100) { edges ${events} pageInfo { hasNextPage endCursor } } }`;
    const steps = [RESIDENT.PERSONID, PROTECTED.PERSONID, ELSEWHERE.PERSONID].map((subject, i) => ({ label: `events about person ${i}`, query, variables: { f: { subject, to } } }));
    assert.ok(await compare('auditor', personas.auditor!, steps) === steps.length);
  });
});
