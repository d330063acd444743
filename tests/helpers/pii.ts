/** Finds personal numbers in text that should hold none (operational logs, metrics). */
import { isValidPersonalNumber } from '../../src/core/personal-number.js';

/** 12 digits, or 10 with or without a separator, standing alone (not inside a word, UUID or decimal). */
const NUMBER_LIKE = /(?<![\w.])(\d{8}|\d{6})([-+]?)(\d{4})(?![\w.])/g;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Each run of digits shaped like a personal number that is one (valid date and check digit). */
export function personalNumbersIn(text: string): string[] {
  const found: string[] = [];
  // A UUID's last group is twelve hex digits, sometimes all decimal: it is a request or writer id, not a person.
  for (const match of text.replace(UUID, '').matchAll(NUMBER_LIKE)) {
    const [, head, , tail] = match as unknown as [string, string, string, string];
    const candidates = head.length === 8 ? [head + tail] : ['19', '20'].map((century) => century + head + tail);
    if (candidates.some(isValidPersonalNumber)) found.push(match[0]);
  }
  return found;
}
