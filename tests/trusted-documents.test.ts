/**
 * Trusted documents: a partner's client registers its operations with the CLI (checked against the schema and
 * the limits, stored by SHA-256); a client held to them runs nothing else by any road — inline, GET, a batch
 * piece, an automatic persisted query registering itself, an unknown id or another client's — and a document
 * run by id gives exactly what the same text sent inline gives, in the answer and in the access log. Usage per
 * client is counted, and /metrics can be kept behind a token or on a port of its own.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { TrustedDocumentStore } from '../src/security/trusted-documents.js';
import { runCli } from './helpers/cli.js';
import { freePort } from './helpers/net.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');
const METRICS_TOKEN = 'scraper-secret-for-tests-0001';
/** The JWT client config `clients` holds to its documents. */
const PORTAL = 'kommun-portal';

const CITIZEN_DOC = `query Citizen($pnr: String!) {
  citizen(personalNumber: $pnr) { personalNumber familyName address { city } }
}`;
const NAME_DOC = 'query Name($pnr: String!) { citizen(personalNumber: $pnr) { givenNames } }';

describe('trusted documents (MariaDB store)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let dir: string;
  let configFile: string;
  let metricsPort: number;
  let stockholmer: string;
  /** Held to its documents. */
  let strict: { id: string; key: string };
  /** May send anything; registers the same documents. */
  let loose: { id: string; key: string };
  let portalToken: string;
  let otherAppToken: string;

  const samgraf = (...args: string[]) => runCli([...args, '--config', configFile], { timeoutMs: 60_000 });

  async function createKey(...extra: string[]): Promise<{ id: string; key: string }> {
    const result = await samgraf('apikey', 'create', '--org', '0180', '--name', 'Stockholms stad', '--scopes', 'citizen:read citizen:address:read',
      '--purposes', 'social-services', '--municipality', '0180', ...extra);
    assert.equal(result.status, 0, result.stderr);
    return { id: /^API key ([0-9a-f]{16}) created/.exec(result.stderr)![1]!, key: result.stdout.trim() };
  }

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** A raw POST as a client: its credential, a purpose, and the body as given. */
  async function post(credential: Record<string, string>, body: unknown): Promise<GraphQLResponse & { raw: unknown }> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-purpose': 'social-services', ...credential },
      body: JSON.stringify(body),
    });
    const raw = await response.json() as Record<string, unknown>;
    return { status: response.status, raw, ...(Array.isArray(raw) ? {} : raw) };
  }

  async function get(credential: Record<string, string>, params: Record<string, string>): Promise<GraphQLResponse> {
    const response = await fetch(`${server.url}?${new URLSearchParams(params)}`, {
      headers: { accept: 'application/json', 'x-purpose': 'social-services', ...credential },
    });
    return { status: response.status, ...(await response.json() as object) };
  }

  const key = (k: { key: string }) => ({ 'x-api-key': k.key });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  function assertRequired(reply: GraphQLResponse, road: string): void {
    assert.ok(reply.status >= 400 && reply.status < 500, `${road}: status ${reply.status}`);
    assert.equal(reply.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_REQUIRED', `${road}: ${JSON.stringify(reply.errors)}`);
    assert.equal(reply.data ?? null, null, `${road}: no data`);
  }

  /** The access-log event of one request, read straight from the store. */
  async function eventOf(requestId: string): Promise<Record<string, unknown>> {
    const store = openDatabase(seeded.urls.store);
    try {
      const row = await store('audit_events').where({ request_id: requestId }).first();
      assert.ok(row, `an event for ${requestId}`);
      return row as Record<string, unknown>;
    } finally {
      await store.destroy();
    }
  }

  /** Columns that differ between any two events: where and when they were written. */
  const comparable = (event: Record<string, unknown>) => {
    const { writer_id: _w, seq: _s, occurred_at: _o, occurred_ms: _m, request_id: _r, hash: _h, prev_hash: _p, ...rest } = event;
    return rest;
  };

  /** The store, opened for a direct look (closed after the suite). */
  let storeDb: ReturnType<typeof openDatabase> | undefined;
  const store = () => (storeDb ??= openDatabase(seeded.urls.store));

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 300, seed: 'trusted-documents' });
    metricsPort = await freePort();
    server = await startTestServer(seeded.urls, {
      server: { port: 0, host: '127.0.0.1', metricsPort, metricsToken: METRICS_TOKEN },
      limits: { maxBatchSize: 5 },
      clients: { [PORTAL]: { trustedDocuments: 'required' } },
    });
    const register = openDatabase(seeded.urls.populationRegister);
    stockholmer = (await register('FB_PERSON').where('KOMMUNKOD', '0180').whereNull('SKYDDAD_FB').whereNull('SEKRETESS').orderBy('PERSONID').first('PERSONID')).PERSONID;
    await register.destroy();
    dir = mkdtempSync(join(tmpdir(), 'samgraf-documents-'));
    configFile = join(dir, 'samgraf.json');
    writeFileSync(configFile, JSON.stringify({
      sources: { populationRegister: { url: seeded.urls.populationRegister }, socialInsurance: { url: seeded.urls.socialInsurance }, employmentService: { url: seeded.urls.employmentService } },
      store: { url: seeded.urls.store },
      clients: { [PORTAL]: { trustedDocuments: 'required' } },
    }));
    strict = await createKey('--trusted-documents', 'required');
    loose = await createKey();
    const { staff } = await testIssuers();
    const claims = { sub: 'officer-1', org: '0180', municipality: '0180', scope: 'citizen:read citizen:address:read' };
    portalToken = await staff.mint({ ...claims, azp: PORTAL, exp: Math.floor(Date.now() / 1000) + 3600 });
    otherAppToken = await staff.mint({ ...claims, azp: 'some-other-app', exp: Math.floor(Date.now() / 1000) + 3600 });
    for (const client of [strict.id, loose.id, PORTAL]) {
      const added = await samgraf('documents', 'add', '--client', client, file('citizen.graphql', CITIZEN_DOC));
      assert.equal(added.status, 0, added.stderr);
      assert.match(added.stdout, new RegExp(`^${sha256(CITIZEN_DOC)}  Citizen  added$`, 'm'));
    }
  });

  after(async () => {
    await storeDb?.destroy();
    await server?.close();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('samgraf documents', () => {
    it('adds from an Apollo manifest and a Guild manifest, lists, and removes', async () => {
      const apollo = file('apollo.json', JSON.stringify({
        format: 'apollo-persisted-query-manifest', version: 1,
        operations: [{ id: sha256(NAME_DOC), name: 'Name', type: 'query', body: NAME_DOC }],
      }));
      const other = '{ me { type organization } }';
      const guild = file('guild.json', JSON.stringify({ [sha256(other)]: other }));
      const added = await samgraf('documents', 'add', '--client', loose.id, apollo, guild);
      assert.equal(added.status, 0, added.stderr);
      assert.match(added.stdout, new RegExp(`^${sha256(NAME_DOC)}  Name  added$`, 'm'));
      assert.match(added.stdout, new RegExp(`^${sha256(other)}  \\(anonymous\\)  added$`, 'm'));
      const again = await samgraf('documents', 'add', '--client', loose.id, apollo);
      assert.match(again.stdout, /already registered/);

      const listed = JSON.parse((await samgraf('documents', 'list', '--client', loose.id, '--format', 'json')).stdout) as { id: string; text: string; client: string }[];
      assert.deepEqual(listed.map((d) => d.id).sort(), [sha256(CITIZEN_DOC), sha256(NAME_DOC), sha256(other)].sort());
      assert.ok(listed.every((d) => d.client === loose.id && d.text === (d.id === sha256(NAME_DOC) ? NAME_DOC : d.id === sha256(other) ? other : CITIZEN_DOC)));
      const text = (await samgraf('documents', 'list')).stdout;
      assert.match(text, new RegExp(`^${strict.id}\\s+${sha256(CITIZEN_DOC)}\\s+Citizen`, 'm'));

      const removed = await samgraf('documents', 'remove', '--client', loose.id, sha256(other));
      assert.equal(removed.status, 0, removed.stderr);
      const gone = await samgraf('documents', 'remove', '--client', loose.id, sha256(other));
      assert.equal(gone.status, 1);
      assert.match(gone.stderr, /has no trusted document/);
    });

    it('refuses, with the reason, a document that does not fit the schema or the limits, and stores none of the batch', async () => {
      const good = 'query Fine { me { type } }';
      const cases: [string, string, RegExp][] = [
        ['unknown-field.graphql', '{ citizen(personalNumber: "1") { shoeSize } }', /does not fit the schema: Cannot query field "shoeSize"/],
        ['mutation.graphql', 'mutation { x }', /Cannot query field "x" on type "Mutation"/],
        ['subscription.graphql', 'subscription { x }', /serves no subscriptions/],
        ['syntax.graphql', '{ citizen(', /not valid GraphQL/],
        ['aliases.graphql', `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { type }`).join(' ')} }`, /TOO_MANY|aliases; the limit is 30|root fields; the limit is 10/],
        ['deep.graphql', `{ citizen(personalNumber: "1") { ${'relations { citizen { '.repeat(8)}familyName${' } }'.repeat(8)} } }`, /nested deeper than 15|nests deeper/],
        ['costly.graphql', '{ citizensByMunicipality(code: "0180", first: 100) { edges { node { benefits { payments { id } } relations { citizen { benefits { payments { id } } } } } } } }', /could touch about \d+ fields; the limit is 250000/],
        ['empty.graphql', '  ', /empty/],
      ];
      for (const [name, text, reason] of cases) {
        const result = await samgraf('documents', 'add', '--client', loose.id, file('ok.graphql', good), file(name, text));
        assert.equal(result.status, 1, `${name}: ${result.stdout}`);
        assert.match(result.stderr, new RegExp(name.replace('.', '\\.')), name);
        assert.match(result.stderr, reason, `${name}: ${result.stderr}`);
      }
      const mismatch = file('lying.json', JSON.stringify({ [sha256('{ me { type } }')]: good }));
      const lying = await samgraf('documents', 'add', '--client', loose.id, mismatch);
      assert.equal(lying.status, 1);
      assert.match(lying.stderr, /is not the SHA-256 of its text/);
      const listed = JSON.parse((await samgraf('documents', 'list', '--client', loose.id, '--format', 'json')).stdout) as { id: string }[];
      assert.ok(!listed.some((d) => d.id === sha256(good)), 'nothing of a refused batch is stored');
      const nobody = await samgraf('documents', 'add', '--client', 'no-such-client', file('ok.graphql', good));
      assert.equal(nobody.status, 1);
      assert.match(nobody.stderr, /no client no-such-client/);
    });
  });

  describe('a client held to its documents', () => {
    for (const [who, credential] of [['an API key created with --trusted-documents required', () => key(strict)], [`a JWT client (azp ${PORTAL}) config clients holds`, () => bearer(portalToken)]] as const) {
      it(`${who} runs its document by id, by each road`, async () => {
        const variables = { pnr: stockholmer };
        const byDocumentId = await post(credential(), { documentId: `sha256:${sha256(CITIZEN_DOC)}`, variables });
        assert.equal(byDocumentId.status, 200, JSON.stringify(byDocumentId.raw));
        assert.equal((byDocumentId.data as any).citizen.personalNumber, stockholmer);
        const byHash = await post(credential(), { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(CITIZEN_DOC) } }, variables });
        assert.deepEqual(byHash.data, byDocumentId.data);
        const byGet = await get(credential(), { documentId: sha256(CITIZEN_DOC), variables: JSON.stringify(variables) });
        assert.deepEqual(byGet.data, byDocumentId.data);
        const byGetHash = await get(credential(), { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(CITIZEN_DOC) } }), variables: JSON.stringify(variables) });
        assert.deepEqual(byGetHash.data, byDocumentId.data);
      });

      it(`${who} cannot run anything else, by any road`, async () => {
        const variables = { pnr: stockholmer };
        const apqText = 'query Apq($pnr: String!) { citizen(personalNumber: $pnr) { familyName } }';
        assertRequired(await post(credential(), { query: CITIZEN_DOC, variables }), 'its own document, inline');
        assertRequired(await post(credential(), { query: '{ __schema { types { name } } }' }), 'introspection, inline');
        assertRequired(await get(credential(), { query: CITIZEN_DOC, variables: JSON.stringify(variables) }), 'GET ?query');
        assertRequired(await post(credential(), { query: apqText, variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(apqText) } } }), 'an APQ registration');
        assertRequired(await post(credential(), { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(apqText) } }, variables }), 'the APQ hash afterwards');
        assertRequired(await post(credential(), { documentId: sha256(NAME_DOC), variables }), "another client's document");
        assertRequired(await post(credential(), { documentId: 'f'.repeat(64) }), 'an unknown id');
        assertRequired(await post(credential(), { variables }), 'no document at all');
        const batch = await post(credential(), [{ documentId: sha256(CITIZEN_DOC), variables }, { query: NAME_DOC, variables }]);
        assert.ok(Array.isArray(batch.raw));
        const [first, second] = batch.raw as GraphQLResponse[];
        assert.equal((first!.data as any).citizen.personalNumber, stockholmer, 'the registered piece of a batch runs');
        assert.equal(second!.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_REQUIRED', 'the inline piece of a batch does not');
        assert.equal(second!.data ?? null, null);
      });
    }

    it('a refused text is still on record as an attempt at the persons it names', async () => {
      const requestId = `refused-${crypto.randomUUID()}`;
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-purpose': 'social-services', 'x-request-id': requestId, ...key(strict) },
        body: JSON.stringify({ query: 'query Probe($pnr: String!) { citizen(personalNumber: $pnr) { familyName } }', variables: { pnr: stockholmer }, operationName: 'Probe' }),
      });
      assert.equal(response.status, 400);
      const event = await eventOf(requestId);
      assert.equal(event.outcome, 'DENIED');
      assert.equal(event.principal_api_key_id, strict.id);
      assert.equal(event.operation_name, 'Probe');
      assert.deepEqual(JSON.parse(event.subjects_requested as string), [stockholmer]);
      assert.deepEqual(JSON.parse(event.subjects as string), []);
      assert.deepEqual(JSON.parse(event.fields_read as string), []);
    });

    it('a document removed is refused on the next request', async () => {
      const doc = 'query Removable($pnr: String!) { citizen(personalNumber: $pnr) { birthDate } }';
      assert.equal((await samgraf('documents', 'add', '--client', strict.id, file('removable.graphql', doc))).status, 0);
      const before = await post(key(strict), { documentId: sha256(doc), variables: { pnr: stockholmer } });
      assert.equal(before.status, 200, JSON.stringify(before.raw));
      assert.equal((await samgraf('documents', 'remove', '--client', strict.id, `sha256:${sha256(doc)}`)).status, 0);
      assertRequired(await post(key(strict), { documentId: sha256(doc), variables: { pnr: stockholmer } }), 'a removed document');
      // What the earlier event ran stays readable for an auditor.
      const audit = await server.query(`{ auditEvents(filter: { principal: "${strict.id}" }, first: 100) { edges { node { documentHash documentText } } } }`, undefined, { 'x-purpose': 'audit' });
      const ran = (audit.data as any).auditEvents.edges.map((edge: any) => edge.node).find((node: any) => node.documentHash === sha256(doc));
      assert.equal(ran?.documentText, doc);
    });

    it('a client id that differs only in case is another client, in the store too', async () => {
      const doc = 'query Shouty { me { type } }';
      await new TrustedDocumentStore(store()).add(strict.id.toUpperCase(), [{ text: doc, operations: ['Shouty'] }]);
      assertRequired(await post(key(strict), { documentId: sha256(doc) }), 'a document registered for the id in upper case');
    });

    it('a token is held when either of azp and client_id names a required client; an inherited property name is no client', async () => {
      const { staff } = await testIssuers();
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const claims = { sub: 'officer-2', org: '0180', municipality: '0180', scope: 'citizen:read', exp };
      const exchanged = await staff.mint({ ...claims, azp: 'some-other-app', client_id: PORTAL });
      assertRequired(await post(bearer(exchanged), { query: NAME_DOC, variables: { pnr: stockholmer } }), 'client_id names the required client');
      const inherited = await staff.mint({ ...claims, azp: 'constructor' });
      const reply = await post(bearer(inherited), { query: NAME_DOC, variables: { pnr: stockholmer } });
      assert.equal(reply.status, 200, JSON.stringify(reply.raw));
      const metrics = await (await fetch(server.metricsUrl, { headers: bearer(METRICS_TOKEN) })).text();
      assert.ok(!metrics.includes('client="constructor"'), 'no label for an inherited property name');
    });
  });

  describe('a client not held to them', () => {
    it('runs its document by id with exactly the answer and access-log event of the same text inline', async () => {
      const variables = { pnr: stockholmer };
      const inlineId = `inline-${crypto.randomUUID()}`;
      const byIdId = `by-id-${crypto.randomUUID()}`;
      const inline = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-purpose': 'social-services', 'x-request-id': inlineId, ...key(loose) }, body: JSON.stringify({ query: CITIZEN_DOC, variables, operationName: 'Citizen' }) });
      const byId = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-purpose': 'social-services', 'x-request-id': byIdId, ...key(loose) }, body: JSON.stringify({ documentId: sha256(CITIZEN_DOC), variables, operationName: 'Citizen' }) });
      assert.equal(inline.status, 200);
      assert.equal(byId.status, 200);
      assert.deepEqual(await byId.json(), await inline.json());
      const [inlineEvent, byIdEvent] = [await eventOf(inlineId), await eventOf(byIdId)];
      assert.equal(byIdEvent.document_hash, sha256(CITIZEN_DOC), 'the access log records the document id');
      assert.deepEqual(comparable(byIdEvent), comparable(inlineEvent));
    });

    it('sends what it likes, but another client\'s id is not found; a JWT client config does not name is no client', async () => {
      const inline = await post(key(loose), { query: NAME_DOC, variables: { pnr: stockholmer } });
      assert.equal(inline.status, 200, JSON.stringify(inline.raw));
      const foreign = await post(bearer(otherAppToken), { documentId: sha256(CITIZEN_DOC), variables: { pnr: stockholmer } });
      assert.equal(foreign.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
      assert.equal(foreign.data ?? null, null);
      const free = await post(bearer(otherAppToken), { query: CITIZEN_DOC, variables: { pnr: stockholmer } });
      assert.equal((free.data as any).citizen.personalNumber, stockholmer);
    });

    it('refuses a malformed documentId, and one sent beside a query', async () => {
      for (const documentId of ['abc', 42, 'sha512:' + 'a'.repeat(64), 'A'.repeat(64)]) {
        const reply = await post(key(loose), { documentId });
        assert.equal(reply.status, 400, String(documentId));
        assert.equal(reply.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
      }
      const both = await post(key(loose), { documentId: sha256(CITIZEN_DOC), query: CITIZEN_DOC });
      assert.equal(both.status, 400);
      assert.match(both.errors![0]!.message, /either a query or a documentId/);
    });
  });

  it("an auditor reads the registered document's text beside the event; an inline document's is not kept", async () => {
    const inlineText = `query Ad { citizen(personalNumber: "${stockholmer}") { familyName } }`;
    await post(key(loose), { query: inlineText });
    const audit = await server.query(`{ auditEvents(filter: { principal: "${loose.id}" }, first: 50) { edges { node { documentHash documentText } } } }`, undefined, { 'x-purpose': 'audit' });
    const nodes = (audit.data as any).auditEvents.edges.map((edge: any) => edge.node) as { documentHash: string; documentText: string | null }[];
    const registered = nodes.find((node) => node.documentHash === sha256(CITIZEN_DOC));
    assert.equal(registered?.documentText, CITIZEN_DOC);
    const inline = nodes.find((node) => node.documentHash === sha256(inlineText));
    assert.ok(inline, 'the inline event');
    assert.equal(inline.documentText, null);
  });

  describe('usage per client and /metrics', () => {
    it('counts each registered client by outcome; /metrics is on its own port, behind its token', async () => {
      await post(key(strict), { documentId: sha256(CITIZEN_DOC), variables: { pnr: stockholmer } });
      await post(key(strict), { query: CITIZEN_DOC, variables: { pnr: stockholmer } });
      await post(bearer(otherAppToken), { query: CITIZEN_DOC, variables: { pnr: stockholmer } });
      const main = await fetch(server.url.replace(/\/graphql$/, '/metrics'), { headers: bearer(METRICS_TOKEN) });
      assert.equal(main.status, 404, 'the main port no longer serves /metrics');
      assert.equal(server.metricsUrl, `http://127.0.0.1:${metricsPort}/metrics`);
      const refused = await fetch(server.metricsUrl);
      assert.equal(refused.status, 401);
      assert.equal((await fetch(server.metricsUrl, { headers: bearer(`${METRICS_TOKEN}x`) })).status, 401);
      const scraped = await fetch(server.metricsUrl, { headers: bearer(METRICS_TOKEN) });
      assert.equal(scraped.status, 200);
      const text = await scraped.text();
      const count = (client: string, outcome: string) => Number(new RegExp(`^samgraf_client_requests_total\\{client="${client}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      assert.ok(count(strict.id, 'ok') >= 1, text.split('\n').filter((line) => line.startsWith('samgraf_client')).join('\n'));
      assert.ok(count(strict.id, 'refused') >= 1);
      assert.ok(count(PORTAL, 'refused') >= 1);
      assert.ok(count('none', 'ok') >= 1, 'a JWT client config does not name counts as none');
      assert.ok(!text.includes('some-other-app'), 'an unregistered client id is never a label');
      assert.ok(!text.includes(stockholmer));
      assert.equal((await fetch(server.metricsUrl.replace('/metrics', '/graphql'))).status, 404, 'the metrics port serves nothing else');
    });
  });
});
