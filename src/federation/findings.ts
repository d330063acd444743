/**
 * Every agency's follow-up findings, read and reviewed as one (`auditFindings`, `reviewFinding` in a
 * federation). Each agency follows up its own log in its own part and keeps the findings and their reviews in its
 * own store; samgraf's own part asks every source's subgraph over a signed internal route
 * (`POST /internal/follow-up`) and merges the answers with its own (the gateway's cross-agency view).
 *
 * As with the access log (access-logs.ts), no cursor of its own is needed: each store orders its findings by
 * (key, event writer, event seq, kind) descending (store.ts, findingOrder), and writers are unique across
 * stores, so "the `limit` findings after position P" of the federation is the first `limit` of the merge of each
 * store's own.
 *
 * A finding's event and reviews live where the finding does, so an agency answers each finding with them, and
 * logs that it named everyone in them. A review goes to the one agency that holds the finding (asked first, with
 * nothing but the id); it records it, logs it in its own log, and answers.
 */
import DataLoader from 'dataloader';
import type { AuditEvent } from '../access-log/event.js';
import { peopleNamedBy } from '../access-log/record.js';
import type { AuditLog } from '../access-log/writer.js';
import type { PeopleRequest, RememberRemoteEvent } from '../context.js';
import { PAGE_SIZE } from '../core/arguments.js';
import { FINDING_KINDS } from '../follow-up/rules.js';
import { MAX_NOTE_CHARS } from '../follow-up/resolvers.js';
import type { FollowUpRequest } from '../follow-up/service.js';
import { findingOrder, VERDICTS, type FindingFilter, type FindingOrder, type FindingRow, type ReviewRow, type Verdict } from '../follow-up/store.js';
import type { AccessLogReader } from '../access-log/reader.js';
import { askPart, logRead, mayAudit, readObject, type RemoteLog } from './access-logs.js';
import type { InternalAuth } from './internal-auth.js';
import { LookupRefused, type CallerCheck, type LookupRequest } from './person-directory.js';

export const FOLLOW_UP_PATH = '/internal/follow-up';

type Read =
  | { read: 'findings'; filter: FindingFilter; order: FindingOrder; after: { key: number; id: string } | null; limit: number }
  | { read: 'holds'; id: string }
  | { read: 'review'; id: string; verdict: Verdict; note: string | null };

/** A finding as its agency answers it: with its event (and the event's leaf in the agency's tree) and its reviews, oldest first. */
interface HeldFinding {
  finding: FindingRow;
  event: AuditEvent | null;
  leafIndex: number | null;
  reviews: ReviewRow[];
}

const eventKey = (key: { writer: string; seq: number }) => `${key.writer}:${key.seq}`;

/** The asking side: one request's follow-up over the local store and every agency's. */
export function federatedFollowUp(options: { local: () => FollowUpRequest; remotes: readonly RemoteLog[]; auth: InternalAuth; timeoutMs: number; vouches?: boolean }) {
  return (request: PeopleRequest, remember?: RememberRemoteEvent): FollowUpRequest => {
    const local = options.local();
    // What the agencies answered in this request: their findings' events and reviews, which are not in this store.
    const events = new Map<string, AuditEvent | null>();
    const reviews = new Map<string, ReviewRow[]>();
    const hold = (remote: RemoteLog, held: HeldFinding): FindingRow => {
      const key = { writer: held.finding.event_writer, seq: Number(held.finding.event_seq) };
      events.set(eventKey(key), held.event);
      // Its leaf and inclusion proof (AuditEvent.leafIndex, inclusionProof) are that agency's to give.
      remember?.(key, remote.part, held.leafIndex);
      reviews.set(held.finding.id, held.reviews);
      return held.finding;
    };
    const askOne = <T>(remote: RemoteLog, read: Read) => askPart<T>(remote, FOLLOW_UP_PATH, read, request, options);
    return {
      async search(filter, order, after, limit) {
        const [own, theirs] = await Promise.all([
          local.search(filter, order, after, limit),
          Promise.all(options.remotes.map((remote) => askOne<HeldFinding[]>(remote, { read: 'findings', filter, order, after, limit }))),
        ]);
        const remote = theirs.flatMap((answer, i) => answer.map((held) => hold(options.remotes[i]!, held)));
        return [...own, ...remote].sort(findingOrder(order)).slice(0, limit);
      },
      async holds(id) {
        return await local.holds(id) || (await Promise.all(options.remotes.map((remote) => askOne<boolean>(remote, { read: 'holds', id })))).includes(true);
      },
      async review(id, verdict, note, reviewer) {
        const own = await local.review(id, verdict, note, reviewer);
        if (own !== null) return own;
        // Finding ids are unique across stores (they begin with a writer's UUID): at most one agency holds it.
        // Which one is asked first, so that the review and its note go to that agency alone, and are recorded
        // only once every agency has answered.
        const holds = await Promise.all(options.remotes.map((remote) => askOne<boolean>(remote, { read: 'holds', id })));
        const holder = options.remotes.find((_, i) => holds[i] === true);
        if (holder === undefined) return null;
        const held = await askOne<HeldFinding | null>(holder, { read: 'review', id, verdict, note });
        return held === null ? null : hold(holder, held);
      },
      event: new DataLoader(async (keys) => {
        const mine = keys.filter((key) => !events.has(eventKey(key)));
        const found = new Map((await local.event.loadMany(mine)).map((event, i) => [eventKey(mine[i]!), event]));
        return keys.map((key) => (events.has(eventKey(key)) ? events.get(eventKey(key))! : found.get(eventKey(key))!));
      }, { cacheKeyFn: eventKey }),
      reviews: new DataLoader(async (ids) => {
        const mine = ids.filter((id) => !reviews.has(id));
        const found = new Map((await local.reviews.loadMany(mine)).map((rows, i) => [mine[i]!, rows]));
        return ids.map((id) => reviews.get(id) ?? found.get(id)!);
      }),
    };
  };
}

