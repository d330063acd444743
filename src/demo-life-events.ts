/**
 * Life events in the demo. `npm start` turns them on when NATS answers (SAMGRAF_NATS_URL, by default
 * nats://127.0.0.1:4222) and says so either way. `npm start -- --life-events` also plays the seed's promise: a
 * child is born in the population register; within seconds social insurance's webhook receiver (a small demo
 * server, printing to this terminal) offers child allowance to the parents, and the parents' access log shows
 * that social insurance was told.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import type { Knex } from 'knex';
import { Webhook } from 'standardwebhooks';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from './core/db.js';
import type { Config } from './config.js';
import type { DemoIssuer } from './demo-issuer.js';
import { SubscriptionStore } from './events/subscriptions.js';

export const DEFAULT_DEMO_NATS_URL = 'nats://127.0.0.1:4222';

/** Whether a NATS server accepts connections at `url` (host:port), within a second. */
export function natsAnswers(url: string): Promise<boolean> {
  const [host, port] = url.replace(/^nats:\/\//, '').split(',')[0]!.split(':');
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port ?? 4222), host ?? '127.0.0.1', () => done(true));
  });
}

/** Social insurance's side of the scenario: a webhook receiver that verifies each delivery and makes the offer. */
async function childAllowanceDesk(port: number, secret: () => string | null, write: (line: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        new Webhook(secret() ?? '').verify(body, Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
      } catch {
        res.statusCode = 401;
        res.end();
        return;
      }
      const event = JSON.parse(body) as { type: string; id: string; data: { personalNumber?: string; birthDate?: string; related?: { personalNumber: string; relation: string }[] } };
      if (event.type === 'se.samgraf.person.born') {
        const guardians = (event.data.related ?? []).filter((p) => p.relation === 'GUARDIAN').map((p) => p.personalNumber);
        write(`\n[Försäkringskassan, demo receiver] ${event.type} ${event.id} (signature verified)\n`
          + `  A child was born on ${event.data.birthDate} (${event.data.personalNumber}).\n`
          + `  Offer child allowance (barnbidrag) to the guardians: ${guardians.join(' and ') || '(none registered)'} — no application needed.\n`);
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/child-allowance`, server };
}

/**
 * Plays the scenario against a running demo: subscribes social insurance (once per data folder), waits until
 * change capture has read the register, and registers a birth to two married, unprotected parents.
 */
export async function playBirthScenario(config: Config, store: Knex, issuer: DemoIssuer, url: string, port: number, write: (line: string) => void): Promise<() => Promise<void>> {
  const subscriptions = new SubscriptionStore(store);
  let secret: string | null = null;
  const desk = await childAllowanceDesk(port, () => secret, write);
  const existing = (await subscriptions.list()).find((s) => s.webhookUrl === desk.url && s.status === 'active');
  const subscription = existing ?? await subscriptions.create({
    organization: 'FK', events: ['person.born'], purpose: 'benefit-assessment', legalBasis: 'SFB 15 kap. (barnbidrag)',
    scopes: ['citizen:read', 'citizen:relations:read'], municipality: null, webhookUrl: desk.url, expiresAt: null,
  });
  secret = subscription.secret;
  write(`Life events: social insurance (FK) subscribes to person.born, delivered to ${desk.url} (subscription ${subscription.id}).\n`);
  const deadline = Date.now() + 120_000;
  const watched = SOURCE_MODULES.reduce((n, module) => n + (module.changes?.tables.length ?? 0), 0);
  for (;;) {
    const rows: { phase: string }[] = await store('event_capture_positions').select('phase');
    if (rows.length === watched && rows.every((row) => row.phase === 'live')) break;
    if (Date.now() > deadline) throw new Error('change capture did not finish reading the sources within 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The register of persons writes the birth (its module knows how), as Skatteverket's own system would.
  const births = SOURCE_MODULES.find((module) => module.changes?.simulate?.['person.born'] !== undefined)!;
  const register = openDatabase(config.sources[births.name]!.url);
  try {
    const { subject: child, related: parents } = await births.changes!.simulate!['person.born']!(register);
    const token = await issuer.mint({ sub: parents[0] }, { citizen: true, ttlSeconds: 12 * 3600 });
    write(`The population register (Skatteverket) registers a birth: ${child}, guardians ${parents.join(' and ')}.\n`
      + `Within seconds the offer appears below. Then the parent's own access log shows that FK was told:\n`
      + `  curl -s ${url} -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\\n`
      + `    -d '{"query":"{ myAccessLog(first: 5) { edges { node { occurredAt organization purpose dataCategories } } } }"}'\n`);
  } finally {
    await register.destroy();
  }
  return () => new Promise<void>((resolve) => desk.server.close(() => resolve()));
}
