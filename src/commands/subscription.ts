/** `samgraf subscription create|list|pause|resume|revoke|dead-letters|replay`: life-event subscriptions in the store. */
import type { Knex } from 'knex';
import { isMunicipalityCode, isOrganizationCode, MAX_ORGANIZATION_LENGTH } from '../security/claims.js';
import { SCOPES } from '../security/scopes.js';
import { EventBus } from '../events/bus.js';
import type { CapturedEvent } from '../events/capture.js';
import { checkEvents, checkWebhookUrl, DEAD_LETTERS, SubscriptionInputError, type Subscription, type SubscriptionStore } from '../events/subscriptions.js';
import { CommandInputError, formatTable, parseExpiry } from './apikey.js';

const MAX_LEGAL_BASIS = 200;

export interface SubscriptionInput {
  org?: string | undefined;
  events?: string | undefined;
  purpose?: string | undefined;
  'legal-basis'?: string | undefined;
  scopes?: string | undefined;
  municipality?: string | undefined;
  webhook?: string | undefined;
  pull?: boolean | undefined;
  expires?: string | undefined;
}

const words = (text: string | undefined) => (text ?? '').split(/[\s,]+/).filter((word) => word !== '');

export async function createSubscription(store: SubscriptionStore, input: SubscriptionInput, purposes: readonly string[]): Promise<Subscription> {
  const organization = input.org?.trim();
  if (!organization || !isOrganizationCode(organization)) throw new CommandInputError(`--org CODE is required (1 to ${MAX_ORGANIZATION_LENGTH} letters, digits or -; e.g. FK or 0180)`);
  if (!input.purpose || !purposes.includes(input.purpose)) throw new CommandInputError(`--purpose is required, one of the configured purposes: ${purposes.join(' ')}`);
  const scopes = words(input.scopes);
  if (scopes.length === 0) throw new CommandInputError(`--scopes is required: the scopes the delivered fields need, from: ${SCOPES.join(' ')}`);
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope));
  if (unknown.length > 0) throw new CommandInputError(`unknown scope(s): ${unknown.join(' ')}; known: ${SCOPES.join(' ')}`);
  if (input.municipality !== undefined && !isMunicipalityCode(input.municipality)) throw new CommandInputError('--municipality takes a 4-digit municipality code, e.g. 0180');
  const legalBasis = input['legal-basis']?.trim() || null;
  if (legalBasis !== null && legalBasis.length > MAX_LEGAL_BASIS) throw new CommandInputError(`--legal-basis takes at most ${MAX_LEGAL_BASIS} characters`);
  if ((input.webhook === undefined) === (input.pull !== true)) throw new CommandInputError('give exactly one of --webhook URL and --pull');
  try {
    return await store.create({
      organization,
      events: checkEvents(words(input.events)),
      purpose: input.purpose,
      legalBasis,
      scopes,
      municipality: input.municipality ?? null,
      webhookUrl: input.webhook === undefined ? null : checkWebhookUrl(input.webhook),
      expiresAt: input.expires === undefined ? null : parseExpiry(input.expires).getTime(),
    });
  } catch (error) {
    if (error instanceof SubscriptionInputError) throw new CommandInputError(error.message);
    throw error;
  }
}

export function formatSubscriptions(subscriptions: readonly Subscription[], now = Date.now()): string {
  if (subscriptions.length === 0) return 'no subscriptions\n';
  const header = ['id', 'status', 'organization', 'events', 'purpose', 'scopes', 'municipality', 'delivery', 'created', 'expires'];
  const rows = subscriptions.map((s) => [
    s.id,
    s.status === 'active' && s.expiresAt !== null && s.expiresAt <= now ? 'expired' : s.status,
    s.organization,
    s.events.join(','),
    s.purpose,
    [...s.scopes].join(' '),
    s.municipality ?? '-',
    s.webhookUrl ?? 'pull',
    new Date(s.createdAt).toISOString(),
    s.expiresAt === null ? 'never' : new Date(s.expiresAt).toISOString(),
  ]);
  return formatTable(header, rows);
}

/** What a listing shows of a subscription: never its secret. */
export function publicView(s: Subscription): Record<string, unknown> {
  return { ...s, scopes: [...s.scopes], secret: undefined, delivery: s.webhookUrl === null ? 'pull' : 'webhook' };
}

interface DeadLetterRow {
  id: number;
  event_id: string;
  event_type: string;
  event: string;
  attempts: number;
  last_error: string;
  failed_at: number | string;
}

/** The events a subscription's webhook kept refusing, not yet replayed (no personal data: ids, types, reasons). */
export async function deadLetters(db: Knex, subscriptionId: string): Promise<string> {
  const rows: DeadLetterRow[] = await db(DEAD_LETTERS).where({ subscription_id: subscriptionId }).whereNull('replayed_at').orderBy('id');
  if (rows.length === 0) return 'no dead letters\n';
  return rows.map((row) => `${row.id}  ${row.event_id}  ${row.event_type}  attempts ${row.attempts}  ${row.last_error}  ${new Date(Number(row.failed_at)).toISOString()}`).join('\n') + '\n';
}

/** Sends a subscription's dead letters again (through the bus, to that subscription only); returns how many. */
export async function replayDeadLetters(db: Knex, events: { natsUrl?: string | undefined; stream: string; retentionDays: number }, subscriptionId: string): Promise<number> {
  const { natsUrl, stream } = events;
  if (natsUrl === undefined) throw new CommandInputError('events.natsUrl is not set in the config: there is no bus to replay through');
  const rows: DeadLetterRow[] = await db(DEAD_LETTERS).where({ subscription_id: subscriptionId }).whereNull('replayed_at').orderBy('id');
  if (rows.length === 0) return 0;
  const bus = await EventBus.connect(natsUrl, stream, events.retentionDays * 86_400_000);
  try {
    const now = Date.now();
    for (const row of rows) {
      await bus.replay(subscriptionId, JSON.parse(row.event) as CapturedEvent, `replay_${row.id}_${now}`);
      await db(DEAD_LETTERS).where({ id: row.id }).update({ replayed_at: now });
    }
  } finally {
    await bus.close();
  }
  return rows.length;
}
