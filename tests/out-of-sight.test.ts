/**
 * What a caller restricted to some persons could still learn about a record out of their sight, on the real
 * services (MariaDB, the income register on PostgreSQL). Out of sight must look exactly like absent:
 * 1. `benefit(id)` and `case(id)`: a non-resident's record gives the same answer and runs the same statements,
 *    source by source, as an id nobody has — and as a resident's record, so neither the count nor the time of
 *    the statements tells them apart.
 * 2. `extensions.dataQuality`: a finding about a row out of sight is not reported to them (a municipality-bound
 *    key, a citizen), since rows are mapped before anyone knows whose they are; an unbound officer gets it, and
 *    the operational log and metrics count it for everyone.
 * 3. `audit:read` is never held by a principal bound to a municipality — the access log names people of every
 *    municipality: `samgraf apikey create` refuses the combination, and a stored key or a token that has both
 *    gets the access log refused while the rest of what it holds is served.
 * The people are chosen from the generated legacy rows, never from samgraf's answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CommandInputError, createApiKey } from '../src/commands/apikey.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { recordStatements, startTestServer, tableOf, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 400, seed: 'out-of-sight-0' } as const;
const HOME = '0180';
const PURPOSE = 'social-services';
const PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];
const PARTNER_SCOPES = ['citizen:read', 'benefit:read', 'case:read', 'income:read'];

type Person = LegacyData['FB_PERSON'][number];
const DATA = generateLegacyData(DATA_SET);
const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
const decisionsOf = (pnr: string) => DATA.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
const casesOf = (pnr: string) => DATA.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
const tenDigitsUnique = (pnr: string): boolean => DATA.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;
const ordinary = (p: Person): boolean => !isProtected(p) && isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID) && p.AVREG_ORSAK === null;

function pick(what: string, predicate: (person: Person) => boolean): Person {
  const found = DATA.FB_PERSON.find(predicate);
  if (found === undefined) throw new Error(`the data set ${JSON.stringify(DATA_SET)} has no ${what}: choose another seed`);
  return found;
}

const withRecords = (p: Person) => ordinary(p) && decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0;
const VISITOR = pick('ordinary non-resident with a decision and a case', (p) => withRecords(p) && p.KOMMUNKOD !== HOME);
const RESIDENT = pick('ordinary resident with a decision and a case', (p) => withRecords(p) && p.KOMMUNKOD === HOME);
const MAX_DECISION = Math.max(...DATA.FK_BESLUT.map((b) => b.BESLUT_ID));
/** A copy of the visitor's decision under a benefit code FK never used: the row cannot be mapped. */
const UNMAPPABLE_DECISION = MAX_DECISION + 1;
const NO_DECISION = String(MAX_DECISION + 1000);
const NO_CASE = 'AF-2099-999999';

let seeded: SeededSources;
let server: TestServer;
let keys: { home: string; legacy: string };
let requests = 0;

async function raw(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<{ body: string; parsed: GraphQLResponse<any> }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': `out-of-sight-${++requests}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return { body, parsed: JSON.parse(body) };
}

/** The statements a request ran, as `source table` in the order they ran. */
async function statementsOf(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const { result, statements } = await recordStatements(server.sources, () => raw(query, variables, headers));
  return { ...result, statements: statements.map(({ source, sql }) => `${source} ${tableOf(sql)}`).sort() };
}

async function staff(claims: Record<string, unknown>, purpose = PURPOSE): Promise<Record<string, string>> {
  const { staff: issuer } = await testIssuers();
  return { authorization: `Bearer ${await issuer.mint({ sub: `officer-${++requests}`, ...claims })}`, 'x-purpose': purpose };
}

const homeKey = () => ({ 'x-api-key': keys.home, 'x-purpose': PURPOSE });

