/** The employment service's domain objects, as the schema serves them. */

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
