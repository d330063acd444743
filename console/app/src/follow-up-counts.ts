/**
 * The numbers behind the follow-up page's two charts, counted in the browser from the public API: reads per
 * organisation per Swedish day (from `auditEvents`) and findings per kind per ISO week (from `auditFindings`).
 * The chart and the table beside it show the same tally, so what a screen reader hears is what the eye sees.
 *
 * Counted here rather than by a new server query: the API already answers both, with the auditor's own rights,
 * and a period of an auditor's review is a few thousand events at most (CHART_LIMIT; beyond it the page says so).
 */
import type { FindingKind } from './generated.js';
import { addDays, isoWeek, stockholmDay } from './format.js';
import type { ChartEvent, ChartFinding } from './queries.js';

/** The kinds in the order the README and the schema list them: the findings chart's series never move. */
export const FINDING_KINDS = ['RELATIVE_OR_HOUSEHOLD', 'PROTECTED_PERSON', 'VOLUME_OUTLIER', 'NO_CASE_REFERENCE', 'OFF_HOURS'] as const satisfies readonly FindingKind[];

/** How many events or findings a chart pages through at most (100 a request). */
export const CHART_LIMIT = 10_000;

/** A chart covers at most this many days; a longer period is for `samgraf audit follow-up`. */
export const MAX_CHART_DAYS = 366;

/** Counts by row (a day or a week) and series (an organisation or a kind): `counts[row][series]`. */
export interface Tally {
  rows: string[];
  series: string[];
  counts: number[][];
}

/**
 * Fields of the access log's own types: an event that read nothing else is someone reading the log (an auditor,
 * a citizen's own page, this chart), not a read of anyone's data by an organisation.
 */
const LOG_FIELD = /^(?:(?:Audit\w*|FindingReview|AccessLog\w*|InclusionProof|PageInfo)\.|Query\.(?:auditEvents|auditFindings|myAccessLog)$|Mutation\.reviewFinding$)/;

/** A read the chart counts: an organisation (staff, partner, subscription) was served someone's data. */
export function isOrganisationRead(event: ChartEvent): boolean {
  const fields = event.fieldsRead ?? [];
  return !!event.principal?.organization && event.principal.type !== 'CITIZEN'
    && (event.outcome === 'OK' || event.outcome === 'PARTIAL')
    && (event.subjects?.length ?? 0) > 0
    && !(fields.length > 0 && fields.every((field) => LOG_FIELD.test(field)));
}

/** Every day from `first` to `last`, both included (`ÅÅÅÅ-MM-DD`), at most MAX_CHART_DAYS. */
export function daysFrom(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last && days.length < MAX_CHART_DAYS; day = addDays(day, 1)) days.push(day);
  return days;
}

/** A week as a sortable key, `2026-W05`. */
export function weekKey(day: string): string {
  const { year, week } = isoWeek(day);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The weeks the days fall in, in order, each once. */
export function weeksOf(days: readonly string[]): string[] {
  return [...new Set(days.map(weekKey))];
}

/** The period a chart covers: the days asked for, or, where a bound is open, as far as the data reaches. */
export function chartDays(from: string | null, to: string | null, instants: readonly (string | null | undefined)[]): string[] {
  const seen = instants.map(stockholmDay).filter(Boolean).sort();
  const first = from ?? seen[0];
  const last = to ?? seen.at(-1);
  return first && last ? daysFrom(first, last) : [];
}

function tally(rows: string[], items: readonly { row: string; series: string }[], series: string[]): Tally {
  const rowIndex = new Map(rows.map((row, index) => [row, index]));
  const seriesIndex = new Map(series.map((name, index) => [name, index]));
  const counts = rows.map(() => series.map(() => 0));
  for (const item of items) {
    const r = rowIndex.get(item.row);
    const s = seriesIndex.get(item.series);
    if (r !== undefined && s !== undefined) counts[r]![s]! += 1;
  }
  return { rows, series, counts };
}

/** Reads per organisation per Swedish day; organisations with the most reads first. */
export function readsPerOrganisationPerDay(events: readonly ChartEvent[], days: string[]): Tally {
  const reads = events.filter(isOrganisationRead).map((event) => ({ row: stockholmDay(event.occurredAt), series: event.principal!.organization! }));
  const inPeriod = new Set(days);
  const totals = new Map<string, number>();
  for (const read of reads) if (inPeriod.has(read.row)) totals.set(read.series, (totals.get(read.series) ?? 0) + 1);
  const organisations = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([organisation]) => organisation);
  return tally(days, reads, organisations);
}

/** Findings per kind per ISO week of the read; every kind is a series, found or not. */
export function findingsPerKindPerWeek(findings: readonly ChartFinding[], days: string[]): Tally {
  const inPeriod = new Set(days);
  const items = findings.map((finding) => ({ day: stockholmDay(finding.event?.occurredAt), kind: finding.kind }))
    .filter((item) => item.kind && inPeriod.has(item.day))
    .map((item) => ({ row: weekKey(item.day), series: item.kind! }));
  return tally(weeksOf(days), items, [...FINDING_KINDS]);
}

export const total = (tallied: Tally): number => tallied.counts.flat().reduce((sum, count) => sum + count, 0);
