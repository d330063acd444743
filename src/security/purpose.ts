/**
 * Purpose of use: every request that reads personal data states one purpose, from the `X-Purpose` header or
 * the token's `purpose` claim. It must be one of the configured purposes (else PURPOSE_UNKNOWN: a misspelling
 * is told apart from a refusal) and one the principal may use (else PURPOSE_NOT_ALLOWED). A citizen's purpose
 * is always `self-service`, stated or not.
 */
import { PurposeNotAllowedError, PurposeRequiredError, PurposeUnknownError } from './errors.js';
import { SELF_SERVICE_PURPOSE, type Principal } from '../core/principal.js';

export function resolvePurpose(principal: Principal, header: string | undefined, configured: readonly string[]): string {
  const stated = header?.trim() || undefined;
  const purpose = stated ?? principal.boundPurpose ?? (principal.type === 'CITIZEN' ? SELF_SERVICE_PURPOSE : undefined);
  if (purpose === undefined) throw new PurposeRequiredError();
  if (!configured.includes(purpose)) throw new PurposeUnknownError(configured);
  if (principal.boundPurpose !== null && purpose !== principal.boundPurpose) throw new PurposeNotAllowedError();
  if (!principal.purposes.includes(purpose)) throw new PurposeNotAllowedError();
  return purpose;
}

/** Who a configuration without one of samgraf's own purposes locks out: one sentence per missing purpose. */
export function lockedOutBy(configured: readonly string[]): string[] {
  const missing: [string, string][] = [
    ['audit', 'auditors cannot read the access log'],
    [SELF_SERVICE_PURPOSE, 'citizens cannot read anything, not even their own data'],
  ];
  return missing
    .filter(([purpose]) => !configured.includes(purpose))
    .map(([purpose, consequence]) => `purposes does not include ${purpose}: ${consequence}`);
}
