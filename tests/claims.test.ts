/**
 * samgraf's claims are read strictly (issue 12, item 9): a claim of the wrong shape refuses the token with 401,
 * instead of being read as absent — an absent `purposes` grants every configured purpose, so `purposes: "audit"`
 * read as absent granted `audit`. And purposes (item 12): a purpose samgraf does not know is PURPOSE_UNKNOWN,
 * told apart from PURPOSE_NOT_ALLOWED and logged as DENIED; a configuration that locks auditors or citizens out
 * says so at start.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import type { Knex } from 'knex';
import { CommandInputError, createApiKey } from '../src/commands/apikey.js';
import { DEFAULT_PURPOSES, parseConfig } from '../src/config.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { createLogger } from '../src/log.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { AuthenticationError } from '../src/security/errors.js';
import { JwtVerifier } from '../src/security/jwt.js';
import { lockedOutBy } from '../src/security/purpose.js';
import { startSamgraf, type Samgraf } from '../src/server.js';
import { migrateStore } from '../src/store/migrations.js';
import { startTestServer, type SourceUrls, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { ALL_SCOPES, testIssuers, type TestIssuer } from './helpers/tokens.js';

const STAFF = { sub: 'officer-17', org: 'AF', scope: ALL_SCOPES } as const;

/** Claims of any shape, as a hostile issuer might sign them. */
type Claims = Record<string, unknown>;

/** Each malformed samgraf claim of a staff token, as overrides of a valid one (undefined drops the claim). */
const MALFORMED_STAFF: [string, Claims][] = [
  ['purposes a string', { purposes: 'audit' }],
  ['purposes null', { purposes: null }],
  ['purposes an object', { purposes: { audit: true } }],
  ['purposes a number', { purposes: 5 }],
  ['purposes with a number inside', { purposes: ['audit', 1] }],
  ['purposes with an empty string', { purposes: ['audit', ''] }],
  ['purposes nested', { purposes: [['audit']] }],
  ['scope a list', { scope: ['citizen:read'] }],
  ['scope a number', { scope: 5 }],
  ['scope null', { scope: null }],
  ['scp a string', { scope: undefined, scp: 'citizen:read' }],
  ['scp with a number inside', { scope: undefined, scp: ['citizen:read', 7] }],
  ['scp null', { scope: undefined, scp: null }],
  ['scope and scp each the other\'s type', { scope: ['citizen:read'], scp: 'citizen:read' }],
  ['a good scope beside a malformed scp', { scp: { 'citizen:read': true } }],
  ['org missing', { org: undefined }],
  ['org empty', { org: '' }],
  ['org a number', { org: 5 }],
  ['org a list', { org: ['AF'] }],
  ['org longer than the store column', { org: 'A'.repeat(33) }],
  ['org with a space', { org: 'A F' }],
  ['org with punctuation', { org: "AF'; --" }],
  ['municipality 3 digits', { municipality: '180' }],
  ['municipality a number', { municipality: 180 }],
  ['municipality null', { municipality: null }],
  ['municipality 5 digits', { municipality: '01800' }],
  ['municipality a list', { municipality: ['0180'] }],
  ['sub missing', { sub: undefined }],
  ['sub empty', { sub: '' }],
  ['sub a number', { sub: 17 }],
  ['sub longer than the store column', { sub: 'x'.repeat(256) }],
  ['purpose a number', { purpose: 5 }],
  ['purpose null', { purpose: null }],
  ['purpose a list', { purpose: ['audit'] }],
  ['purpose empty', { purpose: '' }],
];

/** Well-formed edge cases: accepted, so that the refusals above are about the shapes alone. */
const WELL_FORMED_STAFF: [string, Claims, (principal: Awaited<ReturnType<JwtVerifier['verify']>>) => void][] = [
  ['no purposes: every configured purpose', {}, (p) => assert.deepEqual(p.purposes, DEFAULT_PURPOSES)],
  ['purposes a list: the configured ones among them', { purposes: ['audit', 'marketing'] }, (p) => assert.deepEqual(p.purposes, ['audit'])],
  ['purposes an empty list: none', { purposes: [] }, (p) => assert.deepEqual(p.purposes, [])],
  ['scp a list', { scope: undefined, scp: ['citizen:read', 'case:read'] }, (p) => assert.deepEqual([...p.scopes], ['citizen:read', 'case:read'])],
  ['no scope at all', { scope: undefined }, (p) => assert.equal(p.scopes.size, 0)],
  ['org of 32 characters', { org: 'A'.repeat(32) }, (p) => assert.equal(p.organization, 'A'.repeat(32))],
  ['a municipality code as org', { org: '0180', municipality: '0180' }, (p) => assert.equal(p.municipality, '0180')],
  ['sub of 255 characters', { sub: 'x'.repeat(255) }, (p) => assert.equal(p.subject, 'x'.repeat(255))],
  ['a bound purpose', { purpose: 'audit' }, (p) => assert.equal(p.boundPurpose, 'audit')],
];

