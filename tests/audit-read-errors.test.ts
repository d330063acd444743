/**
 * Reading the access log never ends in a 5xx of samgraf's making (issue 12, items 8b and 8c):
 * - a `DateTime` or `Date` that names no real instant or day (month 13, Feb 30, hour 24, minute 60, an offset
 *   beyond ±18:00) is refused by the scalar — a validation failure as a literal, BAD_USER_INPUT as a variable —
 *   in `auditEvents(filter: { from, to })` and `myAccessLog(from, to)`;
 * - a store the server's user cannot read (SELECT revoked on audit_events) makes auditEvents, myAccessLog and
 *   auditChains AUDIT_UNAVAILABLE with no data, never INTERNAL_SERVER_ERROR.
 * On seeded MariaDB sources; the restricted server connects as a MariaDB user with the README's store grants.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { openDatabase } from '../src/core/db.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const SEARCH = `query Search($from: DateTime, $to: DateTime) {
  auditEvents(filter: { from: $from, to: $to }, first: 5) { edges { cursor node { id occurredAt } } pageInfo { hasNextPage } }
}`;
const MY_LOG = `query MyLog($from: Date, $to: Date) {
  myAccessLog(from: $from, to: $to, first: 5) { edges { node { occurredAt organization } } }
}`;
const CHAINS = '{ auditChains { ok events chains { writer ok } } }';

const NOT_INSTANTS: [string, string][] = [
  ['month 13', '2026-13-01T00:00:00Z'],
  ['month 0', '2026-00-10T00:00:00Z'],
  ['day 32', '2026-01-32T00:00:00Z'],
  ['day 0', '2026-01-00T00:00:00Z'],
  ['February 30', '2026-02-30T12:00:00+01:00'],
  ['February 29 of a common year', '2025-02-29T12:00:00Z'],
  ['April 31', '2026-04-31T12:00:00Z'],
  ['hour 24', '2026-01-01T24:00:00Z'],
  ['minute 60', '2026-01-01T12:60:00Z'],
  ['second 60', '2026-01-01T12:00:60Z'],
  ['offset +18:01', '2026-01-01T12:00:00+18:01'],
  ['offset -19:00', '2026-01-01T12:00:00-19:00'],
  ['offset minutes 60', '2026-01-01T12:00:00+01:60'],
];
const REAL_INSTANTS = ['2024-02-29T23:59:59.999Z', '2026-01-01T00:00:00+18:00', '2026-01-01T00:00:00-18:00', '2026-06-30T23:59:59.123456789+02:00'];
const NOT_DAYS = ['2026-13-01', '2026-00-01', '2026-01-32', '2026-02-30', '2025-02-29', '2026-04-31'];

describe('reading the access log: no 5xx from bad dates or an unreadable store', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let restricted: TestServer;
  let admin: Knex;
  let storeUser: string;
  let auditor: () => Promise<Record<string, string | undefined>>;
  let citizen: () => Promise<Record<string, string | undefined>>;
  let personalNumber: string;

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 20, seed: 'audit-read-errors' });
    // The first server migrates the store as root; the restricted one runs as the README's store user.
    server = await startTestServer(seeded.urls);
    admin = openDatabase(seeded.urls.store);
    const database = new URL(seeded.urls.store).pathname.slice(1);
    storeUser = `sgt_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await admin.raw(`CREATE USER ??@'%' IDENTIFIED BY ?`, [storeUser, password]);
    const grants: [string, string][] = [
      ['SELECT, INSERT', 'audit_events'], ['SELECT, INSERT', 'audit_event_subjects'], ['SELECT, INSERT', 'audit_chain_heads'],
      ['SELECT', 'audit_chain_anchors'], ['SELECT', 'api_keys'], ['SELECT', 'samgraf_migrations'], ['SELECT', 'samgraf_migrations_lock'],
      ['SELECT', 'samgraf_keys'],
    ];
    for (const [privileges, table] of grants) await admin.raw(`GRANT ${privileges} ON ??.?? TO ??@'%'`, [database, table, storeUser]);
    await admin.raw(`REVOKE SELECT ON ??.?? FROM ??@'%'`, [database, 'audit_events', storeUser]);
    const url = new URL(seeded.urls.store);
    url.username = storeUser;
    url.password = password;
    restricted = await startTestServer(seeded.urls, { store: { url: url.toString(), autoMigrate: false } });

    const register = openDatabase(seeded.urls.populationRegister);
    try {
      personalNumber = String((await register('FB_PERSON').select('PERSONID').orderBy('PERSONID').first() as { PERSONID: string }).PERSONID).trim();
    } finally {
      await register.destroy();
    }
    // Someone read the citizen's data: there is something to show, on a store that could be read.
    assert.equal((await server.query('query C($p: String!) { citizen(personalNumber: $p) { familyName } }', { p: personalNumber })).errors, undefined);
    const issuers = await testIssuers();
    auditor = async () => ({ authorization: `Bearer ${await issuers.staff.mint({ sub: 'isp-granskare-1', org: 'ISP', scope: 'audit:read', purposes: ['audit'] })}`, 'x-purpose': 'audit' });
    citizen = async () => ({ authorization: `Bearer ${await issuers.citizen.mint({ sub: personalNumber })}`, 'x-purpose': undefined });
  });

  after(async () => {
    await Promise.all([server?.close(), restricted?.close()]);
    await admin?.raw(`DROP USER IF EXISTS ??@'%'`, [storeUser]).catch(() => {});
    await admin?.destroy();
    await seeded?.drop();
  });

  function expectRefusedScalar(response: GraphQLResponse, code: string, scalar: 'DateTime' | 'Date', label: string): void {
    assert.equal(response.status, 400, `${label}: ${JSON.stringify(response)}`);
    assert.equal(response.data, undefined, label);
    assert.ok(response.errors && response.errors.length > 0, label);
    for (const error of response.errors) {
      assert.equal(error.extensions?.code, code, `${label}: ${JSON.stringify(error)}`);
      assert.match(error.message, new RegExp(`${scalar} must be `), label);
    }
  }

  describe('8b. dates that name no real instant or day', () => {
    for (const [label, value] of NOT_INSTANTS) {
      it(`auditEvents refuses a DateTime with ${label}, as a variable and as a literal`, async () => {
        for (const bound of ['from', 'to'] as const) {
          expectRefusedScalar(await server.query(SEARCH, { [bound]: value }, await auditor()), 'BAD_USER_INPUT', 'DateTime', `${bound} variable ${value}`);
          const literal = `{ auditEvents(filter: { ${bound}: ${JSON.stringify(value)} }) { edges { cursor } } }`;
          expectRefusedScalar(await server.query(literal, undefined, await auditor()), 'GRAPHQL_VALIDATION_FAILED', 'DateTime', `${bound} literal ${value}`);
        }
      });
    }

    it('real instants at the edges (leap day, ±18:00, nanoseconds) are accepted', async () => {
      for (const value of REAL_INSTANTS) {
        const response = await server.query(SEARCH, { from: value }, await auditor());
        assert.equal(response.status, 200, value);
        assert.equal(response.errors, undefined, `${value}: ${JSON.stringify(response.errors)}`);
        assert.ok(Array.isArray(response.data.auditEvents.edges), value);
      }
    });

    it('myAccessLog refuses a Date that is no calendar day, as a variable and as a literal', async () => {
      for (const value of NOT_DAYS) {
        for (const bound of ['from', 'to'] as const) {
          expectRefusedScalar(await server.query(MY_LOG, { [bound]: value }, await citizen()), 'BAD_USER_INPUT', 'Date', `${bound} variable ${value}`);
          const literal = `{ myAccessLog(${bound}: ${JSON.stringify(value)}) { edges { node { occurredAt } } } }`;
          expectRefusedScalar(await server.query(literal, undefined, await citizen()), 'GRAPHQL_VALIDATION_FAILED', 'Date', `${bound} literal ${value}`);
        }
      }
      const leapDay = await server.query(MY_LOG, { from: '2024-02-29', to: '2024-02-29' }, await citizen());
      assert.equal(leapDay.errors, undefined, JSON.stringify(leapDay.errors));
    });
  });

  describe('8c. a store the server cannot read', () => {
    it('the same reads work where the store can be read (sanity)', async () => {
      const search = await server.query(SEARCH, {}, await auditor());
      assert.equal(search.errors, undefined, JSON.stringify(search.errors));
      assert.ok(search.data.auditEvents.edges.length > 0);
      const mine = await server.query(MY_LOG, {}, await citizen());
      assert.equal(mine.errors, undefined, JSON.stringify(mine.errors));
      assert.ok(mine.data.myAccessLog.edges.length > 0);
    });

    const reads: [string, string, 'auditor' | 'citizen', string][] = [
      ['auditEvents', SEARCH, 'auditor', 'auditEvents'],
      ['myAccessLog', MY_LOG, 'citizen', 'myAccessLog'],
      ['auditChains', CHAINS, 'auditor', 'auditChains'],
    ];
    for (const [label, query, persona, field] of reads) {
      it(`${label} is AUDIT_UNAVAILABLE with no data when SELECT on audit_events is revoked`, async () => {
        const response = await restricted.query(query, {}, persona === 'auditor' ? await auditor() : await citizen());
        assert.ok(response.errors && response.errors.length > 0, JSON.stringify(response));
        for (const error of response.errors) assert.equal(error.extensions?.code, 'AUDIT_UNAVAILABLE', JSON.stringify(error));
        assert.equal((response.data as Record<string, unknown> | null | undefined)?.[field] ?? null, null, `no ${field}`);
        assert.doesNotMatch(JSON.stringify(response), /audit_events|denied|sgt_|SELECT/i, 'the driver\'s error stays inside');
        // The response as a whole is the documented 503 (the access-log plugin replaces any AUDIT_UNAVAILABLE answer).
        assert.equal(response.status, 503, JSON.stringify(response));
      });
    }
  });
});
