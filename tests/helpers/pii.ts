/** Finds personal numbers in text that should hold none (operational logs, metrics). */
import { isValidPersonalNumber } from '../../src/domain/personal-number.js';

/** 12 digits, or 10 with or without a separator, standing alone (not inside a word, UUID or decimal). */
const NUMBER_LIKE = /(?<![\w.])(\d{8}|\d{6})([-+]?)(\d{4})(?![\w.])/g;

/** Each run of digits shaped like a personal number that is one (valid date and check digit). */
export function personalNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(NUMBER_LIKE)) {
    const [, head, , tail] = match as unknown as [string, string, string, string];
    const candidates = head.length === 8 ? [head + tail] : ['19', '20'].map((century) => century + head + tail);
    if (candidates.some(isValidPersonalNumber)) found.push(match[0]);
  }
  return found;
}
