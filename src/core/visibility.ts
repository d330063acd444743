/**
 * Which persons a principal may see at all: a principal bound to a municipality sees only people registered
 * there (people with a protected identity only with `citizen:protected:read`), a citizen sees only themself,
 * anyone else sees everyone. Everyone else is indistinguishable from a person who does not exist. The rule
 * is applied in one place (security/enforce.ts) to every object of a `@personalData` type; a module that lists
 * persons applies it in its own statement, so that pages and cursors never count anyone out of sight.
 */
import { hasScope, type Principal } from './principal.js';
import type { PersonRecord } from './source-module.js';

export function isRowRestricted(principal: Principal): boolean {
  return principal.type === 'CITIZEN' || principal.municipality !== null;
}

export function canSee(principal: Principal, person: PersonRecord): boolean {
  if (principal.type === 'CITIZEN') return person.personalNumber === principal.subject;
  if (principal.municipality === null) return true;
  // Seen by the principals of one municipality and withheld from all others, a protected person would be
  // placed by comparing their answers: without the scope, they are out of every municipality's rows.
  return person.municipalityCode === principal.municipality
    && (person.protectedIdentity === 'NONE' || hasScope(principal, 'citizen:protected:read'));
}
