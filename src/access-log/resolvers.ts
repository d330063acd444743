import { Temporal } from 'temporal-polyfill';
import type { AuditEvent } from './event.js';
import { eventPositionText, parseEventPosition } from './reader.js';
import type { EventPosition } from './store.js';
import type { RequestContext } from '../context.js';
import type { CursorList } from '../core/cursor.js';
import { afterArgument, pageSizeArgument, personalNumberArgument } from '../core/arguments.js';
import type { Resolvers } from './generated.js';
import { GraphQLError } from 'graphql';
import { Code } from '../core/error-codes.js';

/** Any search: a cursor carries only a position, the filter is sent again with it. */
export const AUDIT_EVENTS_LIST: CursorList = { kind: 'audit-events', scope: '' };
/** A citizen's own log: a cursor pages only the log of the citizen it was issued to. */
export const myAccessLogList = (subject: string): CursorList => ({ kind: 'my-access-log', scope: subject });

/** A Swedish calendar day's first (or last) millisecond. */
function swedishDayBoundary(date: string, end: boolean): number {
  const day = Temporal.PlainDate.from(date);
  const start = (end ? day.add({ days: 1 }) : day).toZonedDateTime({ timeZone: 'Europe/Stockholm' }).epochMilliseconds;
  return end ? start - 1 : start;
}

function eventsAfter(ctx: RequestContext, list: CursorList, after: string | null | undefined): EventPosition | null {
  return afterArgument(ctx.cursors, list, after, parseEventPosition);
}

function page<T>(ctx: RequestContext, list: CursorList, items: T[], limit: number, positionAt: (item: T) => EventPosition) {
  const cursorOf = (item: T) => ctx.cursors.encode(list, eventPositionText(positionAt(item)));
  const nodes = items.slice(0, limit);
  return {
    edges: nodes.map((node) => ({ cursor: cursorOf(node), node })),
    pageInfo: { hasNextPage: items.length > limit, endCursor: nodes.length > 0 ? cursorOf(nodes.at(-1)!) : null },
  };
}

const positionOf = (event: AuditEvent) => ({ occurredMs: Date.parse(event.occurredAt), writer: event.writer, seq: event.seq });

export const accessLogResolvers: Resolvers = {
  Query: {
    auditEvents: async (_, args, ctx) => {
      const filter = args.filter ?? {};
      const limit = pageSizeArgument(args.first);
      const events = await ctx.accessLog.search({
        subject: filter.subject == null ? null : personalNumberArgument(filter.subject, 'filter.subject'),
        principal: filter.principal ?? null,
        organization: filter.organization ?? null,
        purpose: filter.purpose ?? null,
        outcome: filter.outcome ?? null,
        fromMs: filter.from == null ? null : Date.parse(filter.from),
        toMs: filter.to == null ? null : Date.parse(filter.to),
      }, eventsAfter(ctx, AUDIT_EVENTS_LIST, args.after), limit + 1);
      return page(ctx, AUDIT_EVENTS_LIST, events, limit, positionOf);
    },

    myAccessLog: async (_, args, ctx) => {
      const limit = pageSizeArgument(args.first);
      const list = myAccessLogList(ctx.principal!.subject);
      const entries = await ctx.accessLog.ofCitizen(
        ctx.principal!.subject,
        args.from == null ? null : swedishDayBoundary(args.from, false),
        args.to == null ? null : swedishDayBoundary(args.to, true),
        eventsAfter(ctx, list, args.after),
        limit + 1,
      );
      return page(ctx, list, entries, limit, (entry) => entry.position);
    },

    auditChains: (_, __, ctx) => ctx.chains.verify(),
  },

  AuditEvent: {
    id: (event) => `${event.writer}:${event.seq}`,
    leafIndex: (event, _, ctx) => ctx.leafIndex.load(event),
    documentText: (event, _, ctx) => (event.documentHash === null ? null : ctx.documentText.load(event.documentHash)),
    inclusionProof: (event, args, ctx) => {
      const checkpoint = args.checkpoint ?? null;
      if (checkpoint !== null && checkpoint < 1) throw new GraphQLError('checkpoint is the tree size of a signed checkpoint: a whole number from 1', { extensions: { code: Code.BAD_USER_INPUT } });
      return ctx.inclusionProof.load({ event: { writer: event.writer, seq: event.seq }, checkpoint });
    },
  },

  AccessLogEntry: {
    receipt: (entry, _, ctx) => ctx.receipt.load(entry),
  },
};
