/**
 * Issue 12, items 4–6, against a real server on MariaDB:
 * - 4: every event records the personal numbers its request asked for (`subjectsRequested`), a request refused
 *   before execution too; auditors find it by subject, the citizen's own log does not show it, and the chains
 *   (with their subject index) verify.
 * - 5: a persisted query sent by hash alone logs the same document hash as the query sent inline.
 * - 6: one caller's event never fails the others': caller text is cut to its column, the largest event the
 *   limits allow fits, and 30 ordinary requests in the same batch as a hostile one are all served.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { AuditEvent } from '../src/access-log/event.js';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber, toTenDigitForm } from '../src/core/personal-number.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { ALL_SCOPES, testIssuers } from './helpers/tokens.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('access log: attempts, document hashes, one caller never fails others (MariaDB)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let store: Knex;
  /** Valid personal numbers of registered people, in order. */
  let people: string[];
  let requests = 0;
  const rid = (label: string) => `attempts-${label}-${++requests}`;

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 1100, seed: 'access-log-attempts' });
    server = await startTestServer(seeded.urls);
    store = server.store;
    const skv = openDatabase(seeded.urls.populationRegister);
    try {
      people = (await skv('FB_PERSON').select('PERSONID').orderBy('PERSONID') as { PERSONID: string }[])
        .map((p) => String(p.PERSONID)).filter(isValidPersonalNumber);
    } finally {
      await skv.destroy();
    }
    assert.ok(people.length >= 1000, `${people.length} people`);
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  async function eventOf(requestId: string): Promise<AuditEvent> {
    await server.auditLog.flush();
    const rows = await store('audit_events').where('request_id', requestId) as EventRow[];
    assert.equal(rows.length, 1, `one event for ${requestId}`);
    return fromRow(rows[0]!);
  }

  async function officer(purpose: string | undefined, scope = ALL_SCOPES): Promise<Record<string, string | undefined>> {
    const { staff } = await testIssuers();
    const token = await staff.mint({ sub: 'attempts-officer', org: 'AF', scope, purposes: ['employment-support'] });
    return { authorization: `Bearer ${token}`, 'x-purpose': purpose };
  }

  const AUDIT_SEARCH = `query Search($subject: String) { auditEvents(filter: { subject: $subject }, first: 100) { edges { node { id requestId subjects subjectsRequested } } } }`;

  async function auditorSearch(subject: string): Promise<{ id: string; requestId: string; subjects: string[]; subjectsRequested: string[] | null }[]> {
    const { staff } = await testIssuers();
    const token = await staff.mint({ sub: 'attempts-auditor', org: 'ISP', scope: 'audit:read', purposes: ['audit'] });
    const response = await server.query(AUDIT_SEARCH, { subject }, { authorization: `Bearer ${token}`, 'x-purpose': 'audit', 'x-request-id': rid('auditor') });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data.auditEvents.edges.map((e: { node: unknown }) => e.node);
  }

  describe('4. whom a request asked for', () => {
    it('a request refused before execution records every personal number its arguments name: literals, variables, lists, fragments', async () => {
      const [a, b, c, d] = people;
      const query = `query Attempt($many: [String!]!, $one: String!) {
        ...Parts
        single: citizen(personalNumber: "${toTenDigitForm(a!, new Date().getFullYear())}") { familyName }
      }
      fragment Parts on Query { citizens(personalNumbers: $many) { familyName } again: citizen(personalNumber: $one) { familyName } }`;
      const variables = { many: [b, c, 'not a number', b], one: d };
      const expected = [a!, b!, c!, d!].sort();

      for (const [label, purpose, code] of [['no-purpose', undefined, 'PURPOSE_REQUIRED'], ['wrong-purpose', 'benefit-assessment', 'PURPOSE_NOT_ALLOWED']] as const) {
        const requestId = rid(label);
        const response = await server.query(query, variables, { ...await officer(purpose), 'x-request-id': requestId });
        assert.deepEqual(response.errors?.map((e) => e.extensions?.code), [code]);
        const event = await eventOf(requestId);
        assert.equal(event.outcome, 'DENIED');
        assert.deepEqual(event.subjects, []);
        assert.deepEqual(event.subjectsRequested, expected, `${label}: normalised to 12 digits, sorted, once each, the invalid one left out`);
      }
    });

    it('every field denied: the people asked for are recorded, and the person whose object came back is a subject', async () => {
      const requestId = rid('all-denied');
      const person = people[10]!;
      const response = await server.query(`{ citizen(personalNumber: "${person}") { address { city } } }`, undefined,
        { ...await officer('employment-support', 'case:read'), 'x-request-id': requestId });
      assert.ok(response.errors?.length, 'refused');
      const event = await eventOf(requestId);
      // The object itself came back (its one field denied): that tells the caller the person exists.
      assert.deepEqual(event.subjects, [person]);
      assert.deepEqual(event.subjectsRequested, [person]);
    });

    it('a document refused by validation, or whose operation cannot be told, records whom it asked for and is found by subject', async () => {
      const [a, b] = [people[30]!, people[31]!];
      const attempts = [
        ['invalid', { query: `query Invalid($p: String!) { citizen(personalNumber: $p) { noSuchField } }`, variables: { p: a } }, 'GRAPHQL_VALIDATION_FAILED', [a]],
        ['ambiguous', { query: `query One { citizen(personalNumber: "${a}") { familyName } } query Two { citizens(personalNumbers: ["${b}"]) { familyName } }` }, 'OPERATION_RESOLUTION_FAILURE', [a, b].sort()],
        ['unknown-operation', { query: `query One { citizen(personalNumber: "${b}") { familyName } }`, operationName: 'Other' }, 'OPERATION_RESOLUTION_FAILURE', [b]],
      ] as const;
      for (const [label, body, code, expected] of attempts) {
        const requestId = rid(label);
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': requestId, ...await officer('employment-support') as Record<string, string> },
          body: JSON.stringify(body),
        });
        const reply = await response.json() as { errors?: { extensions?: { code?: string } }[] };
        assert.equal(response.status, 400, label);
        assert.deepEqual(reply.errors?.map((e) => e.extensions?.code), [code], label);
        const event = await eventOf(requestId);
        assert.equal(event.outcome, 'ERROR', label);
        assert.deepEqual(event.subjects, [], label);
        assert.deepEqual(event.subjectsRequested, expected, label);
      }
      for (const person of [a, b]) {
        const found = await auditorSearch(person);
        assert.ok(found.some((e) => e.requestId.startsWith('attempts-ambiguous-')), `the ambiguous attempt is found by ${person}`);
      }
      assert.ok((await auditorSearch(a)).some((e) => e.requestId.startsWith('attempts-invalid-')));
    });

    it('a served request records what it asked for next to whom it served', async () => {
      const [served, missing] = [people[20]!, '191212121212'];
      const requestId = rid('served');
      const response = await server.query(`query Two($p: [String!]!) { citizens(personalNumbers: $p) { personalNumber } }`, { p: [served, missing] },
        { 'x-request-id': requestId });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const event = await eventOf(requestId);
      assert.deepEqual(event.subjects, [served]);
      assert.deepEqual(event.subjectsRequested, [missing, served].sort());
    });

    it('auditors find attempts by subject; the citizen\'s own log shows reads only; the chains and their index verify', async () => {
      const attempted = people[3]!;
      const requestId = rid('attempt-only');
      await server.query(`{ citizen(personalNumber: "${attempted}") { familyName } }`, undefined, { ...await officer(undefined), 'x-request-id': requestId });
      const found = await auditorSearch(toTenDigitForm(attempted, new Date().getFullYear()));
      assert.ok(found.some((n) => n.requestId === requestId), 'the refused attempt is found by subject');
      assert.ok(found.every((n) => n.subjects.includes(attempted) || n.subjectsRequested?.includes(attempted)), 'only events that name the person');

      const { citizen } = await testIssuers();
      const token = await citizen.mint({ sub: attempted });
      const log = await server.query(`{ myAccessLog(first: 100) { edges { node { occurredAt organization dataCategories } } } }`, undefined,
        { authorization: `Bearer ${token}`, 'x-purpose': 'self-service', 'x-request-id': rid('my-log') });
      assert.equal(log.errors, undefined, JSON.stringify(log.errors));
      const readsOfAttempted = await store('audit_event_subjects').where('subject', attempted).whereNot('categories', '').count({ n: '*' }).first() as { n: number | string };
      assert.equal(log.data.myAccessLog.edges.length, Number(readsOfAttempted.n), 'attempts are not reads');
      assert.ok(log.data.myAccessLog.edges.every((e: { node: { dataCategories: string[] } }) => e.node.dataCategories.length > 0));

      await server.auditLog.flush();
      const report = await verifyAccessLog(store);
      assert.deepEqual(report.broken, []);

      // The index must name exactly whom the event names: a requested person's row removed breaks the chain there.
      const event = await eventOf(requestId);
      await store('audit_event_subjects').where({ writer_id: event.writer, seq: event.seq, subject: attempted }).delete();
      const broken = await verifyAccessLog(store);
      assert.deepEqual(broken.broken.map((b) => [b.writer, b.seq, b.reason]), [[event.writer, event.seq, 'SUBJECT_INDEX_MISMATCH']]);
      await store('audit_event_subjects').insert({ subject: attempted, occurred_ms: Date.parse(event.occurredAt), writer_id: event.writer, seq: event.seq, categories: '' });
      assert.deepEqual((await verifyAccessLog(store)).broken, []);
    });
  });

  describe('5. the document that ran', () => {
    it('a persisted query sent by hash alone logs the same document hash as the query sent inline', async () => {
      const query = `query Persisted($p: String!) { citizen(personalNumber: $p) { familyName } }`;
      const hash = sha256(query);
      const post = async (body: Record<string, unknown>, requestId: string) => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...await officer('employment-support') as Record<string, string>, 'x-request-id': requestId },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() as { errors?: unknown[] } };
      };
      const persisted = { persistedQuery: { version: 1, sha256Hash: hash } };
      const variables = { p: people[30] };
      const inline = rid('inline');
      const registered = rid('apq-register');
      const byHash = rid('apq-hash');
      assert.equal((await post({ query, variables }, inline)).status, 200);
      assert.equal((await post({ query, variables, extensions: persisted }, registered)).status, 200);
      const reply = await post({ variables, extensions: persisted }, byHash);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.errors, undefined);
      for (const requestId of [inline, registered, byHash]) assert.equal((await eventOf(requestId)).documentHash, hash, requestId);
    });
  });

  describe('6. one caller never fails the others', () => {
    const ordinary = `query Ordinary($p: String!) { citizen(personalNumber: $p) { personalNumber familyName } }`;
    /** Every category of data for each person: the widest subject categories an event can hold per person. */
    const everything = 'personalNumber familyName address { city } municipalityCode relations { type } benefits { id } cases { id }';

    it('ten aliased citizens(100) with every category and a 301-character operation name, in one batch with 30 ordinary requests: all served', async () => {
      const lists = Array.from({ length: 10 }, (_, i) => people.slice(i * 100, i * 100 + 100));
      const longName = `Hostile${'x'.repeat(301 - 'Hostile'.length)}`;
      const hostile = `query ${longName}(${lists.map((_, i) => `$l${i}: [String!]!`).join(', ')}) {
        ${lists.map((_, i) => `a${i}: citizens(personalNumbers: $l${i}) { ${everything} }`).join('\n')}
      }`;
      const hostileId = rid('hostile');
      const ordinaryIds = Array.from({ length: 30 }, (_, i) => rid(`ordinary-${i}`));
      const [hostileResponse, ...ordinaryResponses] = await Promise.all([
        server.query(hostile, Object.fromEntries(lists.map((list, i) => [`l${i}`, list])), { 'x-request-id': hostileId }),
        ...ordinaryIds.map((requestId, i) => server.query(ordinary, { p: people[i] }, { 'x-request-id': requestId })),
      ]);
      ordinaryResponses.forEach((response, i) => {
        assert.equal(response.status, 200, `ordinary ${i}: ${JSON.stringify(response.errors)}`);
        assert.equal(response.data.citizen.personalNumber, people[i]);
      });
      assert.equal(hostileResponse.status, 200, JSON.stringify(hostileResponse.errors));

      const event = await eventOf(hostileId);
      assert.equal([...event.operationName!].length, 200, 'cut to its column');
      assert.equal(event.operationName, `${longName.slice(0, 199)}…`);
      assert.equal(event.subjectsRequested!.length, 1000);
      assert.ok(event.subjects.length >= 1000, `${event.subjects.length} subjects`);
      assert.ok(JSON.stringify(event.subjectCategories).length > 65_535, 'larger than a TEXT column holds');
      for (const requestId of ordinaryIds) assert.equal((await eventOf(requestId)).outcome, 'OK');
      assert.deepEqual((await verifyAccessLog(store)).broken, []);
    });

    it('a token subject longer than its column never reaches the log: the token is refused (401) and writes no event', async () => {
      const requestId = rid('long-subject');
      const subject = `officer-${'😀'.repeat(300)}`;
      const { staff } = await testIssuers();
      const token = await staff.mint({ sub: subject, org: 'AF', scope: ALL_SCOPES, purposes: ['employment-support'] });
      const response = await server.query(ordinary, { p: people[40] }, { authorization: `Bearer ${token}`, 'x-purpose': 'employment-support', 'x-request-id': requestId });
      assert.equal(response.status, 401, JSON.stringify(response.errors));
      assert.deepEqual(response.errors?.map((e) => e.extensions?.code), ['UNAUTHENTICATED']);
      assert.equal(await store('audit_events').where('request_id', requestId).first(), undefined);
    });
  });
});
