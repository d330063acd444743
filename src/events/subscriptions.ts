/**
 * Subscriptions to life events, per organisation, in samgraf's store: which events, for which purpose and legal
 * basis, with which scopes (what a delivery may carry), optionally for one municipality, delivered to a webhook
 * or kept for a pull feed. Each delivery reads the subscription afresh, so a pause or revocation holds from the
 * moment it is committed. A webhook's signing secret is stored as it is (samgraf signs with it), and shown once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isLifeEventType, LIFE_EVENT_TYPES, type LifeEventType } from '../core/life-events.js';

export const SUBSCRIPTIONS = 'event_subscriptions';
export const CAPTURE_POSITIONS = 'event_capture_positions';
export const CAPTURE_ROWS = 'event_capture_rows';
export const DEAD_LETTERS = 'event_dead_letters';

export type SubscriptionStatus = 'active' | 'paused' | 'revoked';

export interface Subscription {
  id: string;
  organization: string;
  events: readonly LifeEventType[];
  purpose: string;
  legalBasis: string | null;
  scopes: ReadonlySet<string>;
  municipality: string | null;
  /** A webhook URL, or null for a pull feed. */
  webhookUrl: string | null;
  /** `whsec_…`, for a webhook only. */
  secret: string | null;
  status: SubscriptionStatus;
  createdAt: number;
  expiresAt: number | null;
}

interface SubscriptionRow {
  id: string;
  organization: string;
  events: string;
  purpose: string;
  legal_basis: string | null;
  scopes: string;
  municipality: string | null;
  webhook_url: string | null;
  secret: string | null;
  status: string;
  created_at: number | string;
  expires_at: number | string | null;
  changed_at: number | string;
}

export async function createEventTables(db: Knex): Promise<void> {
  await db.schema.createTable(SUBSCRIPTIONS, (t) => {
    t.string('id', 36).primary();
    t.string('organization', 32).notNullable();
    t.string('events', 1000).notNullable();
    t.string('purpose', 100).notNullable();
    t.string('legal_basis', 200).nullable();
    t.string('scopes', 1000).notNullable();
    t.string('municipality', 4).nullable();
    t.string('webhook_url', 2000).nullable();
    t.string('secret', 100).nullable();
    t.string('status', 10).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').nullable();
    t.bigInteger('changed_at').notNullable();
  });
  await db.schema.createTable(CAPTURE_POSITIONS, (t) => {
    t.string('source', 40).notNullable();
    t.string('tbl', 64).notNullable();
    /** `snapshot` while the table's rows are first read (no events), then `live`. */
    t.string('phase', 10).notNullable();
    t.string('mark', 64).nullable();
    /** When the first read began: rows changed since are left to the live rounds, which read on from here. */
    t.string('started_mark', 64).nullable();
    t.bigInteger('updated_at').notNullable();
    t.primary(['source', 'tbl']);
  });
  await db.schema.createTable(CAPTURE_ROWS, (t) => {
    t.string('source', 40).notNullable();
    t.string('tbl', 64).notNullable();
    t.string('key_hash', 64).notNullable();
    t.text('state').notNullable();
    t.primary(['source', 'tbl', 'key_hash']);
  });
  await db.schema.createTable(DEAD_LETTERS, (t) => {
    t.increments('id').primary();
    t.string('subscription_id', 36).notNullable().index();
    t.string('event_id', 64).notNullable();
    t.string('event_type', 40).notNullable();
    t.text('event', 'mediumtext').notNullable();
    t.integer('attempts').notNullable();
    t.string('last_error', 200).notNullable();
    t.bigInteger('failed_at').notNullable();
    t.bigInteger('replayed_at').nullable();
  });
}

export const EVENT_TABLES = [DEAD_LETTERS, CAPTURE_ROWS, CAPTURE_POSITIONS, SUBSCRIPTIONS] as const;

export class SubscriptionInputError extends Error {}

