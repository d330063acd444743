/**
 * The demo's built-in token issuer. It exists only in demo mode: its key is generated on the first demo start
 * and kept in the demo's data folder, its JWKS is served by the demo server at /demo/jwks.json, and
 * `samgraf token` refuses to run where there is no demo key. Production configs never name it.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

export const DEMO_STAFF_ISSUER = 'urn:samgraf:demo:staff';
export const DEMO_CITIZEN_ISSUER = 'urn:samgraf:demo:citizen';
export const DEMO_AUDIENCE = 'samgraf';
export const DEMO_JWKS_PATH = '/demo/jwks.json';
const KEY_FILE = 'demo-issuer-key.json';
const ALG = 'ES256';

export class NoDemoIssuerError extends Error {
  readonly code = 'NO_DEMO_ISSUER';
  constructor(dataDir: string) {
    super(`no demo issuer in ${dataDir}: the demo issuer exists only in demo mode (start it with npm start)`);
  }
}

export interface DemoIssuer {
  jwks: { keys: JWK[] };
  mint(claims: JWTPayload, options: { citizen: boolean; ttlSeconds: number }): Promise<string>;
}

export async function createDemoIssuer(dataDir: string): Promise<DemoIssuer> {
  const file = join(dataDir, KEY_FILE);
  if (!existsSync(file)) {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: `demo-${Date.now().toString(36)}`, alg: ALG };
    writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return loadDemoIssuer(dataDir);
}

export async function loadDemoIssuer(dataDir: string): Promise<DemoIssuer> {
  const file = join(dataDir, KEY_FILE);
  if (!existsSync(file)) throw new NoDemoIssuerError(dataDir);
  const privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK & { kid: string };
  const { d: _private, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, ALG);
  return {
    jwks: { keys: [{ ...publicJwk, use: 'sig' }] },
    async mint(claims, { citizen, ttlSeconds }) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid, typ: 'JWT' })
        .setIssuer(citizen ? DEMO_CITIZEN_ISSUER : DEMO_STAFF_ISSUER)
        .setAudience(DEMO_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key);
    },
  };
}

export function demoIssuerConfigs(port: number) {
  const jwksUrl = `http://127.0.0.1:${port}${DEMO_JWKS_PATH}`;
  return [
    { issuer: DEMO_STAFF_ISSUER, audience: DEMO_AUDIENCE, jwksUrl, principal: 'staff' as const },
    { issuer: DEMO_CITIZEN_ISSUER, audience: DEMO_AUDIENCE, jwksUrl, principal: 'citizen' as const },
  ];
}
