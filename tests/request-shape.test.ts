/**
 * Requests are judged by their shape before anything expensive runs (issue 12, items 7 and 8):
 * - every JSON type in every member of a GraphQL-over-HTTP request (query, operationName, variables, extensions,
 *   the persisted-query extension, its version and hash), anonymous and authenticated, POST, GET and in a batch,
 *   gets an answer below 500 with a documented code — never the 500 an object as the persisted-query hash gave;
 * - a document without credentials that asks for more than schema metadata is refused 401 before graphql-js
 *   validates it: an invalid document gets 401, not GRAPHQL_VALIDATION_FAILED, so validation did not run;
 * - every caller's document is bounded in definitions (operations + fragments) and directives before validation,
 *   at the default limits (100 each), while a normal document with fragments and directives is served.
 * Nothing here is about time: only statuses and codes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { documentedCodes } from './helpers/error-codes.js';
import { memberCases } from './helpers/fuzz.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { superuserHeaders } from './helpers/tokens.js';

interface Reply {
  status: number;
  text: string;
  body: any;
}

/** The error codes of an answer: a single result's, or every piece's of a batch. */
function codesOf(body: any): string[] {
  const results = Array.isArray(body) ? body : [body];
  return results.flatMap((result) => (Array.isArray(result?.errors) ? result.errors.map((e: any) => e?.extensions?.code) : []));
}

const META_QUERY = '{ __typename }';
const META_HASH = createHash('sha256').update(META_QUERY).digest('hex');

