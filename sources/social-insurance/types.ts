/**
 * Social insurance's domain objects: the GraphQL types generated from its SDL (src/core/generated), minus the
 * fields a resolver computes, with what the register always has made non-null, plus what the domain adds (the
 * person a decision is about, the decision a payment belongs to). codegen maps the GraphQL types to these
 * (codegen.ts), so the resolvers in generated.ts take and return them.
 */
import type * as GraphQL from '../../src/core/generated/schema-types.js';
import type { Money } from '../../src/core/money.js';

export type { BenefitStatus, BenefitType, Periodicity } from '../../src/core/generated/schema-types.js';

export type Benefit = Omit<GraphQL.Benefit, 'payments' | 'citizen'> & {
  id: string;
  /** Null when the decision's personal number cannot be read (a data-quality finding). */
  personalNumber: string | null;
  type: GraphQL.BenefitType;
  status: GraphQL.BenefitStatus;
  periodicity: GraphQL.Periodicity;
};

export type Payment = GraphQL.Payment & {
  id: string;
  benefitId: string;
  paidOn: string;
  amount: Money;
};
