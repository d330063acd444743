/**
 * Every agency's access log, read as one (`auditEvents`, `myAccessLog`, `auditChains` in a federation). Each
 * agency keeps its log in its own store; samgraf's own part asks every source's subgraph over a signed internal
 * route (`POST /internal/access-log`) and merges the answers.
 *
 * No cursor of its own is needed: events are ordered newest first by (time, writer, seq) — writers are UUIDs,
 * unique across stores — so "the `limit` events after position P" of the whole federation is the first `limit`
 * of the merge of each log's own `limit` after P. The resolvers, cursors and rules are the single server's.
 *
 * A log that cannot be read fails the read (AUDIT_UNAVAILABLE): an auditor must never take a missing agency's
 * silence for "nobody read this". Each agency logs, in its own log, that its log was read, and for whom.
 */
import type { AccessLogReader, CitizenLogEntry } from '../access-log/reader.js';
import type { ChainReport, ChainVerifier } from '../access-log/chain-status.js';
import type { AuditEvent } from '../access-log/event.js';
import { peopleNamedBy } from '../access-log/record.js';
import type { EventFilter, EventPosition } from '../access-log/store.js';
import type { AuditLog } from '../access-log/writer.js';
import type { AccessLogSearch, ChainReporter, PeopleRequest, RememberRemoteEvent } from '../context.js';
import type { InclusionProof } from '../access-log/transparency/log.js';
import type { GraphQLError } from 'graphql';
import { hasScope, type Principal } from '../core/principal.js';
import { AuditUnavailableGraphQLError } from '../security/errors.js';
import { INTERNAL_HEADER, PRINCIPAL_HEADER, type InternalAuth } from './internal-auth.js';
import { inClientSpan } from '../telemetry.js';
import { CALLER_HEADERS, LookupRefused, type CallerCheck, type LookupRequest } from './person-directory.js';

export const ACCESS_LOG_PATH = '/internal/access-log';


type Read =
  | { read: 'search'; filter: EventFilter; after: EventPosition | null; limit: number }
  | { read: 'ofCitizen'; subject: string; fromMs: number | null; toMs: number | null; after: EventPosition | null; limit: number }
  | { read: 'chains' }
  | { read: 'proofs'; events: { writer: string; seq: number }[]; checkpoint: number | null };

/** An agency's events come with their leaf index in its own tree, its citizen's entries with their receipts. */
type RemoteEvent = AuditEvent & { leafIndex: number | null };

/** Newest first, as every store orders them. */
function newestFirst(a: EventPosition, b: EventPosition): number {
  if (a.occurredMs !== b.occurredMs) return b.occurredMs - a.occurredMs;
  if (a.writer !== b.writer) return a.writer < b.writer ? 1 : -1;
  return b.seq - a.seq;
}

const positionOf = (event: AuditEvent): EventPosition => ({ occurredMs: Date.parse(event.occurredAt), writer: event.writer, seq: event.seq });

export interface RemoteLog {
  /** The part's name, the audience of its requests. */
  part: string;
  /** Its GraphQL URL: the internal route is on the same origin. */
  url: string;
}

