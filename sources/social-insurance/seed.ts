/**
 * Social insurance's generated rows: FK_BESLUT decisions about the shared world's persons and their
 * FK_UTBETALNING payments, plus a few deliberately bad rows. Every quirk of legacy-sources.md §2 is made on
 * purpose (see where each one is made).
 */
import { toTenDigitForm } from '../../src/core/personal-number.js';
import { addYears, ageOn, civilDate, compactDate, dayNumber, isoDate, localDateTime, yearOf } from '../../src/core/seed/calendar.js';
import { ChunkBuffer } from '../../src/core/seed/chunks.js';
import { SeededRandom } from '../../src/core/seed/random.js';
import { AS_OF, HISTORY_FROM, officeSecond, standIn, type LegacyChunk, type SeedPerson, type SeedWorld } from '../../src/core/seed/world.js';
import type { SeedGenerator } from '../../src/core/source-module.js';
import type { FkBeslutRow, FkUtbetalningRow } from './tables.js';

/** This module's bad numbers in the world (see SeedWorld.badNumbers). */
const BAD_NUMBER_SLOT = 0;
/** Payment ids come from a sequence beyond 32 bits, as the BIGINT column allows. */
const FIRST_PAYMENT_ID = 5_000_000_001;

export const socialInsuranceSeed: SeedGenerator = {
  columns: {
    FK_BESLUT: [
      'BESLUT_ID', 'PNR', 'FORMAN', 'STATUS', 'BELOPP_ORE', 'PERIODICITET', 'FROM_DATUM', 'TOM_DATUM', 'BESLUTSDATUM',
      'HANDLAGGARE', 'ANDRAD_TS',
    ] satisfies (keyof FkBeslutRow)[],
    FK_UTBETALNING: ['UTBET_ID', 'BESLUT_ID', 'UTBET_DATUM', 'BELOPP_ORE'] satisfies (keyof FkUtbetalningRow)[],
  },
  chunks: socialInsuranceChunks,
};

type Forman = 'ABB' | 'FP' | 'SJP' | 'BOB' | 'AKS';

const DEFAULT_PERIODICITY: Readonly<Record<Forman, 'M' | 'D'>> = { ABB: 'M', FP: 'D', SJP: 'D', BOB: 'M', AKS: 'D' };

/** 0–4 decisions per person with a history. */
const DECISIONS_PER_PERSON = [[0, 35], [1, 30], [2, 18], [3, 11], [4, 6]] as const;

function* socialInsuranceChunks(world: SeedWorld, chunkRows: number): Generator<LegacyChunk> {
  const random = new SeededRandom(world.seed, 'social-insurance');
  const buffer = new ChunkBuffer(chunkRows);
  const ids = { decision: 1, payment: FIRST_PAYMENT_ID };
  const write = (subject: SeedPerson, day: number, forman: Forman): void => {
    const { decision, payments } = decisionRows(random, subject, day, forman, ids);
    buffer.add('FK_BESLUT', decision);
    for (const payment of payments) buffer.add('FK_UTBETALNING', payment);
  };

  for (const person of world.persons) {
    for (const day of decisionDays(random, person)) {
      const choices = benefitsAvailable(person, ageOn(person.birthDay, day));
      if (choices.length > 0) write(person, day, random.weighted(choices));
    }
    yield* buffer.drain(false);
  }

  // The deliberately bad rows: PNR failing the Luhn check, and a valid PNR of no one in the register.
  const { failingLuhn, unmatched } = world.badNumbers(BAD_NUMBER_SLOT);
  for (const pnr of [...failingLuhn, ...unmatched]) {
    write(standIn(random.pick(world.persons), pnr), random.int(HISTORY_FROM, AS_OF), random.pick(['ABB', 'FP', 'SJP', 'BOB', 'AKS'] as const));
  }
  yield* buffer.drain(true);
}

/**
 * The days (ANDRAD_TS) a person's decisions were last changed, in order. Someone who turned 100 between
 * 2010 and the as-of date gets at least one row from before that year and one from it on, so that their
 * PNR appears both as `YYMMDD-NNNC` and as `YYMMDD+NNNC`.
 */
function decisionDays(random: SeededRandom, person: SeedPerson): number[] {
  const from = Math.max(HISTORY_FROM, addYears(person.birthDay, 16));
  const until = person.activeUntil;
  if (from > until) return [];
  const days: number[] = [];
  const turns100 = person.birthYear + 100;
  if (turns100 > yearOf(from) && turns100 <= yearOf(until)) {
    const newYear = dayNumber(turns100, 1, 1);
    days.push(random.int(from, newYear - 1), random.int(newYear, until));
    for (let extra = random.int(0, 2); extra > 0; extra--) days.push(random.int(from, until));
  } else {
    for (let n: number = random.weighted(DECISIONS_PER_PERSON); n > 0; n--) days.push(random.int(from, until));
  }
  return days.sort((a, b) => a - b);
}

/** The benefits a person of this age could have been decided on, weighted by how common they are. */
function benefitsAvailable(person: SeedPerson, age: number): [Forman, number][] {
  const choices: [Forman, number][] = [];
  const parent = person.children > 0;
  if (parent && age >= 18 && age <= 60) choices.push(['ABB', 3]);
  if (parent && age >= 18 && age <= 50) choices.push(['FP', 2]);
  else if (age >= 20 && age <= 45) choices.push(['FP', 0.3]);
  if (age >= 16 && age <= 67) choices.push(['SJP', 3]);
  if (age >= 18) choices.push(['BOB', 1.5]);
  if (age >= 18 && age <= 64) choices.push(['AKS', 1.2]);
  return choices;
}

