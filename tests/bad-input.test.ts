/**
 * Bad input of any kind gets a clear error with a stable `extensions.code`, never a 5xx, a crash or data it
 * should not get — and error messages never hold the submitted value, least of all a personal number
 * (product.md, "Quality bars"). Adversarial requests against the HTTP front and the GraphQL layer, on a
 * seeded SQLite sample.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { abortedUpload, rawRequest } from './helpers/raw-http.js';
import { superuserHeaders } from './helpers/tokens.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

interface ExpectedError {
  /** The exact status, or the statuses allowed; any 2xx or 4xx when left out. */
  status?: number | readonly number[];
  /** Every error must carry one of these codes. */
  code: string | readonly string[];
  /** At least one error's message must match. */
  message?: RegExp;
  /** Values that must not appear anywhere in the response (the submitted input). */
  hide?: readonly string[];
  /** The root field the error is about: it must be null and the error's path must name it. Otherwise no data at all. */
  field?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const LIMIT = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What must never reach a client: internals, stack traces, SQL, table names. */
const INTERNALS = /internal server error|maximum call stack|\bat \S+ \(|\.[jt]s:\d+|node_modules|knex|sqlite|\bselect\b.*\bfrom\b|FB_PERSON|FB_RELATION|FK_BESLUT|FK_UTBETALNING|AF_ARENDE|AF_HANDLINGSPLAN/i;

const CITIZEN = 'query Citizen($p: String!) { citizen(personalNumber: $p) { personalNumber familyName } }';
const CITIZENS = 'query Citizens($p: [String!]!) { citizens(personalNumbers: $p) { personalNumber familyName } }';
const MUNICIPALITY = `query Municipality($code: String!, $first: Int, $after: String) {
  citizensByMunicipality(code: $code, first: $first, after: $after) {
    edges { cursor node { personalNumber familyName } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const BENEFIT = 'query Benefit($id: ID!) { benefit(id: $id) { id type payments { id paidOn } } }';
const CASE = 'query Case($id: ID!) { case(id: $id) { id status notes } }';
const PAYMENTS = 'query Payments($id: ID!, $from: Date, $to: Date) { benefit(id: $id) { id payments(from: $from, to: $to) { id paidOn } } }';

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The forms a submitted value could leak in: as sent, JSON-escaped, and its digits (12, 10, `YYMMDD-NNNC`). */
function leakForms(value: string): string[] {
  const forms = new Set<string>();
  if (value.trim().length >= 4) {
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  const digits = value.replace(/\D/g, '');
  if (digits.length >= 6) forms.add(digits);
  if (digits.length >= 10) {
    const ten = digits.slice(-10);
    forms.add(ten);
    forms.add(`${ten.slice(0, 6)}-${ten.slice(6)}`);
  }
  return [...forms];
}

function assertNotEchoed(reply: Reply, values: readonly string[]): void {
  for (const value of values) {
    for (const form of leakForms(value)) {
      assert.ok(!reply.text.includes(form), `the response echoes the submitted value (${JSON.stringify(form.slice(0, 40))}): ${reply.text.slice(0, 400)}`);
    }
  }
}

function assertNo5xx(reply: Pick<Reply, 'status' | 'text'>): void {
  assert.ok(reply.status >= 200 && reply.status < 500, `expected 2xx or 4xx, got ${reply.status}: ${reply.text.slice(0, 300)}`);
}

function expectClientError(reply: Reply, expected: ExpectedError): void {
  assertNo5xx(reply);
  if (expected.status !== undefined) {
    const allowed = [expected.status].flat();
    assert.ok(allowed.includes(reply.status), `expected status ${allowed.join(' or ')}, got ${reply.status}: ${reply.text.slice(0, 300)}`);
  }
  assert.match(reply.headers.get('content-type') ?? '', /json/, 'the error comes as JSON');
  assert.ok(reply.body !== undefined, `the body is JSON: ${reply.text.slice(0, 200)}`);
  const errors = reply.body.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, `the body has errors: ${reply.text.slice(0, 300)}`);
  const codes = [expected.code].flat();
  for (const error of errors) {
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.trim().length > 0, 'the message is not empty');
    assert.doesNotMatch(error.message, INTERNALS, `a client error, not an internal one: ${JSON.stringify(error.message.slice(0, 200))} (${error.extensions?.code})`);
    assert.ok(codes.includes(error.extensions?.code), `expected code ${codes.join(' or ')}, got ${JSON.stringify(error.extensions?.code)} (${error.message})`);
    assert.equal(error.extensions?.stacktrace, undefined, 'no stack trace');
  }
  if (expected.message) {
    const pattern = expected.message;
    assert.ok(errors.some((error: { message: string }) => pattern.test(error.message)), `a message matches ${pattern}: ${JSON.stringify(errors.map((e: { message: string }) => e.message))}`);
  }
  if (expected.field) {
    const field = expected.field;
    assert.ok(reply.body.data === null || reply.body.data?.[field] === null, `no data for ${field}: ${JSON.stringify(reply.body.data)?.slice(0, 300)}`);
    assert.ok(errors.some((error: { path?: unknown[] }) => error.path?.[0] === field), `an error's path names ${field}`);
  } else {
    assert.ok(reply.body.data === undefined || reply.body.data === null, `no data: ${JSON.stringify(reply.body.data)?.slice(0, 300)}`);
  }
  assertNotEchoed(reply, expected.hide ?? []);
}

