/**
 * Request limits at their exact boundaries (README "Request limits"), on a server configured with small limits
 * so that each boundary is easy to hit: for every limit, a request just under (or exactly at) it is served, one
 * just over is refused with the documented code and HTTP status. Also: no "Did you mean" in validation errors,
 * no stack traces in any error, introspection per `server.introspection`, plain GETs (no CSRF header), and
 * `samgraf serve --check-config`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { runCli } from './helpers/cli.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { superuserHeaders, testIssuers } from './helpers/tokens.js';


/**
 * The small limits every boundary below is computed from (rules in src/plugins/limits.ts and src/http.ts).
 * assumedListSize is the default (10), stated so that the cost arithmetic is visible here.
 */
const SMALL_LIMITS = {
  maxDepth: 4,
  maxAliases: 3,
  maxRootFields: 3,
  // citizens(3 numbers) { benefits { payments { id } } } costs exactly 334, see the cost tests.
  maxCost: 334,
  maxTokens: 100,
  assumedListSize: 10,
  maxBodyBytes: 2048,
  // maxBatchSize left out: its default (1) turns batching off.
};

const LIMIT_CODES = ['QUERY_TOO_DEEP', 'TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS', 'QUERY_TOO_COSTLY', 'GRAPHQL_PARSE_FAILED', 'PAYLOAD_TOO_LARGE', 'BATCHING_DISABLED', 'BATCH_TOO_LARGE'];

type ErrorBody = { message: string; extensions?: Record<string, unknown> };

interface RawResult {
  status: number;
  headers: Headers;
  body: any;
}

/** Every body any request in this file received, for the stack-trace check at the end. */
const seenBodies: unknown[] = [];

function errorsIn(body: unknown): ErrorBody[] {
  if (Array.isArray(body)) return body.flatMap(errorsIn);
  const errors = (body as { errors?: ErrorBody[] } | null)?.errors;
  return Array.isArray(errors) ? errors : [];
}

function codes(body: unknown): unknown[] {
  return errorsIn(body).map((e) => e.extensions?.code);
}

async function send(url: string, init: RequestInit & { duplex?: 'half' }): Promise<RawResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  seenBodies.push(body);
  return { status: response.status, headers: response.headers, body };
}

/** A POST with the default superuser (all scopes incl. schema:read, purpose employment-support). */
async function post(url: string, body: string, headers: Record<string, string | undefined> = {}): Promise<RawResult> {
  const merged = Object.entries({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(await superuserHeaders()), ...headers })
    .filter((entry): entry is [string, string] => entry[1] !== undefined);
  return send(url, { method: 'POST', headers: Object.fromEntries(merged), body });
}

function assertServed(result: { status: number; body?: unknown } | GraphQLResponse, label: string): void {
  const body = 'body' in result ? result.body : result;
  assert.equal(result.status, 200, `${label}: ${JSON.stringify(body).slice(0, 500)}`);
  assert.deepEqual(codes(body), [], `${label}: no errors`);
}

function assertRefused(result: { status: number; body?: unknown } | GraphQLResponse, status: number, code: string, label: string): void {
  const body = 'body' in result ? result.body : result;
  assert.equal(result.status, status, `${label}: ${JSON.stringify(body).slice(0, 500)}`);
  assert.deepEqual(codes(body), [code], `${label}: ${JSON.stringify(body).slice(0, 500)}`);
  const data = (body as { data?: unknown }).data;
  assert.ok(data === undefined || data === null, `${label}: nothing executed`);
}

