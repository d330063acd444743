/**
 * The employment service's generated rows: AF_ARENDE job-seeker cases of the shared world's persons and their
 * AF_HANDLINGSPLAN action plans, plus a few deliberately bad rows. Every quirk of legacy-sources.md §3 is made
 * on purpose (see where each one is made).
 */
import { addYears, ageOn, fallBackDay, localDateTime, springForwardDay, yearOf } from '../../src/core/seed/calendar.js';
import { ChunkBuffer } from '../../src/core/seed/chunks.js';
import { SeededRandom } from '../../src/core/seed/random.js';
import { ACTIVITIES, FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, NOTE_SENTENCES, type Municipality } from '../../src/core/seed/vocabulary.js';
import { AS_OF, HISTORY_FROM, standIn, type LegacyChunk, type SeedPerson, type SeedWorld } from '../../src/core/seed/world.js';
import type { SeedGenerator } from '../../src/core/source-module.js';
import type { AfArendeRow, AfHandlingsplanRow } from './tables.js';

/** This module's bad numbers in the world (see SeedWorld.badNumbers). */
const BAD_NUMBER_SLOT = 1;

export const employmentServiceSeed: SeedGenerator = {
  columns: {
    AF_ARENDE: [
      'ARENDE_ID', 'PERSONNR', 'ARENDETYP', 'STATUS', 'SOKANDEKATEGORI', 'PROGRAM_KOD', 'KONTOR_KOD', 'HANDLAGGARE', 'OPPNAT',
      'AVSLUTAT', 'ANTECKNING',
    ] satisfies (keyof AfArendeRow)[],
    AF_HANDLINGSPLAN: ['ARENDE_ID', 'STEG', 'AKTIVITET', 'STATUS', 'UPPDATERAD'] satisfies (keyof AfHandlingsplanRow)[],
  },
  chunks: employmentServiceChunks,
};

type DstKind = 'gap' | 'overlap';

/**
 * Local times in the hour skipped when summer time begins and in the hour repeated when it ends. The first
 * case that can have one gets each kind in OPPNAT and in AVSLUTAT (so every data set has them); after
 * that, about 2 % of the times fall in one of those hours by chance.
 */
class DaylightSavingQuirks {
  private readonly pending: Record<'OPPNAT' | 'AVSLUTAT', DstKind[]> = { OPPNAT: ['gap', 'overlap'], AVSLUTAT: ['gap', 'overlap'] };

  constructor(private readonly random: SeededRandom) {}

  /** A local time in a DST hour within [from, to], or null for an ordinary time. */
  timeFor(column: 'OPPNAT' | 'AVSLUTAT' | 'UPPDATERAD', from: number, to: number): { day: number; time: string } | null {
    const pending = column === 'UPPDATERAD' ? [] : this.pending[column];
    const kind = pending[0] ?? (this.random.chance(0.02) ? this.random.pick(['gap', 'overlap'] as const) : null);
    if (kind === null) return null;
    const result = this.dstTime(kind, from, to);
    if (result && pending[0] === kind) pending.shift();
    return result;
  }

  private dstTime(kind: DstKind, from: number, to: number): { day: number; time: string } | null {
    const days: number[] = [];
    for (let year = yearOf(from); year <= yearOf(to); year++) {
      const day = kind === 'gap' ? springForwardDay(year) : fallBackDay(year);
      if (day >= from && day <= to) days.push(day);
    }
    if (days.length === 0) return null;
    const day = this.random.pick(days);
    // 02:00–02:59 local: skipped on the spring day, repeated on the autumn day.
    return { day, time: localDateTime(day, 2 * 3600 + this.random.int(0, 3599)) };
  }
}

/** ARENDE_ID `AF-YYYY-NNNNNN`, numbered per year the case was opened. */
class CaseIds {
  private readonly lastByYear = new Map<number, number>();

  next(year: number): string {
    const number = (this.lastByYear.get(year) ?? 0) + 1;
    this.lastByYear.set(year, number);
    return `AF-${year}-${String(number).padStart(6, '0')}`;
  }
}

/** About 20 % of everyone has at least one case. */
const CASE_SHARE = 0.2;

