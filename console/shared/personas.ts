/** The demo's one-click sign-ins, served at /console/demo-personas.json in demo mode only (404 elsewhere). */
import type { Credentials } from './graphql-http.js';

export interface DemoPersona {
  id: string;
  label: string;
  description: string;
  credentials: Credentials;
  /** The purpose this persona states in the IDE's example (the console decides its own). */
  purpose: string | null;
  /** A query that shows what this persona may do, for the IDE. */
  exampleQuery: string;
}

export async function loadDemoPersonas(): Promise<DemoPersona[]> {
  try {
    const response = await fetch('/console/demo-personas.json', { credentials: 'omit', cache: 'no-store' });
    if (!response.ok) return [];
    const body = await response.json() as { personas?: DemoPersona[] };
    return Array.isArray(body.personas) ? body.personas : [];
  } catch {
    return [];
  }
}
