/**
 * Life events end to end (src/events): changes in the sources (MariaDB, the income register on PostgreSQL) go
 * through NATS JetStream to webhook subscribers, signed as Standard Webhooks, as CloudEvents carrying only what
 * each subscription's scopes allow, each delivery a read in the access log committed before it is sent; a
 * municipality's subscription never learns of a protected person; a revoked subscription gets nothing more; a
 * webhook that keeps failing fills the dead letters, which replay with the same webhook-id; partners pull. Two
 * replicas run side by side throughout.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { Webhook } from 'standardwebhooks';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { openDatabase } from '../src/core/db.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { consumerName } from '../src/events/bus.js';
import { SubscriptionStore, type Subscription } from '../src/events/subscriptions.js';
import { replayDeadLetters } from '../src/commands/subscription.js';
import { DEFAULT_PURPOSES } from '../src/config.js';
import { MOVER, NEWBORN as CHILD, PARENT_A as A, PARENT_B as B, decision, legacyDatabases, person, pnr, type LegacyDatabases } from './helpers/life-events.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { testIssuers } from './helpers/tokens.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const HIDDEN = pnr('19720606', '444');
const BECOMES_HIDDEN = pnr('19730707', '551');
const SECOND_CHILD = pnr('20260107', '002');

interface Received {
  id: string;
  body: Record<string, any>;
  /** Whether the access log held the delivery's event when the request arrived. */
  loggedFirst: boolean;
}

