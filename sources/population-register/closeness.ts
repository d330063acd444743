/**
 * Who is close to a person in the register, for the access log's follow-up (RELATIVE_OR_HOUSEHOLD): their
 * spouse, children and guardians from FB_RELATION — read from both persons' rows, since a relation may be
 * recorded on one side only — and everyone registered at the same street address and postal code.
 *
 * A protected registration's address columns hold the agency's forwarding address, shared by many who live
 * apart: such an address makes no household. The address is compared, never returned.
 */
import type { Closeness } from '../../src/core/source-module.js';
import type { PopulationRegisterLoaders } from './connector.js';
import type { Citizen, Relation } from './types.js';

/** What the related person is to the one whose row names them. */
const FROM_ROW: Record<Relation['type'], Closeness> = { SPOUSE: 'SPOUSE', CHILD: 'CHILD', GUARDIAN: 'GUARDIAN' };
/** The same relation seen from the other side: my guardian has me as their child. */
const MIRRORED: Record<Relation['type'], Closeness> = { SPOUSE: 'SPOUSE', CHILD: 'GUARDIAN', GUARDIAN: 'CHILD' };

function homeOf(citizen: Citizen | null): string | null {
  if (citizen === null || citizen.protectedIdentity === 'PROTECTED_REGISTRATION') return null;
  const street = citizen.address?.street?.trim().toLocaleLowerCase('sv-SE').replace(/\s+/g, ' ');
  const postalCode = citizen.address?.postalCode?.replace(/\s/g, '');
  return street && postalCode ? `${postalCode}|${street}` : null;
}

export async function closeness(loaders: PopulationRegisterLoaders, person: string, others: readonly string[]): Promise<ReadonlyMap<string, Closeness>> {
  const candidates = others.filter((other) => other !== person);
  const found = new Map<string, Closeness>();
  if (candidates.length === 0) return found;
  const [own, theirs, self, people] = await Promise.all([
    loaders.relations.load(person),
    loaders.relations.loadMany(candidates),
    loaders.citizen.load(person),
    loaders.citizen.loadMany(candidates),
  ]);
  for (const relation of own) if (candidates.includes(relation.linkedPersonalNumber)) found.set(relation.linkedPersonalNumber, FROM_ROW[relation.type]);
  candidates.forEach((candidate, i) => {
    const relations = theirs[i];
    const back = relations instanceof Error ? undefined : relations?.find((relation) => relation.linkedPersonalNumber === person);
    if (back && !found.has(candidate)) found.set(candidate, MIRRORED[back.type]);
  });
  const home = homeOf(self);
  if (home !== null) {
    candidates.forEach((candidate, i) => {
      const citizen = people[i];
      if (!found.has(candidate) && !(citizen instanceof Error) && homeOf(citizen ?? null) === home) found.set(candidate, 'HOUSEHOLD');
    });
  }
  return found;
}
