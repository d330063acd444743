/**
 * How the parts of a federated deployment know each other (`federation.internalAuth`): every request from one
 * part to another, and every answer, carries a short-lived JWT signed with the sender's own Ed25519 key, which
 * the receiver checks against the sender's public key. A part holds only its own private key and the others'
 * public keys: no part can speak as another (an agency's subgraph cannot pose as the gateway to a second
 * agency's), and no shared secret exists to leak. docs/federation.md states the threat model.
 *
 * The token binds what the receiver acts on, so it cannot be lifted onto another request:
 * - `aud`: the receiving part; `iat`/`exp`: a minute at most; `jti`: used once (replays are refused);
 * - `rid`: the X-Request-Id the request carries;
 * - `bdy`: the SHA-256 of the body (the query and its variables, or the answer);
 * - `hdr`: the SHA-256 of the caller's credentials and declarations as forwarded (Authorization, X-Purpose,
 *   X-Legal-Basis, X-Case-Reference), so that a signed request cannot be given another caller's token;
 * - `prn`: the principal the sender acts for. From the gateway, for a partner's API key (which only it can
 *   check), the subgraphs trust it without the gateway's key table; from another part it is only recorded.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { errors, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ConfigError, type Config } from '../config.js';
import type { Principal } from '../core/principal.js';
import { GATEWAY_NAME } from './parts.js';

/** The header that carries the token, on requests and on answers. */
export const INTERNAL_HEADER = 'samgraf-internal';
export const GATEWAY = GATEWAY_NAME;

const ALGORITHM = 'EdDSA';
const LIFETIME_SECONDS = 60;
const CLOCK_SKEW_SECONDS = 5;
/** The forwarded headers a token binds, in this order. */
const BOUND_HEADERS = ['authorization', 'x-purpose', 'x-legal-basis', 'x-case-reference'] as const;

export interface InternalAuthConfig {
  /** This process's own private key (an Ed25519 JWK). */
  signingKey: JWK;
  /** Every part's public key by name (`gateway`, a source's name), this process's own included. */
  trustedKeys: Readonly<Record<string, JWK>>;
}

/** A principal as it travels in `prn`: the same facts, scopes as a list. */
export interface CarriedPrincipal extends Omit<Principal, 'scopes'> {
  scopes: string[];
}

/**
 * Who sent a verified request, and the principal it says it acts for, if any. Only the gateway's word on a
 * principal admits a GraphQL request (a partner's API key, which only the gateway can check); another part's is
 * recorded for the log of what it was told (a person lookup), never trusted for access.
 */
export interface InternalCaller {
  part: string;
  principal: Principal | null;
}

export class InternalAuthError extends Error {
  constructor(readonly problem: 'MISSING' | 'INVALID' | 'UNTRUSTED' | 'REPLAYED' | 'MISMATCH', detail: string) {
    super(`internal authentication failed: ${detail}`);
    this.name = 'InternalAuthError';
  }
}

export class InternalAuth {
  private readonly seen = new Map<string, number>();

  private constructor(
    /** This process's name: `gateway` or the part it serves. */
    readonly self: string,
    private readonly signingKey: CryptoKey,
    private readonly publicKeys: ReadonlyMap<string, CryptoKey>,
  ) {}

  /**
   * This process's internal authentication from `federation.internalAuth`, or a ConfigError naming the key:
   * missing (with `why` it is needed), or keys that do not fit.
   */
  static async fromConfig(self: string, config: Pick<Config, 'federation'>, why: string): Promise<InternalAuth> {
    const internalAuth = config.federation?.internalAuth;
    if (internalAuth === undefined) throw new ConfigError([`federation.internalAuth: required ${why}`]);
    const trustedKeys: Record<string, JWK> = {};
    for (const [name, key] of Object.entries(internalAuth.trustedKeys)) if (key !== undefined) trustedKeys[name] = key;
    try {
      return await InternalAuth.create(self, { signingKey: internalAuth.signingKey, trustedKeys });
    } catch (error) {
      throw new ConfigError([(error as Error).message]);
    }
  }

  static async create(self: string, config: InternalAuthConfig): Promise<InternalAuth> {
    if (config.trustedKeys[self] === undefined) throw new Error(`federation.internalAuth.trustedKeys.${self}: this process's own public key is missing`);
    const signingKey = await importKey(config.signingKey, 'federation.internalAuth.signingKey', true);
    const publicKeys = new Map<string, CryptoKey>();
    for (const [name, jwk] of Object.entries(config.trustedKeys)) publicKeys.set(name, await importKey(jwk, `federation.internalAuth.trustedKeys.${name}`, false));
    const auth = new InternalAuth(self, signingKey, publicKeys);
    // A private key that is not the one the others trust for this name would be refused by every part.
    await auth.verify(await auth.sign(self, { rid: 'self-check', bdy: digest('') }), self, { rid: 'self-check', bdy: digest('') })
      .catch(() => { throw new Error(`federation.internalAuth.signingKey is not the key trustedKeys.${self} names`); });
    return auth;
  }

  /** The token for a request to `audience`. */
  signRequest(audience: string, request: { requestId: string; body: string; headers: IncomingHttpHeaders | Readonly<Record<string, string>>; principal?: Principal | null }): Promise<string> {
    const claims: Record<string, unknown> = { rid: request.requestId, bdy: digest(request.body), hdr: boundHeaders(request.headers) };
    if (request.principal) claims.prn = carried(request.principal);
    return this.sign(audience, claims);
  }

