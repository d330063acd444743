/**
 * The pull feed, for partners who cannot receive webhooks: `GET /events?subscription=ID[&after=CURSOR][&limit=N]`
 * with the organisation's own credentials (API key or staff JWT). A page holds the subscription's events after
 * the cursor, decided as a webhook delivery is (src/events/delivery.ts) with the scopes both the subscription and
 * the caller hold, and is one read in the access log, committed before the page is sent. `next` is the cursor of
 * the following page; a page shorter than `limit` means the feed is read to its end for now.
 */
import type { AuditEvent, EventDraft } from '../access-log/event.js';
import { Code, type ErrorCode } from '../core/error-codes.js';
import type { DataCategory } from '../core/generated/schema-types.js';
import type { Principal } from '../core/principal.js';
import type { PersonRecord } from '../core/source-module.js';
import type { EventBus } from './bus.js';
import { peopleOf, prepareDelivery } from './delivery.js';
import type { SubscriptionStore } from './subscriptions.js';

export const MAX_PAGE = 500;
const DEFAULT_PAGE = 100;

/** Why a feed request is refused: the code is one of src/core/error-codes.ts. */
export class FeedRefusal extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

export interface FeedDeps {
  bus: EventBus;
  subscriptions: SubscriptionStore;
  auditLog: { append(draft: EventDraft): Promise<AuditEvent> };
  people(personalNumbers: readonly string[]): Promise<ReadonlyMap<string, PersonRecord | null>>;
}

export interface FeedPage {
  subscription: string;
  events: unknown[];
  next: string;
}

export async function readFeed(deps: FeedDeps, params: URLSearchParams, principal: Principal, requestId: string): Promise<FeedPage> {
  const id = params.get('subscription') ?? '';
  const after = params.get('after');
  const limitText = params.get('limit');
  if (after !== null && !/^\d{1,15}$/.test(after)) throw new FeedRefusal(Code.BAD_REQUEST, 'after is the cursor a page gave as next');
  if (limitText !== null && (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_PAGE)) throw new FeedRefusal(Code.BAD_REQUEST, `limit is a whole number from 1 to ${MAX_PAGE}`);
  const stored = await deps.subscriptions.get(id).catch(() => {
    throw new FeedRefusal(Code.AUDIT_UNAVAILABLE, 'the store cannot be read now, so no event is sent; try again');
  });
  // Another organisation's subscription is answered as one that does not exist.
  if (stored === null || principal.type === 'CITIZEN' || stored.organization !== principal.organization) throw new FeedRefusal(Code.SUBSCRIPTION_NOT_FOUND, 'no such subscription for your organisation (subscription=ID from samgraf subscription create --pull)');
  if (stored.webhookUrl !== null) throw new FeedRefusal(Code.BAD_REQUEST, 'this subscription delivers to a webhook; a pull feed is one created with --pull');
  const status = stored.status;
  if (!deps.subscriptions.isLive(stored)) throw new FeedRefusal(Code.SUBSCRIPTION_INACTIVE, `this subscription is ${status === 'active' ? 'expired' : status}`);
  // The subscription's purpose is the purpose of every read of it: the caller's credentials must allow it, as a
  // query's purpose (a token bound to another purpose may read for that one only).
  if (!principal.purposes.includes(stored.purpose) || (principal.boundPurpose !== null && principal.boundPurpose !== stored.purpose)) {
    throw new FeedRefusal(Code.PURPOSE_NOT_ALLOWED, `your credentials do not allow the subscription's purpose ${stored.purpose}`);
  }
  if (principal.municipality != null && stored.municipality !== null && principal.municipality !== stored.municipality) {
    throw new FeedRefusal(Code.SUBSCRIPTION_NOT_FOUND, 'no such subscription for your organisation');
  }
  // What both allow: a key with fewer scopes than its organisation's subscription reads no more than the key may.
  const subscription = {
    ...stored,
    scopes: new Set([...stored.scopes].filter((scope) => principal.scopes.has(scope))),
    municipality: stored.municipality ?? principal.municipality ?? null,
  };
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  let cursor: number;
  let page;
  try {
    // Never before the subscription: what happened before it existed was under no subscription, nor legal basis.
    const start = await deps.bus.sequenceAt(subscription.createdAt);
    cursor = Math.max(start, after === null ? start : Number(after));
    page = await deps.bus.read(cursor, limit);
  } catch {
    throw new FeedRefusal(Code.EVENTS_UNAVAILABLE, 'the event engine (NATS) cannot be reached now; try again');
  }
  const replayPrefix = `${deps.bus.stream}.replay.`;
  const events = page.filter((item) => !item.subject.startsWith(replayPrefix));
  let people;
  try {
    people = await deps.people([...new Set(events.flatMap((item) => peopleOf(item.event)))]);
  } catch {
    throw new FeedRefusal(Code.EVENTS_UNAVAILABLE, 'the population register cannot be read now, so no event is sent; try again');
  }
  const now = new Date();
  const deliveries = events.flatMap((item) => {
    const delivery = prepareDelivery(subscription, item.event, people, now);
    return delivery === null ? [] : [delivery];
  });
  if (deliveries.length > 0) {
    try {
      await deps.auditLog.append(pageRead(deliveries.map((d) => d.draft), principal, subscription.id, requestId));
    } catch {
      throw new FeedRefusal(Code.AUDIT_UNAVAILABLE, 'the access log cannot be written now, so no event is sent');
    }
  }
  return {
    subscription: subscription.id,
    events: deliveries.map((delivery) => JSON.parse(delivery.body) as unknown),
    next: String(page.at(-1)?.seq ?? cursor),
  };
}

/**
 * One page, one read: by the caller (the key or officer who pulled it), for the subscription's purpose, of the
 * people and what was sent of each over all its events; the subscription is named in the operation.
 */
function pageRead(drafts: readonly EventDraft[], caller: Principal, subscriptionId: string, requestId: string): EventDraft {
  const categories = new Map<string, Set<DataCategory>>();
  for (const draft of drafts) {
    for (const [pnr, list] of Object.entries(draft.subjectCategories)) {
      const set = categories.get(pnr) ?? new Set<DataCategory>();
      for (const category of list) set.add(category);
      categories.set(pnr, set);
    }
  }
  const first = drafts[0]!;
  return {
    ...first,
    requestId,
    principal: { type: caller.type, subject: caller.subject, organization: caller.organization, apiKeyId: caller.apiKeyId },
    operationName: `GET /events?subscription=${subscriptionId}`,
    subjects: [...categories.keys()].sort(),
    subjectCategories: Object.fromEntries([...categories].map(([pnr, set]) => [pnr, [...set].sort()])),
    fieldsRead: [...new Set(drafts.flatMap((draft) => draft.fieldsRead))].sort(),
  };
}
