/** FK_BESLUT / FK_UTBETALNING rows → Benefit / Payment. Every social-insurance quirk is decoded here. */
import type { Benefit, BenefitStatus, BenefitType, Payment, Periodicity } from './types.js';
import { decodeCode, decodeCompactDate, decodeDate, decodeOre, decodeTenDigitPersonalNumber, UnmappableValueError } from '../../src/core/legacy-values.js';
import type { DataQualitySink, Source } from '../../src/core/source.js';
import type { FkBeslutRow, FkUtbetalningRow } from './tables.js';

const TYPE: Record<string, BenefitType> = {
  ABB: 'CHILD_ALLOWANCE', FP: 'PARENTAL_BENEFIT', SJP: 'SICKNESS_BENEFIT', BOB: 'HOUSING_ALLOWANCE', AKS: 'ACTIVITY_SUPPORT',
};
const STATUS: Record<string, BenefitStatus> = { I: 'APPLIED', B: 'GRANTED', A: 'REJECTED', U: 'ENDED' };
const PERIODICITY: Record<string, Periodicity> = { M: 'MONTHLY', D: 'DAILY', E: 'ONE_OFF' };

/**
 * A decision whose personal number cannot be read is still a decision: it is served without its citizen
 * and reported, so that `benefit(id)` shows it and the finding reaches the operators.
 */
export function mapDecision(row: FkBeslutRow, source: Source, sink: DataQualitySink): Benefit {
  const id = String(row.BESLUT_ID);
  return {
    id,
    personalNumber: source.soft('FK_BESLUT', id, () => decodeDecisionPersonalNumber(row), sink),
    type: decodeCode(TYPE, row.FORMAN, 'FK_BESLUT.FORMAN'),
    status: decodeCode(STATUS, row.STATUS, 'FK_BESLUT.STATUS'),
    amount: decodeOre(row.BELOPP_ORE, 'FK_BESLUT.BELOPP_ORE'),
    periodicity: decodeCode(PERIODICITY, row.PERIODICITET, 'FK_BESLUT.PERIODICITET'),
    validFrom: decodeCompactDate(row.FROM_DATUM, 'FK_BESLUT.FROM_DATUM', ['00000000']),
    validTo: decodeCompactDate(row.TOM_DATUM, 'FK_BESLUT.TOM_DATUM', ['99991231', '00000000']),
    decidedOn: decodeDate(row.BESLUTSDATUM, 'FK_BESLUT.BESLUTSDATUM'),
    officerId: row.HANDLAGGARE?.trim() || null,
  };
}

export function decodeDecisionPersonalNumber(row: Pick<FkBeslutRow, 'PNR' | 'ANDRAD_TS'>): string {
  return decodeTenDigitPersonalNumber(row.PNR, row.ANDRAD_TS, 'FK_BESLUT.PNR');
}

export function mapPayment(row: FkUtbetalningRow): Payment {
  const amount = decodeOre(row.BELOPP_ORE, 'FK_UTBETALNING.BELOPP_ORE');
  if (amount === null) throw new UnmappableValueError('FK_UTBETALNING.BELOPP_ORE', 'missing amount');
  return {
    id: String(row.UTBET_ID),
    benefitId: String(row.BESLUT_ID),
    paidOn: decodeDate(row.UTBET_DATUM, 'FK_UTBETALNING.UTBET_DATUM')!,
    amount,
  };
}
