/**
 * Life events in a running samgraf (config `events`): change capture from the sources this process serves, the
 * bus, webhook deliveries and the pull feed. Without `events.natsUrl` there is none of it, and the server says so.
 * Every replica runs all of it: capture rounds take turns through the store, consumers share the deliveries.
 */
import type { Knex } from 'knex';
import type { AuditEvent, EventDraft } from '../access-log/event.js';
import type { PersonRecord } from '../core/source-module.js';
import type { Principal } from '../core/principal.js';
import type { Logger } from '../log.js';
import type { SourceModule } from '../core/source-module.js';
import { EventBus } from './bus.js';
import { ChangeCapture, type CapturedEvent } from './capture.js';
import { Dispatcher, type DeliveryResult } from './dispatcher.js';
import { readFeed, type FeedPage } from './pull-feed.js';
import { SubscriptionStore } from './subscriptions.js';

export interface EventsConfig {
  natsUrl?: string | undefined;
  stream: string;
  pollIntervalSeconds: number;
  lateCommitSeconds: number;
  webhookTimeoutSeconds: number;
  maxAttempts: number;
}

export interface LifeEventsSetup {
  config: EventsConfig;
  store: Knex;
  /** The sources this process has a database for, with their modules. */
  sources: readonly { module: SourceModule; db: Knex }[];
  auditLog: { append(draft: EventDraft): Promise<AuditEvent> };
  people(personalNumbers: readonly string[]): Promise<ReadonlyMap<string, PersonRecord | null>>;
  keySecret: Buffer;
  logger: Logger;
  observe?: { published?(events: number): void; delivery?(result: DeliveryResult): void };
}

export class LifeEvents {
  private constructor(
    readonly bus: EventBus,
    private readonly capture: ChangeCapture,
    private readonly dispatcher: Dispatcher,
    private readonly setup: LifeEventsSetup,
    readonly subscriptions: SubscriptionStore,
  ) {}

  static async start(setup: LifeEventsSetup): Promise<LifeEvents> {
    const { config, store, logger } = setup;
    const bus = await EventBus.connect(config.natsUrl!, config.stream);
    const subscriptions = new SubscriptionStore(store);
    const watched = setup.sources.flatMap(({ module, db }) => (module.changes ? [{ name: module.name, db, tables: module.changes.tables }] : []));
    const capture = new ChangeCapture(store, watched, async (events: readonly CapturedEvent[]) => {
      await bus.publish(events);
      setup.observe?.published?.(events.length);
    }, setup.keySecret, { pollIntervalMs: config.pollIntervalSeconds * 1000, lateCommitSeconds: config.lateCommitSeconds, pageRows: 20_000 }, logger);
    const dispatcher = new Dispatcher({
      bus, subscriptions, store, auditLog: setup.auditLog, people: setup.people, logger,
      ...(setup.observe?.delivery ? { observe: setup.observe.delivery } : {}),
    }, { maxAttempts: config.maxAttempts, webhookTimeoutMs: config.webhookTimeoutSeconds * 1000, reconcileMs: 1000 });
    capture.start();
    dispatcher.start();
    logger.info({ stream: config.stream, watching: watched.map((source) => source.name) }, 'life events: capturing changes and delivering to subscriptions');
    return new LifeEvents(bus, capture, dispatcher, setup, subscriptions);
  }

  feed(params: URLSearchParams, principal: Principal, requestId: string): Promise<FeedPage> {
    return readFeed({ bus: this.bus, subscriptions: this.subscriptions, auditLog: this.setup.auditLog, people: this.setup.people }, params, principal, requestId);
  }

  async close(): Promise<void> {
    await this.capture.stop();
    await this.dispatcher.stop();
    await this.bus.close();
  }
}
