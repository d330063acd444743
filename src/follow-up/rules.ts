/**
 * The follow-up rules (HSLF-FS 2016:40 ch. 4: systematic follow-up of who read what): each looks at one
 * access-log event, with what the follow-up knows beside it, and says whether the read deserves an auditor's look
 * and why. Pure functions: the worker (worker.ts) gathers the facts, these decide.
 *
 * An explanation names the rule and its evidence in plain words, and never more personal data than the event
 * itself holds: the persons it read (their numbers are in the event) and when — never an address, and never
 * whether a person's identity is protected beyond the finding's kind.
 */
import { Temporal } from 'temporal-polyfill';
import type { AuditEvent } from '../access-log/event.js';
import type { Closeness } from '../core/source-module.js';

export type { Closeness };

export const FINDING_KINDS = ['RELATIVE_OR_HOUSEHOLD', 'PROTECTED_PERSON', 'VOLUME_OUTLIER', 'NO_CASE_REFERENCE', 'OFF_HOURS'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface FindingDraft {
  kind: FindingKind;
  /** 0–1: how much the read deserves a look, for ordering (higher first). */
  score: number;
  explanation: string;
  /** The persons the finding is about: some of the event's subjects. */
  subjects: string[];
}


export interface WorkingHours {
  /** Minutes after midnight, Swedish time: reads from `start` up to (not including) `end` are within hours. */
  start: number;
  end: number;
  /** ISO weekdays (1 Monday … 7 Sunday) that are working days. */
  days: readonly number[];
}

export interface FollowUpRules {
  workingHours: WorkingHours;
  purposesRequiringCaseReference: readonly string[];
  volume: VolumeRule;
}

export interface VolumeRule {
  /** A day with fewer distinct persons is never an outlier, whatever the history. */
  minPersons: number;
  /** Above the median by at least this factor … */
  factor: number;
  /** … and by at least this many robust standard deviations (1.4826 × MAD). */
  deviations: number;
  /** How many days back the reader's own history and their peers' reach. */
  historyDays: number;
  /** Days of the reader's own history (or reader-days of their peers) needed before it counts as evidence. */
  minHistory: number;
}

const STOCKHOLM = 'Europe/Stockholm';
/** Data categories that are a person's own data (not the access log's record of others reading it). */
const PERSONAL_CATEGORIES = new Set(['IDENTITY', 'ADDRESS', 'RELATIONS', 'BENEFITS', 'CASES', 'INCOME']);
/** What protected identity hides: served unmasked, the real data of a protected person was read. */
export const PROTECTED_CATEGORIES: ReadonlySet<string> = new Set(['ADDRESS', 'RELATIONS']);

/** Each event's persons read, worked out once: several rules and the volume counts ask. */
const readByEvent = new WeakMap<AuditEvent, string[]>();

/** The persons whose own data an event served (not merely their names in access-log entries an auditor read). */
export function personsRead(event: AuditEvent): string[] {
  let read = readByEvent.get(event);
  if (read === undefined) {
    read = event.subjects.filter((subject) => (event.subjectCategories[subject] ?? []).some((category) => PERSONAL_CATEGORIES.has(category)));
    readByEvent.set(event, read);
  }
  return read;
}

/**
 * Whether the follow-up looks at the event at all: a read by staff or a partner that served someone's data — or,
 * in a federation's gateway, that its parts answered (the gateway does not see whose data they returned; each
 * agency's own log names the persons, the gateway's shows the cross-agency purposes, references and hours).
 */
export function isFollowedUp(event: AuditEvent): boolean {
  const served = personsRead(event).length > 0 || (event.subgraphs?.length ?? 0) > 0;
  return (event.principal.type === 'STAFF' || event.principal.type === 'API_KEY') && (event.outcome === 'OK' || event.outcome === 'PARTIAL') && served;
}

/** Swedish wall-clock time at an instant: its calendar day (`YYYY-MM-DD`), minutes since midnight, ISO weekday. */
interface SwedishClock {
  day: string;
  minutes: number;
  dayOfWeek: number;
}

const HOUR_MS = 3_600_000;
/** Stockholm's UTC offset (ms) by UTC hour: it changes only on the hour (01:00 UTC), so one lookup serves an hour. */
const offsets = new Map<number, number>();

/**
 * The worker looks at every event, and the time-zone rules (Temporal) cost tens of microseconds a call: they are
 * asked once per UTC hour, and the rest is arithmetic.
 */
export function swedishClock(iso: string): SwedishClock {
  const ms = Date.parse(iso);
  const hour = Math.floor(ms / HOUR_MS);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    if (offsets.size > 10_000) offsets.clear();
    offset = Temporal.Instant.fromEpochMilliseconds(hour * HOUR_MS).toZonedDateTimeISO(STOCKHOLM).offsetNanoseconds / 1e6;
    offsets.set(hour, offset);
  }
  const local = new Date(ms + offset);
  return { day: local.toISOString().slice(0, 10), minutes: local.getUTCHours() * 60 + local.getUTCMinutes(), dayOfWeek: local.getUTCDay() === 0 ? 7 : local.getUTCDay() };
}

