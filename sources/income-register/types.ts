/**
 * The income register's domain objects: the GraphQL types generated from its SDL (src/core/generated), minus the
 * fields a resolver computes, with what the register always has made non-null, plus what the domain adds (whose
 * statement it is, a sole trader's owner). codegen maps the GraphQL types to these (codegen.ts), so the resolvers
 * in generated.ts take and return them.
 */
import type * as GraphQL from '../../src/core/generated/schema-types.js';
import type { Money } from '../../src/core/money.js';

/**
 * Who paid: an organisation, or a sole trader (enskild näringsidkare), whose identifier is the owner's own
 * personal number. That number is the owner's personal data: it is never served (organizationNumber is null),
 * but it is the object's `personalNumber`, so that the access log records the owner as a subject of the read
 * (Employer is `@personalData(rows: false)`, see schema.graphql).
 */
export type Employer = GraphQL.Employer & {
  /** Null where agi_arbetsgivare has no row for the employer (a data-quality finding). */
  name: string | null;
  /** `NNNNNN-NNNN`; null for a sole trader. */
  organizationNumber: string | null;
  soleTrader: boolean;
  /** A sole trader's owner, 12 digits; null for an organisation. Never a field of the schema. */
  personalNumber: string | null;
};

/** The current content of one statement (its newest version), as of its last correction. */
export type IncomeStatement = Omit<GraphQL.IncomeStatement, 'citizen'> & {
  /** The row id of the statement's first version: the same after every correction. */
  id: string;
  /** The payee, 12 digits. */
  personalNumber: string;
  /** `YYYY-MM`. */
  period: string;
  /** Null where the employer's identifier is neither an organisation number nor a personal number (a finding). */
  employer: Employer | null;
  /** Null = not reported (or unmappable, a finding). */
  grossPay: Money | null;
  taxDeducted: Money | null;
  benefitsInKind: Money | null;
  /** When the newest version arrived: ISO 8601 with the Stockholm offset. */
  submittedAt: string;
  /** How many versions the statement has had, the first and every correction or withdrawal included. */
  versions: number;
};
