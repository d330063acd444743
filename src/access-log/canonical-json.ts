/**
 * JSON with its keys sorted at every level and no white space, so the same value always serialises alike: what
 * an event's hash and a receipt's statement are computed over. No Node.js API: the citizen page uses it too.
 *
 * Keys sort by UTF-16 code units (Array.prototype.sort's order for strings); a key whose value is undefined is
 * left out, as JSON.stringify leaves it out. Written as loops over the keys: every access-log event is hashed
 * over this text, and the `entries`/`map`/`join` form allocated several arrays per object.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let text = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    text += (text.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
  }
  return `${text}}`;
}
