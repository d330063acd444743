/**
 * The employment service's life events. AF_ARENDE has no change column: a case is seen when it is opened
 * (OPPNAT) or closed (AVSLUTAT), both Swedish local time; its state is its status. AF_HANDLINGSPLAN is seen by
 * UPPDATERAD; a step is remembered as its status and a hash of its activity. The rules:
 * - `case.opened`: a case first seen open or paused, or reopened after it was closed;
 * - `case.closed`: a case reaches `AVSLUTAT` (or is first seen closed, after its `case.opened`);
 * - `action-plan.changed`: a step is added, or its status or activity changes;
 * - anything else (a new officer, office or category) is no event. A status change that sets no time is not seen
 *   by polling (the table has no change column).
 */
import type { Knex } from 'knex';
import { decodeCode, decodeIntegerPersonalNumber, decodeSwedishLocalTime } from '../../src/core/legacy-values.js';
import { digest, field, type ChangeFeed, type DerivedEvent, type ObservedRow, unreadableRow } from '../../src/core/life-events.js';
import type { AfArendeRow, AfHandlingsplanRow } from './tables.js';

const TYPE: Record<string, string> = { INSKRIVNING: 'JOBSEEKER_REGISTRATION', PROGRAM: 'LABOUR_MARKET_PROGRAMME', SANKTION: 'SANCTION' };
const STATUS: Record<string, string> = { OPPET: 'OPEN', VILANDE: 'PAUSED', AVSLUTAT: 'CLOSED' };
const STEP_STATUS: Record<string, string> = { PLANERAD: 'PLANNED', PAGAR: 'IN_PROGRESS', KLAR: 'DONE', AVBRUTEN: 'CANCELLED' };

/** Never the notes: no event needs them. */
const CASE_COLUMNS = ['ARENDE_ID', 'PERSONNR', 'ARENDETYP', 'STATUS', 'PROGRAM_KOD', 'OPPNAT', 'AVSLUTAT'];

async function changedCases(db: Knex, since: string | null, limit: number): Promise<ObservedRow[]> {
  const query = db<AfArendeRow>('AF_ARENDE').select(CASE_COLUMNS).orderByRaw('COALESCE(AVSLUTAT, OPPNAT), ARENDE_ID').limit(limit);
  return observeCases(await (since === null ? query : query.where((q) => q.where('OPPNAT', '>=', since).orWhere('AVSLUTAT', '>=', since))) as unknown as AfArendeRow[]);
}

async function casesById(db: Knex, ids: readonly string[]): Promise<ObservedRow[]> {
  const rows: AfArendeRow[] = [];
  for (let i = 0; i < ids.length; i += 1000) rows.push(...await db('AF_ARENDE').select(CASE_COLUMNS).whereIn('ARENDE_ID', ids.slice(i, i + 1000)) as AfArendeRow[]);
  return observeCases(rows);
}

function observeCases(rows: readonly AfArendeRow[]): ObservedRow[] {
  return rows.map((row) => {
    try {
      return observeCase(row);
    } catch {
      return unreadableRow(String(row.ARENDE_ID).trim(), String(row.AVSLUTAT ?? row.OPPNAT));
    }
  });
}

function observeCase(row: AfArendeRow): ObservedRow {
  const id = row.ARENDE_ID.trim();
  const subject = decodeIntegerPersonalNumber(row.PERSONNR, 'AF_ARENDE.PERSONNR');
  const status = decodeCode(STATUS, row.STATUS, 'AF_ARENDE.STATUS');
  const mark = String(row.AVSLUTAT ?? row.OPPNAT);
  const data = {
    personalNumber: field(subject, 'citizen:read', 'IDENTITY'),
    caseId: field(id, 'case:read', 'CASES'),
    caseType: field(decodeCode(TYPE, row.ARENDETYP, 'AF_ARENDE.ARENDETYP'), 'case:read', 'CASES'),
    programme: field(row.PROGRAM_KOD?.trim() || null, 'case:read', 'CASES'),
  };
  const event = (type: DerivedEvent['type'], at: string | null): DerivedEvent => ({
    type, subject, time: decodeSwedishLocalTime(at ?? row.OPPNAT, 'AF_ARENDE') ?? new Date().toISOString(), data: { ...data, status: field(status, 'case:read', 'CASES') },
  });
  return {
    key: id,
    mark,
    state: { status },
    events(before) {
      const wasClosed = before?.status === 'CLOSED';
      if (before !== null && before.status === status) return [];
      if (status === 'CLOSED') return before === null ? [event('case.opened', row.OPPNAT), event('case.closed', row.AVSLUTAT)] : [event('case.closed', row.AVSLUTAT)];
      return before === null || wasClosed ? [event('case.opened', row.OPPNAT)] : [];
    },
  };
}