type DecisionStatus = 'I' | 'B' | 'A' | 'U';

function decisionRows(
  random: SeededRandom,
  subject: SeedPerson,
  changedDay: number,
  forman: Forman,
  ids: { decision: number; payment: number },
): { decision: FkBeslutRow; payments: FkUtbetalningRow[] } {
  const status = random.weighted<DecisionStatus>([['I', 8], ['B', 42], ['A', 15], ['U', 35]]);
  const periodicity = random.chance(0.06) ? 'E' : DEFAULT_PERIODICITY[forman];
  const validity = validityPeriod(random, status, changedDay);
  const validTo = periodicity === 'E' ? validity.from : validity.to;
  // BESLUTSDATUM: none while applied; an ended benefit's decision is the one that granted it, before its start.
  const decidedDay = status === 'I' ? null
    : status === 'U' ? validity.from - random.int(0, 30)
    : changedDay - random.int(0, 20);
  const amount = decisionAmount(random, forman, periodicity, status, yearOf(changedDay));
  const decision: FkBeslutRow = {
    BESLUT_ID: ids.decision++,
    // The 10-digit form, with its separator as of the year the row was written.
    PNR: toTenDigitForm(subject.pnr, yearOf(changedDay)),
    FORMAN: forman,
    STATUS: status,
    BELOPP_ORE: amount,
    PERIODICITET: periodicity,
    FROM_DATUM: compactDate(validity.from),
    // `99991231`: open-ended.
    TOM_DATUM: validTo === null ? '99991231' : compactDate(validTo),
    BESLUTSDATUM: decidedDay === null ? null : isoDate(decidedDay),
    HANDLAGGARE: random.chance(status === 'I' ? 0.5 : 0.08) ? null : `FK${random.int(100000, 999999)}`,
    ANDRAD_TS: localDateTime(changedDay, officeSecond(random)),
  };
  const payments = decidedDay !== null && amount !== null && (status === 'B' || status === 'U')
    ? paymentRows(random, decision.BESLUT_ID, amount, periodicity, {
      from: Math.max(validity.from, decidedDay),
      to: Math.min(validTo ?? AS_OF, status === 'U' ? changedDay : AS_OF, subject.activeUntil),
    }, ids)
    : [];
  return { decision, payments };
}

/** FROM_DATUM and TOM_DATUM (null: open-ended), consistent with the status at the time of the change. */
function validityPeriod(random: SeededRandom, status: DecisionStatus, changedDay: number): { from: number; to: number | null } {
  switch (status) {
    case 'I': {
      const from = changedDay + random.int(-30, 45);
      return { from, to: random.chance(0.7) ? null : from + random.int(30, 365) };
    }
    case 'B': {
      const from = changedDay - random.int(0, 400);
      return { from, to: random.chance(0.6) ? null : from + random.int(30, 730) };
    }
    case 'A': {
      const from = changedDay - random.int(0, 90);
      return { from, to: random.chance(0.5) ? null : from + random.int(30, 365) };
    }
    case 'U': {
      const from = changedDay - random.int(60, 1500);
      return { from, to: from + random.int(14, changedDay - from) };
    }
  }
}

/** BELOPP_ORE per period, in öre; NULL for most applications and rejections and for a few others. */
function decisionAmount(random: SeededRandom, forman: Forman, periodicity: string, status: DecisionStatus, year: number): number | null {
  const nullShare = status === 'I' ? 0.8 : status === 'A' ? 0.7 : 0.02;
  if (random.chance(nullShare)) return null;
  if (periodicity === 'E') return random.int(500, 25_000) * 100;
  switch (forman) {
    case 'ABB': return year < 2018 ? 105_000 : 125_000; // SEK 1,050 a month until 2018, then 1,250
    case 'BOB': return random.int(10, 55) * 10_000;
    case 'FP': return random.int(250, 1_250) * 100;
    case 'SJP': return random.int(30_000, 116_000); // 80 % of an income per day: not whole kronor
    case 'AKS': return random.int(365, 910) * 100;
  }
}

/**
 * A granted or ended decision's payments: on the 25th of the last few months of its paid period (daily
 * benefits for the days of that month), or once for a one-off.
 */
function paymentRows(
  random: SeededRandom,
  decisionId: number,
  amount: number,
  periodicity: string,
  paid: { from: number; to: number },
  ids: { payment: number },
): FkUtbetalningRow[] {
  const days: number[] = [];
  if (periodicity === 'E') {
    const day = paid.from + random.int(1, 10);
    if (day <= paid.to) days.push(day);
  } else {
    const last = civilDate(paid.to);
    let month = last.year * 12 + (last.month - 1) - (last.day < 25 ? 1 : 0);
    for (let wanted = random.int(2, 6); wanted > 0; wanted--, month--) {
      const day = dayNumber(Math.floor(month / 12), (month % 12) + 1, 25);
      if (day < paid.from) break;
      days.unshift(day);
    }
  }
  return days.map((day) => ({
    UTBET_ID: ids.payment++,
    BESLUT_ID: decisionId,
    UTBET_DATUM: isoDate(day),
    BELOPP_ORE: periodicity === 'D' ? amount * random.int(5, 22) : amount,
  }));
}
