/**
 * Delivers life events to webhook subscriptions. Each replica runs a loop per live subscription on its durable
 * consumer (src/events/bus.ts); for each message:
 * 1. the subscription is read afresh: paused, revoked or expired, and nothing is sent;
 * 2. the delivery is decided (src/events/delivery.ts) from the people as the register has them now;
 * 3. its access-log event is committed — if it cannot be, nothing is sent and the message comes back later;
 * 4. the subscription is read once more (a revocation committed meanwhile holds), then the CloudEvent is POSTed,
 *    signed as Standard Webhooks 1.0 (`webhook-id` is the event's id, the same for every attempt).
 * A 2xx acknowledges it. Anything else is retried with growing delays; after `events.maxAttempts` the event goes to
 * the dead letters, which `samgraf subscription replay` sends again.
 */
import type { Knex } from 'knex';
import { Webhook } from 'standardwebhooks';
import type { JsMsg } from '@nats-io/jetstream';
import type { AuditEvent, EventDraft } from '../access-log/event.js';
import type { PersonRecord } from '../core/source-module.js';
import type { Logger } from '../log.js';
import type { EventBus } from './bus.js';
import type { CapturedEvent } from './capture.js';
import { peopleOf, prepareDelivery } from './delivery.js';
import { DEAD_LETTERS, type Subscription, type SubscriptionStore } from './subscriptions.js';

export interface DispatchOptions {
  maxAttempts: number;
  /** Dead letters older than this are deleted (they hold whole events). */
  retentionMs: number;
  webhookTimeoutMs: number;
  /** How often the subscriptions are read for ones to start or stop. */
  reconcileMs: number;
}

export interface DispatchDeps {
  bus: EventBus;
  subscriptions: SubscriptionStore;
  store: Knex;
  auditLog: { append(draft: EventDraft): Promise<AuditEvent> };
  people(personalNumbers: readonly string[]): Promise<ReadonlyMap<string, PersonRecord | null>>;
  logger: Logger;
  observe?: (result: DeliveryResult) => void;
}

export type DeliveryResult = 'delivered' | 'withheld' | 'retried' | 'dead-lettered';

/** Seconds before attempt n + 1 (then the last, repeated): 1 s, 5 s, 30 s, 2 min, 10 min, 30 min. */
const RETRY_DELAYS_MS = [1000, 5000, 30_000, 120_000, 600_000, 1_800_000];

const PRUNE_EVERY_MS = 10 * 60_000;

/** Deliveries one subscription has in progress at once, per replica. */
const CONCURRENT_DELIVERIES = 16;

/** Every attempt waits at least this long when the store or the register failed: it is samgraf's fault, not the receiver's. */
const INTERNAL_RETRY_MS = 2000;

export function retryDelayMs(attempt: number): number {
  return RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)]!;
}

interface Loop {
  stopped: boolean;
  done: Promise<void>;
}

export class Dispatcher {
  private readonly loops = new Map<string, Loop>();
  private readonly forgotten = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private prunedAt = 0;

  constructor(private readonly deps: DispatchDeps, private readonly options: DispatchOptions) {}

