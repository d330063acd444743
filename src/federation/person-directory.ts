/**
 * The register of persons across processes. A source's subgraph withholds persons out of the caller's rows and
 * masks what protected persons' data would reveal, exactly as the single server does (security/enforce.ts) —
 * for that it must know each person's municipality and protection, which only the register holds. So a part
 * other than the register asks the register's subgraph, over the internal, signed route `POST /internal/persons`:
 * one batched request per tick of the request's loaders, as the single server's loader would run one statement.
 *
 * The register answers only parts it trusts (internal-auth.ts) and logs each answer in its own access log before
 * sending it: the caller's principal and purpose (as the asking part vouches for them), the persons asked for,
 * and which facts were disclosed to the asking part (municipality, protection). An answer it cannot give, or one whose signature does not
 * hold, fails the asking part's lookups as the register's source being unavailable (SOURCE_UNAVAILABLE): what
 * depends on a person's facts fails closed, and the rest is served.
 */
import DataLoader from 'dataloader';
import type { AuditLog } from '../access-log/writer.js';
import type { PeopleRequest } from '../context.js';
import type { PersonDirectory, PersonRecord } from '../core/source-module.js';
import { SourceUnavailableError } from '../core/source.js';
import { INTERNAL_HEADER, PRINCIPAL_HEADER, type InternalAuth, type InternalCaller } from './internal-auth.js';
import type { Principal } from '../core/principal.js';
import { canSee } from '../core/visibility.js';
import { inClientSpan } from '../telemetry.js';

export const PERSONS_PATH = '/internal/persons';
/** At most this many persons per lookup (a request's loaders batch at most this many in one tick). */
export const MAX_PERSONS_PER_LOOKUP = 1000;
const TWELVE_DIGITS = /^\d{12}$/;
const PROTECTION = new Set(['NONE', 'CONFIDENTIALITY_MARKING', 'PROTECTED_REGISTRATION']);
/** The declaration headers a lookup forwards, so that the register logs the caller's purpose. */
/**
 * What the register needs to judge the caller itself: their token, or the gateway's word on a partner
 * (PRINCIPAL_HEADER), and their declarations.
 */
export const CALLER_HEADERS = ['authorization', PRINCIPAL_HEADER, 'x-purpose', 'x-legal-basis', 'x-case-reference'] as const;

/** The asking side: a directory whose loader asks the register's subgraph. */
export function remotePersonDirectory(options: { registerUrl: string; register: string; typeName: string; auth: InternalAuth; timeoutMs: number }): (request: PeopleRequest) => PersonDirectory {
  const url = new URL(PERSONS_PATH, options.registerUrl).toString();
  return (request) => ({
    typeName: options.typeName,
    person: new DataLoader<string, PersonRecord | null>((numbers) => lookUp(url, options, request, numbers), { maxBatchSize: MAX_PERSONS_PER_LOOKUP }),
  });
}

async function lookUp(url: string, options: { register: string; auth: InternalAuth; timeoutMs: number }, request: PeopleRequest, numbers: readonly string[]): Promise<(PersonRecord | null)[]> {
  const body = JSON.stringify({ personalNumbers: numbers });
  // The caller's request id: the register's event joins the asking part's by it.
  const requestId = request.requestId;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
  for (const name of CALLER_HEADERS) if (request.headers[name] !== undefined) headers[name] = request.headers[name]!;
  headers[INTERNAL_HEADER] = await options.auth.signRequest(options.register, { requestId, body, headers });
  let text: string;
  let response: Response;
  try {
    ({ response, text } = await inClientSpan(options.register, headers, async () => {
      const answer = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      return { response: answer, text: await answer.text(), status: answer.status };
    }));
  } catch (error) {
    throw unavailable(options.register, (error as Error).name);
  }
  if (response.status !== 200) throw unavailable(options.register, `HTTP ${response.status}`);
  try {
    await options.auth.verifyResponse(response.headers.get(INTERNAL_HEADER) ?? undefined, options.register, { requestId, body: text });
  } catch {
    throw unavailable(options.register, 'its answer is not signed by it');
  }
  const persons = (JSON.parse(text) as { persons?: unknown } | null)?.persons;
  if (!Array.isArray(persons) || persons.length !== numbers.length) throw unavailable(options.register, 'its answer does not fit the question');
  return persons.map((person, i) => checkedPerson(person, numbers[i]!, options.register, request.principal));
}