/** The asking side: one request's reader and verifier over the local log and every remote one. */
export function federatedAccessLog(options: { local: AccessLogReader; localChains: ChainVerifier; remotes: readonly RemoteLog[]; auth: InternalAuth; timeoutMs: number; vouches?: boolean }) {
  return (request: PeopleRequest): { accessLog: AccessLogSearch; chains: ChainReporter; remember: RememberRemoteEvent } => {
    const ask = <T>(read: Read) => Promise.all(options.remotes.map((remote) => askPart<T>(remote, ACCESS_LOG_PATH, read, request, options)));
    // Which agency holds each event read in this request, and its leaf there: its proofs are that agency's to give.
    const held = new Map<string, { remote: RemoteLog; leafIndex: number | null }>();
    const keyOf = (event: { writer: string; seq: number }) => `${event.writer}:${event.seq}`;
    return {
      // An event another read of this request brought from an agency (a finding's): its leaf and proofs are that agency's.
      remember(event, part, leafIndex) {
        const remote = options.remotes.find((candidate) => candidate.part === part);
        if (remote !== undefined) held.set(keyOf(event), { remote, leafIndex });
      },
      accessLog: {
        async search(filter, after, limit) {
          const [own, remote] = await Promise.all([
            options.local.search(filter, after, limit),
            Promise.all(options.remotes.map(async (part) => {
              const events = await askPart<RemoteEvent[]>(part, ACCESS_LOG_PATH, { read: 'search', filter, after, limit }, request, options);
              return events.map(({ leafIndex, ...event }) => {
                held.set(keyOf(event), { remote: part, leafIndex });
                return event as AuditEvent;
              });
            })),
          ]);
          return [own, ...remote].flat().sort((a, b) => newestFirst(positionOf(a), positionOf(b))).slice(0, limit);
        },
        async leafIndexes(events) {
          const own = await options.local.leafIndexes(events.filter((event) => !held.has(keyOf(event))));
          for (const event of events) {
            const remote = held.get(keyOf(event));
            if (remote?.leafIndex != null) own.set(keyOf(event), remote.leafIndex);
          }
          return own;
        },
        async inclusionProofs(events, checkpoint) {
          // Each agency proves its own events, in its own tree.
          const proofs = new Map<string, InclusionProof | GraphQLError | null>();
          const own = events.filter((event) => !held.has(keyOf(event)));
          (await options.local.inclusionProofs(own, checkpoint)).forEach((proof, i) => proofs.set(keyOf(own[i]!), proof));
          for (const part of options.remotes) {
            const theirs = events.filter((event) => held.get(keyOf(event))?.remote === part).map(({ writer, seq }) => ({ writer, seq }));
            if (theirs.length === 0) continue;
            (await askPart<(InclusionProof | null)[]>(part, ACCESS_LOG_PATH, { read: 'proofs', events: theirs, checkpoint }, request, options)).forEach((proof, i) => proofs.set(keyOf(theirs[i]!), proof));
          }
          return events.map((event) => proofs.get(keyOf(event)) ?? null);
        },
        receipts(entries) {
          return options.local.receipts(entries);
        },
        async ofCitizen(subject, fromMs, toMs, after, limit) {
          const [own, remote] = await Promise.all([
            options.local.ofCitizen(subject, fromMs, toMs, after, limit),
            ask<CitizenLogEntry[]>({ read: 'ofCitizen', subject, fromMs, toMs, after, limit }),
          ]);
          return [own, ...remote].flat().sort((a, b) => newestFirst(a.position, b.position)).slice(0, limit);
        },
      },
      chains: {
        async verify() {
          const reports = [await options.localChains.verify(), ...await ask<ChainReport>({ read: 'chains' })];
          return {
            ok: reports.every((report) => report.ok),
            // As old as the oldest verdict in it.
            verifiedAt: reports.map((report) => report.verifiedAt).sort()[0]!,
            events: reports.reduce((sum, report) => sum + report.events, 0),
            chains: reports.flatMap((report) => report.chains),
            broken: reports.flatMap((report) => report.broken),
            // Each agency's log is its own tree: their verdicts, summed; the checkpoint shown is this part's own.
            tree: {
              ok: reports.every((report) => report.tree.ok),
              leaves: reports.reduce((sum, report) => sum + report.tree.leaves, 0),
              queued: reports.reduce((sum, report) => sum + report.tree.queued, 0),
              checkpoints: reports.reduce((sum, report) => sum + report.tree.checkpoints, 0),
              signaturesChecked: reports.every((report) => report.tree.signaturesChecked),
              problems: reports.flatMap((report) => report.tree.problems),
            },
            checkpoint: reports[0]!.checkpoint,
          };
        },
      },
    };
  };
}

/**
 * One signed read of another agency's log (or its follow-up) at `path`, on the caller's behalf. Any failure is
 * AUDIT_UNAVAILABLE: an agency that does not answer must never look like one with nothing to show.
 */
