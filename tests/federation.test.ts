/**
 * A federated deployment behind its gateway, on the real services (MariaDB, the income register on
 * PostgreSQL), each agency with its own store: how many subgraph requests and statements a query costs, that
 * every client request is its own read in every agency's log (never merged), and that one agency's log being
 * down fails that agency's fields closed while the rest is served. The people are chosen from the generated
 * legacy rows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../sources/registry.js';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { openDatabase } from '../src/core/db.js';
import { GATEWAY_NAME } from '../src/federation/parts.js';
import { logOrigin, startFederatedTestServer } from './helpers/federation.js';
import { parseVerifierKey, verifyCheckpoint, type VerifierKey } from '../src/access-log/transparency/note.js';
import { fromBase64, verifyInclusion } from '../src/access-log/transparency/proofs.js';
import { verifyReceipt } from '../src/access-log/transparency/receipt.js';
import { NoteSigner } from '../src/access-log/transparency/signer.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { legacyPeople } from './helpers/people.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { recordStatements, tableOf, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import type { Federation } from './helpers/federation.js';
import { ALL_SCOPES, testIssuers } from './helpers/tokens.js';
import { runCli } from './helpers/cli.js';
import { documentId, TrustedDocumentStore } from '../src/security/trusted-documents.js';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseConfig, partConfigSchema } from '../src/config.js';
import { composeSupergraph, configuredServices } from '../src/federation/compose.js';
import { startSamgraf } from '../src/server.js';
import { testLogger } from './helpers/samgraf.js';

const DATA_SET = { citizens: 400, seed: 'federation-0' } as const;
const DATA = generateLegacyData(DATA_SET);
const { ordinary } = legacyPeople(DATA, DATA_SET);
const HUNDRED = DATA.FB_PERSON.filter(ordinary).slice(0, 100).map((p) => p.PERSONID);
const SOURCES = SOURCE_MODULES.map((module) => module.name);
const PARTS = [GATEWAY_NAME, ...SOURCES];
const storeKey = (part: string) => `store_${part.toLowerCase()}`;

const EVERY_SOURCE = `query Hundred($pnrs: [String!]!) {
  citizens(personalNumbers: $pnrs) {
    personalNumber givenNames
    benefits { id amount { amount } payments { id paidOn } }
    cases { id status actionPlan { step status } }
    incomes { id period grossPay { amount } employer { name } }
  }
}`;

let seeded: SeededSources;
let stores: TestDatabases;
let keyDir: string;
let server: TestServer & { federation: Federation };
let sent = 0;

/** The events each part's store holds for a request id; the register's answers to other parts' lookups apart. */
async function eventsFor(requestId: string): Promise<Record<string, { served: number; lookups: number }>> {
  const counts: Record<string, { served: number; lookups: number }> = {};
  await Promise.all(PARTS.map(async (part) => {
    const store = openDatabase(stores.urls[storeKey(part)]!);
    try {
      const rows = await store('audit_events').where({ request_id: requestId }).select('operation_name') as { operation_name: string | null }[];
      const lookups = rows.filter((row) => row.operation_name?.startsWith('persons for ')).length;
      counts[part] = { served: rows.length - lookups, lookups };
    } finally {
      await store.destroy();
    }
  }));
  return counts;
}

/** An AF officer with every scope, the income register's too. */
async function officerHeaders(): Promise<Record<string, string>> {
  const { staff } = await testIssuers();
  const token = await staff.mint({ sub: 'federation-officer', org: 'AF', scope: `${ALL_SCOPES} income:read` });
  return { authorization: `Bearer ${token}`, 'x-purpose': 'employment-support' };
}

/** Every part follows up its own log: a read for employment support needs a case reference. */
const FOLLOW_UP = { purposesRequiringCaseReference: ['employment-support'], intervalSeconds: 0.2 };

/** The partner's client that config `clients` holds to its trusted documents, in every part. */
const PORTAL = 'kommun-portal';

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function ask(query: string, variables: Record<string, unknown>, requestId: string) {
  return server.query(query, variables, { ...(await officerHeaders()), 'x-request-id': requestId });
}

