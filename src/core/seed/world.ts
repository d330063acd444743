/**
 * The generated people every module's seed generator starts from: one world per (citizens, seed), shared by
 * all sources so that a person's benefits, cases and incomes belong to someone the register of persons knows.
 *
 * The same `citizens` and `seed` give the same world on every machine: all randomness comes from SeededRandom
 * (one independent stream per phase), all dates from integer calendar arithmetic, and "now" is the fixed
 * WORLD_AS_OF. A module draws its own rows from its own streams (named after what it generates), so adding a
 * module, or draws to one, never changes another module's rows.
 *
 * Quirks that are rare by nature are assigned by quota rather than by chance (see `quota`), so that any data set
 * of at least GUARANTEED_QUIRKS_FROM citizens has each of them at least once, whatever the seed.
 */
import { isValidPersonalNumber } from '../personal-number.js';
import { luhnCheckDigit } from '../luhn.js';
import { ageOn, civilDate, dayNumber, yearOf } from './calendar.js';
import { SeededRandom } from './random.js';
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, MUNICIPALITIES, type Municipality } from './vocabulary.js';

/** One chunk of generated rows for one legacy table. */
export interface LegacyChunk {
  table: string;
  rows: readonly object[];
}

/** The generated world's "today". Fixed, so that the data never depends on when it is generated. */
export const WORLD_AS_OF = '2026-10-31';
/** WORLD_AS_OF as a day number. */
export const AS_OF = dayNumber(2026, 10, 31);
/** The other agencies' rows (benefits, cases) are written from this day on. */
export const HISTORY_FROM = dayNumber(2010, 1, 1);
/** Register rows were last changed at the earliest on this day (the register's current system). */
export const REGISTER_CHANGES_FROM = dayNumber(2000, 1, 1);

/** From this many citizens on, every quirk (and every kind of bad row) is present at least once. */
export const GUARANTEED_QUIRKS_FROM = 100;

/** Deliberately bad rows per kind (Luhn failure, no such person) in a module's rows about persons. */
export const BAD_ROWS_PER_KIND = 3;

export interface WorldOptions {
  citizens: number;
  seed: string;
  /**
   * 12-digit numbers to give the citizens (e.g. Skatteverket's official test numbers; personal identity and
   * coordination numbers may be mixed). The citizens get the first `citizens` of a seeded shuffle of the
   * list, and everything else (birth date, sex) is derived from each number.
   */
  personalNumbers?: readonly string[];
}

export type SeedSex = 'M' | 'K';
export type DeregistrationCause = 'AV' | 'UV' | 'TA';

export interface SeedPerson {
  /** The 12-digit number `YYYYMMDDNNNC`. */
  readonly pnr: string;
  /** Birth date as a day number; an unknown day or month (coordination numbers) counts as the 1st. */
  readonly birthDay: number;
  readonly birthYear: number;
  readonly coordination: boolean;
  readonly sex: SeedSex;
  readonly municipality: Municipality;
  readonly givenNames: readonly string[];
  /** Spouses and children may share one (see SeedRelation). */
  readonly familyName: string;
  /** The day of the latest registration. */
  readonly registeredOn: number;
  readonly deregistration: { readonly cause: DeregistrationCause; readonly on: number; readonly dateKnown: boolean } | null;
  /** Last day the person can appear in another agency's rows (deregistration day, or the as-of day). */
  readonly activeUntil: number;
  /** Children the person is a guardian of. */
  readonly children: number;
}

/**
 * A family tie, in the order the families were made: spouses (a married couple, of about the same age), or a
 * child under 18 and one of its guardians (a child has one or two).
 */
export type SeedRelation =
  | { readonly kind: 'spouses'; readonly a: string; readonly b: string }
  | { readonly kind: 'guardian'; readonly child: string; readonly guardian: string };

