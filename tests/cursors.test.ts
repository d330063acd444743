/**
 * Cursors carry no personal data (issue 12, item 3): every `after` of citizensByMunicipality, auditEvents and
 * myAccessLog is sealed with the store's key and bound to its list. Paging still returns everything once, in
 * order; two servers on one store continue each other's pages; an altered, truncated, oversized or foreign
 * cursor — of another list, another municipality, another citizen or another store — is BAD_USER_INPUT.
 * On seeded MariaDB sources, one store shared by two servers and a second store migrated as `samgraf migrate`
 * does, served with autoMigrate off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/core/db.js';
import { migrateStore } from '../src/store/migrations.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const MUNICIPALITY = `query Municipality($code: String!, $first: Int, $after: String) {
  citizensByMunicipality(code: $code, first: $first, after: $after) {
    edges { cursor node { personalNumber } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const SEARCH = `query Search($subject: String, $first: Int, $after: String) {
  auditEvents(filter: { subject: $subject }, first: $first, after: $after) {
    edges { cursor node { id occurredAt writer seq principal { type } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const MY_LOG = `query MyLog($first: Int, $after: String) {
  myAccessLog(first: $first, after: $after) {
    edges { cursor node { occurredAt organization } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CITIZEN = 'query Citizen($p: String!) { citizen(personalNumber: $p) { personalNumber familyName } }';

const NOT_OURS = /^after is not a cursor this server issued$/;

interface Edge { cursor: string; node: Record<string, unknown> }
interface Connection { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }

/** Every way a position could be read out of a cursor as text: as sent, and its bytes as text. */
function readings(cursor: string): string[] {
  const bytes = Buffer.from(cursor, 'base64url');
  return [cursor, bytes.toString('utf8'), bytes.toString('latin1')];
}

/** A cursor's text and hex readings hold none of these values (hex: a position could be stored as hex digits). */
function assertHoldsNone(cursor: string, values: readonly string[], what: string): void {
  const hex = Buffer.from(cursor, 'base64url').toString('hex');
  for (const text of readings(cursor)) assert.doesNotMatch(text, /\d{10}/, `a cursor holds no run of 10 digits (${what}): ${cursor}`);
  for (const value of values) {
    assert.ok(![...readings(cursor), hex].some((text) => text.toLowerCase().includes(value.toLowerCase())), `cursor ${cursor} holds ${what}`);
  }
}

function flipped(cursor: string, index: number): string {
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[index]! ^= 0xff;
  return bytes.toString('base64url');
}

