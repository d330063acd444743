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
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign as cryptoSign, verify as cryptoVerify, type JsonWebKeyInput, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { JWK } from 'jose';
import { ConfigError, type Config } from '../config.js';
import type { Principal } from '../core/principal.js';
import { GATEWAY_NAME } from './parts.js';

/** The header that carries the token, on requests and on answers. */
export const INTERNAL_HEADER = 'samgraf-internal';
/**
 * The gateway's word on a partner's principal, for every part a request reaches: a subgraph passes it on when it
 * asks another part for the caller (the register, the access logs), which checks it itself.
 */
export const PRINCIPAL_HEADER = 'samgraf-principal';
const PARTS_AUDIENCE = 'samgraf-parts';
export const GATEWAY = GATEWAY_NAME;

const ALGORITHM = 'EdDSA';
const TYP = 'samgraf-internal+jwt';
const PROTECTED_HEADER = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: TYP })).toString('base64url');
const LIFETIME_SECONDS = 60;
const CLOCK_SKEW_SECONDS = 5;
/** How long an accepted token's id is remembered at least: longer than any token is accepted. */
const WINDOW_MS = (LIFETIME_SECONDS + 2 * CLOCK_SKEW_SECONDS) * 1000;

interface Payload {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  prn?: unknown;
}
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
  /** The ids of the tokens accepted in this window and the one before: enough to outlive any token. */
  private seen = new Set<string>();
  private seenBefore = new Set<string>();
  private windowEnds = 0;

  private constructor(
    /** This process's name: `gateway` or the part it serves. */
    readonly self: string,
    private readonly signingKey: KeyObject,
    private readonly publicKeys: ReadonlyMap<string, KeyObject>,
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
    const signingKey = importKey(config.signingKey, 'federation.internalAuth.signingKey', true);
    const publicKeys = new Map<string, KeyObject>();
    for (const [name, jwk] of Object.entries(config.trustedKeys)) publicKeys.set(name, importKey(jwk, `federation.internalAuth.trustedKeys.${name}`, false));
    const auth = new InternalAuth(self, signingKey, publicKeys);
    // A private key that is not the one the others trust for this name would be refused by every part.
    try {
      auth.verify(auth.sign(self, { rid: 'self-check', bdy: digest('') }), self, { rid: 'self-check', bdy: digest('') });
    } catch {
      throw new Error(`federation.internalAuth.signingKey is not the key trustedKeys.${self} names`);
    }
    return auth;
  }

  /** The token for a request to `audience`. */
  async signRequest(audience: string, request: { requestId: string; body: string; headers: IncomingHttpHeaders | Readonly<Record<string, string>>; principal?: Principal | null }): Promise<string> {
    const claims: Record<string, unknown> = { rid: request.requestId, bdy: digest(request.body), hdr: boundHeaders(request.headers) };
    if (request.principal) claims.prn = carried(request.principal);
    return this.sign(audience, claims);
  }

  /** The token for an answer to a request that `audience` sent. */
  async signResponse(audience: string, response: { requestId: string; body: string }): Promise<string> {
    return this.sign(audience, { rid: response.requestId, bdy: digest(response.body) });
  }

  /** The gateway's assertion of a partner's principal for one request, which any part can check. */
  signPrincipal(requestId: string, principal: Principal): string {
    return this.sign(PARTS_AUDIENCE, { rid: requestId, prn: carried(principal) });
  }

  /** The principal the gateway asserted for this request (signed by the gateway, for this request id). */
  verifyPrincipal(token: string | undefined, requestId: string): Principal {
    const payload = this.verify(token, PARTS_AUDIENCE, { rid: requestId });
    if (payload.iss !== GATEWAY_NAME || payload.prn === undefined) throw new InternalAuthError('UNTRUSTED', 'only the gateway asserts a principal');
    return principalFrom(payload.prn);
  }

  /** Checks a request's token: who sent it, and the principal it carries. */
  async verifyRequest(token: string | undefined, request: { requestId: string; body: string; headers: IncomingHttpHeaders }): Promise<InternalCaller> {
    const payload = this.verify(token, this.self, { rid: request.requestId, bdy: digest(request.body), hdr: boundHeaders(request.headers) });
    this.useOnce(payload.jti);
    return { part: payload.iss, principal: payload.prn === undefined ? null : principalFrom(payload.prn) };
  }

  /** Checks an answer's token: it comes from `from`, for this request, with this body. */
  async verifyResponse(token: string | undefined, from: string, response: { requestId: string; body: string }): Promise<void> {
    const payload = this.verify(token, this.self, { rid: response.requestId, bdy: digest(response.body) });
    if (payload.iss !== from) throw new InternalAuthError('MISMATCH', `the answer is signed by ${payload.iss}, not ${from}`);
  }

  /**
   * A compact JWS (RFC 7515) with EdDSA, signed with node:crypto's Ed25519 in the calling thread: jose signs
   * through WebCrypto, whose jobs go through the thread pool — measured at about 0.23 ms per signature and check,
   * against 0.08 ms here, on every call between the parts. The format is jose's; the tests check each against it.
   */
  private sign(audience: string, claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims, iss: this.self, aud: audience, iat: now, exp: now + LIFETIME_SECONDS, jti: randomUUID() };
    const input = `${PROTECTED_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${cryptoSign(null, Buffer.from(input), this.signingKey).toString('base64url')}`;
  }

  private verify(token: string | undefined, audience: string, expected: Record<string, string>): Payload {
    if (token === undefined || token === '') throw new InternalAuthError('MISSING', `no ${INTERNAL_HEADER} header`);
    const [header, body, signature, ...rest] = token.split('.');
    if (header === undefined || body === undefined || signature === undefined || rest.length > 0) throw new InternalAuthError('INVALID', 'not a compact JWS');
    const protectedHeader = decodeJson(header) as { alg?: unknown; typ?: unknown; crit?: unknown } | null;
    if (protectedHeader?.alg !== ALGORITHM || protectedHeader.typ !== TYP || protectedHeader.crit !== undefined) throw new InternalAuthError('INVALID', 'not an internal token');
    const payload = decodeJson(body) as Partial<Payload> | null;
    if (payload === null || typeof payload !== 'object') throw new InternalAuthError('INVALID', 'the payload is not an object');
    const key = this.keyOf(typeof payload.iss === 'string' ? payload.iss : undefined);
    if (!cryptoVerify(null, Buffer.from(`${header}.${body}`), key, Buffer.from(signature, 'base64url'))) throw new InternalAuthError('INVALID', 'the signature does not hold');
    const now = Date.now() / 1000;
    const { aud, iat, exp, jti } = payload;
    if (aud !== audience) throw new InternalAuthError('INVALID', 'the token is for another part');
    if (typeof iat !== 'number' || typeof exp !== 'number' || typeof jti !== 'string') throw new InternalAuthError('INVALID', 'the token lacks iat, exp or jti');
    if (exp < now - CLOCK_SKEW_SECONDS || iat > now + CLOCK_SKEW_SECONDS || now - iat > LIFETIME_SECONDS + CLOCK_SKEW_SECONDS || exp - iat > LIFETIME_SECONDS) {
      throw new InternalAuthError('INVALID', 'the token is expired, not yet valid, or lives too long');
    }
    for (const [claim, value] of Object.entries(expected)) {
      if ((payload as Record<string, unknown>)[claim] !== value) throw new InternalAuthError('MISMATCH', `the token's ${claim} does not match the message`);
    }
    return payload as Payload;
  }

  private keyOf(issuer: string | undefined): KeyObject {
    const key = issuer === undefined ? undefined : this.publicKeys.get(issuer);
    if (key === undefined) throw new InternalAuthError('UNTRUSTED', 'the token names no trusted part');
    return key;
  }

  /**
   * A token is good once: the same token again is a replay, whatever else matches. Ids are kept for two windows
   * as long as a token can be accepted, then dropped a window at a time (no sweep per request).
   */
  private useOnce(jti: string): void {
    const now = Date.now();
    if (now >= this.windowEnds) {
      this.seenBefore = now - this.windowEnds < WINDOW_MS ? this.seen : new Set();
      this.seen = new Set();
      this.windowEnds = now + WINDOW_MS;
    }
    if (this.seen.has(jti) || this.seenBefore.has(jti)) throw new InternalAuthError('REPLAYED', 'this token was used already');
    this.seen.add(jti);
  }
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new InternalAuthError('INVALID', 'a part of the token is not base64url JSON');
  }
}

