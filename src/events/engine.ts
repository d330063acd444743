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
import { randomInt } from 'node:crypto';
import { parseDatabaseUrl, type ServerTarget } from '../core/db.js';
import { BinlogCapture } from './binlog.js';
import { ChangeApplier, ChangeCapture, type CapturedEvent } from './capture.js';
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
  retentionDays: number;
}

export interface LifeEventsSetup {
  config: EventsConfig;
  store: Knex;
  /** The sources this process has a database for, with their modules and how their changes are found. */
  sources: readonly { module: SourceModule; db: Knex; url: string; changeCapture: 'poll' | 'binlog'; binlogServerId?: number | undefined }[];
  auditLog: { append(draft: EventDraft): Promise<AuditEvent> };
  people(personalNumbers: readonly string[]): Promise<ReadonlyMap<string, PersonRecord | null>>;
  keySecret: Buffer;
  logger: Logger;
  observe?: { published?(events: number): void; delivery?(result: DeliveryResult): void };
}

/** A reader's first start reads its tables whole and finds the log's position: retried until it succeeds. */
function startReading(reader: BinlogCapture, logger: Logger): void {
  reader.start().catch((error: unknown) => {
    logger.warn({ code: (error as { code?: unknown }).code ?? (error as Error).message }, 'life events: the binary log cannot be read yet; retrying');
    setTimeout(() => startReading(reader, logger), 5000);
  });
}

export class LifeEvents {
  private constructor(
    readonly bus: EventBus,
    private readonly capture: ChangeCapture,
    private readonly readers: readonly BinlogCapture[],
    private readonly dispatcher: Dispatcher,
    private readonly setup: LifeEventsSetup,
    readonly subscriptions: SubscriptionStore,
  ) {}

  static async start(setup: LifeEventsSetup): Promise<LifeEvents> {
    const { config, store, logger } = setup;
    const bus = await EventBus.connect(config.natsUrl!, config.stream, config.retentionDays * 86_400_000);
    const subscriptions = new SubscriptionStore(store);
    const publish = async (events: readonly CapturedEvent[]) => {
      await bus.publish(events);
      setup.observe?.published?.(events.length);
    };
    const watched = setup.sources.flatMap((source) => (source.module.changes ? [{ ...source, name: source.module.name, tables: source.module.changes.tables }] : []));
    const polled = watched.filter((source) => source.changeCapture === 'poll');
    const capture = new ChangeCapture(store, polled, publish, setup.keySecret, { pollIntervalMs: config.pollIntervalSeconds * 1000, lateCommitSeconds: config.lateCommitSeconds, pageRows: 20_000 }, logger);
    const readers = watched.filter((source) => source.changeCapture === 'binlog').map((source) => new BinlogCapture(
      store,
      { ...source, target: parseDatabaseUrl(source.url) as ServerTarget, serverId: source.binlogServerId ?? 1 + randomInt(2 ** 31) },
      new ChangeApplier(publish, setup.keySecret),
      (table) => capture.snapshot(source, table),
      logger,
    ));
    const dispatcher = new Dispatcher({
      bus, subscriptions, store, auditLog: setup.auditLog, people: setup.people, logger,
      ...(setup.observe?.delivery ? { observe: setup.observe.delivery } : {}),
    }, { maxAttempts: config.maxAttempts, webhookTimeoutMs: config.webhookTimeoutSeconds * 1000, reconcileMs: 1000, retentionMs: config.retentionDays * 86_400_000 });
    capture.start();
    for (const reader of readers) startReading(reader, logger);
    dispatcher.start();
    logger.info({ stream: config.stream, polling: polled.map((source) => source.name), binlog: watched.filter((source) => source.changeCapture === 'binlog').map((source) => source.name) }, 'life events: capturing changes and delivering to subscriptions');
    return new LifeEvents(bus, capture, readers, dispatcher, setup, subscriptions);
  }

  feed(params: URLSearchParams, principal: Principal, requestId: string): Promise<FeedPage> {
    return readFeed({ bus: this.bus, subscriptions: this.subscriptions, auditLog: this.setup.auditLog, people: this.setup.people }, params, principal, requestId);
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.stop()));
    await this.capture.stop();
    await this.dispatcher.stop();
    await this.bus.close();
  }
}
