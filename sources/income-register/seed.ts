/**
 * The income register's generated rows: employers (agi_arbetsgivare) and their monthly pay statements
 * (agi_individuppgift) for the shared world's persons of working age, over the two years before the as-of date.
 * Every quirk of legacy-sources.md §4 is made on purpose:
 * - several employers per person, one after another and at the same time, and now and then two statements
 *   (specifikationsnummer 1 and 2) from one employer for one payee and month;
 * - corrections (a later version of the same statement, or one in the same submission: same `inlamnad`,
 *   higher id), withdrawals (`borttag = true` newest version), and a withdrawn statement sent again;
 * - sole traders, whose employer id is the owner's personal number and whose trade name is often the owner's name;
 * - payees without a Swedish number (betalningsmottagare NULL, fodelsetid set), payee numbers failing Luhn or of
 *   no one (data-quality findings), and coordination numbers;
 * - amounts in whole kronor, boxes not reported (NULL), `inlamnad` with its Stockholm offset, around both
 *   daylight-saving changes (the hour skipped in spring, the hour repeated in autumn with both offsets);
 * - organisation numbers `NNNNNN-NNNN` (Luhn over all ten digits, third digit ≥ 2), industry codes sometimes NULL.
 * The rare quirks are made at the first chance and then by chance, so every data set that has any statements
 * has each of them at least once.
 *
 * Ids increase in order of arrival (`inlamnad`): the statements are made one arrival month at a time, and each
 * month's versions are numbered in arrival order before they are handed out.
 */
import { luhnCheckDigit } from '../../src/core/luhn.js';
import { civilDate, compactDate, dayNumber, fallBackDay, springForwardDay, stockholmTimestamp, yearOf } from '../../src/core/seed/calendar.js';
import { ChunkBuffer } from '../../src/core/seed/chunks.js';
import { SeededRandom } from '../../src/core/seed/random.js';
import { FAMILY_NAMES, MUNICIPALITIES } from '../../src/core/seed/vocabulary.js';
import { AS_OF, quota, type LegacyChunk, type SeedPerson, type SeedWorld } from '../../src/core/seed/world.js';
import type { SeedGenerator } from '../../src/core/source-module.js';
import type { AgiArbetsgivareRow, AgiIndividuppgiftRow } from './tables.js';

/** A statement version as the generator writes it (the database may hand some values back as strings). */
export interface GeneratedStatementRow extends AgiIndividuppgiftRow {
  id: number;
  kontant_ersattning: number | null;
  skatteavdrag: number | null;
  formaner: number | null;
  borttag: boolean;
  /** `YYYY-MM-DDTHH:MM:SS+01:00` (or `+02:00`): Swedish local time with its offset. */
  inlamnad: string;
}

export const incomeRegisterSeed: SeedGenerator = {
  columns: {
    agi_arbetsgivare: ['arbetsgivare', 'namn', 'sni_kod'] satisfies (keyof AgiArbetsgivareRow)[],
    agi_individuppgift: [
      'id', 'redovisningsperiod', 'arbetsgivare', 'betalningsmottagare', 'fodelsetid', 'specifikationsnummer',
      'kontant_ersattning', 'skatteavdrag', 'formaner', 'borttag', 'inlamnad',
    ] satisfies (keyof GeneratedStatementRow)[],
  },
  chunks: incomeRegisterChunks,
};

/** This module's bad numbers in the world (see SeedWorld.badNumbers). */
const BAD_NUMBER_SLOT = 2;
/** Ids from a sequence beyond 32 bits, as the BIGINT column allows. */
const FIRST_ID = 3_000_000_001;

/** Months as `year * 12 + month - 1`. The statements cover the 24 pay months before the as-of month. */
const AS_OF_MONTH = monthOfDay(AS_OF);
const FIRST_PERIOD = AS_OF_MONTH - 24;
const LAST_PERIOD = AS_OF_MONTH - 1;
/** Nothing arrives after the end of the as-of day (23:59:59 Swedish winter time). */
const LAST_ARRIVAL = (AS_OF + 1) * 86400 - 3600 - 1;
const DAY = 86400;