describe('bad input over HTTP and GraphQL', { timeout: 180_000 }, () => {
  let seeded: SeededSources;
  let server: TestServer;
  let origin: string;
  /** Two real, unprotected people with ordinary personal identity numbers. */
  let alice: { personalNumber: string; familyName: string };
  let bob: { personalNumber: string; familyName: string };
  let municipality: string;
  let benefitId: string;
  let caseId: string;
  /**
   * Headers that make the caller someone allowed to read everything these tests ask for (credentials and a
   * purpose of use), so that argument errors are reached. Empty while the server is unauthenticated; once it
   * authenticates, fill it in `before` (e.g. `Object.assign(caller, await superuserHeaders())`).
   */
  const caller: Record<string, string> = {};

  async function http(path: string, init: RequestInit = {}): Promise<Reply> {
    const response = await fetch(origin + path, init);
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  }

  function post(body: string | object, headers: Record<string, string> = JSON_TYPE): Promise<Reply> {
    return http('/graphql', { method: 'POST', headers: { ...caller, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  }

  function gql(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Reply> {
    return post({ query, variables }, { ...JSON_TYPE, ...headers });
  }

  /** The request still works: the server is up and serves real data. */
  async function assertStillServing(): Promise<void> {
    const reply = await gql(CITIZEN, { p: alice.personalNumber });
    assert.equal(reply.status, 200, reply.text.slice(0, 300));
    assert.deepEqual(reply.body.data, { citizen: alice });
  }

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 200, seed: 'bad-input' });
    server = await startTestServer(seeded.urls);
    origin = new URL(server.url).origin;
    Object.assign(caller, await superuserHeaders());

    const register = openDatabase(seeded.urls.populationRegister);
    const insurance = openDatabase(seeded.urls.socialInsurance);
    const employment = openDatabase(seeded.urls.employmentService);
    try {
      const ids = (await register('FB_PERSON').select('PERSONID').orderBy('PERSONID').limit(60)).map((row: { PERSONID: string }) => row.PERSONID.trim());
      const found = await server.query(`query($p: [String!]!) { citizens(personalNumbers: $p) { personalNumber familyName identityType protectedIdentity } }`, { p: ids });
      assert.equal(found.errors, undefined, JSON.stringify(found.errors));
      const ordinary = (found.data.citizens as { personalNumber: string; familyName: string | null; identityType: string; protectedIdentity: string }[])
        .filter((c) => c && c.familyName && c.identityType === 'PERSONAL_IDENTITY_NUMBER' && c.protectedIdentity === 'NONE')
        // Born 1940 or later, so that the 10-digit form with - is theirs.
        .filter((c) => Number(c.personalNumber.slice(0, 4)) >= 1940);
      assert.ok(ordinary.length >= 2, 'the seed has ordinary people');
      [alice, bob] = ordinary.map(({ personalNumber, familyName }) => ({ personalNumber, familyName: familyName! }));

      const [largest] = await register('FB_PERSON').select('KOMMUNKOD').count({ n: '*' }).groupBy('KOMMUNKOD').orderBy('n', 'desc').limit(1);
      municipality = String((largest as { KOMMUNKOD: string }).KOMMUNKOD).trim();

      const [payment] = await insurance('FK_UTBETALNING').select('BESLUT_ID').orderBy('BESLUT_ID').limit(1);
      benefitId = String((payment as { BESLUT_ID: number }).BESLUT_ID);
      const [arende] = await employment('AF_ARENDE').select('ARENDE_ID').orderBy('ARENDE_ID').limit(1);
      caseId = String((arende as { ARENDE_ID: string }).ARENDE_ID);
    } finally {
      await Promise.all([register.destroy(), insurance.destroy(), employment.destroy()]);
    }
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  it('serves the fixtures it attacks around (sanity)', async () => {
    await assertStillServing();
    const benefit = await gql(BENEFIT, { id: benefitId });
    assert.equal(benefit.body.data.benefit.id, benefitId);
    assert.ok(benefit.body.data.benefit.payments.length > 0);
    const found = await gql(CASE, { id: caseId });
    assert.equal(found.body.data.case.id, caseId);
    const page = await gql(MUNICIPALITY, { code: municipality, first: 2 });
    assert.equal(page.body.data.citizensByMunicipality.edges.length, 2);
    assert.equal(page.body.data.citizensByMunicipality.pageInfo.hasNextPage, true);
  });

  describe('request bodies', () => {
    const malformed: [string, string][] = [
      ['truncated JSON', '{"query": '],
      ['unquoted keys', '{query: "{ __typename }"}'],
      ['single quotes', "{'query': '{ __typename }'}"],
      ['trailing comma', '{"query": "{ __typename }",}'],
      ['a byte-order mark before the JSON', '\ufeff{"query": "{ __typename }"}'],
      ['not JSON at all', 'query { __typename }'],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('latin1')],
    ];
    for (const [label, body] of malformed) {
      it(`a malformed JSON body (${label}) is 400 BAD_REQUEST`, async () => {
        expectClientError(await post(body), { status: 400, code: 'BAD_REQUEST' });
      });
    }

    it('a malformed body with a +json media type is 400 BAD_REQUEST too', async () => {
      expectClientError(await post('{bad', { 'content-type': 'application/ld+json' }), { status: 400, code: 'BAD_REQUEST' });
    });

    const wrongShape: [string, string][] = [
      ['null', 'null'],
      ['a number', '42'],
      ['a string', '"{ __typename }"'],
      ['an empty object', '{}'],
      ['a query that is not a string', '{"query": 42}'],
      ['an empty query', '{"query": ""}'],
      ['variables as a string', '{"query": "{ __typename }", "variables": "{}"}'],
      ['variables as an array', '{"query": "{ __typename }", "variables": [1]}'],
      ['extensions as a string', '{"query": "{ __typename }", "extensions": "{}"}'],
      ['operationName not a string', '{"query": "{ __typename }", "operationName": 5}'],
      ['the query hidden in __proto__', '{"__proto__": {"query": "{ __typename }"}}'],
    ];
    for (const [label, body] of wrongShape) {
      it(`well-formed JSON of the wrong shape (${label}) is 400 BAD_REQUEST`, async () => {
        expectClientError(await post(body), { status: 400, code: 'BAD_REQUEST' });
      });
    }

    it('a batch (an array of operations) is 400 BATCHING_DISABLED while batching is off (the default)', async () => {
      expectClientError(await post('[{"query": "{ __typename }"}]'), { status: 400, code: 'BATCHING_DISABLED' });
    });

    it('variables smuggled through __proto__ are not variables', async () => {
      const reply = await post(`{"query": ${JSON.stringify(CITIZEN)}, "variables": {"__proto__": {"p": "${alice.personalNumber}"}}}`);
      expectClientError(reply, { status: 400, code: 'BAD_USER_INPUT', message: /\$p/ });
      assert.ok(!reply.text.includes(alice.familyName));
    });

    it('an empty body is 400 BAD_REQUEST, with or without a content type', async () => {
      expectClientError(await post(''), { status: 400, code: 'BAD_REQUEST' });
      expectClientError(await post('   \n '), { status: 400, code: 'BAD_REQUEST' });
      expectClientError(await http('/graphql', { method: 'POST' }), { status: 400, code: 'BAD_REQUEST' });
    });

    const contentTypes: [string, string][] = [
      ['text/plain', JSON.stringify({ query: '{ __typename }' })],
      ['application/x-www-form-urlencoded', 'query=%7B__typename%7D'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--'],
      ['application/graphql', '{ __typename }'],
      ['application/xml', '<query>{ __typename }</query>'],
    ];
    for (const [type, body] of contentTypes) {
      it(`a body sent as ${type.split(';')[0]} is 400 BAD_REQUEST`, async () => {
        expectClientError(await post(body, { 'content-type': type }), { status: 400, code: 'BAD_REQUEST' });
      });
    }

    it('an Accept header that excludes JSON is 406 BAD_REQUEST', async () => {
      expectClientError(await post({ query: '{ __typename }' }, { ...JSON_TYPE, accept: 'text/html' }), { status: 406, code: 'BAD_REQUEST' });
    });

    it('a 2 MB body is 413 PAYLOAD_TOO_LARGE (declared length)', async () => {
      expectClientError(await post('x'.repeat(2 * LIMIT)), { status: 413, code: 'PAYLOAD_TOO_LARGE', message: /exceeds/ });
      const json = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * LIMIT) } });
      expectClientError(await post(json), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('a 2 MB body is 413 PAYLOAD_TOO_LARGE (chunked, no declared length)', async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x78);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 32) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const response = await fetch(server.url, { method: 'POST', headers: JSON_TYPE, body, duplex: 'half' } as RequestInit);
      const text = await response.text();
      expectClientError({ status: response.status, headers: response.headers, text, body: JSON.parse(text) }, { status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('a declared length of 100 GB is refused before the body arrives', async () => {
      const reply = await rawRequest(server.url, `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n`);
      assert.equal(reply.status, 413);
      assert.equal(JSON.parse(reply.text).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    });

    it('a 10 MB personal number as a variable hits the size limit', async () => {
      const huge = '1'.repeat(10 * LIMIT);
      expectClientError(await gql(CITIZEN, { p: huge }), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('a body just under the limit is still served', async () => {
      const reply = await gql(`{ __typename }\n# ${'x'.repeat(LIMIT - 200)}`);
      assert.equal(reply.status, 200, reply.text.slice(0, 300));
      assert.deepEqual(reply.body.data, { __typename: 'Query' });
    });

    it('an upload dropped halfway does not wedge the server', async () => {
      await abortedUpload(server.url, '/graphql', 10_000, '{"query": "{ __typ');
      await assertStillServing();
    });
  });

  describe('methods and paths', () => {
    it('GET with a query is served, with no header beyond Accept (GraphQL over HTTP)', async () => {
      const reply = await http(`/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/graphql-response+json' } });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body.data, { __typename: 'Query' });
    });

    it('GET without a query is 400 BAD_REQUEST', async () => {
      expectClientError(await http('/graphql'), { status: 400, code: 'BAD_REQUEST' });
      expectClientError(await http('/graphql', { headers: { 'apollo-require-preflight': 'true' } }), { status: 400, code: 'BAD_REQUEST', message: /query/ });
      expectClientError(await http('/graphql?query=', { headers: { 'apollo-require-preflight': 'true' } }), { status: 400, code: 'BAD_REQUEST' });
    });

    it('GET with broken parameters is a 4xx with a clear code', async () => {
      const preflight = { headers: { 'apollo-require-preflight': 'true' } };
      expectClientError(await http('/graphql?query=%7B', preflight), { status: 400, code: 'GRAPHQL_PARSE_FAILED' });
      expectClientError(await http(`/graphql?query=${encodeURIComponent('query X { __typename }')}&variables=%7Bbad`, preflight), { status: 400, code: 'BAD_REQUEST', message: /variables/ });
      expectClientError(await http(`/graphql?query=${encodeURIComponent('{ __typename }')}&query=x`, preflight), { status: 400, code: 'BAD_REQUEST' });
      expectClientError(await http('/graphql?query=%E0%A4%A', preflight), { status: 400, code: 'GRAPHQL_PARSE_FAILED' });
      expectClientError(await http(`/graphql?query=${encodeURIComponent('mutation { x }')}`, preflight), { status: [400, 405], code: ['BAD_REQUEST', 'METHOD_NOT_ALLOWED', 'GRAPHQL_VALIDATION_FAILED'] });
    });

    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      it(`${method} /graphql is 405 with Allow: GET, POST (whatever the headers)`, async () => {
        for (const headers of [JSON_TYPE, {}]) {
          const reply = await http('/graphql', { method, headers, ...(method === 'DELETE' ? {} : { body: JSON.stringify({ query: '{ __typename }' }) }) });
          assertNo5xx(reply);
          assert.equal(reply.status, 405, `${method} with ${JSON.stringify(headers)}: ${reply.text.slice(0, 300)}`);
          assert.match(reply.headers.get('allow') ?? '', /GET/);
          assert.match(reply.headers.get('allow') ?? '', /POST/);
          assert.ok(reply.body?.errors?.length > 0, 'a JSON error body');
        }
      });
    }

    it('405 carries the same code on /graphql as on every other path (METHOD_NOT_ALLOWED)', async () => {
      for (const path of ['/graphql', '/healthz']) {
        const reply = await http(path, { method: 'PUT', headers: JSON_TYPE, body: '{}' });
        expectClientError(reply, { status: 405, code: 'METHOD_NOT_ALLOWED' });
      }
    });

    it('OPTIONS /graphql is not mistaken for a CSRF attempt', async () => {
      const reply = await http('/graphql', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
      assertNo5xx(reply);
      assert.ok([200, 204, 405].includes(reply.status), `OPTIONS answered ${reply.status}: ${reply.text.slice(0, 300)}`);
      assert.doesNotMatch(reply.text, /CSRF/);
    });

    for (const path of ['/healthz', '/readyz']) {
      it(`PUT, DELETE and POST ${path} are 405 METHOD_NOT_ALLOWED`, async () => {
        for (const method of ['PUT', 'DELETE', 'POST']) {
          expectClientError(await http(path, { method, headers: JSON_TYPE, body: method === 'DELETE' ? undefined : '{}' }), { status: 405, code: 'METHOD_NOT_ALLOWED' });
        }
      });
    }

    it('a 405 says which methods are allowed (Allow header, RFC 9110)', async () => {
      for (const path of ['/healthz', '/readyz']) {
        const reply = await http(path, { method: 'DELETE' });
        assert.equal(reply.status, 405);
        assert.match(reply.headers.get('allow') ?? '', /GET/, `${path} 405 without an Allow header`);
      }
    });

    it('a 2 MB body to a path that takes none is refused without reading it', async () => {
      expectClientError(await http('/healthz', { method: 'POST', headers: JSON_TYPE, body: 'x'.repeat(2 * LIMIT) }), { status: [405, 413], code: ['METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE'] });
    });

    for (const path of ['/nope', '/graphql/', '/GRAPHQL', '//graphql', '/graphql.json', '/graphql%00', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%', `/${'a'.repeat(8000)}`]) {
      it(`GET ${path.slice(0, 40)} is 404 NOT_FOUND`, async () => {
        expectClientError(await http(path), { status: 404, code: 'NOT_FOUND' });
      });
    }

    it('an unknown path is 404 NOT_FOUND whatever the method', async () => {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        expectClientError(await http('/nope', { method, headers: JSON_TYPE, body: method === 'DELETE' ? undefined : '{}' }), { status: 404, code: 'NOT_FOUND' });
      }
    });

    for (const target of ['http://[::1/graphql', 'http://%zz/graphql']) {
      it(`a malformed request target (${target}) is 400 BAD_REQUEST, not 500`, async () => {
        const reply = await rawRequest(server.url, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        assert.equal(reply.status, 400, `${reply.status}: ${reply.text}`);
        assert.equal(JSON.parse(reply.text).errors[0].extensions.code, 'BAD_REQUEST');
      });
    }

    it('protocol garbage is a 400 and the connection closes', async () => {
      for (const garbage of ['GARBAGE\r\n\r\n', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: \u0001\u0002\r\n\r\n', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}']) {
        const reply = await rawRequest(server.url, garbage);
        assert.equal(reply.status, 400, JSON.stringify(garbage));
      }
      await assertStillServing();
    });
  });

  describe('GraphQL documents', () => {
    const syntax = [
      '{ citizen(personalNumber: "1") { ',
      'query { citizen(personalNumber: "19801215783',
      '{ }',
      'query Q($p: ) { __typename }',
      '}}}}',
      'SELECT * FROM FB_PERSON',
      '\u0000',
    ];
    for (const query of syntax) {
      it(`a syntax error (${JSON.stringify(query).slice(0, 40)}) is 400 GRAPHQL_PARSE_FAILED`, async () => {
        expectClientError(await gql(query), { status: 400, code: 'GRAPHQL_PARSE_FAILED', message: /Syntax Error/ });
      });
    }

    it('a syntax error does not echo a personal number from the document', async () => {
      const reply = await gql(`{ citizen(personalNumber: "${alice.personalNumber}) { familyName } }`);
      expectClientError(reply, { status: 400, code: 'GRAPHQL_PARSE_FAILED', hide: [alice.personalNumber] });
    });

    const invalid: [string, string, RegExp][] = [
      ['an unknown field', `{ citizen(personalNumber: "${'1'.repeat(12)}") { nope } }`, /Cannot query field "nope"/],
      ['an unknown root field', '{ everything }', /Cannot query field "everything" on type "Query"/],
      ['an unknown argument', '{ citizen(pnr: "x") { familyName } }', /Unknown argument "pnr"/],
      ['a missing required argument', '{ citizen { familyName } }', /argument "personalNumber"/],
      ['a missing selection', '{ citizen(personalNumber: "x") }', /must have a selection/],
      ['a selection on a scalar', '{ __typename { x } }', /must not have a selection/],
      ['an undeclared variable', '{ citizen(personalNumber: $p) { familyName } }', /"\$p" is not defined/],
      ['a variable of the wrong declared type', 'query($p: Int!) { citizen(personalNumber: $p) { familyName } }', /"\$p" of type "Int!"/],
      ['an unused variable', 'query($p: String) { __typename }', /"\$p" is never used/],
      ['an unknown type', 'query($p: Personnummer!) { __typename }', /Unknown type "Personnummer"/],
      ['a fragment cycle', 'query { ...A } fragment A on Query { ...A }', /within itself/],
      ['a fragment on an unknown type', 'query { ...A } fragment A on Nope { x }', /Unknown type "Nope"/],
      ['an unknown enum literal', `{ citizen(personalNumber: "x") { benefits(status: [NOPE]) { id } } }`, /does not exist in "BenefitStatus" enum/],
      ['an unknown directive', '{ __typename @nope }', /Unknown directive/],
      ['duplicate arguments', '{ citizen(personalNumber: "a", personalNumber: "b") { familyName } }', /only one argument/],
    ];
    for (const [label, query, message] of invalid) {
      it(`${label} is 400 GRAPHQL_VALIDATION_FAILED`, async () => {
        expectClientError(await gql(query), { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message });
      });
    }

    it('several operations without operationName, or an unknown one, is 400 OPERATION_RESOLUTION_FAILURE', async () => {
      const two = 'query A { __typename } query B { __typename }';
      expectClientError(await post({ query: two }), { status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: /operation name/ });
      expectClientError(await post({ query: two, operationName: 'C' }), { status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: /"C"/ });
    });

    for (const operation of ['mutation { deleteEverything }', 'subscription { everything }']) {
      it(`an operation type the schema lacks (${operation.split(' ')[0]}) is a client error, not INTERNAL_SERVER_ERROR`, async () => {
        const reply = await gql(operation);
        expectClientError(reply, {
          status: [200, 400],
          code: ['GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE'],
          message: new RegExp(operation.split(' ')[0]!, 'i'),
        });
      });
    }

    it('a persisted-query hash that does not match the query is a 400 client error, not INTERNAL_SERVER_ERROR', async () => {
      const reply = await post({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } });
      expectClientError(reply, { status: 400, code: ['BAD_REQUEST', 'PERSISTED_QUERY_NOT_SUPPORTED'], message: /sha|hash|persisted/i });
    });

    it('an unsupported persisted-query version is a 400 client error, not INTERNAL_SERVER_ERROR', async () => {
      const reply = await post({ query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } });
      expectClientError(reply, { status: 400, code: ['BAD_REQUEST', 'PERSISTED_QUERY_NOT_SUPPORTED'], message: /version|persisted/i });
    });

    it('an unknown persisted-query hash is PERSISTED_QUERY_NOT_FOUND (or _NOT_SUPPORTED, should they be turned off)', async () => {
      expectClientError(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }), { code: ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'] });
    });

    it('a query nested 1000 deep gets a clear error, not "Maximum call stack size exceeded"', async () => {
      const depth = 1000;
      const query = `{ citizen(personalNumber: "${alice.personalNumber}") { ${'relations { citizen { '.repeat(depth)}familyName${' } }'.repeat(depth)} } }`;
      expectClientError(await gql(query), {
        status: 400,
        code: ['QUERY_TOO_DEEP', 'GRAPHQL_PARSE_FAILED'],
        message: /depth|nest|deep/i,
      });
    });

    it('a list literal nested 200 000 deep gets a clear error', async () => {
      const query = `{ citizens(personalNumbers: ${'['.repeat(200_000)}"1"${']'.repeat(200_000)}) { familyName } }`;
      expectClientError(await gql(query), {
        status: 400,
        code: ['QUERY_TOO_DEEP', 'GRAPHQL_PARSE_FAILED'],
        message: /depth|nest|deep/i,
      });
    });

    it('a variable nested 100 000 deep is refused as BAD_USER_INPUT', async () => {
      const body = `{"query": ${JSON.stringify(CITIZENS)}, "variables": {"p": ${'['.repeat(100_000)}"1"${']'.repeat(100_000)}}}`;
      expectClientError(await post(body), { status: 400, code: 'BAD_USER_INPUT' });
    });

    it('a query of 90 000 fields is refused by the token limit with a 4xx', async () => {
      const reply = await gql(`{ ${'__typename '.repeat(90_000)}}`);
      expectClientError(reply, { status: 400, code: 'GRAPHQL_PARSE_FAILED' });
      assert.match(reply.body.errors[0].message, /tokens/);
    });
  });

  describe('variables', () => {
    it('a personal number of the wrong JSON type is 400 BAD_USER_INPUT', async () => {
      for (const p of [Number(alice.personalNumber), [alice.personalNumber], { personalNumber: alice.personalNumber }, true]) {
        expectClientError(await gql(CITIZEN, { p }), { status: 400, code: 'BAD_USER_INPUT', message: /\$p/ });
      }
    });

    it('a personal number of the wrong JSON type is not echoed in the error', async () => {
      for (const p of [Number(alice.personalNumber), [alice.personalNumber], { personalNumber: alice.personalNumber }]) {
        const reply = await gql(CITIZEN, { p });
        expectClientError(reply, { status: 400, code: 'BAD_USER_INPUT', hide: [alice.personalNumber] });
      }
    });

    it('a personal number written as an Int literal is 400 GRAPHQL_VALIDATION_FAILED and not echoed', async () => {
      const reply = await gql(`{ citizen(personalNumber: ${alice.personalNumber}) { familyName } }`);
      expectClientError(reply, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', hide: [alice.personalNumber] });
    });

    it('null or a missing value for a required variable is 400 BAD_USER_INPUT', async () => {
      expectClientError(await gql(CITIZEN, { p: null }), { status: 400, code: 'BAD_USER_INPUT', message: /"\$p" of non-null type/ });
      expectClientError(await gql(CITIZEN, {}), { status: 400, code: 'BAD_USER_INPUT', message: /"\$p" of required type "String!" was not provided/ });
      expectClientError(await gql(CITIZEN), { status: 400, code: 'BAD_USER_INPUT', message: /was not provided/ });
      expectClientError(await gql(CITIZEN, { q: alice.personalNumber }), { status: 400, code: 'BAD_USER_INPUT', message: /was not provided/, hide: [alice.personalNumber] });
    });

    it('ints out of range or of the wrong type are 400 BAD_USER_INPUT', async () => {
      for (const first of [2 ** 31, -(2 ** 31) - 1, 1.5, '20', Number.MAX_SAFE_INTEGER, 1e300]) {
        expectClientError(await gql(MUNICIPALITY, { code: municipality, first }), { status: 400, code: 'BAD_USER_INPUT', message: /\$first/ });
      }
    });

    it('an ID of the wrong type is 400 BAD_USER_INPUT', async () => {
      for (const id of [29.5, true, { id: 1 }, [benefitId]]) {
        expectClientError(await gql(BENEFIT, { id }), { status: 400, code: 'BAD_USER_INPUT', message: /\$id/ });
      }
    });

    it('an unknown enum value in a variable is 400 BAD_USER_INPUT', async () => {
      const query = 'query($p: String!, $s: [BenefitStatus!]) { citizen(personalNumber: $p) { benefits(status: $s) { id } } }';
      expectClientError(await gql(query, { p: alice.personalNumber, s: ['NOPE'] }), { status: 400, code: 'BAD_USER_INPUT', hide: [alice.personalNumber] });
    });
  });

  describe('personal numbers', () => {
    type Problem = 'FORMAT' | 'DATE' | 'BIRTH_NUMBER' | 'CHECK_DIGIT';
    const MESSAGES: Record<Problem, RegExp> = {
      FORMAT: /expected 10 or 12 digits/,
      DATE: /date of birth/,
      BIRTH_NUMBER: /birth number 000/,
      CHECK_DIGIT: /check digit/,
    };
    /** Built from real people in the seed, so that a lenient parser would find them. */
    const cases = (): [string, string, Problem][] => {
      const pnr = alice.personalNumber;
      const ten = `${pnr.slice(2, 8)}-${pnr.slice(8)}`;
      const luhn = pnr.slice(0, 11) + String((Number(pnr[11]) + 1) % 10);
      return [
        ['letters', 'abcdefghijkl', 'FORMAT'],
        ['a letter for the check digit', `${pnr.slice(0, 11)}X`, 'FORMAT'],
        ['too short (8 digits)', pnr.slice(0, 8), 'FORMAT'],
        ['too short (9 digits with separator)', ten.slice(0, -1), 'FORMAT'],
        ['too long (13 digits)', `${pnr}0`, 'FORMAT'],
        ['too long (14 digits with separator)', `${pnr.slice(0, 8)}-${pnr.slice(8)}0`, 'FORMAT'],
        ['two separators', `${pnr.slice(0, 4)}-${pnr.slice(4, 8)}-${pnr.slice(8)}`, 'FORMAT'],
        ['a space inside', `${pnr.slice(0, 8)} ${pnr.slice(8)}`, 'FORMAT'],
        ['a tab inside', `${pnr.slice(0, 8)}\t${pnr.slice(8)}`, 'FORMAT'],
        ['a newline inside', `${pnr.slice(0, 8)}\n${pnr.slice(8)}`, 'FORMAT'],
        ['a NUL inside', `${pnr.slice(0, 8)}\u0000${pnr.slice(8)}`, 'FORMAT'],
        ['only whitespace', '   \t ', 'FORMAT'],
        ['the empty string', '', 'FORMAT'],
        ['full-width digits', pnr.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), 'FORMAT'],
        ['Arabic-Indic digits', pnr.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), 'FORMAT'],
        ['a leading +', `+${pnr}`, 'FORMAT'],
        ['50 000 digits', '1'.repeat(50_000), 'FORMAT'],
        ['SQL injection', "' OR 1=1 --", 'FORMAT'],
        ['SQL injection after a real number', `${pnr}' OR '1'='1`, 'FORMAT'],
        ['stacked SQL', `${pnr}; DROP TABLE FB_PERSON; --`, 'FORMAT'],
        ['UNION injection', `${ten}' UNION SELECT * FROM FB_PERSON --`, 'FORMAT'],
        ['a LIKE wildcard', `${pnr.slice(0, 8)}%`, 'FORMAT'],
        ['month 13', `${pnr.slice(0, 4)}13${pnr.slice(6)}`, 'DATE'],
        ['month 00', `${pnr.slice(0, 4)}00${pnr.slice(6)}`, 'DATE'],
        ['day 00', `${pnr.slice(0, 6)}00${pnr.slice(8)}`, 'DATE'],
        ['30 February', `${pnr.slice(0, 4)}0230${pnr.slice(8)}`, 'DATE'],
        ['29 February in a common year', `20230229${pnr.slice(8)}`, 'DATE'],
        ['a coordination day past 91', `${pnr.slice(0, 6)}92${pnr.slice(8)}`, 'DATE'],
        ['a 10-digit form with a bad date', `${pnr.slice(2, 4)}1332-${pnr.slice(8)}`, 'DATE'],
        ['birth number 000', `${pnr.slice(0, 8)}0005`, 'BIRTH_NUMBER'],
        ['a Luhn failure (12 digits)', luhn, 'CHECK_DIGIT'],
        ['a Luhn failure (10 digits with -)', `${luhn.slice(2, 8)}-${luhn.slice(8)}`, 'CHECK_DIGIT'],
        ['a Luhn failure (12 digits with -)', `${luhn.slice(0, 8)}-${luhn.slice(8)}`, 'CHECK_DIGIT'],
      ];
    };

    it('citizen(personalNumber:) refuses every kind of invalid number with BAD_USER_INPUT, without echoing it or serving data', async () => {
      for (const [label, value, problem] of cases()) {
        const reply = await gql(CITIZEN, { p: value });
        assert.equal(reply.status, 200, `${label}: ${reply.text.slice(0, 300)}`);
        expectClientError(reply, { code: 'BAD_USER_INPUT', field: 'citizen', message: new RegExp(`^personalNumber .*${MESSAGES[problem].source}`), hide: [value, alice.personalNumber] });
        assert.ok(!reply.text.includes(alice.familyName), `${label}: no data about the person`);
      }
    });

    it('the same numbers written as literals in the document are refused the same way', async () => {
      for (const [label, value, problem] of cases().filter(([, value]) => value.length < 100)) {
        const reply = await gql(`{ citizen(personalNumber: ${JSON.stringify(value)}) { personalNumber familyName } }`);
        assert.equal(reply.status, 200, `${label}: ${reply.text.slice(0, 300)}`);
        expectClientError(reply, { code: 'BAD_USER_INPUT', field: 'citizen', message: MESSAGES[problem], hide: [value, alice.personalNumber] });
      }
    });

    it('a valid number that matches nobody is null without an error', async () => {
      const reply = await gql(CITIZEN, { p: '191212121212' });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { data: { citizen: null } });
    });

    it('whitespace around an otherwise valid number is trimmed (pinned: lenient, like the 10-digit forms)', async () => {
      for (const value of [` ${alice.personalNumber} `, `${alice.personalNumber}\n`, `\t${alice.personalNumber.slice(2, 8)}-${alice.personalNumber.slice(8)}`]) {
        const reply = await gql(CITIZEN, { p: value });
        assert.deepEqual(reply.body, { data: { citizen: alice } }, JSON.stringify(value));
      }
    });

    it('one bad number among good ones serves nobody and names only the index', async () => {
      const bad = alice.personalNumber.slice(0, 11) + String((Number(alice.personalNumber[11]) + 1) % 10);
      const reply = await gql(CITIZENS, { p: [alice.personalNumber, bad, bob.personalNumber] });
      assert.equal(reply.status, 200);
      expectClientError(reply, { code: 'BAD_USER_INPUT', message: /^personalNumbers\[1\] .*check digit/, hide: [bad] });
      assert.equal(reply.body.data, null);
      assert.ok(!reply.text.includes(alice.familyName) && !reply.text.includes(bob.familyName), 'nothing about the good numbers leaks');
      assert.ok(!reply.text.includes(alice.personalNumber) && !reply.text.includes(bob.personalNumber));
    });

    it('citizens(personalNumbers:) refuses each kind of invalid number', async () => {
      for (const [label, value, problem] of cases()) {
        const reply = await gql(CITIZENS, { p: [bob.personalNumber, value] });
        expectClientError(reply, { code: 'BAD_USER_INPUT', message: new RegExp(`^personalNumbers\\[1\\] .*${MESSAGES[problem].source}`), hide: [value, bob.personalNumber] });
        assert.ok(!reply.text.includes(bob.familyName), `${label}: no data about the good number`);
      }
    });

    it('more than 100 numbers is BAD_USER_INPUT, without data', async () => {
      for (const count of [101, 10_000]) {
        const reply = await gql(CITIZENS, { p: Array.from({ length: count }, (_, i) => (i % 2 ? alice : bob).personalNumber) });
        expectClientError(reply, { code: 'BAD_USER_INPUT', message: /at most 100/, hide: [alice.personalNumber, bob.personalNumber] });
        assert.ok(!reply.text.includes(alice.familyName));
      }
    });

    it('exactly 100 numbers are served, in input order', async () => {
      const numbers = Array.from({ length: 100 }, (_, i) => (i % 2 ? alice : bob).personalNumber);
      const reply = await gql(CITIZENS, { p: numbers });
      assert.equal(reply.body.errors, undefined);
      assert.deepEqual(reply.body.data.citizens.map((c: { personalNumber: string }) => c.personalNumber), numbers);
    });

    it('a null item or a non-string item in the list is 400 BAD_USER_INPUT', async () => {
      expectClientError(await gql(CITIZENS, { p: [alice.personalNumber, null] }), { status: 400, code: 'BAD_USER_INPUT', message: /p\[1\]/ });
      expectClientError(await gql(CITIZENS, { p: [alice.personalNumber, 42] }), { status: 400, code: 'BAD_USER_INPUT', message: /p\[1\]/ });
    });

    it('a bad number beside a good field: the good field is served, the bad one is null', async () => {
      const bad = `${alice.personalNumber.slice(0, 8)}0005`;
      const reply = await gql(`query($a: String!, $b: String!) { a: citizen(personalNumber: $a) { familyName } b: citizen(personalNumber: $b) { familyName } }`, { a: bob.personalNumber, b: bad });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.data, { a: { familyName: bob.familyName }, b: null });
      assert.deepEqual(reply.body.errors.map((e: { path: string[]; extensions: { code: string } }) => [e.path, e.extensions.code]), [[['b'], 'BAD_USER_INPUT']]);
      assertNotEchoed(reply, [bad]);
    });
  });

  describe('citizensByMunicipality', () => {
    it('a code that is not 4 digits is BAD_USER_INPUT, without echo or data', async () => {
      for (const code of ['18', '01800', 'abcd', '', '    ', ` ${'0180'}`, '0180\n', '٠١٨٠', "0180' OR '1'='1", '0180; DROP TABLE FB_PERSON; --', '%', 'x'.repeat(100_000)]) {
        const reply = await gql(MUNICIPALITY, { code, first: 5 });
        assert.equal(reply.status, 200, reply.text.slice(0, 200));
        expectClientError(reply, { code: 'BAD_USER_INPUT', field: 'citizensByMunicipality', message: /^code: .*4 digits/, hide: code.length > 6 ? [code] : [] });
      }
    });

    it('an unknown but well-formed code is an empty page', async () => {
      const reply = await gql(MUNICIPALITY, { code: '9999' });
      assert.deepEqual(reply.body, { data: { citizensByMunicipality: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } });
    });

    it('first below 0 or above 100 is BAD_USER_INPUT', async () => {
      for (const first of [-1, -2147483648, 101, 1_000_000, 2147483647]) {
        const reply = await gql(MUNICIPALITY, { code: municipality, first });
        expectClientError(reply, { code: 'BAD_USER_INPUT', field: 'citizensByMunicipality', message: /first must be between 0 and 100/ });
      }
    });

    it('first: 0 is an empty page', async () => {
      const reply = await gql(MUNICIPALITY, { code: municipality, first: 0 });
      assert.equal(reply.body.errors, undefined);
      assert.deepEqual(reply.body.data.citizensByMunicipality.edges, []);
    });

    it('a cursor the server issued pages on', async () => {
      const first = await gql(MUNICIPALITY, { code: municipality, first: 2 });
      const second = await gql(MUNICIPALITY, { code: municipality, first: 2, after: first.body.data.citizensByMunicipality.pageInfo.endCursor });
      assert.equal(second.body.errors, undefined);
      const seen = first.body.data.citizensByMunicipality.edges.map((e: { node: { personalNumber: string } }) => e.node.personalNumber);
      for (const edge of second.body.data.citizensByMunicipality.edges) assert.ok(!seen.includes(edge.node.personalNumber));
    });

    it('garbage, foreign and tampered cursors are BAD_USER_INPUT, without echo or data', async () => {
      const pnr = alice.personalNumber;
      const cursors: [string, string][] = [
        ['garbage', 'garbage!!'],
        ['the empty string', ''],
        ['valid base64 but not ours', cursorOf('hello world')],
        ['a JSON cursor from another server', cursorOf(JSON.stringify({ offset: 10 }))],
        ['standard base64 with padding', `${Buffer.from(`v1:${pnr}`).toString('base64')}==`],
        ['another version', cursorOf(`v2:${pnr}`)],
        ['13 digits', cursorOf(`v1:${pnr}0`)],
        ['a trailing newline', cursorOf(`v1:${pnr}\n`)],
        ['SQL injection', cursorOf("v1:' OR 1=1 --")],
        ['SQL injection, raw', "' OR 1=1 --"],
        ['100 000 characters', 'A'.repeat(100_000)],
      ];
      for (const [label, after] of cursors) {
        const reply = await gql(MUNICIPALITY, { code: municipality, first: 2, after });
        assert.equal(reply.status, 200, `${label}: ${reply.text.slice(0, 200)}`);
        expectClientError(reply, { code: 'BAD_USER_INPUT', field: 'citizensByMunicipality', message: /^after is not a cursor this server issued$/, hide: after.length >= 8 ? [after] : [] });
      }
    });

    it('a forged cursor whose position is not a personal number is BAD_USER_INPUT', async () => {
      // The server only ever issues cursors at personal numbers it has served; 000000000000 is not one.
      for (const position of ['000000000000', '999999999999']) {
        const reply = await gql(MUNICIPALITY, { code: municipality, first: 2, after: cursorOf(`v1:${position}`) });
        expectClientError(reply, { code: 'BAD_USER_INPUT', field: 'citizensByMunicipality', message: /after/ });
      }
    });
  });

  describe('benefit(id:) and case(id:)', () => {
    const garbage = (real: string): string[] => [
      '99999999999999999999999',
      '18446744073709551616',
      '-1',
      '0',
      '1e3',
      '0x1D',
      ` ${real}`,
      `${real}.0`,
      'abc',
      '',
      '%',
      '*',
      '1 OR 1=1',
      `${real}' OR '1'='1`,
      `${real}; DROP TABLE FK_BESLUT; --`,
      `${real}' UNION SELECT * FROM AF_ARENDE --`,
      '\u0000',
      'x'.repeat(100_000),
    ];

    it('benefit(id:) with a garbage id is null, without error or data', async () => {
      for (const id of garbage(benefitId)) {
        const reply = await gql(BENEFIT, { id });
        assert.equal(reply.status, 200, reply.text.slice(0, 200));
        assert.deepEqual(reply.body, { data: { benefit: null } }, `id ${JSON.stringify(id.slice(0, 40))}`);
      }
    });

    it('benefit(id:) with an ID given as a huge JSON number is null', async () => {
      for (const id of [1e30, Number.MAX_SAFE_INTEGER, -1]) {
        const reply = await gql(BENEFIT, { id });
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body, { data: { benefit: null } });
      }
    });

    it('case(id:) with a garbage id is null, without error or data', async () => {
      for (const id of [...garbage(caseId), 'AF-%', '_F-' + caseId.slice(3), caseId.replace(/\d$/, '_')]) {
        const reply = await gql(CASE, { id });
        assert.equal(reply.status, 200, reply.text.slice(0, 200));
        assert.deepEqual(reply.body, { data: { case: null } }, `id ${JSON.stringify(id.slice(0, 40))}`);
      }
    });
  });

  describe('payments(from:, to:)', () => {
    const badDates = ['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '24-01-01', '2024-1-1', '20240101', '2024-01-01T00:00:00Z', 'yesterday', '', "2024-01-01' OR 1=1 --"];

    it('an invalid Date variable is 400 BAD_USER_INPUT naming the variable', async () => {
      for (const from of badDates) {
        expectClientError(await gql(PAYMENTS, { id: benefitId, from }), { status: 400, code: 'BAD_USER_INPUT', message: /"\$from".*Date must be a calendar date, YYYY-MM-DD/ });
        expectClientError(await gql(PAYMENTS, { id: benefitId, to: from }), { status: 400, code: 'BAD_USER_INPUT', message: /"\$to"/ });
      }
      expectClientError(await gql(PAYMENTS, { id: benefitId, from: 20240101 }), { status: 400, code: 'BAD_USER_INPUT' });
    });

    it('an invalid Date variable is not echoed in the error', async () => {
      for (const from of badDates.filter((d) => d.length >= 8)) {
        expectClientError(await gql(PAYMENTS, { id: benefitId, from }), { status: 400, code: 'BAD_USER_INPUT', hide: [from] });
      }
    });

    it('an invalid Date literal is 400 GRAPHQL_VALIDATION_FAILED', async () => {
      for (const literal of ['"2024-02-30"', '"2024-13-01"', '20240101', 'true', '["2024-01-01"]']) {
        const reply = await gql(`{ benefit(id: "${benefitId}") { payments(from: ${literal}) { id } } }`);
        expectClientError(reply, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /Date/ });
      }
    });

    it('valid dates, a leap day included, are served', async () => {
      const reply = await gql(PAYMENTS, { id: benefitId, from: '2000-02-29', to: '2099-12-31' });
      assert.equal(reply.body.errors, undefined, reply.text.slice(0, 300));
      assert.ok(reply.body.data.benefit.payments.length > 0);
    });
  });

  describe('hostile headers', () => {
    it('a valid X-Request-Id round-trips, on success and on every kind of error', async () => {
      const id = 'req-42.Abc_9:x';
      const replies = [
        await gql('{ __typename }', undefined, { 'x-request-id': id }),
        await http('/graphql', { method: 'POST', headers: { ...JSON_TYPE, 'x-request-id': id }, body: '{bad' }),
        await gql('{ nope }', undefined, { 'x-request-id': id }),
        await http('/nope', { headers: { 'x-request-id': id } }),
        await http('/healthz', { headers: { 'x-request-id': id } }),
        await http('/graphql', { method: 'POST', headers: { ...JSON_TYPE, 'x-request-id': id }, body: 'x'.repeat(2 * LIMIT) }),
      ];
      for (const reply of replies) assert.equal(reply.headers.get('x-request-id'), id, `status ${reply.status}`);
      const longest = 'a'.repeat(128);
      assert.equal((await http('/healthz', { headers: { 'x-request-id': longest } })).headers.get('x-request-id'), longest);
    });

    it('a hostile X-Request-Id is replaced by a fresh UUID, and the request is still served', async () => {
      const hostile = ['a'.repeat(129), 'x'.repeat(8_000), 'two words', '"><script>alert(1)</script>', 'id\twith\ttabs', 'åäö', '../../etc/passwd', "' OR 1=1 --", ''];
      for (const id of hostile) {
        const reply = await gql(CITIZEN, { p: alice.personalNumber }, { 'x-request-id': id });
        assert.equal(reply.status, 200, `${JSON.stringify(id.slice(0, 30))}: ${reply.text.slice(0, 200)}`);
        assert.deepEqual(reply.body.data, { citizen: alice });
        assert.match(reply.headers.get('x-request-id') ?? '', UUID, JSON.stringify(id.slice(0, 30)));
      }
    });

    it('non-ASCII and duplicated X-Request-Id headers are replaced too (raw bytes)', async () => {
      const requests = [
        Buffer.concat([Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: '), Buffer.from('🦀-åäö-id', 'utf8'), Buffer.from('\r\nConnection: close\r\n\r\n')]),
        'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\nX-Request-Id: def\r\nConnection: close\r\n\r\n',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${'\u00e9'.repeat(20)}\r\nConnection: close\r\n\r\n`,
      ];
      for (const request of requests) {
        const reply = await rawRequest(server.url, request);
        assert.equal(reply.status, 200, reply.text);
        assert.match(reply.headers['x-request-id'] ?? '', UUID);
      }
    });

    it('other headers with non-ASCII or huge values do not break a request', async () => {
      const reply = await gql('{ __typename }', undefined, { 'x-purpose': 'bidragsbedömning', 'x-case-reference': 'ÅÄÖ-'.repeat(500), 'user-agent': 'x'.repeat(4_000) });
      assert.equal(reply.status, 200, reply.text.slice(0, 200));
    });

    it('headers beyond the server limit (2 MiB, so that a 1 MB token still gets a 401) are 431, and the server carries on', async () => {
      const reply = await rawRequest(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${'a'.repeat(2_200_000)}\r\nConnection: close\r\n\r\n`);
      assert.equal(reply.status, 431);
      await assertStillServing();
    });
  });

  describe('after all of that', () => {
    it('a burst of concurrent bad requests leaves the server serving', async () => {
      const bad: (() => Promise<unknown>)[] = [
        () => post('{bad'),
        () => post('x'.repeat(1.5 * LIMIT)),
        () => gql(CITIZEN, { p: "' OR 1=1 --" }),
        () => gql(CITIZENS, { p: Array(200).fill(alice.personalNumber) }),
        () => gql(`{ ${'relations { citizen { '.repeat(2_000)} }`),
        () => gql(MUNICIPALITY, { code: municipality, after: 'garbage' }),
        () => http('/graphql', { method: 'DELETE' }),
        () => abortedUpload(server.url, '/graphql', 5_000, '{"query"'),
      ];
      const results = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => bad[i % bad.length]!()));
      for (const result of results) {
        assert.equal(result.status, 'fulfilled', result.status === 'rejected' ? String(result.reason) : '');
        const value = (result as PromiseFulfilledResult<unknown>).value as Reply | undefined;
        if (value) assertNo5xx(value);
      }
      await assertStillServing();
      const ready = await http('/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'ready');
    });
  });
});