function* employmentServiceChunks(world: SeedWorld, chunkRows: number): Generator<LegacyChunk> {
  const random = new SeededRandom(world.seed, 'employment-service');
  const buffer = new ChunkBuffer(chunkRows);
  const ids = new CaseIds();
  const dst = new DaylightSavingQuirks(random);
  const write = (subject: SeedPerson, window: { from: number; to: number }): void => {
    const { arende, steps } = caseRows(random, subject, window, ids, dst);
    buffer.add('AF_ARENDE', arende);
    for (const step of steps) buffer.add('AF_HANDLINGSPLAN', step);
  };

  const windows = world.persons.map(caseWindow);
  const eligible = windows.filter((w) => w !== null).length;
  const share = eligible === 0 ? 0 : Math.min(0.9, (CASE_SHARE * world.persons.length) / eligible);
  for (let i = 0; i < world.persons.length; i++) {
    const window = windows[i];
    if (window && random.chance(share)) {
      for (let n: number = random.weighted([[1, 75], [2, 20], [3, 5]] as const); n > 0; n--) write(world.persons[i]!, window);
    }
    yield* buffer.drain(false);
  }

  // The deliberately bad rows: PERSONNR failing the Luhn check, and a valid PERSONNR of no one registered.
  const { failingLuhn, unmatched } = world.badNumbers(BAD_NUMBER_SLOT);
  for (const pnr of [...failingLuhn, ...unmatched]) {
    write(standIn(random.pick(world.persons), pnr), { from: HISTORY_FROM, to: AS_OF });
  }
  yield* buffer.drain(true);
}

/** The days a person can have a job-seeker case: aged 16 to 75, from 2010, while registered. */
function caseWindow(person: SeedPerson): { from: number; to: number } | null {
  if (ageOn(person.birthDay, AS_OF) > 75) return null;
  const from = Math.max(HISTORY_FROM, addYears(person.birthDay, 16));
  return from <= person.activeUntil ? { from, to: person.activeUntil } : null;
}

type CaseType = 'INSKRIVNING' | 'PROGRAM' | 'SANKTION';
type CaseStatus = 'OPPET' | 'VILANDE' | 'AVSLUTAT';

const JOB_SEEKER_CATEGORIES: Readonly<Record<CaseType, readonly (readonly [string | null, number])[]>> = {
  INSKRIVNING: [['11', 45], ['22', 15], ['21', 10], ['41', 10], ['34', 5], [null, 15]],
  PROGRAM: [['68', 50], ['69', 20], ['70', 20], [null, 10]],
  SANKTION: [['11', 60], ['22', 20], [null, 20]],
};

function caseRows(
  random: SeededRandom,
  subject: SeedPerson,
  window: { from: number; to: number },
  ids: CaseIds,
  dst: DaylightSavingQuirks,
): { arende: AfArendeRow; steps: AfHandlingsplanRow[] } {
  const type = random.weighted<CaseType>([['INSKRIVNING', 60], ['PROGRAM', 30], ['SANKTION', 10]]);
  const opened = dst.timeFor('OPPNAT', window.from, window.to) ?? ordinaryTime(random, random.int(window.from, window.to), 8, 17);
  // Someone who died or emigrated has only closed cases; AVSLUTAT is set exactly when STATUS is AVSLUTAT.
  const status: CaseStatus = subject.activeUntil < AS_OF
    ? 'AVSLUTAT'
    : random.weighted<CaseStatus>([['OPPET', 40], ['VILANDE', 15], ['AVSLUTAT', 45]]);
  const closed = status === 'AVSLUTAT' ? closingTime(random, dst, opened.day, window.to) : null;
  const arende: AfArendeRow = {
    ARENDE_ID: ids.next(yearOf(opened.day)),
    // The 12-digit number as an integer (a safe JS number: < 2^53).
    PERSONNR: Number(subject.pnr),
    ARENDETYP: type,
    STATUS: status,
    SOKANDEKATEGORI: random.weighted(JOB_SEEKER_CATEGORIES[type]),
    PROGRAM_KOD: type === 'PROGRAM' ? programme(random, subject, ageOn(subject.birthDay, opened.day)) : null,
    KONTOR_KOD: officeCode(random, subject.municipality),
    HANDLAGGARE: random.chance(0.55) ? `${random.pick(random.chance(0.5) ? FEMALE_GIVEN_NAMES : MALE_GIVEN_NAMES)} ${random.pick(FAMILY_NAMES)}` : `AF${random.int(10000, 99999)}`,
    OPPNAT: opened.time,
    AVSLUTAT: closed?.time ?? null,
    ANTECKNING: random.chance(0.25) ? null : random.sample(NOTE_SENTENCES, random.int(1, 3)).join(' '),
  };
  return { arende, steps: actionPlan(random, dst, arende, opened, closed ?? { day: window.to, time: null }) };
}

