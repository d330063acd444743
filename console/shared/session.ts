/**
 * The console's sign-in as it is kept in the tab's sessionStorage — written by the console
 * (console/app/src/session.ts), offered by the IDE in the same tab — and the purpose that follows from who
 * signed in: `self-service` for a citizen, `audit` for everyone else.
 */
import type { Credentials } from './graphql-http.js';

const KEY = 'samgraf.console.session';

export interface StoredSession<Me extends { type: string; subject: string }> {
  credentials: Credentials;
  me: Me;
  /** A demo persona's label, when signed in with one. */
  label: string | null;
}

export function loadStoredSession<Me extends { type: string; subject: string }>(): StoredSession<Me> | null {
  try {
    const text = sessionStorage.getItem(KEY);
    return text ? JSON.parse(text) as StoredSession<Me> : null;
  } catch {
    return null;
  }
}

export function saveStoredSession<Me extends { type: string; subject: string }>(session: StoredSession<Me>): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearStoredSession(): void {
  sessionStorage.removeItem(KEY);
}

export function purposeFor(principalType: string): string {
  return principalType === 'CITIZEN' ? 'self-service' : 'audit';
}
