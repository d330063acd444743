/** The employment service (AF): every SQL statement samgraf runs against AF_ARENDE and AF_HANDLINGSPLAN. */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { ActionPlanStep, Case } from './types.js';
import type { LoaderRequest } from '../../src/core/source-module.js';
import { groupInKeyOrder, loaderSettings, type DataQualitySink, Source } from '../../src/core/source.js';
import { mapActionPlanStep, mapCase } from './mapping.js';
import type { AfArendeRow, AfHandlingsplanRow } from './tables.js';

const CASE_COLUMNS = [
  'ARENDE_ID', 'PERSONNR', 'ARENDETYP', 'STATUS', 'SOKANDEKATEGORI', 'PROGRAM_KOD', 'KONTOR_KOD', 'HANDLAGGARE',
  'OPPNAT', 'AVSLUTAT', 'ANTECKNING',
] as const;

/** The statements keyed by numbers and ids: their SQL is built once per number of keys (statement-text.ts). */
const CASES_BY_NUMBER = (db: Knex, numbers: readonly number[]) => db('AF_ARENDE').select(CASE_COLUMNS).whereIn('PERSONNR', numbers).orderBy('ARENDE_ID');
const CASES_BY_ID = (db: Knex, ids: readonly string[]) => db('AF_ARENDE').select(CASE_COLUMNS).whereIn('ARENDE_ID', ids);
const ACTION_PLANS = (db: Knex, caseIds: readonly string[]) => db('AF_HANDLINGSPLAN').select('ARENDE_ID', 'STEG', 'AKTIVITET', 'STATUS', 'UPPDATERAD')
  .whereIn('ARENDE_ID', caseIds).orderBy([{ column: 'ARENDE_ID' }, { column: 'STEG' }]);

export class EmploymentService {
  constructor(readonly source: Source) {}

  /** AF stores the 12-digit number as a BIGINT, so it is matched as a number. */
  async casesByPersonalNumber(personalNumbers: readonly string[], sink: DataQualitySink): Promise<Case[][]> {
    const rows = await this.source.select<AfArendeRow, [readonly number[]]>(CASES_BY_NUMBER, personalNumbers.map(Number));
    return groupInKeyOrder(personalNumbers, this.mapCases(rows, sink), (c) => c.personalNumber);
  }

  async casesById(ids: readonly string[], sink: DataQualitySink): Promise<(Case | null)[]> {
    const possibleIds = ids.filter((id) => id.length <= 20);
    const rows = possibleIds.length === 0 ? [] : await this.source.select<AfArendeRow, [readonly string[]]>(CASES_BY_ID, possibleIds);
    const byId = new Map(this.mapCases(rows, sink).map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async actionPlansByCase(caseIds: readonly string[], sink: DataQualitySink): Promise<ActionPlanStep[][]> {
    const rows = await this.source.select<AfHandlingsplanRow, [readonly string[]]>(ACTION_PLANS, caseIds);
    const steps = this.source.mapRows(rows, 'AF_HANDLINGSPLAN', (row) => `${row.ARENDE_ID}#${row.STEG}`, mapActionPlanStep, sink);
    return groupInKeyOrder(caseIds, steps, (step) => step.caseId);
  }

  private mapCases(rows: readonly AfArendeRow[], sink: DataQualitySink): Case[] {
    return this.source.mapRows(rows, 'AF_ARENDE', (row) => row.ARENDE_ID, (row) => mapCase(row, this.source, sink), sink);
  }
}

export interface EmploymentServiceLoaders {
  casesOfCitizen: DataLoader<string, Case[]>;
  case: DataLoader<string, Case | null>;
  actionPlan: DataLoader<string, ActionPlanStep[]>;
}

export function createEmploymentServiceLoaders({ source, dataQuality: sink, options }: LoaderRequest): EmploymentServiceLoaders {
  const service = new EmploymentService(source);
  return {
    casesOfCitizen: new DataLoader((keys) => service.casesByPersonalNumber(keys, sink), loaderSettings(options)),
    case: new DataLoader((keys) => service.casesById(keys, sink), loaderSettings(options)),
    actionPlan: new DataLoader((keys) => service.actionPlansByCase(keys, sink), loaderSettings(options)),
  };
}