/** Numbers for a module's deliberately bad rows: a row about a person that a register cannot match. */
export interface BadNumbers {
  /** A person's number with a wrong check digit (a typo in the legacy system). */
  readonly failingLuhn: readonly string[];
  /** Valid numbers of no one in the world (from a given list's unused numbers first). */
  readonly unmatched: readonly string[];
}

export interface SeedWorld {
  readonly seed: string;
  readonly persons: readonly SeedPerson[];
  readonly relations: readonly SeedRelation[];
  /**
   * The bad numbers of one slot: each module that writes bad rows uses its own slot, so that no two sources
   * share them. Slots are drawn in order from one stream, so a slot's numbers never depend on which module
   * asks first, and unmatched numbers are distinct across slots. BAD_ROWS_PER_KIND of each kind from
   * GUARANTEED_QUIRKS_FROM citizens on, none below.
   */
  badNumbers(slot: number): BadNumbers;
}

/** Builds the world: persons, deregistrations and families; bad numbers as they are asked for. */
export function buildWorld(options: WorldOptions): SeedWorld {
  const { citizens, seed } = options;
  if (!Number.isInteger(citizens) || citizens < 0) throw new RangeError('citizens must be a non-negative integer');
  if (typeof seed !== 'string') throw new TypeError('seed must be a string');

  const numbers = options.personalNumbers
    ? drawPersonalNumbers(new SeededRandom(seed, 'personal-numbers'), options.personalNumbers, citizens)
    : { chosen: generatePersonalNumbers(new SeededRandom(seed, 'personal-numbers'), citizens), spare: [] };

  const describeRandom = new SeededRandom(seed, 'persons');
  const persons = numbers.chosen.map((pnr) => describePerson(describeRandom, pnr));
  assignDeregistrations(new SeededRandom(seed, 'deregistrations'), persons);
  const relations = buildFamilies(new SeededRandom(seed, 'relations'), persons);
  return { seed, persons, relations, badNumbers: badNumberSlots(new SeededRandom(seed, 'bad-numbers'), persons, numbers.spare) };
}