  start(): void {
    const tick = () => {
      void this.reconcile().catch((error: unknown) => this.deps.logger.warn({ code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: could not read the subscriptions'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.reconcileMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const loop of this.loops.values()) loop.stopped = true;
    await Promise.all([...this.loops.values()].map((loop) => loop.done));
  }

  /** Starts a loop for each live webhook subscription and stops the others'; a revoked one's consumer is deleted. */
  async reconcile(): Promise<void> {
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await this.deps.store(DEAD_LETTERS).where('failed_at', '<', Date.now() - this.options.retentionMs).delete();
    }
    const all = await this.deps.subscriptions.list();
    for (const subscription of all.filter((s) => s.webhookUrl !== null)) {
      const live = this.deps.subscriptions.isLive(subscription);
      const loop = this.loops.get(subscription.id);
      if (live && loop === undefined && !this.stopped) this.startLoop(subscription);
      if (!live && loop !== undefined) loop.stopped = true;
      if (subscription.status === 'revoked' && !this.forgotten.has(subscription.id)) {
        this.forgotten.add(subscription.id);
        await this.deps.bus.deleteConsumer(subscription.id);
      }
    }
  }

  private startLoop(subscription: Subscription): void {
    const loop: Loop = { stopped: false, done: Promise.resolve() };
    loop.done = this.run(subscription, loop)
      .catch((error: unknown) => this.deps.logger.warn({ subscription: subscription.id, code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: a delivery loop stopped; it restarts'))
      .finally(() => this.loops.delete(subscription.id));
    this.loops.set(subscription.id, loop);
  }

  private async run(subscription: Subscription, loop: Loop): Promise<void> {
    const consumer = await this.deps.bus.consumerFor(subscription.id, subscription.createdAt, 2 * this.options.webhookTimeoutMs + 5000);
    const inFlight = new Set<Promise<void>>();
    while (!loop.stopped) {
      // No more than can be sent at once: a message fetched waits for nothing before its attempt, so its time to be
      // acknowledged (2 × the webhook timeout) is never spent queueing, and it is not handed out twice.
      const messages = await consumer.fetch({ max_messages: CONCURRENT_DELIVERIES, expires: 1000 });
      for await (const message of messages) {
        if (loop.stopped) {
          message.nak();
          continue;
        }
        // Several at once: each waits mostly on the store and the receiver. Order is not promised (nor by retries).
        const handling: Promise<void> = this.handle(subscription.id, message).then((live) => {
          if (!live) loop.stopped = true;
        }, (error: unknown) => {
          // The store failed mid-delivery: the message comes back (not acknowledged), the loop goes on.
          this.deps.logger.warn({ subscription: subscription.id, code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: a delivery failed inside samgraf; it is retried');
          message.nak(INTERNAL_RETRY_MS);
        }).finally(() => inFlight.delete(handling));
        inFlight.add(handling);
        if (inFlight.size >= CONCURRENT_DELIVERIES) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }
  }

  /** Returns false when the subscription is no longer live (its loop ends). */
  private async handle(id: string, message: JsMsg): Promise<boolean> {
    const replayPrefix = `${this.deps.bus.stream}.replay.`;
    if (message.subject.startsWith(replayPrefix) && message.subject !== this.deps.bus.replaySubject(id)) {
      message.ack();
      return true;
    }
    const event = JSON.parse(message.string()) as CapturedEvent;
    const subscription = await this.deps.subscriptions.get(id);
    if (!this.deps.subscriptions.isLive(subscription)) {
      message.nak();
      return false;
    }
    let delivery;
    try {
      delivery = prepareDelivery(subscription, event, await this.deps.people(peopleOf(event)), new Date());
    } catch (error) {
      this.deps.logger.warn({ subscription: id, code: (error as { code?: unknown }).code ?? (error as Error).name }, 'life events: the register could not be read for a delivery; it is retried');
      message.nak(INTERNAL_RETRY_MS);
      return true;
    }
    if (delivery === null) {
      message.ack();
      this.deps.observe?.('withheld');
      return true;
    }
    try {
      await this.deps.auditLog.append(delivery.draft);
    } catch {
      // Not logged, not sent.
      message.nak(INTERNAL_RETRY_MS);
      return true;
    }
    const now = await this.deps.subscriptions.get(id);
    if (!this.deps.subscriptions.isLive(now)) {
      message.nak();
      return false;
    }
    const attempt = message.info.deliveryCount;
    const failure = await this.send(now, event.id, delivery.body);
    if (failure === null) {
      message.ack();
      this.deps.observe?.('delivered');
    } else if (attempt >= this.options.maxAttempts) {
      await this.deps.store(DEAD_LETTERS).insert({ subscription_id: id, event_id: event.id, event_type: event.type, event: JSON.stringify(event), attempts: attempt, last_error: failure, failed_at: Date.now(), replayed_at: null });
      message.term('dead-lettered');
      this.deps.observe?.('dead-lettered');
      this.deps.logger.warn({ subscription: id, eventId: event.id, attempts: attempt, problem: failure }, 'life events: a webhook kept failing; the event is in the dead letters');
    } else {
      message.nak(retryDelayMs(attempt));
      this.deps.observe?.('retried');
    }
    return true;
  }

  /** Null when the receiver took it (2xx), else why not (a status or an error code; never the response's text). */
  private async send(subscription: Subscription, eventId: string, body: string): Promise<string | null> {
    const timestamp = new Date();
    const signature = new Webhook(subscription.secret!).sign(eventId, timestamp, body);
    try {
      const response = await fetch(subscription.webhookUrl!, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents+json; charset=utf-8',
          'webhook-id': eventId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        // A redirect could carry personal data to a host the subscription does not name.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      return typeof cause === 'string' ? cause : (error as Error).name;
    }
  }
}
