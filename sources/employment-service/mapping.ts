/** AF_ARENDE / AF_HANDLINGSPLAN rows → Case / ActionPlanStep. Every employment-service quirk is decoded here. */
import type { ActionPlanStatus, ActionPlanStep, Case, CaseStatus, CaseType } from './types.js';
import { decodeCode, decodeIntegerPersonalNumber, decodeSwedishLocalTime } from '../../src/core/legacy-values.js';
import type { DataQualitySink, Source } from '../../src/core/source.js';
import type { AfArendeRow, AfHandlingsplanRow } from './tables.js';

const TYPE: Record<string, CaseType> = { INSKRIVNING: 'JOBSEEKER_REGISTRATION', PROGRAM: 'LABOUR_MARKET_PROGRAMME', SANKTION: 'SANCTION' };
const STATUS: Record<string, CaseStatus> = { OPPET: 'OPEN', VILANDE: 'PAUSED', AVSLUTAT: 'CLOSED' };
const STEP_STATUS: Record<string, ActionPlanStatus> = { PLANERAD: 'PLANNED', PAGAR: 'IN_PROGRESS', KLAR: 'DONE', AVBRUTEN: 'CANCELLED' };

/** A case whose personal number cannot be read is served without its citizen and reported. */
export function mapCase(row: AfArendeRow, source: Source, sink: DataQualitySink): Case {
  const id = row.ARENDE_ID.trim();
  return {
    id,
    personalNumber: source.soft('AF_ARENDE', id, () => decodeIntegerPersonalNumber(row.PERSONNR, 'AF_ARENDE.PERSONNR'), sink),
    agency: 'EMPLOYMENT_SERVICE',
    type: decodeCode(TYPE, row.ARENDETYP, 'AF_ARENDE.ARENDETYP'),
    status: decodeCode(STATUS, row.STATUS, 'AF_ARENDE.STATUS'),
    jobSeekerCategory: row.SOKANDEKATEGORI?.trim() || null,
    programme: row.PROGRAM_KOD?.trim() || null,
    office: row.KONTOR_KOD.trim(),
    officer: row.HANDLAGGARE.trim(),
    openedAt: decodeSwedishLocalTime(row.OPPNAT, 'AF_ARENDE.OPPNAT')!,
    closedAt: decodeSwedishLocalTime(row.AVSLUTAT, 'AF_ARENDE.AVSLUTAT'),
    notes: row.ANTECKNING,
  };
}

export function mapActionPlanStep(row: AfHandlingsplanRow): ActionPlanStep {
  return {
    caseId: row.ARENDE_ID.trim(),
    step: Number(row.STEG),
    activity: row.AKTIVITET,
    status: decodeCode(STEP_STATUS, row.STATUS, 'AF_HANDLINGSPLAN.STATUS'),
    updatedAt: decodeSwedishLocalTime(row.UPPDATERAD, 'AF_HANDLINGSPLAN.UPPDATERAD')!,
  };
}
