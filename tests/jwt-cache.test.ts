/** Verified tokens are cached until they expire: a hot client does not pay for a signature check each time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError } from '../src/security/errors.js';
import { JwtVerifier } from '../src/security/jwt.js';
import { testIssuers } from './helpers/tokens.js';

describe('JWT verification cache', () => {
  it('checks a token\'s signature once, and again only for a different token', async () => {
    const { staff } = await testIssuers();
    const verifier = new JwtVerifier({ issuers: [staff.config], purposes: ['audit'], clockSkewSeconds: 0, jwksCooldownMs: 0 });
    const token = await staff.mint({ sub: 'a', org: 'FK', scope: 'citizen:read' });
    for (let i = 0; i < 5; i++) assert.equal((await verifier.verify(token)).subject, 'a');
    assert.equal(verifier.signatureChecks, 1);
    await verifier.verify(await staff.mint({ sub: 'b', org: 'FK', scope: 'citizen:read' }));
    assert.equal(verifier.signatureChecks, 2);
  });

  it('does not serve an expired token from the cache', async () => {
    const { staff } = await testIssuers();
    const verifier = new JwtVerifier({ issuers: [staff.config], purposes: ['audit'], clockSkewSeconds: 0, jwksCooldownMs: 0 });
    const token = await staff.mint({ sub: 'a', org: 'FK', exp: Math.floor(Date.now() / 1000) + 1 });
    await verifier.verify(token);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await assert.rejects(verifier.verify(token), (error) => error instanceof AuthenticationError && error.problem === 'EXPIRED');
  });

  it('never caches a refusal', async () => {
    const { staff } = await testIssuers();
    const verifier = new JwtVerifier({ issuers: [staff.config], purposes: ['audit'], clockSkewSeconds: 0, jwksCooldownMs: 0 });
    const token = await staff.mint({ sub: 'a' });
    for (let i = 0; i < 3; i++) await assert.rejects(verifier.verify(token), AuthenticationError);
    assert.equal(verifier.signatureChecks, 3);
  });
});
