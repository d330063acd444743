/**
 * Every text a caller chooses fits its access-log column before the event is batched: one request's overlong
 * operation name or header must not fail the commit it shares with everyone else's events. Longer text is cut
 * to the column's width in code points (MySQL/MariaDB count characters, not bytes) and ends with a marker, so
 * a reader sees it was cut; a surrogate pair is never split. The cut happens before hashing: the chain proves
 * what was stored.
 */
import { firstCodePoints } from '../header-text.js';
import type { EventDraft } from './event.js';

export const TRUNCATION_MARKER = '…';

/** Widths of the `audit_events` columns (src/store/migrations.ts) that hold text a caller chose. */
export const EVENT_TEXT_LIMITS = {
  requestId: 128,
  principalSubject: 255,
  principalOrganization: 32,
  principalApiKeyId: 32,
  purpose: 64,
  legalBasis: 200,
  caseReference: 200,
  operationName: 200,
} as const;

/** A surrogate without its pair: JSON (a token's claims) can carry one, but no database column can. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` as the store will hold it: a lone surrogate becomes U+FFFD here, before hashing, as the store would
 * make it after; otherwise the stored event no longer matches its hash and the chain reads as tampered with.
 */
export function storable(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** `text` storable, if it has at most `max` code points, else its first max − 1 and the marker. */
export function truncated(text: string, max: number): string {
  const whole = storable(text);
  return firstCodePoints(whole, max) === whole ? whole : `${firstCodePoints(whole, max - 1)}${TRUNCATION_MARKER}`;
}

function truncatedOrNull(text: string | null, max: number): string | null {
  return text === null ? null : truncated(text, max);
}

/** The draft with every caller-chosen text storable and cut to its column. */
export function boundedDraft(draft: EventDraft): EventDraft {
  const limits = EVENT_TEXT_LIMITS;
  return {
    ...draft,
    requestId: truncated(draft.requestId, limits.requestId),
    principal: {
      ...draft.principal,
      subject: truncated(draft.principal.subject, limits.principalSubject),
      organization: truncatedOrNull(draft.principal.organization, limits.principalOrganization),
      apiKeyId: truncatedOrNull(draft.principal.apiKeyId, limits.principalApiKeyId),
    },
    purpose: truncatedOrNull(draft.purpose, limits.purpose),
    legalBasis: truncatedOrNull(draft.legalBasis, limits.legalBasis),
    caseReference: truncatedOrNull(draft.caseReference, limits.caseReference),
    operationName: truncatedOrNull(draft.operationName, limits.operationName),
  };
}
