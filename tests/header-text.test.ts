/**
 * X-Legal-Basis and X-Case-Reference reach the access log as the client wrote them, whether its HTTP client
 * sent UTF-8 (curl) or Latin-1 (browsers, Node's fetch): src/header-text.ts, and end to end on a seeded SQLite
 * sample with raw header bytes.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { declaredText, firstCodePoints, headerText } from '../src/header-text.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { superuserHeaders } from './helpers/tokens.js';

/** What Node makes of UTF-8 bytes in a header: one character per byte. */
const asUtf8Bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('header text', () => {
  it('UTF-8 bytes are read as UTF-8', () => {
    for (const text of ['110 kap. 31 § SFB', 'Dnr Försäkringskassan 2026/77', 'ÅÄÖ åäö é ü ß €', '🦀 Ärende', 'ø', '\u00a0']) {
      assert.equal(headerText(asUtf8Bytes(text)), text, text);
    }
    assert.equal(headerText('Â§'), '§', 'C2 A7');
  });

  it('Latin-1 bytes stay as they are: they are not valid UTF-8', () => {
    for (const text of ['110 kap. 31 § SFB', 'Dnr Försäkringskassan 2026/77', 'ö', 'ÅÄÖ-ÅÄÖ', 'é', 'Ärende ÿ', '\u00ff\u00fe']) {
      assert.equal(headerText(text), text, text);
    }
  });

  it('plain ASCII, and text that is not bytes, is returned unchanged', () => {
    for (const text of ['', 'SFB 110 kap. 13 par.', 'FK-2026-0042', '\t~ !"#$%&\'()*+,-./', 'Ĉ ĝ 🦀 (not bytes)', 'Â§ Ĉ']) {
      assert.equal(headerText(text), text, text);
    }
  });

  it('invalid UTF-8 sequences are not decoded', () => {
    const bytes = (...values: number[]) => Buffer.from(values).toString('latin1');
    for (const invalid of [
      bytes(0xc3), // a lead byte without its continuation
      bytes(0xa7), // a continuation byte alone
      bytes(0xc0, 0xaf), // an overlong /
      bytes(0xed, 0xa0, 0x80), // an encoded surrogate
      bytes(0xf4, 0x90, 0x80, 0x80), // beyond U+10FFFF
      bytes(0x46, 0xc3, 0xb6, 0x72, 0xf6), // valid ö, then a Latin-1 ö
      bytes(0xe2, 0x82), // a truncated €
    ]) {
      assert.equal(headerText(invalid), invalid, JSON.stringify(invalid));
    }
  });

  it('a byte-order mark is kept as text', () => {
    assert.equal(headerText(asUtf8Bytes('\ufeffSFB')), '\ufeffSFB');
  });

  it('caps at code points, never splitting a surrogate pair', () => {
    assert.equal(firstCodePoints('abc', 200), 'abc');
    assert.equal(firstCodePoints('🦀🦀🦀', 2), '🦀🦀');
    assert.equal(firstCodePoints(`${'x'.repeat(199)}🦀tail`, 200), `${'x'.repeat(199)}🦀`);
    assert.equal(firstCodePoints('x'.repeat(300), 200), 'x'.repeat(200));
    assert.equal(declaredText(undefined, 200), null);
    assert.equal(declaredText(asUtf8Bytes(`${'§'.repeat(150)}${'ö'.repeat(100)}`), 200), `${'§'.repeat(150)}${'ö'.repeat(50)}`);
  });
});

describe('X-Legal-Basis and X-Case-Reference in the access log (raw header bytes)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let personalNumber: string;

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 20, seed: 'header-text' });
    server = await startTestServer(seeded.urls);
    const [row] = await server.sources.populationRegister('FB_PERSON').select('PERSONID').orderBy('PERSONID').limit(1);
    personalNumber = String((row as { PERSONID: string }).PERSONID).trim();
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  /** POSTs a citizen query with the declaration headers' values written byte for byte as the given strings' Latin-1. */
  async function declare(requestId: string, legalBasis: string, caseReference: string) {
    const body = JSON.stringify({ query: 'query Declared($p: String!) { citizen(personalNumber: $p) { personalNumber } }', variables: { p: personalNumber } });
    const headers = {
      ...(await superuserHeaders()),
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      'x-legal-basis': legalBasis,
      'x-case-reference': caseReference,
    };
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(server.url, { method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      // As a Buffer: Node writes the header block together with a string body, in the body's encoding (UTF-8).
      req.end(Buffer.from(body));
    });
    assert.equal(status, 200);
    // The event is committed before the response leaves.
    const rows = await server.store('audit_events').where('request_id', requestId) as EventRow[];
    assert.equal(rows.length, 1);
    return fromRow(rows[0]!);
  }

  it('UTF-8 from curl is recorded as written, not double-encoded', async () => {
    const event = await declare('header-text-utf8', asUtf8Bytes('110 kap. 31 § SFB'), asUtf8Bytes('Dnr Försäkringskassan 2026/77'));
    assert.equal(event.legalBasis, '110 kap. 31 § SFB');
    assert.equal(event.caseReference, 'Dnr Försäkringskassan 2026/77');
  });

  it('Latin-1 from a browser or fetch is recorded as written', async () => {
    const event = await declare('header-text-latin1', '110 kap. 31 § SFB', 'Dnr Försäkringskassan 2026/77');
    assert.equal(event.legalBasis, '110 kap. 31 § SFB');
    assert.equal(event.caseReference, 'Dnr Försäkringskassan 2026/77');
  });

  it('the 200-character cap counts characters, and the chain still verifies', async () => {
    const event = await declare('header-text-cap', asUtf8Bytes(`${'x'.repeat(199)}🦀 and more`), asUtf8Bytes('ö'.repeat(250)));
    assert.equal(event.legalBasis, `${'x'.repeat(199)}🦀`);
    assert.equal(event.caseReference, 'ö'.repeat(200));
    const report = await verifyAccessLog(server.store);
    assert.deepEqual(report.broken, []);
  });
});
