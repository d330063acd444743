/**
 * The population register's generated rows: one FB_PERSON row per person of the shared world, and FB_RELATION
 * rows for its families. Every quirk of legacy-sources.md §1 is made on purpose (see where each one is made).
 */
import { compactDate, localDateTime } from '../../src/core/seed/calendar.js';
import { ChunkBuffer } from '../../src/core/seed/chunks.js';
import { SeededRandom } from '../../src/core/seed/random.js';
import { FAMILY_NAMES, FORWARDING_ADDRESS, STREET_NAMES } from '../../src/core/seed/vocabulary.js';
import {
  AS_OF, officeSecond, quota, range, REGISTER_CHANGES_FROM, type LegacyChunk, type SeedPerson, type SeedRelation, type SeedWorld,
} from '../../src/core/seed/world.js';
import type { SeedGenerator } from '../../src/core/source-module.js';
import type { FbPersonRow, FbRelationRow } from './tables.js';

export const populationRegisterSeed: SeedGenerator = {
  columns: {
    FB_PERSON: [
      'PERSONID', 'FORNAMN', 'TILLTALSNAMN', 'MELLANNAMN', 'EFTERNAMN', 'KON', 'SEKRETESS', 'SKYDDAD_FB', 'UTDELNINGSADRESS',
      'POSTNR', 'POSTORT', 'KOMMUNKOD', 'LANKOD', 'FOLKBOKFORINGSDATUM', 'AVREG_ORSAK', 'AVREG_DATUM', 'SENAST_ANDRAD',
    ] satisfies (keyof FbPersonRow)[],
    FB_RELATION: ['PERSONID', 'RELID', 'RELTYP'] satisfies (keyof FbRelationRow)[],
  },
  chunks: populationRegisterChunks,
};

function* populationRegisterChunks(world: SeedWorld, chunkRows: number): Generator<LegacyChunk> {
  const buffer = new ChunkBuffer(chunkRows);
  const random = new SeededRandom(world.seed, 'person-rows');
  // Protection by quota: ~1 % each; SEKRETESS and SKYDDAD_FB otherwise 'N' or NULL (both mean none).
  const confidential = new Set(random.sample(range(world.persons.length), quota(world.persons.length, 0.01)));
  const protectedRegistration = new Set(random.sample(range(world.persons.length), quota(world.persons.length, 0.01)));
  for (const [index, person] of world.persons.entries()) {
    buffer.add('FB_PERSON', personRow(random, person, confidential.has(index), protectedRegistration.has(index)));
    yield* buffer.drain(false);
  }
  yield* buffer.drain(true);
  for (const relation of world.relations) {
    for (const row of relationRows(relation)) buffer.add('FB_RELATION', row);
    yield* buffer.drain(false);
  }
  yield* buffer.drain(true);
}

/**
 * FB_RELATION: spouses are MA, one row in each direction; a child's row VH points to a guardian, the
 * guardian's row BA to the child.
 */
function relationRows(relation: SeedRelation): FbRelationRow[] {
  return relation.kind === 'spouses'
    ? [{ PERSONID: relation.a, RELID: relation.b, RELTYP: 'MA' }, { PERSONID: relation.b, RELID: relation.a, RELTYP: 'MA' }]
    : [{ PERSONID: relation.child, RELID: relation.guardian, RELTYP: 'VH' }, { PERSONID: relation.guardian, RELID: relation.child, RELTYP: 'BA' }];
}

function personRow(random: SeededRandom, person: SeedPerson, confidential: boolean, protectedRegistration: boolean): FbPersonRow {
  const registeredBefore2000 = person.registeredOn < REGISTER_CHANGES_FROM;
  const address = addressOf(random, person, protectedRegistration);
  // SENAST_ANDRAD: after the registration and any deregistration, and within the current system's time.
  const lastChangeFrom = Math.min(AS_OF, Math.max(person.registeredOn, person.deregistration?.on ?? 0, REGISTER_CHANGES_FROM));
  return {
    PERSONID: person.pnr,
    FORNAMN: person.givenNames.join(' '),
    TILLTALSNAMN: preferredName(random, person.givenNames),
    MELLANNAMN: random.chance(0.08) ? random.pick(FAMILY_NAMES.filter((n) => n !== person.familyName)) : null,
    EFTERNAMN: person.familyName,
    KON: person.sex,
    SEKRETESS: confidential ? 'J' : random.chance(0.55) ? 'N' : null,
    SKYDDAD_FB: protectedRegistration ? 'J' : random.chance(0.45) ? 'N' : null,
    UTDELNINGSADRESS: address?.street ?? null,
    POSTNR: address?.postalCode ?? null,
    // Old rows spell the post town in upper case, new ones in mixed case.
    POSTORT: address ? (registeredBefore2000 ? address.postTown.toUpperCase() : address.postTown) : null,
    KOMMUNKOD: person.municipality.code,
    LANKOD: person.municipality.countyCode,
    FOLKBOKFORINGSDATUM: compactDate(person.registeredOn),
    AVREG_ORSAK: person.deregistration?.cause ?? null,
    AVREG_DATUM: person.deregistration ? (person.deregistration.dateKnown ? compactDate(person.deregistration.on) : '00000000') : null,
    SENAST_ANDRAD: localDateTime(random.int(lastChangeFrom, AS_OF), officeSecond(random)),
  };
}

/** TILLTALSNAMN: often not recorded; when it is, one of the given names (not necessarily the first). */
function preferredName(random: SeededRandom, givenNames: readonly string[]): string | null {
  if (givenNames.length > 1) return random.chance(0.6) ? random.pick(givenNames) : null;
  return random.chance(0.3) ? givenNames[0]! : null;
}

interface Address {
  street: string;
  postalCode: string;
  postTown: string;
}

/**
 * The registered address: the agency's forwarding address for protected registration; none for most
 * emigrants and for half of the coordination numbers (people without a Swedish address).
 */
function addressOf(random: SeededRandom, person: SeedPerson, protectedRegistration: boolean): Address | null {
  if (protectedRegistration) return FORWARDING_ADDRESS;
  if (person.deregistration?.cause === 'UV' && random.chance(0.7)) return null;
  if (person.coordination && random.chance(0.5)) return null;
  const town = random.pick(person.municipality.postTowns);
  const number = `${random.int(1, 120)}${random.chance(0.15) ? random.pick(['A', 'B', 'C']) : ''}`;
  const apartment = random.chance(0.4) ? ` lgh ${random.int(10, 16)}${String(random.int(1, 8)).padStart(2, '0')}` : '';
  return {
    street: `${random.pick(STREET_NAMES)} ${number}${apartment}`,
    postalCode: `${random.pick(town.prefixes)}${String(random.int(0, 99)).padStart(2, '0')}`,
    postTown: town.name,
  };
}
