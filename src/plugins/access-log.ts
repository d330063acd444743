/**
 * One access-log event for every authenticated request that reads — or is refused — personal data, committed
 * before the response leaves. If the event cannot be written, the response is replaced: no personal data,
 * AUDIT_UNAVAILABLE, HTTP 503.
 */
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { DataCategory, EventDraft, Outcome } from '../access-log/event.js';
import type { AccessRecord } from '../access-log/record.js';
import type { AuditLog } from '../access-log/writer.js';
import type { RequestContext } from '../context.js';
import type { Logger } from '../log.js';

const REFUSALS = new Set(['PURPOSE_REQUIRED', 'PURPOSE_NOT_ALLOWED', 'PURPOSE_UNKNOWN']);

export function outcomeOf(record: AccessRecord, errors: readonly GraphQLFormattedError[]): Outcome {
  const codes = errors.map((error) => error.extensions?.code);
  const returnedData = record.subjects.size > 0;
  if (codes.some((code) => typeof code === 'string' && REFUSALS.has(code))) return 'DENIED';
  if (codes.some((code) => code !== 'UNAUTHORIZED_FIELD_OR_TYPE')) return returnedData ? 'PARTIAL' : 'ERROR';
  if (record.fieldsDenied.size > 0 || record.withheld.size > 0) return returnedData ? 'PARTIAL' : 'DENIED';
  return 'OK';
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

export function accessLogPlugin(log: AuditLog, logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request }) {
      const occurredAt = new Date().toISOString();
      return {
        async willSendResponse({ contextValue: ctx, response, operation }) {
          if (ctx.principal === null || !ctx.readsPersonalData || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          const record = ctx.access;
          const draft: EventDraft = {
            occurredAt,
            requestId: ctx.requestId,
            principal: { type: ctx.principal.type, subject: ctx.principal.subject, organization: ctx.principal.organization, apiKeyId: ctx.principal.apiKeyId },
            // The accepted purpose; for a refused one, what the caller stated (auditors want to see it).
            purpose: ctx.purpose ?? (ctx.declarations.purposeHeader?.trim().slice(0, 64) || null),
            legalBasis: ctx.declarations.legalBasis,
            caseReference: ctx.declarations.caseReference,
            operationName: request.operationName ?? operation?.name?.value ?? null,
            documentHash: request.query ? createHash('sha256').update(request.query).digest('hex') : null,
            subjects: sorted(record.subjects.keys()),
            subjectCategories: Object.fromEntries([...record.subjects].map(([subject, categories]) => [subject, sorted(categories) as DataCategory[]])),
            subjectsWithheld: sorted(record.withheld),
            fieldsRead: sorted(record.fieldsRead),
            fieldsDenied: sorted(record.fieldsDenied),
            fieldsMasked: sorted(record.fieldsMasked),
            outcome: outcomeOf(record, errors),
            sourceErrors: sorted(new Set(errors.filter((e) => e.extensions?.code === 'SOURCE_UNAVAILABLE').map((e) => String(e.extensions?.source)))),
          };
          try {
            await log.append(draft);
          } catch (error) {
            logger.error({ requestId: ctx.requestId, err: { name: (error as Error).name, code: (error as { code?: unknown }).code } }, 'access-log event not written; response withheld');
            response.http.status = 503;
            response.body = {
              kind: 'single',
              singleResult: { errors: [{ message: 'the access log is unavailable, so no personal data can be served; try again', extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
            };
          }
        },
      };
    },
  };
}