describe('a federated deployment behind its gateway', { timeout: 600_000 }, () => {
  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    stores = await createTestDatabases(PARTS.map(storeKey));
    keyDir = mkdtempSync(join(tmpdir(), 'samgraf-federation-keys-'));
    // Every part's config names the partner's client, as an operator shares `clients` like `auth`.
    server = await startFederatedTestServer(seeded.urls, Object.fromEntries(PARTS.map((part) => [part, stores.urls[storeKey(part)]!])), { clients: { [PORTAL]: { trustedDocuments: 'required' } }, followUp: FOLLOW_UP }, keyDir);
  });
  after(async () => {
    await server?.close();
    await Promise.all([seeded?.drop(), stores?.drop()]);
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('100 people with their benefits, payments, cases, plans and incomes: one request per subgraph per level, statements bounded by the query', async () => {
    assert.equal(HUNDRED.length, 100);
    const requestId = `hundred-${++sent}`;
    const databases: Record<string, Knex> = Object.assign({}, ...SOURCES.map((name) => server.federation.parts[name]!.sources));
    const { result, statements } = await recordStatements(databases, () => ask(EVERY_SOURCE, { pnrs: HUNDRED }, requestId));
    assert.equal(result.status, 200);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors?.slice(0, 3)));
    assert.deepEqual(result.data.citizens.map((c: { personalNumber: string }) => c.personalNumber), HUNDRED);
    // One subgraph request each: the register for the list, every other source once for its fields of all
    // hundred people (an event per request in its own log); each of those asks the register once.
    const events = await eventsFor(requestId);
    assert.deepEqual(events, {
      [GATEWAY_NAME]: { served: 1, lookups: 0 },
      populationRegister: { served: 1, lookups: 3 },
      socialInsurance: { served: 1, lookups: 0 },
      employmentService: { served: 1, lookups: 0 },
      incomeRegister: { served: 1, lookups: 0 },
    });
    // The gateway's own event names the parts it asked.
    const gatewayStore = openDatabase(stores.urls[storeKey(GATEWAY_NAME)]!);
    try {
      const [event] = await gatewayStore('audit_events').where({ request_id: requestId }).select('subgraphs', 'document_hash', 'purpose', 'principal_subject') as Record<string, string>[];
      assert.deepEqual(JSON.parse(event!.subgraphs!), ['employmentService', 'incomeRegister', 'populationRegister', 'socialInsurance']);
      assert.match(event!.document_hash!, /^[0-9a-f]{64}$/);
      assert.equal(event!.purpose, 'employment-support');
      assert.equal(event!.principal_subject, 'federation-officer');
    } finally {
      await gatewayStore.destroy();
    }
    // Each table once per level, whatever the number of people: the register's once for the list and once for
    // each part that asked it about the people.
    const perTable: Record<string, number> = {};
    for (const { sql } of statements) perTable[tableOf(sql)] = (perTable[tableOf(sql)] ?? 0) + 1;
    assert.deepEqual(perTable, { FB_PERSON: 4, FK_BESLUT: 1, FK_UTBETALNING: 1, AF_ARENDE: 1, AF_HANDLINGSPLAN: 1, agi_individuppgift: 1 });
  });

  it('20 identical requests at once are 20 reads in every agency\'s log, never merged; every chain verifies', async () => {
    const query = 'query One($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } } }';
    const ids = Array.from({ length: 20 }, () => `same-${++sent}`);
    const answers = await Promise.all(ids.map((id) => ask(query, { p: HUNDRED[0] }, id)));
    for (const answer of answers) assert.deepEqual(answer.errors, undefined);
    assert.equal(new Set(answers.map((answer) => JSON.stringify(answer.data))).size, 1);
    for (const id of ids) {
      const events = await eventsFor(id);
      for (const part of [GATEWAY_NAME, 'populationRegister', 'socialInsurance', 'employmentService']) assert.equal(events[part]!.served, 1, `${part} for ${id}`);
      assert.equal(events.incomeRegister!.served, 0, 'the income register was not asked');
    }
    for (const part of PARTS) {
      const store = openDatabase(stores.urls[storeKey(part)]!);
      try {
        const report = await verifyAccessLog(store);
        assert.deepEqual(report.broken, [], part);
        assert.ok(report.events > 0, part);
      } finally {
        await store.destroy();
      }
    }
  });

  it('each agency\'s log is its own transparency log: through the gateway, a citizen\'s receipts and an auditor\'s proofs verify against the key of the agency that holds each read', async () => {
    const subject = HUNDRED[3]!;
    const read = await ask('query One($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } incomes { id } } }', { p: subject }, `proved-${++sent}`);
    assert.equal(read.errors, undefined);
    const keyOf = new Map<string, VerifierKey>();
    for (const part of PARTS) {
      const key = await parseVerifierKey((await NoteSigner.read(join(keyDir, `${part}.key`))).verifierKey);
      keyOf.set(key.name, key);
    }
    const { staff, citizen } = await testIssuers();
    const own = await server.query('{ myAccessLog(first: 50) { edges { node { organization receipt } } } }', {}, { authorization: `Bearer ${await citizen.mint({ sub: subject })}`, 'x-purpose': undefined });
    assert.equal(own.errors, undefined, JSON.stringify(own.errors));
    const origins = new Set<string>();
    for (const { node } of own.data.myAccessLog.edges as { node: { receipt: string } }[]) {
      const origin = (JSON.parse(node.receipt) as { origin: string }).origin;
      const verdict = await verifyReceipt(node.receipt, keyOf.get(origin)!);
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      origins.add(origin);
    }
    for (const part of SOURCES) assert.ok(origins.has(logOrigin(part)), `a receipt from ${part}'s log among ${[...origins].join(', ')}`);

    const auditor = { authorization: `Bearer ${await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read' })}`, 'x-purpose': 'audit' };
    const events = await server.query(`{ auditEvents(filter: { subject: "${subject}" }, first: 100) { edges { node { hash leafIndex inclusionProof { leafIndex treeSize leafHash inclusionPath checkpoint } } } } }`, {}, auditor);
    assert.equal(events.errors, undefined, JSON.stringify(events.errors));
    const proved = new Set<string>();
    for (const { node } of events.data.auditEvents.edges as { node: { leafIndex: number; inclusionProof: { leafIndex: number; treeSize: number; leafHash: string; inclusionPath: string[]; checkpoint: string } } }[]) {
      const proof = node.inclusionProof;
      assert.equal(proof.leafIndex, node.leafIndex, 'the leaf index is the holding agency\'s');
      const origin = proof.checkpoint.split('\n')[0]!;
      const { checkpoint } = await verifyCheckpoint(proof.checkpoint, keyOf.get(origin)!);
      assert.equal(await verifyInclusion(proof.leafIndex, proof.treeSize, fromBase64(proof.leafHash), proof.inclusionPath.map(fromBase64), checkpoint.root), null, origin);
      proved.add(origin);
    }
    for (const part of PARTS) assert.ok(proved.has(logOrigin(part)), `a proof from ${part}'s log among ${[...proved].join(', ')}`);
  });

  it('an auditor searches every agency\'s log as one, page by page; a citizen sees every agency\'s reads; every chain is verified', async () => {
    const subject = HUNDRED[2]!;
    const requestId = `audited-${++sent}`;
    const read = await ask('query One($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } incomes { id } } }', { p: subject }, requestId);
    assert.equal(read.errors, undefined);
    const { staff, citizen } = await testIssuers();
    // The citizen first: the auditor's searches below are reads of the log that name them too.
    const own = await server.query('{ myAccessLog(first: 50) { edges { node { organization dataCategories } } } }', {}, { authorization: `Bearer ${await citizen.mint({ sub: subject })}`, 'x-purpose': undefined });
    assert.equal(own.errors, undefined, JSON.stringify(own.errors));
    const categories = new Set(own.data.myAccessLog.edges.flatMap((edge: any) => edge.node.dataCategories));
    for (const category of ['IDENTITY', 'BENEFITS', 'CASES', 'INCOME']) assert.ok(categories.has(category), `${category} in ${[...categories].join(', ')}`);

    const auditor = { authorization: `Bearer ${await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read' })}`, 'x-purpose': 'audit' };
    const query = `query Search($s: String!, $first: Int, $after: String) { auditEvents(filter: { subject: $s }, first: $first, after: $after) {
      edges { cursor node { id requestId operationName subgraphs principal { subject } } } pageInfo { hasNextPage endCursor } } }`;
    const all = await server.query(query, { s: subject, first: 100 }, auditor);
    assert.equal(all.errors, undefined, JSON.stringify(all.errors));
    const ofRequest = all.data.auditEvents.edges.map((edge: any) => edge.node).filter((node: any) => node.requestId === requestId);
    // The gateway's event, each source's, and the register's answers to the three others' lookups.
    assert.equal(ofRequest.length, 1 + 4 + 3, JSON.stringify(ofRequest));
    assert.deepEqual(ofRequest.find((node: any) => node.subgraphs !== null)?.subgraphs, ['employmentService', 'incomeRegister', 'populationRegister', 'socialInsurance']);
    // Paging two at a time through the merged logs gives the same events in the same order — after the reads of
    // the log the search itself caused, which are newer (reading the log is logged, in every agency's log).
    const paged: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const answer: any = await server.query(query, { s: subject, first: 2, after }, auditor);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      paged.push(...answer.data.auditEvents.edges.map((edge: any) => edge.node.id));
      if (!answer.data.auditEvents.pageInfo.hasNextPage) break;
      after = answer.data.auditEvents.pageInfo.endCursor;
    }
    const allIds: string[] = all.data.auditEvents.edges.map((edge: any) => edge.node.id);
    assert.equal(new Set(paged).size, paged.length, 'no event twice');
    assert.deepEqual(paged.filter((id) => allIds.includes(id)), allIds);
    assert.deepEqual(paged.slice(paged.length - allIds.length), allIds);

    // Verifying the chains reads no personal data: no purpose needed, as on the single server.
    const chains = await server.query('{ auditChains { ok events chains { writer ok } } }', {}, { ...auditor, 'x-purpose': undefined });
    assert.equal(chains.errors, undefined, JSON.stringify(chains.errors));
    assert.equal(chains.data.auditChains.ok, true);
    const writers = new Set<string>();
    for (const part of PARTS) {
      const store = openDatabase(stores.urls[storeKey(part)]!);
      try {
        for (const row of await store('audit_events').distinct('writer_id') as { writer_id: string }[]) writers.add(row.writer_id);
      } finally {
        await store.destroy();
      }
    }
    assert.deepEqual(new Set(chains.data.auditChains.chains.map((chain: any) => chain.writer)), writers);
  });

  it('samgraf audit verify checks one agency\'s log with that agency\'s own config, which names only its own source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samgraf-agency-'));
    try {
      const file = join(dir, 'fk.json');
      writeFileSync(file, JSON.stringify({ sources: { socialInsurance: { url: seeded.urls.socialInsurance } }, store: { url: stores.urls[storeKey('socialInsurance')] } }));
      const verified = await runCli(['audit', 'verify', '--config', file]);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /access log intact: \d+ events/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad date as the single server does, before anything runs', async () => {
    const answer = await ask('query Bad($p: String!) { citizen(personalNumber: $p) { incomes(from: "2020-13") { id } } }', { p: HUNDRED[4] }, `bad-month-${++sent}`);
    assert.equal(answer.status, 400);
    assert.equal(answer.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(answer.data, undefined);
  });

  it('an auditor follows up every agency\'s log through the gateway: each agency\'s findings, paged as one; a review lands in the agency that holds the finding, and is logged there', async () => {
    const since = new Date().toISOString();
    const requestId = `followed-${++sent}`;
    // Without a case reference, for a purpose that needs one (FOLLOW_UP): every part that served the read flags it.
    const read = await ask('query One($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } incomes { id } } }', { p: HUNDRED[5] }, requestId);
    assert.equal(read.errors, undefined, JSON.stringify(read.errors));
    const served: Record<string, string[]> = {};
    await Promise.all(PARTS.map(async (part) => {
      const store = openDatabase(stores.urls[storeKey(part)]!);
      try {
        const rows = await store('audit_events').where({ request_id: requestId }).select('writer_id', 'seq', 'operation_name') as { writer_id: string; seq: number; operation_name: string | null }[];
        served[part] = rows.filter((row) => !row.operation_name?.startsWith('persons for ')).map((row) => `${row.writer_id}:${row.seq}:NO_CASE_REFERENCE`);
      } finally {
        await store.destroy();
      }
    }));
    for (const part of PARTS) assert.equal(served[part]!.length, 1, `${part} served the read once`);

    const { staff } = await testIssuers();
    const auditor = { authorization: `Bearer ${await staff.mint({ sub: 'auditor-2', org: 'IMY', scope: 'audit:read' })}`, 'x-purpose': 'audit' };
    const reviewer = { authorization: `Bearer ${await staff.mint({ sub: 'reviewer-1', org: 'IMY', scope: 'audit:read audit:review' })}`, 'x-purpose': 'audit' };
    const query = `query Findings($since: DateTime, $first: Int, $after: String, $order: AuditFindingOrder) {
      auditFindings(filter: { from: $since, kind: NO_CASE_REFERENCE }, order: $order, first: $first, after: $after) {
        edges { node { id kind score explanation subjects event { id requestId purpose leafIndex principal { subject organization } } review { verdict } } }
        pageInfo { hasNextPage endCursor } } }`;
    const all = await server.query(query, { since, first: 100 }, auditor);
    assert.equal(all.errors, undefined, JSON.stringify(all.errors));
    const nodes = all.data.auditFindings.edges.map((edge: any) => edge.node);
    const ids: string[] = nodes.map((node: any) => node.id);
    // Each agency's finding, with its event from that agency's log.
    for (const part of PARTS) assert.ok(ids.includes(served[part]![0]!), `${part}'s finding in ${ids.join(', ')}`);
    for (const part of PARTS) {
      const node = nodes.find((n: any) => n.id === served[part]![0]);
      assert.equal(node.event.requestId, requestId);
      assert.equal(node.event.principal.subject, 'federation-officer');
      assert.equal(node.event.purpose, 'employment-support');
      // The gateway does not see whose data its parts returned; each agency's log names the person.
      assert.deepEqual(node.subjects, part === GATEWAY_NAME ? [] : [HUNDRED[5]], part);
      assert.equal(node.review, null);
    }
    // A finding's event is its agency's, and so are its leaf and proof: the same as auditEvents shows for it.
    const logged = await server.query('query Logged($s: String!) { auditEvents(filter: { subject: $s }, first: 100) { edges { node { id leafIndex } } } }', { s: HUNDRED[5] }, auditor);
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const leafOf = new Map<string, number | null>(logged.data.auditEvents.edges.map((edge: any) => [edge.node.id, edge.node.leafIndex]));
    for (const part of SOURCES) {
      const { event } = nodes.find((n: any) => n.id === served[part]![0]);
      assert.ok(leafOf.has(event.id), `${part}'s event in auditEvents`);
      assert.equal(event.leafIndex, leafOf.get(event.id), `${part}'s event's leaf`);
      assert.equal(typeof event.leafIndex, 'number', `${part}'s event has a leaf in its agency's tree`);
    }
    // Page by page, in either order, the merge of every store's findings is the one-page answer.
    for (const order of ['NEWEST', 'SCORE']) {
      const whole = order === 'NEWEST' ? ids : (await server.query(query, { since, first: 100, order }, auditor)).data.auditFindings.edges.map((edge: any) => edge.node.id);
      const paged: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 100; page++) {
        const answer: any = await server.query(query, { since, first: 2, after, order }, auditor);
        assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
        paged.push(...answer.data.auditFindings.edges.map((edge: any) => edge.node.id));
        if (!answer.data.auditFindings.pageInfo.hasNextPage) break;
        after = answer.data.auditFindings.pageInfo.endCursor;
      }
      assert.deepEqual(paged, whole, order);
    }

    // The social insurance agency's finding: reviewed through the gateway, recorded and logged there alone.
    const theirs = served.socialInsurance![0]!;
    const mutation = 'mutation Review($id: ID!, $verdict: FindingVerdict!, $note: String) { reviewFinding(id: $id, verdict: $verdict, note: $note) { id review { verdict note reviewer reviewerOrganization } reviews { verdict } event { requestId } } }';
    const refused = await server.query(mutation, { id: theirs, verdict: 'JUSTIFIED' }, auditor);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHORIZED_FIELD_OR_TYPE', JSON.stringify(refused.errors));
    const unknown = await server.query(mutation, { id: `${randomUUID()}:1:OFF_HOURS`, verdict: 'JUSTIFIED' }, reviewer);
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(unknown.errors));
    const reviewed = await server.query(mutation, { id: theirs, verdict: 'UNJUSTIFIED', note: 'no case was open' }, reviewer);
    assert.equal(reviewed.errors, undefined, JSON.stringify(reviewed.errors));
    assert.deepEqual(reviewed.data.reviewFinding, {
      id: theirs, review: { verdict: 'UNJUSTIFIED', note: 'no case was open', reviewer: 'reviewer-1', reviewerOrganization: 'IMY' }, reviews: [{ verdict: 'UNJUSTIFIED' }], event: { requestId },
    });
    const again = await server.query(mutation, { id: theirs, verdict: 'JUSTIFIED' }, reviewer);
    assert.deepEqual(again.data.reviewFinding.reviews, [{ verdict: 'UNJUSTIFIED' }, { verdict: 'JUSTIFIED' }]);
    for (const part of PARTS) {
      const store = openDatabase(stores.urls[storeKey(part)]!);
      try {
        const reviews = await store('audit_finding_reviews').where({ finding_id: theirs }).orderBy('id').select('verdict', 'reviewer_subject');
        assert.deepEqual(reviews, part === 'socialInsurance' ? [{ verdict: 'UNJUSTIFIED', reviewer_subject: 'reviewer-1' }, { verdict: 'JUSTIFIED', reviewer_subject: 'reviewer-1' }] : [], part);
        const operations = (await store('audit_events').where({ operation_name: 'follow-up review for gateway' }).select('subjects_requested') as { subjects_requested: string }[]);
        assert.equal(operations.length, part === 'socialInsurance' ? 2 : 0, `${part} logged the reviews of its finding, and only it`);
        if (part === 'socialInsurance') assert.deepEqual(JSON.parse(operations[0]!.subjects_requested), [HUNDRED[5]]);
        // Reading the findings is logged in every agency's log.
        assert.ok(part === GATEWAY_NAME || await store('audit_events').where({ operation_name: 'follow-up findings for gateway' }).first(), `${part} logged the read of its findings`);
      } finally {
        await store.destroy();
      }
    }
    const unreviewed = await server.query(query.replace('kind: NO_CASE_REFERENCE', 'kind: NO_CASE_REFERENCE, reviewed: true'), { since, first: 100 }, auditor);
    assert.deepEqual(unreviewed.data.auditFindings.edges.map((edge: any) => [edge.node.id, edge.node.review.verdict]), [[theirs, 'JUSTIFIED']]);
  });

  it('a client held to its trusted documents runs its document through the gateway, and nothing else there or at a subgraph', async () => {
    const document = 'query Portal($pnr: String!) { citizen(personalNumber: $pnr) { familyName benefits { type } } }';
    await new TrustedDocumentStore(server.store).add(PORTAL, [{ text: document, operations: ['Portal'] }]);
    const { staff } = await testIssuers();
    const token = await staff.mint({ sub: 'portal-officer', org: 'FK', scope: 'citizen:read benefit:read', azp: PORTAL });
    const as = { authorization: `Bearer ${token}`, 'x-purpose': 'benefit-assessment' };
    const variables = { pnr: HUNDRED[0] };
    const byId = await post(server.url, { documentId: documentId(document), variables }, as);
    assert.equal(byId.status, 200, JSON.stringify(byId.body));
    assert.equal(byId.body.errors, undefined, JSON.stringify(byId.body.errors));
    assert.equal(typeof byId.body.data.citizen.familyName, 'string');
    for (const [where, url] of [['the gateway', server.url], ['the register\'s subgraph', server.federation.parts.populationRegister!.url]] as const) {
      const inline = await post(url, { query: document, variables }, as);
      assert.equal(inline.status, 400, `${where}: ${JSON.stringify(inline.body)}`);
      assert.equal(inline.body.errors[0].extensions.code, 'PERSISTED_QUERY_REQUIRED', where);
      assert.equal(inline.body.data ?? null, null);
    }
  });

  it('a subgraph that hangs fails its own fields after federation.subgraphTimeoutMs, and the rest is served', async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { staff: staffIssuer, citizen: citizenIssuer } = await testIssuers();
    const subgraphs = Object.fromEntries(Object.entries(server.federation.parts).map(([name, part]) => [name, { url: part.url }]));
    subgraphs.incomeRegister = { url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql` };
    const config = parseConfig({
      server: { port: 0, host: '127.0.0.1' },
      store: { url: stores.urls[storeKey(GATEWAY_NAME)] },
      auth: { issuers: [staffIssuer.config, citizenIssuer.config] },
      federation: { subgraphs, subgraphTimeoutMs: 500, internalAuth: { signingKey: server.federation.keys[GATEWAY_NAME]!.privateKey, trustedKeys: server.federation.trustedKeys } },
    }, {}, partConfigSchema(null));
    const gateway = await startSamgraf(config, testLogger(), { gateway: { supergraphSdl: composeSupergraph(configuredServices(config)) } });
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await officerHeaders()) },
        body: JSON.stringify({ query: 'query One($p: String!) { citizen(personalNumber: $p) { givenNames incomes { id } } }', variables: { p: HUNDRED[5] } }),
      });
      const answer = await response.json() as { data: any; errors?: { path: string[]; extensions: { code: string; source?: string } }[] };
      assert.equal(response.status, 200);
      assert.equal(typeof answer.data.citizen.givenNames, 'string');
      assert.equal(answer.data.citizen.incomes, null);
      assert.deepEqual(answer.errors?.map((error) => [error.extensions.code, error.extensions.source, error.path.join('.')]), [['SOURCE_UNAVAILABLE', 'incomeRegister', 'citizen.incomes']]);
    } finally {
      await gateway.close();
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('one agency\'s log down: its fields fail closed (no data without its event), everything else is served', async () => {
    const requestId = `fk-down-${++sent}`;
    // The social insurance agency's store loses its table of events: it can write none, so it serves nothing.
    const store = openDatabase(stores.urls[storeKey('socialInsurance')]!);
    try {
      await store.schema.renameTable('audit_events', 'audit_events_away');
      const answer = await ask('query One($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } } }', { p: HUNDRED[1] }, requestId);
      assert.equal(answer.status, 200);
      assert.equal(typeof answer.data.citizen.givenNames, 'string');
      assert.ok(Array.isArray(answer.data.citizen.cases));
      assert.equal(answer.data.citizen.benefits, null);
      assert.deepEqual(answer.errors?.map((error) => [error.extensions?.code, error.path?.join('.')]), [['AUDIT_UNAVAILABLE', 'citizen.benefits']]);
    } finally {
      await store.schema.renameTable('audit_events_away', 'audit_events');
      await store.destroy();
    }
    const events = await eventsFor(requestId);
    assert.equal(events.socialInsurance!.served, 0);
    assert.equal(events.populationRegister!.served, 1);
    assert.equal(events.employmentService!.served, 1);
  });

  // Last: it stops a subgraph.
  it('a subgraph that cannot be reached: its fields fail as SOURCE_UNAVAILABLE naming it, and nothing of the engine\'s request reaches the client', async () => {
    await server.federation.parts.socialInsurance!.close();
    const requestId = `fk-gone-${++sent}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(await officerHeaders()) },
      body: JSON.stringify({ query: 'query One($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } } }', variables: { p: HUNDRED[3] } }),
    });
    const text = await response.text();
    assert.equal(response.status, 200);
    const answer = JSON.parse(text);
    assert.equal(typeof answer.data.citizen.givenNames, 'string');
    assert.ok(Array.isArray(answer.data.citizen.cases));
    assert.equal(answer.data.citizen.benefits, null);
    assert.deepEqual(answer.errors, [{ message: 'source socialInsurance is unavailable', path: ['citizen', 'benefits'], extensions: { code: 'SOURCE_UNAVAILABLE', source: 'socialInsurance' } }]);
    assert.ok(!text.includes(HUNDRED[3]!.slice(2)) || text.indexOf(HUNDRED[3]!.slice(2)) === -1, 'no personal number in the answer');
    assert.doesNotMatch(text, /127\.0\.0\.1|_entities|representations/);
    // The gateway's event says which source failed.
    const store = openDatabase(stores.urls[storeKey(GATEWAY_NAME)]!);
    try {
      const [event] = await store('audit_events').where({ request_id: requestId }).select('source_errors', 'outcome') as { source_errors: string; outcome: string }[];
      assert.deepEqual(JSON.parse(event!.source_errors), ['socialInsurance']);
      assert.equal(event!.outcome, 'PARTIAL');
    } finally {
      await store.destroy();
    }
  });
});
