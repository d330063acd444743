/**
 * The domain objects the connectors produce and the schema serves. Field names match the GraphQL types so
 * that plain fields need no resolver; links to other objects (relations, benefits, cases, citizen) are
 * resolved through the request's loaders.
 */
import type { Money } from './money.js';
import type { IdentityType, Sex } from './personal-number.js';

export type ProtectedIdentity = 'NONE' | 'CONFIDENTIALITY_MARKING' | 'PROTECTED_REGISTRATION';
export type RegistrationStatus = 'REGISTERED' | 'DECEASED' | 'EMIGRATED' | 'DEREGISTERED';
export type RelationType = 'GUARDIAN' | 'CHILD' | 'SPOUSE';

export interface Address {
  street: string | null;
  postalCode: string | null;
  city: string | null;
}

export interface Citizen {
  personalNumber: string;
  identityType: IdentityType;
  givenNames: string;
  preferredName: string | null;
  middleName: string | null;
  familyName: string;
  birthDate: string | null;
  sex: Sex;
  protectedIdentity: ProtectedIdentity;
  address: Address | null;
  municipalityCode: string;
  countyCode: string;
  registeredOn: string | null;
  registrationStatus: RegistrationStatus;
  deregisteredOn: string | null;
}

export interface Relation {
  type: RelationType;
  /** The related person's 12-digit personal number; resolved to a Citizen on demand. */
  relatedPersonalNumber: string;
}

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

export type CaseType = 'JOBSEEKER_REGISTRATION' | 'LABOUR_MARKET_PROGRAMME' | 'SANCTION';
export type CaseStatus = 'OPEN' | 'PAUSED' | 'CLOSED';
export type ActionPlanStatus = 'PLANNED' | 'IN_PROGRESS' | 'DONE' | 'CANCELLED';

export interface Case {
  id: string;
  personalNumber: string | null;
  agency: 'EMPLOYMENT_SERVICE';
  type: CaseType;
  status: CaseStatus;
  jobSeekerCategory: string | null;
  programme: string | null;
  office: string;
  officer: string;
  openedAt: string;
  closedAt: string | null;
  notes: string | null;
}

export interface ActionPlanStep {
  caseId: string;
  step: number;
  activity: string;
  status: ActionPlanStatus;
  updatedAt: string;
}