/** A webhook receiver that verifies each signature, checks the access log first, and answers `status()`. */
async function receiver(store: Knex, secret: () => string, status: () => number = () => 204) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void (async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      new Webhook(secret()).verify(body, headers); // throws on a bad signature: the test then times out on the count
      const parsed = JSON.parse(body) as Record<string, any>;
      const logged = await store('audit_events').where({ request_id: headers['webhook-id'], principal_type: 'SUBSCRIPTION', principal_subject: parsed.samgrafsubscription }).first();
      received.push({ id: headers['webhook-id']!, body: parsed, loggedFirst: logged !== undefined });
      res.statusCode = status();
      res.end();
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('life events delivered to subscribers', () => {
  let legacy: LegacyDatabases;
  let server: TestServer;
  let replica: TestServer;
  let store: Knex;
  let subscriptions: SubscriptionStore;
  const stream = `T_${randomBytes(6).toString('hex')}`;
  const receivers: Awaited<ReturnType<typeof receiver>>[] = [];
  const subs: Record<string, Subscription> = {};
  const hook = async (name: string, spec: { events: string[]; scopes: string; municipality?: string; org?: string }, status?: () => number) => {
    let secret = '';
    const r = await receiver(store, () => secret, status);
    receivers.push(r);
    const created = await subscriptions.create({
      organization: spec.org ?? 'FK', events: spec.events, purpose: 'benefit-assessment', legalBasis: 'SFB 110 kap. 31 §',
      scopes: spec.scopes.split(' '), municipality: spec.municipality ?? null, webhookUrl: r.url, expiresAt: null,
    });
    secret = created.secret!;
    subs[name] = created;
    return r;
  };

  before(async () => {
    legacy = await legacyDatabases('mariadb');
    const t0 = '2026-01-10 10:00:00';
    await legacy.db.populationRegister!('FB_PERSON').insert([
      person(A, t0), person(B, t0), person(MOVER, t0), person(BECOMES_HIDDEN, t0),
      person(HIDDEN, t0, { SKYDDAD_FB: 'J', UTDELNINGSADRESS: 'Box 1', POSTNR: '10000' }),
    ]);
    await legacy.db.socialInsurance!('FK_BESLUT').insert([decision(1, A, 'I', t0)]);
    const overrides = {
      purposes: DEFAULT_PURPOSES,
      events: { natsUrl: NATS_URL, stream, pollIntervalSeconds: 0.2, lateCommitSeconds: 2, webhookTimeoutSeconds: 2, maxAttempts: 3 },
    };
    // Two replicas on one store and one stream: they take turns capturing and share the deliveries, and every
    // guarantee below holds with both running.
    server = await startTestServer({ ...legacy.urls, store: legacy.storeUrl } as never, overrides);
    replica = await startTestServer({ ...legacy.urls, store: legacy.storeUrl } as never, overrides);
    store = openDatabase(legacy.storeUrl);
    subscriptions = new SubscriptionStore(store);
    await until('the first snapshot of every watched table', async () => {
      const rows = await store('event_capture_positions').select('phase');
      return rows.length === 5 && rows.every((row: { phase: string }) => row.phase === 'live');
    });
  });
  after(async () => {
    await server?.close();
    await replica?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await store?.destroy();
    const nc = await connect({ servers: NATS_URL.replace('nats://', '') });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc.close();
    await legacy?.drop();
  });

  it('delivers each change to each subscriber, with only what its scopes allow, logged before it is sent', async () => {
    const full = await hook('full', { events: ['person.born', 'benefit.decided'], scopes: 'citizen:read citizen:relations:read benefit:read' });
    const anonymous = await hook('anonymous', { events: ['person.born', 'person.moved', 'benefit.decided'], scopes: 'citizen:address:read benefit:read' });
    const municipal = await hook('municipal', { events: ['person.born', 'person.moved', 'person.protection-changed'], scopes: 'citizen:read citizen:address:read', municipality: '0180', org: '0180' });
    const revoked = await hook('revoked', { events: ['person.born'], scopes: 'citizen:read' });
    const t1 = '2026-01-10 12:00:00';
    const fb = legacy.db.populationRegister!;
    await fb('FB_PERSON').insert(person(CHILD, t1, { FOLKBOKFORINGSDATUM: '20260106' }));
    await fb('FB_RELATION').insert([{ PERSONID: CHILD, RELID: A, RELTYP: 'VH' }, { PERSONID: CHILD, RELID: B, RELTYP: 'VH' }]);
    await fb('FB_PERSON').where('PERSONID', MOVER).update({ UTDELNINGSADRESS: 'Nygatan 9', SENAST_ANDRAD: t1 });
    await fb('FB_PERSON').where('PERSONID', HIDDEN).update({ UTDELNINGSADRESS: 'Box 2', SENAST_ANDRAD: t1 });
    await fb('FB_PERSON').where('PERSONID', BECOMES_HIDDEN).update({ SEKRETESS: 'J', SENAST_ANDRAD: t1 });
    await legacy.db.socialInsurance!('FK_BESLUT').where('BESLUT_ID', 1).update({ STATUS: 'B', BESLUTSDATUM: '2026-01-10', ANDRAD_TS: t1 });

    await until('the deliveries', () => full.received.length >= 2 && anonymous.received.length >= 3 && municipal.received.length >= 2 && revoked.received.length >= 1);
    const byType = (r: typeof full) => Object.fromEntries(r.received.map((d) => [d.body.type, d.body]));

    const born = byType(full)['se.samgraf.person.born'];
    assert.equal(born.specversion, '1.0');
    assert.equal(born.data.personalNumber, CHILD);
    assert.deepEqual(born.data.related.map((p: { personalNumber: string }) => p.personalNumber).sort(), [A, B].sort());
    assert.equal(born.data.municipalityCode, undefined, 'no citizen:address:read');
    assert.equal(byType(full)['se.samgraf.benefit.decided'].data.personalNumber, A);
    assert.equal(byType(full)['se.samgraf.benefit.decided'].data.benefitType, 'CHILD_ALLOWANCE');

    // Without citizen:read: never a personal number, nor the people related.
    const bodies = JSON.stringify(anonymous.received.map((d) => d.body));
    for (const number of [A, B, CHILD, MOVER]) assert.ok(!bodies.includes(number) && !bodies.includes(number.slice(2, 8)), 'no personal number without citizen:read');
    assert.deepEqual(anonymous.received.map((d) => d.body.type).sort(), ['se.samgraf.benefit.decided', 'se.samgraf.person.born', 'se.samgraf.person.moved']);
    assert.equal(byType(anonymous)['se.samgraf.person.moved'].data.address[0], 'Nygatan 9');

    // The municipality's subscription: the birth and the move in 0180, nothing of the protected people.
    assert.deepEqual(municipal.received.map((d) => `${d.body.type} ${d.body.data.personalNumber}`).sort(), [`se.samgraf.person.born ${CHILD}`, `se.samgraf.person.moved ${MOVER}`].sort());
    for (const r of receivers) assert.ok(!JSON.stringify(r.received).includes(HIDDEN) && !JSON.stringify(r.received).includes(BECOMES_HIDDEN));

    // One change, one webhook-id, the same for every subscriber; every delivery logged before it arrived.
    const birthIds = new Set(receivers.flatMap((r) => r.received.filter((d) => d.body.type === 'se.samgraf.person.born').map((d) => d.id)));
    assert.equal(birthIds.size, 1);
    assert.ok(receivers.every((r) => r.received.every((d) => d.loggedFirst && d.id === d.body.id)));

    // The parents' access log shows who was told, and why.
    const { citizen } = await testIssuers();
    const log = await server.query('{ myAccessLog(first: 50) { edges { node { organization purpose dataCategories } } } }', undefined,
      { authorization: `Bearer ${await citizen.mint({ sub: A })}`, 'x-purpose': 'self-service' });
    assert.equal(log.errors, undefined, JSON.stringify(log.errors));
    const entries = log.data.myAccessLog.edges.map((e: { node: { organization: string; purpose: string; dataCategories: string[] } }) => e.node);
    assert.ok(entries.some((e: { organization: string; dataCategories: string[] }) => e.organization === 'FK' && e.dataCategories.includes('RELATIONS')), 'the child\'s birth named the parent');
    assert.ok(entries.some((e: { organization: string; dataCategories: string[] }) => e.organization === 'FK' && e.dataCategories.includes('BENEFITS')));
  });

  it('sends nothing to a subscription after its revocation is committed', async () => {
    const full = receivers[0]!;
    const revoked = receivers[3]!;
    assert.equal(await subscriptions.setStatus(subs.revoked!.id, 'revoked'), true);
    await legacy.db.populationRegister!('FB_PERSON').insert(person(SECOND_CHILD, '2026-01-10 13:00:00', { FOLKBOKFORINGSDATUM: '20260108' }));
    await until('the second birth at a live subscriber', () => full.received.some((d) => d.body.data.personalNumber === SECOND_CHILD));
    const nc = await connect({ servers: NATS_URL.replace('nats://', '') });
    try {
      const jsm = await jetstreamManager(nc);
      await until('the revoked subscription\'s consumer to be gone', async () => jsm.consumers.info(stream, consumerName(subs.revoked!.id)).then(() => false, () => true));
    } finally {
      await nc.close();
    }
    assert.deepEqual(revoked.received.map((d) => d.body.data.personalNumber), [CHILD]);
  });

  it('moves an event a webhook keeps refusing to the dead letters, and replays it with the same webhook-id', async () => {
    let status = 500;
    const failing = await hook('failing', { events: ['benefit.decided'], scopes: 'benefit:read' }, () => status);
    await legacy.db.socialInsurance!('FK_BESLUT').insert(decision(2, B, 'B', '2026-01-10 14:00:00'));
    await until('the dead letter', async () => (await store('event_dead_letters').where({ subscription_id: subs.failing!.id })).length === 1);
    assert.equal(failing.received.length, 3, 'events.maxAttempts');
    assert.equal(new Set(failing.received.map((d) => d.id)).size, 1);
    status = 204;
    assert.equal(await replayDeadLetters(store, { natsUrl: NATS_URL, stream, retentionDays: 7 }, subs.failing!.id), 1);
    await until('the replayed delivery', () => failing.received.length === 4);
    assert.equal(failing.received[3]!.id, failing.received[0]!.id);
    assert.equal(failing.received[3]!.body.data.benefitId, '2');
  });

  it('serves a pull feed to the subscribing organisation only', async () => {
    const pull = await subscriptions.create({ organization: 'FK', events: ['benefit.decided'], purpose: 'benefit-assessment', legalBasis: null, scopes: ['citizen:read', 'benefit:read'], municipality: null, webhookUrl: null, expiresAt: null });
    const keys = new ApiKeyStore(store, DEFAULT_PURPOSES);
    const fk = await keys.create({ organization: 'FK', name: 'fk', scopes: ['citizen:read', 'benefit:read'], purposes: ['benefit-assessment'], municipality: null, expiresAt: null });
    const other = await keys.create({ organization: 'AF', name: 'af', scopes: ['citizen:read', 'benefit:read'], purposes: ['benefit-assessment'], municipality: null, expiresAt: null });
    const base = server.url.replace('/graphql', '/events');
    await legacy.db.socialInsurance!('FK_BESLUT').insert(decision(3, MOVER, 'B', '2026-01-10 15:00:00'));
    let page: { events: Record<string, any>[]; next: string } = { events: [], next: '' };
    await until('the pulled event', async () => {
      const response = await fetch(`${base}?subscription=${pull.id}`, { headers: { 'x-api-key': fk.key } });
      assert.equal(response.status, 200);
      page = await response.json() as typeof page;
      return page.events.length > 0;
    });
    assert.deepEqual(page.events.map((e) => [e.type, e.data.personalNumber]), [['se.samgraf.benefit.decided', MOVER]]);
    const next = await (await fetch(`${base}?subscription=${pull.id}&after=${page.next}`, { headers: { 'x-api-key': fk.key } })).json() as typeof page;
    assert.deepEqual(next.events, []);
    const logged = await store('audit_events').where({ operation_name: `GET /events?subscription=${pull.id}` });
    assert.equal(logged.length, 1, 'one read per page that sent events');
    assert.deepEqual([logged[0].principal_type, logged[0].principal_api_key_id, logged[0].purpose], ['API_KEY', fk.id, 'benefit-assessment'], 'the caller read it');
    // A cursor from before the subscription existed reads nothing from before it.
    const early = await (await fetch(`${base}?subscription=${pull.id}&after=0`, { headers: { 'x-api-key': fk.key } })).json() as typeof page;
    assert.deepEqual(early.events.map((e) => e.data.personalNumber), [MOVER], 'only what came after the subscription');

    const stranger = await fetch(`${base}?subscription=${pull.id}`, { headers: { 'x-api-key': other.key } });
    assert.equal(stranger.status, 404);
    assert.equal(((await stranger.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'SUBSCRIPTION_NOT_FOUND');
    assert.equal((await fetch(`${base}?subscription=${pull.id}`)).status, 401);
    // An officer of FK whose token is bound to another purpose may not read the subscription's.
    const { staff } = await testIssuers();
    const bound = await staff.mint({ sub: 'fk-officer', org: 'FK', scope: 'citizen:read benefit:read', purposes: ['benefit-assessment', 'audit'], purpose: 'audit' });
    const refused = await fetch(`${base}?subscription=${pull.id}`, { headers: { authorization: `Bearer ${bound}` } });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'PURPOSE_NOT_ALLOWED');
    for (const query of [`subscription=${pull.id}&after=-1`, `subscription=${pull.id}&after=abc`, `subscription=${pull.id}&limit=0`, `subscription=${pull.id}&limit=501`, 'subscription=x%00y', '', `subscription=${pull.id}&after=9999999999999999999`]) {
      const bad = await fetch(`${base}?${query}`, { headers: { 'x-api-key': fk.key } });
      assert.ok(bad.status === 400 || bad.status === 404, `${query}: ${bad.status}`);
    }
    await subscriptions.setStatus(pull.id, 'revoked');
    const afterRevocation = await fetch(`${base}?subscription=${pull.id}`, { headers: { 'x-api-key': fk.key } });
    assert.equal(afterRevocation.status, 403);
  });
});
