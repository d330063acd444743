/**
 * `auditChains`, the access log's chain verification over GraphQL (MariaDB): the same verdict as
 * `samgraf audit verify` for an intact log and after tampering, per chain, with the first bad event and a reason
 * code; only with `audit:read`; no purpose needed and no access-log event written (it returns no personal data).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import { ChainVerifier } from '../src/access-log/chain-status.js';
import { TransparencyLog } from '../src/access-log/transparency/log.js';
import { silentLogger } from '../src/log.js';
import type { Knex } from 'knex';
import { openDatabase } from '../src/core/db.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { personalNumbersIn } from './helpers/pii.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 200, seed: 'audit-chains-0' } as const;
const DATA = generateLegacyData(DATA_SET);

const CHAINS_QUERY = `{ auditChains { ok verifiedAt events
  chains { writer events headSeq headHash ok firstBadEvent { eventId writer seq occurredAt reason message } }
  broken { eventId writer seq occurredAt reason message } } }`;

describe('auditChains (MariaDB)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let store: Knex;
  let auditor: Record<string, string>;
  let writer: string;

  const eventCount = async () => Number((await store('audit_events').count({ n: '*' }))[0]!.n);

  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    server = await startTestServer(seeded.urls);
    store = openDatabase(seeded.urls.store);
    writer = server.auditLog.writerIds[0];
    const { staff } = await testIssuers();
    auditor = { authorization: `Bearer ${await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', purposes: ['audit'] })}` };
    // A handful of events, each naming a person (so that the subject index has rows too).
    for (const person of DATA.FB_PERSON.slice(0, 8)) {
      const response = await server.query(`{ citizen(personalNumber: "${person.PERSONID}") { familyName } }`);
      assert.equal(response.status, 200);
    }
    await server.auditLog.flush();
  });

  after(async () => {
    await store?.destroy();
    await server?.close();
    await seeded?.drop();
  });

  it('reports an intact log per chain, with its head, needing no purpose and writing no event', async () => {
    const before = await eventCount();
    const response = await server.query(CHAINS_QUERY, undefined, { ...auditor, 'x-purpose': undefined });
    assert.equal(response.status, 200, JSON.stringify(response));
    assert.equal(response.errors, undefined);
    const report = response.data.auditChains;
    const last = await store('audit_events').where('writer_id', writer).orderBy('seq', 'desc').first();
    assert.equal(report.ok, true);
    assert.equal(report.events, before);
    assert.deepEqual(report.broken, []);
    assert.deepEqual(report.chains, [{ writer, events: before, headSeq: Number(last.seq), headHash: last.hash, ok: true, firstBadEvent: null }]);
    assert.ok(Math.abs(Date.parse(report.verifiedAt) - Date.now()) < 60_000);
    await server.auditLog.flush();
    assert.equal(await eventCount(), before, 'verifying writes no access-log event');
  });

  it('is denied without audit:read (null and UNAUTHORIZED_FIELD_OR_TYPE, HTTP 200)', async () => {
    const { staff, citizen } = await testIssuers();
    const before = await eventCount();
    for (const token of [
      await staff.mint({ sub: 'trainee-1', org: 'IMY', scope: 'citizen:read', purposes: ['audit'] }),
      await citizen.mint({ sub: DATA.FB_PERSON[0]!.PERSONID }),
    ]) {
      const response = await server.query('{ auditChains { ok } }', undefined, { authorization: `Bearer ${token}`, 'x-purpose': undefined });
      assert.equal(response.status, 200);
      assert.deepEqual(response.data, { auditChains: null });
      assert.deepEqual(response.errors?.map((e) => [e.extensions?.code, e.path]), [['UNAUTHORIZED_FIELD_OR_TYPE', ['auditChains']]]);
    }
    const anonymous = await server.query('{ auditChains { ok } }', undefined, { authorization: undefined });
    assert.equal(anonymous.status, 401);
    await server.auditLog.flush();
    assert.equal(await eventCount(), before);
  });

  it('names the first bad event and why after tampering, as audit verify does, with no personal data in the answer', async () => {
    const rows = await store('audit_events').where('writer_id', writer).orderBy('seq') as { seq: number | string; purpose: string | null }[];
    const k = Number(rows[3]!.seq);
    const last = Number(rows.at(-1)!.seq);
    const snapshot = { events: rows, subjects: await store('audit_event_subjects').where('writer_id', writer) };
    const restore = async () => {
      await store.transaction(async (trx) => {
        await trx('audit_event_subjects').where('writer_id', writer).delete();
        await trx('audit_events').where('writer_id', writer).delete();
        await trx('audit_events').insert(snapshot.events);
        if (snapshot.subjects.length > 0) await trx('audit_event_subjects').insert(snapshot.subjects);
      });
    };
    const cases: [string, () => Promise<unknown>, number, string][] = [
      ['edit a purpose', () => store('audit_events').where({ writer_id: writer, seq: k }).update({ purpose: 'employment-support-x' }), k, 'HASH_MISMATCH'],
      ['delete an event', async () => {
        await store('audit_event_subjects').where({ writer_id: writer, seq: k }).delete();
        await store('audit_events').where({ writer_id: writer, seq: k }).delete();
      }, k + 1, 'SEQUENCE_GAP'],
      ['unreadable content', () => store('audit_events').where({ writer_id: writer, seq: k }).update({ fields_read: '[' }), k, 'CONTENT_UNREADABLE'],
      ['an index row for no event', async () => {
        const row = snapshot.subjects.find((s: { seq: number | string }) => Number(s.seq) === k);
        await store('audit_event_subjects').insert({ ...row, seq: 10_000 });
      }, 10_000, 'ORPHAN_INDEX_ROW'],
      ['delete the newest event', async () => {
        await store('audit_event_subjects').where({ writer_id: writer, seq: last }).delete();
        await store('audit_events').where({ writer_id: writer, seq: last }).delete();
      }, last, 'TRUNCATED'],
    ];
    const failures: string[] = [];
    for (const [label, tamper, badSeq, reason] of cases) {
      await tamper();
      const response = await server.query(CHAINS_QUERY, undefined, auditor);
      const report = response.data?.auditChains;
      const expected = { eventId: `${writer}:${badSeq}`, writer, seq: badSeq, reason };
      const got = report?.broken?.[0];
      if (report?.ok !== false || !got || Object.entries(expected).some(([key, value]) => got[key] !== value)) {
        failures.push(`${label}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(report)}`);
      } else {
        assert.equal(report.chains[0].ok, false, label);
        assert.deepEqual(report.chains[0].firstBadEvent, got, label);
        assert.equal(typeof got.message, 'string');
        assert.deepEqual(personalNumbersIn(JSON.stringify(response)), [], `${label}: no personal number in the answer`);
      }
      await restore();
      const again = await server.query('{ auditChains { ok } }', undefined, auditor);
      assert.equal(again.data?.auditChains?.ok, true, `restored after ${label}`);
    }
    assert.deepEqual(failures, []);
  });

  it('a call that comes while a verification runs gets the last finished report at once, without a walk of its own', async () => {
    let walks = 0;
    const count = (query: { sql: string }) => {
      if (/select distinct `writer_id` from `audit_events`/i.test(query.sql)) walks += 1;
    };
    const verifier = new ChainVerifier(store, unsignedLog(store));
    const first = await verifier.verify();
    store.on('query', count);
    try {
      const running = verifier.verify();
      assert.equal(await verifier.verify(), first, 'the last report, at once');
      const fresh = await running;
      assert.equal(fresh.ok, true);
      assert.notEqual(fresh, first, 'the caller that started the walk gets its result');
    } finally {
      store.removeListener('query', count);
    }
    assert.equal(walks, 1);
  });

  it('concurrent calls over HTTP all get a verdict', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => server.query('{ auditChains { ok events verifiedAt } }', undefined, auditor)));
    for (const answer of answers) assert.equal(answer.data?.auditChains?.ok, true, JSON.stringify(answer));
  });

  it('before any verification has finished, a concurrent call is told one is running', async () => {
    const fresh = new ChainVerifier(store, unsignedLog(store));
    const first = fresh.verify();
    await assert.rejects(fresh.verify(), (error: GraphQLError) => error.extensions.code === 'AUDIT_VERIFICATION_RUNNING');
    assert.equal((await first).ok, true);
    assert.equal((await fresh.verify()).ok, true, 'and afterwards, a call verifies again');
  });
});

/** The tree without a signing key: what a verifier needs of it. */
function unsignedLog(store: Knex): TransparencyLog {
  return new TransparencyLog(store, { signer: null, intervalMs: 1000, witnesses: [], witnessTimeoutMs: 300_000 }, silentLogger());
}
