/**
 * samgraf's own claims, read strictly. A claim of the wrong shape refuses the credential instead of being read
 * as absent: "absent" means something (no `purposes` is every configured purpose), so a `purposes: "audit"`
 * that fell back to it would grant what the issuer meant to withhold. The same codes bound API keys, so that
 * every principal fits the store's columns.
 */
import { isValidPersonalNumber } from '../core/personal-number.js';

/** The `organization` and `principal_organization` columns. */
export const MAX_ORGANIZATION_LENGTH = 32;
/** The `principal_subject` column. */
export const MAX_SUBJECT_LENGTH = 255;

const ORGANIZATION_CODE = new RegExp(`^[A-Za-z0-9-]{1,${MAX_ORGANIZATION_LENGTH}}$`);
const MUNICIPALITY_CODE = /^\d{4}$/;

/** Which claim is malformed and how; for the operational log only, so it never quotes the value. */
export class MalformedClaimError extends Error {}

/** FK, AF, SKV, 0180 …: letters, digits and -, up to 32 characters. */
export function isOrganizationCode(value: unknown): value is string {
  return typeof value === 'string' && ORGANIZATION_CODE.test(value);
}

export function isMunicipalityCode(value: unknown): value is string {
  return typeof value === 'string' && MUNICIPALITY_CODE.test(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function subjectClaim(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_SUBJECT_LENGTH) {
    throw new MalformedClaimError(`sub is not a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  return value;
}

export function organizationClaim(value: unknown): string {
  if (!isOrganizationCode(value)) throw new MalformedClaimError(`org is not a code of 1 to ${MAX_ORGANIZATION_LENGTH} letters, digits or -`);
  return value;
}

/** Absent: not bound to a municipality. */
export function municipalityClaim(value: unknown): string | null {
  if (value === undefined) return null;
  if (!isMunicipalityCode(value)) throw new MalformedClaimError('municipality is not a 4-digit code');
  return value;
}

/** `scope` (space-separated) or `scp` (a list); `scope` wins when a token carries both well-formed. */
export function scopesClaim(scope: unknown, scp: unknown): ReadonlySet<string> {
  if (scope !== undefined && typeof scope !== 'string') throw new MalformedClaimError('scope is not a string');
  if (scp !== undefined && !isStringList(scp)) throw new MalformedClaimError('scp is not a list of strings');
  if (scope !== undefined) return new Set(scope.split(' ').filter(Boolean));
  return new Set((scp ?? []).filter(Boolean));
}

/** The token's `purposes`, or every configured purpose when it names none; never one samgraf does not know. */
export function purposesClaim(value: unknown, configured: readonly string[]): string[] {
  if (value === undefined) return [...configured];
  if (!isStringList(value) || value.some((purpose) => purpose === '')) throw new MalformedClaimError('purposes is not a list of non-empty strings');
  return configured.filter((purpose) => value.includes(purpose));
}

/** The purpose a token is bound to; absent: the request states one. */
export function boundPurposeClaim(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '') throw new MalformedClaimError('purpose is not a non-empty string');
  return value;
}

export function personalNumberClaim(value: unknown, claim: string): string {
  if (typeof value !== 'string' || !isValidPersonalNumber(value)) throw new MalformedClaimError(`${claim} is not a valid 12-digit personal number`);
  return value;
}
