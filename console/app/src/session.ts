/**
 * The signed-in principal, kept in sessionStorage: it lives as long as the browser tab, is not shared with other
 * tabs or sent anywhere but /graphql, and "Sign out" removes it. The purpose the console states follows from who
 * signed in: `self-service` for a citizen, `audit` for everyone else.
 */
import { credentialHeaders, postGraphQL, type GraphQLResult } from '../../shared/graphql-http.js';
import { clearStoredSession, loadStoredSession, purposeFor, saveStoredSession, type StoredSession } from '../../shared/session.js';
import type { Me } from './queries.js';

export type Session = StoredSession<Me>;

export const loadSession = (): Session | null => loadStoredSession<Me>();
export const saveSession = (session: Session): void => saveStoredSession(session);
export const clearSession = clearStoredSession;

export function purposeOf(me: Me): string {
  return purposeFor(me.type);
}

export function request<T>(session: Session, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
  return postGraphQL<T>(query, variables, { ...credentialHeaders(session.credentials), 'x-purpose': purposeOf(session.me) });
}