describe('request shape, checked before Apollo reads or validates anything', { timeout: 300_000 }, () => {
  let seeded: SeededSources;
  let server: TestServer;
  let auth: Record<string, string>;
  let codes: Map<string, Set<number>>;

  before(async () => {
    codes = documentedCodes();
    seeded = await seededSources('sqlite', { citizens: 20, seed: 'request-shape' });
    // Batching on, so that every case is also sent as one piece of a batch.
    server = await startTestServer({ ...seeded.urls, store: 'sqlite::memory:' }, { limits: { maxBatchSize: 5 } });
    auth = await superuserHeaders();
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  async function post(body: string, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) };
  }

  async function get(search: string, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${server.url}?${search}`, { headers: { accept: 'application/json', ...headers } });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) };
  }

  const query = (document: string, headers: Record<string, string> = {}) => post(JSON.stringify({ query: document }), headers);

  describe('every JSON type in every member: a 4xx (or an answer), never a 5xx', () => {
    it('the issue\'s request (an object as the persisted-query hash, no credentials) is 400 BAD_REQUEST', async () => {
      const reply = await post('{"extensions":{"persistedQuery":{"version":1,"sha256Hash":{"toString":1}}}}');
      assert.equal(reply.status, 400, reply.text);
      assert.deepEqual(codesOf(reply.body), ['BAD_REQUEST']);
      assert.match(reply.body.errors[0].message, /sha256Hash/);
    });

    it('a persisted query of another version is 400 PERSISTED_QUERY_NOT_SUPPORTED, by POST and GET', async () => {
      for (const reply of [
        await post(`{"extensions":{"persistedQuery":{"version":2,"sha256Hash":"${META_HASH}"}}}`),
        await get(`extensions=${encodeURIComponent(`{"persistedQuery":{"version":"1","sha256Hash":"${META_HASH}"}}`)}`),
      ]) {
        assert.equal(reply.status, 400, reply.text);
        assert.deepEqual(codesOf(reply.body), ['PERSISTED_QUERY_NOT_SUPPORTED']);
      }
    });

    it('a well-formed persisted query still works: registered with its query, then sent by hash alone', async () => {
      const registered = await post(`{"query":${JSON.stringify(META_QUERY)},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"${META_HASH}"}}}`);
      assert.equal(registered.status, 200, registered.text);
      const byHash = await post(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"${META_HASH}"}}}`);
      assert.equal(byHash.status, 200, byHash.text);
      assert.deepEqual(byHash.body.data, { __typename: 'Query' });
    });

    it('anonymous and authenticated, POST, GET and batch: every case below 500 with documented codes', async () => {
      const cases = memberCases(META_QUERY, META_HASH);
      const problems: string[] = [];
      let sent = 0;
      for (const c of cases) {
        for (const [who, headers] of [['anonymous', {}], ['authenticated', auth]] as const) {
          for (const [how, send] of [
            ['POST', () => post(c.json, headers)],
            ['GET', () => get(c.search, headers)],
            ['batch', () => post(`[${c.json},{"query":${JSON.stringify(META_QUERY)}}]`, headers)],
          ] as const) {
            const reply = await send();
            sent += 1;
            const where = `${c.member} = ${c.value} (${who}, ${how})`;
            if (reply.status >= 500) problems.push(`${where}: HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
            const found = codesOf(reply.body);
            if (reply.status >= 400 && found.length === 0) problems.push(`${where}: HTTP ${reply.status} without an error code`);
            for (const code of found) {
              if (!codes.has(code)) problems.push(`${where}: undocumented code ${String(code)}`);
              if (code === 'INTERNAL_SERVER_ERROR') problems.push(`${where}: INTERNAL_SERVER_ERROR`);
            }
          }
        }
      }
      assert.deepEqual(problems, [], `${problems.length} of ${sent} requests`);
      assert.ok(sent >= 1000, `${sent} requests`);
    });

    it('a member of the wrong type is refused by name: 400 BAD_REQUEST', async () => {
      for (const [body, member] of [
        ['{"query":{"toString":1}}', /query/],
        ['{"query":"{ __typename }","operationName":[]}', /operationName/],
        ['{"query":"{ __typename }","variables":[1]}', /variables/],
        ['{"query":"{ __typename }","extensions":"{}"}', /extensions/],
        ['{"query":"{ __typename }","extensions":{"persistedQuery":true}}', /persistedQuery/],
        ['1', /JSON object/],
        // An empty batch once reached Apollo's batch answer with nothing to answer: 500.
        ['[]', /at least one operation/],
      ] as const) {
        for (const headers of [{}, auth]) {
          const reply = await post(body, headers);
          assert.equal(reply.status, 400, `${body}: ${reply.text}`);
          assert.deepEqual(codesOf(reply.body), ['BAD_REQUEST'], body);
          assert.match(reply.body.errors[0].message, member, body);
        }
      }
    });
  });

  describe('anonymous documents are refused before validation (401), bounds apply to everyone', () => {
    const fragments = (n: number, on: string, body: string) => Array.from({ length: n }, (_, i) => `fragment F${i} on ${on} { ${body} }`).join('\n');

    it('1,000 fragments without credentials: 401, not the validation errors the unused fragments would give', async () => {
      const document = `{ citizen(personalNumber: "197001011234") { ...F0 } }\n${fragments(1000, 'Citizen', 'familyName')}`;
      assert.ok(document.length > 30_000);
      const reply = await query(document);
      assert.equal(reply.status, 401, reply.text.slice(0, 300));
      assert.deepEqual(codesOf(reply.body), ['UNAUTHENTICATED']);
    });

    it('an invalid document without credentials: 401, not GRAPHQL_VALIDATION_FAILED (validation never ran), by POST, GET and batch', async () => {
      const invalid = '{ noSuchField citizen { alsoMissing } ...Undefined }';
      const single = await query(invalid);
      assert.equal(single.status, 401, single.text);
      assert.deepEqual(codesOf(single.body), ['UNAUTHENTICATED']);
      const viaGet = await get(`query=${encodeURIComponent(invalid)}`);
      assert.equal(viaGet.status, 401, viaGet.text);
      assert.deepEqual(codesOf(viaGet.body), ['UNAUTHENTICATED']);
      const batch = await post(JSON.stringify([{ query: META_QUERY }, { query: invalid }]));
      assert.deepEqual(batch.body.map((piece: any) => codesOf(piece)), [[], ['UNAUTHENTICATED']], batch.text);
    });

    it('introspection without credentials, which the default policy never serves: 401 before validation', async () => {
      // Validating this repeated field took 450 ms per request: twenty at once held /healthz for seconds.
      const repeated = `{ __schema { ${'types { name } '.repeat(1500)} } }`;
      for (const document of [repeated, '{ __schema { noSuchField } }', '{ ...T } fragment T on Query { __type(name: "Query") { nope } }']) {
        const reply = await query(document);
        assert.equal(reply.status, 401, reply.text.slice(0, 300));
        assert.deepEqual(codesOf(reply.body), ['UNAUTHENTICATED']);
      }
    });

    it('the same invalid document with credentials is validated as before', async () => {
      const reply = await query('{ noSuchField }', auth);
      assert.equal(reply.status, 400);
      assert.deepEqual(codesOf(reply.body), ['GRAPHQL_VALIDATION_FAILED']);
    });

    it('schema metadata without credentials is still served, with a few fragments and directives', async () => {
      const reply = await query('query Meta { __typename ...T @include(if: true) } fragment T on Query { kind: __typename @skip(if: false) }');
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body.data, { __typename: 'Query', kind: 'Query' });
    });

    it('more than 100 definitions (operations + fragments) is 400 TOO_MANY_DEFINITIONS, for everyone; 100 is served', async () => {
      const operations = (n: number) => JSON.stringify({ query: Array.from({ length: n }, (_, i) => `query Q${i} { __typename }`).join('\n'), operationName: 'Q0' });
      for (const headers of [{}, auth]) {
        const atLimit = await post(operations(100), headers);
        assert.equal(atLimit.status, 200, atLimit.text.slice(0, 300));
        const over = await post(operations(101), headers);
        assert.equal(over.status, 400, over.text.slice(0, 300));
        assert.deepEqual(codesOf(over.body), ['TOO_MANY_DEFINITIONS']);
        assert.match(over.body.errors[0].message, /101 definitions.*limit is 100/);
      }
      const spreading = (n: number) => `query Q { me { ${Array.from({ length: n }, (_, i) => `...F${i}`).join(' ')} } }\n${fragments(n, 'Principal', 'subject')}`;
      const fragmentsAtLimit = await query(spreading(99), auth);
      assert.equal(fragmentsAtLimit.status, 200, fragmentsAtLimit.text.slice(0, 300));
      const fragmentsOver = await query(spreading(100), auth);
      assert.equal(fragmentsOver.status, 400, fragmentsOver.text.slice(0, 300));
      assert.deepEqual(codesOf(fragmentsOver.body), ['TOO_MANY_DEFINITIONS']);
      const viaGet = await get(`query=${encodeURIComponent(Array.from({ length: 101 }, (_, i) => `query Q${i} { __typename }`).join('\n'))}&operationName=Q0`, auth);
      assert.equal(viaGet.status, 400, viaGet.text.slice(0, 300));
      assert.deepEqual(codesOf(viaGet.body), ['TOO_MANY_DEFINITIONS']);
    });

    it('variable definitions count as definitions: 99 variables and their operation are served, 100 are 400 TOO_MANY_DEFINITIONS', async () => {
      const variables = (n: number) => {
        const names = Array.from({ length: n }, (_, i) => `$v${i}`);
        return `query Q(${names.map((name) => `${name}: Boolean = true`).join(' ')}) { me { ${names.map((name) => `subject @include(if: ${name})`).join(' ')} } }`;
      };
      const atLimit = await query(variables(99), auth);
      assert.equal(atLimit.status, 200, atLimit.text.slice(0, 300));
      const over = await query(variables(100), auth);
      assert.equal(over.status, 400, over.text.slice(0, 300));
      assert.deepEqual(codesOf(over.body), ['TOO_MANY_DEFINITIONS']);
      // Unused, they would cost validation; refused before it: the limit's code, not NoUnusedVariables' errors.
      const unused = await query(`query Q(${Array.from({ length: 3000 }, (_, i) => `$u${i}: Int`).join(' ')}) { __typename }`);
      assert.equal(unused.status, 400, unused.text.slice(0, 300));
      assert.deepEqual(codesOf(unused.body), ['TOO_MANY_DEFINITIONS']);
    });

    it('without credentials, aliases are counted before validation: 10 (the root-field limit) served, 31 are 400 TOO_MANY_ALIASES (not the validation error an unused fragment gives)', async () => {
      const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
      const atLimit = await query(aliased(10));
      assert.equal(atLimit.status, 200, atLimit.text.slice(0, 300));
      const over = await query(`${aliased(31)} fragment Unused on Query { __typename }`);
      assert.equal(over.status, 400, over.text.slice(0, 300));
      assert.deepEqual(codesOf(over.body), ['TOO_MANY_ALIASES']);
      const thousands = await query(aliased(5000));
      assert.deepEqual(codesOf(thousands.body), ['TOO_MANY_ALIASES']);
    });

    it('more than 100 directives is 400 TOO_MANY_DIRECTIVES; 100 is served; in a batch only that piece is refused', async () => {
      const directives = (n: number) => `{ me { ${'subject @include(if: true) '.repeat(n)}} }`;
      const atLimit = await query(directives(100), auth);
      assert.equal(atLimit.status, 200, atLimit.text.slice(0, 300));
      const over = await query(directives(101), auth);
      assert.equal(over.status, 400, over.text.slice(0, 300));
      assert.deepEqual(codesOf(over.body), ['TOO_MANY_DIRECTIVES']);
      const batch = await post(JSON.stringify([{ query: '{ me { subject } }' }, { query: directives(101) }]), auth);
      assert.deepEqual(batch.body.map((piece: any) => codesOf(piece)), [[], ['TOO_MANY_DIRECTIVES']], batch.text.slice(0, 300));
    });

    it('a normal authenticated document with fragments and directives is served', async () => {
      const reply = await post(JSON.stringify({
        query: 'query Me($full: Boolean!) { me { ...Who @include(if: $full) } __typename @skip(if: false) } fragment Who on Principal { subject type }',
        variables: { full: true },
      }), auth);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.errors, undefined);
      assert.equal(typeof reply.body.data.me.subject, 'string');
    });
  });
});
