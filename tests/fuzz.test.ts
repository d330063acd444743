/**
 * A seeded, repeatable fuzz run (product.md, "Quality bars": bad input of any kind gets a clear error and never
 * a 5xx, a crash, or a byte of data it should not). At least 10,000 generated hostile requests
 * (tests/helpers/fuzz.ts: malformed JSON and GraphQL, deep and wide documents, bad variables, injection strings
 * in every argument, random valid queries, hostile headers and tokens, GET query strings, random methods,
 * paths and protocol garbage) go to one in-process samgraf on a seeded SQLite sample, 16 at a time. For every
 * answer:
 * - no 5xx at all (the sources and the store are up, so not even AUDIT_UNAVAILABLE or SOURCE_UNAVAILABLE), and
 *   no connection dropped without an answer;
 * - every error has an `extensions.code` listed in the README's "Error codes" table (read from the README
 *   here, so a new undocumented code fails), and no message carries internals (SQL, stack traces);
 * - nothing personal (a seeded personal number or family name) reaches a request without valid credentials,
 *   and nothing outside their rows reaches a citizen or a municipality-bound officer;
 * - no error message (nor X-Request-Id) echoes a personal number the request submitted.
 * Then the run must have been hostile (many distinct statuses and codes, every family, every argument
 * injected) and the server must still be healthy.
 *
 * FUZZ_SEED (a number or any text) and FUZZ_REQUESTS override the seed and the count; FUZZ_ONLY=i,j,… replays
 * single requests of a run and prints each with its answer (FUZZ_PROFILE=1 prints the slowest requests and the
 * memory after every 1,000, FUZZ_CONCURRENCY changes the 16 in flight: diagnostics only). Every finding names its
 * seed and index, with a curl command (or the raw bytes) that sends it again. Indices belong to a version of the
 * generator: changing tests/helpers/fuzz.ts changes what an index generates. No assertion is about time; a
 * request unanswered after 60 s is reported as a hang.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, type JWTPayload } from 'jose';
import { DEFAULT_PURPOSES } from '../src/config.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { buildSchema } from '../src/schema.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { documentedCodes } from './helpers/error-codes.js';
import { createGenerator, describeRequest, FAMILIES, parseSeed, type FuzzPerson, type FuzzRequest, type FuzzWorld } from './helpers/fuzz.js';
import { rawRequest } from './helpers/raw-http.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { ALL_SCOPES, AUDIENCE, CITIZEN_ISSUER, STAFF_ISSUER, testIssuers } from './helpers/tokens.js';

const DEFAULT_SEED = '20261126';
const SEED_TEXT = process.env.FUZZ_SEED?.trim() || DEFAULT_SEED;
const SEED = parseSeed(SEED_TEXT);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const ONLY = process.env.FUZZ_ONLY ? process.env.FUZZ_ONLY.split(',').map((i) => Number(i.trim())) : null;
/** FUZZ_PROFILE=1 prints the slowest requests (diagnostics only; nothing is asserted about time). */
const PROFILE = process.env.FUZZ_PROFILE === '1';
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 16);
/** Not a timing assertion: a request unanswered this long means the server hangs, which is reported as such. */
const NO_ANSWER_MS = 60_000;
/** Codes that mean something broke, documented or not: the sources and the store are up throughout. */
const NEVER_HERE = new Set(['INTERNAL_SERVER_ERROR', 'AUDIT_UNAVAILABLE', 'SOURCE_UNAVAILABLE']);
/** What must never reach a client: internals, stack traces, SQL. */
const INTERNALS = /maximum call stack|\bat \S+ \(|\.[jt]s:\d+|node_modules|knex|better-sqlite|\bselect\b[^"]*\bfrom\b|FB_PERSON|FB_RELATION|FK_BESLUT|FK_UTBETALNING|AF_ARENDE|AF_HANDLINGSPLAN/i;
/** Driver error codes (mysql2's ER_…, SQLite's SQLITE_…), matched by case. */
const DRIVER_CODES = /\bER_[A-Z_]{3,}|\bSQLITE_[A-Z]+/;

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body, when it is JSON. */
  body?: any;
  /** Set when no answer came (connection dropped, or NO_ANSWER_MS passed). */
  failure?: string;
  /** Set when the harness itself could not send the request (a generator bug, not a finding). */
  harness?: string;
}

interface Finding {
  kind: string;
  index: number;
  /** How to send the request again (abbreviated: findings must not hold megabytes of request). */
  repro: string;
  detail: string;
  status: number;
  /** The start of the answer. */
  excerpt: string;
}

/** The forms a personal number can take in text: 12 digits, 10 digits, with - or + before the last four. */
function numberForms(pnr: string): string[] {
  const ten = pnr.slice(2);
  return [pnr, ten, `${ten.slice(0, 6)}-${ten.slice(6)}`, `${ten.slice(0, 6)}+${ten.slice(6)}`, `${pnr.slice(0, 8)}-${pnr.slice(8)}`];
}

/**
 * The forms in which a submitted personal-number-like value could be echoed: as sent (when it holds ten or more
 * digits of any script, e.g. homoglyphs), JSON-escaped, and each run of 10–16 ASCII digits in it with the
 * 10- and 12-digit forms of a run that is a whole number. Values without that many digits are not numbers.
 */
function echoForms(value: string): string[] {
  const forms = new Set<string>();
  const trimmed = value.trim();
  if ((trimmed.match(/\p{Nd}/gu) ?? []).length >= 10 && trimmed.length <= 200) {
    forms.add(trimmed);
    forms.add(JSON.stringify(trimmed).slice(1, -1));
  }
  for (const run of trimmed.match(/\d[\d+-]*\d/g) ?? []) {
    const digits = run.replace(/\D/g, '');
    if (digits.length < 10 || digits.length > 16) continue;
    forms.add(digits);
    if (digits.length === 12) for (const form of numberForms(digits)) forms.add(form);
    if (digits.length === 10) for (const form of numberForms(`19${digits}`).slice(1, 4)) forms.add(form);
  }
  return [...forms].filter((form) => form.length >= 10);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe(`fuzz: ${REQUESTS} seeded hostile requests (FUZZ_SEED=${SEED_TEXT})`, { timeout: 600_000 }, () => {
  let seeded: SeededSources;
  let server: TestServer;
  let origin: string;
  let world: FuzzWorld;
  let codes: Map<string, Set<number>>;
  let knownNumbers: Map<string, FuzzPerson>;
  let familyNamePattern: RegExp;
  const findings: Finding[] = [];
  const harnessErrors: Finding[] = [];
  const statuses = new Map<number, number>();
  const codesSeen = new Map<string, number>();
  const statusCodePairs = new Map<string, number>();
  const families = new Map<string, number>();
  const auths = new Map<string, number>();
  const probes = new Map<string, number>();
  let servedPersonalData = 0;
  const slowest: [number, string][] = [];
  const perFamily = new Map<string, number>();
  const phases = { generate: 0, check: 0 };
  const outcomes = new Map<string, number>();
  let sent = 0;

  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

  before(async () => {
    codes = documentedCodes();
    seeded = await seededSources('sqlite', { citizens: 300, seed: 'fuzz' });
    // The store in memory: the access log is written as always, without an fsync per group commit (speed only).
    // A rate limit high enough that hostile input, not the per-principal budget, decides every answer.
    server = await startTestServer({ ...seeded.urls, store: 'sqlite::memory:' }, { rateLimit: { points: 10_000_000, durationSeconds: 1 } });
    origin = new URL(server.url).origin;

    const register = openDatabase(seeded.urls.populationRegister);
    const insurance = openDatabase(seeded.urls.socialInsurance);
    const employment = openDatabase(seeded.urls.employmentService);
    let rows: Record<string, string | null>[];
    let benefitIds: string[];
    let caseIds: string[];
    try {
      rows = await register('FB_PERSON').select('PERSONID', 'EFTERNAMN', 'KOMMUNKOD', 'SEKRETESS', 'SKYDDAD_FB');
      benefitIds = (await insurance('FK_BESLUT').select('BESLUT_ID').limit(200)).map((r: { BESLUT_ID: number }) => String(r.BESLUT_ID));
      caseIds = (await employment('AF_ARENDE').select('ARENDE_ID').limit(200)).map((r: { ARENDE_ID: string }) => String(r.ARENDE_ID).trim());
    } finally {
      await Promise.all([register.destroy(), insurance.destroy(), employment.destroy()]);
    }
    const everyone = rows.map((row) => ({
      personalNumber: String(row.PERSONID).trim(),
      familyName: String(row.EFTERNAMN ?? '').trim(),
      municipality: String(row.KOMMUNKOD ?? '').trim(),
      shielded: row.SEKRETESS?.trim() === 'J' || row.SKYDDAD_FB?.trim() === 'J',
    }));
    knownNumbers = new Map();
    for (const person of everyone) if (/^\d{12}$/.test(person.personalNumber)) for (const form of numberForms(person.personalNumber)) knownNumbers.set(form, person);
    const names = [...new Set(everyone.map((p) => p.familyName).filter((n) => n.length >= 2))].sort((a, b) => b.length - a.length);
    familyNamePattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${names.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'gu');
    const people = everyone.filter((p) => isValidPersonalNumber(p.personalNumber) && p.familyName !== '');
    const ordinary = people.filter((p) => !p.shielded && Number(p.personalNumber.slice(0, 4)) >= 1940);
    assert.ok(ordinary.length >= 10 && benefitIds.length > 0 && caseIds.length > 0, 'the seed has people, benefits and cases');
    const citizenPerson = ordinary[0]!;
    const municipality = [...people.reduce((m, p) => m.set(p.municipality, (m.get(p.municipality) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]![0];

    // Credentials: five valid principals and an API key, and a pool of hostile ones.
    const { staff, citizen } = await testIssuers();
    const bearer = (token: string) => `Bearer ${token}`;
    const now = Math.floor(Date.now() / 1000);
    // An hour, as the other valid principals below: a run on a loaded machine may outlast the issuer's default five minutes.
    const staffAll = await staff.mint({ sub: 'fuzz-officer', org: 'AF', scope: ALL_SCOPES, exp: now + 3600 });
    const keys = new ApiKeyStore(server.store, DEFAULT_PURPOSES);
    const apiKey = await keys.create({ organization: 'FK', name: 'fuzz partner', scopes: ['citizen:read', 'benefit:read', 'benefit:amount:read'], purposes: ['social-services'], municipality: null, expiresAt: null });
    const revoked = await keys.create({ organization: 'FK', name: 'revoked', scopes: ['citizen:read'], purposes: ['social-services'], municipality: null, expiresAt: null });
    await keys.revoke(revoked.key.split('_')[1]!);
    const expired = await keys.create({ organization: 'FK', name: 'expired', scopes: ['citizen:read'], purposes: ['social-services'], municipality: null, expiresAt: new Date(Date.now() - 60_000) });
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const claims = (extra: JWTPayload = {}) => ({ iss: STAFF_ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, sub: 'fuzz-officer', org: 'AF', scope: ALL_SCOPES, ...extra });
    const [h, p] = staffAll.split('.');
    const hmacToken = (secret: string) => {
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'staff-key-1' });
      const body = b64(claims());
      return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
    };
    const hostileAuthorizations = [
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES, exp: now - 3600, iat: now - 7200 })),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES, nbf: now + 3600 })),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES, aud: 'someone-else' })),
      bearer(await staff.mint({ sub: 'x', scope: ALL_SCOPES })),
      bearer(await staff.mint({ org: 'AF', scope: ALL_SCOPES })),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES, municipality: '01800' })),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES, exp: undefined as unknown as number })),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES }, { kid: 'no-such-key' })),
      bearer(await citizen.mint({ sub: citizenPerson.personalNumber, org: 'AF' })),
      bearer(await citizen.mint({ sub: citizenPerson.personalNumber, scope: 'audit:read' })),
      bearer(await citizen.mint({ sub: citizenPerson.personalNumber.slice(2) })),
      bearer(await citizen.mint({ sub: `${citizenPerson.personalNumber.slice(0, 11)}${(Number(citizenPerson.personalNumber[11]) + 1) % 10}` })),
      bearer(await citizen.mint({ sub: citizenPerson.personalNumber, iss: STAFF_ISSUER })),
      bearer(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'staff-key-1' }).sign(foreign.privateKey)),
      bearer(await new SignJWT(claims({ iss: 'https://evil.example' })).setProtectedHeader({ alg: 'ES256' }).sign(foreign.privateKey)),
      bearer(await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'staff-key-1' }).sign(rsa.privateKey)),
      bearer(await new SignJWT(claims({ iss: CITIZEN_ISSUER, sub: citizenPerson.personalNumber, org: undefined, scope: undefined })).setProtectedHeader({ alg: 'ES256', kid: 'citizen-key-1' }).sign(foreign.privateKey)),
      bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`),
      bearer(`${b64({ alg: 'none' })}.${b64(claims())}`),
      bearer(`${b64({ alg: 'nOnE', kid: 'staff-key-1' })}.${p}.`),
      bearer(hmacToken(JSON.stringify(staff.publicJwk))),
      bearer(hmacToken('')),
      bearer(`${b64({ alg: 'ES256', kid: 'staff-key-1', jwk: foreign.publicKey.export({ format: 'jwk' }) })}.${b64(claims())}.${b64('x'.repeat(64))}`),
      bearer(`${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), org: 'SKV', scope: `${ALL_SCOPES} schema:read` })}.${staffAll.split('.')[2]}`),
      bearer(`${h}.${p}`),
      bearer(`${staffAll}.${staffAll}`),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES, pad: 'x'.repeat(9000) })),
      bearer(await staff.mint({ sub: 'x', org: 'AF', scope: ALL_SCOPES }, { typ: 'at+jwt' }).then((t) => `${t.slice(0, -10)}${'A'.repeat(10)}`)),
    ];
    const hostileApiKeys = [revoked.key, expired.key, `sgk_${'0'.repeat(16)}_${'A'.repeat(43)}`, `sgk_${revoked.key.split('_')[1]}_${apiKey.key.slice(-43)}`, apiKey.key.replace(/^sgk_/, 'sgk-'), `${apiKey.key}=`, apiKey.key.slice(0, -1)];

    // Cursors the server issued.
    const staffHeaders = { authorization: bearer(staffAll), 'x-purpose': 'employment-support' };
    const page = await server.query(`query($c: String!) { citizensByMunicipality(code: $c, first: 2) { pageInfo { endCursor } } }`, { c: municipality }, staffHeaders);
    const audit = await server.query('{ auditEvents(first: 1) { pageInfo { endCursor } } }', undefined, { ...staffHeaders, 'x-purpose': 'audit' });
    const cursors = [page.data?.citizensByMunicipality?.pageInfo?.endCursor, audit.data?.auditEvents?.pageInfo?.endCursor].filter((c): c is string => typeof c === 'string');

    world = {
      schema: buildSchema(),
      people: people.map(({ personalNumber, familyName, municipality: m }) => ({ personalNumber, familyName, municipality: m })),
      benefitIds,
      caseIds,
      cursors,
      purposes: DEFAULT_PURPOSES,
      credentials: {
        staff: { header: 'authorization', value: bearer(staffAll) },
        limited: { header: 'authorization', value: bearer(await staff.mint({ sub: 'fuzz-limited', org: 'FK', scope: 'citizen:read benefit:read', exp: now + 3600 })) },
        municipality: { header: 'authorization', value: bearer(await staff.mint({ sub: 'fuzz-municipal', org: municipality, municipality, scope: ALL_SCOPES.replace('audit:read', '').trim(), exp: now + 3600 })) },
        bound: { header: 'authorization', value: bearer(await staff.mint({ sub: 'fuzz-bound', org: 'FK', scope: ALL_SCOPES, purpose: 'benefit-assessment', exp: now + 3600 })) },
        citizen: { header: 'authorization', value: bearer(await citizen.mint({ sub: citizenPerson.personalNumber, exp: now + 3600 })) },
        apiKey: { header: 'x-api-key', value: apiKey.key },
      },
      boundPurpose: 'benefit-assessment',
      citizen: { personalNumber: citizenPerson.personalNumber, familyName: citizenPerson.familyName, municipality: citizenPerson.municipality },
      municipality,
      hostileAuthorizations,
      hostileApiKeys,
      issuers: [STAFF_ISSUER, CITIZEN_ISSUER],
      audience: AUDIENCE,
    };
    // The valid credentials work (so that refusals below are about the hostile parts).
    for (const [kind, { header, value }] of Object.entries(world.credentials)) {
      const purpose = kind === 'citizen' ? 'self-service' : kind === 'apiKey' ? 'social-services' : kind === 'bound' ? 'benefit-assessment' : 'employment-support';
      const reply = await server.query('{ me { type } }', undefined, { authorization: undefined, [header]: value, 'x-purpose': purpose });
      assert.equal(reply.status, 200, `${kind}: ${JSON.stringify(reply)}`);
    }
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  async function send(request: FuzzRequest): Promise<Answer> {
    if (request.raw) {
      try {
        const reply = await rawRequest(server.url, request.raw, NO_ANSWER_MS);
        return { status: reply.status, headers: reply.headers, text: reply.text };
      } catch (error) {
        return { status: 0, headers: {}, text: '', failure: String((error as Error).message) };
      }
    }
    let response: Response;
    try {
      response = await fetch(origin + request.target, {
        method: request.method,
        headers: request.headers,
        ...(request.body ? { body: request.body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(NO_ANSWER_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      // fetch refuses some requests before sending them (a generator bug): not the server's doing.
      if (error instanceof TypeError && !cause?.code) return { status: 0, headers: {}, text: '', harness: `${(error as Error).message} ${cause?.message ?? ''}` };
      return { status: 0, headers: {}, text: '', failure: `${(error as Error).name}: ${(error as Error).message} ${cause?.code ?? ''} ${cause?.message ?? ''}` };
    }
    const text = await response.text().catch((error: Error) => `<body unreadable: ${error.message}>`);
    return { status: response.status, headers: Object.fromEntries(response.headers), text };
  }

  /** Seeded personal numbers (any form) and family names in `text` that the request did not itself carry. */
  function personalDataIn(text: string, request: FuzzRequest, allowed: (person: FuzzPerson) => boolean = () => false): string[] {
    const found = new Set<string>();
    for (const run of text.match(/\d[\d+-]{8,}\d/g) ?? []) {
      for (const width of [13, 12, 11, 10]) {
        for (let i = 0; i + width <= run.length; i++) {
          const person = knownNumbers.get(run.slice(i, i + width));
          if (person && !allowed(person)) found.add(`personal number ${person.personalNumber}`);
        }
      }
    }
    const carried = `${request.target}\n${JSON.stringify(request.headers)}\n${request.body?.toString('utf8') ?? ''}${request.raw?.toString('utf8') ?? ''}`;
    for (const [name] of text.matchAll(familyNamePattern)) if (!carried.includes(name)) found.add(`family name ${name}`);
    return [...found];
  }

  function check(request: FuzzRequest, answer: Answer): void {
    const finding = (kind: string, detail: string) => findings.push({ kind, index: request.index, repro: describeRequest(request, origin), detail, status: answer.status, excerpt: answer.text.slice(0, 300) });
    bump(statuses, answer.status);
    bump(families, request.family);
    bump(auths, request.auth);
    for (const probe of request.probes) bump(probes, probe);
    if (answer.harness) {
      harnessErrors.push({ kind: 'harness', index: request.index, repro: describeRequest(request, origin), detail: answer.harness, status: 0, excerpt: '' });
      return;
    }
    if (answer.failure || answer.status === 0) {
      if (!request.mayCloseSilently) finding('no answer', answer.failure ?? 'the connection closed without an answer');
      return;
    }
    if (answer.status >= 500) finding('5xx', `HTTP ${answer.status}`);

    const contentType = answer.headers['content-type'] ?? '';
    if (/json/.test(contentType) && answer.text !== '') {
      // Pipelined raw requests get several responses on one connection: judge the first one's body.
      const text = request.raw !== undefined ? answer.text.split(/(?=HTTP\/1\.[01] \d{3} )/)[0]! : answer.text;
      try {
        answer.body = JSON.parse(text);
      } catch {
        finding('bad JSON', 'the body says JSON but does not parse');
      }
    }
    const body = answer.body;
    const bodyless = request.method === 'HEAD' || (request.raw !== undefined && answer.text === '' && [400, 431].includes(answer.status))
      // node:http's own refusals (oversized headers, unparsable requests) come before samgraf and carry no body.
      || (answer.text === '' && answer.status === 431);
    if (answer.status >= 400 && !bodyless && !(Array.isArray(body?.errors) && body.errors.length > 0)) finding('error without errors', `HTTP ${answer.status} without a JSON errors list: ${answer.text.slice(0, 200)}`);

    const errors: any[] = Array.isArray(body?.errors) ? body.errors : [];
    for (const error of errors) {
      const code = error?.extensions?.code;
      if (typeof code !== 'string') {
        finding('error without code', JSON.stringify(error).slice(0, 300));
        continue;
      }
      bump(codesSeen, code);
      bump(statusCodePairs, `${answer.status} ${code}`);
      if (!codes.has(code)) finding('undocumented code', code);
      if (NEVER_HERE.has(code)) finding('forbidden code', `${code}: ${String(error.message).slice(0, 200)}`);
      const message = typeof error.message === 'string' ? error.message : '';
      const internal = INTERNALS.exec(message) ?? DRIVER_CODES.exec(message);
      if (internal && !(request.body?.toString('utf8') ?? '').includes(internal[0]) && !request.target.includes(internal[0])) finding('internals in message', message.slice(0, 300));
      const errorText = JSON.stringify({ message: error.message, extensions: error.extensions });
      for (const value of request.submitted) {
        const echoed = echoForms(value).find((form) => errorText.includes(form));
        if (echoed) finding('echo', `error ${code} echoes the submitted ${JSON.stringify(echoed.slice(0, 40))}: ${message.slice(0, 200)}`);
      }
    }
    if (PROFILE) bump(outcomes, `${request.family}/${request.auth}:${answer.status}:${errors[0]?.extensions?.code ?? (body?.data ? 'data' : '-')}`);
    const requestId = answer.headers['x-request-id'] ?? '';
    // README, HTTP: every response carries X-Request-Id (node:http's own bodiless refusals come before samgraf).
    if (requestId === '' && !(answer.text === '' && [400, 431].includes(answer.status))) finding('no request id', `HTTP ${answer.status} without X-Request-Id`);
    for (const value of request.submitted) {
      const echoed = echoForms(value).find((form) => requestId.includes(form));
      if (echoed) finding('echo', `X-Request-Id echoes the submitted ${JSON.stringify(echoed.slice(0, 40))}`);
    }

    if (request.auth !== 'valid') {
      const leaked = personalDataIn(answer.text, request);
      if (leaked.length > 0) finding('leak', `${request.auth === 'none' ? 'no' : 'invalid'} credentials, yet the answer holds ${leaked.join(', ')}`);
      if (request.auth === 'invalid' && body?.data != null) finding('leak', `invalid credentials, yet data: ${JSON.stringify(body.data).slice(0, 200)}`);
    } else if (body?.data != null) {
      const data = JSON.stringify(body.data);
      if (request.principal === 'citizen' || request.principal === 'municipality') {
        const allowed = request.principal === 'citizen'
          ? (p: FuzzPerson) => p.personalNumber === world.citizen.personalNumber
          : (p: FuzzPerson) => p.municipality === world.municipality;
        const outside = personalDataIn(data, { ...request, target: '', headers: {}, body: Buffer.alloc(0) }, allowed).filter((s) => s.startsWith('personal number'));
        if (outside.length > 0) finding('row leak', `${request.principal} got ${outside.join(', ')}`);
      }
      if (personalDataIn(data, { ...request, target: '', headers: {}, body: Buffer.alloc(0) }, () => false).length > 0) servedPersonalData += 1;
    }
  }

  it(ONLY ? `replays requests ${ONLY.join(', ')}` : `answers ${REQUESTS} hostile requests`, async () => {
    const generate = createGenerator(world, SEED);
    const indices = ONLY ?? Array.from({ length: REQUESTS }, (_, i) => i);
    let next = 0;
    const worker = async () => {
      while (next < indices.length) {
        const index = indices[next++]!;
        let request: FuzzRequest;
        const generating = performance.now();
        try {
          request = generate(index);
          if (PROFILE) phases.generate += performance.now() - generating;
        } catch (error) {
          harnessErrors.push({ kind: 'harness', index, repro: `#${index} (generation failed)`, detail: String((error as Error).stack ?? error), status: 0, excerpt: '' });
          continue;
        }
        const started = performance.now();
        const answer = await send(request);
        if (PROFILE) {
          const ms = performance.now() - started;
          perFamily.set(request.family, (perFamily.get(request.family) ?? 0) + ms);
          slowest.push([ms, `#${request.index} [${request.family}] ${request.note.slice(0, 100)}`]);
          if (slowest.length > 50) slowest.sort((a, b) => b[0] - a[0]).splice(25);
        }
        sent += 1;
        if (PROFILE && sent % 1000 === 0) {
          (globalThis as { gc?: () => void }).gc?.();
          const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
          console.log(`# after ${sent}: rss ${Math.round(rss / 2 ** 20)} MB, heap ${Math.round(heapUsed / 2 ** 20)} MB, external ${Math.round(external / 2 ** 20)} MB, buffers ${Math.round(arrayBuffers / 2 ** 20)} MB`);
        }
        const checking = performance.now();
        check(request, answer);
        if (PROFILE) phases.check += performance.now() - checking;
        if (ONLY) console.log(`${describeRequest(request, origin)}\n  → ${answer.status} ${answer.failure ?? ''}${answer.text.slice(0, 2000)}\n`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (PROFILE) {
      console.log(`# outcomes by family: ${[...outcomes].sort().map(([k, n]) => `${k}×${n}`).join(' ')}`);
      console.log(`# generating ${Math.round(phases.generate)} ms, checking ${Math.round(phases.check)} ms`);
      console.log(`# time by family (ms, summed over concurrent requests): ${[...perFamily].sort((a, b) => b[1] - a[1]).map(([f, ms]) => `${f}=${Math.round(ms)}`).join(' ')}`);
      for (const [ms, what] of slowest.sort((a, b) => b[0] - a[0]).slice(0, 25)) console.log(`# ${Math.round(ms)} ms ${what}`);
    }
    const byStatus = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
    const byCode = [...codesSeen].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ');
    console.log(`# fuzz seed=${SEED_TEXT} (${SEED}) requests=${sent} statuses: ${byStatus} | codes: ${byCode} | findings: ${findings.length}`);
    const undocumentedPairs = [...statusCodePairs].filter(([pair]) => {
      const [status, code] = pair.split(' ') as [string, string];
      return codes.has(code) && !codes.get(code)!.has(Number(status));
    });
    if (undocumentedPairs.length > 0) console.log(`# status/code pairs the README's table does not list: ${undocumentedPairs.map(([p, n]) => `${p}×${n}`).join(', ')}`);
    assert.deepEqual(harnessErrors.map((f) => `${f.repro}\n  ${f.detail}`).slice(0, 5), [], 'the harness sent every request');
    assert.equal(sent, indices.length);
  });

  /** Findings of some kinds, grouped by kind and detail, each group with its first request to reproduce it. */
  function report(kinds: readonly string[]): string {
    const chosen = findings.filter((f) => kinds.includes(f.kind));
    const groups = new Map<string, Finding[]>();
    for (const f of chosen) {
      const key = `${f.kind}: ${f.detail.replace(/\d{6,}/g, '<digits>').replace(/\d+/g, 'N').slice(0, 160)}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    return [...groups].slice(0, 12).map(([key, list]) => {
      const first = list.sort((a, b) => a.index - b.index)[0]!;
      return `${key}\n  ${list.length}× (FUZZ_SEED=${SEED_TEXT} FUZZ_ONLY=${[...new Set(list.map((f) => f.index))].slice(0, 8).join(',')})\n  ${first.repro}\n  → HTTP ${first.status}: ${first.excerpt}`;
    }).join('\n\n');
  }

  it('never answers 5xx, and always answers', () => {
    const kinds = ['5xx', 'no answer', 'forbidden code'];
    assert.equal(findings.filter((f) => kinds.includes(f.kind)).length, 0, `\n${report(kinds)}`);
  });

  it('every error has a code from the README\'s Error codes table', () => {
    const undocumented = [...codesSeen.keys()].filter((code) => !codes.has(code)).sort();
    assert.deepEqual(undocumented, [], `codes seen but not documented (documented: ${[...codes.keys()].join(', ')})\n${report(['undocumented code'])}`);
    const kinds = ['error without code', 'error without errors', 'bad JSON', 'internals in message'];
    assert.equal(findings.filter((f) => kinds.includes(f.kind)).length, 0, `\n${report(kinds)}`);
  });

  it('serves no personal data to missing or invalid credentials, nor outside a principal\'s rows', () => {
    assert.equal(findings.filter((f) => f.kind === 'leak' || f.kind === 'row leak').length, 0, `\n${report(['leak', 'row leak'])}`);
  });

  it('never echoes a submitted personal number in an error message or X-Request-Id', () => {
    assert.equal(findings.filter((f) => f.kind === 'echo').length, 0, `\n${report(['echo'])}`);
  });

  it('was really hostile: every family, every argument injected, many statuses and codes, and real data served', { skip: ONLY !== null || REQUESTS < 2000 ? 'only for full runs' : false }, () => {
    const shortfalls: string[] = [];
    const expect = (ok: boolean, what: string) => {
      if (!ok) shortfalls.push(what);
    };
    for (const family of FAMILIES) expect((families.get(family) ?? 0) >= REQUESTS / 40, `family ${family} sent ${families.get(family) ?? 0} times`);
    const coordinates = createGenerator(world, SEED).coordinates;
    expect(coordinates.length >= 20, `only ${coordinates.length} argument coordinates: ${coordinates.join(', ')}`);
    for (const coordinate of coordinates) expect(probes.has(coordinate), `no injection string reached ${coordinate}`);
    for (const status of [200, 400, 401, 403, 404, 405, 406, 413]) expect(statuses.has(status), `status ${status} never provoked`);
    expect(statuses.size >= 9, `only ${statuses.size} distinct statuses`);
    // Each of these documented codes is what the README promises for some kind of request the generator sends.
    for (const code of ['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'UNAUTHENTICATED', 'UNAUTHORIZED_FIELD_OR_TYPE', 'PURPOSE_REQUIRED', 'PURPOSE_NOT_ALLOWED', 'QUERY_TOO_DEEP', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'METHOD_NOT_ALLOWED']) {
      expect(codesSeen.has(code), `documented code ${code} never produced`);
    }
    expect(codesSeen.size >= 12, `only ${codesSeen.size} distinct codes`);
    expect((auths.get('none') ?? 0) >= REQUESTS / 20, `only ${auths.get('none') ?? 0} requests without credentials`);
    expect((auths.get('invalid') ?? 0) >= REQUESTS / 10, `only ${auths.get('invalid') ?? 0} requests with invalid credentials`);
    expect(servedPersonalData >= REQUESTS / 100, `valid requests were served real personal data only ${servedPersonalData} times`);
    const ok = statuses.get(200) ?? 0;
    expect(ok >= REQUESTS / 10 && ok <= REQUESTS * 0.5, `${ok} of ${REQUESTS} answers were 200`);
    assert.deepEqual(shortfalls, [], `statuses ${JSON.stringify([...statuses])}\ncodes ${JSON.stringify([...codesSeen])}\nfamilies ${JSON.stringify([...families])}`);
  });

  it('every answer from samgraf carries an X-Request-Id', () => {
    assert.equal(findings.filter((f) => f.kind === 'no request id').length, 0, `\n${report(['no request id'])}`);
  });

  it('is still healthy afterwards: /healthz, a real query, /readyz, and no polluted prototypes', async () => {
    const health = await fetch(`${origin}/healthz`);
    assert.equal(health.status, 200);
    const person = world.people.find((p) => p.personalNumber === world.citizen.personalNumber)!;
    const reply = await server.query('query($p: String!) { citizen(personalNumber: $p) { personalNumber familyName } }', { p: person.personalNumber }, { authorization: world.credentials.staff.value, 'x-purpose': 'employment-support' });
    assert.equal(reply.status, 200, JSON.stringify(reply));
    assert.deepEqual(reply.data, { citizen: { personalNumber: person.personalNumber, familyName: person.familyName } });
    const ready = await fetch(`${origin}/readyz`);
    const text = await ready.text();
    assert.equal(ready.status, 200, text);
    assert.equal(JSON.parse(text).status, 'ready');
    // The server runs in this process: prototype-pollution keys in bodies, variables and tokens changed nothing.
    for (const key of ['polluted', 'isAdmin', 'admin', 'query', 'p']) assert.equal((Object.prototype as Record<string, unknown>)[key], undefined, `Object.prototype.${key}`);
  });
});
