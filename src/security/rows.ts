/**
 * Row restrictions, applied to the request's loaders so that every path to a citizen's data passes them: a
 * principal bound to a municipality sees only citizens registered there (people with a protected identity only
 * with `citizen:protected:read`), a citizen sees only themselves. Anyone else is indistinguishable from a
 * person who does not exist: null, no error, the same statements.
 */
import DataLoader from 'dataloader';
import type { Citizen } from '../domain/types.js';
import type { Loaders } from '../context.js';
import type { AccessRecord } from '../access-log/record.js';
import { hasScope, type Principal } from './principal.js';

export function isRowRestricted(principal: Principal): boolean {
  return principal.type === 'CITIZEN' || principal.municipality !== null;
}

export function canSee(principal: Principal, citizen: Citizen): boolean {
  if (principal.type === 'CITIZEN') return citizen.personalNumber === principal.subject;
  if (principal.municipality === null) return true;
  // Seen by the principals of one municipality and withheld from all others, a protected person would be
  // placed by comparing their answers: without the scope, they are out of every municipality's rows.
  return citizen.municipalityCode === principal.municipality
    && (citizen.protectedIdentity === 'NONE' || hasScope(principal, 'citizen:protected:read'));
}

/** Wraps the loaders that can reach a citizen's data so that they yield null for citizens out of sight. */
export function restrictRows(loaders: Loaders, principal: Principal, access: AccessRecord): Loaders {
  /** A person out of sight is withheld: null to the caller, and recorded for the access log. */
  const visible = (c: Citizen): boolean => {
    if (canSee(principal, c)) return true;
    access.withhold(c.personalNumber);
    return false;
  };
  const citizen = new DataLoader<string, Citizen | null>(async (keys) =>
    (await loaders.populationRegister.citizen.loadMany(keys)).map((c) => (c instanceof Error || c === null || visible(c) ? c : null)));

  /** A decision or case is visible when the citizen it is about is. */
  function ownedBy<T extends { personalNumber: string | null }>(inner: DataLoader<string, T | null>): DataLoader<string, T | null> {
    return new DataLoader<string, T | null>(async (keys) => {
      const records = await inner.loadMany(keys);
      const owners = await citizen.loadMany(records.map((r) => (r instanceof Error || r === null || r.personalNumber === null ? '' : r.personalNumber)));
      return records.map((record, i) => (record instanceof Error ? record : owners[i] instanceof Error || owners[i] === null ? null : record));
    });
  }

  return {
    populationRegister: {
      ...loaders.populationRegister,
      citizen,
      citizenForPolicy: loaders.populationRegister.citizen,
      async municipalityPage(code, after, limit) {
        const nobody = { citizens: [], hasMore: false, lastNumber: null };
        if (principal.type === 'CITIZEN') {
          // A citizen's listing holds at most themself; paging past others would reveal their numbers in cursors.
          const self = await citizen.load(principal.subject);
          const listed = self !== null && self.municipalityCode === code && (after === null || self.personalNumber > after) && limit > 0;
          return listed ? { citizens: [self], hasMore: false, lastNumber: self.personalNumber } : nobody;
        }
        // A principal bound to a municipality sees its own (the page itself leaves out protected people for a
        // principal without the scope), or (any other code) nothing.
        return principal.municipality === code ? loaders.populationRegister.municipalityPage(code, after, limit) : nobody;
      },
    },
    socialInsurance: { ...loaders.socialInsurance, benefit: ownedBy(loaders.socialInsurance.benefit) },
    employmentService: { ...loaders.employmentService, case: ownedBy(loaders.employmentService.case) },
  };
}