async function changedSteps(db: Knex, since: string | null, limit: number): Promise<ObservedRow[]> {
  const query = db<AfHandlingsplanRow>('AF_HANDLINGSPLAN').select('*').orderBy([{ column: 'UPPDATERAD' }, { column: 'ARENDE_ID' }, { column: 'STEG' }]).limit(limit);
  return observeSteps(db, await (since === null ? query : query.where('UPPDATERAD', '>=', since)));
}

/** Steps by `ARENDE_ID#STEG`: the cases' steps are read, and those not named left out. */
async function stepsByKey(db: Knex, keys: readonly string[]): Promise<ObservedRow[]> {
  const wanted = new Set(keys);
  const caseIds = [...new Set(keys.map((key) => key.slice(0, key.lastIndexOf('#'))))];
  const rows: AfHandlingsplanRow[] = [];
  for (let i = 0; i < caseIds.length; i += 1000) rows.push(...await db<AfHandlingsplanRow>('AF_HANDLINGSPLAN').select('*').whereIn('ARENDE_ID', caseIds.slice(i, i + 1000)));
  return observeSteps(db, rows.filter((row) => wanted.has(stepKey(row))));
}

const stepKey = (row: Pick<AfHandlingsplanRow, 'ARENDE_ID' | 'STEG'>) => `${String(row.ARENDE_ID).trim()}#${Number(row.STEG)}`;

async function observeSteps(db: Knex, rows: readonly AfHandlingsplanRow[]): Promise<ObservedRow[]> {
  const persons = new Map<string, string>();
  const caseIds = [...new Set(rows.map((row) => row.ARENDE_ID))];
  for (let i = 0; i < caseIds.length; i += 1000) {
    const cases: Pick<AfArendeRow, 'ARENDE_ID' | 'PERSONNR'>[] = await db('AF_ARENDE').select('ARENDE_ID', 'PERSONNR').whereIn('ARENDE_ID', caseIds.slice(i, i + 1000));
    for (const c of cases) {
      try {
        persons.set(c.ARENDE_ID, decodeIntegerPersonalNumber(c.PERSONNR, 'AF_ARENDE.PERSONNR'));
      } catch {
        // a case without a readable person makes no event
      }
    }
  }
  return rows.map((row) => {
    const subject = persons.get(row.ARENDE_ID);
    try {
      if (subject !== undefined) return observeStep(row, subject);
    } catch {
      // as below
    }
    return unreadableRow(stepKey(row), String(row.UPPDATERAD));
  });
}

function observeStep(row: AfHandlingsplanRow, subject: string): ObservedRow {
  const status = decodeCode(STEP_STATUS, row.STATUS, 'AF_HANDLINGSPLAN.STATUS');
  const mark = String(row.UPPDATERAD);
  const state = { status, activity: digest(row.AKTIVITET) };
  return {
    key: stepKey(row),
    mark,
    state,
    events(before) {
      if (before !== null && before.status === state.status && before.activity === state.activity) return [];
      return [{
        type: 'action-plan.changed',
        subject,
        time: decodeSwedishLocalTime(mark, 'AF_HANDLINGSPLAN.UPPDATERAD') ?? new Date().toISOString(),
        data: {
          personalNumber: field(subject, 'citizen:read', 'IDENTITY'),
          caseId: field(row.ARENDE_ID.trim(), 'case:read', 'CASES'),
          step: field(Number(row.STEG), 'case:read', 'CASES'),
          stepStatus: field(status, 'case:read', 'CASES'),
          activity: field(row.AKTIVITET, 'case:read', 'CASES'),
        },
      }];
    },
  };
}

export const employmentServiceChanges: ChangeFeed = {
  tables: [
    {
      table: 'AF_ARENDE', markKind: 'swedish-local-time', changedSince: changedCases, markColumns: ['OPPNAT', 'AVSLUTAT'],
      binlog: { writtenBy: { AF_ARENDE: (row) => String(row.ARENDE_ID).trim() }, rowsByKey: casesById },
    },
    {
      table: 'AF_HANDLINGSPLAN', markKind: 'swedish-local-time', changedSince: changedSteps, markColumns: ['UPPDATERAD'],
      binlog: { writtenBy: { AF_HANDLINGSPLAN: (row) => stepKey(row as unknown as AfHandlingsplanRow) }, rowsByKey: stepsByKey },
    },
  ],
  rules: [
    'case.opened: an AF_ARENDE case first seen open or paused, or reopened (seen by OPPNAT or AVSLUTAT)',
    'case.closed: a case reaches STATUS AVSLUTAT',
    'action-plan.changed: an AF_HANDLINGSPLAN step is added, or its status or activity changes (seen by UPPDATERAD)',
    'anything else (officer, office, category): no event',
  ],
};