const CITIZEN_QUERY = 'query Citizen($p: String!) { citizen(personalNumber: $p) { personalNumber } }';
const AUDIT_QUERY = '{ auditEvents(first: 1) { edges { node { id } } } }';

async function firstValidPersonalNumber(urls: SourceUrls): Promise<string> {
  const register = openDatabase(urls.populationRegister);
  try {
    const rows = await register('FB_PERSON').select('PERSONID', 'SEKRETESS', 'SKYDDAD_FB').orderBy('PERSONID').limit(200) as Record<string, string | null>[];
    const found = rows.find((row) => isValidPersonalNumber(String(row.PERSONID).trim()) && row.SEKRETESS?.trim() !== 'J' && row.SKYDDAD_FB?.trim() !== 'J');
    assert.ok(found, 'the seed has an ordinary person');
    return String(found.PERSONID).trim();
  } finally {
    await register.destroy();
  }
}

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
}

const codesOf = (body: { errors?: { extensions?: { code?: string } }[] }) => (body.errors ?? []).map((error) => error.extensions?.code);

describe('malformed samgraf claims refuse the token (JwtVerifier)', () => {
  let staff: TestIssuer;
  let citizen: TestIssuer;
  const rejections: string[] = [];
  let verifier: JwtVerifier;

  before(async () => {
    ({ staff, citizen } = await testIssuers());
    verifier = new JwtVerifier({
      issuers: [staff.config, citizen.config],
      purposes: DEFAULT_PURPOSES,
      clockSkewSeconds: 10,
      jwksCooldownMs: 1000,
      onRejected: (reason) => rejections.push(reason),
    });
  });

  async function mint(issuer: TestIssuer, claims: Claims): Promise<string> {
    return issuer.mint(Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)) as JWTPayload);
  }

  async function assertInvalidClaims(token: string, label: string): Promise<void> {
    rejections.length = 0;
    await assert.rejects(verifier.verify(token), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, label);
      assert.equal(error.problem, 'INVALID_CLAIMS', label);
      assert.equal(error.extensions.code, 'UNAUTHENTICATED', label);
      assert.equal((error.extensions.http as { status: number }).status, 401, label);
      return true;
    }, label);
    // The operational log names the claim and its expected shape, never the value.
    assert.equal(rejections.length, 1, label);
    assert.doesNotMatch(rejections[0]!, /A F|AAAAAAAAA|xxxxxxxxx|AF'/, `${label}: ${rejections[0]}`);
  }

  for (const [label, claims] of MALFORMED_STAFF) {
    it(`refuses a staff token: ${label}`, async () => {
      await assertInvalidClaims(await mint(staff, { ...STAFF, ...claims }), label);
    });
  }

  for (const [label, claims, check] of WELL_FORMED_STAFF) {
    it(`accepts a staff token: ${label}`, async () => {
      check(await verifier.verify(await mint(staff, { ...STAFF, ...claims })));
    });
  }

  it('refuses a citizen token whose personal number or samgraf claims are malformed', async () => {
    const pnr = '191212121212';
    assert.ok(isValidPersonalNumber(pnr));
    assert.equal((await verifier.verify(await mint(citizen, { sub: pnr }))).subject, pnr);
    const malformed: [string, Claims][] = [
      ['sub a number', { sub: 191212121212 }],
      ['sub 10 digits', { sub: '1212121212' }],
      ['sub failing the check digit', { sub: '191212121213' }],
      ['sub empty', { sub: '' }],
      ['purposes a string', { sub: pnr, purposes: 'audit' }],
      ['purpose a number', { sub: pnr, purpose: 5 }],
      ['scope a list', { sub: pnr, scope: ['x'] }],
      ['scp a string', { sub: pnr, scp: 'x' }],
    ];
    for (const [label, claims] of malformed) await assertInvalidClaims(await mint(citizen, claims), `citizen: ${label}`);
    assert.ok(rejections.every((reason) => !reason.includes(pnr)), 'no personal number in the reason');
  });
});

