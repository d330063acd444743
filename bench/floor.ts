/**
 * The floor: the least any layer over these databases can do for the benchmark's five requests. A bare
 * node:http server that takes each workload's variables as a JSON body, runs the same SELECTs samgraf runs
 * (same tables, same WHERE/ORDER BY, one statement per table and level, in the same dependency order) with
 * mysql2 and, for the income register, pg directly, maps the legacy rows with samgraf's own mapping functions
 * (the legacy quirks must be decoded by anyone), writes the same access-log event (one transaction: one INSERT into audit_events on its
 * own hash chain, one into audit_event_subjects), and answers with the same `{ "data": … }` JSON. No GraphQL,
 * no policies, no token verification (the bearer token's claims are read, unverified, for the log's principal).
 *
 *   node dist/bench/floor.js --config FILE      (PORT overrides server.port)
 *   POST /profile, /batch, /municipality-page, /audit-search, /financial-aid; GET /healthz, /stats
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';
import pg from 'pg';
import { mapActionPlanStep, mapCase } from '../sources/employment-service/mapping.js';
import type { AfArendeRow, AfHandlingsplanRow } from '../sources/employment-service/tables.js';
import { mapPerson } from '../sources/population-register/mapping.js';
import type { FbPersonRow } from '../sources/population-register/tables.js';
import { UnmappableValueError } from '../src/core/legacy-values.js';
import type { DataQualitySink, Source } from '../src/core/source.js';
import { mapDecision, mapPayment } from '../sources/social-insurance/mapping.js';
import type { FkBeslutRow, FkUtbetalningRow } from '../sources/social-insurance/tables.js';
import { mapCurrentStatement } from '../sources/income-register/mapping.js';
import type { AgiCurrentStatementRow } from '../sources/income-register/tables.js';
import type { IncomeStatement } from '../sources/income-register/types.js';
import { chainHash, GENESIS_HASH, type AuditEvent, type DataCategory, type EventDraft } from '../src/access-log/event.js';
import { eventPositionText } from '../src/access-log/reader.js';
import { fromRow, toRow, type EventRow } from '../src/access-log/store.js';
import { CURSOR_KEY_NAME, CursorCodec, KEYS_TABLE } from '../src/core/cursor.js';
import { AUDIT_EVENTS_LIST } from '../src/access-log/resolvers.js';
import { parseDatabaseUrl } from '../src/core/db.js';
import type { Citizen } from '../sources/population-register/types.js';
import type { Benefit, Payment } from '../sources/social-insurance/types.js';
import type { ActionPlanStep, Case } from '../sources/employment-service/types.js';
import { municipalityPageList, WORKLOADS, type WorkloadId } from './workloads.js';

// ---------------------------------------------------------------------------------------------------------
// Databases

const PERSON_SQL = 'select `PERSONID`, `FORNAMN`, `TILLTALSNAMN`, `MELLANNAMN`, `EFTERNAMN`, `KON`, `SEKRETESS`, `SKYDDAD_FB`, '
  + '`UTDELNINGSADRESS`, `POSTNR`, `POSTORT`, `KOMMUNKOD`, `LANKOD`, `FOLKBOKFORINGSDATUM`, `AVREG_ORSAK`, `AVREG_DATUM`, `SENAST_ANDRAD` from `FB_PERSON`';
const SQL = {
  persons: `${PERSON_SQL} where \`PERSONID\` in (?)`,
  municipalityPage: `${PERSON_SQL} where \`KOMMUNKOD\` = ? order by \`PERSONID\` asc limit ?`,
  municipalityPageAfter: `${PERSON_SQL} where \`KOMMUNKOD\` = ? and \`PERSONID\` > ? order by \`PERSONID\` asc limit ?`,
  decisions: 'select `BESLUT_ID`, `PNR`, `FORMAN`, `STATUS`, `BELOPP_ORE`, `PERIODICITET`, `FROM_DATUM`, `TOM_DATUM`, `BESLUTSDATUM`, '
    + '`HANDLAGGARE`, `ANDRAD_TS` from `FK_BESLUT` where `PNR` in (?) order by `BESLUT_ID` asc',
  payments: 'select `UTBET_ID`, `BESLUT_ID`, `UTBET_DATUM`, `BELOPP_ORE` from `FK_UTBETALNING` where `BESLUT_ID` in (?) '
    + 'order by `BESLUT_ID` asc, `UTBET_DATUM` asc, `UTBET_ID` asc',
  cases: 'select `ARENDE_ID`, `PERSONNR`, `ARENDETYP`, `STATUS`, `SOKANDEKATEGORI`, `PROGRAM_KOD`, `KONTOR_KOD`, `HANDLAGGARE`, '
    + '`OPPNAT`, `AVSLUTAT`, `ANTECKNING` from `AF_ARENDE` where `PERSONNR` in (?) order by `ARENDE_ID` asc',
  actionPlans: 'select `ARENDE_ID`, `STEG`, `AKTIVITET`, `STATUS`, `UPPDATERAD` from `AF_HANDLINGSPLAN` where `ARENDE_ID` in (?) '
    + 'order by `ARENDE_ID` asc, `STEG` asc',
  auditSearch: 'select `e`.* from `audit_event_subjects` as `s` inner join `audit_events` as `e` on `e`.`writer_id` = `s`.`writer_id` '
    + 'and `e`.`seq` = `s`.`seq` where `s`.`subject` = ? and `s`.`occurred_ms` <= ? '
    + 'order by `s`.`occurred_ms` desc, `s`.`writer_id` desc, `s`.`seq` desc limit ?',
};

/**
 * The income register (PostgreSQL): per statement (period, employer, payee, specification) its newest version —
 * latest arrival, then highest id — with how many versions it has had, the id of its first and the employer's
 * name, in one statement for all payees (legacy-sources.md §4). A withdrawal that is the newest version comes
 * back too: the mapping drops it, and with it the statement.
 */