/** The Swedish calendar day (`YYYY-MM-DD`) an instant falls on. */
export function swedishDay(iso: string): string {
  return swedishClock(iso).day;
}

const CLOSENESS_WORDS: Record<Closeness, string> = {
  SPOUSE: 'their spouse or registered partner',
  CHILD: 'their child',
  GUARDIAN: 'their guardian',
  HOUSEHOLD: 'registered at their own address',
};

/** RELATIVE_OR_HOUSEHOLD: a reader with a personal number read someone close to them. */
export function relativeOrHousehold(event: AuditEvent, closeness: ReadonlyMap<string, Closeness>): FindingDraft | null {
  if (event.principal.type !== 'STAFF' || event.principal.personalNumber === undefined) return null;
  const close = personsRead(event).filter((subject) => closeness.has(subject));
  if (close.length === 0) return null;
  const described = close.map((subject) => {
    const how = closeness.get(subject)!;
    return `${subject}, ${how === 'HOUSEHOLD' ? '' : 'registered as '}${CLOSENESS_WORDS[how]}`;
  });
  const relative = close.some((subject) => closeness.get(subject) !== 'HOUSEHOLD');
  return {
    kind: 'RELATIVE_OR_HOUSEHOLD',
    score: relative ? 0.95 : 0.85,
    explanation: `Rule RELATIVE_OR_HOUSEHOLD: the reader (whose own personal number their token gave) read ${described.join('; ')}, according to the population register. Reading one's own family or household needs a case of one's own to be justified.`,
    subjects: close,
  };
}

/** PROTECTED_PERSON: what a protected identity hides (address, relations) was served unmasked. */
export function protectedPerson(event: AuditEvent, isProtected: (subject: string) => boolean): FindingDraft | null {
  const read = event.subjects.filter((subject) => isProtected(subject) && (event.subjectCategories[subject] ?? []).some((category) => PROTECTED_CATEGORIES.has(category)));
  if (read.length === 0) return null;
  const categories = [...new Set(read.flatMap((subject) => (event.subjectCategories[subject] ?? []).filter((category) => PROTECTED_CATEGORIES.has(category))))].sort();
  return {
    kind: 'PROTECTED_PERSON',
    score: 0.8,
    explanation: `Rule PROTECTED_PERSON: the read served ${categories.join(' and ').toLowerCase()} data of ${read.length === 1 ? 'a person' : `${read.length} persons`} with a protected identity (${read.join(', ')}), which only holders of citizen:protected:read see. Every such read should be justified by a case.`,
    subjects: read,
  };
}