describe('claims and purposes over HTTP', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let staff: TestIssuer;
  let citizen: TestIssuer;
  let pnr: string;

  before(async () => {
    ({ staff, citizen } = await testIssuers());
    seeded = await seededSources('sqlite', { citizens: 30, seed: 'claims' });
    pnr = await firstValidPersonalNumber(seeded.urls);
    server = await startTestServer(seeded.urls);
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  it('every malformed staff claim is a 401 UNAUTHENTICATED with no data, the claim\'s value not echoed', async () => {
    const served = await post(server.url, CITIZEN_QUERY, { p: pnr }, { authorization: `Bearer ${await staff.mint(STAFF)}`, 'x-purpose': 'employment-support' });
    assert.equal(served.status, 200, `the valid token is served: ${served.text}`);
    for (const [label, claims] of MALFORMED_STAFF) {
      const payload = Object.fromEntries(Object.entries({ ...STAFF, ...claims }).filter(([, value]) => value !== undefined)) as JWTPayload;
      const reply = await post(server.url, CITIZEN_QUERY, { p: pnr }, { authorization: `Bearer ${await staff.mint(payload)}`, 'x-purpose': 'employment-support' });
      assert.equal(reply.status, 401, `${label}: ${reply.text}`);
      assert.deepEqual(codesOf(reply.body), ['UNAUTHENTICATED'], label);
      assert.equal(reply.body.errors![0]!.message, 'the token does not carry the claims its issuer must give', label);
      assert.ok(reply.body.data === undefined || reply.body.data === null, `${label}: ${reply.text}`);
      assert.ok(!reply.text.includes(pnr), label);
    }
  });

  it('`purposes: "audit"` no longer grants audit (nor does null or an object); a list does', async () => {
    const auditor = { sub: 'auditor-1', org: 'IMY', scope: 'audit:read' };
    for (const purposes of ['audit', null, { 0: 'audit' }]) {
      const token = await staff.mint({ ...auditor, purposes });
      const reply = await post(server.url, AUDIT_QUERY, {}, { authorization: `Bearer ${token}`, 'x-purpose': 'audit' });
      assert.equal(reply.status, 401, `${JSON.stringify(purposes)}: ${reply.text}`);
      assert.deepEqual(codesOf(reply.body), ['UNAUTHENTICATED']);
      assert.ok(reply.body.data === undefined || reply.body.data === null, reply.text);
    }
    const listed = await staff.mint({ ...auditor, purposes: ['audit'] });
    const served = await post(server.url, AUDIT_QUERY, {}, { authorization: `Bearer ${listed}`, 'x-purpose': 'audit' });
    assert.equal(served.status, 200, served.text);
    assert.equal(served.body.errors, undefined, served.text);
  });

  it('a purpose samgraf does not know is PURPOSE_UNKNOWN (400), never echoed, and logged as DENIED', async () => {
    // The response never echoes the stated text; the access log keeps it (capped), as for every refused purpose.
    const token = await staff.mint({ ...STAFF, purposes: ['benefit-assessment'] });
    const unknown = ['benefit-asessment', pnr, `note about ${pnr}`];
    for (const [i, purpose] of unknown.entries()) {
      const requestId = `claims-unknown-purpose-${i}`;
      const reply = await post(server.url, CITIZEN_QUERY, { p: pnr }, { authorization: `Bearer ${token}`, 'x-purpose': purpose, 'x-request-id': requestId });
      assert.equal(reply.status, 400, reply.text);
      assert.deepEqual(codesOf(reply.body), ['PURPOSE_UNKNOWN'], reply.text);
      assert.ok(!reply.text.includes(purpose), `the stated purpose is not echoed: ${reply.text}`);
      assert.match(reply.body.errors![0]!.message, /not one samgraf knows.*benefit-assessment, employment-support, social-services, self-service, audit/);
      const [event] = await server.store('audit_events').where({ request_id: requestId }).select('outcome', 'purpose');
      assert.deepEqual({ ...event }, { outcome: 'DENIED', purpose: purpose.slice(0, 64) }, requestId);
    }
    // Configured, but not this principal's: still PURPOSE_NOT_ALLOWED.
    const notAllowed = await post(server.url, CITIZEN_QUERY, { p: pnr }, { authorization: `Bearer ${token}`, 'x-purpose': 'employment-support' });
    assert.deepEqual([notAllowed.status, codesOf(notAllowed.body)], [403, ['PURPOSE_NOT_ALLOWED']]);
    // A bound purpose samgraf does not know is unknown as well.
    const bound = await staff.mint({ ...STAFF, purpose: 'marketing' });
    const boundReply = await post(server.url, CITIZEN_QUERY, { p: pnr }, { authorization: `Bearer ${bound}` });
    assert.deepEqual([boundReply.status, codesOf(boundReply.body)], [400, ['PURPOSE_UNKNOWN']]);
  });

  describe('a configuration without audit and self-service', () => {
    let lockedOut: Samgraf;
    const lines: Record<string, unknown>[] = [];

    before(async () => {
      const capture = new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      });
      const { populationRegister, socialInsurance, employmentService, store } = seeded.urls;
      const config = parseConfig({
        server: { port: 0, host: '127.0.0.1' },
        sources: { populationRegister: { url: populationRegister }, socialInsurance: { url: socialInsurance }, employmentService: { url: employmentService } },
        store: { url: store.replace(/store\.db$/, 'store-locked-out.db') },
        auth: { issuers: [staff.config, citizen.config] },
        purposes: ['benefit-assessment', 'employment-support'],
      }, {});
      lockedOut = await startSamgraf(config, createLogger({ level: 'info', destination: capture }));
    });

    after(async () => {
      await lockedOut?.close();
    });

    it('warns at start, one line per purpose, naming who is locked out', () => {
      const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
      assert.deepEqual(warnings.filter((msg) => String(msg).startsWith('purposes ')), [
        'purposes does not include audit: auditors cannot read the access log',
        'purposes does not include self-service: citizens cannot read anything, not even their own data',
      ]);
      assert.deepEqual(lockedOutBy(DEFAULT_PURPOSES), [], 'the default purposes lock nobody out');
    });

    it('and citizens are indeed locked out: their purpose is not configured', async () => {
      const token = await citizen.mint({ sub: pnr });
      const reply = await post(lockedOut.url, CITIZEN_QUERY, { p: pnr }, { authorization: `Bearer ${token}` });
      assert.deepEqual([reply.status, codesOf(reply.body)], [400, ['PURPOSE_UNKNOWN']], reply.text);
      assert.ok(!reply.text.includes(pnr), reply.text);
    });
  });
});