export interface SubscriptionSpec {
  organization: string;
  events: readonly string[];
  purpose: string;
  legalBasis: string | null;
  scopes: readonly string[];
  municipality: string | null;
  webhookUrl: string | null;
  expiresAt: number | null;
}

/** Checks what `subscription create` is given; the scopes and purposes known are the caller's to pass. */
export function checkEvents(events: readonly string[]): LifeEventType[] {
  if (events.length === 0) throw new SubscriptionInputError(`--events is required: a comma-separated list of ${LIFE_EVENT_TYPES.join(', ')}`);
  const unknown = events.filter((type) => !isLifeEventType(type));
  if (unknown.length > 0) throw new SubscriptionInputError(`unknown event type(s): ${unknown.join(', ')}; known: ${LIFE_EVENT_TYPES.join(', ')}`);
  return [...new Set(events)] as LifeEventType[];
}

/** A webhook must be http(s) and say where; credentials in it would be printed by `subscription list`. */
export function checkWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SubscriptionInputError('--webhook takes a URL, e.g. https://fk.example/hooks/samgraf');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SubscriptionInputError('--webhook takes an http:// or https:// URL');
  if (url.username !== '' || url.password !== '') throw new SubscriptionInputError('--webhook must not hold credentials: deliveries are signed with the subscription\'s secret');
  if (text.length > 2000) throw new SubscriptionInputError('--webhook takes at most 2000 characters');
  return url.toString();
}

export class SubscriptionStore {
  constructor(private readonly db: Knex, private readonly now: () => number = Date.now) {}

  /** The new subscription, with its secret (a webhook's; shown once). */
  async create(spec: SubscriptionSpec): Promise<Subscription> {
    const now = this.now();
    const row: SubscriptionRow = {
      id: randomUUID(),
      organization: spec.organization,
      events: JSON.stringify(checkEvents(spec.events)),
      purpose: spec.purpose,
      legal_basis: spec.legalBasis,
      scopes: JSON.stringify([...new Set(spec.scopes)]),
      municipality: spec.municipality,
      webhook_url: spec.webhookUrl,
      // Standard Webhooks: `whsec_` and the base64 of 24 random bytes (192 bits, within the 24–64 it asks for).
      secret: spec.webhookUrl === null ? null : `whsec_${randomBytes(24).toString('base64')}`,
      status: 'active',
      created_at: now,
      expires_at: spec.expiresAt,
      changed_at: now,
    };
    await this.db(SUBSCRIPTIONS).insert(row);
    return fromRow(row);
  }

  async list(): Promise<Subscription[]> {
    const rows: SubscriptionRow[] = await this.db(SUBSCRIPTIONS).select('*').orderBy('created_at');
    return rows.map(fromRow);
  }

  async get(id: string): Promise<Subscription | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const row: SubscriptionRow | undefined = await this.db(SUBSCRIPTIONS).where({ id }).first();
    return row ? fromRow(row) : null;
  }

  /**
   * Pause, resume or revoke. A revoked subscription stays revoked (its rows remain, for the record). Returns false
   * when there is no such subscription, or the change does not apply.
   */
  async setStatus(id: string, status: SubscriptionStatus): Promise<boolean> {
    const from = status === 'active' ? ['paused'] : status === 'paused' ? ['active'] : ['active', 'paused'];
    const changed = await this.db(SUBSCRIPTIONS).where({ id }).whereIn('status', from).update({ status, changed_at: this.now() });
    return changed > 0;
  }

  /** Whether a subscription may receive now: active and not expired. */
  isLive(subscription: Subscription | null): subscription is Subscription {
    return subscription !== null && subscription.status === 'active' && (subscription.expiresAt === null || subscription.expiresAt > this.now());
  }
}

function fromRow(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    organization: row.organization,
    events: JSON.parse(row.events) as LifeEventType[],
    purpose: row.purpose,
    legalBasis: row.legal_basis,
    scopes: new Set(JSON.parse(row.scopes) as string[]),
    municipality: row.municipality,
    webhookUrl: row.webhook_url,
    secret: row.secret,
    status: row.status as SubscriptionStatus,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}
