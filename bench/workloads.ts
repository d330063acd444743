/**
 * The five workloads of the benchmark: the GraphQL documents samgraf and the naive baseline are sent, the
 * inputs each request draws (a different citizen each W1 request, and so on), and the checks every response
 * must pass. The floor takes the same variables as a JSON body on its own path and answers with the same
 * `{ "data": … }` JSON, so one set of checks and one normalisation serve all three targets.
 */
import type { CursorCodec, CursorList } from '../src/core/cursor.js';
import { canonicalJson } from '../src/access-log/canonical-json.js';
import { SeededRandom } from '../src/core/seed/random.js';
import { WORLD_AS_OF } from '../src/core/seed/world.js';
import type { Earners, People } from './legacy-tables.js';

export const WORKLOAD_IDS = ['W1', 'W2', 'W3', 'W4', 'W5'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export const W2_BATCH = 50;
export const W3_PAGE = 50;
export const W4_PAGE = 20;

/** `YYYY-MM`, `months` months before the month of `date` (`YYYY-MM-DD`). */
function monthsBefore(date: string, months: number): string {
  const index = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 - months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * The incomes W5 reads: the twelve full months before the seeded data's "today", as an officer assessing an
 * application reads the past year's pay (the register holds two years).
 */
export const W5_PERIODS = { from: monthsBefore(WORLD_AS_OF, 12), to: monthsBefore(WORLD_AS_OF, 1) } as const;

/**
 * The list W3's cursors are bound to, as samgraf declares it next to `citizensByMunicipality`: the inputs seal
 * their `after` with it and the checks expect it in every cursor returned, so a change on samgraf's side fails
 * the comparison rather than passing unnoticed. The floor seals its cursors with it too.
 */
export const municipalityPageList = (code: string): CursorList => ({ kind: 'citizens-by-municipality', scope: code });

export interface Workload {
  id: WorkloadId;
  title: string;
  operationName: string;
  /** The GraphQL document (samgraf, naive). */
  document: string;
  purpose: string;
  /** The floor's path for the same request. */
  floorPath: string;
}

export const WORKLOADS: Record<WorkloadId, Workload> = {
  W1: {
    id: 'W1',
    title: 'profile: citizen with identity, address, benefits with payments, cases with action plans',
    operationName: 'Profile',
    purpose: 'benefit-assessment',
    floorPath: '/profile',
    document: `query Profile($pnr: String!) {
  citizen(personalNumber: $pnr) {
    personalNumber givenNames familyName birthDate sex protectedIdentity
    address { street postalCode city }
    benefits {
      id type status amount { amount currency minorUnits } periodicity validFrom validTo decidedOn
      payments { id paidOn amount { amount minorUnits } }
    }
    cases { id type status office openedAt closedAt actionPlan { step activity status updatedAt } }
  }
}`,
  },
  W2: {
    id: 'W2',
    title: `batch: citizens(${W2_BATCH} numbers) with benefits and cases`,
    operationName: 'Batch',
    purpose: 'benefit-assessment',
    floorPath: '/batch',
    document: `query Batch($pnrs: [String!]!) {
  citizens(personalNumbers: $pnrs) {
    personalNumber givenNames familyName
    benefits { id type status amount { amount } validFrom validTo }
    cases { id type status openedAt }
  }
}`,
  },
  W3: {
    id: 'W3',
    title: `municipality page: citizensByMunicipality(first: ${W3_PAGE}) with benefits`,
    operationName: 'MunicipalityPage',
    purpose: 'benefit-assessment',
    floorPath: '/municipality-page',
    document: `query MunicipalityPage($code: String!, $first: Int, $after: String) {
  citizensByMunicipality(code: $code, first: $first, after: $after) {
    edges { cursor node { personalNumber givenNames familyName benefits { id type status amount { amount } } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  },
  W4: {
    id: 'W4',
    title: `audit search: auditEvents(filter: { subject }, first: ${W4_PAGE})`,
    operationName: 'AuditSearch',
    purpose: 'audit',
    floorPath: '/audit-search',
    document: `query AuditSearch($subject: String!, $to: DateTime, $first: Int) {
  auditEvents(filter: { subject: $subject, to: $to }, first: $first) {
    edges { cursor node { id occurredAt principal { type subject organization } purpose operationName outcome subjects hash } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  },
  W5: {
    id: 'W5',
    title: `financial-aid assessment: citizen with benefits and incomes(${W5_PERIODS.from} – ${W5_PERIODS.to})`,
    operationName: 'FinancialAid',
    purpose: 'social-services',
    floorPath: '/financial-aid',
    document: `query FinancialAid($pnr: String!, $from: YearMonth, $to: YearMonth) {
  citizen(personalNumber: $pnr) {
    personalNumber familyName
    benefits { type status amount { amount } }
    incomes(from: $from, to: $to) {
      period employer { name organizationNumber soleTrader } grossPay { amount } taxDeducted { amount } versions
    }
  }
}`,
  },
};

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** One request's input: the variables sent, and what the data guarantees about the answer. */
export type Input =
  | { workload: 'W1'; variables: { pnr: string } }
  | { workload: 'W2'; variables: { pnrs: string[] } }
  | { workload: 'W3'; variables: { code: string; first: number; after: string | null }; expect: { first: string; count: number; hasNextPage: boolean; cursorAt: (pnr: string) => string } }
  | { workload: 'W4'; variables: { subject: string; to: string; first: number }; expect: { count: number } }
  | { workload: 'W5'; variables: { pnr: string; from: string; to: string } };

export interface InputStream {
  next(): Input;
}

export interface InputData {
  people: People;
  /** Events naming each person (index into people.numbers) up to `logUntil`, from the store's fill. */
  eventsPerPerson: Uint32Array;
  /** The last pre-filled event's time: W4 searches up to it, so its answers do not change during the run. */
  logUntil: string;
  /** People with a benefit with payments and a case with an action plan (for the comparison inputs). */
  richPeople: string[];
  /** Seals cursors as samgraf does (with the store's key): W3 pages from one, and checks the ones returned. */
  cursors: CursorCodec;
  /** People with current income statements in W5_PERIODS (empty when W5 is not run). */
  earners: Earners;
}

/** At most this many distinct W1 citizens are cycled through (more than any run sends). */
const W1_DISTINCT = 200_000;

/** A seeded cycle through up to W1_DISTINCT of `numbers`, each in turn. */
function cycle(random: SeededRandom, numbers: readonly string[]): () => string {
  const order = numbers.length <= W1_DISTINCT ? random.shuffled(numbers) : random.sample(numbers, W1_DISTINCT);
  let i = 0;
  return () => order[i++ % order.length]!;
}

export function inputStream(workload: WorkloadId, data: InputData, seed: string): InputStream {
  const random = new SeededRandom(seed, `inputs-${workload}`);
  const { people } = data;
  const n = people.numbers.length;
  switch (workload) {
    case 'W1': {
      const next = cycle(random, people.numbers);
      return { next: () => ({ workload, variables: { pnr: next() } }) };
    }
    case 'W2':
      return {
        next: () => {
          const chosen = new Set<string>();
          while (chosen.size < Math.min(W2_BATCH, n)) chosen.add(people.numbers[random.int(0, n - 1)]!);
          return { workload, variables: { pnrs: [...chosen] } };
        },
      };
    case 'W3': {
      // A page starting at a random person: `after` is the previous person in the municipality (none: page 1).
      const position = new Int32Array(n);
      for (const members of people.byMunicipality.values()) members.forEach((index, k) => { position[index] = k; });
      return {
        next: () => {
          const index = random.int(0, n - 1);
          const members = people.byMunicipality.get(people.municipality[index]!)!;
          const k = position[index]!;
          const remaining = members.length - k;
          const list = municipalityPageList(people.municipality[index]!);
          return {
            workload,
            variables: { code: list.scope, first: W3_PAGE, after: k === 0 ? null : data.cursors.encode(list, people.numbers[members[k - 1]!]!) },
            expect: {
              first: people.numbers[index]!,
              count: Math.min(W3_PAGE, remaining),
              hasNextPage: remaining > W3_PAGE,
              cursorAt: (pnr) => data.cursors.encode(list, pnr),
            },
          };
        },
      };
    }
    case 'W4': {
      const logged: number[] = [];
      data.eventsPerPerson.forEach((count, index) => { if (count > 0) logged.push(index); });
      if (logged.length === 0) throw new Error('W4 needs an access log that names someone: use --events > 0');
      return {
        next: () => {
          const index = logged[random.int(0, logged.length - 1)]!;
          return { workload, variables: { subject: people.numbers[index]!, to: data.logUntil, first: W4_PAGE }, expect: { count: Math.min(W4_PAGE, data.eventsPerPerson[index]!) } };
        },
      };
    }
    case 'W5': {
      // An applicant for financial aid who has earned in the past year: a different one each request.
      if (data.earners.all.length === 0) throw new Error(`W5 needs people with incomes in ${W5_PERIODS.from} – ${W5_PERIODS.to}`);
      const next = cycle(random, data.earners.all);
      return { next: () => ({ workload, variables: { pnr: next(), ...W5_PERIODS } }) };
    }
  }
}

/** A few fixed inputs per workload for comparing the targets' answers; W1's reach every table. */
export function comparisonInputs(workload: WorkloadId, data: InputData, count: number, seed: string): Input[] {
  if (workload === 'W1' && data.richPeople.length > 0) {
    const rich = data.richPeople.slice(0, Math.ceil(count / 2)).map((pnr): Input => ({ workload: 'W1', variables: { pnr } }));
    const stream = inputStream('W1', data, `${seed}-compare`);
    return [...rich, ...Array.from({ length: count - rich.length }, () => stream.next())];
  }
  if (workload === 'W5') {
    // A corrected statement, a sole trader's pay and a withdrawn statement first, so that the targets are
    // compared on the register's quirks.
    const { corrected, paidBySoleTrader, withWithdrawn } = data.earners;
    const quirky = [...new Set([...corrected.slice(0, 1), ...paidBySoleTrader.slice(0, 1), ...withWithdrawn.slice(0, 1), ...corrected.slice(1)])];
    const rich = quirky.slice(0, Math.max(1, count - 1)).map((pnr): Input => ({ workload: 'W5', variables: { pnr, ...W5_PERIODS } }));
    const stream = inputStream('W5', data, `${seed}-compare`);
    return [...rich, ...Array.from({ length: count - rich.length }, () => stream.next())];
  }
  const stream = inputStream(workload, data, `${seed}-compare`);
  return Array.from({ length: count }, () => stream.next());
}

// ---------------------------------------------------------------------------------------------------------
// Checks

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
}

/** What a set of responses reached: so that a run proves it exercised every table, not just empty lists. */
export interface Coverage {
  benefits: number;
  payments: number;
  cases: number;
  actionPlanSteps: number;
  /** W5: income statements, those corrected since first sent, and those paid by a sole trader. */
  incomes: number;
  correctedIncomes: number;
  soleTraderIncomes: number;
  nodes: number;
}

export function emptyCoverage(): Coverage {
  return { benefits: 0, payments: 0, cases: 0, actionPlanSteps: 0, incomes: 0, correctedIncomes: 0, soleTraderIncomes: 0, nodes: 0 };
}

type Json = Record<string, any>;

/** Checks one response against its input; returns the problem, or null when it is right. */
export function checkResponse(input: Input, status: number, body: string, coverage: Coverage = emptyCoverage()): string | null {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 300)}`;
  let parsed: GraphQLBody;
  try {
    parsed = JSON.parse(body) as GraphQLBody;
  } catch {
    return `not JSON: ${body.slice(0, 300)}`;
  }
  if (parsed.errors !== undefined) return `errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`;
  const data = parsed.data as Json | null | undefined;
  if (!data) return 'no data';
  return checkData(input, data, coverage);
}

function isList(value: unknown): value is Json[] {
  return Array.isArray(value);
}

function checkCitizen(citizen: Json | null | undefined, pnr: string, coverage: Coverage, parts: { payments?: boolean; cases?: boolean }): string | null {
  if (!citizen) return `citizen ${pnr} missing`;
  if (citizen.personalNumber !== pnr) return `asked for ${pnr}, got ${citizen.personalNumber}`;
  if (typeof citizen.familyName !== 'string' || citizen.familyName === '') return 'no familyName';
  if (!isList(citizen.benefits)) return 'benefits is not a list';
  coverage.benefits += citizen.benefits.length;
  for (const benefit of citizen.benefits) {
    if (typeof benefit.id !== 'string' || typeof benefit.status !== 'string') return 'benefit without id or status';
    if (parts.payments) {
      if (!isList(benefit.payments)) return 'payments is not a list';
      coverage.payments += benefit.payments.length;
    }
  }
  if (parts.cases) {
    if (!isList(citizen.cases)) return 'cases is not a list';
    coverage.cases += citizen.cases.length;
    for (const c of citizen.cases) {
      if (typeof c.id !== 'string' || typeof c.openedAt !== 'string') return 'case without id or openedAt';
      if (c.actionPlan !== undefined) {
        if (!isList(c.actionPlan)) return 'actionPlan is not a list';
        coverage.actionPlanSteps += c.actionPlan.length;
      }
    }
  }
  coverage.nodes += 1;
  return null;
}

function checkData(input: Input, data: Json, coverage: Coverage): string | null {
  switch (input.workload) {
    case 'W1':
      return checkCitizen(data.citizen, input.variables.pnr, coverage, { payments: true, cases: true });
    case 'W2': {
      const citizens = data.citizens;
      if (!isList(citizens) || citizens.length !== input.variables.pnrs.length) return `expected ${input.variables.pnrs.length} citizens`;
      for (const [i, pnr] of input.variables.pnrs.entries()) {
        const problem = checkCitizen(citizens[i], pnr, coverage, { cases: true });
        if (problem) return problem;
      }
      return null;
    }
    case 'W3': {
      const page = data.citizensByMunicipality as Json | null;
      if (!page || !isList(page.edges)) return 'no page';
      const { expect } = input;
      if (page.edges.length !== expect.count) return `expected ${expect.count} citizens on the page, got ${page.edges.length}`;
      if (page.pageInfo?.hasNextPage !== expect.hasNextPage) return `hasNextPage should be ${expect.hasNextPage}`;
      let previous = '';
      for (const [i, edge] of page.edges.entries()) {
        const pnr = String(edge.node?.personalNumber);
        if (i === 0 && pnr !== expect.first) return `page should start at ${expect.first}, starts at ${pnr}`;
        if (pnr <= previous) return 'page not in personal-number order';
        if (edge.cursor !== expect.cursorAt(pnr)) return 'wrong cursor';
        const problem = checkCitizen(edge.node, pnr, coverage, {});
        if (problem) return problem;
        previous = pnr;
      }
      if (page.pageInfo.endCursor !== expect.cursorAt(previous)) return 'wrong endCursor';
      return null;
    }
    case 'W4': {
      const page = data.auditEvents as Json | null;
      if (!page || !isList(page.edges)) return 'no page';
      if (page.edges.length !== input.expect.count) return `expected ${input.expect.count} events, got ${page.edges.length}`;
      let previous = Infinity;
      for (const edge of page.edges) {
        const event = edge.node as Json | null;
        if (!event || !Array.isArray(event.subjects) || !(event.subjects as unknown[]).includes(input.variables.subject)) return 'an event that does not name the subject';
        const at = Date.parse(String(event.occurredAt));
        if (!(at <= previous)) return 'events not newest first';
        if (at > Date.parse(input.variables.to)) return 'an event after `to`';
        if (typeof event.hash !== 'string' || event.hash.length !== 64) return 'event without hash';
        previous = at;
        coverage.nodes += 1;
      }
      return null;
    }
    case 'W5':
      return checkAssessment(data.citizen, input.variables, coverage);
  }
}

const YEAR_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const ORGANISATION_NUMBER = /^\d{6}-\d{4}$/;

/** Benefits, and the current income statements within the range, newest period first; never a person's number as an employer's. */
function checkAssessment(citizen: Json | null | undefined, { pnr, from, to }: { pnr: string; from: string; to: string }, coverage: Coverage): string | null {
  if (!citizen) return `citizen ${pnr} missing`;
  if (citizen.personalNumber !== pnr) return `asked for ${pnr}, got ${citizen.personalNumber}`;
  if (typeof citizen.familyName !== 'string' || citizen.familyName === '') return 'no familyName';
  if (!isList(citizen.benefits)) return 'benefits is not a list';
  for (const benefit of citizen.benefits) {
    if (typeof benefit.type !== 'string' || typeof benefit.status !== 'string') return 'benefit without type or status';
  }
  coverage.benefits += citizen.benefits.length;
  if (!isList(citizen.incomes)) return 'incomes is not a list';
  let previous = '9999-12';
  for (const income of citizen.incomes) {
    const period = String(income.period);
    if (!YEAR_MONTH.test(period) || period < from || period > to) return `an income of ${period}, outside ${from} – ${to}`;
    if (period > previous) return 'incomes not newest period first';
    if (!Number.isInteger(income.versions) || income.versions < 1) return 'an income without its number of versions';
    const employer = income.employer as Json | null;
    if (employer !== null) {
      if (typeof employer.soleTrader !== 'boolean') return 'an employer without soleTrader';
      if (employer.soleTrader ? employer.organizationNumber !== null : !ORGANISATION_NUMBER.test(String(employer.organizationNumber))) {
        return 'an employer\'s organizationNumber is not an organisation number (a sole trader has none)';
      }
      if (employer.soleTrader) coverage.soleTraderIncomes += 1;
    }
    if (income.versions > 1) coverage.correctedIncomes += 1;
    previous = period;
  }
  coverage.incomes += citizen.incomes.length;
  coverage.nodes += 1;
  return null;
}

/** The answer's data as canonical JSON (keys sorted): what must be equal across targets. */
export function normaliseResponse(body: string): string {
  const parsed = JSON.parse(body) as GraphQLBody;
  return canonicalJson(parsed.data ?? null);
}