/** Share of the citizens with a quirk, but at least one from GUARANTEED_QUIRKS_FROM citizens on. */
export function quota(citizens: number, share: number): number {
  const expected = Math.round(citizens * share);
  return citizens >= GUARANTEED_QUIRKS_FROM ? Math.max(1, expected) : expected;
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** A time of day within office hours (07:00–18:59), which never falls in a daylight-saving change. */
export function officeSecond(random: SeededRandom): number {
  return random.int(7 * 3600, 19 * 3600 - 1);
}

/** The subject of a deliberately bad row: someone's other details under a number the register lacks. */
export function standIn(base: SeedPerson, pnr: string): SeedPerson {
  const birthDay = birthDayOf(pnr);
  return { ...base, pnr, birthDay, birthYear: yearOf(birthDay), coordination: Number(pnr.slice(6, 8)) >= 60, activeUntil: AS_OF };
}

/** What the world builder changes while it builds (deregistrations, families); modules see SeedPerson. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type BuildingPerson = Mutable<SeedPerson>;

// ---------------------------------------------------------------------------------------------------------
// Personal numbers

/** Ages (at the as-of date) of everyone but the 100+: roughly Sweden's age pyramid, thinning after 65. */
const AGE_WEIGHTS: readonly (readonly [number, number])[] = range(99).map((age) => [
  age,
  age < 65 ? 1 : age < 80 ? 0.9 : age < 90 ? 0.5 : 0.15,
]);

function generatePersonalNumbers(random: SeededRandom, citizens: number): string[] {
  // Which citizens are 100+ and which have coordination numbers is decided by quota over a shuffle, so the
  // rare kinds are always present (see quota) yet spread over the whole data set.
  const order = random.shuffled(range(citizens));
  const centenarians = quota(citizens, 0.005);
  const coordination = quota(citizens, 0.02);
  // A few coordination numbers leave the day unknown: day 60 (0 + 60).
  const unknownDay = coordination > 0 ? Math.max(1, Math.round(coordination * 0.1)) : 0;
  const kindOf = new Map<number, 'centenarian' | 'coordination' | 'coordination-unknown-day'>();
  order.slice(0, centenarians).forEach((i) => kindOf.set(i, 'centenarian'));
  order.slice(centenarians, centenarians + coordination).forEach((i, k) =>
    kindOf.set(i, k < unknownDay ? 'coordination-unknown-day' : 'coordination'));

  const taken = new Set<string>();
  return range(citizens).map((i) => {
    const kind = kindOf.get(i);
    const birthDay = kind === 'centenarian' ? centenarianBirthDay(random) : birthDayForAge(random, random.weighted(AGE_WEIGHTS));
    const dayOffset = kind === 'coordination' ? 60 : 0;
    const forcedDay = kind === 'coordination-unknown-day' ? 60 : null;
    for (;;) {
      const pnr = composePersonalNumber(random, birthDay, random.chance(0.5) ? 'M' : 'K', dayOffset, forcedDay);
      if (!taken.has(pnr)) {
        taken.add(pnr);
        return pnr;
      }
    }
  });
}

/**
 * Born 1906–1926: 100 or older by the as-of year. Most were born 1911–1926 and so turned 100 while other
 * agencies' rows were being written (2010 on), which gives 10-digit forms both `-` and `+` separators.
 */
function centenarianBirthDay(random: SeededRandom): number {
  return random.chance(0.9)
    ? random.int(dayNumber(1911, 1, 1), dayNumber(1926, 12, 31))
    : random.int(dayNumber(1906, 1, 1), dayNumber(1910, 12, 31));
}

function birthDayForAge(random: SeededRandom, age: number): number {
  return random.int(dayNumber(2026 - age - 1, 11, 1), dayNumber(2026 - age, 10, 31));
}

/**
 * `YYYYMMDDNNNC`: a birth number NNN ≠ 000 whose third digit is odd for men and even for women, and the
 * Luhn check digit C over `YYMMDDNNN`. A coordination number adds 60 to the day.
 */
function composePersonalNumber(random: SeededRandom, birthDay: number, sex: SeedSex, dayOffset: number, forcedDay: number | null): string {
  const { year, month, day } = civilDate(birthDay);
  const dd = forcedDay ?? day + dayOffset;
  let birthNumber: number;
  do {
    const sexDigit = 2 * random.int(0, 4) + (sex === 'M' ? 1 : 0);
    birthNumber = random.int(0, 99) * 10 + sexDigit;
  } while (birthNumber === 0);
  const nine = String(year % 100).padStart(2, '0') + String(month).padStart(2, '0') + String(dd).padStart(2, '0') +
    String(birthNumber).padStart(3, '0');
  return String(year).padStart(4, '0').slice(0, 2) + nine + String(luhnCheckDigit(nine));
}

/** The same number with a wrong check digit: what a typo in a legacy system leaves behind. */
export function withWrongCheckDigit(pnr: string): string {
  const check = pnr.charCodeAt(pnr.length - 1) - 48;
  return pnr.slice(0, -1) + String((check + 1) % 10);
}

function drawPersonalNumbers(random: SeededRandom, list: readonly string[], citizens: number): { chosen: string[]; spare: string[] } {
  const unique = [...new Set(list)];
  unique.forEach((pnr, index) => {
    // The message names the position, not the number: numbers are personal data (even test numbers are
    // indistinguishable from real ones in a log).
    if (!isValidPersonalNumber(pnr)) throw new RangeError(`personalNumbers[${index}] is not a valid 12-digit personal number`);
  });
  if (citizens > unique.length) {
    throw new RangeError(`${citizens} citizens requested but personalNumbers holds only ${unique.length} distinct numbers`);
  }
  const shuffled = random.shuffled(unique);
  return { chosen: shuffled.slice(0, citizens), spare: shuffled.slice(citizens) };
}

/** The birth date a number encodes (day and month unknown → the 1st), never after the as-of date. */
function birthDayOf(pnr: string): number {
  const year = Number(pnr.slice(0, 4));
  const month = Number(pnr.slice(4, 6)) || 1;
  const rawDay = Number(pnr.slice(6, 8));
  const day = (rawDay >= 60 ? rawDay - 60 : rawDay) || 1;
  return Math.min(dayNumber(year, month, day), AS_OF);
}

// ---------------------------------------------------------------------------------------------------------
// Persons

const MUNICIPALITY_WEIGHTS = MUNICIPALITIES.map((m) => [m, m.weight] as const);

function describePerson(random: SeededRandom, pnr: string): BuildingPerson {
  const birthDay = birthDayOf(pnr);
  const coordination = Number(pnr.slice(6, 8)) >= 60;
  // The sex agrees with the parity of the birth number's third digit, for drawn numbers too.
  const sex: SeedSex = (pnr.charCodeAt(10) - 48) % 2 === 1 ? 'M' : 'K';
  const givenNameCount = random.weighted([[1, 35], [2, 50], [3, 15]] as const);
  return {
    pnr,
    birthDay,
    birthYear: yearOf(birthDay),
    coordination,
    sex,
    municipality: random.weighted(MUNICIPALITY_WEIGHTS),
    givenNames: random.sample(sex === 'M' ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES, givenNameCount),
    familyName: random.pick(FAMILY_NAMES),
    registeredOn: registrationDay(random, birthDay, coordination),
    deregistration: null,
    activeUntil: AS_OF,
    children: 0,
  };
}

/**
 * The day of the latest registration — at birth for those who never moved, a later move for the others, and
 * from 2000 on for coordination numbers, so both rows from before and from after 2000 occur.
 */
function registrationDay(random: SeededRandom, birthDay: number, coordination: boolean): number {
  if (coordination) return random.int(Math.min(Math.max(birthDay, REGISTER_CHANGES_FROM), AS_OF), AS_OF);
  return random.chance(0.35) ? birthDay : random.int(birthDay, AS_OF);
}

/**
 * Deregistrations by quota: AV deceased ~1 %, UV emigrated ~0.5 %, TA technical ~0.2 %; about one in six of
 * them with the date unknown to the register. The 100+ stay registered, so that other agencies' rows about
 * them can span the year they turned 100.
 */
function assignDeregistrations(random: SeededRandom, persons: BuildingPerson[]): void {
  const candidates = random.shuffled(range(persons.length)).filter((i) => persons[i]!.birthYear > 1926);
  const taken = new Set<number>();
  const take = (cause: DeregistrationCause, count: number, eligible: (p: BuildingPerson) => boolean): number[] => {
    const chosen: number[] = [];
    for (const i of candidates) {
      if (chosen.length >= count) break;
      if (!taken.has(i) && eligible(persons[i]!)) {
        chosen.push(i);
        taken.add(i);
      }
    }
    return chosen.map((i) => {
      persons[i]!.deregistration = { cause, on: 0, dateKnown: true };
      return i;
    });
  };
  const deregistered = [
    ...take('AV', quota(persons.length, 0.01), (p) => ageOn(p.birthDay, AS_OF) >= 30),
    ...take('UV', quota(persons.length, 0.005), (p) => ageOn(p.birthDay, AS_OF) >= 18),
    ...take('TA', quota(persons.length, 0.002), () => true),
  ];
  deregistered.forEach((i, position) => {
    const person = persons[i]!;
    const on = random.int(person.registeredOn, AS_OF);
    person.deregistration = { cause: person.deregistration!.cause, on, dateKnown: position % 6 !== 0 };
    // Even where the register lost the date, the person stopped appearing elsewhere on the real day.
    person.activeUntil = on;
  });
}

/**
 * Families: spouses, and children with one or two guardians. Children mostly take a guardian's family name,
 * and some spouses share one, so the names agree with the relations; each guardian counts its children (which
 * benefits a person can have depends on it).
 */
function buildFamilies(random: SeededRandom, persons: BuildingPerson[]): SeedRelation[] {
  const relations: SeedRelation[] = [];
  const adultsByYear = new Map<number, number[]>();
  const couplesByYear = new Map<number, [number, number][]>();
  const add = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };

  const marriageable: { index: number; key: number }[] = [];
  persons.forEach((person, index) => {
    const age = ageOn(person.birthDay, AS_OF);
    if (age >= 18) add(adultsByYear, person.birthYear, index);
    // Sorting by birth day plus a few years of jitter pairs people of about the same age.
    if (age >= 20 && age <= 95 && random.chance(0.5)) marriageable.push({ index, key: person.birthDay + random.int(-1800, 1800) });
  });
  marriageable.sort((x, y) => x.key - y.key || x.index - y.index);
  for (let k = 0; k + 1 < marriageable.length; k += 2) {
    const a = marriageable[k]!.index;
    const b = marriageable[k + 1]!.index;
    if (random.chance(0.4)) persons[b]!.familyName = persons[a]!.familyName;
    relations.push({ kind: 'spouses', a: persons[a]!.pnr, b: persons[b]!.pnr });
    add(couplesByYear, persons[a]!.birthYear, [a, b] as [number, number]);
  }

  const MAX_CHILDREN = 5;
  for (const child of persons) {
    if (ageOn(child.birthDay, AS_OF) >= 18) continue;
    let guardians: number[] = [];
    if (random.chance(0.7)) {
      for (let attempt = 0; attempt < 8 && guardians.length === 0; attempt++) {
        const couples = couplesByYear.get(child.birthYear - random.int(20, 42));
        const couple = couples ? random.pick(couples) : undefined;
        if (couple && persons[couple[0]]!.children < MAX_CHILDREN) guardians = couple;
      }
    }
    for (let attempt = 0; attempt < 8 && guardians.length === 0; attempt++) {
      const adults = adultsByYear.get(child.birthYear - random.int(18, 45));
      const adult = adults ? random.pick(adults) : undefined;
      if (adult !== undefined && persons[adult]!.children < MAX_CHILDREN) guardians = [adult];
    }
    if (guardians.length > 0 && random.chance(0.85)) child.familyName = persons[guardians[0]!]!.familyName;
    for (const g of guardians) {
      persons[g]!.children++;
      relations.push({ kind: 'guardian', child: child.pnr, guardian: persons[g]!.pnr });
    }
  }
  return relations;
}

