/**
 * The event engine: NATS JetStream. Captured events go into one durable stream (`events.stream`), one subject per
 * type (`<stream>.<type>`), with their id as the message id, so that the stream drops a republished change within
 * its duplicate window. Each webhook subscription has a durable pull consumer (`sub_<id>`): replicas fetch from it
 * together, so they share the work, and a message is redelivered until it is acknowledged. A replay of dead
 * letters is published to `<stream>.replay.<subscription id>`, seen by that subscription only.
 *
 * The consumers filter on the whole stream (NATS before 2.10 takes one filter subject); a subscription skips the
 * types it did not ask for.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { CapturedEvent } from './capture.js';

const NANOS_PER_MS = 1_000_000;
/** Long enough to cover a capture round that is retried after a crash or a lost store. */
const DUPLICATE_WINDOW_MS = 30 * 60_000;

export class EventBus {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
  ) {}

  /** `maxAgeMs`: how long the stream keeps an event (a subscriber's retries and a pull feed's reach end there). */
  static async connect(url: string, stream: string, maxAgeMs: number): Promise<EventBus> {
    // Each server as written (`nats://user:password@host:4222` carries its credentials); a cluster's comma-separated.
    const nc = await connect({ servers: url.split(','), name: 'samgraf', reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    try {
      const jsm = await jetstreamManager(nc);
      const bus = new EventBus(nc, jetstream(nc), jsm, stream);
      await bus.ensureStream(maxAgeMs);
      return bus;
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  private async ensureStream(maxAgeMs: number): Promise<void> {
    const maxAge = maxAgeMs * NANOS_PER_MS;
    let info;
    try {
      info = await this.jsm.streams.info(this.stream);
    } catch {
      await this.jsm.streams.add({ name: this.stream, subjects: [`${this.stream}.>`], duplicate_window: DUPLICATE_WINDOW_MS * NANOS_PER_MS, max_age: maxAge });
      return;
    }
    if (info.config.max_age !== maxAge) await this.jsm.streams.update(this.stream, { max_age: maxAge });
  }

  subjectOf(event: Pick<CapturedEvent, 'type'>): string {
    return `${this.stream}.${event.type}`;
  }

  replaySubject(subscriptionId: string): string {
    return `${this.stream}.replay.${subscriptionId}`;
  }

  /** Resolves when the stream has stored every event (or dropped it as one it holds). */
  async publish(events: readonly CapturedEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.js.publish(this.subjectOf(event), JSON.stringify(event), { msgID: event.id })));
  }

  /** A dead letter back to its subscription, under a message id of its own (the event keeps its id). */
  async replay(subscriptionId: string, event: CapturedEvent, replayId: string): Promise<void> {
    await this.js.publish(this.replaySubject(subscriptionId), JSON.stringify(event), { msgID: replayId });
  }

  /** The subscription's durable consumer, made on first use to start at the subscription's creation. */
  /** `ackWaitMs`: how long a fetched message may be in hand before the server offers it again (longer than a webhook may take). */
  async consumerFor(subscriptionId: string, createdAt: number, ackWaitMs: number): Promise<Consumer> {
    const name = consumerName(subscriptionId);
    try {
      await this.jsm.consumers.info(this.stream, name);
    } catch {
      await this.jsm.consumers.add(this.stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        filter_subject: `${this.stream}.>`,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(createdAt).toISOString(),
        ack_wait: ackWaitMs * NANOS_PER_MS,
        // samgraf counts the attempts and moves a message to the dead letters itself.
        max_deliver: -1,
      });
    }
    return this.js.consumers.get(this.stream, name);
  }

  async deleteConsumer(subscriptionId: string): Promise<void> {
    await this.jsm.consumers.delete(this.stream, consumerName(subscriptionId)).catch(() => false);
  }

  /**
   * A pull feed's page: the stream's messages after `afterSeq`, at most `limit`, without a consumer that outlives
   * the call. Returns each with its stream sequence, the cursor of the next page.
   */
  async read(afterSeq: number, limit: number): Promise<{ seq: number; subject: string; event: CapturedEvent }[]> {
    const info = await this.jsm.streams.info(this.stream);
    const last = info.state.last_seq;
    if (last <= afterSeq) return [];
    const consumer = await this.js.consumers.get(this.stream, { filter_subjects: `${this.stream}.>`, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(afterSeq + 1, info.state.first_seq) });
    const wanted = Math.min(limit, last - afterSeq);
    const page: { seq: number; subject: string; event: CapturedEvent }[] = [];
    try {
      const messages = await consumer.fetch({ max_messages: wanted, expires: 2000 });
      for await (const message of messages) {
        page.push({ seq: message.seq, subject: message.subject, event: JSON.parse(message.string()) as CapturedEvent });
        if (page.length >= wanted) break;
      }
    } finally {
      await consumer.delete().catch(() => false);
    }
    return page;
  }

  /** The stream's newest sequence: where a pull feed that starts now begins. */
  async lastSequence(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.last_seq;
  }

  /** The sequence just before the first message stored at or after `time`: where a pull subscription starts. */
  async sequenceAt(time: number): Promise<number> {
    const info = await this.jsm.streams.info(this.stream);
    const consumer = await this.js.consumers.get(this.stream, { filter_subjects: `${this.stream}.>`, deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(time).toISOString() });
    try {
      const pending = (await consumer.info()).num_pending;
      return Math.max(info.state.first_seq - 1, info.state.last_seq - pending);
    } finally {
      await consumer.delete().catch(() => false);
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}

export function consumerName(subscriptionId: string): string {
  return `sub_${subscriptionId}`;
}