describe('samgraf apikey create checks its flags as strictly as token claims', () => {
  let db: Knex;
  let store: ApiKeyStore;
  const valid = { org: 'FK', name: 'partner', scopes: 'citizen:read', purposes: 'audit' };

  before(async () => {
    db = openDatabase('sqlite::memory:');
    await migrateStore(db);
    store = new ApiKeyStore(db, DEFAULT_PURPOSES);
  });

  after(async () => {
    await db?.destroy();
  });

  it('refuses an org that is no plain code of up to 32 characters, a municipality that is not 4 digits, a name longer than its column', async () => {
    const refused: [string, Record<string, string>, RegExp][] = [
      ['org of 33 characters', { org: 'A'.repeat(33) }, /--org CODE is required \(1 to 32 letters, digits or -/],
      ['org with a space', { org: 'A F' }, /--org CODE/],
      ['org with punctuation', { org: "FK'" }, /--org CODE/],
      ['municipality of 5 digits', { municipality: '01800' }, /--municipality takes a 4-digit municipality code/],
      ['municipality of letters', { municipality: 'abcd' }, /--municipality takes a 4-digit municipality code/],
      ['name of 201 characters', { name: 'n'.repeat(201) }, /--name takes at most 200 characters/],
      ['unknown scope', { scopes: 'citizen:read citizen:write' }, /unknown scope\(s\): citizen:write/],
      ['unconfigured purpose', { purposes: 'audit marketing' }, /purpose\(s\) not in the configuration: marketing/],
    ];
    for (const [label, change, message] of refused) {
      await assert.rejects(createApiKey(store, { ...valid, ...change }, DEFAULT_PURPOSES), (error: unknown) => {
        assert.ok(error instanceof CommandInputError, label);
        assert.match(error.message, message, label);
        return true;
      }, label);
    }
    assert.deepEqual(await store.list(), [], 'nothing was created');
  });

  it('accepts the longest values the columns hold, and stores a repeated scope or purpose once', async () => {
    const { id } = await createApiKey(store, {
      org: 'A'.repeat(32), name: 'n'.repeat(200), municipality: '0180',
      scopes: Array(300).fill('citizen:read').join(' '), purposes: 'audit audit self-service',
    }, DEFAULT_PURPOSES);
    const [key] = (await store.list()).filter((listed) => listed.id === id);
    assert.deepEqual([key?.organization, key?.name.length, key?.scopes, key?.purposes], ['A'.repeat(32), 200, ['citizen:read'], ['audit', 'self-service']]);
  });
});
