/**
 * Free text that callers send in request headers (`X-Legal-Basis`, `X-Case-Reference`) and that the access log
 * keeps. Node hands header values over as Latin-1, one character per byte, so the same text arrives in two
 * shapes: curl and most HTTP clients send UTF-8 (`§` as C2 A7, read as `Â§`), browsers and Node's fetch send
 * Latin-1 (`§` as A7).
 */

// fatal: invalid UTF-8 must throw rather than become U+FFFD. ignoreBOM: a leading EF BB BF is text, not a marker.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text the client meant: a value whose bytes are valid UTF-8 with at least one non-ASCII byte is read as
 * UTF-8; any other value is kept as it is. Latin-1 text is practically never valid UTF-8 (an `ö` alone, F6, is
 * not), so it stays as sent.
 */
export function headerText(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/**
 * The first `max` characters (code points) of `text`. Cutting UTF-16 units could split an emoji's surrogate
 * pair, and a lone surrogate is stored as U+FFFD by the database, so the stored event would no longer match
 * its hash.
 */
export function firstCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (let count = 0; count < max && end < text.length; count++) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  return text.slice(0, end);
}

/** A declaration header as the access log records it: decoded, at most `max` characters, null when absent. */
export function declaredText(value: string | undefined, max: number): string | null {
  return value === undefined ? null : firstCodePoints(headerText(value), max);
}
