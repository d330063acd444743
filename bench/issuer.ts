/**
 * The benchmark's staff identity provider: a key pair generated per run, its public key given to samgraf as
 * an inline JWKS, and tokens for a handful of officers (samgraf caches a verified token until it expires, as
 * it would for real clients reusing their access tokens).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const BENCH_ISSUER = 'https://idp.bench.samgraf.test';
export const BENCH_AUDIENCE = 'samgraf';
/** Every scope the workloads need. `citizen:protected:read` is included so that nothing is masked. */
export const BENCH_SCOPES = 'citizen:read citizen:address:read citizen:protected:read benefit:read benefit:amount:read case:read income:read audit:read';
export const BENCH_ORGANIZATION = 'FK';

export interface BenchIssuer {
  config: { issuer: string; audience: string; jwks: { keys: Record<string, unknown>[] }; principal: 'staff' };
  /** Bearer tokens, one per officer, valid for `ttlSeconds`. */
  tokens: string[];
}

export async function createBenchIssuer(officers: number, ttlSeconds: number): Promise<BenchIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'bench-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(Array.from({ length: officers }, (_, i) =>
    new SignJWT({ iss: BENCH_ISSUER, aud: BENCH_AUDIENCE, sub: `bench-officer-${String(i + 1).padStart(3, '0')}`, org: BENCH_ORGANIZATION, scope: BENCH_SCOPES })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(privateKey)));
  return { config: { issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE, jwks: { keys: [publicJwk] }, principal: 'staff' }, tokens };
}
