/** The GraphQL documents the console sends: public API only, nothing the IDE could not send too. */

export const ME = `query ConsoleMe { me { type subject organization scopes purposes } }`;

const EVENT_FIELDS = `id writer seq occurredAt requestId principal { type subject organization apiKeyId } purpose legalBasis
  caseReference operationName documentHash subjects subjectsWithheld subjectsRequested fieldsRead fieldsDenied fieldsMasked outcome sourceErrors hash prevHash`;

export const AUDIT_EVENTS = `query ConsoleAuditEvents($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    edges { node { ${EVENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const AUDIT_CHAINS = `query ConsoleAuditChains {
  auditChains {
    ok verifiedAt events
    chains { writer events headSeq headHash ok firstBadEvent { eventId seq reason message occurredAt } }
    broken { eventId writer seq occurredAt reason message }
  }
}`;

export const MY_ACCESS_LOG = `query ConsoleMyAccessLog($from: Date, $to: Date, $first: Int, $after: String) {
  myAccessLog(from: $from, to: $to, first: $first, after: $after) {
    edges { node { occurredAt organization purpose dataCategories } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface Me {
  type: 'STAFF' | 'CITIZEN' | 'API_KEY';
  subject: string;
  organization: string | null;
  scopes: string[];
  purposes: string[];
}

export interface AuditEventNode {
  id: string;
  writer: string;
  seq: number;
  occurredAt: string;
  requestId: string | null;
  principal: { type: string | null; subject: string | null; organization: string | null; apiKeyId: string | null } | null;
  purpose: string | null;
  legalBasis: string | null;
  caseReference: string | null;
  operationName: string | null;
  documentHash: string | null;
  subjects: string[] | null;
  subjectsWithheld: string[] | null;
  /** Null for events written before samgraf recorded whom a request asked for. */
  subjectsRequested: string[] | null;
  fieldsRead: string[] | null;
  fieldsDenied: string[] | null;
  fieldsMasked: string[] | null;
  outcome: string | null;
  sourceErrors: string[] | null;
  hash: string | null;
  prevHash: string | null;
}

export interface Connection<T> {
  edges: { node: T | null }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface ChainBreak {
  eventId: string;
  writer?: string;
  seq: number;
  occurredAt: string | null;
  reason: string;
  message: string;
}

export interface ChainReport {
  ok: boolean;
  verifiedAt: string;
  events: number;
  chains: { writer: string; events: number; headSeq: number; headHash: string; ok: boolean; firstBadEvent: ChainBreak | null }[];
  broken: ChainBreak[];
}

export interface AccessLogEntry {
  occurredAt: string;
  organization: string | null;
  purpose: string | null;
  dataCategories: string[] | null;
}

export interface AuditFilter {
  subject?: string;
  principal?: string;
  organization?: string;
  purpose?: string;
  outcome?: string;
  from?: string;
  to?: string;
}