const STATEMENT_KEY = 'redovisningsperiod, arbetsgivare, betalningsmottagare, specifikationsnummer';
const INCOMES_SQL = 'select v.id, v.redovisningsperiod, v.arbetsgivare, v.betalningsmottagare, v.specifikationsnummer, v.kontant_ersattning, '
  + 'v.skatteavdrag, v.formaner, v.borttag, v.inlamnad, v.versions, v.first_id, e.namn '
  + 'from (select id, redovisningsperiod, arbetsgivare, betalningsmottagare, specifikationsnummer, kontant_ersattning, skatteavdrag, formaner, borttag, inlamnad, '
  + `row_number() over (partition by ${STATEMENT_KEY} order by inlamnad desc, id desc) as newest, `
  + `count(*) over (partition by ${STATEMENT_KEY}) as versions, min(id) over (partition by ${STATEMENT_KEY}) as first_id `
  + 'from agi_individuppgift where betalningsmottagare = any($1) and redovisningsperiod >= $2 and redovisningsperiod <= $3) as v '
  + 'left join agi_arbetsgivare as e on e.arbetsgivare = v.arbetsgivare where v.newest = 1 '
  + 'order by v.redovisningsperiod desc, v.arbetsgivare asc, v.specifikationsnummer asc';

interface FloorConfig {
  server?: { port?: number; host?: string };
  sources: Record<'populationRegister' | 'socialInsurance' | 'employmentService' | 'incomeRegister', { url: string; poolMax?: number }>;
  store: { url: string };
}

function openPool(url: string, connectionLimit: number, extra: Partial<PoolOptions> = {}): Pool {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'mysql') throw new Error('the floor speaks MariaDB/MySQL only');
  return mysql.createPool({
    host: target.host, port: target.port, user: target.user, password: target.password, database: target.database,
    // As samgraf's connections: utf8mb4, dates as strings, BIGINTs exact.
    charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectionLimit, ...extra,
  });
}

/**
 * As samgraf's PostgreSQL connections: TIMESTAMPTZ (and the other date types) as the text the server sends, in a
 * UTC session, for the mapping to put in Stockholm time; NUMERIC and BIGINT as strings (pg's default).
 */
const PG_TEXT_TYPES = new Set([1082, 1083, 1114, 1184]);