describe('request limits, introspection, GET, check-config (SQLite)', () => {
  let seeded: SeededSources;
  let dir: string;
  /** Small limits, introspection 'scope' (the default). */
  let small: TestServer;
  /** Small limits except maxBatchSize 3. */
  let batching: TestServer;
  let authenticatedIntrospection: TestServer;
  let everyoneIntrospection: TestServer;
  let numbers: string[];

  const query = async (server: TestServer, q: string, variables?: Record<string, unknown>, headers?: Record<string, string | undefined>) => {
    const result = await server.query(q, variables, headers);
    seenBodies.push(result);
    return result;
  };

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 200, seed: 'limits' });
    dir = mkdtempSync(join(tmpdir(), 'samgraf-limits-'));
    const withStore = (name: string) => ({ ...seeded.urls, store: `sqlite://${join(dir, `${name}.db`)}` });
    small = await startTestServer(withStore('small'), { limits: SMALL_LIMITS });
    batching = await startTestServer(withStore('batching'), { limits: { ...SMALL_LIMITS, maxBatchSize: 3 } });
    authenticatedIntrospection = await startTestServer(withStore('authenticated'), { server: { port: 0, host: '127.0.0.1', introspection: 'authenticated' } });
    everyoneIntrospection = await startTestServer(withStore('everyone'), { server: { port: 0, host: '127.0.0.1', introspection: 'everyone' } });
    const register = openDatabase(seeded.urls.populationRegister);
    const rows = await register('FB_PERSON').whereNull('SKYDDAD_FB').whereNull('SEKRETESS').orderBy('PERSONID').select('PERSONID', 'KOMMUNKOD');
    await register.destroy();
    const valid = rows.filter((r: { PERSONID: string }) => isValidPersonalNumber(r.PERSONID));
    numbers = valid.map((r: { PERSONID: string }) => r.PERSONID).slice(0, 10);
    assert.ok(numbers.length === 10, 'the seed has valid personal numbers');
  });

  after(async () => {
    await small?.close();
    await batching?.close();
    await authenticatedIntrospection?.close();
    await everyoneIntrospection?.close();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('maxDepth (4): QUERY_TOO_DEEP, 400', () => {
    // Depth counts fields: a leaf is 1, a field with a selection set is 1 + the depth of its deepest child.
    it('depth 4 is served: citizen(1) > benefits(2) > payments(3) > id(4)', async () => {
      const result = await query(small, 'query($pn: String!) { citizen(personalNumber: $pn) { benefits { payments { id } } } }', { pn: numbers[0] });
      assertServed(result, 'depth 4');
      assert.equal((result.data as any).citizen !== undefined, true);
    });

    it('depth 5 is refused: ... > payments(3) > amount(4) > amount(5)', async () => {
      const result = await query(small, 'query($pn: String!) { citizen(personalNumber: $pn) { benefits { payments { amount { amount } } } } }', { pn: numbers[0] });
      assertRefused(result, 400, 'QUERY_TOO_DEEP', 'depth 5');
    });

    it('depth counts through fragment spreads and inline fragments', async () => {
      const underViaFragments = await query(small, `query($pn: String!) { ...Root }
        fragment Root on Query { citizen(personalNumber: $pn) { ... on Citizen { benefits { ...Pay } } } }
        fragment Pay on Benefit { payments { id } }`, { pn: numbers[0] });
      assertServed(underViaFragments, 'depth 4 through fragments');
      const viaFragments = await query(small, `query($pn: String!) { ...Root }
        fragment Root on Query { citizen(personalNumber: $pn) { ... on Citizen { benefits { ...Pay } } } }
        fragment Pay on Benefit { payments { amount { amount } } }`, { pn: numbers[0] });
      assertRefused(viaFragments, 400, 'QUERY_TOO_DEEP', 'depth 5 through fragments');
    });
  });

  describe('maxAliases (3): TOO_MANY_ALIASES, 400', () => {
    it('3 aliases are served, 4 refused', async () => {
      assertServed(await query(small, '{ me { a: subject b: type c: organization } }'), '3 aliases');
      assertRefused(await query(small, '{ me { a: subject b: type c: organization d: issuer } }'), 400, 'TOO_MANY_ALIASES', '4 aliases');
    });

    it('aliases in fragments count where they are spread', async () => {
      // 1 alias in the operation + 2 in the fragment = 3: served; 2 + 2 = 4: refused.
      assertServed(await query(small, '{ me { x: subject ...F } } fragment F on Principal { a: type b: organization }'), '1 + 2 aliases');
      assertRefused(await query(small, '{ me { x: subject y: issuer ...F } } fragment F on Principal { a: type b: organization }'), 400, 'TOO_MANY_ALIASES', '2 + 2 aliases');
    });

    it('root-field aliases count too (3 aliased citizens served, 4 refused)', async () => {
      const three = `query($a: String!, $b: String!, $c: String!) { a: citizen(personalNumber: $a) { familyName } b: citizen(personalNumber: $b) { familyName } c: citizen(personalNumber: $c) { familyName } }`;
      assertServed(await query(small, three, { a: numbers[0], b: numbers[1], c: numbers[2] }), '3 aliased roots');
      // 3 root fields (at the root-field limit) but 4 aliases.
      const four = `query($a: String!, $b: String!, $c: String!) { a: citizen(personalNumber: $a) { familyName } b: citizen(personalNumber: $b) { familyName } c: citizen(personalNumber: $c) { n: familyName } }`;
      assertRefused(await query(small, four, { a: numbers[0], b: numbers[1], c: numbers[2] }), 400, 'TOO_MANY_ALIASES', '4 aliases');
    });
  });

  describe('maxRootFields (3): TOO_MANY_ROOT_FIELDS, 400', () => {
    it('3 root fields are served, 4 refused', async () => {
      const three = 'query($pn: String!) { me { subject } __typename citizen(personalNumber: $pn) { familyName } }';
      assertServed(await query(small, three, { pn: numbers[0] }), '3 root fields');
      const four = 'query($pn: String!) { me { subject } __typename citizen(personalNumber: $pn) { familyName } benefit(id: "1") { id } }';
      assertRefused(await query(small, four, { pn: numbers[0] }), 400, 'TOO_MANY_ROOT_FIELDS', '4 root fields');
    });

    it('root fields selected through a fragment count', async () => {
      const four = 'query($pn: String!) { me { subject } ...R } fragment R on Query { __typename citizen(personalNumber: $pn) { familyName } benefit(id: "1") { id } }';
      assertRefused(await query(small, four, { pn: numbers[0] }), 400, 'TOO_MANY_ROOT_FIELDS', '4 root fields via a fragment');
    });
  });

  describe('maxCost (334): QUERY_TOO_COSTLY, 400', () => {
    /*
     * Cost = every field once per object it may resolve on: a field costs the product of the list sizes above
     * it. `citizens` multiplies by its numbers (n), `benefits` and `payments` (lists without `first`) by
     * assumedListSize (A = 10):
     *   citizens 1 + benefits n + payments n·A + id n·A² = 1 + n + 10n + 100n = 1 + 111n
     *   n = 1: 112, n = 2: 223, n = 3: 334 (= maxCost, served), n = 4: 445 (refused), n = 5: 556.
     */
    const shape = 'query($pns: [String!]!) { citizens(personalNumbers: $pns) { benefits { payments { id } } } }';

    it('cost grows with the number of personal numbers: 1, 2 and 3 numbers (cost 112, 223, 334) are served', async () => {
      for (const n of [1, 2, 3]) {
        const result = await query(small, shape, { pns: numbers.slice(0, n) });
        assertServed(result, `${n} numbers, cost ${1 + 111 * n}`);
        assert.equal((result.data as any).citizens.length, n);
      }
    });

    it('4 numbers (cost 445) and 5 numbers (cost 556) are refused, and the message gives that cost', async () => {
      for (const n of [4, 5]) {
        const result = await query(small, shape, { pns: numbers.slice(0, n) });
        assertRefused(result, 400, 'QUERY_TOO_COSTLY', `${n} numbers`);
        assert.match(result.errors![0]!.message, new RegExp(`\\b${1 + 111 * n}\\b.*\\b334\\b`));
      }
    });

    it('a literal list counts the same as a variable', async () => {
      const literal = (n: number) => `{ citizens(personalNumbers: [${numbers.slice(0, n).map((p) => `"${p}"`).join(' ')}]) { benefits { payments { id } } } }`;
      assertServed(await query(small, literal(3)), 'literal list of 3');
      assertRefused(await query(small, literal(4)), 400, 'QUERY_TOO_COSTLY', 'literal list of 4');
    });

    /*
     * citizensByMunicipality is a connection: its selection is multiplied by `first` (k); `edges` is a list
     * without `first`, so it multiplies by A = 10 once more:
     *   citizensByMunicipality 1 + edges k + node k·A + familyName k·A = 1 + k + 20k = 1 + 21k
     *   k = 15: 316 (served), k = 16: 337 (refused); no `first` means the default page, 20: 421 (refused).
     */
    const page = 'query($first: Int) { citizensByMunicipality(code: "0180", first: $first) { edges { node { familyName } } } }';

    it('first: 15 on citizensByMunicipality (cost 316) is served', async () => {
      const result = await query(small, page, { first: 15 });
      assertServed(result, 'first 15');
      const edges = (result.data as any).citizensByMunicipality.edges.length;
      assert.ok(edges > 0 && edges <= 15, `${edges} edges`);
    });

    it('first: 16 (cost 337) is refused, and so is the default page of 20 (cost 421)', async () => {
      const sixteen = await query(small, page, { first: 16 });
      assertRefused(sixteen, 400, 'QUERY_TOO_COSTLY', 'first 16');
      assert.match(sixteen.errors![0]!.message, /\b337\b/);
      const literal = await query(small, '{ citizensByMunicipality(code: "0180", first: 16) { edges { node { familyName } } } }');
      assertRefused(literal, 400, 'QUERY_TOO_COSTLY', 'literal first 16');
      const byDefault = await query(small, page, {});
      assertRefused(byDefault, 400, 'QUERY_TOO_COSTLY', 'default first');
      assert.match(byDefault.errors![0]!.message, /\b421\b/);
    });
  });

  describe('maxTokens (100): GRAPHQL_PARSE_FAILED, 400', () => {
    // `{ me { subject … subject } }`: the tokens `{`, `me`, `{`, k × `subject`, `}`, `}` = k + 5 (EOF is not counted).
    const document = (k: number) => `{ me {${' subject'.repeat(k)} } }`;

    it('100 tokens (k = 95) are served', async () => {
      assertServed(await query(small, document(95)), '100 tokens');
    });

    it('101 tokens (k = 96) are refused', async () => {
      assertRefused(await query(small, document(96)), 400, 'GRAPHQL_PARSE_FAILED', '101 tokens');
    });

    it('comments and commas are not tokens', async () => {
      assertServed(await query(small, `# ${'x'.repeat(500)}\n{ me {${' subject,'.repeat(95)} } }`), '100 tokens with a comment and commas');
    });
  });

  describe('maxBodyBytes (2048): PAYLOAD_TOO_LARGE, 413', () => {
    // JSON allows white space after the value, so the body is padded to an exact size.
    const bodyOf = (bytes: number) => {
      const json = JSON.stringify({ query: '{ me { subject } }' });
      return json + ' '.repeat(bytes - Buffer.byteLength(json));
    };

    it('a body of exactly 2048 bytes is served', async () => {
      const body = bodyOf(2048);
      assert.equal(Buffer.byteLength(body), 2048);
      assertServed(await post(small.url, body), '2048 bytes');
    });

    it('a body of 2049 bytes is refused', async () => {
      const result = await post(small.url, bodyOf(2049));
      assertRefused(result, 413, 'PAYLOAD_TOO_LARGE', '2049 bytes');
    });

    it('the same boundary holds for a chunked body without Content-Length', async () => {
      const chunked = (text: string) => {
        const bytes = Buffer.from(text);
        return new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 500) controller.enqueue(bytes.subarray(i, i + 500));
            controller.close();
          },
        });
      };
      const headers = { 'content-type': 'application/json', accept: 'application/json', ...(await superuserHeaders()) };
      const under = await send(small.url, { method: 'POST', headers, body: chunked(bodyOf(2048)) as any, duplex: 'half' });
      assertServed(under, 'chunked 2048 bytes');
      const over = await send(small.url, { method: 'POST', headers, body: chunked(bodyOf(2049)) as any, duplex: 'half' });
      assertRefused(over, 413, 'PAYLOAD_TOO_LARGE', 'chunked 2049 bytes');
    });
  });

  describe('maxBatchSize: BATCHING_DISABLED / BATCH_TOO_LARGE, 400', () => {
    const ops = (pn: string) => [
      { query: '{ me { subject } }' },
      { query: 'query One($pn: String!) { citizen(personalNumber: $pn) { personalNumber } }', variables: { pn }, operationName: 'One' },
      { query: '{ __typename }' },
      { query: '{ me { type } }' },
    ];

    it('by default (maxBatchSize 1) a single operation is served and any array is refused', async () => {
      assertServed(await post(small.url, JSON.stringify(ops(numbers[0]!)[0])), 'single operation');
      assertRefused(await post(small.url, JSON.stringify(ops(numbers[0]!).slice(0, 1))), 400, 'BATCHING_DISABLED', 'array of 1');
      assertRefused(await post(small.url, JSON.stringify(ops(numbers[0]!).slice(0, 2))), 400, 'BATCHING_DISABLED', 'array of 2');
    });

    it('with maxBatchSize 3 a batch of 3 is served, each operation answered in order', async () => {
      const result = await post(batching.url, JSON.stringify(ops(numbers[1]!).slice(0, 3)));
      assert.equal(result.status, 200, JSON.stringify(result.body).slice(0, 500));
      assert.ok(Array.isArray(result.body), 'a batch is answered with an array');
      assert.equal(result.body.length, 3);
      assert.deepEqual(codes(result.body), []);
      assert.equal(result.body[0].data.me.subject, 'test-officer');
      assert.equal(result.body[1].data.citizen.personalNumber, numbers[1]);
      assert.equal(result.body[2].data.__typename, 'Query');
    });

    it("each operation of a batch is access-logged with its own reads only (README: an event's subjects are those whose data was returned)", async () => {
      const batch = [
        { query: 'query A($pn: String!) { citizen(personalNumber: $pn) { familyName } }', variables: { pn: numbers[2] }, operationName: 'A' },
        { query: 'query B($pn: String!) { citizen(personalNumber: $pn) { familyName benefits { id } } }', variables: { pn: numbers[3] }, operationName: 'B' },
        { query: 'query C { me { subject } }', operationName: 'C' },
      ];
      const result = await post(batching.url, JSON.stringify(batch));
      assert.equal(result.status, 200);
      const requestId = result.headers.get('x-request-id');
      assert.ok(requestId);
      assert.deepEqual(codes(result.body), []);
      const store = openDatabase(`sqlite://${join(dir, 'batching.db')}`);
      let events: { operation_name: string | null; subjects: string; fields_read: string }[];
      try {
        events = await store('audit_events').where({ request_id: requestId }).select('operation_name', 'subjects', 'fields_read');
      } finally {
        await store.destroy();
      }
      const parsed = events.map((e) => ({ operation: e.operation_name, subjects: JSON.parse(e.subjects) as string[], fieldsRead: JSON.parse(e.fields_read) as string[] }));
      // Every subject returned is logged ...
      assert.deepEqual([...new Set(parsed.flatMap((e) => e.subjects))].sort(), [numbers[2], numbers[3]].sort(), JSON.stringify(parsed));
      // ... and an event that names an operation lists only what that operation read.
      const own: Record<string, { subjects: string[]; notRead: string[] }> = {
        A: { subjects: [numbers[2]!], notRead: ['Citizen.benefits', 'Query.me', 'Principal.subject'] },
        B: { subjects: [numbers[3]!], notRead: ['Query.me', 'Principal.subject'] },
      };
      for (const event of parsed) {
        const expected = event.operation ? own[event.operation] : undefined;
        if (!expected) continue;
        assert.deepEqual(event.subjects, expected.subjects, `event of operation ${event.operation}: ${JSON.stringify(event)}`);
        for (const field of expected.notRead) assert.ok(!event.fieldsRead.includes(field), `event of operation ${event.operation} lists ${field}, which it did not read`);
      }
    });

    it('with maxBatchSize 3 a batch of 4 is refused', async () => {
      assertRefused(await post(batching.url, JSON.stringify(ops(numbers[1]!))), 400, 'BATCH_TOO_LARGE', 'batch of 4');
    });
  });

  describe('validation errors give no suggestions', () => {
    const misspelt: [string, string, Record<string, unknown>?][] = [
      ['field', '{ me { subjet } }'],
      ['root field', '{ citizn(personalNumber: "x") { familyName } }'],
      ['argument', 'query($pn: String!) { citizen(personalNumbr: $pn) { familyName } }', {}],
      ['enum literal', 'query($pn: String!) { citizen(personalNumber: $pn) { benefits(status: GRANTD) { id } } }', {}],
      ['type condition', '{ me { ... on Principl { subject } } }'],
      ['variable type', 'query($s: [BenefitStatu!]) { me { subject } }'],
    ];

    for (const [what, q, variables] of misspelt) {
      it(`a misspelt ${what}: GRAPHQL_VALIDATION_FAILED without "Did you mean"`, async () => {
        const result = await query(small, q, variables ? { pn: numbers[0] } : undefined);
        assert.equal(result.status, 400, JSON.stringify(result));
        assert.ok(result.errors && result.errors.length > 0);
        for (const error of result.errors) {
          assert.equal(error.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', JSON.stringify(error));
          assert.doesNotMatch(error.message, /did you mean/i);
        }
      });
    }

    it('a misspelt enum value in variables is not answered with a suggestion either', async () => {
      const result = await query(small, 'query($pn: String!, $s: [BenefitStatus!]) { citizen(personalNumber: $pn) { benefits(status: $s) { id } } }', { pn: numbers[0], s: ['GRANTD'] });
      assert.equal(result.status, 400, JSON.stringify(result));
      assert.deepEqual(codes(result), ['BAD_USER_INPUT']);
      assert.doesNotMatch(JSON.stringify(result), /did you mean/i, 'the error must not describe the schema ("Did you mean the enum value …")');
    });
  });

  describe('a document text seen before is judged again for each caller (the edge keeps facts per text)', () => {
    const anonymous = { authorization: undefined, 'x-purpose': undefined };

    it('the same text: anonymous refused, authenticated served, anonymous refused again', async () => {
      const text = '{ me { subject } }';
      assertRefused(await query(small, text, undefined, anonymous), 401, 'UNAUTHENTICATED', 'anonymous, first');
      assertServed(await query(small, text), 'authenticated, same text');
      assertRefused(await query(small, text, undefined, anonymous), 401, 'UNAUTHENTICATED', 'anonymous, again');
    });

    it('a text with a lone surrogate is not taken for its U+FFFD twin, whichever comes first', async () => {
      const twins = (body: string) => [`#\uD800\n${body}`, `#\uFFFD\n${body}`] as const;
      for (const body of ['mutation { me { subject } }', '{ me { subject } }']) {
        const [surrogate, replacement] = twins(body);
        for (const order of [[surrogate, replacement], [replacement, surrogate]]) {
          for (const text of order) {
            const result = await query(small, text, undefined, anonymous);
            if (text === surrogate) assertRefused(result, 400, 'GRAPHQL_PARSE_FAILED', 'lone surrogate');
            else if (body.startsWith('mutation')) assertRefused(result, 400, 'BAD_REQUEST', 'mutation');
            else assertRefused(result, 401, 'UNAUTHENTICATED', 'anonymous data');
          }
        }
      }
    });

    it('a refused text stays refused, with the same code, however often it is sent', async () => {
      const deep = 'query($pn: String!) { citizen(personalNumber: $pn) { benefits { payments { amount { amount } } } } }';
      const aliasedTypenames = '{ a: __typename b: __typename c: __typename d: __typename }';
      for (let round = 1; round <= 3; round++) {
        assertRefused(await query(small, deep, { pn: numbers[0] }), 400, 'QUERY_TOO_DEEP', `too deep, round ${round}`);
        assertRefused(await query(small, 'mutation { me { subject } }'), 400, 'BAD_REQUEST', `mutation, round ${round}`);
        assertRefused(await query(small, aliasedTypenames, undefined, anonymous), 400, 'TOO_MANY_ALIASES', `anonymous aliases, round ${round}`);
        // An authenticated caller's document is validated and measured by Apollo, which finds the root fields first.
        assertRefused(await query(small, aliasedTypenames), 400, 'TOO_MANY_ROOT_FIELDS', `authenticated, same text, round ${round}`);
      }
    });
  });

  describe('introspection', () => {
    const introspect = '{ __schema { queryType { name } } }';
    const typeQuery = '{ __type(name: "Citizen") { name } }';

    async function withoutSchemaRead(): Promise<Record<string, string>> {
      const { staff } = await testIssuers();
      return { authorization: `Bearer ${await staff.mint({ sub: 'no-schema-officer', org: 'AF', scope: 'citizen:read case:read' })}` };
    }

    it("'scope' (the default): refuses anonymous (401), refuses a principal without schema:read (403), serves one with it", async () => {
      assertRefused(await query(small, introspect, undefined, { authorization: undefined, 'x-purpose': undefined }), 401, 'UNAUTHENTICATED', 'anonymous');
      const denied = await query(small, introspect, undefined, await withoutSchemaRead());
      assertRefused(denied, 403, 'INTROSPECTION_NOT_ALLOWED', 'without schema:read');
      assertRefused(await query(small, typeQuery, undefined, await withoutSchemaRead()), 403, 'INTROSPECTION_NOT_ALLOWED', '__type without schema:read');
      assertRefused(await query(small, '{ ...I } fragment I on Query { __schema { queryType { name } } }', undefined, await withoutSchemaRead()), 403, 'INTROSPECTION_NOT_ALLOWED', '__schema in a fragment');
      const served = await query(small, introspect);
      assertServed(served, 'with schema:read');
      assert.equal((served.data as any).__schema.queryType.name, 'Query');
      // __typename is not introspection.
      const typename = await query(small, '{ __typename }', undefined, await withoutSchemaRead());
      assertServed(typename, '__typename without schema:read');
    });

    it("'authenticated': refuses anonymous (401), serves any principal (staff without schema:read, a citizen)", async () => {
      assertRefused(await query(authenticatedIntrospection, introspect, undefined, { authorization: undefined, 'x-purpose': undefined }), 401, 'UNAUTHENTICATED', 'anonymous');
      const staff = await query(authenticatedIntrospection, introspect, undefined, await withoutSchemaRead());
      assertServed(staff, 'staff without schema:read');
      assert.equal((staff.data as any).__schema.queryType.name, 'Query');
      const { citizen } = await testIssuers();
      const asCitizen = await query(authenticatedIntrospection, typeQuery, undefined, { authorization: `Bearer ${await citizen.mint({ sub: numbers[0] })}`, 'x-purpose': undefined });
      assertServed(asCitizen, 'citizen');
      assert.equal((asCitizen.data as any).__type.name, 'Citizen');
    });

    it("'everyone': serves anonymous", async () => {
      const anonymous = await query(everyoneIntrospection, introspect, undefined, { authorization: undefined, 'x-purpose': undefined });
      assertServed(anonymous, 'anonymous');
      assert.equal((anonymous.data as any).__schema.queryType.name, 'Query');
      // Data still needs credentials.
      assertRefused(await query(everyoneIntrospection, '{ me { subject } }', undefined, { authorization: undefined, 'x-purpose': undefined }), 401, 'UNAUTHENTICATED', 'anonymous data');
    });
  });

  describe('GET as GraphQL over HTTP describes it: no CSRF preflight header needed', () => {
    const getUrl = () => `${small.url}?query=${encodeURIComponent('{ me { subject } }')}`;

    it('a bare GET without credentials is 401 UNAUTHENTICATED, like a POST (not a CSRF refusal)', async () => {
      const result = await send(`${small.url}?query=${encodeURIComponent(`{ citizen(personalNumber: "${numbers[0]}") { familyName } }`)}`, { method: 'GET' });
      assert.equal(result.status, 401, JSON.stringify(result.body));
      assert.deepEqual(codes(result.body), ['UNAUTHENTICATED']);
      assert.ok(!('data' in result.body) || result.body.data == null);
      assert.doesNotMatch(JSON.stringify(result.body), /CSRF/);
    });

    it('a GET with only a bearer token is served, and with a preflight header or a JSON content type too', async () => {
      const authorization = (await superuserHeaders()).authorization!;
      const token = await send(getUrl(), { method: 'GET', headers: { authorization } });
      assertServed(token, 'GET with only a bearer token');
      assert.equal(token.body.data.me.subject, 'test-officer');
      const preflight = await send(getUrl(), { method: 'GET', headers: { authorization, 'apollo-require-preflight': '1' } });
      assertServed(preflight, 'GET with apollo-require-preflight');
      const json = await send(getUrl(), { method: 'GET', headers: { authorization, 'content-type': 'application/json' } });
      assertServed(json, 'GET with content-type application/json');
    });

    it('a GET with an API key is served too', async () => {
      const store = openDatabase(`sqlite://${join(dir, 'small.db')}`);
      let key: string;
      try {
        const spec = { organization: '0180', name: 'csrf test', scopes: ['citizen:read'], purposes: ['social-services'], municipality: '0180', expiresAt: null };
        key = (await new ApiKeyStore(store, ['social-services']).create(spec)).key;
      } finally {
        await store.destroy();
      }
      const result = await send(getUrl(), { method: 'GET', headers: { 'x-api-key': key } });
      assertServed(result, 'GET with only an API key');
    });
  });

  describe('no stack traces', () => {
    it('a few more error shapes: bad JSON, wrong method, unknown path, a mutation, a bad personal number', async () => {
      await post(small.url, '{"query": ');
      await send(small.url, { method: 'PUT', body: '{}' });
      await send(new URL('/no-such-path', small.url).toString(), { method: 'GET' });
      await query(small, 'mutation { me { subject } }');
      await query(small, '{ citizen(personalNumber: "19000101-0000") { familyName } }');
      await query(small, '{ citizen(personalNumber: "x") { familyName } }', undefined, { authorization: 'Bearer not.a.jwt' });
    });

    it('no error in any response of this file carries a stacktrace (or any exception detail) in its extensions', () => {
      const errors = seenBodies.flatMap(errorsIn);
      assert.ok(errors.length > 30, `checked ${errors.length} errors`);
      for (const error of errors) {
        assert.ok(error.extensions === undefined || !('stacktrace' in error.extensions), JSON.stringify(error));
        assert.ok(error.extensions === undefined || !('exception' in error.extensions), JSON.stringify(error));
        assert.doesNotMatch(error.message, /\n\s+at /, 'no stack frames in messages');
      }
      // The limit refusals are among the errors checked (QUERY_TOO_DEEP is checked by its own tests above).
      const seen = new Set(errors.map((e) => e.extensions?.code));
      for (const code of LIMIT_CODES.filter((c) => c !== 'QUERY_TOO_DEEP')) assert.ok(seen.has(code), `saw ${code}`);
    });
  });

  describe('samgraf serve --check-config', () => {
    function config(extra: Record<string, unknown> = {}) {
      return {
        server: { port: 0, host: '127.0.0.1' },
        sources: {
          populationRegister: { url: seeded.urls.populationRegister },
          socialInsurance: { url: seeded.urls.socialInsurance },
          employmentService: { url: seeded.urls.employmentService },
        },
        // A store that does not exist yet: checking the config must not open (and so create) it.
        store: { url: `sqlite://${join(dir, 'check-config-store.db')}` },
        rateLimit: { points: 10, durationSeconds: 60 },
        limits: { maxDepth: 8 },
        ...extra,
      };
    }

    async function checkConfig(name: string, content: unknown) {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(content));
      // Generous bound: a check that started a server would never exit by itself and be killed here.
      const result = await runCli(['serve', '--config', file, '--check-config'], { timeoutMs: 60_000 });
      assert.equal(result.signal, null, `exits by itself (not killed after the time-out); stderr: ${result.stderr}`);
      return result;
    }

    it('a good file: exit 0, "valid", and no server started', async () => {
      const { staff } = await testIssuers();
      const result = await checkConfig('good.json', config({ auth: { issuers: [staff.config] } }));
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /valid/);
      assert.ok(!existsSync(join(dir, 'check-config-store.db')), 'the store was not opened');
    });

    it('a bad file: exit 1 naming the key', async () => {
      const badDepth = await checkConfig('bad-depth.json', config({ limits: { maxDepth: 0 } }));
      assert.equal(badDepth.status, 1, badDepth.stderr);
      assert.match(badDepth.stderr, /limits\.maxDepth/);
      assert.doesNotMatch(badDepth.stdout, /valid/);

      const unknownKey = await checkConfig('bad-key.json', config({ rateLimit: { points: 10, durationSecs: 60 } }));
      assert.equal(unknownKey.status, 1, unknownKey.stderr);
      assert.match(unknownKey.stderr, /rateLimit: unknown key durationSecs/);

      const badRedis = await checkConfig('bad-redis.json', config({ rateLimit: { points: 10, redisUrl: 'http://127.0.0.1:6379' } }));
      assert.equal(badRedis.status, 1, badRedis.stderr);
      assert.match(badRedis.stderr, /rateLimit\.redisUrl/);

      const badIntrospection = await checkConfig('bad-introspection.json', config({ server: { introspection: 'nobody' } }));
      assert.equal(badIntrospection.status, 1, badIntrospection.stderr);
      assert.match(badIntrospection.stderr, /server\.introspection/);

      const missingEnv = await checkConfig('bad-env.json', config({ store: { url: '${SAMGRAF_LIMITS_TEST_UNSET_VARIABLE}' } }));
      assert.equal(missingEnv.status, 1, missingEnv.stderr);
      assert.match(missingEnv.stderr, /store\.url: environment variable SAMGRAF_LIMITS_TEST_UNSET_VARIABLE is not set/);
      assert.ok(!existsSync(join(dir, 'check-config-store.db')), 'the store was not opened');
    });
  });
});
