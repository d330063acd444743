/** The OIDC test helper: a real oidc-provider issuing JWT access tokens (client credentials) with a rotatable key. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc.js';

let idp: TestOidcProvider;

before(async () => {
  idp = await startOidcProvider();
});

after(async () => {
  await idp?.close();
});

test('discovery announces the issuer, the JWKS and the token endpoint', async () => {
  assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  assert.equal(discovery.issuer, idp.issuer);
  assert.equal(discovery.jwks_uri, idp.jwksUrl);
  assert.ok((discovery.grant_types_supported as string[]).includes('client_credentials'));

  const jwks = await (await fetch(idp.jwksUrl)).json() as { keys: Array<Record<string, unknown>> };
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0]!.kid, idp.currentKid);
  assert.equal(jwks.keys[0]!.d, undefined, 'the JWKS must publish public keys only');
});

test('client-credentials token is a signed JWT with the expected claims', async () => {
  const token = await idp.clientCredentialsToken({ scope: 'citizen:read benefit:read', org: 'FK', purposes: ['benefit-handling', 'audit'] });

  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.kid, idp.currentKid);

  const claims = decodeJwt(token);
  assert.equal(claims.iss, idp.issuer);
  assert.equal(claims.aud, 'samgraf');
  assert.equal(claims.scope, 'citizen:read benefit:read');
  assert.equal(claims.client_id, idp.clientId);
  assert.equal(claims.sub, idp.clientId);
  assert.equal(claims.org, 'FK');
  assert.deepEqual(claims.purposes, ['benefit-handling', 'audit']);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(typeof claims.exp === 'number' && claims.exp > now && claims.exp <= now + 300 + 5, `exp ${claims.exp}`);

  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUrl)), { issuer: idp.issuer, audience: 'samgraf' });
  assert.equal(payload.org, 'FK');
});

test('the caller chooses audience and claims; unknown scopes are dropped', async () => {
  const claims = decodeJwt(await idp.clientCredentialsToken({ audience: 'other-api', org: 'AF', purposes: null, extraClaims: { staff_id: 's-1' } }));
  assert.equal(claims.aud, 'other-api');
  assert.equal(claims.org, 'AF');
  assert.equal(claims.purposes, undefined);
  assert.equal(claims.staff_id, 's-1');
  assert.equal(claims.scope, 'citizen:read benefit:read benefit:amount:read case:read case:notes:read audit:read');

  assert.equal(decodeJwt(await idp.clientCredentialsToken({ scope: 'case:read admin:write' })).scope, 'case:read');
  assert.equal(decodeJwt(await idp.clientCredentialsToken({ scope: 'admin:write' })).scope, undefined);
});

test('after rotateSigningKey new tokens carry a new kid that only a fresh JWKS fetch knows', async () => {
  const before = await idp.clientCredentialsToken({ scope: 'case:read' });
  const oldKid = decodeProtectedHeader(before).kid;
  // A verifier that cached the JWKS before rotation.
  const cachedJwks = createRemoteJWKSet(new URL(idp.jwksUrl), { cooldownDuration: 60_000, cacheMaxAge: 600_000 });
  await jwtVerify(before, cachedJwks, { issuer: idp.issuer, audience: 'samgraf' });

  await idp.rotateSigningKey();

  const after = await idp.clientCredentialsToken({ scope: 'case:read' });
  const newKid = decodeProtectedHeader(after).kid;
  assert.ok(newKid);
  assert.notEqual(newKid, oldKid);
  assert.equal(newKid, idp.currentKid);
  assert.equal(decodeJwt(after).iss, idp.issuer, 'the issuer survives rotation');

  const jwks = await (await fetch(idp.jwksUrl)).json() as { keys: Array<{ kid: string }> };
  assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort(), 'old key kept, new key published');

  const fresh = createRemoteJWKSet(new URL(idp.jwksUrl));
  const { payload } = await jwtVerify(after, fresh, { issuer: idp.issuer, audience: 'samgraf' });
  assert.equal(payload.scope, 'case:read');
  await jwtVerify(before, fresh, { issuer: idp.issuer, audience: 'samgraf' });

  // The cached set has never seen the new kid and, within its cooldown, refuses to refetch.
  await assert.rejects(jwtVerify(after, cachedJwks, { issuer: idp.issuer, audience: 'samgraf' }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
});

test('rotation can retire the previous key, and RS256 works too', async () => {
  const rsa = await startOidcProvider({ alg: 'RS256' });
  try {
    const old = await rsa.clientCredentialsToken();
    assert.equal(decodeProtectedHeader(old).alg, 'RS256');
    await rsa.rotateSigningKey({ keepPrevious: false });

    const jwks = createRemoteJWKSet(new URL(rsa.jwksUrl));
    await jwtVerify(await rsa.clientCredentialsToken(), jwks, { issuer: rsa.issuer, audience: 'samgraf' });
    await assert.rejects(jwtVerify(old, jwks, { issuer: rsa.issuer, audience: 'samgraf' }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  } finally {
    await rsa.close();
  }
});
