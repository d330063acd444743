/**
 * The GraphQL documents the console sends: public API only, nothing the IDE could not send too. Each is a
 * literal marked `/* GraphQL *\/`: codegen (codegen.ts) checks it against the schema and writes the types of its
 * result and variables into generated.ts, so a page cannot read a field the query does not ask for, and a
 * schema change the console does not follow fails the build. `request` infers both types from the document.
 */
import type {
  AuditEventFilter,
  AuditFindingFilter,
  ConsoleAuditFindingsQuery,
  ConsoleAuditFindingsQueryVariables,
  ConsoleChartEventsQuery,
  ConsoleChartEventsQueryVariables,
  ConsoleChartFindingsQuery,
  ConsoleChartFindingsQueryVariables,
  ConsoleReviewFindingMutation,
  ConsoleReviewFindingMutationVariables,
  ConsoleAuditChainsQuery,
  ConsoleAuditChainsQueryVariables,
  ConsoleAuditEventsQuery,
  ConsoleAuditEventsQueryVariables,
  ConsoleMeQuery,
  ConsoleMeQueryVariables,
  ConsoleMyAccessLogQuery,
  ConsoleMyAccessLogQueryVariables,
} from './generated.js';

/** A document with the types of its result and its variables (known to the compiler only). */
export type Operation<Result, Variables> = string & { readonly __operation?: { result: Result; variables: Variables } };

const operation = <Result, Variables>(document: string): Operation<Result, Variables> => document;

export const ME = operation<ConsoleMeQuery, ConsoleMeQueryVariables>(/* GraphQL */ `query ConsoleMe { me { type subject organization scopes purposes } }`);

export const AUDIT_EVENTS = operation<ConsoleAuditEventsQuery, ConsoleAuditEventsQueryVariables>(/* GraphQL */ `query ConsoleAuditEvents($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    edges { node { id writer seq occurredAt requestId principal { type subject organization apiKeyId } purpose legalBasis
      caseReference operationName documentHash documentText subjects subjectsWithheld subjectsRequested fieldsRead fieldsDenied fieldsMasked outcome sourceErrors subgraphs hash prevHash } }
    pageInfo { hasNextPage endCursor }
  }
}`);

export const AUDIT_CHAINS = operation<ConsoleAuditChainsQuery, ConsoleAuditChainsQueryVariables>(/* GraphQL */ `query ConsoleAuditChains {
  auditChains {
    ok verifiedAt events
    chains { writer events headSeq headHash ok firstBadEvent { eventId seq reason message occurredAt } }
    broken { eventId writer seq occurredAt reason message }
  }
}`);

export const MY_ACCESS_LOG = operation<ConsoleMyAccessLogQuery, ConsoleMyAccessLogQueryVariables>(/* GraphQL */ `query ConsoleMyAccessLog($from: Date, $to: Date, $first: Int, $after: String) {
  myAccessLog(from: $from, to: $to, first: $first, after: $after) {
    edges { node { occurredAt organization purpose dataCategories receipt } }
    pageInfo { hasNextPage endCursor }
  }
}`);

/**
 * The follow-up's findings, with their event in the fields the event's detail shows (the same selection as
 * AUDIT_EVENTS', so one dialog shows both) and every review.
 */
export const AUDIT_FINDINGS = operation<ConsoleAuditFindingsQuery, ConsoleAuditFindingsQueryVariables>(/* GraphQL */ `query ConsoleAuditFindings($filter: AuditFindingFilter, $order: AuditFindingOrder, $first: Int, $after: String) {
  auditFindings(filter: $filter, order: $order, first: $first, after: $after) {
    edges { node { id kind score explanation subjects firstSeen
      event { id writer seq occurredAt requestId principal { type subject organization apiKeyId } purpose legalBasis
        caseReference operationName documentHash documentText subjects subjectsWithheld subjectsRequested fieldsRead fieldsDenied fieldsMasked outcome sourceErrors subgraphs hash prevHash }
      review { verdict note reviewer reviewerOrganization at }
      reviews { verdict note reviewer reviewerOrganization at } } }
    pageInfo { hasNextPage endCursor }
  }
}`);

/** A verdict on a finding; the answer is the finding's reviews as they now stand. */
export const REVIEW_FINDING = operation<ConsoleReviewFindingMutation, ConsoleReviewFindingMutationVariables>(/* GraphQL */ `mutation ConsoleReviewFinding($id: ID!, $verdict: FindingVerdict!, $note: String) {
  reviewFinding(id: $id, verdict: $verdict, note: $note) {
    id
    review { verdict note reviewer reviewerOrganization at }
    reviews { verdict note reviewer reviewerOrganization at }
  }
}`);

/** What the reads chart counts of each event: who read, when, and whether it served anyone's data. */
export const CHART_EVENTS = operation<ConsoleChartEventsQuery, ConsoleChartEventsQueryVariables>(/* GraphQL */ `query ConsoleChartEvents($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    edges { node { occurredAt principal { type organization } outcome subjects fieldsRead } }
    pageInfo { hasNextPage endCursor }
  }
}`);

/** What the findings chart counts of each finding: its kind and when the read was. */
export const CHART_FINDINGS = operation<ConsoleChartFindingsQuery, ConsoleChartFindingsQueryVariables>(/* GraphQL */ `query ConsoleChartFindings($filter: AuditFindingFilter, $first: Int, $after: String) {
  auditFindings(filter: $filter, first: $first, after: $after) {
    edges { node { kind event { occurredAt } } }
    pageInfo { hasNextPage endCursor }
  }
}`);

/** Who signed in, as `me` answers. */
export type Me = ConsoleMeQuery['me'];

export type AuditEventConnection = ConsoleAuditEventsQuery['auditEvents'];

/** An access-log event as the events page asks for it. */
export type AuditEventNode = NonNullable<AuditEventConnection['edges'][number]['node']>;

export type ChainReport = NonNullable<ConsoleAuditChainsQuery['auditChains']>;

/** A chain's first bad event, or one of every break (which also names its writer). */
export type ChainBreak = NonNullable<NonNullable<ChainReport['chains']>[number]['firstBadEvent']> | NonNullable<ChainReport['broken']>[number];

export type AccessLogEntry = NonNullable<ConsoleMyAccessLogQuery['myAccessLog']['edges'][number]['node']>;

export type AuditFilter = AuditEventFilter;

export type FindingFilter = AuditFindingFilter;

export type FindingConnection = ConsoleAuditFindingsQuery['auditFindings'];

/** A finding as the follow-up page asks for it. */
export type Finding = NonNullable<FindingConnection['edges'][number]['node']>;

export type FindingReview = NonNullable<Finding['reviews']>[number];

export type ChartEvent = NonNullable<ConsoleChartEventsQuery['auditEvents']['edges'][number]['node']>;

export type ChartFinding = NonNullable<ConsoleChartFindingsQuery['auditFindings']['edges'][number]['node']>;
