/**
 * Hostile credentials (product.md, "Who is asking"): every forged, stale, misdirected, oversized or malformed
 * credential is refused with HTTP 401, `extensions.code` UNAUTHENTICATED and no `data` — never a 431, 413 or 500,
 * and never anything served. A valid token is served alongside (so no refusal is accidental), and no 401 body
 * echoes the token or holds a personal number ("Operational logs never contain personal numbers"). Each attack
 * asks for a real seeded person's `familyName`, on a seeded SQLite sample.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { DEFAULT_PURPOSES, parseConfig } from '../src/config.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { startTestServer, type SourceUrls, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { ALL_SCOPES, AUDIENCE, CITIZEN_ISSUER, STAFF_ISSUER, testIssuers, type TestIssuer } from './helpers/tokens.js';

const CITIZEN = 'query Citizen($p: String!) { citizen(personalNumber: $p) { familyName } }';
const STAFF_CLAIMS = { sub: 'officer-17', org: 'AF', scope: ALL_SCOPES } as const;
const STAFF_KID = 'staff-key-1';
/** A stated purpose the staff token may use, so that no refusal below can be about the purpose. */
const PURPOSE = { 'x-purpose': 'employment-support' };

interface Person { personalNumber: string; familyName: string }

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** An ordinary (unprotected, named) person straight from the seeded population register. */
async function seededPerson(urls: SourceUrls): Promise<Person> {
  const register = openDatabase(urls.populationRegister);
  try {
    const rows = await register('FB_PERSON').select('PERSONID', 'EFTERNAMN', 'SEKRETESS', 'SKYDDAD_FB').orderBy('PERSONID').limit(200);
    const person = rows
      .map((row: Record<string, string | null>) => ({
        personalNumber: String(row.PERSONID).trim(),
        familyName: String(row.EFTERNAMN ?? '').trim(),
        shielded: row.SEKRETESS?.trim() === 'J' || row.SKYDDAD_FB?.trim() === 'J',
      }))
      .find((p) => !p.shielded && p.familyName !== '' && isValidPersonalNumber(p.personalNumber));
    assert.ok(person, 'the seed has an ordinary person');
    return { personalNumber: person.personalNumber, familyName: person.familyName };
  } finally {
    await register.destroy();
  }
}

/** The same store-less sources, with a store file of its own for a second samgraf in the same folder. */
function withOwnStore(urls: SourceUrls, name: string): SourceUrls {
  return { ...urls, store: urls.store.replace(/store\.db$/, `store-${name}.db`) };
}

