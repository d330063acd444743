/**
 * What went wrong, in words an auditor or citizen can act on. The console never shows an empty table for a
 * refusal: each error code samgraf can answer with becomes a sentence that says why and what to do.
 */
import { NetworkError, type GraphQLResult } from '../../shared/graphql-http.js';

export interface Problem {
  code: string;
  message: string;
  /** The credentials are no good any more: the only way on is to sign in again. */
  signInAgain: boolean;
}

export function problemOf(result: GraphQLResult<unknown>, what: { scope?: string; purpose?: string }): Problem | null {
  const error = result.errors[0];
  if (!error && result.status < 400 && result.data !== null) return null;
  const code = String(error?.extensions?.code ?? `HTTP_${result.status}`);
  const problem = (message: string, signInAgain = false): Problem => ({ code, message, signInAgain });
  switch (code) {
    case 'UNAUTHENTICATED':
      return problem('samgraf does not accept your sign-in any more (it may have expired). Sign in again.', true);
    case 'UNAUTHORIZED_FIELD_OR_TYPE':
      return problem(what.scope
        ? `Refused: your sign-in does not have the scope ${what.scope}, which this page needs. Nothing was shown to you, and the refusal itself is recorded in the access log. Ask your administrator for the scope if your work needs it.`
        : 'Refused: your sign-in may not read this. The refusal is recorded in the access log.');
    case 'PURPOSE_NOT_ALLOWED':
      return problem(`Refused: your sign-in may not state the purpose "${what.purpose ?? ''}", which this page uses. The refusal is recorded in the access log.`);
    case 'PURPOSE_REQUIRED':
      return problem('Refused: a purpose of use is required.');
    case 'RATE_LIMITED':
      return problem('Too many requests just now. Wait a moment and try again.');
    case 'AUDIT_UNAVAILABLE':
      return problem('The access log cannot be written just now, so samgraf serves no personal data. Try again shortly.');
    case 'BAD_USER_INPUT':
      return problem(`Check the search: ${error?.message ?? 'an input is not valid'}.`);
    case 'EXECUTION_TIMEOUT':
      return problem('samgraf did not finish in time. Narrow the search and try again.');
    default:
      return problem(`samgraf could not answer (${code}). Try again; if it keeps happening, tell your administrator the time and this code.`);
  }
}

export function networkProblem(error: unknown): Problem {
  return { code: 'NETWORK', message: error instanceof NetworkError ? error.message : 'Something went wrong in the console. Reload the page.', signInAgain: false };
}
