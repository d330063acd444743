/**
 * What the one log line per HTTP request says about its GraphQL operations: the root fields selected, the
 * operation's name, who asked (principal type and organisation — never the subject, which for a citizen is a
 * personal number), the outcome (the access-log outcome where the request has an event) and the error codes.
 * Never the operation's text or its variables.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type GraphQLFormattedError } from 'graphql';
import type { Outcome } from '../access-log/event.js';
import type { RequestContext, SentOperation } from '../context.js';
import { Code } from '../core/error-codes.js';
import { outcomeOf } from './access-log.js';
import { operationLabel } from './metrics.js';


/** A GraphQL name the client chose, logged only when it is a plain identifier that cannot hide a personal number. */
const PLAIN_OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const DIGIT_RUN = /\d{6}/;

export function loggableOperationName(name: string | null | undefined): string | null {
  return typeof name === 'string' && PLAIN_OPERATION_NAME.test(name) && !DIGIT_RUN.test(name) ? name : null;
}

export function requestLogPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, document, schema, request, response }) {
          contextValue.requestLog.sent = {
            operation: operationLabel(schema, document, operation),
            // A document that failed validation has no resolved operation, but its (only) operation has a name.
            operationName: loggableOperationName(request.operationName ?? (operation ?? (document && getOperationAST(document)))?.name?.value),
            // Read here: Apollo's copy of the context, which the plugins marked, is not the one the HTTP layer holds.
            logsAccess: contextValue.principal !== null && contextValue.readsPersonalData,
            response,
          };
        },
      };
    },
  };
}

function errorCodes(errors: readonly GraphQLFormattedError[]): string[] {
  return [...new Set(errors.map((error) => error.extensions?.code).filter((code): code is string => typeof code === 'string'))];
}

/** The access-log outcome where an event was written; otherwise the same words for what the response holds. */
function outcomeOfOperation(ctx: RequestContext, sent: SentOperation, errors: readonly GraphQLFormattedError[], hasData: boolean, codes: readonly string[]): Outcome {
  if (sent.logsAccess && !codes.includes(Code.AUDIT_UNAVAILABLE)) return outcomeOf(ctx.access, errors);
  return errors.length === 0 ? 'OK' : hasData ? 'PARTIAL' : 'ERROR';
}

function describeOperation(ctx: RequestContext): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (ctx.principal !== null) {
    fields.principalType = ctx.principal.type;
    if (ctx.principal.organization !== null) fields.organization = ctx.principal.organization;
  }
  const { sent } = ctx.requestLog;
  if (sent === null) return fields;
  fields.operation = sent.operation;
  if (sent.operationName !== null) fields.operationName = sent.operationName;
  // Read now, not when the plugin ran: the access-log plugin may since have replaced the response.
  const result = sent.response.body.kind === 'single' ? sent.response.body.singleResult : undefined;
  const errors = result?.errors ?? [];
  const codes = errorCodes(errors);
  fields.outcome = outcomeOfOperation(ctx, sent, errors, result?.data !== undefined && result.data !== null, codes);
  if (codes.length > 0) fields.errorCodes = codes;
  return fields;
}

/** The GraphQL side of one HTTP request, gathered as it runs and described when its log line is written. */
export class RequestLogEntry {
  private readonly contexts: RequestContext[] = [];
  private readonly failures: string[] = [];

  /** Creates an operation's context through `create`, keeping it, or the code of the refusal it throws. */
  async track(create: () => Promise<RequestContext>): Promise<RequestContext> {
    try {
      const ctx = await create();
      this.contexts.push(ctx);
      return ctx;
    } catch (error) {
      this.failed((error as { extensions?: { code?: unknown } }).extensions?.code);
      throw error;
    }
  }

  /** A refusal outside any operation's response (credentials, rate limit, an HTTP-level error). */
  failed(code: unknown): void {
    if (typeof code === 'string') this.failures.push(code);
  }

  fields(): Record<string, unknown> {
    const operations = this.contexts.map(describeOperation);
    const fields: Record<string, unknown> = operations.length === 1 ? operations[0]! : operations.length > 1 ? { operations } : {};
    if (this.failures.length === 0) return fields;
    const earlier = Array.isArray(fields.errorCodes) ? (fields.errorCodes as string[]) : [];
    return { ...fields, outcome: 'ERROR', errorCodes: [...new Set([...earlier, ...this.failures])] };
  }
}
