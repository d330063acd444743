/**
 * The signed-in principal, kept in sessionStorage: it lives as long as the browser tab, is not shared with other
 * tabs or sent anywhere but /graphql, and "Sign out" removes it. The purpose the console states follows from who
 * signed in: `self-service` for a citizen, `audit` for everyone else.
 */
import { credentialHeaders, postGraphQL, type Credentials, type GraphQLResult } from '../../shared/graphql-http.js';
import type { Me } from './queries.js';

const KEY = 'samgraf.console.session';

export interface Session {
  credentials: Credentials;
  me: Me;
  /** A demo persona's label, when signed in with one. */
  label: string | null;
}

export function loadSession(): Session | null {
  try {
    const text = sessionStorage.getItem(KEY);
    return text ? JSON.parse(text) as Session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export function purposeOf(me: Me): string {
  return me.type === 'CITIZEN' ? 'self-service' : 'audit';
}

export function request<T>(session: Session, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
  return postGraphQL<T>(query, variables, { ...credentialHeaders(session.credentials), 'x-purpose': purposeOf(session.me) });
}