// ---------------------------------------------------------------------------------------------------------
// Bad numbers

function badNumberSlots(random: SeededRandom, persons: readonly SeedPerson[], spare: readonly string[]): (slot: number) => BadNumbers {
  const perSlot = persons.length >= GUARANTEED_QUIRKS_FROM ? BAD_ROWS_PER_KIND : 0;
  const known = new Set(persons.map((p) => p.pnr));
  const spareLeft = spare.slice();
  // A valid number of no one in the world. From a given list, prefer its unused numbers: an invented number
  // might belong to a living person, which is why the list exists.
  const unmatched = (): string => {
    const fromList = spareLeft.shift();
    if (fromList !== undefined) return fromList;
    for (;;) {
      const pnr = composePersonalNumber(random, random.int(dayNumber(1950, 1, 1), dayNumber(2005, 12, 31)), random.chance(0.5) ? 'M' : 'K', 0, null);
      if (!known.has(pnr)) {
        known.add(pnr);
        return pnr;
      }
    }
  };
  const failingLuhn = (): string => withWrongCheckDigit(random.pick(persons).pnr);
  const slots: BadNumbers[] = [];
  return (slot) => {
    if (!Number.isInteger(slot) || slot < 0) throw new RangeError('a bad-number slot is a non-negative integer');
    while (slots.length <= slot) slots.push({ failingLuhn: range(perSlot).map(failingLuhn), unmatched: range(perSlot).map(unmatched) });
    return slots[slot]!;
  };
}