describe('out of sight looks exactly like absent (MariaDB, income register on PostgreSQL)', () => {
  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    const fk = openDatabase(seeded.urls.socialInsurance);
    try {
      const original = DATA.FK_BESLUT.find((b) => b.BESLUT_ID === decisionsOf(VISITOR.PERSONID)[0]!.BESLUT_ID)!;
      await fk('FK_BESLUT').insert({ ...original, BESLUT_ID: UNMAPPABLE_DECISION, FORMAN: 'ZZ' });
    } finally {
      await fk.destroy();
    }
    server = await startTestServer(seeded.urls);
    const store = new ApiKeyStore(server.store, PURPOSES);
    keys = {
      home: (await store.create({ organization: HOME, name: 'social services', scopes: PARTNER_SCOPES, purposes: [PURPOSE, 'audit'], municipality: HOME, expiresAt: null })).key,
      // Stored before audit:read was kept from municipalities (the store itself does not refuse it).
      legacy: (await store.create({ organization: HOME, name: 'old audit key', scopes: [...PARTNER_SCOPES, 'audit:read'], purposes: [PURPOSE, 'audit'], municipality: HOME, expiresAt: null })).key,
    };
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  test('benefit(id): a non-resident\'s decision runs the statements an unknown id runs, and a resident\'s, and answers as the unknown one', async () => {
    const query = 'query B($id: ID!) { benefit(id: $id) { id type } }';
    const visitor = await statementsOf(query, { id: String(decisionsOf(VISITOR.PERSONID)[0]!.BESLUT_ID) }, homeKey());
    const unknown = await statementsOf(query, { id: NO_DECISION }, homeKey());
    const resident = await statementsOf(query, { id: String(decisionsOf(RESIDENT.PERSONID)[0]!.BESLUT_ID) }, homeKey());
    assert.deepEqual(visitor.parsed, { data: { benefit: null } });
    assert.equal(visitor.body, unknown.body);
    assert.notEqual(resident.parsed.data.benefit, null, 'the resident\'s decision is served');
    assert.deepEqual(visitor.statements, unknown.statements);
    assert.deepEqual(resident.statements, unknown.statements);
    assert.ok(unknown.statements.some((s) => s.startsWith('populationRegister ')), JSON.stringify(unknown.statements));
  });

  test('case(id): the same for a non-resident\'s case', async () => {
    const query = 'query C($id: ID!) { case(id: $id) { id status } }';
    const visitor = await statementsOf(query, { id: casesOf(VISITOR.PERSONID)[0]!.ARENDE_ID }, homeKey());
    const unknown = await statementsOf(query, { id: NO_CASE }, homeKey());
    const resident = await statementsOf(query, { id: casesOf(RESIDENT.PERSONID)[0]!.ARENDE_ID }, homeKey());
    assert.deepEqual(visitor.parsed, { data: { case: null } });
    assert.equal(visitor.body, unknown.body);
    assert.notEqual(resident.parsed.data.case, null);
    assert.deepEqual(visitor.statements, unknown.statements);
    assert.deepEqual(resident.statements, unknown.statements);
  });

  test('a data-quality finding about a row out of sight is not reported to a municipality-bound key or a citizen; an unbound officer gets it', async () => {
    const query = 'query B($id: ID!) { benefit(id: $id) { id } }';
    const unbound = await raw(query, { id: String(UNMAPPABLE_DECISION) }, await staff({ org: 'FK', scope: 'benefit:read' }, 'benefit-assessment'));
    assert.deepEqual(unbound.parsed.data, { benefit: null });
    assert.deepEqual((unbound.parsed.extensions?.dataQuality as { table: string }[] | undefined)?.map((f) => f.table), ['FK_BESLUT'], unbound.body);

    const absent = await raw(query, { id: NO_DECISION }, homeKey());
    const hidden = await raw(query, { id: String(UNMAPPABLE_DECISION) }, homeKey());
    assert.equal(hidden.body, absent.body);

    const { citizen } = await testIssuers();
    const asCitizen = { authorization: `Bearer ${await citizen.mint({ sub: RESIDENT.PERSONID })}` };
    assert.equal((await raw(query, { id: String(UNMAPPABLE_DECISION) }, asCitizen)).body, (await raw(query, { id: NO_DECISION }, asCitizen)).body);
  });

  test('apikey create refuses audit:read with a municipality, and accepts it without', async () => {
    const store = new ApiKeyStore(server.store, PURPOSES);
    const input = { org: HOME, name: 'municipal auditor', scopes: 'citizen:read audit:read', purposes: 'audit' };
    await assert.rejects(createApiKey(store, { ...input, municipality: HOME }, PURPOSES), (error: unknown) => {
      assert.ok(error instanceof CommandInputError);
      assert.match(error.message, /audit:read covers people of every municipality: a key bound to --municipality cannot hold it/);
      return true;
    });
    const created = await createApiKey(store, input, PURPOSES);
    assert.ok(created.key.startsWith('sgk_'));
  });

  test('a stored key or a token bound to a municipality does not hold audit:read: the access log is refused, the rest served', async () => {
    const audit = 'query A { auditEvents(first: 5) { edges { node { id subjects } } } }';
    const read = 'query R($p: String!) { citizen(personalNumber: $p) { personalNumber } }';
    const bound = [
      { 'x-api-key': keys.legacy },
      (await staff({ org: HOME, municipality: HOME, scope: 'citizen:read audit:read' })).authorization,
    ].map((credential) => (typeof credential === 'string' ? { authorization: credential } : credential));
    for (const credential of bound) {
      const refused = await raw(audit, {}, { ...credential, 'x-purpose': 'audit' });
      assert.deepEqual(refused.parsed.errors?.map((e) => [e.extensions?.code, e.path]), [['UNAUTHORIZED_FIELD_OR_TYPE', ['auditEvents']]], refused.body);
      assert.ok(!refused.body.includes('"subjects"'), 'no event served');
      const served = await raw(read, { p: RESIDENT.PERSONID }, { ...credential, 'x-purpose': PURPOSE });
      assert.equal(served.parsed.errors, undefined, served.body);
      assert.equal(served.parsed.data.citizen.personalNumber, RESIDENT.PERSONID);
    }
    const unboundAuditor = await raw(audit, {}, await staff({ org: 'IMY', scope: 'audit:read' }, 'audit'));
    assert.equal(unboundAuditor.parsed.errors, undefined, unboundAuditor.body);
    assert.ok(unboundAuditor.parsed.data.auditEvents.edges.length > 0, 'the access log is there to be read');
  });
});
