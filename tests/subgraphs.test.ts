/**
 * Each subgraph called directly, without a gateway, on the real services (MariaDB, the income register on
 * PostgreSQL), each agency with its own store: it verifies credentials, purpose, field rules, rows and masking
 * itself, and logs what it served. A representation sent to `_entities` is only a key: whatever else it claims
 * is not believed. The people are chosen from the generated legacy rows, never from samgraf's answers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { INTERNAL_HEADER } from '../src/federation/internal-auth.js';
import { partNames } from '../src/federation/parts.js';
import type { Principal } from '../src/core/principal.js';
import { startFederation, type Federation } from './helpers/federation.js';
import { recordStatements, tableOf } from './helpers/samgraf.js';
import { runCli } from './helpers/cli.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { legacyPeople, type Person } from './helpers/people.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 300, seed: 'subgraphs-0' } as const;
const HOME = '0180';
const PURPOSE = 'social-services';

const DATA = generateLegacyData(DATA_SET);
const { isProtected, decisionsOf, casesOf, tenDigitsUnique, ordinary, pick } = legacyPeople(DATA, DATA_SET);

const withRecords = (p: Person) => decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0;
const RESIDENT = pick('ordinary resident with a decision and a case', (p) => ordinary(p) && withRecords(p) && p.KOMMUNKOD === HOME);
const VISITOR = pick('ordinary non-resident with a decision and a case', (p) => ordinary(p) && withRecords(p) && p.KOMMUNKOD !== HOME);
const HIDDEN = pick('protected person with a case', (p) => isProtected(p) && isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID) && casesOf(p.PERSONID).length > 0);
const VISITOR_CASE = casesOf(VISITOR.PERSONID)[0]!.ARENDE_ID as string;
const HIDDEN_CASE = casesOf(HIDDEN.PERSONID)[0]!.ARENDE_ID as string;

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Citizen { personalNumber benefits { id } cases { id office } } } }`;
/** A query of the person type's fields that `part` serves. */
const entitiesOf = (part: string) => `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Citizen { ${{
  populationRegister: 'givenNames', socialInsurance: 'benefits { id }', employmentService: 'cases { id }', incomeRegister: 'incomes { id }',
}[part]} } } }`;
const citizenRef = (personalNumber: string, extra: Record<string, unknown> = {}) => ({ __typename: 'Citizen', personalNumber, ...extra });

let seeded: SeededSources;
let stores: TestDatabases;
let federation: Federation;
let sent = 0;

async function staff(claims: Record<string, unknown>, purpose: string | undefined = PURPOSE): Promise<Record<string, string>> {
  const { staff: issuer } = await testIssuers();
  return { authorization: `Bearer ${await issuer.mint({ sub: `officer-${++sent}`, ...claims })}`, ...(purpose === undefined ? {} : { 'x-purpose': purpose }) };
}

async function citizenOf(person: Person): Promise<Record<string, string | undefined>> {
  const { citizen } = await testIssuers();
  return { authorization: `Bearer ${await citizen.mint({ sub: person.PERSONID })}`, 'x-purpose': 'self-service' };
}