/** Signs a token for `issuer`'s iss/aud with any key and header; `claims` override the defaults (undefined drops one). */
async function sign(key: Parameters<SignJWT['sign']>[0], header: Record<string, unknown> & { alg: string }, claims: JWTPayload = {}, iss = STAFF_ISSUER): Promise<string> {
  const t = now();
  const payload = Object.fromEntries(Object.entries({ iss, aud: AUDIENCE, iat: t, exp: t + 300, ...STAFF_CLAIMS, ...claims }).filter(([, v]) => v !== undefined));
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

/** Replaces the payload of a signed token, keeping its header and signature. */
function withPayload(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const changed = change(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')));
  return `${header}.${b64url(JSON.stringify(changed))}.${signature}`;
}

describe('hostile tokens', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let staff: TestIssuer;
  let citizen: TestIssuer;
  let person: Person;
  /** Every 401 body this file received, for the operational-log check at the end. */
  const refusals: { label: string; text: string; secrets: string[] }[] = [];

  async function ask(url: string, headers: Record<string, string | undefined>, query = CITIZEN, variables: Record<string, unknown> = { p: person.personalNumber }): Promise<Reply> {
    const sent = Object.entries({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers })
      .filter((entry): entry is [string, string] => entry[1] !== undefined);
    const response = await fetch(url, { method: 'POST', headers: Object.fromEntries(sent), body: JSON.stringify({ query, variables }) });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  }

  /** The forms of the personal number a body might leak, and any personal-number-like digit run. */
  function assertNoPersonalNumber(text: string, label: string): void {
    const pnr = person.personalNumber;
    for (const form of [pnr, pnr.slice(2), `${pnr.slice(2, 8)}-${pnr.slice(8)}`]) {
      assert.ok(!text.includes(form), `${label}: the 401 body holds the personal number: ${text.slice(0, 300)}`);
    }
    assert.doesNotMatch(text, /\d{6}(\d{2})?[-+]?\d{4}/, `${label}: the 401 body holds something like a personal number`);
  }

  /** Parts of a credential long enough that finding them in a body means it was echoed. */
  function secretsOf(credential: string): string[] {
    const value = credential.replace(/^\S+\s+/, '');
    const parts = [value, ...value.split('.')].filter((part) => part.length >= 12);
    // A huge value: any 64-character window of it is enough to show an echo.
    return [...new Set(parts.map((part) => (part.length > 4096 ? part.slice(0, 64) : part)))];
  }

  /** HTTP 401, every error UNAUTHENTICATED, no data, a Bearer challenge; the token and personal numbers not echoed. */
  async function assertRefused(label: string, headers: Record<string, string | undefined>, url = server.url): Promise<Reply> {
    const reply = await ask(url, { ...PURPOSE, ...headers });
    assert.equal(reply.status, 401, `${label}: expected HTTP 401, got ${reply.status}: ${reply.text.slice(0, 300)}`);
    assert.ok(reply.body && Array.isArray(reply.body.errors) && reply.body.errors.length > 0, `${label}: a GraphQL error body: ${reply.text.slice(0, 300)}`);
    for (const error of reply.body.errors) assert.equal(error.extensions?.code, 'UNAUTHENTICATED', `${label}: ${reply.text.slice(0, 300)}`);
    assert.ok(reply.body.data === undefined || reply.body.data === null, `${label}: no data may be served: ${reply.text.slice(0, 300)}`);
    assert.ok(!reply.text.includes(person.familyName), `${label}: the person's name must not be served`);
    assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer\b/i, `${label}: a 401 carries a Bearer challenge`);
    const secrets = [headers.authorization, headers['x-api-key']].filter((v): v is string => v !== undefined).flatMap(secretsOf);
    for (const secret of secrets) assert.ok(!reply.text.includes(secret), `${label}: the 401 body echoes the credential`);
    assertNoPersonalNumber(reply.text, label);
    refusals.push({ label, text: reply.text, secrets });
    return reply;
  }

  async function assertServed(label: string, headers: Record<string, string | undefined>, url = server.url): Promise<void> {
    const reply = await ask(url, { ...PURPOSE, ...headers });
    assert.equal(reply.status, 200, `${label}: ${reply.text.slice(0, 300)}`);
    assert.equal(reply.body.errors, undefined, `${label}: ${reply.text.slice(0, 300)}`);
    assert.deepEqual(reply.body.data, { citizen: { familyName: person.familyName } }, label);
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    ({ staff, citizen } = await testIssuers());
    seeded = await seededSources('sqlite', { citizens: 60, seed: 'hostile-tokens' });
    person = await seededPerson(seeded.urls);
    server = await startTestServer(seeded.urls);
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  it('serves a valid staff token (sanity: the refusals below are not accidental)', async () => {
    await assertServed('valid token', bearer(await staff.mint(STAFF_CLAIMS)));
  });

  it('refuses a request without credentials for personal data, but serves { __typename }', async () => {
    await assertRefused('no credentials', { authorization: undefined });
    await assertRefused('no credentials, no purpose', { authorization: undefined, 'x-purpose': undefined });

    const typename = await ask(server.url, { authorization: undefined }, '{ __typename }', {});
    assert.equal(typename.status, 200, typename.text);
    assert.deepEqual(typename.body, { data: { __typename: 'Query' } });
  });

  it('refuses alg: none (unsigned, built by hand)', async () => {
    const t = now();
    const payload = b64url(JSON.stringify({ iss: STAFF_ISSUER, aud: AUDIENCE, iat: t, exp: t + 300, ...STAFF_CLAIMS }));
    for (const header of [{ alg: 'none' }, { alg: 'none', typ: 'JWT' }, { alg: 'none', kid: STAFF_KID }, { alg: 'None' }, { alg: 'NONE' }]) {
      const unsigned = `${b64url(JSON.stringify(header))}.${payload}.`;
      await assertRefused(`alg none ${JSON.stringify(header)}`, bearer(unsigned));
      // Some parsers also take the token without its trailing dot, or with a junk signature.
      await assertRefused(`alg none ${JSON.stringify(header)} without the empty signature`, bearer(unsigned.slice(0, -1)));
      await assertRefused(`alg none ${JSON.stringify(header)} with a junk signature`, bearer(`${unsigned}c2lnbmF0dXJl`));
    }
  });

  it('refuses HS256 signed with the issuer\'s public key as the HMAC secret', async () => {
    const publicKey = createPublicKey({ key: staff.publicJwk as any, format: 'jwk' });
    const pem = await exportSPKI(await importJWK(staff.publicJwk, 'ES256') as any);
    const { kid: _kid, alg: _alg, use: _use, ...bareJwk } = staff.publicJwk;
    const x = Buffer.from(String(staff.publicJwk.x), 'base64url');
    const y = Buffer.from(String(staff.publicJwk.y), 'base64url');
    const secrets: Record<string, Uint8Array> = {
      'PEM text': new TextEncoder().encode(pem),
      'PEM text (node export)': new TextEncoder().encode(publicKey.export({ type: 'spki', format: 'pem' }) as string),
      'PEM text without trailing newline': new TextEncoder().encode(pem.trimEnd()),
      'JWK JSON as published': new TextEncoder().encode(JSON.stringify(staff.publicJwk)),
      'JWK JSON (key members only)': new TextEncoder().encode(JSON.stringify(bareJwk)),
      'SPKI DER bytes': publicKey.export({ type: 'spki', format: 'der' }),
      'raw uncompressed point': Buffer.concat([Buffer.from([4]), x, y]),
    };
    for (const [name, secret] of Object.entries(secrets)) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        await assertRefused(`${alg} with the ${name}, kid`, bearer(await sign(secret, { alg, kid: STAFF_KID })));
        await assertRefused(`${alg} with the ${name}, no kid`, bearer(await sign(secret, { alg })));
      }
    }
  });

  it('refuses an expired token (exp an hour ago)', async () => {
    await assertRefused('expired', bearer(await staff.mint({ ...STAFF_CLAIMS, iat: now() - 7200, exp: now() - 3600 })));
  });

  it('refuses a token whose nbf is an hour in the future', async () => {
    await assertRefused('nbf in the future', bearer(await staff.mint({ ...STAFF_CLAIMS, nbf: now() + 3600 })));
  });

  it('refuses a token from an untrusted issuer (its own key and iss)', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await assertRefused('foreign issuer', bearer(await sign(privateKey, { alg: 'ES256', kid: 'evil-key-1' }, {}, 'https://idp.evil.test')));
    await assertRefused('foreign issuer with the staff kid', bearer(await sign(privateKey, { alg: 'ES256', kid: STAFF_KID }, {}, 'https://idp.evil.test')));
    await assertRefused('iss with a trailing slash', bearer(await sign(privateKey, { alg: 'ES256', kid: STAFF_KID }, {}, `${STAFF_ISSUER}/`)));
    await assertRefused('no iss', bearer(await staff.mint({ ...STAFF_CLAIMS, iss: undefined })));
  });

  it('refuses the right iss signed by a different key under the same kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await assertRefused('same kid, other key', bearer(await sign(privateKey, { alg: 'ES256', kid: STAFF_KID })));
    await assertRefused('no kid, other key', bearer(await sign(privateKey, { alg: 'ES256' })));
  });

  it('refuses a token for another audience', async () => {
    await assertRefused('wrong audience', bearer(await staff.mint({ ...STAFF_CLAIMS, aud: 'some-other-api' })));
    await assertRefused('audience list without samgraf', bearer(await staff.mint({ ...STAFF_CLAIMS, aud: ['some-other-api', 'yet-another'] })));
    await assertRefused('no audience', bearer(await staff.mint({ ...STAFF_CLAIMS, aud: undefined })));
  });

  it('refuses a token naming an unknown kid', async () => {
    await assertRefused('unknown kid', bearer(await staff.mint(STAFF_CLAIMS, { kid: 'staff-key-2' })));
  });

  it('refuses a validly signed token whose payload was changed afterwards', async () => {
    const valid = await staff.mint({ ...STAFF_CLAIMS, scope: 'audit:read' });
    await assertRefused('tampered scope', bearer(withPayload(valid, (p) => ({ ...p, scope: ALL_SCOPES }))));
    await assertRefused('tampered org', bearer(withPayload(valid, (p) => ({ ...p, org: 'FK' }))));
    await assertRefused('tampered exp', bearer(withPayload(valid, (p) => ({ ...p, exp: Number(p.exp) + 86_400 }))));
    const [header, payload, signature] = valid.split('.');
    const flipped = Buffer.from(signature!, 'base64url');
    flipped[10] ^= 0x01;
    await assertRefused('flipped signature bit', bearer(`${header}.${payload}.${b64url(flipped)}`));
  });

  it('refuses a token without exp', async () => {
    const token = await sign(staff.privateKey, { alg: 'ES256', kid: STAFF_KID }, { exp: undefined });
    assert.equal(decodeJwt(token).exp, undefined);
    await assertRefused('missing exp', bearer(token));
  });

  it('refuses a citizen-issuer token that carries staff claims', async () => {
    // The citizen issuer's own key, with staff claims: an officer id, or even a valid personal number, as sub.
    await assertRefused('citizen iss, staff claims', bearer(await citizen.mint({ ...STAFF_CLAIMS })));
    await assertRefused('citizen iss, staff claims, personal number sub', bearer(await citizen.mint({ ...STAFF_CLAIMS, sub: person.personalNumber })));
    await assertRefused('citizen iss, staff scope only', bearer(await citizen.mint({ sub: person.personalNumber, scope: 'citizen:read' })));
    // The citizen key signing a token that claims to be the staff issuer's.
    await assertRefused('staff iss, citizen key and kid', bearer(await sign(citizen.privateKey, { alg: 'ES256', kid: 'citizen-key-1' }, {}, STAFF_ISSUER)));
    await assertRefused('staff iss, citizen key, staff kid', bearer(await sign(citizen.privateKey, { alg: 'ES256', kid: STAFF_KID }, {}, STAFF_ISSUER)));
    // And the other way round: the staff key signing as the citizen issuer.
    await assertRefused('citizen iss, staff key', bearer(await sign(staff.privateKey, { alg: 'ES256', kid: 'citizen-key-1' }, { sub: person.personalNumber, org: undefined, scope: undefined }, CITIZEN_ISSUER)));
  });

  it('refuses a 1 MB token with 401, not 431, 413 or 500', async () => {
    await assertRefused('1 MB of token characters', { authorization: `Bearer ${'A'.repeat(1024 * 1024)}` });
    // A correctly signed token that is 1 MB long.
    const huge = await staff.mint({ ...STAFF_CLAIMS, padding: 'x'.repeat(1024 * 1024) });
    assert.ok(huge.length > 1024 * 1024);
    await assertRefused('1 MB signed token', bearer(huge));
    await assertRefused('1 MB, not a bearer value', { authorization: 'B'.repeat(1024 * 1024) });
  });

  it('refuses garbage bearer values', async () => {
    const t = now();
    const garbage = [
      '', 'Bearer', 'Bearer ', 'Bearer  ', 'Bearer null', 'Bearer undefined', 'Bearer not-a-jwt', 'Bearer a.b.c', 'Bearer ..',
      'Bearer ...', 'Bearer eyJ.eyJ.', 'Bearer x y', 'Bearer%20abc', 'Bearer\tabc', 'Token abc', 'JWT abc',
      `Bearer ${b64url('{"alg":"ES256"}')}.${b64url('null')}.c2ln`,
      `Bearer ${b64url('{"alg":"ES256"}')}.${b64url('[1,2,3]')}.c2ln`,
      `Bearer ${b64url('{"alg":"ES256"}')}.${b64url('"a string"')}.c2ln`,
      `Bearer ${b64url('not json')}.${b64url(JSON.stringify({ iss: STAFF_ISSUER, aud: AUDIENCE, exp: t + 300 }))}.c2ln`,
      `Bearer ${b64url('{"alg":"ES256","kid":"staff-key-1"}')}.${b64url(JSON.stringify({ iss: STAFF_ISSUER, aud: AUDIENCE, exp: t + 300, ...STAFF_CLAIMS }))}.`,
      `Bearer ${b64url('{"alg":"ES256","kid":"staff-key-1"}')}.${b64url(JSON.stringify({ iss: STAFF_ISSUER, aud: AUDIENCE, exp: t + 300, ...STAFF_CLAIMS }))}.!!!!`,
      `Bearer ${b64url('{"alg":"ES256","kid":"staff-key-1","crit":["exp"]}')}.${b64url(JSON.stringify({ iss: STAFF_ISSUER, exp: t + 300 }))}.c2ln`,
      // A JWE-shaped value (five parts).
      `Bearer ${b64url('{"alg":"dir","enc":"A256GCM"}')}..aXY.Y2lwaGVy.dGFn`,
    ];
    for (const value of garbage) await assertRefused(`garbage ${JSON.stringify(value.slice(0, 60))}`, { authorization: value });
  });

  it('refuses a request with both Authorization and X-API-Key, even when each alone is valid', async () => {
    const { key } = await new ApiKeyStore(server.store, DEFAULT_PURPOSES).create({
      organization: 'AF', name: 'hostile-tokens', scopes: ['citizen:read'], purposes: ['employment-support'], municipality: null, expiresAt: null,
    });
    const token = await staff.mint(STAFF_CLAIMS);
    await assertServed('the API key alone', { authorization: undefined, 'x-api-key': key });
    await assertServed('the token alone', bearer(token));
    await assertRefused('both, each valid', { ...bearer(token), 'x-api-key': key });
    await assertRefused('both, the key garbage', { ...bearer(token), 'x-api-key': 'sgk_nonsense' });
    await assertRefused('both, the token garbage', { authorization: 'Bearer nonsense', 'x-api-key': key });
  });

  it('refuses Authorization: Basic', async () => {
    const token = await staff.mint(STAFF_CLAIMS);
    await assertRefused('Basic user:password', { authorization: `Basic ${Buffer.from('officer-17:hunter2-secret').toString('base64')}` });
    await assertRefused('Basic with a valid JWT as its value', { authorization: `Basic ${token}` });
    await assertRefused('Basic with a base64 JWT', { authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}` });
    await assertRefused('Digest', { authorization: 'Digest username="officer-17", realm="samgraf", response="0123456789abcdef"' });
  });

  it('tolerates the configured default clock skew (10 s): expired 5 s ago is accepted, 60 s ago refused', async () => {
    const { populationRegister, socialInsurance, employmentService, store } = seeded.urls;
    const defaults = parseConfig({
      sources: { populationRegister: { url: populationRegister }, socialInsurance: { url: socialInsurance }, employmentService: { url: employmentService } },
      store: { url: store },
    }, {});
    assert.equal(defaults.auth.clockSkewSeconds, 10, 'the default clock skew in src/config.ts');
    // This file's server runs with that default (startTestServer only sets the issuers).
    await assertServed('expired 5 s ago', bearer(await staff.mint({ ...STAFF_CLAIMS, iat: now() - 300, exp: now() - 5 })));
    await assertRefused('expired 60 s ago', bearer(await staff.mint({ ...STAFF_CLAIMS, iat: now() - 300, exp: now() - 60 })));
    // The same tolerance for nbf.
    await assertServed('nbf 5 s ahead', bearer(await staff.mint({ ...STAFF_CLAIMS, nbf: now() + 5 })));
    await assertRefused('nbf 60 s ahead', bearer(await staff.mint({ ...STAFF_CLAIMS, nbf: now() + 60 })));
  });

  describe('an issuer configured with typ: at+jwt', () => {
    let strict: TestServer;

    before(async () => {
      strict = await startTestServer(withOwnStore(seeded.urls, 'typ'), {
        auth: { issuers: [{ ...staff.config, typ: 'at+jwt' }, citizen.config] },
      });
    });

    after(async () => {
      await strict?.close();
    });

    it('accepts typ at+jwt and refuses typ JWT or no typ', async () => {
      await assertServed('typ at+jwt', bearer(await staff.mint(STAFF_CLAIMS, { typ: 'at+jwt' })), strict.url);
      await assertRefused('typ JWT', bearer(await staff.mint(STAFF_CLAIMS, { typ: 'JWT' })), strict.url);
      await assertRefused('no typ', bearer(await staff.mint(STAFF_CLAIMS)), strict.url);
      await assertRefused('typ id_token+jwt', bearer(await staff.mint(STAFF_CLAIMS, { typ: 'id_token+jwt' })), strict.url);
    });
  });

  describe('an issuer configured with algorithms: [RS256]', () => {
    let rsaOnly: TestServer;
    let rsaKey: KeyObject;

    before(async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      rsaKey = pair.privateKey;
      const rsaJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'staff-rsa-1', use: 'sig' };
      rsaOnly = await startTestServer(withOwnStore(seeded.urls, 'rs256'), {
        auth: { issuers: [{ ...staff.config, jwks: { keys: [staff.publicJwk, rsaJwk] }, algorithms: ['RS256'] }, citizen.config] },
      });
    });

    after(async () => {
      await rsaOnly?.close();
    });

    it('accepts RS256 and refuses ES256 (and PS256) tokens signed by keys in its JWKS', async () => {
      await assertServed('RS256', bearer(await sign(rsaKey, { alg: 'RS256', kid: 'staff-rsa-1' })), rsaOnly.url);
      await assertRefused('ES256 with the ES key', bearer(await staff.mint(STAFF_CLAIMS)), rsaOnly.url);
      await assertRefused('ES256 without kid', bearer(await sign(staff.privateKey, { alg: 'ES256' })), rsaOnly.url);
      await assertRefused('PS256 with the RSA key', bearer(await sign(rsaKey, { alg: 'PS256', kid: 'staff-rsa-1' })), rsaOnly.url);
    });
  });

  it('no 401 body holds the token or a personal number', () => {
    assert.ok(refusals.length > 50, `collected ${refusals.length} refusals`);
    for (const { label, text, secrets } of refusals) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${label}: the 401 body echoes the credential`);
      assertNoPersonalNumber(text, label);
      assert.ok(text.length < 2048, `${label}: a 401 body is short (${text.length} characters)`);
    }
  });
});