/**
 * The answering side, in every source's subgraph: as for its access log, samgraf's own part alone may ask, for a
 * caller this part judges itself and who may read (or review) findings here too. Reading findings is logged in
 * the agency's own log, naming the persons they name; so is a review, after it is recorded.
 */
export async function answerFollowUpRead(request: LookupRequest, followUp: () => FollowUpRequest, reader: Pick<AccessLogReader, 'leafIndexes'>, auditLog: AuditLog, readers: readonly string[], callerOf: CallerCheck): Promise<string> {
  if (!readers.includes(request.caller.part)) throw new LookupRefused(`only ${readers.join(' or ')} reads the follow-up of another part`);
  const read = parseRead(request.body);
  const principal = await callerOf(request, { purpose: true });
  const service = followUp();
  const withEvidence = async (findings: FindingRow[]): Promise<HeldFinding[]> => {
    const [events, reviews] = await Promise.all([
      service.event.loadMany(findings.map((finding) => ({ writer: finding.event_writer, seq: Number(finding.event_seq) }))),
      service.reviews.loadMany(findings.map((finding) => finding.id)),
    ]);
    const failed = [...events, ...reviews].find((answer): answer is Error => answer instanceof Error);
    if (failed) throw failed;
    const found = (events as (AuditEvent | null)[]).filter((event): event is AuditEvent => event !== null);
    const leaves = await reader.leafIndexes(found);
    return findings.map((finding, i) => {
      const event = events[i] as AuditEvent | null;
      return { finding, event, leafIndex: event === null ? null : leaves.get(`${event.writer}:${event.seq}`) ?? null, reviews: reviews[i] as ReviewRow[] };
    });
  };
  // Everyone the answer names: the findings' persons, and everyone their events name (they go with them).
  const named = (answer: HeldFinding[]) => [...new Set(answer.flatMap(({ finding, event }) => [...JSON.parse(finding.subjects) as string[], ...(event ? peopleNamedBy(event) : [])]))].sort();
  if (read.read === 'findings') {
    if (!mayAudit(principal, ['audit:read', 'audit:review'])) throw new LookupRefused('the principal may not read the follow-up');
    const findings = await withEvidence(await service.search(read.filter, read.order, read.after, read.limit));
    await logRead(request, principal, auditLog, named(findings), 'follow-up findings');
    return JSON.stringify(findings);
  }
  if (!mayAudit(principal, ['audit:review'])) throw new LookupRefused('the principal may not review findings');
  // Whether this agency holds a finding says nothing about anyone: not logged.
  if (read.read === 'holds') return JSON.stringify(await service.holds(read.id));
  const finding = await service.review(read.id, read.verdict, read.note, principal);
  // Not this agency's finding: nothing was read or written here.
  if (finding === null) return 'null';
  const held = await withEvidence([finding]);
  await logRead(request, principal, auditLog, named(held), 'follow-up review');
  return JSON.stringify(held[0]);
}

const ID = /^[0-9a-f-]{36}:\d{1,20}:[A-Z_]{1,32}$/;

function parseRead(body: string): Read {
  const read = readObject(body, 'the follow-up');
  if (read.read === 'findings' && isLimit(read.limit) && (read.order === 'NEWEST' || read.order === 'SCORE') && (read.after === null || isPosition(read.after)) && isFilter(read.filter)) {
    const { filter } = read;
    return { read: 'findings', order: read.order, after: read.after, limit: read.limit, filter: { fromMs: filter.fromMs, toMs: filter.toMs, kind: filter.kind, organization: filter.organization, reviewed: filter.reviewed } };
  }
  if (read.read === 'holds' && typeof read.id === 'string' && ID.test(read.id)) return { read: 'holds', id: read.id };
  if (read.read === 'review' && typeof read.id === 'string' && ID.test(read.id) && VERDICTS.includes(read.verdict as Verdict)
    && (read.note === null || (typeof read.note === 'string' && [...read.note].length <= MAX_NOTE_CHARS))) {
    return { read: 'review', id: read.id, verdict: read.verdict as Verdict, note: read.note as string | null };
  }
  throw new LookupRefused('not a read of the follow-up');
}

/** One more than a page holds: the asking side looks one ahead for `hasNextPage`. */
const isLimit = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= PAGE_SIZE.max + 1;

function isPosition(value: unknown): value is { key: number; id: string } {
  const p = value as { key?: unknown; id?: unknown } | null;
  return typeof p === 'object' && p !== null && typeof p.key === 'number' && Number.isFinite(p.key) && typeof p.id === 'string' && p.id.length <= 120;
}

function isFilter(value: unknown): value is FindingFilter {
  const f = value as Partial<Record<keyof FindingFilter, unknown>> | null;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return false;
  const time = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  return time(f.fromMs) && time(f.toMs)
    && (f.kind === null || FINDING_KINDS.includes(f.kind as never))
    && (f.organization === null || (typeof f.organization === 'string' && f.organization.length <= 255))
    && (f.reviewed === null || typeof f.reviewed === 'boolean');
}
