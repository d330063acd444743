/**
 * `auditFindings` and `reviewFinding`: the follow-up's findings for auditors, and their verdicts. Thin: the
 * service (service.ts) reads and writes the store; every read first lets the worker look at what is queued.
 */
import type { RequestContext } from '../context.js';
import { afterArgument, pageSizeArgument } from '../core/arguments.js';
import type { CursorList } from '../core/cursor.js';
import { BadUserInputError } from '../core/errors.js';
import type { Resolvers } from '../access-log/generated.js';
import { findingKey, type FindingOrder, type FindingRow } from './store.js';

/** The most a review's note holds. */
export const MAX_NOTE_CHARS = 2000;

const findingsList = (order: FindingOrder): CursorList => ({ kind: 'audit-findings', scope: order });

/** A position in findings of one order: the sort key, then the id (`<key>|<id>`). */
function parsePosition(position: string): { key: number; id: string } | null {
  const bar = position.indexOf('|');
  const key = Number(position.slice(0, bar));
  return bar > 0 && Number.isFinite(key) ? { key, id: position.slice(bar + 1) } : null;
}

export const followUpResolvers: Resolvers = {
  Query: {
    auditFindings: async (_, args, ctx: RequestContext) => {
      const order = args.order ?? 'NEWEST';
      const list = findingsList(order);
      const limit = pageSizeArgument(args.first);
      const filter = args.filter ?? {};
      const rows = await ctx.followUp.search({
        fromMs: filter.from == null ? null : Date.parse(filter.from),
        toMs: filter.to == null ? null : Date.parse(filter.to),
        kind: filter.kind ?? null,
        organization: filter.organization ?? null,
        reviewed: filter.reviewed ?? null,
      }, order, afterArgument(ctx.cursors, list, args.after, parsePosition), limit + 1);
      const nodes = rows.slice(0, limit);
      const cursorOf = (row: FindingRow) => ctx.cursors.encode(list, `${findingKey(row, order)}|${row.id}`);
      return {
        edges: nodes.map((node) => ({ cursor: cursorOf(node), node })),
        pageInfo: { hasNextPage: rows.length > limit, endCursor: nodes.length > 0 ? cursorOf(nodes.at(-1)!) : null },
      };
    },
  },

  Mutation: {
    reviewFinding: async (_, args, ctx: RequestContext) => {
      const note = args.note?.trim() || null;
      if (note !== null && [...note].length > MAX_NOTE_CHARS) throw new BadUserInputError(`note holds at most ${MAX_NOTE_CHARS} characters`);
      const finding = await ctx.followUp.review(args.id, args.verdict, note, ctx.principal!);
      if (finding === null) throw new BadUserInputError('no finding has this id');
      return finding;
    },
  },

  AuditFinding: {
    score: (row) => Number(row.score),
    event: (row, _, ctx: RequestContext) => ctx.followUp.event.load({ writer: row.event_writer, seq: Number(row.event_seq) }),
    subjects: (row) => JSON.parse(row.subjects) as string[],
    firstSeen: (row) => new Date(Number(row.first_seen_ms)).toISOString(),
    review: async (row, _, ctx: RequestContext) => (await ctx.followUp.reviews.load(row.id)).at(-1) ?? null,
    reviews: (row, _, ctx: RequestContext) => ctx.followUp.reviews.load(row.id),
  },

  FindingReview: {
    reviewer: (row) => row.reviewer_subject,
    reviewerOrganization: (row) => row.reviewer_organization,
    at: (row) => new Date(Number(row.at_ms)).toISOString(),
  },
};