function monthOfDay(day: number): number {
  const { year, month } = civilDate(day);
  return year * 12 + month - 1;
}

function firstDayOfMonth(month: number): number {
  return dayNumber(Math.floor(month / 12), (month % 12) + 1, 1);
}

function monthOfInstant(utcSeconds: number): number {
  return monthOfDay(Math.floor(utcSeconds / DAY));
}

/** `YYYYMM`. */
function periodText(month: number): string {
  return `${Math.floor(month / 12)}${String((month % 12) + 1).padStart(2, '0')}`;
}

/** `YYYYMMDD-NNNN`, the income register's form of a personal identity or coordination number. */
function dashedNumber(pnr: string): string {
  return `${pnr.slice(0, 8)}-${pnr.slice(8)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Rare quirks

type Quirk =
  | 'sole-trader-employee' | 'second-specification' | 'benefits' | 'null-cash' | 'null-tax'
  | 'correction' | 'same-submission-correction' | 'withdrawal' | 'withdrawn-then-resent';

/** Made at the first chance, then with the given probability. */
class Quirks {
  private readonly pending = new Set<Quirk>([
    'sole-trader-employee', 'second-specification', 'benefits', 'null-cash', 'null-tax',
    'correction', 'same-submission-correction', 'withdrawal', 'withdrawn-then-resent',
  ]);

  constructor(private readonly random: SeededRandom) {}

  want(quirk: Quirk, probability: number): boolean {
    return this.pending.delete(quirk) || this.random.chance(probability);
  }
}

type DstKind = 'spring-before' | 'spring-after' | 'autumn-summer-time' | 'autumn-winter-time';

/**
 * Arrivals in the night of a daylight-saving change: in spring the last hour of winter time and the first of
 * summer time (02:00–02:59 is skipped between them), in autumn the repeated hour 02:00–02:59 once in summer
 * time (+02:00) and once in winter time (+01:00). Each kind goes to the first correction that can have it;
 * after that, about 1 % of corrections arrive in one of those hours.
 */
class DaylightSavingArrivals {
  private readonly pending: DstKind[] = ['spring-before', 'spring-after', 'autumn-summer-time', 'autumn-winter-time'];

  constructor(private readonly random: SeededRandom) {}

  /** An arrival in a DST night later than `after` (and not after the last arrival), or null. */
  arrivalAfter(after: number): number | null {
    if (this.pending.length === 0) {
      return this.random.chance(0.01) ? this.arrival(this.random.pick(['spring-before', 'spring-after', 'autumn-summer-time', 'autumn-winter-time'] as const), after) : null;
    }
    for (const [index, kind] of this.pending.entries()) {
      const arrival = this.arrival(kind, after);
      if (arrival !== null) {
        this.pending.splice(index, 1);
        return arrival;
      }
    }
    return null;
  }

  private arrival(kind: DstKind, after: number): number | null {
    const spring = kind === 'spring-before' || kind === 'spring-after';
    // In UTC: 00:00–00:59 is before either change (01:xx+01:00 in spring, 02:xx+02:00 in autumn), 01:00–01:59
    // after it (03:xx+02:00 in spring, 02:xx+01:00 in autumn).
    const hour = kind === 'spring-before' || kind === 'autumn-summer-time' ? 0 : 1;
    for (let year = yearOf(Math.floor(after / DAY)); year <= yearOf(AS_OF); year++) {
      const day = spring ? springForwardDay(year) : fallBackDay(year);
      const arrival = day * DAY + hour * 3600 + this.random.int(0, 3599);
      if (arrival > after && arrival <= LAST_ARRIVAL) return arrival;
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Employers

interface Employer {
  row: AgiArbetsgivareRow;
  /** The owner's number, for a sole trader (who does not employ themself). */
  owner: string | null;
}

/** SNI 2007 codes of common industries. */
const SNI_CODES: readonly string[] = [
  '41200', '43210', '47111', '49410', '56100', '62010', '68204', '70220', '81210', '84110', '85100', '86101', '87301', '88101', '96021',
];

const TRADES: readonly string[] = ['Bygg', 'Måleri', 'Städ', 'Transport', 'Konsult', 'Data', 'Vård', 'El', 'Rör', 'Fastigheter', 'Café', 'Frisör', 'Trädgård', 'Åkeri'];

type OrganisationKind = 'AB' | 'HB' | 'public' | 'association';

/** The first digit of an organisation number tells the legal form: 5 limited company, 9 partnership, 2 public body, 8 association. */
const FORM_DIGIT: Readonly<Record<OrganisationKind, string>> = { AB: '5', HB: '9', public: '2', association: '8' };

function organisationNumber(random: SeededRandom, kind: OrganisationKind, taken: Set<string>): string {
  for (;;) {
    // The third digit is at least 2, so an organisation number never reads as a date of birth.
    const nine = FORM_DIGIT[kind] + String(random.int(0, 9)) + String(random.int(2, 9)) + String(random.int(0, 999999)).padStart(6, '0');
    const number = `${nine.slice(0, 6)}-${nine.slice(6)}${luhnCheckDigit(nine)}`;
    if (!taken.has(number)) {
      taken.add(number);
      return number;
    }
  }
}

function organisationName(random: SeededRandom, kind: OrganisationKind): string {
  const family = random.pick(FAMILY_NAMES);
  switch (kind) {
    case 'AB': return `${family} ${random.pick(TRADES)} AB`;
    case 'HB': return `${family} & ${random.pick(FAMILY_NAMES)} HB`;
    case 'public': return `${random.pick(MUNICIPALITIES).postTowns[0]!.name} kommun`;
    case 'association': return `Föreningen ${random.pick(TRADES)}vänner i ${random.pick(MUNICIPALITIES).postTowns[0]!.name}`;
  }
}

/** A sole trader's trade name: often the owner's own name, else the family name and a trade. */
function tradeName(random: SeededRandom, owner: SeedPerson, ownName: boolean): string {
  const name = `${owner.givenNames[0]} ${owner.familyName}`;
  if (ownName) return name;
  return random.chance(0.5) ? `${name} ${random.pick(TRADES)}` : `${owner.familyName}s ${random.pick(TRADES)}`;
}

/** Employers' relative sizes: a few large ones employ most people. */
const SIZE_WEIGHTS = [[1, 50], [4, 30], [20, 15], [80, 5]] as const;

interface EmployerPool {
  employers: Employer[];
  /** Organisations (no sole traders): where payees without a number and bad rows are reported. */
  organisations: Employer[];
  soleTraders: Employer[];
  /** Cumulative size weights over `employers`, for a weighted pick by binary search. */
  cumulative: number[];
}

function buildEmployers(random: SeededRandom, world: SeedWorld, workers: readonly SeedPerson[]): EmployerPool {
  const taken = new Set<string>();
  const organisations: Employer[] = [];
  for (let i = world.persons.length === 0 ? 0 : Math.max(3, Math.round(world.persons.length * 0.05)); i > 0; i--) {
    const kind = random.weighted<OrganisationKind>([['AB', 75], ['HB', 10], ['public', 10], ['association', 5]]);
    // The first employer is without an industry code, so every data set has one.
    const sni = organisations.length === 0 || random.chance(0.1) ? null : random.pick(SNI_CODES);
    organisations.push({ row: { arbetsgivare: organisationNumber(random, kind, taken), namn: organisationName(random, kind), sni_kod: sni }, owner: null });
  }
  const owners = random.sample(workers, Math.min(workers.length, quota(world.persons.length, 0.01)));
  const soleTraders = owners.map((owner, index): Employer => ({
    row: {
      arbetsgivare: dashedNumber(owner.pnr),
      // The first sole trader trades under the owner's own name, so every data set has one.
      namn: tradeName(random, owner, index === 0 || random.chance(0.6)),
      sni_kod: random.chance(0.2) ? null : random.pick(SNI_CODES),
    },
    owner: owner.pnr,
  }));
  const employers = [...organisations, ...soleTraders];
  let total = 0;
  const cumulative = employers.map((employer) => (total += employer.owner === null ? random.weighted(SIZE_WEIGHTS) : random.int(1, 3)));
  return { employers, organisations, soleTraders, cumulative };
}

/** An employer drawn by size: one uniform draw and a binary search (large pools would make a linear pick slow). */
function pickEmployer(random: SeededRandom, pool: EmployerPool): Employer {
  const point = random.float() * pool.cumulative[pool.cumulative.length - 1]!;
  let low = 0;
  let high = pool.cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (pool.cumulative[middle]! > point) high = middle;
    else low = middle + 1;
  }
  return pool.employers[low]!;
}

// ---------------------------------------------------------------------------------------------------------
// Payees and their employments

interface Employment {
  employer: Employer;
  /** First and last pay month. */
  from: number;
  to: number;
  /** Monthly base pay in kronor. */
  pay: number;
  /** Preliminary tax in per cent of the pay. */
  taxRate: number;
  /** Taxable benefits in kind per month (kronor), or null where none are reported. */
  benefits: number | null;
  /** The specifikationsnummer of this employment's statements (an extra statement in a month takes it + 10). */
  specification: number;
}

interface Payee {
  betalningsmottagare: string | null;
  fodelsetid: string | null;
  employments: Employment[];
  /** Statements of a payee the register cannot match (no Swedish number, a bad number) are never corrected. */
  correctable: boolean;
}

/** Working age over the window: 16 to 69 at some pay month. */
function workingMonths(person: SeedPerson): { from: number; to: number } | null {
  const from = Math.max(FIRST_PERIOD, monthOfDay(person.birthDay) + 16 * 12 + 1);
  const to = Math.min(LAST_PERIOD, monthOfDay(person.activeUntil), monthOfDay(person.birthDay) + 70 * 12 - 1);
  return from <= to ? { from, to } : null;
}

function employmentsOf(random: SeededRandom, quirks: Quirks, pool: EmployerPool, person: SeedPerson, months: { from: number; to: number }): Employment[] {
  const employments: Employment[] = [];
  for (let n: number = random.weighted([[1, 50], [2, 32], [3, 18]] as const); n > 0; n--) {
    // Over two years people change jobs (one after another) and hold a second job (at the same time).
    const from = employments.length === 0 && random.chance(0.6) ? months.from : random.int(months.from, months.to);
    const to = random.chance(0.5) ? months.to : random.int(from, months.to);
    const soleTrader = pool.soleTraders[0];
    // Nobody employs themself, and a second job is mostly with another employer.
    const unsuitable = (candidate: Employer): boolean => candidate.owner === person.pnr || employments.some((e) => e.employer === candidate);
    let employer = soleTrader && !unsuitable(soleTrader) && quirks.want('sole-trader-employee', 0) ? soleTrader : pickEmployer(random, pool);
    for (let attempt = 0; unsuitable(employer) && attempt < 8; attempt++) employer = pickEmployer(random, pool);
    if (employer.owner === person.pnr) continue;
    const partTime = employments.length > 0 && random.chance(0.5);
    employments.push({
      employer,
      from,
      to,
      pay: (partTime ? random.int(20, 150) : random.int(180, 700)) * 100,
      taxRate: random.int(18, 34),
      benefits: quirks.want('benefits', 0.12) ? random.int(5, 60) * 100 : null,
      // Two employments with one employer (rarely drawn) are told apart like an employer tells them apart.
      specification: 1 + employments.filter((e) => e.employer === employer).length,
    });
  }
  return employments;
}

function buildPayees(random: SeededRandom, quirks: Quirks, world: SeedWorld, pool: EmployerPool, workers: readonly SeedPerson[]): Payee[] {
  const payees: Payee[] = [];
  for (const person of workers) {
    if (!random.chance(0.8)) continue;
    const employments = employmentsOf(random, quirks, pool, person, workingMonths(person)!);
    if (employments.length > 0) payees.push({ betalningsmottagare: dashedNumber(person.pnr), fodelsetid: null, employments, correctable: true });
  }
  // Workers without a Swedish number: known to the register only by their date of birth. Each has its own
  // specifikationsnummer, so that their statements do not share a key.
  for (let k = 0; k < quota(world.persons.length, 0.01); k++) {
    const from = random.int(FIRST_PERIOD, LAST_PERIOD);
    const birthDay = random.int(dayNumber(1960, 1, 1), dayNumber(2005, 12, 31));
    payees.push({
      betalningsmottagare: null,
      fodelsetid: compactDate(birthDay),
      employments: [{ employer: random.pick(pool.organisations), from, to: random.int(from, Math.min(LAST_PERIOD, from + 6)), pay: random.int(150, 400) * 100, taxRate: 25, benefits: null, specification: 100 + k }],
      correctable: false,
    });
  }
  // The deliberately bad rows: a payee number failing the Luhn check, and a valid number of no one.
  const { failingLuhn, unmatched } = world.badNumbers(BAD_NUMBER_SLOT);
  for (const pnr of [...failingLuhn, ...unmatched]) {
    const month = random.int(FIRST_PERIOD, LAST_PERIOD);
    payees.push({
      betalningsmottagare: dashedNumber(pnr),
      fodelsetid: null,
      employments: [{ employer: random.pick(pool.organisations), from: month, to: month, pay: random.int(180, 500) * 100, taxRate: random.int(20, 32), benefits: null, specification: 1 }],
      correctable: false,
    });
  }
  return payees;
}

// ---------------------------------------------------------------------------------------------------------
// Statements, one arrival month at a time

interface Version {
  /** Arrival in seconds since 1970 (UTC). */
  at: number;
  /** Order of making, which breaks ties in arrival (the later-made version of one submission gets the higher id). */
  sequence: number;
  row: Omit<GeneratedStatementRow, 'id' | 'inlamnad'>;
}

interface Amounts {
  kontant_ersattning: number | null;
  skatteavdrag: number | null;
  formaner: number | null;
}

class StatementMaker {
  private sequence = 0;
  /** Versions that arrive in a later month than the one being made, by arrival month. */
  private readonly later = new Map<number, Version[]>();
  private readonly dst: DaylightSavingArrivals;

  constructor(private readonly random: SeededRandom, private readonly quirks: Quirks) {
    this.dst = new DaylightSavingArrivals(random);
  }

  /** The versions arriving in `month`: the originals for the month before it, and corrections made earlier. */
  month(month: number, payees: readonly Payee[]): Version[] {
    const arriving = this.later.get(month) ?? [];
    this.later.delete(month);
    const period = month - 1;
    // An employer sends all its statements for a month in one submission.
    const submissions = new Map<Employer, number>();
    const submission = (employer: Employer): number => {
      let at = submissions.get(employer);
      if (at === undefined) {
        const day = firstDayOfMonth(month) + (this.random.chance(0.9) ? this.random.int(0, 11) : this.random.int(12, 27));
        at = day * DAY + (this.random.chance(0.85) ? this.random.int(6 * 3600, 16 * 3600) : this.random.int(0, DAY - 1));
        submissions.set(employer, at);
      }
      return at;
    };
    const add = (version: Version): void => {
      if (version.at > LAST_ARRIVAL) return;
      const arrival = monthOfInstant(version.at);
      if (arrival === month) arriving.push(version);
      else this.laterIn(arrival).push(version);
    };
    for (const payee of payees) {
      for (const employment of payee.employments) {
        if (period < employment.from || period > employment.to) continue;
        const at = submission(employment.employer);
        const original = this.original(payee, employment, period, employment.specification, at);
        add(original);
        if (payee.correctable) {
          for (const version of this.laterVersions(original)) add(version);
          if (this.quirks.want('second-specification', 0.01)) add(this.original(payee, employment, period, employment.specification + 10, at));
        }
      }
    }
    return arriving.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
  }

  private laterIn(month: number): Version[] {
    let versions = this.later.get(month);
    if (!versions) this.later.set(month, (versions = []));
    return versions;
  }

  private original(payee: Payee, employment: Employment, period: number, specification: number, at: number): Version {
    return this.version(at, {
      redovisningsperiod: periodText(period),
      arbetsgivare: employment.employer.row.arbetsgivare,
      betalningsmottagare: payee.betalningsmottagare,
      fodelsetid: payee.fodelsetid,
      specifikationsnummer: specification,
      ...this.amounts(employment),
      borttag: false,
    });
  }

  private version(at: number, row: Version['row']): Version {
    return { at, sequence: this.sequence++, row };
  }

  /** A month's pay: sometimes overtime or a deduction; a box now and then not reported (NULL). */
  private amounts(employment: Employment): Amounts {
    const pay = Math.max(0, employment.pay + (this.random.chance(0.2) ? this.random.int(-30, 80) * 100 : 0));
    return {
      kontant_ersattning: this.quirks.want('null-cash', 0.01) ? null : pay,
      skatteavdrag: this.quirks.want('null-tax', 0.02) ? null : Math.floor((pay * employment.taxRate) / 100),
      formaner: employment.benefits,
    };
  }

  /** Corrections and withdrawals of a statement, each a new version of the same key arriving later. */
  private laterVersions(original: Version): Version[] {
    const versions: Version[] = [];
    const corrected = (at: number): Version => {
      const cash = original.row.kontant_ersattning ?? this.random.int(150, 500) * 100;
      const kontant = Math.max(0, cash + this.random.int(-20, 40) * 100);
      return this.version(at, { ...original.row, kontant_ersattning: kontant, skatteavdrag: Math.floor((kontant * this.random.int(18, 34)) / 100) });
    };
    if (this.quirks.want('same-submission-correction', 0.003)) versions.push(corrected(original.at));
    if (this.quirks.want('correction', 0.04)) versions.push(corrected(this.laterArrival(original.at)));
    if (this.quirks.want('withdrawal', 0.01)) {
      const withdrawn = this.version(this.laterArrival(original.at), { ...original.row, kontant_ersattning: null, skatteavdrag: null, formaner: null, borttag: true });
      versions.push(withdrawn);
      if (this.quirks.want('withdrawn-then-resent', 0.3)) versions.push(corrected(this.laterArrival(withdrawn.at)));
    }
    return versions;
  }

  /** Days to months later; a few in the night of a daylight-saving change. */
  private laterArrival(after: number): number {
    const dst = this.dst.arrivalAfter(after + DAY);
    if (dst !== null) return dst;
    const days = this.random.chance(0.7) ? this.random.int(1, 30) : this.random.int(31, 300);
    return after + days * DAY + this.random.int(0, DAY - 1);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The chunks

function* incomeRegisterChunks(world: SeedWorld, chunkRows: number): Generator<LegacyChunk> {
  const buffer = new ChunkBuffer(chunkRows);
  const workers = world.persons.filter((person) => workingMonths(person) !== null);
  const pool = buildEmployers(new SeededRandom(world.seed, 'income-employers'), world, workers);
  for (const employer of pool.employers) buffer.add('agi_arbetsgivare', employer.row);
  yield* buffer.drain(true);

  const random = new SeededRandom(world.seed, 'income-statements');
  const quirks = new Quirks(random);
  const payees = buildPayees(random, quirks, world, pool, workers);
  const maker = new StatementMaker(random, quirks);
  let id = FIRST_ID;
  for (let month = FIRST_PERIOD + 1; month <= LAST_PERIOD + 1; month++) {
    for (const version of maker.month(month, payees)) {
      const row: GeneratedStatementRow = { id: id++, ...version.row, inlamnad: stockholmTimestamp(version.at) };
      buffer.add('agi_individuppgift', row);
    }
    yield* buffer.drain(false);
  }
  yield* buffer.drain(true);
}
