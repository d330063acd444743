/**
 * Purpose of use: every request that reads personal data states one purpose, from the `X-Purpose` header or
 * the token's `purpose` claim, and it must be one the principal may use. A citizen's purpose is always
 * `self-service`, stated or not.
 */
import { PurposeNotAllowedError, PurposeRequiredError } from './errors.js';
import { SELF_SERVICE_PURPOSE, type Principal } from './principal.js';

export function resolvePurpose(principal: Principal, header: string | undefined): string {
  const stated = header?.trim() || undefined;
  if (principal.boundPurpose !== null && stated !== undefined && stated !== principal.boundPurpose) throw new PurposeNotAllowedError();
  const purpose = stated ?? principal.boundPurpose ?? (principal.type === 'CITIZEN' ? SELF_SERVICE_PURPOSE : undefined);
  if (purpose === undefined) throw new PurposeRequiredError();
  if (!principal.purposes.includes(purpose)) throw new PurposeNotAllowedError();
  return purpose;
}
