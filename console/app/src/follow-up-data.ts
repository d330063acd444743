/**
 * What the follow-up page fetches beyond one page of findings: every event and finding of a period, page by page,
 * counted into the two charts' tallies (follow-up-counts.ts). A page the server refuses stops the count with the
 * problem to show, rather than a chart of half the period.
 */
import type { GraphQLResult } from '../../shared/graphql-http.js';
import { stockholmInputToInstant } from './format.js';
import { CHART_LIMIT, chartDays, findingsPerKindPerWeek, readsPerOrganisationPerDay, type Tally } from './follow-up-counts.js';
import { problemOf, type Problem } from './problems.js';
import { CHART_EVENTS, CHART_FINDINGS, type ChartEvent, type ChartFinding } from './queries.js';
import { purposeOf, request, type Session } from './session.js';

/** The days (`ÅÅÅÅ-MM-DD`, Swedish) and organisation the charts count: they follow the period and the organisation, not the kind or review. */
export interface Period {
  from: string | null;
  to: string | null;
  organization: string | null;
}

export interface Charts {
  reads: Tally;
  findings: Tally;
  /** The period held more than CHART_LIMIT events or findings: the charts show the newest only. */
  truncated: boolean;
}

/** A page of a connection that could not be read, with the problem to show. */
export class Refused extends Error {
  constructor(readonly problem: Problem) {
    super(problem.code);
  }
}

interface Page<Node> {
  nodes: Node[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** A connection's page, or Refused with the reason there is none. */
export function pageOf<Node>(result: GraphQLResult<unknown>, connection: { edges: { node: Node | null }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | undefined, session: Session): Page<Node> {
  const failed = problemOf(result, { scope: 'audit:read', purpose: purposeOf(session.me) });
  if (failed || !connection) throw new Refused(failed ?? problemOf({ ...result, status: 500 }, {})!);
  return {
    nodes: connection.edges.map((edge) => edge.node).filter((node): node is Node => node !== null),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  };
}

/** Every node of a connection, page by page, up to CHART_LIMIT. */
async function collect<Node>(fetchPage: (after: string | null) => Promise<Page<Node>>): Promise<{ nodes: Node[]; truncated: boolean }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    nodes.push(...page.nodes);
    if (!page.hasNextPage) return { nodes, truncated: false };
    if (nodes.length >= CHART_LIMIT) return { nodes, truncated: true };
    after = page.endCursor;
  }
}

/** The period's reads per organisation per day and findings per kind per week. */
export async function countPeriod(session: Session, period: Period): Promise<Charts> {
  const filter = {
    from: period.from && stockholmInputToInstant(period.from, false),
    to: period.to && stockholmInputToInstant(period.to, true),
    organization: period.organization,
  };
  const [events, findings] = await Promise.all([
    collect<ChartEvent>(async (after) => {
      const result = await request(session, CHART_EVENTS, { filter, first: 100, after });
      return pageOf(result, result.data?.auditEvents, session);
    }),
    collect<ChartFinding>(async (after) => {
      const result = await request(session, CHART_FINDINGS, { filter, first: 100, after });
      return pageOf(result, result.data?.auditFindings, session);
    }),
  ]);
  const days = chartDays(period.from, period.to, [...events.nodes.map((event) => event.occurredAt), ...findings.nodes.map((finding) => finding.event?.occurredAt)]);
  return {
    reads: readsPerOrganisationPerDay(events.nodes, days),
    findings: findingsPerKindPerWeek(findings.nodes, days),
    truncated: events.truncated || findings.truncated,
  };
}
