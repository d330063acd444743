/**
 * Systematic follow-up of the access log: 20 officers read for 30 simulated days (their events written with
 * the days' timestamps into the test's store, as samgraf's own writer writes them), with needles planted among
 * 5,000 ordinary reads — an officer reading their own spouse, child and a neighbour at their address; reads of
 * protected persons' real data; one officer's volume jumping tenfold on one day; reads without the case
 * reference their purpose needs; reads at 03:00. Every needle is found with the right kind; at most 1 % of the
 * ordinary reads are flagged; no explanation holds an address or a person its event does not name; reviews need
 * audit:review, are kept, and are in the log.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import type { Knex } from 'knex';
import { AuditLog } from '../src/access-log/writer.js';
import type { DataCategory, EventDraft } from '../src/access-log/event.js';
import { openDatabase } from '../src/core/db.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 600, seed: 'follow-up' } as const;
const DATA = generateLegacyData(DATA_SET);
const DAYS = 30;
const OFFICERS = 20;
const ORDINARY_READS = 5000;
/** The simulated month ends the day before the test runs, so no read is in the future. */
const FIRST_DAY = Temporal.Now.plainDateISO('Europe/Stockholm').subtract({ days: DAYS + 1 });

/** A deterministic pseudo-random sequence (mulberry32): the same reads on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stockholm = (day: number, hour: number, minute: number) =>
  FIRST_DAY.add({ days: day }).toZonedDateTime({ timeZone: 'Europe/Stockholm', plainTime: Temporal.PlainTime.from({ hour, minute }) }).toInstant().toString();

const isProtected = (p: { SEKRETESS: string | null; SKYDDAD_FB: string | null }) => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';

// On MariaDB, and on SQLite as the demo runs it: the worker's statements (its upserts above all) differ by dialect.
for (const dialect of ['mariadb', 'sqlite'] as const) describe(`systematic follow-up of the access log (${dialect})`, () => {
  let seeded: SeededSources;
  let server: TestServer;
  let store: Knex;
  let auditorHeaders: Record<string, string>;
  let reviewerHeaders: Record<string, string>;
  /** requestId → the kind planted there, or null for an ordinary read. */
  const planted = new Map<string, string | null>();
  let reader: string;
  let relatives: { spouse: string; child: string };
  let neighbour: string;
  let protectedStreets: string[];

  const officer = (i: number) => ({ type: 'STAFF', subject: `fk-officer-${String(i).padStart(2, '0')}`, organization: 'FK', apiKeyId: null });

  function draft(principal: EventDraft['principal'], occurredAt: string, subjects: string[], options: { purpose?: string; caseReference?: string | null; categories?: DataCategory[] } = {}): EventDraft {
    const categories = options.categories ?? ['IDENTITY', 'BENEFITS'];
    return {
      occurredAt,
      requestId: `follow-up-${randomUUID()}`,
      principal,
      purpose: options.purpose ?? 'benefit-assessment',
      legalBasis: null,
      caseReference: options.caseReference === undefined ? 'FK 2026/4711' : options.caseReference,
      operationName: 'Assess',
      documentHash: null,
      subjects: [...subjects].sort(),
      subjectCategories: Object.fromEntries(subjects.map((s) => [s, categories])),
      subjectsWithheld: [],
      subjectsRequested: [...subjects].sort(),
      fieldsRead: ['Citizen.familyName'],
      fieldsDenied: [],
      fieldsMasked: [],
      outcome: 'OK',
      sourceErrors: [],
    };
  }

  /** Until the follow-up's queue is empty: the worker has looked at every event written (polled, not timed). */
  async function drained(): Promise<void> {
    for (;;) {
      const row = await store('follow_up_pending').count({ n: '*' }).first() as { n: number | string };
      if (Number(row.n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function findings(headers: Record<string, string>, filter = '') {
    const all: any[] = [];
    let after: string | null = null;
    for (;;) {
      const reply: { errors?: unknown; data?: unknown } = await server.query(`query($after: String) { auditFindings(${filter}first: 100, after: $after) {
        edges { node { id kind score explanation subjects firstSeen event { id requestId occurredAt principal { type subject organization } purpose } review { verdict note reviewer at } } }
        pageInfo { hasNextPage endCursor } } }`, { after }, headers);
      assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
      const page = (reply.data as any).auditFindings;
      all.push(...page.edges.map((edge: any) => edge.node));
      if (!page.pageInfo.hasNextPage) return all;
      after = page.pageInfo.endCursor;
    }
  }

  before(async () => {
    seeded = await seededSources(dialect, DATA_SET);
    server = await startTestServer(seeded.urls, {
      followUp: { workingHours: '07:00-19:00', purposesRequiringCaseReference: ['social-services'], intervalSeconds: 0.2 },
    });
    store = openDatabase(seeded.urls.store);
    const { staff } = await testIssuers();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    auditorHeaders = { authorization: `Bearer ${await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', exp })}`, 'x-purpose': 'audit' };
    reviewerHeaders = { authorization: `Bearer ${await staff.mint({ sub: 'reviewer-1', org: 'IMY', scope: 'audit:read audit:review', exp })}`, 'x-purpose': 'audit' };

    // The reader: someone with a spouse and a child in the register, and an address of their own.
    const people = new Map(DATA.FB_PERSON.map((p) => [p.PERSONID, p]));
    const ordinary = DATA.FB_PERSON.filter((p) => !isProtected(p) && p.AVREG_ORSAK === null && /^\d{12}$/.test(p.PERSONID));
    const withFamily = ordinary.find((p) => {
      const rel = DATA.FB_RELATION.filter((r) => r.PERSONID === p.PERSONID);
      return p.UTDELNINGSADRESS && p.POSTNR && rel.some((r) => r.RELTYP === 'MA' && people.has(r.RELID)) && rel.some((r) => r.RELTYP === 'BA' && people.has(r.RELID));
    })!;
    assert.ok(withFamily, 'the data has a person with a spouse and a child');
    reader = withFamily.PERSONID;
    const rel = DATA.FB_RELATION.filter((r) => r.PERSONID === reader);
    relatives = { spouse: rel.find((r) => r.RELTYP === 'MA')!.RELID, child: rel.find((r) => r.RELTYP === 'BA')!.RELID };
    // A neighbour: someone unrelated, moved (in the test's own register) to the reader's street address.
    const related = new Set([reader, ...DATA.FB_RELATION.filter((r) => r.PERSONID === reader || r.RELID === reader).flatMap((r) => [r.PERSONID, r.RELID])]);
    const sameAddress = (p: { UTDELNINGSADRESS: string | null; POSTNR: string | null }) => p.UTDELNINGSADRESS === withFamily.UTDELNINGSADRESS && p.POSTNR === withFamily.POSTNR;
    neighbour = ordinary.find((p) => !related.has(p.PERSONID) && !sameAddress(p))!.PERSONID;
    const register = openDatabase(seeded.urls.populationRegister);
    await register('FB_PERSON').where({ PERSONID: neighbour }).update({ UTDELNINGSADRESS: withFamily.UTDELNINGSADRESS, POSTNR: withFamily.POSTNR, POSTORT: withFamily.POSTORT });
    await register.destroy();
    const household = new Set([...related, neighbour, ...ordinary.filter(sameAddress).map((p) => p.PERSONID)]);
    const strangers = ordinary.filter((p) => !household.has(p.PERSONID)).map((p) => p.PERSONID);
    const protectedPeople = DATA.FB_PERSON.filter((p) => isProtected(p) && /^\d{12}$/.test(p.PERSONID));
    assert.ok(protectedPeople.length >= 3, 'the data has protected persons');
    protectedStreets = protectedPeople.flatMap((p) => [p.UTDELNINGSADRESS, p.POSTNR].filter((v): v is string => !!v && v.trim().length > 3));

    // Ordinary reads: officer 0 is the reader (with their personal number in their token); every read within
    // working hours, with a case reference where the purpose needs one, of strangers only.
    const next = random(20261208);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const log = new AuditLog(store, 1);
    const drafts: [EventDraft, string | null][] = [];
    const principalOf = (i: number) => (i === 0 ? { ...officer(0), personalNumber: reader } : officer(i));
    for (let n = 0; n < ORDINARY_READS; n++) {
      const i = n % OFFICERS;
      const day = Math.floor(next() * DAYS);
      const social = next() < 0.3;
      drafts.push([draft(principalOf(i), stockholm(day, 8 + Math.floor(next() * 10), Math.floor(next() * 60)), [pick(strangers)], social ? { purpose: 'social-services', caseReference: `Dnr ${n}` } : {}), null]);
    }
    // The needles.
    drafts.push([draft(principalOf(0), stockholm(12, 10, 5), [relatives.spouse]), 'RELATIVE_OR_HOUSEHOLD']);
    drafts.push([draft(principalOf(0), stockholm(14, 11, 15), [relatives.child]), 'RELATIVE_OR_HOUSEHOLD']);
    drafts.push([draft(principalOf(0), stockholm(16, 14, 45), [neighbour]), 'RELATIVE_OR_HOUSEHOLD']);
    for (const [k, person] of protectedPeople.slice(0, 3).entries()) {
      drafts.push([draft(principalOf(3 + k), stockholm(5 + k, 9, 30), [person.PERSONID], { categories: ['IDENTITY', 'ADDRESS'] }), 'PROTECTED_PERSON']);
    }
    for (let k = 0; k < 3; k++) drafts.push([draft(principalOf(7), stockholm(20 + k, 13, 0), [pick(strangers)], { purpose: 'social-services', caseReference: null }), 'NO_CASE_REFERENCE']);
    for (let k = 0; k < 3; k++) drafts.push([draft(principalOf(9 + k), stockholm(10 + k, 3, 7), [pick(strangers)]), 'OFF_HOURS']);
    // Officer 5's usual day is about 8 persons; on day 25 they read 85.
    const burst = strangers.slice(0, 85);
    // The finding is made on whichever read of the day made it stand out: any of the burst's.
    for (const [k, person] of burst.entries()) drafts.push([draft(principalOf(5), stockholm(25, 9 + Math.floor(k / 10), k % 60), [person]), 'burst']);
    // In time order, as a month of requests would have written them.
    drafts.sort((a, b) => Date.parse(a[0].occurredAt) - Date.parse(b[0].occurredAt));
    for (let n = 0; n < drafts.length; n += 200) await Promise.all(drafts.slice(n, n + 200).map(([d]) => log.append(d)));
    await log.flush();
    for (const [d, kind] of drafts) planted.set(d.requestId, kind);
  });

  after(async () => {
    await store?.destroy();
    await server?.close();
    await seeded?.drop();
  });

  it('finds every planted read with the right kind, and flags at most 1 % of the ordinary reads', async () => {
    // The worker looks at the month's events in the background; the first read waits for what is still queued, so
    // on a loaded machine it is not left to catch up a whole month within one request's execution time.
    await drained();
    const found = await findings(auditorHeaders);
    const kindsByRequest = new Map<string, Set<string>>();
    for (const finding of found) {
      const kinds = kindsByRequest.get(finding.event.requestId) ?? new Set<string>();
      kinds.add(finding.kind);
      kindsByRequest.set(finding.event.requestId, kinds);
    }
    const burst = [...planted].filter(([, kind]) => kind === 'burst').map(([requestId]) => requestId);
    assert.ok(burst.some((requestId) => kindsByRequest.get(requestId)?.has('VOLUME_OUTLIER')), 'the day of the burst is a VOLUME_OUTLIER');
    for (const [requestId, kind] of planted) {
      if (kind === null || kind === 'burst') continue;
      assert.ok(kindsByRequest.get(requestId)?.has(kind), `the planted ${kind} read (${requestId}) is found: ${[...(kindsByRequest.get(requestId) ?? [])].join(', ') || 'nothing'}`);
    }
    const ordinary = [...planted].filter(([, kind]) => kind === null).map(([requestId]) => requestId);
    const flagged = ordinary.filter((requestId) => kindsByRequest.has(requestId));
    assert.ok(flagged.length <= ordinary.length / 100, `${flagged.length} of ${ordinary.length} ordinary reads flagged: ${flagged.slice(0, 5).map((id) => [...kindsByRequest.get(id)!].join('+')).join(', ')}`);
    // The relatives are told apart: spouse, child, household.
    const relative = found.filter((f) => f.kind === 'RELATIVE_OR_HOUSEHOLD').map((f) => f.explanation as string).join('\n');
    assert.match(relative, /spouse/);
    assert.match(relative, /child/);
    assert.match(relative, /own address/);
    const volume = found.filter((f) => f.kind === 'VOLUME_OUTLIER');
    assert.equal(volume.length, 1, 'one finding for the one outlying day');
    assert.equal(volume[0].event.principal.subject, 'fk-officer-05');
    // The burst's 85 and the officer's ordinary reads of that day.
    assert.ok(Number(/(\d+) distinct persons/.exec(volume[0].explanation)?.[1]) >= 85, volume[0].explanation);
  });

  it('an explanation holds no address and no personal number its event does not name', async () => {
    const found = await findings(auditorHeaders);
    assert.ok(found.length > 10);
    const events = new Map<string, EventDraft>();
    for (const finding of found) {
      const [writer, seq] = (finding.event.id as string).split(':');
      const row = await store('audit_events').where({ writer_id: writer, seq: Number(seq) }).first();
      events.set(finding.id, { subjects: JSON.parse(row.subjects) } as EventDraft);
    }
    for (const finding of found) {
      const named = new Set(events.get(finding.id)!.subjects);
      for (const number of (finding.explanation as string).match(/\d{12}/g) ?? []) assert.ok(named.has(number), `${finding.kind}: ${number} is not in its event`);
      assert.ok((finding.subjects as string[]).every((s) => named.has(s)));
      for (const street of protectedStreets) assert.ok(!(finding.explanation as string).includes(street), `${finding.kind} names a protected person's address`);
      const readerRow = DATA.FB_PERSON.find((p) => p.PERSONID === reader)!;
      assert.ok(!(finding.explanation as string).includes(readerRow.UTDELNINGSADRESS!), 'never the household\'s address');
      assert.ok(!(finding.explanation as string).includes(reader), 'never the reader\'s own number');
    }
  });

  it('filters by kind and reviewed, and orders by score', async () => {
    const offHours = await findings(auditorHeaders, 'filter: { kind: OFF_HOURS }, ');
    assert.ok(offHours.length >= 3 && offHours.every((f) => f.kind === 'OFF_HOURS'));
    const reply = await server.query('{ auditFindings(order: SCORE, first: 5) { edges { node { kind score } } } }', undefined, auditorHeaders);
    const scores = (reply.data as any).auditFindings.edges.map((edge: any) => edge.node.score as number);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    assert.equal((reply.data as any).auditFindings.edges[0].node.kind, 'RELATIVE_OR_HOUSEHOLD');
  });

  it('reviewFinding needs audit:review; reviews are kept, newest first in review, and in the log', async () => {
    const [target] = await findings(auditorHeaders, 'filter: { kind: PROTECTED_PERSON }, ');
    const mutation = 'mutation($id: ID!, $verdict: FindingVerdict!, $note: String) { reviewFinding(id: $id, verdict: $verdict, note: $note) { id review { verdict note reviewer } reviews { verdict } } }';
    const refused = await server.query(mutation, { id: target.id, verdict: 'JUSTIFIED' }, auditorHeaders);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHORIZED_FIELD_OR_TYPE');
    assert.equal((refused.data as any)?.reviewFinding ?? null, null);
    const first = await server.query(mutation, { id: target.id, verdict: 'NEEDS_FOLLOW_UP', note: 'ask the officer' }, reviewerHeaders);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const second = await server.query(mutation, { id: target.id, verdict: 'JUSTIFIED', note: 'case FK 2026/99' }, reviewerHeaders);
    const reviewed = (second.data as any).reviewFinding;
    assert.deepEqual(reviewed.review, { verdict: 'JUSTIFIED', note: 'case FK 2026/99', reviewer: 'reviewer-1' });
    assert.deepEqual(reviewed.reviews.map((r: any) => r.verdict), ['NEEDS_FOLLOW_UP', 'JUSTIFIED']);
    const listed = await findings(auditorHeaders, 'filter: { reviewed: true }, ');
    assert.deepEqual(listed.map((f) => f.id), [target.id]);
    assert.equal(listed[0].review.verdict, 'JUSTIFIED');
    const unknown = await server.query(mutation, { id: 'no:such:finding', verdict: 'JUSTIFIED' }, reviewerHeaders);
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const log = await server.query('{ auditEvents(filter: { principal: "reviewer-1" }, first: 10) { edges { node { fieldsRead outcome subjects purpose } } } }', undefined, auditorHeaders);
    const reviewEvents = (log.data as any).auditEvents.edges.map((edge: any) => edge.node).filter((node: any) => node.fieldsRead.includes('Mutation.reviewFinding'));
    assert.ok(reviewEvents.length >= 2, 'each review is in the access log');
    assert.deepEqual(reviewEvents[0].subjects, target.subjects);
    assert.equal(reviewEvents[0].purpose, 'audit');
  });
});