describe('cursors carry no personal data and are refused when not issued for the list', () => {
  let seeded: SeededSources;
  let otherStore: TestDatabases;
  let server: TestServer;
  let replica: TestServer;
  let stranger: TestServer;
  let large: string;
  let small: string;
  let citizenC: string;
  let auditorHeaders: () => Promise<Record<string, string>>;
  let citizenHeaders: (pnr: string) => Promise<Record<string, string | undefined>>;

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 200, seed: 'cursors' });
    server = await startTestServer(seeded.urls);
    replica = await startTestServer(seeded.urls);
    // Another store, migrated the way `samgraf migrate` does it, then served with autoMigrate off.
    otherStore = await createTestDatabases(['store']);
    const db = openDatabase(otherStore.urls.store!);
    try {
      await migrateStore(db);
    } finally {
      await db.destroy();
    }
    stranger = await startTestServer({ ...seeded.urls, store: otherStore.urls.store! }, { store: { url: otherStore.urls.store!, autoMigrate: false } });

    const register = openDatabase(seeded.urls.populationRegister);
    try {
      const counts = await register('FB_PERSON').select('KOMMUNKOD').count({ n: '*' }).groupBy('KOMMUNKOD').orderBy('n', 'desc') as { KOMMUNKOD: string; n: number }[];
      large = String(counts[0]!.KOMMUNKOD).trim();
      small = String(counts.find((row) => Number(row.n) >= 3 && String(row.KOMMUNKOD).trim() !== large)!.KOMMUNKOD).trim();
    } finally {
      await register.destroy();
    }
    const { staff, citizen } = await testIssuers();
    auditorHeaders = async () => ({ authorization: `Bearer ${await staff.mint({ sub: 'isp-granskare-1', org: 'ISP', scope: 'audit:read', purposes: ['audit'] })}`, 'x-purpose': 'audit' });
    citizenHeaders = async (pnr) => ({ authorization: `Bearer ${await citizen.mint({ sub: pnr })}`, 'x-purpose': undefined });
  });

  after(async () => {
    await Promise.all([server?.close(), replica?.close(), stranger?.close()]);
    await seeded?.drop();
    await otherStore?.drop();
  });

  async function municipalityPage(on: TestServer, code: string, first: number, afterCursor: string | null): Promise<Connection> {
    const response = await on.query(MUNICIPALITY, { code, first, after: afterCursor });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data.citizensByMunicipality;
  }

  /** Pages a connection to its end; returns the nodes and every cursor seen. */
  async function pageAll(fetchPage: (afterCursor: string | null) => Promise<Connection>): Promise<{ nodes: Record<string, unknown>[]; cursors: string[] }> {
    const nodes: Record<string, unknown>[] = [];
    const cursors: string[] = [];
    let afterCursor: string | null = null;
    for (let pages = 0; ; pages += 1) {
      assert.ok(pages < 200, 'paging ends');
      const connection: Connection = await fetchPage(afterCursor);
      nodes.push(...connection.edges.map((edge) => edge.node));
      cursors.push(...connection.edges.map((edge) => edge.cursor));
      if (connection.pageInfo.endCursor !== null) cursors.push(connection.pageInfo.endCursor);
      if (!connection.pageInfo.hasNextPage) return { nodes, cursors };
      afterCursor = connection.pageInfo.endCursor;
    }
  }

  function expectNotOurs(response: GraphQLResponse, field: string, label: string): void {
    assert.equal(response.status, 200, label);
    assert.equal(response.errors?.length, 1, `${label}: ${JSON.stringify(response.errors)}`);
    assert.equal(response.errors![0]!.extensions?.code, 'BAD_USER_INPUT', `${label}: ${JSON.stringify(response.errors)}`);
    assert.match(response.errors![0]!.message, NOT_OURS, label);
    assert.deepEqual(response.errors![0]!.path, [field], label);
    assert.equal(response.data ?? null, null, `${label}: no data`);
  }

  it('citizensByMunicipality: pages hold every resident once, in order, and no cursor holds a personal number', async () => {
    const whole = await municipalityPage(server, large, 100, null);
    assert.equal(whole.pageInfo.hasNextPage, false, 'the municipality fits one page of 100 (the test needs the whole list)');
    const expected = whole.edges.map((edge) => edge.node.personalNumber as string);
    assert.ok(expected.length >= 10);

    const paged = await pageAll((afterCursor) => municipalityPage(server, large, 3, afterCursor));
    assert.deepEqual(paged.nodes.map((node) => node.personalNumber), expected);
    citizenC = expected[0]!;

    const numbers = expected.flatMap((pnr) => [pnr, pnr.slice(2)]);
    for (const cursor of [...paged.cursors, ...whole.edges.map((edge) => edge.cursor)]) assertHoldsNone(cursor, numbers, 'a personal number');
  });

  it('auditEvents and myAccessLog: every event once, in order, and no cursor holds a time, a writer or a personal number', async () => {
    // Three reads of C by staff: C's own log then has at least three entries to page through.
    for (let i = 0; i < 3; i += 1) assert.equal((await server.query(CITIZEN, { p: citizenC })).errors, undefined);

    const paged = await pageAll(async (afterCursor) => {
      const response = await server.query(SEARCH, { subject: citizenC, first: 1, after: afterCursor }, await auditorHeaders());
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data.auditEvents;
    });
    assert.ok(paged.nodes.length >= 5, 'the municipality pages and three reads name C');
    // The same search in one page, after: the paging's own searches name C too and come first, newest first.
    const whole = await server.query(SEARCH, { subject: citizenC, first: 100 }, await auditorHeaders());
    assert.equal(whole.errors, undefined, JSON.stringify(whole.errors));
    const all = (whole.data.auditEvents as Connection).edges.map((edge) => edge.node);
    const expected = all.slice(all.length - paged.nodes.length);
    assert.deepEqual(paged.nodes, expected);

    const mine = await pageAll(async (afterCursor) => {
      const response = await server.query(MY_LOG, { first: 1, after: afterCursor }, await citizenHeaders(citizenC));
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data.myAccessLog;
    });
    // Every read of C by others, once, newest first: the reads above, and the auditor's searches naming C.
    const now = await server.query(SEARCH, { subject: citizenC, first: 100 }, await auditorHeaders());
    const byOthers = (now.data.auditEvents as Connection).edges.map((edge) => edge.node).filter((node) => (node.principal as { type: string }).type !== 'CITIZEN');
    assert.ok(byOthers.length > expected.length);
    assert.deepEqual(mine.nodes.map((node) => node.occurredAt), byOthers.map((node) => node.occurredAt));

    const telling = [
      citizenC, citizenC.slice(2),
      ...byOthers.flatMap((event) => [event.writer as string, (event.writer as string).replaceAll('-', ''), event.occurredAt as string, String(Date.parse(event.occurredAt as string))]),
    ];
    for (const cursor of [...paged.cursors, ...mine.cursors]) assertHoldsNone(cursor, telling, 'a personal number, a writer or a time');
  });

  it('an altered, truncated, extended or oversized cursor is BAD_USER_INPUT', async () => {
    const page = await municipalityPage(server, large, 2, null);
    const cursor = page.pageInfo.endCursor!;
    assert.equal((await server.query(MUNICIPALITY, { code: large, first: 2, after: cursor })).errors, undefined, 'the cursor as issued pages on');
    const bytes = Buffer.from(cursor, 'base64url').length;
    const altered: [string, string][] = Array.from({ length: bytes }, (_, i) => [`byte ${i} flipped`, flipped(cursor, i)]);
    altered.push(
      ['the last byte cut off', Buffer.from(cursor, 'base64url').subarray(0, -1).toString('base64url')],
      ['the first character cut off', cursor.slice(1)],
      ['a byte appended', Buffer.concat([Buffer.from(cursor, 'base64url'), Buffer.from([0])]).toString('base64url')],
      ['twice over', cursor + cursor],
      ['oversized', 'A'.repeat(100_000)],
      ['standard base64 with padding', `${Buffer.from(cursor, 'base64url').toString('base64')}`],
    );
    for (const [label, after] of altered) {
      if (after === cursor) continue;
      expectNotOurs(await server.query(MUNICIPALITY, { code: large, first: 2, after }), 'citizensByMunicipality', label);
    }

    const event = await server.query(SEARCH, { first: 1 }, await auditorHeaders());
    const eventCursor = (event.data.auditEvents as Connection).pageInfo.endCursor!;
    for (let i = 0; i < Buffer.from(eventCursor, 'base64url').length; i += 1) {
      expectNotOurs(await server.query(SEARCH, { first: 1, after: flipped(eventCursor, i) }, await auditorHeaders()), 'auditEvents', `event cursor byte ${i} flipped`);
    }
  });

  it('a cursor is refused by another list: another municipality, another kind, another citizen', async () => {
    const ofLarge = (await municipalityPage(server, large, 1, null)).pageInfo.endCursor!;
    const ofSmall = (await municipalityPage(server, small, 1, null)).pageInfo.endCursor!;
    expectNotOurs(await server.query(MUNICIPALITY, { code: small, first: 1, after: ofLarge }), 'citizensByMunicipality', 'another municipality\'s cursor');
    expectNotOurs(await server.query(MUNICIPALITY, { code: large, first: 1, after: ofSmall }), 'citizensByMunicipality', 'another municipality\'s cursor');

    const search = (await server.query(SEARCH, { first: 1 }, await auditorHeaders())).data.auditEvents as Connection;
    const auditCursor = search.pageInfo.endCursor!;
    const myLog = (await server.query(MY_LOG, { first: 1 }, await citizenHeaders(citizenC))).data.myAccessLog as Connection;
    const myCursor = myLog.pageInfo.endCursor!;
    assert.ok(auditCursor && myCursor);

    expectNotOurs(await server.query(MUNICIPALITY, { code: large, first: 1, after: auditCursor }), 'citizensByMunicipality', 'an auditEvents cursor');
    expectNotOurs(await server.query(MUNICIPALITY, { code: large, first: 1, after: myCursor }), 'citizensByMunicipality', 'a myAccessLog cursor');
    expectNotOurs(await server.query(SEARCH, { first: 1, after: ofLarge }, await auditorHeaders()), 'auditEvents', 'a municipality cursor');
    expectNotOurs(await server.query(SEARCH, { first: 1, after: myCursor }, await auditorHeaders()), 'auditEvents', 'a myAccessLog cursor');
    expectNotOurs(await server.query(MY_LOG, { first: 1, after: auditCursor }, await citizenHeaders(citizenC)), 'myAccessLog', 'an auditEvents cursor');
    expectNotOurs(await server.query(MY_LOG, { first: 1, after: ofLarge }, await citizenHeaders(citizenC)), 'myAccessLog', 'a municipality cursor');

    // C's cursor does not page anyone else's log.
    const other = (await municipalityPage(server, large, 2, null)).edges[1]!.node.personalNumber as string;
    expectNotOurs(await server.query(MY_LOG, { first: 1, after: myCursor }, await citizenHeaders(other)), 'myAccessLog', 'another citizen\'s cursor');
  });

  it('two servers on one store continue each other\'s pages; a server with another store refuses them', async () => {
    const first = await municipalityPage(server, large, 4, null);
    const onServer = await municipalityPage(server, large, 4, first.pageInfo.endCursor);
    const onReplica = await municipalityPage(replica, large, 4, first.pageInfo.endCursor);
    assert.deepEqual(onReplica.edges.map((edge) => edge.node), onServer.edges.map((edge) => edge.node));
    const back = await municipalityPage(server, large, 4, onReplica.pageInfo.endCursor);
    assert.deepEqual(back.edges.map((edge) => edge.node), (await municipalityPage(replica, large, 4, onServer.pageInfo.endCursor)).edges.map((edge) => edge.node));

    const search = (await server.query(SEARCH, { first: 1 }, await auditorHeaders())).data.auditEvents as Connection;
    const onReplicaSearch = await replica.query(SEARCH, { first: 1, after: search.pageInfo.endCursor }, await auditorHeaders());
    assert.equal(onReplicaSearch.errors, undefined, JSON.stringify(onReplicaSearch.errors));

    // The stranger serves the same sources from a store of its own (migrated, not auto-migrated): its own cursors work …
    const strangers = await municipalityPage(stranger, large, 4, null);
    assert.deepEqual(strangers.edges.map((edge) => edge.node), first.edges.map((edge) => edge.node));
    assert.equal((await stranger.query(MUNICIPALITY, { code: large, first: 4, after: strangers.pageInfo.endCursor })).errors, undefined);
    // … and the others' are not its own.
    expectNotOurs(await stranger.query(MUNICIPALITY, { code: large, first: 4, after: first.pageInfo.endCursor }), 'citizensByMunicipality', 'another store\'s cursor');
    expectNotOurs(await server.query(MUNICIPALITY, { code: large, first: 4, after: strangers.pageInfo.endCursor }), 'citizensByMunicipality', 'another store\'s cursor');
    expectNotOurs(await stranger.query(SEARCH, { first: 1, after: search.pageInfo.endCursor }, await auditorHeaders()), 'auditEvents', 'another store\'s event cursor');
  });
});