function openPostgresPool(url: string, max: number): pg.Pool {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'postgres') throw new Error('the floor reads the income register on PostgreSQL only');
  return new pg.Pool({
    host: target.host, port: target.port, user: target.user, password: target.password, database: target.database, max,
    options: '-c TimeZone=UTC',
    types: { getTypeParser: ((oid: number, format?: string) => (PG_TEXT_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
}

/** SELECTs sent, all databases; those on PostgreSQL also on their own (MariaDB's counters do not see them). */
const stats = { requests: 0, selects: 0, postgresSelects: 0, inserts: 0 };

async function select<Row>(pool: Pool, sql: string, params: unknown[]): Promise<Row[]> {
  stats.selects += 1;
  const [rows] = await pool.query(sql, params);
  return rows as Row[];
}

async function selectPostgres<Row extends pg.QueryResultRow>(pool: pg.Pool, sql: string, params: unknown[]): Promise<Row[]> {
  stats.selects += 1;
  stats.postgresSelects += 1;
  return (await pool.query<Row>(sql, params)).rows;
}

// ---------------------------------------------------------------------------------------------------------
// Legacy rows → domain objects (samgraf's mapping; a row that breaks a legacy rule is left out, as samgraf does)

const ignoreFindings: DataQualitySink = { report() {} };
/** mapDecision/mapCase ask the source to decode a personal number leniently: null when it cannot be read. */
const lenient = {
  soft<T>(_table: string, _key: string | undefined, decode: () => T): T | null {
    try {
      return decode();
    } catch (error) {
      if (error instanceof UnmappableValueError) return null;
      throw error;
    }
  },
} as unknown as Source;

function mapRows<Row, T>(rows: readonly Row[], map: (row: Row) => T): T[] {
  const mapped: T[] = [];
  for (const row of rows) {
    try {
      mapped.push(map(row));
    } catch (error) {
      if (!(error instanceof UnmappableValueError)) throw error;
    }
  }
  return mapped;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

class Floor {
  constructor(
    private readonly skv: Pool, private readonly fk: Pool, private readonly af: Pool, private readonly agi: pg.Pool, readonly store: Pool, readonly cursors: CursorCodec,
  ) {}

  async persons(pnrs: readonly string[]): Promise<Map<string, Citizen>> {
    const rows = await select<FbPersonRow>(this.skv, SQL.persons, [pnrs]);
    return new Map(mapRows(rows, mapPerson).map((c) => [c.personalNumber, c]));
  }

  async municipalityPage(code: string, after: string | null, first: number): Promise<{ citizens: Citizen[]; hasMore: boolean; last: string | null }> {
    const rows = after === null
      ? await select<FbPersonRow>(this.skv, SQL.municipalityPage, [code, first + 1])
      : await select<FbPersonRow>(this.skv, SQL.municipalityPageAfter, [code, after, first + 1]);
    const page = rows.slice(0, first);
    return { citizens: mapRows(page, mapPerson), hasMore: rows.length > first, last: page.at(-1)?.PERSONID.trim() ?? after };
  }

  /** FK keeps `YYMMDD-NNNC` or `YYMMDD+NNNC`: both forms are asked for, each row kept for whom it expands to. */
  async benefits(pnrs: readonly string[]): Promise<Map<string, Benefit[]>> {
    if (pnrs.length === 0) return new Map();
    const forms = pnrs.flatMap((pnr) => [`${pnr.slice(2, 8)}-${pnr.slice(8)}`, `${pnr.slice(2, 8)}+${pnr.slice(8)}`]);
    const rows = await select<FkBeslutRow>(this.fk, SQL.decisions, [forms]);
    return groupBy(mapRows(rows, (row) => mapDecision(row, lenient, ignoreFindings)), (b) => b.personalNumber);
  }

  async payments(benefitIds: readonly string[]): Promise<Map<string, Payment[]>> {
    if (benefitIds.length === 0) return new Map();
    const rows = await select<FkUtbetalningRow>(this.fk, SQL.payments, [benefitIds.map(Number)]);
    return groupBy(mapRows(rows, mapPayment), (p) => p.benefitId);
  }

  async cases(pnrs: readonly string[]): Promise<Map<string, Case[]>> {
    if (pnrs.length === 0) return new Map();
    const rows = await select<AfArendeRow>(this.af, SQL.cases, [pnrs.map(Number)]);
    return groupBy(mapRows(rows, (row) => mapCase(row, lenient, ignoreFindings)), (c) => c.personalNumber);
  }

  async actionPlans(caseIds: readonly string[]): Promise<Map<string, ActionPlanStep[]>> {
    if (caseIds.length === 0) return new Map();
    const rows = await select<AfHandlingsplanRow>(this.af, SQL.actionPlans, [caseIds]);
    return groupBy(mapRows(rows, mapActionPlanStep), (s) => s.caseId);
  }

  /** The register writes the payee `YYYYMMDD-NNNN`; periods are `YYYYMM`. */
  async incomes(pnrs: readonly string[], from: string, to: string): Promise<Map<string, IncomeStatement[]>> {
    if (pnrs.length === 0) return new Map();
    const payees = pnrs.map((pnr) => `${pnr.slice(0, 8)}-${pnr.slice(8)}`);
    const rows = await selectPostgres<AgiCurrentStatementRow>(this.agi, INCOMES_SQL, [payees, from.replace('-', ''), to.replace('-', '')]);
    const current = mapRows(rows, (row) => mapCurrentStatement(row, lenient, ignoreFindings)).filter((s): s is IncomeStatement => s !== null);
    return groupBy(current, (s) => s.personalNumber);
  }

  async auditEvents(subject: string, toMs: number, first: number): Promise<AuditEvent[]> {
    const rows = await select<EventRow>(this.store, SQL.auditSearch, [subject, toMs, first + 1]);
    return rows.map(fromRow);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The access log: this process's own chain, one transaction per request

class FloorAccessLog {
  readonly writer = randomUUID();
  private seq = 0;
  private lastHash = GENESIS_HASH;

  constructor(private readonly store: Pool) {}

  async append(draft: EventDraft): Promise<void> {
    // Chained in arrival order, synchronously: the commits may land in any order, the chain is still whole.
    const body = { ...draft, writer: this.writer, seq: this.seq + 1 };
    const event: AuditEvent = { ...body, prevHash: this.lastHash, hash: chainHash(this.lastHash, body) };
    this.seq = event.seq;
    this.lastHash = event.hash;
    const row = toRow(event);
    const columns = Object.keys(row);
    const subjects = event.subjects.map((s) => [s, row.occurred_ms, event.writer, event.seq, (event.subjectCategories[s] ?? []).join(' ')]);
    // One round trip: the transaction, the event, its subject rows and the chain's head (multipleStatements).
    let sql = `START TRANSACTION; INSERT INTO audit_events (${columns.join(', ')}) VALUES (?);`;
    const params: unknown[] = [Object.values(row)];
    if (subjects.length > 0) {
      sql += ' INSERT INTO audit_event_subjects (subject, occurred_ms, writer_id, seq, categories) VALUES ?;';
      params.push(subjects);
    }
    sql += ' INSERT INTO audit_chain_heads (writer_id, seq, hash) VALUES (?, ?, ?); COMMIT';
    params.push(event.writer, event.seq, event.hash);
    stats.inserts += subjects.length > 0 ? 3 : 2;
    const connection = await this.store.getConnection();
    try {
      await connection.query(sql, params);
      connection.release();
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The five requests: the same SQL, the same JSON, the same event

/** Which `Type.field`s each answer reads (the event's fieldsRead), by the types that occur in it. */
const FIELDS: Record<WorkloadId, Record<string, string[]>> = {
  W1: {
    Query: ['citizen'],
    Citizen: ['personalNumber', 'givenNames', 'familyName', 'birthDate', 'sex', 'protectedIdentity', 'address', 'benefits', 'cases'],
    Address: ['street', 'postalCode', 'city'],
    Benefit: ['id', 'type', 'status', 'amount', 'periodicity', 'validFrom', 'validTo', 'decidedOn', 'payments'],
    Money: ['amount', 'currency', 'minorUnits'],
    Payment: ['id', 'paidOn', 'amount'],
    Case: ['id', 'type', 'status', 'office', 'openedAt', 'closedAt', 'actionPlan'],
    ActionPlanStep: ['step', 'activity', 'status', 'updatedAt'],
  },
  W2: {
    Query: ['citizens'],
    Citizen: ['personalNumber', 'givenNames', 'familyName', 'benefits', 'cases'],
    Benefit: ['id', 'type', 'status', 'amount', 'validFrom', 'validTo'],
    Money: ['amount'],
    Case: ['id', 'type', 'status', 'openedAt'],
  },
  W3: {
    Query: ['citizensByMunicipality'],
    CitizenConnection: ['edges', 'pageInfo'],
    CitizenEdge: ['cursor', 'node'],
    PageInfo: ['hasNextPage', 'endCursor'],
    Citizen: ['personalNumber', 'givenNames', 'familyName', 'benefits'],
    Benefit: ['id', 'type', 'status', 'amount'],
    Money: ['amount'],
  },
  W4: {
    Query: ['auditEvents'],
    AuditEventConnection: ['edges', 'pageInfo'],
    AuditEventEdge: ['cursor', 'node'],
    PageInfo: ['hasNextPage', 'endCursor'],
    AuditEvent: ['id', 'occurredAt', 'principal', 'purpose', 'operationName', 'outcome', 'subjects', 'hash'],
    AuditPrincipal: ['type', 'subject', 'organization'],
  },
  W5: {
    Query: ['citizen'],
    Citizen: ['personalNumber', 'familyName', 'benefits', 'incomes'],
    Benefit: ['type', 'status', 'amount'],
    Money: ['amount'],
    IncomeStatement: ['period', 'employer', 'grossPay', 'taxDeducted', 'versions'],
    Employer: ['name', 'organizationNumber', 'soleTrader'],
  },
};

/** What one answer returned: the types it holds (for fieldsRead) and whose data, by category. */
class Answer {
  readonly types = new Set<string>(['Query']);
  readonly subjects = new Map<string, Set<DataCategory>>();

  saw(type: string): void {
    this.types.add(type);
  }

  about(pnr: string, ...categories: DataCategory[]): void {
    let set = this.subjects.get(pnr);
    if (!set) this.subjects.set(pnr, (set = new Set()));
    for (const category of categories) set.add(category);
  }

  fieldsRead(workload: WorkloadId): string[] {
    return [...this.types].flatMap((type) => (FIELDS[workload][type] ?? []).map((field) => `${type}.${field}`)).sort();
  }
}

const money = (m: { amount: string; currency: string; minorUnits: number }, answer: Answer, fields: 'full' | 'amount' | 'payment') => {
  answer.saw('Money');
  if (fields === 'amount') return { amount: m.amount };
  if (fields === 'payment') return { amount: m.amount, minorUnits: m.minorUnits };
  return { amount: m.amount, currency: m.currency, minorUnits: m.minorUnits };
};

async function profile(floor: Floor, pnr: string, answer: Answer): Promise<unknown> {
  const citizen = (await floor.persons([pnr])).get(pnr);
  if (!citizen) return { citizen: null };
  const [benefits, cases] = await Promise.all([floor.benefits([pnr]), floor.cases([pnr])]);
  const ownBenefits = benefits.get(pnr) ?? [];
  const ownCases = cases.get(pnr) ?? [];
  const [payments, plans] = await Promise.all([floor.payments(ownBenefits.map((b) => b.id)), floor.actionPlans(ownCases.map((c) => c.id))]);
  answer.saw('Citizen');
  answer.about(pnr, 'IDENTITY', 'ADDRESS', 'BENEFITS', 'CASES');
  if (citizen.address) answer.saw('Address');
  return {
    citizen: {
      personalNumber: citizen.personalNumber, givenNames: citizen.givenNames, familyName: citizen.familyName, birthDate: citizen.birthDate,
      sex: citizen.sex, protectedIdentity: citizen.protectedIdentity,
      address: citizen.address && { street: citizen.address.street, postalCode: citizen.address.postalCode, city: citizen.address.city },
      benefits: ownBenefits.map((b) => {
        answer.saw('Benefit');
        return {
          id: b.id, type: b.type, status: b.status, amount: b.amount && money(b.amount, answer, 'full'), periodicity: b.periodicity,
          validFrom: b.validFrom, validTo: b.validTo, decidedOn: b.decidedOn,
          payments: (payments.get(b.id) ?? []).map((p) => {
            answer.saw('Payment');
            return { id: p.id, paidOn: p.paidOn, amount: money(p.amount, answer, 'payment') };
          }),
        };
      }),
      cases: ownCases.map((c) => {
        answer.saw('Case');
        return {
          id: c.id, type: c.type, status: c.status, office: c.office, openedAt: c.openedAt, closedAt: c.closedAt,
          actionPlan: (plans.get(c.id) ?? []).map((s) => {
            answer.saw('ActionPlanStep');
            return { step: s.step, activity: s.activity, status: s.status, updatedAt: s.updatedAt };
          }),
        };
      }),
    },
  };
}

const briefBenefit = (b: Benefit, answer: Answer, dates: boolean) => {
  answer.saw('Benefit');
  const amount = b.amount && money(b.amount, answer, 'amount');
  return dates ? { id: b.id, type: b.type, status: b.status, amount, validFrom: b.validFrom, validTo: b.validTo } : { id: b.id, type: b.type, status: b.status, amount };
};

async function batch(floor: Floor, pnrs: string[], answer: Answer): Promise<unknown> {
  const persons = await floor.persons(pnrs);
  const found = [...persons.keys()];
  const [benefits, cases] = await Promise.all([floor.benefits(found), floor.cases(found)]);
  return {
    citizens: pnrs.map((pnr) => {
      const c = persons.get(pnr);
      if (!c) return null;
      answer.saw('Citizen');
      answer.about(pnr, 'IDENTITY', 'BENEFITS', 'CASES');
      return {
        personalNumber: c.personalNumber, givenNames: c.givenNames, familyName: c.familyName,
        benefits: (benefits.get(pnr) ?? []).map((b) => briefBenefit(b, answer, true)),
        cases: (cases.get(pnr) ?? []).map((k) => {
          answer.saw('Case');
          return { id: k.id, type: k.type, status: k.status, openedAt: k.openedAt };
        }),
      };
    }),
  };
}

async function municipalityPage(floor: Floor, code: string, first: number, after: string | null, answer: Answer): Promise<unknown> {
  const page = await floor.municipalityPage(code, after, first);
  const benefits = await floor.benefits(page.citizens.map((c) => c.personalNumber));
  answer.saw('CitizenConnection');
  answer.saw('PageInfo');
  return {
    citizensByMunicipality: {
      edges: page.citizens.map((c) => {
        answer.saw('CitizenEdge');
        answer.saw('Citizen');
        answer.about(c.personalNumber, 'IDENTITY', 'BENEFITS');
        return {
          cursor: floor.cursors.encode(municipalityPageList(code), c.personalNumber),
          node: {
            personalNumber: c.personalNumber, givenNames: c.givenNames, familyName: c.familyName,
            benefits: (benefits.get(c.personalNumber) ?? []).map((b) => briefBenefit(b, answer, false)),
          },
        };
      }),
      pageInfo: { hasNextPage: page.hasMore, endCursor: page.last === null ? null : floor.cursors.encode(municipalityPageList(code), page.last) },
    },
  };
}

async function auditSearch(floor: Floor, subject: string, toMs: number, first: number, answer: Answer): Promise<unknown> {
  const events = await floor.auditEvents(subject, toMs, first);
  const shown = events.slice(0, first);
  const cursorOf = (e: AuditEvent) => floor.cursors.encode(AUDIT_EVENTS_LIST, eventPositionText({ occurredMs: Date.parse(e.occurredAt), writer: e.writer, seq: e.seq }));
  answer.saw('AuditEventConnection');
  answer.saw('PageInfo');
  return {
    auditEvents: {
      edges: shown.map((e) => {
        answer.saw('AuditEventEdge');
        answer.saw('AuditEvent');
        answer.saw('AuditPrincipal');
        // Reading an event is reading about everyone it names.
        for (const pnr of [...e.subjects, ...e.subjectsWithheld, ...(e.principal.type === 'CITIZEN' ? [e.principal.subject] : [])]) answer.about(pnr, 'ACCESS_LOG');
        return {
          cursor: cursorOf(e),
          node: {
            id: `${e.writer}:${e.seq}`, occurredAt: e.occurredAt,
            principal: { type: e.principal.type, subject: e.principal.subject, organization: e.principal.organization },
            purpose: e.purpose, operationName: e.operationName, outcome: e.outcome, subjects: e.subjects, hash: e.hash,
          },
        };
      }),
      pageInfo: { hasNextPage: events.length > first, endCursor: shown.length > 0 ? cursorOf(shown.at(-1)!) : null },
    },
  };
}

async function financialAid(floor: Floor, pnr: string, from: string, to: string, answer: Answer): Promise<unknown> {
  const citizen = (await floor.persons([pnr])).get(pnr);
  if (!citizen) return { citizen: null };
  const [benefits, incomes] = await Promise.all([floor.benefits([pnr]), floor.incomes([pnr], from, to)]);
  answer.saw('Citizen');
  answer.about(pnr, 'IDENTITY', 'BENEFITS', 'INCOME');
  return {
    citizen: {
      personalNumber: citizen.personalNumber, familyName: citizen.familyName,
      benefits: (benefits.get(pnr) ?? []).map((b) => {
        answer.saw('Benefit');
        return { type: b.type, status: b.status, amount: b.amount && money(b.amount, answer, 'amount') };
      }),
      incomes: (incomes.get(pnr) ?? []).map((s) => {
        answer.saw('IncomeStatement');
        const { employer } = s;
        if (employer) {
          answer.saw('Employer');
          // A sole trader's identifier is the owner's number: reading the employer is reading about the owner.
          if (employer.personalNumber !== null) answer.about(employer.personalNumber, 'INCOME');
        }
        return {
          period: s.period,
          employer: employer && { name: employer.name, organizationNumber: employer.organizationNumber, soleTrader: employer.soleTrader },
          grossPay: s.grossPay && money(s.grossPay, answer, 'amount'),
          taxDeducted: s.taxDeducted && money(s.taxDeducted, answer, 'amount'),
          versions: s.versions,
        };
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

class BadRequest extends Error {}

const PNR = /^\d{12}$/;
const ROUTES: Record<string, WorkloadId> = Object.fromEntries(Object.values(WORKLOADS).map((w) => [w.floorPath, w.id]));
const DOCUMENT_HASHES = Object.fromEntries(Object.values(WORKLOADS).map((w) => [w.id, createHash('sha256').update(w.document).digest('hex')])) as Record<WorkloadId, string>;

function pnrOf(value: unknown): string {
  if (typeof value !== 'string' || !PNR.test(value)) throw new BadRequest('a personal number is 12 digits');
  return value;
}

function firstOf(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) throw new BadRequest('first is 0–100');
  return value;
}

const YEAR_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function yearMonthOf(value: unknown): string {
  if (typeof value !== 'string' || !YEAR_MONTH.test(value)) throw new BadRequest('from and to are YYYY-MM');
  return value;
}

function afterOf(floor: Floor, code: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  try {
    return floor.cursors.decode(municipalityPageList(code), String(value), (position) => (PNR.test(position) ? position : null));
  } catch {
    throw new BadRequest('after is not a cursor');
  }
}

function runWorkload(floor: Floor, workload: WorkloadId, input: Record<string, unknown>, result: Answer): Promise<unknown> {
  switch (workload) {
    case 'W1':
      return profile(floor, pnrOf(input.pnr), result);
    case 'W2': {
      if (!Array.isArray(input.pnrs) || input.pnrs.length > 100) throw new BadRequest('pnrs: up to 100 personal numbers');
      return batch(floor, input.pnrs.map(pnrOf), result);
    }
    case 'W3':
      if (typeof input.code !== 'string' || !/^\d{4}$/.test(input.code)) throw new BadRequest('code is 4 digits');
      return municipalityPage(floor, input.code, firstOf(input.first, 20), afterOf(floor, input.code, input.after), result);
    case 'W4': {
      const toMs = input.to === undefined || input.to === null ? Number.MAX_SAFE_INTEGER : Date.parse(String(input.to));
      if (Number.isNaN(toMs)) throw new BadRequest('to is an ISO instant');
      return auditSearch(floor, pnrOf(input.subject), toMs, firstOf(input.first, 20), result);
    }
    case 'W5':
      return financialAid(floor, pnrOf(input.pnr), yearMonthOf(input.from), yearMonthOf(input.to), result);
  }
}

/** The bearer token's claims, not verified: the floor does no authentication, only records who was named. */
function principalOf(req: IncomingMessage): { subject: string; organization: string | null } {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) throw new BadRequest('no bearer token');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; org?: unknown };
  return { subject: String(claims.sub), organization: typeof claims.org === 'string' ? claims.org : null };
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value.slice(0, 200) : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(floor: Floor, log: FloorAccessLog, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && path === '/stats') return send(res, 200, { ...stats, writer: log.writer });
  const workload = ROUTES[path];
  if (req.method !== 'POST' || !workload) return send(res, 404, { error: 'not found' });
  const occurredAt = new Date().toISOString();
  try {
    const principal = principalOf(req);
    const input = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const result = new Answer();
    const data = await runWorkload(floor, workload, input, result);
    const subjects = [...result.subjects.keys()].sort();
    await log.append({
      occurredAt,
      requestId: randomUUID(),
      principal: { type: 'STAFF', subject: principal.subject, organization: principal.organization, apiKeyId: null },
      purpose: header(req, 'x-purpose'),
      legalBasis: header(req, 'x-legal-basis'),
      caseReference: header(req, 'x-case-reference'),
      operationName: WORKLOADS[workload].operationName,
      documentHash: DOCUMENT_HASHES[workload],
      subjects,
      subjectCategories: Object.fromEntries(subjects.map((pnr) => [pnr, [...result.subjects.get(pnr)!].sort()])),
      subjectsWithheld: [],
      fieldsRead: result.fieldsRead(workload),
      fieldsDenied: [],
      fieldsMasked: [],
      outcome: 'OK',
      sourceErrors: [],
    });
    stats.requests += 1;
    send(res, 200, { data });
  } catch (error) {
    if (error instanceof BadRequest || error instanceof SyntaxError) return send(res, 400, { error: error.message });
    process.stderr.write(`floor: ${(error as Error).stack ?? String(error)}\n`);
    send(res, 500, { error: 'internal error' });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  if (!values.config) throw new Error('usage: node dist/bench/floor.js --config FILE');
  const config = JSON.parse(readFileSync(values.config, 'utf8')) as FloorConfig;
  const { sources } = config;
  const store = openPool(config.store.url, 10, { multipleStatements: true });
  // samgraf's cursors are sealed with the store's key: the floor seals its own the same way, at the same cost.
  const [key] = await select<{ secret: string }>(store, `select secret from ${KEYS_TABLE} where name = ?`, [CURSOR_KEY_NAME]);
  if (!key) throw new Error('the store has no cursor key: run samgraf migrate');
  const floor = new Floor(
    openPool(sources.populationRegister.url, sources.populationRegister.poolMax ?? 10),
    openPool(sources.socialInsurance.url, sources.socialInsurance.poolMax ?? 10),
    openPool(sources.employmentService.url, sources.employmentService.poolMax ?? 10),
    openPostgresPool(sources.incomeRegister.url, sources.incomeRegister.poolMax ?? 10),
    store,
    new CursorCodec(Buffer.from(key.secret, 'hex')),
  );
  const log = new FloorAccessLog(floor.store);
  const server = createServer((req, res) => void handle(floor, log, req, res));
  const port = Number(process.env.PORT ?? config.server?.port ?? 4100);
  server.listen(port, config.server?.host ?? '127.0.0.1');
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor: ${(error as Error).message}\n`);
  process.exit(1);
});
