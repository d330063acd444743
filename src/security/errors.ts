/** Security refusals, each with a stable code and HTTP status (documented in the README). */
import { GraphQLError } from 'graphql';
import { Code, withHttpStatus } from '../core/error-codes.js';

export type AuthenticationProblem =
  | 'MISSING' | 'MALFORMED' | 'TOO_LARGE' | 'UNKNOWN_ISSUER' | 'INVALID_SIGNATURE' | 'EXPIRED' | 'NOT_YET_VALID'
  | 'INVALID_CLAIMS' | 'UNKNOWN_KEY' | 'REVOKED' | 'AMBIGUOUS';

const MESSAGES: Record<AuthenticationProblem, string> = {
  MISSING: 'credentials required: send Authorization: Bearer <JWT> or X-API-Key',
  MALFORMED: 'the credentials are malformed',
  TOO_LARGE: 'the credentials are too large',
  UNKNOWN_ISSUER: 'the token is not from a trusted issuer',
  INVALID_SIGNATURE: 'the token could not be verified',
  EXPIRED: 'the credentials have expired',
  NOT_YET_VALID: 'the token is not valid yet',
  INVALID_CLAIMS: 'the token does not carry the claims its issuer must give',
  UNKNOWN_KEY: 'the API key is not valid',
  REVOKED: 'the API key has been revoked',
  AMBIGUOUS: 'send either a bearer token or an API key, not both',
};

/** 401. The problem is a coarse category: precise reasons stay in the operational log. */
/** Why credentials were refused, for the operational log only: the category, never the credential. */
export interface Refusal {
  /** Credentials refused before any token was read: the API key, or an Authorization header that holds no token. */
  credential?: 'api-key' | 'authorization';
  /** The token verifier's reason (which claim, which check). */
  detail?: string;
}

export class AuthenticationError extends GraphQLError {
  constructor(readonly problem: AuthenticationProblem, readonly refusal: Refusal = {}) {
    super(MESSAGES[problem], { extensions: withHttpStatus(Code.UNAUTHENTICATED, new Map([['www-authenticate', 'Bearer']])) });
  }
}

/** The store (API keys, access log) did not answer: nothing personal can be served now. */
export class AuditUnavailableGraphQLError extends GraphQLError {
  constructor() {
    super('the access log is unavailable, so no personal data can be served; try again', { extensions: withHttpStatus(Code.AUDIT_UNAVAILABLE) });
  }
}

/** A proof or receipt the access log cannot give now (its store failed): that field is null, the rest is served. */
export class ProofUnavailableError extends GraphQLError {
  constructor() {
    super('the access log cannot prove this now; try again', { extensions: { code: Code.PROOF_UNAVAILABLE } });
  }
}

/** A proof asked of a checkpoint the log never signed: a field error, the rest is served. */
export class CheckpointUnavailableGraphQLError extends GraphQLError {
  constructor(problem: string) {
    super(problem, { extensions: { code: Code.CHECKPOINT_UNAVAILABLE } });
  }
}

export class PurposeRequiredError extends GraphQLError {
  constructor() {
    super('state the purpose of use: the X-Purpose header or the token\'s purpose claim', { extensions: withHttpStatus(Code.PURPOSE_REQUIRED) });
  }
}

/**
 * Not one of the configured purposes at all: most likely misspelt. The stated text is never echoed (a header
 * is free text and may hold anything); the known purposes are listed instead.
 */
export class PurposeUnknownError extends GraphQLError {
  constructor(configured: readonly string[]) {
    super(`the stated purpose is not one samgraf knows; the configured purposes are: ${configured.join(', ')}`, { extensions: withHttpStatus(Code.PURPOSE_UNKNOWN) });
  }
}

/** Configured, but not one of this principal's purposes. */
export class PurposeNotAllowedError extends GraphQLError {
  constructor() {
    super('the stated purpose is not one this principal may use', { extensions: withHttpStatus(Code.PURPOSE_NOT_ALLOWED) });
  }
}

/** A field the caller may not read: null in the response, this error at its path, the rest served. */
export class UnauthorizedFieldError extends GraphQLError {
  constructor(coordinate: string) {
    super(`not authorized to read ${coordinate}`, { extensions: { code: Code.UNAUTHORIZED_FIELD_OR_TYPE } });
  }
}
