/**
 * One access-log event for every authenticated request that reads — or is refused — personal data, committed
 * before the response leaves. If the event cannot be written, the response is replaced: no personal data,
 * AUDIT_UNAVAILABLE, HTTP 503. So is one whose resolvers could not read the access log (any AUDIT_UNAVAILABLE
 * error): whatever else it holds was served without the log that must account for it.
 */
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { boundedDraft } from '../access-log/bounds.js';
import type { DataCategory, EventDraft, Outcome } from '../access-log/event.js';
import type { AccessRecord } from '../access-log/record.js';
import type { AuditLog } from '../access-log/writer.js';
import type { RequestContext } from '../context.js';
import { Code, httpStatus } from '../core/error-codes.js';
import type { Logger } from '../log.js';
import type { Principal } from '../core/principal.js';

const REFUSALS = new Set<string>([Code.PURPOSE_REQUIRED, Code.PURPOSE_NOT_ALLOWED, Code.PURPOSE_UNKNOWN]);

/**
 * `returnedData`: whether personal data went out — a person named in the record; at a federation's gateway,
 * which does not see whose data its subgraphs return, any data in the answer.
 */
export function outcomeOf(record: AccessRecord, errors: readonly GraphQLFormattedError[], returnedData = record.subjects.size > 0): Outcome {
  const codes = errors.map((error) => error.extensions?.code);
  if (codes.some((code) => typeof code === 'string' && REFUSALS.has(code))) return 'DENIED';
  if (codes.some((code) => code !== Code.UNAUTHORIZED_FIELD_OR_TYPE)) return returnedData ? 'PARTIAL' : 'ERROR';
  if (record.fieldsDenied.size > 0 || record.withheld.size > 0) return returnedData ? 'PARTIAL' : 'DENIED';
  return 'OK';
}

/** Whether an answer holds any data: a root field that is not null. */
function answered(response: GraphQLResponse): boolean {
  const data = response.body.kind === 'single' ? response.body.singleResult.data : null;
  return data !== null && data !== undefined && Object.values(data).some((value) => value !== null);
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

function withheldForAudit(response: GraphQLResponse): void {
  response.http.status = httpStatus(Code.AUDIT_UNAVAILABLE);
  response.body = {
    kind: 'single',
    singleResult: { errors: [{ message: 'the access log is unavailable, so no personal data can be served; try again', extensions: { code: Code.AUDIT_UNAVAILABLE } }] },
  };
}

/** Whether a resolver could not read the access log: then nothing of its response may stand either. */
export function failedOnAccessLog(errors: readonly GraphQLFormattedError[]): boolean {
  return errors.some((error) => error.extensions?.code === Code.AUDIT_UNAVAILABLE);
}

/**
 * What every event of a request says of who asked, why and with which document. `documentHash`: SHA-256 (hex) of
 * the document that ran, the text sent inline or the one an id stood for (Apollo's hash of it, which it computes
 * or checks against the text for every request).
 */
function requestEvent(ctx: RequestContext, principal: Principal, occurredAt: string, operationName: string | null, documentHash: string | null) {
  return {
    occurredAt,
    requestId: ctx.requestId,
    principal: {
      type: principal.type, subject: principal.subject, organization: principal.organization, apiKeyId: principal.apiKeyId,
      ...(principal.personalNumber ? { personalNumber: principal.personalNumber } : {}),
    },
    // The accepted purpose; for a refused one, what the caller stated (auditors want to see it).
    purpose: ctx.purpose ?? (ctx.declarations.purposeHeader?.trim() || null),
    legalBasis: ctx.declarations.legalBasis,
    caseReference: ctx.declarations.caseReference,
    operationName,
    documentHash,
    subjectsRequested: [...ctx.subjectsRequested],
  };
}

/**
 * The event of a request refused before Apollo saw it (a client held to its trusted documents sent a text):
 * nothing was read, but the attempt at the persons it names is on record, as a refused purpose's is.
 */
export function refusedRequestEvent(ctx: RequestContext, principal: Principal, operationName: string | null, documentHash: string): EventDraft {
  return boundedDraft({
    ...requestEvent(ctx, principal, new Date().toISOString(), operationName, documentHash),
    subjects: [], subjectCategories: {}, subjectsWithheld: [], fieldsRead: [], fieldsDenied: [], fieldsMasked: [], outcome: 'DENIED', sourceErrors: [],
  });
}

/**
 * `gateway`: a federation's gateway, whose AUDIT_UNAVAILABLE errors come from subgraphs that withheld their own
 * data for want of their own log — each agency accounts for what it serves — so they fail only those fields.
 */
export function accessLogPlugin(log: AuditLog, logger: Logger, options: { gateway?: boolean } = {}): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request }) {
      const occurredAt = new Date().toISOString();
      return {
        async willSendResponse({ contextValue: ctx, response, operation, queryHash }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          // Replaced before the event is written, which still records what the request did.
          if (!options.gateway && failedOnAccessLog(errors)) withheldForAudit(response);
          if (ctx.principal === null || !ctx.readsPersonalData) return;
          const record = ctx.access;
          const draft: EventDraft = {
            ...requestEvent(ctx, ctx.principal, occurredAt, request.operationName ?? operation?.name?.value ?? null, queryHash ?? null),
            subjects: sorted(record.subjects.keys()),
            subjectCategories: Object.fromEntries([...record.subjects].map(([subject, categories]) => [subject, sorted(categories) as DataCategory[]])),
            subjectsWithheld: sorted(record.withheld),
            fieldsRead: sorted(record.fieldsRead),
            fieldsDenied: sorted(record.fieldsDenied),
            fieldsMasked: sorted(record.fieldsMasked),
            outcome: options.gateway ? outcomeOf(record, errors, answered(response)) : outcomeOf(record, errors),
            sourceErrors: sorted(new Set(errors.filter((e) => e.extensions?.code === Code.SOURCE_UNAVAILABLE).map((e) => String(e.extensions?.source)))),
            ...(options.gateway ? { subgraphs: sorted(record.subgraphs) } : {}),
          };
          try {
            await log.append(boundedDraft(draft));
          } catch (error) {
            logger.error({ requestId: ctx.requestId, err: { name: (error as Error).name, code: (error as { code?: unknown }).code } }, 'access-log event not written; response withheld');
            withheldForAudit(response);
          }
        },
      };
    },
  };
}
