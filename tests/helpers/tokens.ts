/** Test issuers for staff and citizens: a key pair each, inline JWKS, and a way to mint tokens. */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export const STAFF_ISSUER = 'https://idp.staff.test';
export const CITIZEN_ISSUER = 'https://eid.citizen.test';
export const AUDIENCE = 'samgraf';

export interface TestIssuer {
  issuer: string;
  config: { issuer: string; audience: string; jwks: { keys: Record<string, unknown>[] }; principal: 'staff' | 'citizen' };
  /** Signs with defaults (iss, aud, iat, exp in 5 minutes); `claims` override them. */
  mint(claims: JWTPayload, header?: { alg?: string; kid?: string; typ?: string }): Promise<string>;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: Record<string, unknown>;
}

async function createIssuer(issuer: string, principal: 'staff' | 'citizen', kid: string): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    issuer,
    privateKey,
    publicJwk,
    config: { issuer, audience: AUDIENCE, jwks: { keys: [publicJwk] }, principal },
    async mint(claims, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: header.alg ?? 'ES256', kid: header.kid ?? kid, ...(header.typ ? { typ: header.typ } : {}) })
        .sign(privateKey);
    },
  };
}

let issuers: Promise<{ staff: TestIssuer; citizen: TestIssuer }> | undefined;

/** One staff and one citizen issuer per test process. */
export function testIssuers(): Promise<{ staff: TestIssuer; citizen: TestIssuer }> {
  issuers ??= (async () => ({
    staff: await createIssuer(STAFF_ISSUER, 'staff', 'staff-key-1'),
    citizen: await createIssuer(CITIZEN_ISSUER, 'citizen', 'citizen-key-1'),
  }))();
  return issuers;
}

export const ALL_SCOPES = 'citizen:read citizen:address:read citizen:relations:read citizen:protected:read benefit:read benefit:amount:read case:read case:notes:read audit:read schema:read';

/** A staff officer of AF with every scope: sees everything, including AF's case notes. */
export async function superuserHeaders(): Promise<Record<string, string>> {
  const { staff } = await testIssuers();
  const token = await staff.mint({ sub: 'test-officer', org: 'AF', scope: ALL_SCOPES });
  return { authorization: `Bearer ${token}`, 'x-purpose': 'employment-support' };
}
