/**
 * The writer's side of "one caller never fails the others" (issue 12, item 6): a batch the store refuses for one
 * event's content is written again without it, so only that event fails; a store that is down fails a batch
 * once, without retries. No sequence number is lost or reused, and the chain verifies. Also the units that keep
 * events within their columns, the hashing of events written before `subjectsRequested`, and the replacement of
 * a response whose resolvers could not read the access log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { boundedDraft, truncated } from '../src/access-log/bounds.js';
import { hashedContent, type EventDraft } from '../src/access-log/event.js';
import { fromRow, type EventRow } from '../src/access-log/store.js';
import { verifyAccessLog } from '../src/access-log/verify.js';
import { AuditUnavailableError, AuditWriter, isContentRefusal } from '../src/access-log/writer.js';
import type { RequestContext } from '../src/context.js';
import { openDatabase } from '../src/core/db.js';
import { accessLogPlugin } from '../src/plugins/access-log.js';
import { migrateStore } from '../src/store/migrations.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { testLogger } from './helpers/samgraf.js';

function draft(requestId: string, operationName: string | null = 'Ordinary', extra: Partial<EventDraft> = {}): EventDraft {
  return {
    occurredAt: new Date().toISOString(),
    requestId,
    principal: { type: 'STAFF', subject: 'af-retry-1', organization: 'AF', apiKeyId: null },
    purpose: 'employment-support',
    legalBasis: null,
    caseReference: null,
    operationName,
    documentHash: null,
    subjects: ['198001019999'],
    subjectCategories: { '198001019999': ['IDENTITY'] },
    subjectsWithheld: [],
    subjectsRequested: ['198001019999'],
    fieldsRead: ['Citizen.personalNumber', 'Query.citizen'],
    fieldsDenied: [],
    fieldsMasked: [],
    outcome: 'OK',
    sourceErrors: [],
    ...extra,
  };
}

describe('access-log writer: one event the store refuses fails only its own request (MariaDB store)', () => {
  let databases: TestDatabases;
  let store: Knex;

  before(async () => {
    databases = await createTestDatabases(['store']);
    store = openDatabase(databases.urls.store!);
    await migrateStore(store);
    // A store narrower than samgraf's own: the event with a longer operation name is one it refuses (22001).
    await store.raw('ALTER TABLE audit_events MODIFY operation_name VARCHAR(10) NULL');
  });

  after(async () => {
    await store?.destroy();
    await databases?.drop();
  });

  async function chainOf(writer: AuditWriter): Promise<{ seq: number; requestId: string }[]> {
    const rows = await store('audit_events').where('writer_id', writer.writerId).orderBy('seq') as EventRow[];
    return rows.map((row) => ({ seq: Number(row.seq), requestId: row.request_id }));
  }

  it('a refused event next to 30 good ones in one batch: the 30 are committed in order, it alone fails, the chain verifies', async () => {
    const commits: { events: number; failed: boolean }[] = [];
    const writer = new AuditWriter(store, undefined, (_seconds, events, failed) => commits.push({ events, failed }));
    const ids = Array.from({ length: 31 }, (_, i) => `retry-${String(i).padStart(2, '0')}`);
    const results = await Promise.allSettled(ids.map((id, i) => writer.append(draft(id, i === 17 ? 'TooLongForTheColumn' : 'Ordinary'))));

    assert.deepEqual(commits[0], { events: 31, failed: true }, 'all 31 went in one batch first');
    assert.deepEqual(results.map((r) => r.status), ids.map((_, i) => (i === 17 ? 'rejected' : 'fulfilled')));
    assert.ok((results[17] as PromiseRejectedResult).reason instanceof AuditUnavailableError);
    const good = ids.filter((_, i) => i !== 17);
    assert.deepEqual(await chainOf(writer), good.map((requestId, i) => ({ seq: i + 1, requestId })), 'no seq lost or reused');
    assert.deepEqual(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : [])), good.map((_, i) => i + 1));
    assert.equal(writer.eventsWritten, 30);

    // The chain goes on after the refusal, and all of it verifies.
    const next = await writer.append(draft('retry-after'));
    assert.equal(next.seq, 31);
    assert.deepEqual((await verifyAccessLog(store)).broken, []);
  });

  it('the largest event the limits allow (250,000 people, one per field of limits.maxCost) commits next to ordinary ones', async () => {
    const people = Array.from({ length: 250_000 }, (_, i) => `19${String(i).padStart(10, '0')}`);
    const largest = draft('largest', 'Largest', {
      subjects: people,
      subjectCategories: Object.fromEntries(people.map((p) => [p, ['RELATIONS']])),
      subjectsRequested: people.slice(0, 3000),
    });
    const writer = new AuditWriter(store);
    const [ordinary, event] = await Promise.all([writer.append(draft('beside-largest')), writer.append(largest)]);
    assert.deepEqual([ordinary.seq, event.seq], [1, 2]);
    const indexed = await store('audit_event_subjects').where({ writer_id: writer.writerId, seq: 2 }).count({ n: '*' }).first() as { n: number | string };
    assert.equal(Number(indexed.n), 250_000);
    const row = await store('audit_events').where({ writer_id: writer.writerId, seq: 2 }).first() as EventRow;
    assert.ok(row.subject_categories.length > 7_000_000, 'far beyond a TEXT column');
    assert.deepEqual(fromRow(row), event);
  });

  it('a store that is down fails the batch once: no retry storm', async () => {
    const down = openDatabase('mysql://root@127.0.0.1:1/samgraf_down');
    try {
      const commits: { events: number; failed: boolean }[] = [];
      const writer = new AuditWriter(down, undefined, (_seconds, events, failed) => commits.push({ events, failed }));
      const results = await Promise.allSettled(Array.from({ length: 31 }, (_, i) => writer.append(draft(`down-${i}`))));
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof AuditUnavailableError));
      assert.deepEqual(commits, [{ events: 31, failed: true }]);
    } finally {
      await down.destroy();
    }
  });

  it('an event written before subjectsRequested existed hashes and verifies exactly as before', async () => {
    const writer = new AuditWriter(store);
    const { subjectsRequested: _dropped, ...legacy } = draft('legacy-shape', 'Legacy', { subjectsWithheld: ['198001029998'] });
    const event = await writer.append(legacy);
    assert.ok(!hashedContent(event).includes('subjectsRequested'));
    const row = await store('audit_events').where({ writer_id: writer.writerId, seq: event.seq }).first() as EventRow;
    assert.equal(row.subjects_requested, null);
    assert.deepEqual(fromRow(row), event, 'reads back as written');
    // As before: only served subjects are indexed for it.
    assert.deepEqual((await store('audit_event_subjects').where({ writer_id: writer.writerId, seq: event.seq }).select('subject')).map((r) => r.subject), ['198001019999']);
    assert.deepEqual((await verifyAccessLog(store)).broken, []);
  });

  it('stores a token subject with a lone surrogate as it hashed it, so the chain still verifies', async () => {
    // A JWT's claims are JSON, which may carry half a surrogate pair; the column holds U+FFFD in its place.
    const writer = new AuditWriter(store);
    const event = await writer.append(boundedDraft(draft('lone-surrogate', 'Lone', {
      principal: { type: 'STAFF', subject: 'officer-\uD800-\uDC00x', organization: 'AF', apiKeyId: null }, legalBasis: '\uDBFF',
    })));
    assert.equal(event.principal.subject, 'officer-\uFFFD-\uFFFDx');
    assert.deepEqual((await verifyAccessLog(store)).broken, []);
  });
});

describe('access-log bounds', () => {
  it('cuts text to its column in code points with a marker, never splitting a surrogate pair', () => {
    assert.equal(truncated('short', 200), 'short');
    assert.equal(truncated('x'.repeat(200), 200), 'x'.repeat(200));
    assert.equal(truncated('x'.repeat(301), 200), `${'x'.repeat(199)}…`);
    const emoji = truncated('😀'.repeat(201), 200);
    assert.equal(emoji, `${'😀'.repeat(199)}…`);
    assert.equal([...'😀'.repeat(200)].length, 200);
    assert.equal(truncated('😀'.repeat(200), 200), '😀'.repeat(200), '200 code points fit a 200-character column');
  });

  it('bounds every caller-chosen text of a draft', () => {
    const long = 'y'.repeat(400);
    const bounded = boundedDraft(draft(long, long, {
      principal: { type: 'STAFF', subject: long, organization: long, apiKeyId: long }, purpose: long, legalBasis: long, caseReference: long,
    }));
    const lengths = { requestId: bounded.requestId, subject: bounded.principal.subject, organization: bounded.principal.organization, apiKeyId: bounded.principal.apiKeyId,
      purpose: bounded.purpose, legalBasis: bounded.legalBasis, caseReference: bounded.caseReference, operationName: bounded.operationName };
    assert.deepEqual(Object.fromEntries(Object.entries(lengths).map(([k, v]) => [k, [...v!].length])),
      { requestId: 128, subject: 255, organization: 32, apiKeyId: 32, purpose: 64, legalBasis: 200, caseReference: 200, operationName: 200 });
  });

  it('tells a refusal for content from a store that is unreachable', () => {
    assert.equal(isContentRefusal({ sqlState: '22001', code: 'ER_DATA_TOO_LONG' }), true);
    assert.equal(isContentRefusal({ sqlState: '23000', code: 'ER_DUP_ENTRY' }), true);
    assert.equal(isContentRefusal({ sqlState: '08S01', code: 'ER_NET_PACKET_TOO_LARGE' }), true);
    assert.equal(isContentRefusal({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }), true);
    assert.equal(isContentRefusal({ code: 'ECONNREFUSED' }), false);
    assert.equal(isContentRefusal({ sqlState: '42000', code: 'ER_TABLEACCESS_DENIED_ERROR' }), false);
    assert.equal(isContentRefusal(new Error('timeout')), false);
  });
});

describe('a response whose resolvers could not read the access log', () => {
  it('is replaced by 503 AUDIT_UNAVAILABLE without data, as when its event cannot be written', async () => {
    const plugin = accessLogPlugin({ append: () => assert.fail('no event for this request') } as never, testLogger());
    const listener = await plugin.requestDidStart!({ request: {} } as never);
    const response = {
      http: { status: 200, headers: new Map() },
      body: { kind: 'single', singleResult: { data: { auditChains: null, me: { subject: 'x' } }, errors: [{ message: 'store unreadable', extensions: { code: 'AUDIT_UNAVAILABLE' } }] } },
    };
    const contextValue = { principal: { type: 'STAFF' }, readsPersonalData: false } as unknown as RequestContext;
    await listener!.willSendResponse!({ contextValue, response, request: {} } as never);
    assert.equal(response.http.status, 503);
    assert.deepEqual(response.body, {
      kind: 'single',
      singleResult: { errors: [{ message: 'the access log is unavailable, so no personal data can be served; try again', extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
    });
  });
});