/** NO_CASE_REFERENCE: a purpose that needs a case reference, without one. */
export function noCaseReference(event: AuditEvent, rules: Pick<FollowUpRules, 'purposesRequiringCaseReference'>): FindingDraft | null {
  if (event.purpose === null || !rules.purposesRequiringCaseReference.includes(event.purpose)) return null;
  if (event.caseReference !== null && event.caseReference.trim() !== '') return null;
  const read = personsRead(event);
  return {
    kind: 'NO_CASE_REFERENCE',
    score: 0.4,
    explanation: `Rule NO_CASE_REFERENCE: purpose ${event.purpose} needs a case reference (followUp.purposesRequiringCaseReference), and this read${read.length === 0 ? '' : ` of ${read.length === 1 ? 'one person' : `${read.length} persons`}`} carried none (X-Case-Reference).`,
    subjects: read,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** OFF_HOURS: a person (staff) read outside working hours, Swedish time. Partners' servers keep no office hours. */
export function offHours(event: AuditEvent, hours: WorkingHours): FindingDraft | null {
  if (event.principal.type !== 'STAFF') return null;
  const local = swedishClock(event.occurredAt);
  const { minutes } = local;
  const workingDay = hours.days.includes(local.dayOfWeek);
  const withinHours = hours.start <= hours.end ? minutes >= hours.start && minutes < hours.end : minutes >= hours.start || minutes < hours.end;
  if (workingDay && withinHours) return null;
  const when = `${local.day} ${clock(minutes)}`;
  const why = workingDay ? `outside working hours ${clock(hours.start)}–${clock(hours.end)}` : `on a ${WEEKDAYS[local.dayOfWeek - 1]}, not a working day`;
  return {
    kind: 'OFF_HOURS',
    score: minutes < 5 * 60 ? 0.5 : 0.3,
    explanation: `Rule OFF_HOURS: read at ${when} Swedish time, ${why} (followUp.workingHours).`,
    subjects: personsRead(event),
  };
}

/** A reader's day against their own history and their organisation's peers (worker.ts counts them). */
export interface VolumeEvidence {
  day: string;
  persons: number;
  /** The reader's distinct persons on each of their earlier active days within the history window. */
  own: readonly number[];
  /** Their peers' (same organisation, other readers) distinct persons per reader-day within the window. */
  peers: readonly number[];
  organization: string | null;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The count above which a day stands out from `history`: the median × factor, and the median plus `deviations`
 * robust standard deviations (1.4826 × the median absolute deviation, at least 1), whichever is higher. Median
 * and MAD are robust: a few earlier busy days (or earlier outliers) barely move them. Null without enough history.
 */
export function volumeBound(history: readonly number[], rule: VolumeRule): { median: number; bound: number } | null {
  if (history.length < rule.minHistory) return null;
  const m = median(history);
  const sigma = Math.max(1, 1.4826 * median(history.map((value) => Math.abs(value - m))));
  return { median: m, bound: Math.max(m * rule.factor, m + rule.deviations * sigma) };
}

/**
 * The count a reader's day must pass to stand out: above both bounds (own history, peers; or the one of the two
 * there is enough of), and at least `minPersons`. Null when there is no history to judge by.
 */
export function dayThreshold(evidence: Pick<VolumeEvidence, 'own' | 'peers'>, rule: VolumeRule): number | null {
  const own = volumeBound(evidence.own, rule);
  const peers = volumeBound(evidence.peers, rule);
  if (own === null && peers === null) return null;
  return Math.max(rule.minPersons - 1, own?.bound ?? 0, peers?.bound ?? 0);
}

/** VOLUME_OUTLIER: a reader's distinct persons on a day above `dayThreshold`. */
export function volumeOutlier(evidence: VolumeEvidence, rule: VolumeRule, subjects: string[]): FindingDraft | null {
  const threshold = dayThreshold(evidence, rule);
  if (threshold === null || evidence.persons <= threshold) return null;
  const own = volumeBound(evidence.own, rule);
  const peers = volumeBound(evidence.peers, rule);
  const bound = Math.max(own?.bound ?? 0, peers?.bound ?? 0);
  const parts = [
    own ? `a median of ${own.median} on their own ${evidence.own.length} earlier active days (bound ${Math.round(own.bound)})` : `too little history of their own (${evidence.own.length} days)`,
    peers ? `a median of ${peers.median} per day among their colleagues at ${evidence.organization ?? 'their organisation'} (bound ${Math.round(peers.bound)})` : 'too few colleagues\' days to compare with',
  ];
  return {
    kind: 'VOLUME_OUTLIER',
    score: Math.min(1, 1 - bound / evidence.persons / 2),
    explanation: `Rule VOLUME_OUTLIER: about ${evidence.persons} distinct persons read on ${evidence.day} (counted in a sketch, within a few per cent), against ${parts.join(', and ')}. A day is an outlier at ${rule.minPersons} persons or more and above both bounds (the median × ${rule.factor}, and the median + ${rule.deviations} robust deviations), over the last ${rule.historyDays} days.`,
    subjects,
  };
}
