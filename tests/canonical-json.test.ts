import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../src/access-log/canonical-json.js';

/** The definition, written plainly: what every stored event's hash was computed over. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${reference(v)}`).join(',')}}`;
}

/** A small seeded generator (mulberry32): the same values on every run. */
function randomValues(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const texts = ['', 'a', 'B', 'å', 'Ö', 'z', '\u2028', '"', '\\', '\uD83D\uDE00', '\uD800', 'subjects', 'subjectCategories', '10', '2', '__proto_'];
  const text = () => Array.from({ length: Math.floor(next() * 3) }, () => texts[Math.floor(next() * texts.length)]).join('');
  const value = (depth: number): unknown => {
    const kind = Math.floor(next() * (depth > 3 ? 6 : 8));
    switch (kind) {
      case 0: return null;
      case 1: return next() < 0.5;
      case 2: return Math.floor(next() * 2000) - 1000;
      case 3: return next() * 1e6;
      case 4: return text();
      case 5: return undefined;
      case 6: return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [text(), value(depth + 1)]));
    }
  };
  return () => value(0);
}

test('canonicalJson sorts keys at every level, leaves out undefined values and white space', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], e: undefined }), '{"a":[{"c":"x","d":null}],"b":1}');
  assert.equal(canonicalJson([undefined, 1]), '[null,1]');
  assert.equal(canonicalJson({}), '{}');
  assert.equal(canonicalJson([]), '[]');
  // UTF-16 code units: 'Z' (0x5A) < 'a' (0x61) < 'å' (0xE5) < '😀' (0xD83D…).
  assert.equal(canonicalJson({ 'å': 1, a: 2, Z: 3, '😀': 4 }), '{"Z":3,"a":2,"å":1,"😀":4}');
});

test('canonicalJson writes exactly what its plain definition writes, for 5,000 generated values', () => {
  const generate = randomValues(19);
  for (let i = 0; i < 5000; i++) {
    const value = generate();
    assert.equal(canonicalJson(value), reference(value), `value ${i}: ${JSON.stringify(value)}`);
  }
});
