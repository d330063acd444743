/**
 * The signed-in principal, kept in sessionStorage: it lives as long as the browser tab, is not shared with other
 * tabs or sent anywhere but /graphql, and "Sign out" removes it. The purpose the console states follows from who
 * signed in: `self-service` for a citizen, `audit` for everyone else.
 */
import { credentialHeaders, postGraphQL, type GraphQLResult } from '../../shared/graphql-http.js';
import { clearStoredSession, loadStoredSession, purposeFor, saveStoredSession, type StoredSession } from '../../shared/session.js';
import type { Me, Operation } from './queries.js';

/** Who signed in; a demo persona's id too, so that its label can be shown in the language of the moment. */
export type Session = StoredSession<Me> & { personaId?: string | null };

export const loadSession = (): Session | null => loadStoredSession<Me>();
export const saveSession = (session: Session): void => saveStoredSession(session);
export const clearSession = clearStoredSession;

export function purposeOf(me: Me): string {
  return purposeFor(me.type);
}

/** Sends one of the console's operations (queries.ts): its variables and result are typed from the schema. */
export function request<Result, Variables extends Record<string, unknown>>(session: Session, operation: Operation<Result, Variables>, variables: Variables): Promise<GraphQLResult<Result>> {
  return postGraphQL<Result>(operation, variables, { ...credentialHeaders(session.credentials), 'x-purpose': purposeOf(session.me) });
}
