/**
 * Verifies bearer JWTs against the configured trusted issuers (jose). The issuer is chosen by the token's
 * `iss` before any key is touched; the key comes from that issuer's JWKS only — remote (cached, refetched
 * when a token names an unknown `kid`, so key rotation needs no restart) or inline. Only asymmetric
 * algorithms from the issuer's allow-list are accepted, which rules out `none` and HMAC-with-a-public-key.
 * Verified tokens are cached until they expire, so a busy client does not pay for signatures every time.
 */
import { createHash } from 'node:crypto';
import {
  createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify,
  type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyResult,
} from 'jose';
import {
  boundPurposeClaim, MalformedClaimError, municipalityClaim, organizationClaim, personalNumberClaim, purposesClaim, scopesClaim, subjectClaim,
} from './claims.js';
import { AuthenticationError, type AuthenticationProblem } from './errors.js';
import { SELF_SERVICE_PURPOSE, type Client, type Principal, type TrustedDocumentsMode } from '../core/principal.js';
import { CITIZEN_SCOPES, heldScopes, SCOPES } from './scopes.js';

export const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export const MAX_TOKEN_LENGTH = 8192;

export interface IssuerConfig {
  issuer: string;
  audience: string | string[];
  jwksUrl?: string | undefined;
  jwks?: { keys: Record<string, unknown>[] } | undefined;
  principal: 'staff' | 'citizen';
  algorithms?: string[] | undefined;
  personalNumberClaim?: string | undefined;
  typ?: string | undefined;
}

export interface JwtVerifierOptions {
  issuers: readonly IssuerConfig[];
  /** Purposes samgraf knows; a principal's purposes are always a subset. */
  purposes: readonly string[];
  clockSkewSeconds: number;
  /** Least time between two JWKS fetches caused by unknown `kid`s. */
  jwksCooldownMs: number;
  cacheSize?: number;
  onRejected?: (reason: string) => void;
  /** Registered clients by id (config `clients`): a token's `azp` or `client_id` names one. */
  clients?: Readonly<Record<string, { trustedDocuments: TrustedDocumentsMode }>>;
}

interface CachedToken {
  principal: Principal;
  expiresAt: number;
  issuer: TrustedIssuer;
  kid: string | undefined;
}

/** A cached verification is trusted for this long at most, even if the token lives longer. */
const MAX_CACHE_MS = 10 * 60_000;

interface TrustedIssuer {
  config: IssuerConfig;
  keys: JWTVerifyGetKey;
  remote: ReturnType<typeof createRemoteJWKSet> | null;
}

export class JwtVerifier {
  private readonly issuers = new Map<string, TrustedIssuer>();
  private readonly cache = new Map<string, CachedToken>();
  /** Signature checks done (cache misses); exposed for metrics and tests. */
  signatureChecks = 0;

