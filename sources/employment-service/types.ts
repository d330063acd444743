/**
 * The employment service's domain objects: the GraphQL types generated from its SDL (src/core/generated), minus
 * the fields a resolver computes, with what the register always has made non-null, plus what the domain adds (the
 * person a case is about, the case a step belongs to). codegen maps the GraphQL types to these (codegen.ts), so
 * the resolvers in generated.ts take and return them.
 */
import type * as GraphQL from '../../src/core/generated/schema-types.js';

export type { ActionPlanStatus, CaseStatus, CaseType } from '../../src/core/generated/schema-types.js';

export type Case = Omit<GraphQL.Case, 'actionPlan' | 'citizen'> & {
  id: string;
  /** Null when the case's personal number cannot be read (a data-quality finding). */
  personalNumber: string | null;
  agency: GraphQL.Agency;
  type: GraphQL.CaseType;
  status: GraphQL.CaseStatus;
  office: string;
  officer: string;
  openedAt: string;
};

export type ActionPlanStep = GraphQL.ActionPlanStep & {
  caseId: string;
  step: number;
  activity: string;
  status: GraphQL.ActionPlanStatus;
  updatedAt: string;
};
