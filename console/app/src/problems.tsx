/**
 * What went wrong, in words an auditor or citizen can act on. The console never shows an empty table for a
 * refusal: each error code samgraf can answer with becomes a sentence that says why and what to do.
 *
 * A problem keeps how to say it, not the words: it is said in the language of the moment, also after a switch.
 * What only the server can say (its own English message) is marked as English for screen readers.
 */
import type { ComponentChildren } from 'preact';
import { NetworkError, type GraphQLResult } from '../../shared/graphql-http.js';
import { t, tx } from './i18n/index.js';

export interface Problem {
  code: string;
  message(): ComponentChildren;
  /** The credentials are no good any more: the only way on is to sign in again. */
  signInAgain: boolean;
}

export function problemOf(result: GraphQLResult<unknown>, what: { scope?: string; purpose?: string }): Problem | null {
  const error = result.errors[0];
  if (!error && result.status < 400 && result.data !== null) return null;
  const code = String(error?.extensions?.code ?? `HTTP_${result.status}`);
  const problem = (message: () => ComponentChildren, signInAgain = false): Problem => ({ code, message, signInAgain });
  switch (code) {
    case 'UNAUTHENTICATED':
      return problem(() => t('problem.unauthenticated'), true);
    case 'UNAUTHORIZED_FIELD_OR_TYPE': {
      const scope = what.scope;
      return problem(() => (scope ? t('problem.missingScope', { scope }) : t('problem.unauthorized')));
    }
    case 'PURPOSE_NOT_ALLOWED':
      return problem(() => t('problem.purposeNotAllowed', { purpose: what.purpose ?? '' }));
    case 'PURPOSE_REQUIRED':
      return problem(() => t('problem.purposeRequired'));
    case 'RATE_LIMITED':
      return problem(() => t('problem.rateLimited'));
    case 'AUDIT_UNAVAILABLE':
      return problem(() => t('problem.auditUnavailable'));
    case 'BAD_USER_INPUT': {
      const detail = error?.message;
      return problem(() => tx('problem.badInput', { detail: detail ? <span lang="en">{detail}</span> : t('problem.badInputUnknown') }));
    }
    case 'EXECUTION_TIMEOUT':
      return problem(() => t('problem.timeout'));
    default:
      return problem(() => t('problem.other', { code }));
  }
}

export function networkProblem(error: unknown): Problem {
  return { code: 'NETWORK', message: () => t(error instanceof NetworkError ? 'problem.network' : 'problem.console'), signInAgain: false };
}

/** A problem the console finds itself (an empty field, a missing answer). */
export function localProblem(code: string, message: () => ComponentChildren): Problem {
  return { code, message, signInAgain: false };
}