function ordinaryTime(random: SeededRandom, day: number, fromHour: number, toHour: number): { day: number; time: string } {
  return { day, time: localDateTime(day, random.int(fromHour * 3600, toHour * 3600 - 1)) };
}

/** Closed within 0–900 days; a case closed the day it opened closes in the evening, after it opened. */
function closingTime(random: SeededRandom, dst: DaylightSavingQuirks, openedDay: number, lastDay: number): { day: number; time: string } {
  const quirky = openedDay < lastDay ? dst.timeFor('AVSLUTAT', openedDay + 1, lastDay) : null;
  if (quirky) return quirky;
  const day = Math.min(openedDay + random.int(0, 900), lastDay);
  return day === openedDay ? ordinaryTime(random, day, 17, 19) : ordinaryTime(random, day, 8, 17);
}

function programme(random: SeededRandom, subject: SeedPerson, age: number): string | null {
  if (random.chance(0.05)) return null;
  if (age < 25 && random.chance(0.7)) return 'UGA';
  if (subject.coordination && random.chance(0.6)) return 'ETABL';
  return random.weighted([['JOBBGAR', 60], ['ETABL', 25], ['UGA', 15]] as const);
}

/** KONTOR_KOD: one to three offices per municipality, e.g. `A180`, `B180` in Stockholm. */
function officeCode(random: SeededRandom, municipality: Municipality): string {
  const offices = 1 + (municipality.weight > 300 ? 1 : 0) + (municipality.weight > 800 ? 1 : 0);
  return 'ABC'[random.int(0, offices - 1)]! + municipality.code.slice(1);
}

/**
 * AF_HANDLINGSPLAN: 1–5 steps. A closed case's steps are done or cancelled; an open one's are done up to a
 * point, then in progress (planned while paused), then planned. UPPDATERAD lies between the case's opening
 * and its closing (or the as-of date).
 */
function actionPlan(
  random: SeededRandom,
  dst: DaylightSavingQuirks,
  arende: AfArendeRow,
  opened: { day: number; time: string },
  end: { day: number; time: string | null },
): AfHandlingsplanRow[] {
  const activities = random.sample(ACTIVITIES, random.int(1, 5));
  const progress = random.int(0, activities.length);
  return activities.map((activity, index) => {
    let status: string;
    if (arende.STATUS === 'AVSLUTAT') status = random.chance(0.75) ? 'KLAR' : 'AVBRUTEN';
    else if (index < progress) status = random.chance(0.85) ? 'KLAR' : 'AVBRUTEN';
    else if (index === progress) status = arende.STATUS === 'VILANDE' ? 'PLANERAD' : 'PAGAR';
    else status = 'PLANERAD';
    return { ARENDE_ID: arende.ARENDE_ID, STEG: index + 1, AKTIVITET: activity, STATUS: status, UPPDATERAD: updatedAt(random, dst, opened, end) };
  });
}

function updatedAt(random: SeededRandom, dst: DaylightSavingQuirks, opened: { day: number; time: string }, end: { day: number; time: string | null }): string {
  // Updates on the opening or closing day take those exact times, so UPPDATERAD never leaves the case's span.
  const quirky = opened.day + 1 < end.day ? dst.timeFor('UPPDATERAD', opened.day + 1, end.day - 1) : null;
  if (quirky) return quirky.time;
  const day = random.int(opened.day, end.day);
  if (day === opened.day) return opened.time;
  if (day === end.day && end.time !== null) return end.time;
  return ordinaryTime(random, day, 8, 17).time;
}
