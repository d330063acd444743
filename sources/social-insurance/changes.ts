/**
 * Social insurance's life events, derived from FK_BESLUT (change mark ANDRAD_TS). A decision is remembered as its
 * status and benefit code. The rules:
 * - `benefit.decided`: a decision reaches `B` (granted) or `A` (rejected), or is first seen so;
 * - `benefit.ended`: a decision reaches `U` (ended), or is first seen so;
 * - anything else (an application received, a corrected amount, period or officer) is no event.
 * Deleted decisions leave no trace a poll could see: they make no event.
 */
import type { Knex } from 'knex';
import { decodeCode, decodeCompactDate, decodeDate, decodeOre, decodeSwedishLocalTime } from '../../src/core/legacy-values.js';
import { field, type ChangeFeed, type DerivedEvent, type ObservedRow, unreadableRow } from '../../src/core/life-events.js';
import { decodeDecisionPersonalNumber } from './mapping.js';
import { grantDecision } from './simulations.js';
import type { FkBeslutRow } from './tables.js';

const TYPE: Record<string, string> = { ABB: 'CHILD_ALLOWANCE', FP: 'PARENTAL_BENEFIT', SJP: 'SICKNESS_BENEFIT', BOB: 'HOUSING_ALLOWANCE', AKS: 'ACTIVITY_SUPPORT' };
const STATUS: Record<string, string> = { I: 'APPLIED', B: 'GRANTED', A: 'REJECTED', U: 'ENDED' };
const EVENT_OF_STATUS: Record<string, DerivedEvent['type'] | undefined> = { GRANTED: 'benefit.decided', REJECTED: 'benefit.decided', ENDED: 'benefit.ended' };

async function changedDecisions(db: Knex, since: string | null, limit: number): Promise<ObservedRow[]> {
  const query = db<FkBeslutRow>('FK_BESLUT').select('*').orderBy([{ column: 'ANDRAD_TS' }, { column: 'BESLUT_ID' }]).limit(limit);
  return observeDecisions(await (since === null ? query : query.where('ANDRAD_TS', '>=', since)));
}

async function decisionsById(db: Knex, ids: readonly string[]): Promise<ObservedRow[]> {
  const rows: FkBeslutRow[] = [];
  for (let i = 0; i < ids.length; i += 1000) rows.push(...await db<FkBeslutRow>('FK_BESLUT').select('*').whereIn('BESLUT_ID', ids.slice(i, i + 1000).map(Number)));
  return observeDecisions(rows);
}

function observeDecisions(rows: readonly FkBeslutRow[]): ObservedRow[] {
  return rows.map((row) => {
    try {
      return observe(row);
    } catch {
      return unreadableRow(String(row.BESLUT_ID), String(row.ANDRAD_TS)); // reported by the queries; no event
    }
  });
}

function observe(row: FkBeslutRow): ObservedRow {
  const status = decodeCode(STATUS, row.STATUS, 'FK_BESLUT.STATUS');
  const type = decodeCode(TYPE, row.FORMAN, 'FK_BESLUT.FORMAN');
  const subject = decodeDecisionPersonalNumber(row);
  const mark = String(row.ANDRAD_TS);
  return {
    key: String(row.BESLUT_ID),
    mark,
    state: { status, type },
    events(before) {
      const eventType = EVENT_OF_STATUS[status];
      if (eventType === undefined || before?.status === status) return [];
      return [{
        type: eventType,
        subject,
        time: decodeSwedishLocalTime(mark, 'FK_BESLUT.ANDRAD_TS') ?? new Date().toISOString(),
        data: {
          personalNumber: field(subject, 'citizen:read', 'IDENTITY'),
          benefitId: field(String(row.BESLUT_ID), 'benefit:read', 'BENEFITS'),
          benefitType: field(type, 'benefit:read', 'BENEFITS'),
          status: field(status, 'benefit:read', 'BENEFITS'),
          validFrom: field(decodeCompactDate(row.FROM_DATUM, 'FK_BESLUT.FROM_DATUM', ['00000000']), 'benefit:read', 'BENEFITS'),
          validTo: field(decodeCompactDate(row.TOM_DATUM, 'FK_BESLUT.TOM_DATUM', ['99991231', '00000000']), 'benefit:read', 'BENEFITS'),
          decidedOn: field(decodeDate(row.BESLUTSDATUM, 'FK_BESLUT.BESLUTSDATUM'), 'benefit:read', 'BENEFITS'),
          amountMinorUnits: field(decodeOre(row.BELOPP_ORE, 'FK_BESLUT.BELOPP_ORE')?.minorUnits ?? null, 'benefit:amount:read', 'BENEFITS'),
        },
      }];
    },
  };
}

export const socialInsuranceChanges: ChangeFeed = {
  tables: [{
    table: 'FK_BESLUT',
    markColumns: ['ANDRAD_TS'],
    markKind: 'swedish-local-time',
    changedSince: changedDecisions,
    binlog: { writtenBy: { FK_BESLUT: (row) => String(row.BESLUT_ID) }, rowsByKey: decisionsById },
  }],
  rules: [
    'benefit.decided: an FK_BESLUT decision reaches STATUS B (granted) or A (rejected)',
    'benefit.ended: an FK_BESLUT decision reaches STATUS U',
    'anything else (an application received, a corrected amount, period or officer): no event',
  ],
  simulate: { 'benefit.decided': grantDecision },
};