describe('subgraphs called directly', { timeout: 300_000 }, () => {
  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    stores = await createTestDatabases(partNames().map((name) => `store_${name.toLowerCase()}`));
    federation = await startFederation({
      sources: seeded.urls,
      stores: Object.fromEntries(partNames().map((name) => [name, stores.urls[`store_${name.toLowerCase()}`]!])),
    });
  });
  after(async () => {
    await federation?.close();
    await Promise.all([seeded?.drop(), stores?.drop()]);
  });

  it('every part serves its subgraph SDL as it serves introspection, with Citizen keyed by personalNumber', async () => {
    for (const part of partNames()) {
      const { status, data } = await federation.query(part, '{ _service { sdl } }');
      assert.equal(status, 200, part);
      assert.match(data._service.sdl, part === 'samgraf' ? /auditEvents/ : /type Citizen\s+@key\(fields: "personalNumber"\)/, part);
      // Like introspection: only for a caller with schema:read (the introspection policy's default).
      const refused = await federation.query(part, '{ _service { sdl } }', {}, await staff({ org: 'FK', scope: 'benefit:read' }));
      assert.equal(refused.errors?.[0]?.extensions?.code, 'INTROSPECTION_NOT_ALLOWED', part);
      assert.equal(refused.data ?? null, null, part);
    }
  });

  it('without credentials a data query is refused with 401; without a purpose with PURPOSE_REQUIRED', async () => {
    for (const part of SOURCE_MODULES.map((module) => module.name)) {
      const anonymous = await federation.query(part, entitiesOf(part), { representations: [citizenRef(RESIDENT.PERSONID)] }, { authorization: undefined, 'x-purpose': undefined });
      assert.equal(anonymous.status, 401, part);
      assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', part);
      const purposeless = await federation.query(part, entitiesOf(part), { representations: [citizenRef(RESIDENT.PERSONID)] }, { 'x-purpose': undefined });
      assert.equal(purposeless.errors?.[0]?.extensions?.code, 'PURPOSE_REQUIRED', part);
      assert.equal(purposeless.data ?? null, null, part);
    }
  });

  it('a request signed as from the federation but not by its key, or by a part that is not the gateway, is refused', async () => {
    const forged = await federation.query('socialInsurance', ENTITIES, { representations: [citizenRef(RESIDENT.PERSONID)] }, { [INTERNAL_HEADER]: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' });
    assert.equal(forged.status, 401);
    assert.equal(forged.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // Signed properly, but by the income register's key: parts other than the gateway send no queries.
    const { InternalAuth } = await import('../src/federation/internal-auth.js');
    const income = await InternalAuth.create('incomeRegister', { signingKey: federation.keys.incomeRegister!.privateKey, trustedKeys: federation.trustedKeys });
    const headers = { 'content-type': 'application/json', 'x-request-id': 'from-a-part-1', ...(await staff({ org: 'FK', scope: 'benefit:read' })) } as Record<string, string>;
    const body = JSON.stringify({ query: ENTITIES, variables: { representations: [citizenRef(RESIDENT.PERSONID)] } });
    headers[INTERNAL_HEADER] = await income.signRequest('socialInsurance', { requestId: 'from-a-part-1', body, headers });
    const response = await fetch(federation.parts.socialInsurance!.url, { method: 'POST', headers, body });
    assert.equal(response.status, 401);
  });

  it('case notes only for AF staff, with case:notes:read', async () => {
    const query = 'query($id: ID!) { case(id: $id) { id notes } }';
    const af = await federation.query('employmentService', query, { id: VISITOR_CASE }, await staff({ org: 'AF', scope: 'case:read case:notes:read' }));
    assert.equal(af.errors, undefined);
    assert.equal(af.data.case.id, VISITOR_CASE);
    const fk = await federation.query('employmentService', query, { id: VISITOR_CASE }, await staff({ org: 'FK', scope: 'case:read case:notes:read' }));
    assert.equal(fk.data.case.id, VISITOR_CASE);
    assert.equal(fk.data.case.notes, null);
    assert.deepEqual(fk.errors?.map((error) => [error.extensions?.code, error.path?.join('.')]), [['UNAUTHORIZED_FIELD_OR_TYPE', 'case.notes']]);
  });

  it('a citizen reaches only themself, by any road', async () => {
    const self = await citizenOf(RESIDENT);
    const own = await federation.query('socialInsurance', ENTITIES.replace(' cases { id office }', ''), { representations: [citizenRef(RESIDENT.PERSONID)] }, self);
    assert.equal(own.errors, undefined, JSON.stringify(own.errors));
    assert.equal(own.data._entities[0].benefits.length, decisionsOf(RESIDENT.PERSONID).length);
    const other = await federation.query('socialInsurance', ENTITIES.replace(' cases { id office }', ''), { representations: [citizenRef(VISITOR.PERSONID)] }, self);
    assert.deepEqual(other.data, { _entities: [null] });
    const register = await federation.query('populationRegister', 'query($p: String!) { citizen(personalNumber: $p) { givenNames } }', { p: VISITOR.PERSONID }, self);
    assert.deepEqual(register.data, { citizen: null });
  });

  it('a municipality-bound partner reaches only its residents; what a representation claims is not believed', async () => {
    const partner = await staff({ org: HOME, scope: 'benefit:read case:read', municipality: HOME });
    const answer = await federation.query('socialInsurance', entitiesOf('socialInsurance'), {
      representations: [
        citizenRef(RESIDENT.PERSONID),
        // The visitor, dressed as a resident: the register says otherwise.
        citizenRef(VISITOR.PERSONID, { municipalityCode: HOME, protectedIdentity: 'NONE' }),
        citizenRef('not-a-number'),
      ],
    }, partner);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.equal(answer.data._entities[0].benefits.length, decisionsOf(RESIDENT.PERSONID).length);
    assert.deepEqual(answer.data._entities.slice(1), [null, null]);
    const foreignCase = await federation.query('employmentService', 'query($id: ID!) { case(id: $id) { id } }', { id: VISITOR_CASE }, partner);
    assert.deepEqual(foreignCase.data, { case: null });
  });

  it('a protected person\'s office is masked in the employment service, which asks the register who is protected', async () => {
    const officer = await staff({ org: 'AF', scope: 'case:read' });
    const answer = await federation.query('employmentService', 'query($id: ID!) { case(id: $id) { id office officer } }', { id: HIDDEN_CASE }, officer);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(answer.data.case, { id: HIDDEN_CASE, office: null, officer: null });
    const protectedReader = await federation.query('employmentService', 'query($id: ID!) { case(id: $id) { office } }', { id: HIDDEN_CASE }, await staff({ org: 'AF', scope: 'case:read citizen:protected:read' }));
    assert.notEqual(protectedReader.data.case.office, null);
  });

  it('a caller without citizen:read gets no personal number from a subgraph; the gateway gets the key it joins by', async () => {
    const reader = await staff({ org: 'FK', scope: 'benefit:read' });
    const direct = await federation.query('socialInsurance', ENTITIES.replace(' cases { id office }', ''), { representations: [citizenRef(VISITOR.PERSONID)] }, reader);
    assert.equal(direct.data._entities[0].personalNumber, null);
    assert.deepEqual(direct.errors?.map((error) => error.extensions?.code), ['UNAUTHORIZED_FIELD_OR_TYPE']);
    const joined = await federation.viaGateway('socialInsurance', ENTITIES.replace(' cases { id office }', ''), { representations: [citizenRef(VISITOR.PERSONID)] }, reader);
    assert.equal(joined.errors, undefined, JSON.stringify(joined.errors));
    assert.equal(joined.data._entities[0].personalNumber, VISITOR.PERSONID);
    assert.ok(joined.headers.get(INTERNAL_HEADER), 'the answer to the gateway is signed');
  });

  it('a partner\'s API key, checked by the gateway, is trusted by the subgraph with the gateway\'s signature', async () => {
    const partner: Principal = {
      type: 'API_KEY', subject: 'key-home', organization: HOME, scopes: new Set(['benefit:read']), purposes: [PURPOSE],
      municipality: HOME, apiKeyId: 'key-home', issuer: null, boundPurpose: null,
    };
    const headers = { authorization: undefined, 'x-purpose': PURPOSE };
    const answer = await federation.viaGateway('socialInsurance', 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { benefits { id } } } }', {
      r: [citizenRef(RESIDENT.PERSONID), citizenRef(VISITOR.PERSONID)],
    }, headers, partner);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.equal(answer.data._entities[0].benefits.length, decisionsOf(RESIDENT.PERSONID).length);
    assert.equal(answer.data._entities[1], null);
    // The same key sent straight to the subgraph means nothing there: the subgraph has no key table.
    const direct = await federation.query('socialInsurance', '{ __typename _entities(representations: []) { __typename } }', {}, { authorization: undefined, 'x-api-key': 'sgk_whatever' });
    assert.equal(direct.status, 401);
  });

  it('a hundred people at once: one batched statement per table in the subgraph, one lookup in the register', async () => {
    const people = DATA.FB_PERSON.filter(ordinary).slice(0, 100);
    assert.equal(people.length, 100);
    const requestId = `hundred-${Date.now()}`;
    const { result, statements } = await recordStatements(federation.parts.socialInsurance!.sources, () => federation.query('socialInsurance',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { benefits { id amount { amount } payments { id } } } } }',
      { r: people.map((person) => citizenRef(person.PERSONID)) }, { 'x-request-id': requestId }));
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(result.data._entities.filter((entity: unknown) => entity !== null).length, 100);
    // Decisions by person, then payments by decision: two statements, whatever the number of people.
    assert.deepEqual(statements.map(({ sql }) => tableOf(sql)).sort(), ['FK_BESLUT', 'FK_UTBETALNING']);
    const store = openDatabase(stores.urls.store_populationregister!);
    try {
      const lookups = await store('audit_events').where({ request_id: requestId }).count({ n: '*' });
      assert.equal(Number(lookups[0]!.n), 1);
    } finally {
      await store.destroy();
    }
  });

  it('each agency logs what it served, and the register logs what it told the asking part, under the caller\'s request id', async () => {
    const requestId = `logged-${Date.now()}`;
    const officer = await staff({ org: 'FK', scope: 'benefit:read' });
    const answer = await federation.query('socialInsurance', 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { benefits { id } } } }', { r: [citizenRef(VISITOR.PERSONID)] }, { ...officer, 'x-request-id': requestId });
    assert.equal(answer.errors, undefined);
    const eventsOf = async (part: string) => {
      const store = openDatabase(stores.urls[`store_${part.toLowerCase()}`]!);
      try {
        return (await store('audit_events').where({ request_id: requestId }).select('subjects', 'subjects_requested', 'operation_name')) as { subjects: string; subjects_requested: string; operation_name: string | null }[];
      } finally {
        await store.destroy();
      }
    };
    const [fk, skv] = await Promise.all([eventsOf('socialInsurance'), eventsOf('populationRegister')]);
    assert.equal(fk.length, 1);
    assert.equal(skv.length, 1);
    assert.ok(fk[0]!.subjects.includes(VISITOR.PERSONID));
    // Asked for by key: the attempt is on record whatever was served.
    assert.ok(fk[0]!.subjects_requested.includes(VISITOR.PERSONID));
    assert.equal(skv[0]!.operation_name, 'persons for socialInsurance');
    assert.ok(skv[0]!.subjects_requested.includes(VISITOR.PERSONID));
    assert.ok(!skv[0]!.subjects.includes(VISITOR.PERSONID), 'told to the asking part, not served to the caller');
  });

  it('samgraf compose reads each running subgraph\'s SDL as the gateway; a part answers only the gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samgraf-compose-running-'));
    try {
      const config = (signingKey: unknown) => JSON.stringify({
        store: { url: 'sqlite::memory:' },
        federation: {
          subgraphs: Object.fromEntries(Object.entries(federation.parts).map(([name, part]) => [name, { url: part.url }])),
          internalAuth: { signingKey, trustedKeys: federation.trustedKeys },
        },
      });
      writeFileSync(join(dir, 'gateway.json'), config(federation.keys.gateway!.privateKey));
      const composed = await runCli(['compose', '--config', join(dir, 'gateway.json'), '-o', join(dir, 'running.graphql')]);
      assert.equal(composed.status, 0, composed.stderr);
      const offline = await runCli(['compose', '--config', join(dir, 'gateway.json'), '--from', 'package', '-o', join(dir, 'package.graphql')]);
      assert.equal(offline.status, 0, offline.stderr);
      assert.equal(readFileSync(join(dir, 'running.graphql'), 'utf8'), readFileSync(join(dir, 'package.graphql'), 'utf8'));
      // Signed by a part that is not the gateway: every part refuses to hand out its SDL.
      writeFileSync(join(dir, 'impostor.json'), config(federation.keys.incomeRegister!.privateKey));
      const impostor = await runCli(['compose', '--config', join(dir, 'impostor.json')]);
      assert.equal(impostor.status, 1);
      assert.match(impostor.stderr, /federation\.internalAuth\.signingKey is not the key trustedKeys\.gateway names/);
      // And a part asked by another part, properly signed, refuses.
      const { InternalAuth } = await import('../src/federation/internal-auth.js');
      const income = await InternalAuth.create('incomeRegister', { signingKey: federation.keys.incomeRegister!.privateKey, trustedKeys: federation.trustedKeys });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': 'sdl-from-a-part' };
      headers[INTERNAL_HEADER] = await income.signRequest('socialInsurance', { requestId: 'sdl-from-a-part', body: '{}', headers });
      const refused = await fetch(new URL('/internal/sdl', federation.parts.socialInsurance!.url), { method: 'POST', headers, body: '{}' });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /only the gateway composes the supergraph/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the register answers another source\'s part only for a caller it can check itself, and tells it no municipality', async () => {
    const { InternalAuth, PRINCIPAL_HEADER } = await import('../src/federation/internal-auth.js');
    const as = (name: string) => InternalAuth.create(name, { signingKey: federation.keys[name]!.privateKey, trustedKeys: federation.trustedKeys });
    const lookup = async (from: string, extra: Record<string, string | undefined>, principal?: Principal) => {
      const requestId = `lookup-${++sent}`;
      const body = JSON.stringify({ personalNumbers: [RESIDENT.PERSONID, VISITOR.PERSONID, HIDDEN.PERSONID] });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
      for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value;
      if (principal) headers[PRINCIPAL_HEADER] = federation.gateway.signPrincipal(requestId, principal);
      headers[INTERNAL_HEADER] = await (await as(from)).signRequest('populationRegister', { requestId, body, headers, principal: principal ?? null });
      const response = await fetch(new URL('/internal/persons', federation.parts.populationRegister!.url), { method: 'POST', headers, body });
      return { status: response.status, text: await response.text() };
    };
    const partner: Principal = {
      type: 'API_KEY', subject: 'key-home', organization: HOME, scopes: new Set(['benefit:read']), purposes: [PURPOSE], municipality: HOME, apiKeyId: 'key-home', issuer: null, boundPurpose: null,
    };
    // A part's own word on the caller, a caller without credentials, a purpose the caller may not state: refused.
    const claimed = await lookup('incomeRegister', { 'x-purpose': PURPOSE });
    assert.equal(claimed.status, 400, claimed.text);
    const wrongPurpose = await lookup('incomeRegister', { ...(await staff({ org: 'SKV', scope: 'income:read', purposes: ['benefit-assessment'] })), 'x-purpose': 'social-services' });
    assert.equal(wrongPurpose.status, 400, wrongPurpose.text);
    // The gateway and samgraf's own part never look persons up.
    for (const part of ['gateway', 'samgraf']) assert.equal((await lookup(part, await staff({ org: 'FK', scope: 'benefit:read' }))).status, 400, part);
    // A real caller: verdicts for them, and no municipality anywhere in the answer.
    const officer = await lookup('socialInsurance', await staff({ org: 'FK', scope: 'benefit:read' }));
    assert.equal(officer.status, 200, officer.text);
    assert.doesNotMatch(officer.text, /municipality|\b\d{4}\b(?!\d)/i);
    assert.deepEqual(JSON.parse(officer.text).persons.map((p: { visible: boolean }) => p.visible), [true, true, true]);
    // A partner bound to a municipality, as the gateway vouches for them: only its resident is visible.
    const bound = await lookup('socialInsurance', { 'x-purpose': PURPOSE }, partner);
    assert.equal(bound.status, 200, bound.text);
    assert.deepEqual(JSON.parse(bound.text).persons.map((p: { visible: boolean }) => p.visible), [true, false, false]);
  });

  it('samgraf\'s own part reads an agency\'s log and follow-up only for a caller the agency checks itself, and only what that caller may', async () => {
    const { InternalAuth } = await import('../src/federation/internal-auth.js');
    const signer = async (name: string) => InternalAuth.create(name, { signingKey: federation.keys[name]!.privateKey, trustedKeys: federation.trustedKeys });
    const samgraf = await signer('samgraf');
    const ask = async (path: string, read: unknown, extra: Record<string, string | undefined>, principal?: Principal, as = samgraf) => {
      const requestId = `log-read-${++sent}`;
      const body = JSON.stringify(read);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
      for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value;
      headers[INTERNAL_HEADER] = await as.signRequest('socialInsurance', { requestId, body, headers, principal: principal ?? null });
      const response = await fetch(new URL(path, federation.parts.socialInsurance!.url), { method: 'POST', headers, body });
      return { status: response.status, text: await response.text() };
    };
    const invented: Principal = {
      type: 'STAFF', subject: 'nobody', organization: 'IMY', scopes: new Set(['audit:read', 'audit:review']), purposes: ['audit'], municipality: null, apiKeyId: null, issuer: null, boundPurpose: null,
    };
    const findings = { read: 'findings', filter: { fromMs: null, toMs: null, kind: null, organization: null, reviewed: null }, order: 'NEWEST', after: null, limit: 5 };
    const review = { read: 'review', id: `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}:1:OFF_HOURS`, verdict: 'JUSTIFIED', note: null };
    for (const [path, read] of [['/internal/access-log', { read: 'search', filter: {}, after: null, limit: 5 }], ['/internal/follow-up', findings]] as const) {
      const refused = await ask(path, read, { 'x-purpose': 'audit' }, invented);
      assert.equal(refused.status, 400, `${path}: ${refused.text}`);
      assert.doesNotMatch(refused.text, /\d{12}/);
      const withoutScope = await ask(path, read, await staff({ org: 'IMY', scope: 'citizen:read', purposes: ['audit'] }, 'audit'));
      assert.equal(withoutScope.status, 400, path);
      const bound = await ask(path, read, await staff({ org: 'IMY', scope: 'audit:read', purposes: ['audit'], municipality: '0180' }, 'audit'));
      assert.equal(bound.status, 400, `${path}: a principal bound to a municipality reads no log`);
      const otherPart = await ask(path, read, await staff({ org: 'IMY', scope: 'audit:read', purposes: ['audit'] }, 'audit'), undefined, await signer('employmentService'));
      assert.equal(otherPart.status, 400, `${path}: only samgraf's own part or the gateway asks`);
      const tooMany = await ask(path, { ...read, limit: 5000 }, await staff({ org: 'IMY', scope: 'audit:read', purposes: ['audit'] }, 'audit'));
      assert.equal(tooMany.status, 400, path);
      const auditor = await ask(path, read, await staff({ org: 'IMY', scope: 'audit:read', purposes: ['audit'] }, 'audit'));
      assert.equal(auditor.status, 200, auditor.text);
      assert.ok(Array.isArray(JSON.parse(auditor.text)));
    }
    // A review needs audit:review here too; a finding this agency does not hold is not its to review.
    const reader = await ask('/internal/follow-up', review, await staff({ org: 'IMY', scope: 'audit:read', purposes: ['audit'] }, 'audit'));
    assert.equal(reader.status, 400, reader.text);
    const reviewer = await ask('/internal/follow-up', review, await staff({ org: 'IMY', scope: 'audit:review', purposes: ['audit'] }, 'audit'));
    assert.equal(reviewer.status, 200, reviewer.text);
    assert.equal(JSON.parse(reviewer.text), null);
    const badVerdict = await ask('/internal/follow-up', { ...review, verdict: 'FINE' }, await staff({ org: 'IMY', scope: 'audit:review', purposes: ['audit'] }, 'audit'));
    assert.equal(badVerdict.status, 400);
  });

  it('_entities: at most 100 representations from a direct caller (the gateway\'s own are bounded at the gateway), each naming an entity type', async () => {
    const many = DATA.FB_PERSON.slice(0, 101).map((p) => citizenRef(p.PERSONID));
    const direct = await federation.query('populationRegister', entitiesOf('populationRegister'), { representations: many });
    assert.equal(direct.status, 400);
    assert.equal(direct.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(direct.data ?? null, null);
    const fromGateway = await federation.viaGateway('populationRegister', entitiesOf('populationRegister'), { representations: many });
    assert.equal(fromGateway.errors, undefined, JSON.stringify(fromGateway.errors?.slice(0, 2)));
    assert.equal(fromGateway.data._entities.length, 101);
    for (const bad of [[{ __typename: 'Nope', personalNumber: RESIDENT.PERSONID }], [{ personalNumber: RESIDENT.PERSONID }], ['str'], [42], [[RESIDENT.PERSONID]], [{ __typename: '__proto__' }], [{ __typename: 'Benefit', id: '1' }]]) {
      const answer = await federation.query('socialInsurance', entitiesOf('socialInsurance'), { representations: bad });
      assert.equal(answer.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad));
      assert.ok(answer.status === 400, JSON.stringify(bad));
    }
  });

  // Last: it stops the register's subgraph.
  it('with the register of persons down, what needs a person\'s facts fails closed and the rest is served', async () => {
    await federation.parts.populationRegister!.close();
    const partner = await staff({ org: HOME, scope: 'benefit:read', municipality: HOME });
    const rows = await federation.query('socialInsurance', entitiesOf('socialInsurance'), { representations: [citizenRef(RESIDENT.PERSONID)] }, partner);
    assert.equal(rows.status, 200);
    assert.deepEqual(rows.data, { _entities: [null] });
    assert.deepEqual(rows.errors?.map((error) => [error.extensions?.code, error.extensions?.source]), [['SOURCE_UNAVAILABLE', 'populationRegister']]);
    const officer = await staff({ org: 'AF', scope: 'case:read' });
    const masked = await federation.query('employmentService', 'query($id: ID!) { case(id: $id) { id office } }', { id: VISITOR_CASE }, officer);
    assert.equal(masked.data.case.id, VISITOR_CASE);
    assert.equal(masked.data.case.office, null);
    assert.deepEqual(masked.errors?.map((error) => [error.extensions?.code, error.path?.join('.')]), [['SOURCE_UNAVAILABLE', 'case.office']]);
  });
});

describe('a subgraph\'s rate limit', { timeout: 300_000 }, () => {
  let sources: SeededSources;
  let store: TestDatabases;
  let register: Federation;

  before(async () => {
    sources = await seededSources('mariadb', { citizens: 20, seed: 'subgraph-rate-0' });
    store = await createTestDatabases(['store_register']);
    register = await startFederation({ sources: sources.urls, stores: { populationRegister: store.urls.store_register! }, parts: ['populationRegister'], overrides: { rateLimit: { points: 3, durationSeconds: 3600 } } });
  });
  after(async () => {
    await register?.close();
    await Promise.all([sources?.drop(), store?.drop()]);
  });

  it('counts a direct caller\'s requests, not the gateway\'s calls on a request the gateway counted already', async () => {
    const headers = await staff({ org: 'SKV', scope: 'citizen:read' });
    const query = '{ me: __typename c: citizens(personalNumbers: []) { givenNames } }';
    for (let i = 0; i < 5; i++) {
      const answer = await register.viaGateway('populationRegister', query, {}, headers);
      assert.equal(answer.status, 200, JSON.stringify(answer.errors));
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    }
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await register.query('populationRegister', query, {}, headers)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });
});
