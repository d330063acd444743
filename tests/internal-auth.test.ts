/** federation.internalAuth: each part signs with its own key, and a token fits only the message it was made for. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { generatePartKeys, type PartKeyPair } from '../src/commands/federation-keys.js';
import type { Principal } from '../src/core/principal.js';
import { InternalAuth, InternalAuthError } from '../src/federation/internal-auth.js';

const names = ['gateway', 'populationRegister', 'socialInsurance'] as const;
type Name = (typeof names)[number];

const partner: Principal = {
  type: 'API_KEY', subject: 'key-1', organization: '0180', scopes: new Set(['citizen:read']), purposes: ['social-services'],
  municipality: '0180', apiKeyId: 'key-1', issuer: null, boundPurpose: null,
};

describe('internal authentication between gateway and subgraphs', () => {
  const keys = {} as Record<Name, PartKeyPair>;
  const auth = {} as Record<Name, InternalAuth>;
  let trustedKeys: Record<string, JWK>;
  before(async () => {
    for (const name of names) keys[name] = await generatePartKeys();
    trustedKeys = Object.fromEntries(names.map((name) => [name, keys[name].publicKey]));
    for (const name of names) auth[name] = await InternalAuth.create(name, { signingKey: keys[name].privateKey, trustedKeys });
  });

  const request = { requestId: 'r-1', body: '{"query":"{ citizen(personalNumber: \\"x\\") { givenNames } }"}', headers: { authorization: 'Bearer abc', 'x-purpose': 'social-services' } };
  const refusal = (problem: InternalAuthError['problem']) => (error: unknown) => error instanceof InternalAuthError && error.problem === problem;

  it('a request signed by the gateway is verified by the subgraph it was meant for, with the partner it vouches for', async () => {
    const token = await auth.gateway.signRequest('socialInsurance', { ...request, principal: partner });
    const caller = await auth.socialInsurance.verifyRequest(token, request);
    assert.equal(caller.part, 'gateway');
    assert.deepEqual(caller.principal, partner);
  });

  it('a token does not fit another subgraph, another body, another request id or another caller\'s credentials', async () => {
    const sign = () => auth.gateway.signRequest('socialInsurance', request);
    await assert.rejects(auth.populationRegister.verifyRequest(await sign(), request), refusal('INVALID'));
    await assert.rejects(auth.socialInsurance.verifyRequest(await sign(), { ...request, body: request.body.replace('givenNames', 'address { street }') }), refusal('MISMATCH'));
    await assert.rejects(auth.socialInsurance.verifyRequest(await sign(), { ...request, requestId: 'r-2' }), refusal('MISMATCH'));
    await assert.rejects(auth.socialInsurance.verifyRequest(await sign(), { ...request, headers: { ...request.headers, authorization: 'Bearer someone-else' } }), refusal('MISMATCH'));
    await assert.rejects(auth.socialInsurance.verifyRequest(await sign(), { ...request, headers: { ...request.headers, 'x-purpose': 'audit' } }), refusal('MISMATCH'));
    await assert.rejects(auth.socialInsurance.verifyRequest(await sign(), { ...request, headers: { ...request.headers, 'x-case-reference': 'X-1' } }), refusal('MISMATCH'));
  });

  it('a token is good once: the same request again is refused as a replay', async () => {
    const token = await auth.gateway.signRequest('socialInsurance', request);
    await auth.socialInsurance.verifyRequest(token, request);
    await assert.rejects(auth.socialInsurance.verifyRequest(token, request), refusal('REPLAYED'));
  });

  it('no token, a token of an unknown part, a forged signature, or an old token are refused', async () => {
    await assert.rejects(auth.socialInsurance.verifyRequest(undefined, request), refusal('MISSING'));
    const stranger = await generatePartKeys();
    const claims = { rid: request.requestId };
    const forge = (key: JWK, issuer: string, iat?: number) => importJWK(key, 'EdDSA').then((signing) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'samgraf-internal+jwt' }).setIssuer(issuer).setAudience('socialInsurance').setJti(`j-${Math.random()}`);
      return (iat === undefined ? jwt.setIssuedAt().setExpirationTime('60s') : jwt.setIssuedAt(iat).setExpirationTime(iat + 60)).sign(signing);
    });
    await assert.rejects(auth.socialInsurance.verifyRequest(await forge(stranger.privateKey, 'stranger'), request), refusal('UNTRUSTED'));
    // Signed with a stranger's key, naming the gateway.
    await assert.rejects(auth.socialInsurance.verifyRequest(await forge(stranger.privateKey, 'gateway'), request), refusal('INVALID'));
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    await assert.rejects(auth.socialInsurance.verifyRequest(await forge(keys.gateway.privateKey, 'gateway', tenMinutesAgo), request), refusal('INVALID'));
  });

  it('a verified request says which part sent it, so that the receiver can tell the gateway\'s word from another part\'s', async () => {
    const token = await auth.socialInsurance.signRequest('populationRegister', { ...request, principal: partner });
    assert.deepEqual(await auth.populationRegister.verifyRequest(token, request), { part: 'socialInsurance', principal: partner });
    const plain = await auth.socialInsurance.signRequest('populationRegister', request);
    assert.deepEqual(await auth.populationRegister.verifyRequest(plain, request), { part: 'socialInsurance', principal: null });
  });

  it('an answer is verified as coming from the part that was asked, for this request and body', async () => {
    const answer = { requestId: 'r-1', body: '{"data":{}}' };
    const token = await auth.populationRegister.signResponse('gateway', answer);
    await auth.gateway.verifyResponse(token, 'populationRegister', answer);
    await assert.rejects(auth.gateway.verifyResponse(await auth.populationRegister.signResponse('gateway', answer), 'socialInsurance', answer), refusal('MISMATCH'));
    await assert.rejects(auth.gateway.verifyResponse(await auth.populationRegister.signResponse('gateway', answer), 'populationRegister', { ...answer, body: '{"data":null}' }), refusal('MISMATCH'));
  });

  it('speaks standard JWS: jose verifies what a part signs, and a part refuses alg none, a long-lived token and a foreign header', async () => {
    const token = await auth.gateway.signRequest('socialInsurance', request);
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(keys.gateway.publicKey, 'EdDSA'), { audience: 'socialInsurance', issuer: 'gateway' });
    assert.deepEqual(protectedHeader, { alg: 'EdDSA', typ: 'samgraf-internal+jwt' });
    assert.equal(payload.rid, request.requestId);
    const [, body] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'samgraf-internal+jwt' })).toString('base64url')}.${body}.`;
    await assert.rejects(auth.socialInsurance.verifyRequest(none, request), refusal('INVALID'));
    const signing = await importJWK(keys.gateway.privateKey, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const longLived = await new SignJWT({ rid: request.requestId }).setProtectedHeader({ alg: 'EdDSA', typ: 'samgraf-internal+jwt' }).setIssuer('gateway')
      .setAudience('socialInsurance').setJti('long').setIssuedAt(now).setExpirationTime(now + 3600).sign(signing);
    await assert.rejects(auth.socialInsurance.verifyRequest(longLived, request), refusal('INVALID'));
    const critical = await new SignJWT({ rid: request.requestId }).setProtectedHeader({ alg: 'EdDSA', typ: 'samgraf-internal+jwt', crit: ['b64'], b64: true }).setIssuer('gateway')
      .setAudience('socialInsurance').setJti('crit').setIssuedAt().setExpirationTime('60s').sign(signing).catch(() => null);
    if (critical !== null) await assert.rejects(auth.socialInsurance.verifyRequest(critical, request), refusal('INVALID'));
    await assert.rejects(auth.socialInsurance.verifyRequest('a.b', request), refusal('INVALID'));
    await assert.rejects(auth.socialInsurance.verifyRequest('!!!.???.***', request), refusal('INVALID'));
  });

  it('refuses to start with a private key that is not the one the others trust for its name, or with no key of its own', async () => {
    await assert.rejects(InternalAuth.create('gateway', { signingKey: keys.socialInsurance.privateKey, trustedKeys }), /signingKey is not the key trustedKeys\.gateway names/);
    await assert.rejects(InternalAuth.create('incomeRegister', { signingKey: keys.socialInsurance.privateKey, trustedKeys }), /trustedKeys\.incomeRegister/);
    await assert.rejects(InternalAuth.create('gateway', { signingKey: keys.gateway.publicKey, trustedKeys }), /must be a private key/);
  });
});
