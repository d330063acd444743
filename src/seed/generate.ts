/**
 * The deterministic generator of the agencies' legacy data for the demo, tests and benchmarks.
 *
 * The same `citizens` and `seed` give byte-identical rows on every machine: all randomness comes from
 * SeededRandom (one independent stream per phase), all dates from integer calendar arithmetic, and the
 * world's "now" is the fixed WORLD_AS_OF. Rows hold only strings, numbers and nulls, so they insert alike
 * into MySQL/MariaDB and SQLite.
 *
 * Every quirk of legacy-sources.md is generated on purpose (see the comments where each one is made).
 * Quirks that are rare by nature are assigned by quota rather than by chance, so that any data set of at
 * least GUARANTEED_QUIRKS_FROM citizens has each of them at least once, whatever the seed.
 *
 * The population (FB_PERSON, FB_RELATION) is built in memory, because relations and the other agencies'
 * rows need to know everyone; the other four tables are produced lazily, in chunks, by streamLegacyData.
 */
import type { AfArendeRow, AfHandlingsplanRow } from '../../sources/employment-service/tables.js';
import type { FbPersonRow, FbRelationRow } from '../../sources/population-register/tables.js';
import type { FkBeslutRow, FkUtbetalningRow } from '../../sources/social-insurance/tables.js';
import { isValidPersonalNumber, toTenDigitForm } from '../core/personal-number.js';
import {
  addYears, ageOn, civilDate, compactDate, dayNumber, fallBackDay, isoDate, localDateTime, springForwardDay, yearOf,
} from '../core/seed/calendar.js';
import { SeededRandom } from '../core/seed/random.js';
import {
  ACTIVITIES, FAMILY_NAMES, FEMALE_GIVEN_NAMES, FORWARDING_ADDRESS, MALE_GIVEN_NAMES, MUNICIPALITIES, NOTE_SENTENCES,
  STREET_NAMES, type Municipality,
} from '../core/seed/vocabulary.js';

// ---------------------------------------------------------------------------------------------------------
// Public API

/** The generated world's "today". Fixed, so that the data never depends on when it is generated. */
export const WORLD_AS_OF = '2026-10-31';

/** From this many citizens on, every quirk (and every kind of bad row) is present at least once. */
export const GUARANTEED_QUIRKS_FROM = 100;

/** Deliberately bad rows per kind (Luhn failure, no such person) in FK_BESLUT and in AF_ARENDE. */
export const BAD_ROWS_PER_KIND = 3;

export interface GenerateOptions {
  citizens: number;
  seed: string;
  /**
   * 12-digit numbers to give the citizens (e.g. Skatteverket's official test numbers; personal identity and
   * coordination numbers may be mixed). The citizens get the first `citizens` of a seeded shuffle of the
   * list, and everything else (birth date, sex) is derived from each number.
   */
  personalNumbers?: readonly string[];
}

export interface StreamOptions extends GenerateOptions {
  /** Rows per chunk (default 1000). Only the grouping changes with it, never the rows. */
  chunkRows?: number;
}

export interface LegacyData {
  FB_PERSON: FbPersonRow[];
  FB_RELATION: FbRelationRow[];
  FK_BESLUT: FkBeslutRow[];
  FK_UTBETALNING: FkUtbetalningRow[];
  AF_ARENDE: AfArendeRow[];
  AF_HANDLINGSPLAN: AfHandlingsplanRow[];
}

export type LegacyTableName = keyof LegacyData;
export type LegacyRow<T extends LegacyTableName> = LegacyData[T][number];
export type LegacyChunk = { [T in LegacyTableName]: { table: T; rows: LegacyData[T] } }[LegacyTableName];

/** The sources this generator fills (transitional, until each module generates its own rows). */
export type SourceName = 'populationRegister' | 'socialInsurance' | 'employmentService';

export const SOURCE_TABLES: { readonly [S in SourceName]: readonly LegacyTableName[] } = {
  populationRegister: ['FB_PERSON', 'FB_RELATION'],
  socialInsurance: ['FK_BESLUT', 'FK_UTBETALNING'],
  employmentService: ['AF_ARENDE', 'AF_HANDLINGSPLAN'],
};

