/**
 * Every scope samgraf knows: its own and those the source modules declare for their field rules. A token's or
 * an API key's scopes are checked against these; a citizen holds, for their own data, the module scopes that
 * say so.
 */
import { SOURCE_MODULES } from '../../sources/registry.js';
import type { ScopeDeclaration } from '../core/source-module.js';

export const SAMGRAF_SCOPES: readonly ScopeDeclaration[] = [
  { name: 'audit:read', description: 'the access log (auditEvents, auditChains); not with a municipality', citizen: false },
  { name: 'audit:review', description: 'the follow-up\'s findings, and recording a verdict on one (reviewFinding); not with a municipality', citizen: false },
  // May introspect the schema where `server.introspection` is `scope`.
  { name: 'schema:read', description: 'introspection of the schema', citizen: false },
];

const DECLARED: readonly ScopeDeclaration[] = [...SOURCE_MODULES.flatMap((module) => module.scopes), ...SAMGRAF_SCOPES];

export const SCOPES: readonly string[] = DECLARED.map((scope) => scope.name);

/**
 * A citizen reads their own data only (rows are filtered to them, and the `self` policy holds on every object
 * they can reach), so within that they hold the read scopes — including their own protected data, which
 * protection hides from others, not from the person. An agency's internal working data (case notes) remains
 * the agency's.
 */
export const CITIZEN_SCOPES: ReadonlySet<string> = new Set(DECLARED.filter((scope) => scope.citizen).map((scope) => scope.name));

/**
 * Scopes over every person's data at once: the access log names people of every municipality, and an event
 * cannot be cut down to some of its subjects without changing what it says. A principal bound to a
 * municipality never holds them — `samgraf apikey create` refuses the combination, and a token's claim of one
 * is not held — or it would learn of people its rows keep from it.
 */
export const ACROSS_MUNICIPALITIES: ReadonlySet<string> = new Set(['audit:read', 'audit:review']);

/** The scopes a principal holds of those its credential names. */
export function heldScopes(named: Iterable<string>, municipality: string | null): ReadonlySet<string> {
  const held = new Set(named);
  if (municipality !== null) for (const scope of ACROSS_MUNICIPALITIES) held.delete(scope);
  return held;
}