export async function askPart<T>(remote: RemoteLog, path: string, read: unknown, request: PeopleRequest, options: { auth: InternalAuth; timeoutMs: number; vouches?: boolean }): Promise<T> {
  const body = JSON.stringify(read);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': request.requestId };
  for (const name of CALLER_HEADERS) if (request.headers[name] !== undefined) headers[name] = request.headers[name]!;
  // The gateway serving samgraf's part vouches for a partner itself; a client's own word is never passed on.
  if (options.vouches) {
    delete headers[PRINCIPAL_HEADER];
    if (request.principal?.type === 'API_KEY') {
      delete headers.authorization;
      headers[PRINCIPAL_HEADER] = options.auth.signPrincipal(request.requestId, request.principal);
    }
  }
  headers[INTERNAL_HEADER] = await options.auth.signRequest(remote.part, { requestId: request.requestId, body, headers });
  try {
    const { response, text } = await inClientSpan(remote.part, headers, async () => {
      const answer = await fetch(new URL(path, remote.url), { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      return { response: answer, text: await answer.text(), status: answer.status };
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    await options.auth.verifyResponse(response.headers.get(INTERNAL_HEADER) ?? undefined, remote.part, { requestId: request.requestId, body: text });
    return JSON.parse(text) as T;
  } catch {
    // Which agency's log is missing is no secret; why stays in its own operational log.
    throw new AuditUnavailableGraphQLError();
  }
}

/**
 * The answering side, in every source's subgraph: samgraf's own part alone may ask, and only for a caller this
 * part judges itself (`callerOf`: their own token, or the gateway's signed word on a partner) and who may read
 * the log here too (the log is the most sensitive thing an agency holds); the read is logged in the agency's
 * own log before the answer leaves.
 */
export async function answerAccessLogRead(request: LookupRequest, reader: AccessLogReader, chains: ChainVerifier, auditLog: AuditLog, readers: readonly string[], callerOf: CallerCheck): Promise<string> {
  if (!readers.includes(request.caller.part)) throw new LookupRefused(`only ${readers.join(' or ')} reads the access log of another part`);
  const read = parseRead(request.body);
  // Verifying the chains reads no personal data, so it states no purpose (as `auditChains` does not).
  const principal = await callerOf(request, { purpose: read.read !== 'chains' });
  if (read.read === 'chains') {
    if (!mayAudit(principal)) throw new LookupRefused('the principal may not read the access log');
    return JSON.stringify(await chains.verify());
  }
  if (read.read === 'search') {
    if (!mayAudit(principal)) throw new LookupRefused('the principal may not read the access log');
    const events = await reader.search(read.filter, read.after, read.limit);
    await logRead(request, principal, auditLog, [...new Set([...events.flatMap((event) => peopleNamedBy(event)), ...(read.filter.subject ? [read.filter.subject] : [])])].sort());
    const leaves = await reader.leafIndexes(events);
    return JSON.stringify(events.map((event): RemoteEvent => ({ ...event, leafIndex: leaves.get(`${event.writer}:${event.seq}`) ?? null })));
  }
  if (read.read === 'proofs') {
    // Hashes only, of events the auditor found in this agency's log: no personal data, so not logged.
    if (!mayAudit(principal)) throw new LookupRefused('the principal may not read the access log');
    // An event the named checkpoint does not cover has no proof here: null, as in the single server's list.
    return JSON.stringify((await reader.inclusionProofs(read.events, read.checkpoint)).map((proof) => (proof instanceof Error ? null : proof)));
  }
  if (principal.type !== 'CITIZEN' || principal.subject !== read.subject) throw new LookupRefused('a citizen reads only their own access log');
  const entries = await reader.ofCitizen(read.subject, read.fromMs, read.toMs, read.after, read.limit);
  await logRead(request, principal, auditLog, [read.subject]);
  // Each entry's receipt is this agency's: its log, its key.
  const receipts = await reader.receipts(entries);
  return JSON.stringify(entries.map((entry, i) => ({ ...entry, receipt: receipts[i] })));
}

/** As the single server's rules have it: one of `scopes` (`audit:read` by default), never for a principal bound to a municipality. */
export function mayAudit(principal: Principal, scopes: readonly string[] = ['audit:read']): boolean {
  return scopes.some((scope) => hasScope(principal, scope)) && principal.municipality === null && principal.type !== 'CITIZEN';
}

/**
 * The agency's record that its log (or its follow-up, `what`) was read, for whom. The people the events name are on record as asked for:
 * the read itself is samgraf's own part's, whose event names them as read (ACCESS_LOG) — once, in a citizen's
 * own view, rather than once per agency.
 */
export async function logRead(request: LookupRequest, principal: Principal, auditLog: AuditLog, named: string[], what = 'access log'): Promise<void> {
  const header = (name: string) => {
    const value = request.headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    return text === undefined || text.trim() === '' ? null : text.trim().slice(0, 200);
  };
  await auditLog.append({
    occurredAt: new Date().toISOString(),
    requestId: request.requestId,
    principal: { type: principal.type, subject: principal.subject, organization: principal.organization, apiKeyId: principal.apiKeyId },
    purpose: header('x-purpose'),
    legalBasis: header('x-legal-basis'),
    caseReference: header('x-case-reference'),
    operationName: `${what} for ${request.caller.part}`,
    documentHash: null,
    subjects: [],
    subjectCategories: {},
    subjectsWithheld: [],
    subjectsRequested: named,
    fieldsRead: [],
    fieldsDenied: [],
    fieldsMasked: [],
    outcome: 'OK',
    sourceErrors: [],
  });
}

const TWELVE_DIGITS = /^\d{12}$/;
const WRITER = /^[0-9a-f-]{36}$/;

/** A read's body as a JSON object, or a refusal naming what it is not (`what`: "the access log"). */
export function readObject(body: string, what: string): Partial<Record<string, unknown>> {
  let read: unknown;
  try {
    read = JSON.parse(body);
  } catch {
    throw new LookupRefused('the body is not JSON');
  }
  if (typeof read !== 'object' || read === null || Array.isArray(read)) throw new LookupRefused(`not a read of ${what}`);
  return read as Partial<Record<string, unknown>>;
}

function parseRead(body: string): Read {
  const read = readObject(body, 'the access log');
  const limit = read.limit;
  const boundedLimit = typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= 1001;
  const after = read.after === null || isPosition(read.after);
  const time = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));
  if (read.read === 'chains') return { read: 'chains' };
  if (read.read === 'proofs' && Array.isArray(read.events) && read.events.length <= 1001 && read.events.every(isEventKey)
    && (read.checkpoint === null || (Number.isSafeInteger(read.checkpoint) && (read.checkpoint as number) > 0))) {
    return { read: 'proofs', events: read.events.map(({ writer, seq }) => ({ writer, seq })), checkpoint: read.checkpoint as number | null };
  }
  if (read.read === 'search' && boundedLimit && after && isFilter(read.filter)) return read as Read;
  if (read.read === 'ofCitizen' && boundedLimit && after && typeof read.subject === 'string' && TWELVE_DIGITS.test(read.subject) && time(read.fromMs) && time(read.toMs)) return read as Read;
  throw new LookupRefused('not a read of the access log');
}

function isPosition(value: unknown): value is EventPosition {
  const p = value as Partial<EventPosition> | null;
  return typeof p === 'object' && p !== null && Number.isSafeInteger(p.occurredMs) && typeof p.writer === 'string' && WRITER.test(p.writer) && Number.isSafeInteger(p.seq);
}

function isEventKey(value: unknown): value is { writer: string; seq: number } {
  const key = value as { writer?: unknown; seq?: unknown } | null;
  return typeof key === 'object' && key !== null && typeof key.writer === 'string' && WRITER.test(key.writer) && Number.isSafeInteger(key.seq);
}

function isFilter(value: unknown): value is EventFilter {
  if (typeof value !== 'object' || value === null) return false;
  const known = new Set(['subject', 'principal', 'organization', 'purpose', 'outcome', 'fromMs', 'toMs']);
  return Object.entries(value).every(([key, v]) => known.has(key) && (v === null || v === undefined || typeof v === (key.endsWith('Ms') ? 'number' : 'string')));
}
