/**
 * Operational log lines as an operator reads them (README "Health, metrics, logs, shutdown"): each request's
 * line names the operation (root fields and name), who asked (principal type and organisation), the outcome and
 * the error codes — never personal data or the operation's text; a refused token's line carries the request id;
 * times are ISO 8601; the start line carries the version, and shutdown is logged as it begins and ends.
 * `/metrics` has samgraf_build_info.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { newRequestId } from '../src/request-id.js';
import { repoRoot } from './helpers/repo.js';
import { capturingLogger, startTestServer, type CapturedLog, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('operational log lines', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let log: CapturedLog;
  let pn: string;
  let familyName: string;

  const linesOf = (requestId: string, msg = 'request') => log.lines().filter((line) => line.requestId === requestId && line.msg === msg);
  const requestLine = (requestId: string) => {
    const found = linesOf(requestId);
    assert.equal(found.length, 1, `one request line for ${requestId}: ${JSON.stringify(log.lines().filter((l) => l.requestId === requestId))}`);
    return found[0]!;
  };

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 30, seed: 'request-logs' });
    log = capturingLogger();
    server = await startTestServer(seeded.urls, {}, {}, log.logger);
    const register = openDatabase(seeded.urls.populationRegister);
    const rows = await register('FB_PERSON').whereNull('SKYDDAD_FB').whereNull('SEKRETESS').whereNull('AVREG_ORSAK').orderBy('PERSONID').select('PERSONID', 'EFTERNAMN');
    await register.destroy();
    const person = rows.find((row: { PERSONID: string }) => isValidPersonalNumber(row.PERSONID)) as { PERSONID: string; EFTERNAMN: string };
    [pn, familyName] = [person.PERSONID, person.EFTERNAMN];
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  it('a served read: operation, name, principal type and organisation, outcome; no personal data, no query text', async () => {
    const response = await server.query(`query Profile { citizen(personalNumber: "${pn}") { familyName } }`, undefined, { 'x-request-id': 'log-served' });
    assert.equal(response.status, 200);
    assert.equal(response.data?.citizen?.familyName, familyName);
    const line = requestLine('log-served');
    assert.equal(line.path, '/graphql');
    assert.equal(line.status, 200);
    assert.equal(line.operation, 'citizen');
    assert.equal(line.operationName, 'Profile');
    assert.equal(line.principalType, 'STAFF');
    assert.equal(line.organization, 'AF');
    assert.equal(line.outcome, 'OK');
    assert.equal(line.errorCodes, undefined);
    const text = JSON.stringify(line);
    for (const secret of [pn, pn.slice(2), familyName, 'familyName', 'personalNumber', 'test-officer']) assert.ok(!text.includes(secret), `${secret} is not in ${text}`);
  });

  it('a refused purpose: outcome DENIED and its code; a field denied and a source error are listed too', async () => {
    const { staff } = await testIssuers();
    const token = await staff.mint({ sub: 'log-officer', org: 'FK', scope: 'citizen:read', purposes: ['benefit-assessment'] });
    const refused = await server.query(`{ citizen(personalNumber: "${pn}") { familyName } }`, undefined,
      { authorization: `Bearer ${token}`, 'x-purpose': 'social-services', 'x-request-id': 'log-denied' });
    assert.equal(refused.status, 403);
    const line = requestLine('log-denied');
    assert.deepEqual([line.operation, line.principalType, line.organization, line.outcome, line.errorCodes],
      ['citizen', 'STAFF', 'FK', 'DENIED', ['PURPOSE_NOT_ALLOWED']]);

    const partial = await server.query(`{ citizen(personalNumber: "${pn}") { familyName benefits { id } } }`, undefined,
      { authorization: `Bearer ${token}`, 'x-purpose': 'benefit-assessment', 'x-request-id': 'log-partial' });
    assert.equal(partial.status, 200);
    const partialLine = requestLine('log-partial');
    assert.equal(partialLine.outcome, 'PARTIAL');
    assert.deepEqual(partialLine.errorCodes, ['UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('a refused token: the "token refused" line carries the request id; the request line says UNAUTHENTICATED', async () => {
    const { staff } = await testIssuers();
    const expired = await staff.mint({ sub: 'log-expired', org: 'AF', scope: 'citizen:read', exp: Math.floor(Date.now() / 1000) - 3600 });
    const response = await server.query('{ me { type } }', undefined, { authorization: `Bearer ${expired}`, 'x-request-id': 'log-refused' });
    assert.equal(response.status, 401);
    const refusal = linesOf('log-refused', 'token refused');
    assert.equal(refusal.length, 1, JSON.stringify(log.lines().filter((l) => l.msg === 'token refused')));
    assert.equal(typeof refusal[0]!.reason, 'string');
    const line = requestLine('log-refused');
    assert.equal(line.status, 401);
    assert.equal(line.outcome, 'ERROR');
    assert.deepEqual(line.errorCodes, ['UNAUTHENTICATED']);
  });

  it('a refused API key or Authorization header: a "credentials refused" line with the request id and the category only', async () => {
    const key = `sgk_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    for (const [requestId, headers, credential, reason] of [
      ['log-unknown-key', { authorization: undefined, 'x-api-key': key }, 'api-key', 'UNKNOWN_KEY'],
      ['log-basic', { authorization: 'Basic dXNlcjpwYXNz' }, 'authorization', 'MALFORMED'],
    ] as const) {
      const response = await server.query('{ me { type } }', undefined, { ...headers, 'x-request-id': requestId });
      assert.equal(response.status, 401);
      const refusal = linesOf(requestId, 'credentials refused');
      assert.equal(refusal.length, 1, JSON.stringify(log.lines().filter((l) => l.msg === 'credentials refused')));
      assert.equal(refusal[0]!.credential, credential);
      assert.equal(refusal[0]!.reason, reason);
      assert.ok(!JSON.stringify(refusal[0]).includes(key.slice(4, 20)) && !JSON.stringify(refusal[0]).includes('dXNlcjpwYXNz'), 'never the credential');
    }
  });

  it('a client-chosen operation name is logged only when it cannot hide a personal number', async () => {
    await server.query(`query Look${pn} { me { type } }`, undefined, { 'x-request-id': 'log-name-digits' });
    const line = requestLine('log-name-digits');
    assert.equal(line.operation, 'me');
    assert.equal(line.operationName, undefined);
    assert.ok(!JSON.stringify(line).includes(pn.slice(2)));
  });

  it('a document that fails validation still logs its operation name and the code', async () => {
    const response = await server.query('query Misspelt { me { nosuchfield } }', undefined, { 'x-request-id': 'log-invalid' });
    assert.equal(response.status, 400);
    const line = requestLine('log-invalid');
    assert.equal(line.operationName, 'Misspelt');
    assert.deepEqual(line.errorCodes, ['GRAPHQL_VALIDATION_FAILED']);
  });

  it('a request that is not GraphQL logs its HTTP error code', async () => {
    const response = await fetch(new URL('/nowhere', server.url), { headers: { 'x-request-id': 'log-404' } });
    assert.equal(response.status, 404);
    const line = requestLine('log-404');
    assert.equal(line.path, 'other');
    assert.deepEqual(line.errorCodes, ['NOT_FOUND']);
  });

  it('every line has an ISO 8601 time; the start line carries the version', () => {
    const lines = log.lines();
    assert.ok(lines.length > 5);
    for (const line of lines) assert.match(String(line.time), ISO_INSTANT, JSON.stringify(line));
    const start = lines.filter((line) => line.msg === 'samgraf listening');
    assert.equal(start.length, 1);
    assert.equal(start[0]!.version, VERSION);
    assert.equal(start[0]!.node, process.version);
  });

  it('/metrics has samgraf_build_info{version,node} 1', async () => {
    const text = await (await fetch(new URL('/metrics', server.url))).text();
    const escaped = VERSION.replace(/\./g, '\\.');
    assert.match(text, new RegExp(`^samgraf_build_info\\{version="${escaped}",node="${process.version.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  });

  it('shutdown is logged as it begins and when it is done', async () => {
    const own = capturingLogger();
    const other = await startTestServer(seeded.urls, {}, {}, own.logger);
    await other.close();
    const messages = own.lines().map((line) => line.msg);
    const begins = messages.indexOf('samgraf shutting down: finishing in-flight requests');
    const done = messages.indexOf('samgraf stopped');
    assert.ok(begins !== -1 && done > begins, JSON.stringify(messages));
  });
});

describe('request ids samgraf makes', () => {
  it('never look like a personal number (one random UUID in about sixty would): logs stay clean and a federation keeps them', () => {
    const personalNumberLike = /(?<!\d)\d{6}(\d{2})?[-+]?\d{4}(?!\d)/;
    const ids = Array.from({ length: 20_000 }, () => newRequestId());
    assert.deepEqual(ids.filter((id) => personalNumberLike.test(id)), []);
    assert.equal(new Set(ids).size, ids.length);
  });
});