  /** The token for an answer to a request that `audience` sent. */
  signResponse(audience: string, response: { requestId: string; body: string }): Promise<string> {
    return this.sign(audience, { rid: response.requestId, bdy: digest(response.body) });
  }

  /** Checks a request's token: who sent it, and the principal it carries. */
  async verifyRequest(token: string | undefined, request: { requestId: string; body: string; headers: IncomingHttpHeaders }): Promise<InternalCaller> {
    const payload = await this.verify(token, this.self, { rid: request.requestId, bdy: digest(request.body), hdr: boundHeaders(request.headers) });
    this.useOnce(payload.jti, payload.exp);
    return { part: payload.iss, principal: payload.prn === undefined ? null : principalFrom(payload.prn) };
  }

  /** Checks an answer's token: it comes from `from`, for this request, with this body. */
  async verifyResponse(token: string | undefined, from: string, response: { requestId: string; body: string }): Promise<void> {
    const payload = await this.verify(token, this.self, { rid: response.requestId, bdy: digest(response.body) });
    if (payload.iss !== from) throw new InternalAuthError('MISMATCH', `the answer is signed by ${payload.iss}, not ${from}`);
  }

  private sign(audience: string, claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: 'samgraf-internal+jwt' })
      .setIssuer(this.self)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_SECONDS}s`)
      .setJti(randomUUID())
      .sign(this.signingKey);
  }

  private async verify(token: string | undefined, audience: string, expected: Record<string, string>): Promise<{ iss: string; jti: string; exp: number; prn?: unknown }> {
    if (token === undefined || token === '') throw new InternalAuthError('MISSING', `no ${INTERNAL_HEADER} header`);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, () => this.keyOf(issuerOf(token)), { algorithms: [ALGORITHM], audience, typ: 'samgraf-internal+jwt', clockTolerance: CLOCK_SKEW_SECONDS, maxTokenAge: LIFETIME_SECONDS + CLOCK_SKEW_SECONDS, requiredClaims: ['iss', 'jti', 'exp', 'iat'] }));
    } catch (error) {
      if (error instanceof InternalAuthError) throw error;
      if (error instanceof errors.JOSEError) throw new InternalAuthError('INVALID', error.code);
      throw error;
    }
    for (const [claim, value] of Object.entries(expected)) {
      if (payload[claim] !== value) throw new InternalAuthError('MISMATCH', `the token's ${claim} does not match the message`);
    }
    return payload as { iss: string; jti: string; exp: number; prn?: unknown };
  }

  private keyOf(issuer: string | undefined): CryptoKey {
    const key = issuer === undefined ? undefined : this.publicKeys.get(issuer);
    if (key === undefined) throw new InternalAuthError('UNTRUSTED', 'the token names no trusted part');
    return key;
  }

  /** A token is good once: the same token again is a replay, whatever else matches. */
  private useOnce(jti: string, exp: number): void {
    const now = Date.now() / 1000;
    if (this.seen.has(jti)) throw new InternalAuthError('REPLAYED', 'this token was used already');
    // Forget tokens that could not be accepted any more anyway; at most a minute's worth are kept.
    if (this.seen.size > 1000) for (const [id, expires] of this.seen) if (expires + CLOCK_SKEW_SECONDS < now) this.seen.delete(id);
    this.seen.set(jti, exp);
  }
}

/** The `iss` of a token, read before its signature is checked only to choose the key that checks it. */
function issuerOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

async function importKey(jwk: JWK, key: string, isPrivate: boolean): Promise<CryptoKey> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error(`${key}: must be an Ed25519 key (kty OKP, crv Ed25519)`);
  if (isPrivate !== (typeof jwk.d === 'string')) throw new Error(`${key}: must be ${isPrivate ? 'a private key (with d)' : 'a public key (without d)'}`);
  return importJWK(jwk, ALGORITHM) as Promise<CryptoKey>;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function boundHeaders(headers: IncomingHttpHeaders | Readonly<Record<string, string>>): string {
  const values = BOUND_HEADERS.map((name) => {
    const value = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(value) ? value[0] ?? '' : value ?? '';
  });
  return digest(JSON.stringify(values));
}

function carried(principal: Principal): CarriedPrincipal {
  return { ...principal, scopes: [...principal.scopes] };
}

const text = (value: unknown): value is string => typeof value === 'string';
const textOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

function principalFrom(value: unknown): Principal {
  const p = value as Partial<Record<keyof CarriedPrincipal, unknown>>;
  const valid = typeof value === 'object' && value !== null && (p.type === 'API_KEY' || p.type === 'STAFF' || p.type === 'CITIZEN') && text(p.subject) && textOrNull(p.organization)
    && Array.isArray(p.scopes) && p.scopes.every(text) && Array.isArray(p.purposes) && p.purposes.every(text)
    && textOrNull(p.municipality) && textOrNull(p.apiKeyId) && textOrNull(p.issuer) && textOrNull(p.boundPurpose);
  if (!valid) throw new InternalAuthError('INVALID', 'the carried principal is malformed');
  return {
    type: p.type as Principal['type'], subject: p.subject as string, organization: p.organization as string | null, scopes: new Set(p.scopes as string[]),
    purposes: p.purposes as string[], municipality: p.municipality as string | null, apiKeyId: p.apiKeyId as string | null,
    issuer: p.issuer as string | null, boundPurpose: p.boundPurpose as string | null,
  };
}