/** The register's source, as unavailable as if its database were down: its fields fail, the rest is served. */
function unavailable(register: string, why: string): SourceUnavailableError {
  return new SourceUnavailableError(register, { cause: new Error(`the register of persons' subgraph could not be asked: ${why}`) });
}

/**
 * The register's verdict on one person as a PersonRecord that enforce.ts judges exactly as the register did: in
 * the caller's municipality when visible to them, in none when not — the asking part never learns where anyone
 * lives.
 */
function checkedPerson(value: unknown, asked: string, register: string, principal: Principal | null): PersonRecord | null {
  if (value === null) return null;
  const verdict = value as Partial<Verdict>;
  const valid = verdict.personalNumber === asked && typeof verdict.visible === 'boolean'
    && typeof verdict.protectedIdentity === 'string' && PROTECTION.has(verdict.protectedIdentity);
  if (!valid) throw unavailable(register, 'its answer does not fit the question');
  return { personalNumber: asked, municipalityCode: verdict.visible ? principal?.municipality ?? null : null, protectedIdentity: verdict.protectedIdentity! };
}

/** The register's answer about one person, for one caller. */
interface Verdict {
  personalNumber: string;
  /** Whether the caller may see the person at all (their rows: a municipality, themself). */
  visible: boolean;
  protectedIdentity: PersonRecord['protectedIdentity'];
}

/** Who the caller is, as the answering part judges them itself; refuses (LookupRefused) a caller it cannot. */
export type CallerCheck = (request: LookupRequest, options?: { purpose: boolean }) => Promise<Principal>;

export interface LookupRequest {
  requestId: string;
  caller: InternalCaller;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

export class LookupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookupRefused';
  }
}

/**
 * The register's side: answers another source's part — never the gateway, samgraf's own part or itself — from
 * the register's own loader, after logging it. It judges the caller itself (`callerOf`: their token, or the
 * gateway's signed word on a partner) and checks the purpose they state, as the edge does; the asking part's
 * word on who is asking counts for nothing. The answer holds only what enforcement needs, for each number in
 * order: whether the caller may see the person, and the person's protection (which masks data silently);
 * null for a number that names nobody. Never the municipality.
 */
export async function answerLookup(request: LookupRequest, persons: DataLoader<string, PersonRecord | null>, auditLog: AuditLog, callerOf: CallerCheck): Promise<string> {
  const principal = await callerOf(request);
  const numbers = parseLookup(request.body);
  const found = await persons.loadMany(numbers);
  const failed = found.find((person) => person instanceof Error);
  if (failed !== undefined) throw failed;
  const records = found as (PersonRecord | null)[];
  const subjects = records.filter((person): person is PersonRecord => person !== null).map((person) => person.personalNumber);
  await auditLog.append({
    occurredAt: new Date().toISOString(),
    requestId: request.requestId,
    principal: { type: principal.type, subject: principal.subject, organization: principal.organization, apiKeyId: principal.apiKeyId },
    purpose: header(request.headers, 'x-purpose'),
    legalBasis: header(request.headers, 'x-legal-basis'),
    caseReference: header(request.headers, 'x-case-reference'),
    // What was asked, and by which part: the event's operation.
    operationName: `persons for ${request.caller.part}`,
    documentHash: null,
    // Told to the asking part's enforcement, not served to the caller: the persons are on record as asked for
    // (an auditor's search by person finds them), not as data the caller read (their own view lists the asking
    // part's event, which names what was served).
    subjects: [],
    subjectCategories: {},
    subjectsWithheld: [],
    subjectsRequested: [...new Set(numbers)].sort(),
    fieldsRead: subjects.length > 0 ? ['Citizen.protectedIdentity'] : [],
    fieldsDenied: [],
    fieldsMasked: [],
    outcome: 'OK',
    sourceErrors: [],
  });
  return JSON.stringify({
    persons: records.map((person): Verdict | null => (person === null ? null : { personalNumber: person.personalNumber, visible: canSee(principal, person), protectedIdentity: person.protectedIdentity })),
  });
}

function parseLookup(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new LookupRefused('the body is not JSON');
  }
  const numbers = (parsed as { personalNumbers?: unknown } | null)?.personalNumbers;
  if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > MAX_PERSONS_PER_LOOKUP || !numbers.every((n) => typeof n === 'string' && TWELVE_DIGITS.test(n))) {
    throw new LookupRefused(`personalNumbers must be 1 to ${MAX_PERSONS_PER_LOOKUP} personal numbers of 12 digits`);
  }
  return numbers as string[];
}

function header(headers: LookupRequest['headers'], name: string): string | null {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? null : text.trim().slice(0, 200);
}
