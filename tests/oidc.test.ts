/**
 * samgraf against a real identity provider (oidc-provider on loopback, tests/helpers/oidc.ts): an access token
 * from the client-credentials grant, verified through the provider's remote JWKS, is served; the principal is the
 * token's; and key rotation needs no restart (product.md, "Who is asking": JWKS "fetched, cached, refetched on
 * an unknown `kid`"). After a rotation that drops the old key, tokens signed with the old key are refused.
 *
 * samgraf's JWKS refetch has a cooldown (`auth.jwksCooldownSeconds`, default 1 s) and waits it out once when a
 * token names a kid it does not know; nothing here sleeps, and nothing asserts on timing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc.js';
import { startTestServer, type GraphQLResponse, type SourceUrls, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

const CITIZEN = 'query Citizen($p: String!) { citizen(personalNumber: $p) { personalNumber familyName benefits { id } } }';
const ME = '{ me { type subject organization scopes purposes municipality apiKeyId issuer } }';
const GRANT = { scope: 'citizen:read benefit:read', org: 'FK', purposes: ['benefit-assessment'] };
const PURPOSE = 'benefit-assessment';

interface Person { personalNumber: string; familyName: string }

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

describe('samgraf with a real OpenID provider', () => {
  let idp: TestOidcProvider;
  let seeded: SeededSources;
  let server: TestServer;
  let person: Person;

  /** As the bearer of `token` only (the default test-issuer token is not sent); `purpose` null sends no X-Purpose. */
  const asBearer = (token: string, query: string, variables?: Record<string, unknown>, purpose: string | null = PURPOSE) =>
    server.query(query, variables, { authorization: `Bearer ${token}`, 'x-purpose': purpose ?? undefined });

  function assertServedCitizen(reply: GraphQLResponse, label: string): void {
    assert.equal(reply.status, 200, `${label}: ${JSON.stringify(reply)}`);
    assert.equal(reply.errors, undefined, `${label}: ${JSON.stringify(reply.errors)}`);
    const citizen = (reply.data as any)?.citizen;
    assert.equal(citizen?.personalNumber, person.personalNumber, label);
    assert.equal(citizen?.familyName, person.familyName, label);
    assert.ok(Array.isArray(citizen?.benefits), `${label}: benefits are served with benefit:read`);
  }

  function assertRefused(reply: GraphQLResponse, label: string): void {
    assert.equal(reply.status, 401, `${label}: expected HTTP 401, got ${reply.status}: ${JSON.stringify(reply)}`);
    assert.ok(reply.errors && reply.errors.length > 0, `${label}: an error`);
    for (const error of reply.errors) assert.equal(error.extensions?.code, 'UNAUTHENTICATED', `${label}: ${JSON.stringify(reply.errors)}`);
    assert.ok(reply.data === undefined || reply.data === null, `${label}: no data may be served: ${JSON.stringify(reply.data)}`);
  }

  before(async () => {
    idp = await startOidcProvider();
    seeded = await seededSources('sqlite', { citizens: 40, seed: 'oidc' });
    person = await seededPerson(seeded.urls);
    server = await startTestServer(seeded.urls, {
      auth: { issuers: [{ issuer: idp.issuer, audience: 'samgraf', jwksUrl: idp.jwksUrl, principal: 'staff' }] },
    });
  });

  after(async () => {
    await server?.close();
    await idp?.close();
    await seeded?.drop();
  });

  it('serves a seeded person to a client-credentials access token', async () => {
    const token = await idp.clientCredentialsToken(GRANT);
    assert.equal(decodeProtectedHeader(token).kid, idp.currentKid);
    assertServedCitizen(await asBearer(token, CITIZEN, { p: person.personalNumber }), 'IdP token');
  });

  it('`me` is the token\'s principal: STAFF of FK with its scopes and purposes', async () => {
    const token = await idp.clientCredentialsToken(GRANT);
    const reply = await asBearer(token, ME, undefined, null);
    assert.equal(reply.status, 200, JSON.stringify(reply));
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    assert.deepEqual(reply.data, {
      me: {
        type: 'STAFF',
        subject: decodeJwt(token).sub,
        organization: 'FK',
        scopes: ['benefit:read', 'citizen:read'],
        purposes: ['benefit-assessment'],
        municipality: null,
        apiKeyId: null,
        issuer: idp.issuer,
      },
    });
  });

  it('the IdP token is held to its scopes and purposes', async () => {
    const token = await idp.clientCredentialsToken(GRANT);
    const otherPurpose = await asBearer(token, CITIZEN, { p: person.personalNumber }, 'employment-support');
    assert.equal(otherPurpose.status, 403, JSON.stringify(otherPurpose));
    assert.equal(otherPurpose.errors?.[0]?.extensions?.code, 'PURPOSE_NOT_ALLOWED');
    assert.ok(otherPurpose.data === undefined || otherPurpose.data === null);

    const noPurpose = await asBearer(token, CITIZEN, { p: person.personalNumber }, null);
    assert.equal(noPurpose.errors?.[0]?.extensions?.code, 'PURPOSE_REQUIRED', JSON.stringify(noPurpose));

    const address = await asBearer(token, 'query($p: String!) { citizen(personalNumber: $p) { familyName address { street } } }', { p: person.personalNumber });
    assert.equal(address.status, 200, JSON.stringify(address));
    assert.equal((address.data as any)?.citizen?.familyName, person.familyName);
    assert.equal((address.data as any)?.citizen?.address, null);
    assert.deepEqual(address.errors?.map((e) => [e.extensions?.code, e.path?.join('.')]), [['UNAUTHORIZED_FIELD_OR_TYPE', 'citizen.address']]);
  });

  describe('key rotation without a restart', () => {
    /** Signed with the first key; presented to samgraf (and accepted) before the rotation. */
    let seenBeforeRotation: string;
    /** Signed with the first key; never shown to samgraf before the rotation. */
    let unseenOldKey: string;
    let oldKid: string;
    let newToken: string;

    before(async () => {
      seenBeforeRotation = await idp.clientCredentialsToken(GRANT);
      unseenOldKey = await idp.clientCredentialsToken(GRANT);
      oldKid = String(decodeProtectedHeader(seenBeforeRotation).kid);
      assert.equal(decodeProtectedHeader(unseenOldKey).kid, oldKid);
      assertServedCitizen(await asBearer(seenBeforeRotation, CITIZEN, { p: person.personalNumber }), 'before rotation');

      await idp.rotateSigningKey({ keepPrevious: false });
      newToken = await idp.clientCredentialsToken(GRANT);
    });

    it('the provider now signs with a new kid and no longer publishes the old key', async () => {
      const newKid = decodeProtectedHeader(newToken).kid;
      assert.ok(newKid);
      assert.notEqual(newKid, oldKid);
      const jwks = await (await fetch(idp.jwksUrl)).json() as { keys: { kid: string }[] };
      assert.deepEqual(jwks.keys.map((k) => k.kid), [newKid]);
    });

    it('the same running samgraf accepts a token signed with the new key', async () => {
      assertServedCitizen(await asBearer(newToken, CITIZEN, { p: person.personalNumber }), 'new-key token');
      const me = await asBearer(newToken, ME, undefined, null);
      assert.equal((me.data as any)?.me?.organization, 'FK', JSON.stringify(me));
    });

    it('once refetched, a token signed with the old (removed) key is refused', async () => {
      // samgraf has fetched the new JWKS (the previous test); this token was never shown to it before.
      assertRefused(await asBearer(unseenOldKey, CITIZEN, { p: person.personalNumber }), 'old-key token, not seen before');
    });

    it('once refetched, an old-key token samgraf accepted before the rotation is refused too', async () => {
      // The key that signed it is gone from the issuer's JWKS: having verified it earlier must not keep it valid.
      assertRefused(await asBearer(seenBeforeRotation, CITIZEN, { p: person.personalNumber }), 'old-key token, seen before the rotation');
    });
  });
});