function importKey(jwk: JWK, key: string, isPrivate: boolean): KeyObject {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error(`${key}: must be an Ed25519 key (kty OKP, crv Ed25519)`);
  if (isPrivate !== (typeof jwk.d === 'string')) throw new Error(`${key}: must be ${isPrivate ? 'a private key (with d)' : 'a public key (without d)'}`);
  try {
    return isPrivate ? createPrivateKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' }) : createPublicKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' });
  } catch {
    throw new Error(`${key}: not a usable Ed25519 key`);
  }
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
    && textOrNull(p.municipality) && textOrNull(p.apiKeyId) && textOrNull(p.issuer) && textOrNull(p.boundPurpose)
    && (p.personalNumber === undefined || textOrNull(p.personalNumber));
  if (!valid) throw new InternalAuthError('INVALID', 'the carried principal is malformed');
  return {
    type: p.type as Principal['type'], subject: p.subject as string, organization: p.organization as string | null, scopes: new Set(p.scopes as string[]),
    purposes: p.purposes as string[], municipality: p.municipality as string | null, apiKeyId: p.apiKeyId as string | null,
    issuer: p.issuer as string | null, boundPurpose: p.boundPurpose as string | null,
    // Carried only when the gateway's principal had one: a principal without it reads back exactly as it was.
    ...(typeof p.personalNumber === 'string' ? { personalNumber: p.personalNumber } : {}),
  };
}
