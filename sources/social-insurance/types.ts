/** Social insurance's domain objects, as the schema serves them. */
import type { Money } from '../../src/core/money.js';

export type BenefitType = 'CHILD_ALLOWANCE' | 'PARENTAL_BENEFIT' | 'SICKNESS_BENEFIT' | 'HOUSING_ALLOWANCE' | 'ACTIVITY_SUPPORT';
export type BenefitStatus = 'APPLIED' | 'GRANTED' | 'REJECTED' | 'ENDED';
export type Periodicity = 'MONTHLY' | 'DAILY' | 'ONE_OFF';

export interface Benefit {
  id: string;
  /** Null when the decision's personal number cannot be read (a data-quality finding). */
  personalNumber: string | null;
  type: BenefitType;
  status: BenefitStatus;
  amount: Money | null;
  periodicity: Periodicity;
  validFrom: string | null;
  validTo: string | null;
  decidedOn: string | null;
  officerId: string | null;
}

export interface Payment {
  id: string;
  benefitId: string;
  paidOn: string;
  amount: Money;
}
