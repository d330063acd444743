/**
 * Request ids: the client's `X-Request-Id` when it is a plain token that does not look like a personal number
 * (it is echoed and logged), else one samgraf makes — also one it would accept itself, since the next part of a
 * federation checks it the same way.
 */
import { randomUUID } from 'node:crypto';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PERSONAL_NUMBER_LIKE = /(?<!\d)\d{6}(\d{2})?[-+]?\d{4}(?!\d)/;

export function acceptedRequestId(given: string | string[] | undefined): string | null {
  return typeof given === 'string' && REQUEST_ID.test(given) && !PERSONAL_NUMBER_LIKE.test(given) ? given : null;
}

/**
 * A fresh request id that samgraf itself would accept: about one random UUID in sixty has a run of ten digits,
 * which looks like a personal number (in a log line, and to the next part of a federation, which would replace
 * it and so break the request's signature and the join of the agencies' events).
 */
export function newRequestId(): string {
  for (;;) {
    const id = randomUUID();
    if (!PERSONAL_NUMBER_LIKE.test(id)) return id;
  }
}