/** One chunk stream per source; each can be iterated (again) independently, always giving the same chunks. */
export type LegacyDataStreams = { readonly [S in SourceName]: Iterable<LegacyChunk> };

/** Generates the data set, one lazily produced chunk stream per source. */
export function streamLegacyData(options: StreamOptions): LegacyDataStreams {
  const chunkRows = options.chunkRows ?? 1000;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError('chunkRows must be a positive integer');
  const world = buildWorld(options);
  return {
    populationRegister: reiterable(() => populationRegisterChunks(world, chunkRows)),
    socialInsurance: reiterable(() => socialInsuranceChunks(world, chunkRows)),
    employmentService: reiterable(() => employmentServiceChunks(world, chunkRows)),
  };
}

/** Generates the whole data set in memory (tests, small demos). */
export function generateLegacyData(options: GenerateOptions): LegacyData {
  const data: LegacyData = { FB_PERSON: [], FB_RELATION: [], FK_BESLUT: [], FK_UTBETALNING: [], AF_ARENDE: [], AF_HANDLINGSPLAN: [] };
  const streams = streamLegacyData({ ...options, chunkRows: 10_000 });
  for (const source of Object.keys(SOURCE_TABLES) as SourceName[]) {
    for (const chunk of streams[source]) (data[chunk.table] as unknown[]).push(...chunk.rows);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------------------
// The world

const AS_OF = dayNumber(2026, 10, 31);
/** Social insurance and employment service rows are written from this day on. */
const HISTORY_FROM = dayNumber(2010, 1, 1);
/** Population-register rows were last changed at the earliest on this day (the register's current system). */
const REGISTER_CHANGES_FROM = dayNumber(2000, 1, 1);
/** Payment ids come from a sequence beyond 32 bits, as the BIGINT column allows. */
const FIRST_PAYMENT_ID = 5_000_000_001;

type Sex = 'M' | 'K';
type DeregistrationCause = 'AV' | 'UV' | 'TA';

interface Person {
  /** The 12-digit number, as FB_PERSON.PERSONID holds it. */
  pnr: string;
  /** Birth date as a day number; an unknown day or month (coordination numbers) counts as the 1st. */
  birthDay: number;
  birthYear: number;
  coordination: boolean;
  sex: Sex;
  municipality: Municipality;
  givenNames: string[];
  familyName: string;
  registeredOn: number;
  deregistration: { cause: DeregistrationCause; on: number; dateKnown: boolean } | null;
  /** Last day the person can appear in another agency's rows (deregistration day, or the as-of day). */
  activeUntil: number;
  children: number;
}

interface World {
  seed: string;
  persons: Person[];
  personRows: FbPersonRow[];
  relationRows: FbRelationRow[];
  /** Numbers for the deliberately bad rows of each agency. */
  badNumbers: { [S in 'socialInsurance' | 'employmentService']: { failingLuhn: string[]; unmatched: string[] } };
}

function buildWorld(options: GenerateOptions): World {
  const { citizens, seed } = options;
  if (!Number.isInteger(citizens) || citizens < 0) throw new RangeError('citizens must be a non-negative integer');
  if (typeof seed !== 'string') throw new TypeError('seed must be a string');

  const numbers = options.personalNumbers
    ? drawPersonalNumbers(new SeededRandom(seed, 'personal-numbers'), options.personalNumbers, citizens)
    : { chosen: generatePersonalNumbers(new SeededRandom(seed, 'personal-numbers'), citizens), spare: [] };

  const describeRandom = new SeededRandom(seed, 'persons');
  const persons = numbers.chosen.map((pnr) => describePerson(describeRandom, pnr));
  assignDeregistrations(new SeededRandom(seed, 'deregistrations'), persons);
  const relationRows = buildRelations(new SeededRandom(seed, 'relations'), persons);
  const personRows = buildPersonRows(new SeededRandom(seed, 'person-rows'), persons);
  const badNumbers = chooseBadNumbers(new SeededRandom(seed, 'bad-numbers'), persons, numbers.spare);
  return { seed, persons, personRows, relationRows, badNumbers };
}

/** Share of the citizens with a quirk, but at least one from GUARANTEED_QUIRKS_FROM citizens on. */
function quota(citizens: number, share: number): number {
  const expected = Math.round(citizens * share);
  return citizens >= GUARANTEED_QUIRKS_FROM ? Math.max(1, expected) : expected;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

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
 * Born 1906–1926: 100 or older by the as-of year. Most were born 1911–1926 and so turned 100 while FK rows
 * were being written (2010 on), which gives FK_BESLUT both `-` and `+` forms of their numbers.
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
function composePersonalNumber(random: SeededRandom, birthDay: number, sex: Sex, dayOffset: number, forcedDay: number | null): string {
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

/** The check digit over the nine digits `YYMMDDNNN` (weights 2,1,2,1,…; digit sums of the products). */
function luhnCheckDigit(nineDigits: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let product = (nineDigits.charCodeAt(i) - 48) * (i % 2 === 0 ? 2 : 1);
    if (product > 9) product -= 9;
    sum += product;
  }
  return (10 - (sum % 10)) % 10;
}

/** The same number with a wrong check digit: what a typo in a legacy system leaves behind. */
function withWrongCheckDigit(pnr: string): string {
  const check = pnr.charCodeAt(11) - 48;
  return pnr.slice(0, 11) + String((check + 1) % 10);
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
// Population register

const MUNICIPALITY_WEIGHTS = MUNICIPALITIES.map((m) => [m, m.weight] as const);

function describePerson(random: SeededRandom, pnr: string): Person {
  const birthDay = birthDayOf(pnr);
  const coordination = Number(pnr.slice(6, 8)) >= 60;
  // KON agrees with the parity of the birth number's third digit, for drawn numbers too.
  const sex: Sex = (pnr.charCodeAt(10) - 48) % 2 === 1 ? 'M' : 'K';
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
 * FOLKBOKFORINGSDATUM: the day of the latest registration — at birth for those who never moved, a later
 * move for the others, and from 2000 on for coordination numbers. Rows from before 2000 spell POSTORT in
 * upper case, so both ages of row occur.
 */
function registrationDay(random: SeededRandom, birthDay: number, coordination: boolean): number {
  if (coordination) return random.int(Math.min(Math.max(birthDay, REGISTER_CHANGES_FROM), AS_OF), AS_OF);
  return random.chance(0.35) ? birthDay : random.int(birthDay, AS_OF);
}

/**
 * AVREG_ORSAK by quota: AV deceased ~1 %, UV emigrated ~0.5 %, TA technical ~0.2 %; about one in six of them
 * with AVREG_DATUM `00000000` (date unknown). The 100+ stay registered, so that their FK rows can span the
 * year they turned 100.
 */
function assignDeregistrations(random: SeededRandom, persons: Person[]): void {
  const candidates = random.shuffled(range(persons.length)).filter((i) => persons[i]!.birthYear > 1926);
  const taken = new Set<number>();
  const take = (cause: DeregistrationCause, count: number, eligible: (p: Person) => boolean): number[] => {
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
 * FB_RELATION: spouses (MA, one row in each direction) and children with one or two guardians (the child's
 * row VH → guardian, the guardian's row BA → child). Children mostly take a guardian's family name, and some
 * spouses share one, so the names agree with the relations.
 */
function buildRelations(random: SeededRandom, persons: Person[]): FbRelationRow[] {
  const rows: FbRelationRow[] = [];
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
    rows.push({ PERSONID: persons[a]!.pnr, RELID: persons[b]!.pnr, RELTYP: 'MA' }, { PERSONID: persons[b]!.pnr, RELID: persons[a]!.pnr, RELTYP: 'MA' });
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
      rows.push({ PERSONID: child.pnr, RELID: persons[g]!.pnr, RELTYP: 'VH' }, { PERSONID: persons[g]!.pnr, RELID: child.pnr, RELTYP: 'BA' });
    }
  }
  return rows;
}

function buildPersonRows(random: SeededRandom, persons: Person[]): FbPersonRow[] {
  // Protection by quota: ~1 % each; SEKRETESS and SKYDDAD_FB otherwise 'N' or NULL (both mean none).
  const confidential = new Set(random.sample(range(persons.length), quota(persons.length, 0.01)));
  const protectedRegistration = new Set(random.sample(range(persons.length), quota(persons.length, 0.01)));
  return persons.map((person, index) =>
    personRow(random, person, confidential.has(index), protectedRegistration.has(index)));
}

function personRow(random: SeededRandom, person: Person, confidential: boolean, protectedRegistration: boolean): FbPersonRow {
  const registeredBefore2000 = person.registeredOn < REGISTER_CHANGES_FROM;
  const address = addressOf(random, person, protectedRegistration);
  // SENAST_ANDRAD: after the registration and any deregistration, and within the current system's time.
  const lastChangeFrom = Math.min(AS_OF, Math.max(person.registeredOn, person.deregistration?.on ?? 0, REGISTER_CHANGES_FROM));
  return {
    PERSONID: person.pnr,
    FORNAMN: person.givenNames.join(' '),
    TILLTALSNAMN: preferredName(random, person.givenNames),
    MELLANNAMN: random.chance(0.08) ? random.pick(FAMILY_NAMES.filter((n) => n !== person.familyName)) : null,
    EFTERNAMN: person.familyName,
    KON: person.sex,
    SEKRETESS: confidential ? 'J' : random.chance(0.55) ? 'N' : null,
    SKYDDAD_FB: protectedRegistration ? 'J' : random.chance(0.45) ? 'N' : null,
    UTDELNINGSADRESS: address?.street ?? null,
    POSTNR: address?.postalCode ?? null,
    // Old rows spell the post town in upper case, new ones in mixed case.
    POSTORT: address ? (registeredBefore2000 ? address.postTown.toUpperCase() : address.postTown) : null,
    KOMMUNKOD: person.municipality.code,
    LANKOD: person.municipality.countyCode,
    FOLKBOKFORINGSDATUM: compactDate(person.registeredOn),
    AVREG_ORSAK: person.deregistration?.cause ?? null,
    AVREG_DATUM: person.deregistration ? (person.deregistration.dateKnown ? compactDate(person.deregistration.on) : '00000000') : null,
    SENAST_ANDRAD: localDateTime(random.int(lastChangeFrom, AS_OF), officeSecond(random)),
  };
}

/** TILLTALSNAMN: often not recorded; when it is, one of the given names (not necessarily the first). */
function preferredName(random: SeededRandom, givenNames: readonly string[]): string | null {
  if (givenNames.length > 1) return random.chance(0.6) ? random.pick(givenNames) : null;
  return random.chance(0.3) ? givenNames[0]! : null;
}

interface Address {
  street: string;
  postalCode: string;
  postTown: string;
}

/**
 * The registered address: the agency's forwarding address for protected registration; none for most
 * emigrants and for half of the coordination numbers (people without a Swedish address).
 */
function addressOf(random: SeededRandom, person: Person, protectedRegistration: boolean): Address | null {
  if (protectedRegistration) return FORWARDING_ADDRESS;
  if (person.deregistration?.cause === 'UV' && random.chance(0.7)) return null;
  if (person.coordination && random.chance(0.5)) return null;
  const town = random.pick(person.municipality.postTowns);
  const number = `${random.int(1, 120)}${random.chance(0.15) ? random.pick(['A', 'B', 'C']) : ''}`;
  const apartment = random.chance(0.4) ? ` lgh ${random.int(10, 16)}${String(random.int(1, 8)).padStart(2, '0')}` : '';
  return {
    street: `${random.pick(STREET_NAMES)} ${number}${apartment}`,
    postalCode: `${random.pick(town.prefixes)}${String(random.int(0, 99)).padStart(2, '0')}`,
    postTown: town.name,
  };
}

/** A time of day within office hours (07:00–18:59), which never falls in a daylight-saving change. */
function officeSecond(random: SeededRandom): number {
  return random.int(7 * 3600, 19 * 3600 - 1);
}

function chooseBadNumbers(random: SeededRandom, persons: Person[], spare: readonly string[]): World['badNumbers'] {
  const perAgency = persons.length >= GUARANTEED_QUIRKS_FROM ? BAD_ROWS_PER_KIND : 0;
  const known = new Set(persons.map((p) => p.pnr));
  const spareLeft = spare.slice();
  // A valid number of no one in the register. From a given list, prefer its unused numbers: an invented
  // number might belong to a living person, which is why the list exists.
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
  const numbers = () => ({ failingLuhn: range(perAgency).map(failingLuhn), unmatched: range(perAgency).map(unmatched) });
  return { socialInsurance: numbers(), employmentService: numbers() };
}

/** The subject of a deliberately bad row: someone's other details under a number the register lacks. */
function standIn(base: Person, pnr: string): Person {
  const birthDay = birthDayOf(pnr);
  return { ...base, pnr, birthDay, birthYear: yearOf(birthDay), coordination: Number(pnr.slice(6, 8)) >= 60, activeUntil: AS_OF };
}

// ---------------------------------------------------------------------------------------------------------
// Chunking

function reiterable<T>(start: () => Iterator<T>): Iterable<T> {
  return { [Symbol.iterator]: start };
}

/** Collects rows per table and hands them out in chunks of exactly `chunkRows` (the last ones smaller). */
class ChunkBuffer {
  private readonly pending = new Map<LegacyTableName, unknown[]>();

  constructor(private readonly chunkRows: number) {}

  add<T extends LegacyTableName>(table: T, row: LegacyRow<T>): void {
    const rows = this.pending.get(table);
    if (rows) rows.push(row);
    else this.pending.set(table, [row]);
  }

  /** Full chunks; with `all`, the remainders too. */
  *drain(all: boolean): Generator<LegacyChunk> {
    for (const [table, rows] of this.pending) {
      while (rows.length >= this.chunkRows || (all && rows.length > 0)) {
        yield { table, rows: rows.splice(0, this.chunkRows) } as LegacyChunk;
      }
    }
  }
}

function* populationRegisterChunks(world: World, chunkRows: number): Generator<LegacyChunk> {
  for (let i = 0; i < world.personRows.length; i += chunkRows) yield { table: 'FB_PERSON', rows: world.personRows.slice(i, i + chunkRows) };
  for (let i = 0; i < world.relationRows.length; i += chunkRows) yield { table: 'FB_RELATION', rows: world.relationRows.slice(i, i + chunkRows) };
}

// ---------------------------------------------------------------------------------------------------------
// Social insurance

type Forman = 'ABB' | 'FP' | 'SJP' | 'BOB' | 'AKS';

const DEFAULT_PERIODICITY: Readonly<Record<Forman, 'M' | 'D'>> = { ABB: 'M', FP: 'D', SJP: 'D', BOB: 'M', AKS: 'D' };

/** 0–4 decisions per person with a history. */
const DECISIONS_PER_PERSON = [[0, 35], [1, 30], [2, 18], [3, 11], [4, 6]] as const;

function* socialInsuranceChunks(world: World, chunkRows: number): Generator<LegacyChunk> {
  const random = new SeededRandom(world.seed, 'social-insurance');
  const buffer = new ChunkBuffer(chunkRows);
  const ids = { decision: 1, payment: FIRST_PAYMENT_ID };
  const write = (subject: Person, day: number, forman: Forman): void => {
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
  const { failingLuhn, unmatched } = world.badNumbers.socialInsurance;
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
function decisionDays(random: SeededRandom, person: Person): number[] {
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
function benefitsAvailable(person: Person, age: number): [Forman, number][] {
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
  subject: Person,
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

// ---------------------------------------------------------------------------------------------------------
// Employment service

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

function* employmentServiceChunks(world: World, chunkRows: number): Generator<LegacyChunk> {
  const random = new SeededRandom(world.seed, 'employment-service');
  const buffer = new ChunkBuffer(chunkRows);
  const ids = new CaseIds();
  const dst = new DaylightSavingQuirks(random);
  const write = (subject: Person, window: { from: number; to: number }): void => {
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
  const { failingLuhn, unmatched } = world.badNumbers.employmentService;
  for (const pnr of [...failingLuhn, ...unmatched]) {
    write(standIn(random.pick(world.persons), pnr), { from: HISTORY_FROM, to: AS_OF });
  }
  yield* buffer.drain(true);
}

/** The days a person can have a job-seeker case: aged 16 to 75, from 2010, while registered. */
function caseWindow(person: Person): { from: number; to: number } | null {
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
  subject: Person,
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

function programme(random: SeededRandom, subject: Person, age: number): string | null {
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