  constructor(private readonly options: JwtVerifierOptions) {
    for (const config of options.issuers) {
      const remote = config.jwksUrl
        ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: options.jwksCooldownMs, timeoutDuration: 5000 })
        : null;
      const keys = remote ?? createLocalJWKSet((config.jwks ?? { keys: [] }) as JSONWebKeySet);
      this.issuers.set(config.issuer, { config, keys, remote });
    }
  }

  async verify(token: string): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH) throw this.reject('TOO_LARGE', 'token longer than the limit');
    const cacheKey = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresAt > Date.now() && stillPublished(cached)) return cached.principal;
    if (cached) this.cache.delete(cacheKey);

    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw this.reject('MALFORMED', 'not a JWT');
    }
    const trusted = typeof unverified.iss === 'string' ? this.issuers.get(unverified.iss) : undefined;
    if (!trusted) throw this.reject('UNKNOWN_ISSUER', 'issuer not trusted');

    const { payload, protectedHeader } = await this.verifySignature(token, trusted);
    const principal = trusted.config.principal === 'citizen' ? this.citizenPrincipal(payload, trusted.config) : this.staffPrincipal(payload, trusted.config);
    this.remember(cacheKey, { principal, issuer: trusted, kid: protectedHeader.kid, expiresAt: Math.min(payload.exp! * 1000, Date.now() + MAX_CACHE_MS) });
    return principal;
  }

  private async verifySignature(token: string, trusted: TrustedIssuer): Promise<JWTVerifyResult> {
    const { config } = trusted;
    this.signatureChecks += 1;
    const options = {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms ?? DEFAULT_ALGORITHMS,
      clockTolerance: this.options.clockSkewSeconds,
      requiredClaims: ['exp'],
      ...(config.typ ? { typ: config.typ } : {}),
    };
    try {
      return await jwtVerify(token, trusted.keys, options);
    } catch (error) {
      // A rotated key may be newer than the cooldown allows us to fetch: wait it out once, then retry.
      if (error instanceof errors.JWKSNoMatchingKey && trusted.remote?.coolingDown) {
        await new Promise((resolve) => setTimeout(resolve, this.options.jwksCooldownMs));
        try {
          return await jwtVerify(token, trusted.keys, options);
        } catch (retryError) {
          throw this.rejectJose(retryError);
        }
      }
      throw this.rejectJose(error);
    }
  }

  private rejectJose(error: unknown): AuthenticationError {
    if (error instanceof errors.JWTExpired) return this.reject('EXPIRED', 'expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'nbf') return this.reject('NOT_YET_VALID', 'nbf in the future');
      return this.reject('INVALID_CLAIMS', `claim ${error.claim} ${error.reason}`);
    }
    if (error instanceof errors.JOSEError) return this.reject('INVALID_SIGNATURE', error.code);
    return this.reject('INVALID_SIGNATURE', 'verification failed');
  }

  private staffPrincipal(payload: JWTPayload, config: IssuerConfig): Principal {
    return this.readClaims(() => {
      const municipality = municipalityClaim(payload.municipality);
      return {
        type: 'STAFF',
        subject: subjectClaim(payload.sub),
        organization: organizationClaim(payload.org),
        scopes: heldScopes(scopesClaim(payload.scope, payload.scp), municipality),
        purposes: purposesClaim(payload.purposes, this.options.purposes),
        municipality,
        apiKeyId: null,
        issuer: config.issuer,
        boundPurpose: boundPurposeClaim(payload.purpose),
        client: this.clientOf(payload),
        personalNumber: payload.personalNumber === undefined ? null : personalNumberClaim(payload.personalNumber, 'personalNumber'),
      };
    });
  }

  /** A citizen token names the person; one that claims staff powers was not issued for citizens. */
  private citizenPrincipal(payload: JWTPayload, config: IssuerConfig): Principal {
    const claim = config.personalNumberClaim ?? 'sub';
    return this.readClaims(() => {
      const personalNumber = personalNumberClaim(payload[claim], claim);
      // Read for their shape only: a citizen's powers never come from them.
      purposesClaim(payload.purposes, this.options.purposes);
      boundPurposeClaim(payload.purpose);
      const claimsStaffPowers = payload.org !== undefined || payload.municipality !== undefined
        || [...scopesClaim(payload.scope, payload.scp)].some((scope) => SCOPES.includes(scope));
      if (claimsStaffPowers) throw new MalformedClaimError('citizen token carries staff claims');
      return {
        type: 'CITIZEN',
        subject: personalNumber,
        organization: null,
        scopes: CITIZEN_SCOPES,
        // Within the configured purposes like everyone's: without `self-service` configured, citizens read nothing.
        purposes: this.options.purposes.filter((purpose) => purpose === SELF_SERVICE_PURPOSE),
        municipality: null,
        apiKeyId: null,
        issuer: config.issuer,
        boundPurpose: null,
        client: this.clientOf(payload),
      };
    });
  }

  /**
   * The registered client the token was issued to: `azp` (OpenID Connect) or `client_id` (RFC 9068), whichever
   * config `clients` names — the one held to its trusted documents when both are named (a token whose two claims
   * differ, as after a token exchange, must not slip out of its client's hold), else `azp`'s. A client config
   * does not name is no client of samgraf's (no documents, no metrics label).
   */
  private clientOf(payload: JWTPayload): Client | null {
    const clients = this.options.clients ?? {};
    const named = [payload.azp, payload.client_id]
      .filter((id): id is string => typeof id === 'string' && Object.hasOwn(clients, id))
      .map((id) => ({ id, trustedDocuments: clients[id]!.trustedDocuments }));
    return named.find((client) => client.trustedDocuments === 'required') ?? named[0] ?? null;
  }

  private readClaims(read: () => Principal): Principal {
    try {
      return read();
    } catch (error) {
      if (error instanceof MalformedClaimError) throw this.reject('INVALID_CLAIMS', error.message);
      throw error;
    }
  }

  private remember(key: string, entry: CachedToken): void {
    const limit = this.options.cacheSize ?? 10_000;
    if (this.cache.size >= limit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
  }

  private reject(problem: AuthenticationProblem, detail: string): AuthenticationError {
    this.options.onRejected?.(detail);
    return new AuthenticationError(problem, { detail });
  }
}

/** A key withdrawn from the issuer's JWKS withdraws the tokens it signed, cached or not. */
function stillPublished({ issuer, kid }: CachedToken): boolean {
  if (!issuer.remote) return true;
  const keys = issuer.remote.jwks()?.keys ?? [];
  return kid === undefined ? keys.length > 0 : keys.some((key) => key.kid === kid);
}
