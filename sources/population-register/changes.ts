/**
 * The population register's life events, derived from FB_PERSON (change mark SENAST_ANDRAD, Swedish local time)
 * and, for each changed person, their FB_RELATION rows (the table has no change mark of its own: a relation is
 * seen when its person's row changes, as the register writes them together).
 *
 * What a row is remembered as between rounds: municipality, a hash of the address, the deregistration cause, the
 * protection and a hash of each relation. The rules:
 * - `person.born`: a row not seen before, of a personal identity number (not a coordination number), registered
 *   and written within 90 days of the birth date, not deregistered. Anyone else new (an immigrant, a corrected
 *   number, an adult's row that could not be read before) is no birth.
 * - `person.died` / `person.emigrated`: the deregistration cause becomes `AV` / `UV`.
 * - `person.protection-changed`: the protection (none, confidentiality marking, protected registration) changes.
 * - `person.moved`: municipality or address changes, of a registered person who is protected neither before nor
 *   after (a protected person's address is the agency's forwarding address, and that they moved is itself
 *   protected).
 * - `relation.added`: a person seen before has a relation they did not have (a new child, a spouse, a guardian).
 * - Anything else (names, a corrected post town, an annulled deregistration) is a correction: no event.
 */
import type { Knex } from 'knex';
import { birthDateOf, identityTypeOf } from '../../src/core/personal-number.js';
import { decodeSwedishLocalTime } from '../../src/core/legacy-values.js';
import { digest, field, type ChangeFeed, type EventField, type DerivedEvent, type ObservedRow, type RowState, unreadableRow } from '../../src/core/life-events.js';
import { mapPerson, mapRelation } from './mapping.js';
import { registerBirth } from './simulations.js';
import type { Citizen, Relation } from './types.js';
import type { FbPersonRow, FbRelationRow } from './tables.js';

const BIRTH_REGISTRATION_DAYS = 90;
const DAY_MS = 86_400_000;

async function changedPersons(db: Knex, since: string | null, limit: number): Promise<ObservedRow[]> {
  const query = db<FbPersonRow>('FB_PERSON').select('*').orderBy([{ column: 'SENAST_ANDRAD' }, { column: 'PERSONID' }]).limit(limit);
  return observePersons(db, await (since === null ? query : query.where('SENAST_ANDRAD', '>=', since)));
}

async function personsByNumber(db: Knex, numbers: readonly string[]): Promise<ObservedRow[]> {
  const rows: FbPersonRow[] = [];
  for (let i = 0; i < numbers.length; i += 1000) rows.push(...await db<FbPersonRow>('FB_PERSON').select('*').whereIn('PERSONID', numbers.slice(i, i + 1000)));
  return observePersons(db, rows);
}

async function observePersons(db: Knex, rows: readonly FbPersonRow[]): Promise<ObservedRow[]> {
  const persons = rows.map((row) => {
    try {
      return { row, citizen: mapPerson(row) };
    } catch {
      return { row, citizen: null }; // a data-quality finding the queries report; it makes no event
    }
  });
  const relations = await relationsOf(db, persons.flatMap((p) => (p.citizen ? [p.citizen.personalNumber] : [])));
  return persons.map(({ row, citizen }) => (citizen === null
    ? unreadableRow(String(row.PERSONID).trim(), String(row.SENAST_ANDRAD))
    : observe(row, citizen, relations.get(citizen.personalNumber) ?? [])));
}

async function relationsOf(db: Knex, numbers: readonly string[]): Promise<Map<string, Relation[]>> {
  const byPerson = new Map<string, Relation[]>();
  for (let i = 0; i < numbers.length; i += 1000) {
    const rows: FbRelationRow[] = await db<FbRelationRow>('FB_RELATION').select('PERSONID', 'RELID', 'RELTYP').whereIn('PERSONID', numbers.slice(i, i + 1000));
    for (const row of rows) {
      try {
        const { personalNumber, relation } = mapRelation(row);
        byPerson.set(personalNumber, [...(byPerson.get(personalNumber) ?? []), relation]);
      } catch {
        // as above
      }
    }
  }
  return byPerson;
}

const relationHash = (relation: Relation) => digest(`${relation.type}:${relation.linkedPersonalNumber}`);

function observe(row: FbPersonRow, citizen: Citizen, relations: readonly Relation[]): ObservedRow {
  const time = decodeSwedishLocalTime(String(row.SENAST_ANDRAD), 'FB_PERSON.SENAST_ANDRAD') ?? new Date().toISOString();
  const address = citizen.address;
  const state: RowState = {
    municipality: citizen.municipalityCode,
    address: digest(JSON.stringify([address?.street ?? null, address?.postalCode ?? null, address?.city ?? null])),
    status: citizen.registrationStatus,
    protection: citizen.protectedIdentity,
    relations: relations.map(relationHash).sort(),
  };
  const pnr = citizen.personalNumber;
  const identity = { personalNumber: field(pnr, 'citizen:read', 'IDENTITY') };
  const place: Record<string, EventField> = citizen.protectedIdentity === 'NONE'
    ? { municipalityCode: field(citizen.municipalityCode, 'citizen:address:read', 'ADDRESS') }
    : {};
  const event = (type: DerivedEvent['type'], data: DerivedEvent['data'], related?: DerivedEvent['related']): DerivedEvent =>
    ({ type, subject: pnr, time, data: { ...identity, ...data }, ...(related ? { related } : {}) });
  return {
    key: pnr,
    mark: String(row.SENAST_ANDRAD),
    state,
    events(before) {
      if (before === null) return isBirth(citizen, String(row.SENAST_ANDRAD).slice(0, 10)) ? [bornEvent()] : [];
      const events: DerivedEvent[] = [];
      if (before.status !== citizen.registrationStatus) {
        const on = field(citizen.deregisteredOn ?? null, 'citizen:read', 'IDENTITY');
        if (citizen.registrationStatus === 'DECEASED') events.push(event('person.died', { deceasedOn: on }));
        if (citizen.registrationStatus === 'EMIGRATED') events.push(event('person.emigrated', { emigratedOn: on }));
      }
      if (before.protection !== citizen.protectedIdentity) {
        events.push(event('person.protection-changed', { protectedIdentity: field(citizen.protectedIdentity, 'citizen:read', 'IDENTITY') }));
      }
      const moved = before.municipality !== citizen.municipalityCode || before.address !== state.address;
      if (moved && before.protection === 'NONE' && citizen.protectedIdentity === 'NONE' && citizen.registrationStatus === 'REGISTERED') {
        events.push(event('person.moved', {
          ...place,
          address: field(address ? [address.street ?? '', address.postalCode ?? '', address.city ?? ''] : null, 'citizen:address:read', 'ADDRESS'),
          previousMunicipalityCode: field(before.municipality === null ? null : String(before.municipality), 'citizen:address:read', 'ADDRESS'),
        }));
      }
      const known = new Set(before.relations as readonly string[]);
      for (const relation of relations.filter((r) => !known.has(relationHash(r)))) {
        events.push(event('relation.added', { relationType: field(relation.type, 'citizen:relations:read', 'RELATIONS') },
          [{ personalNumber: relation.linkedPersonalNumber, relation: relation.type }]));
      }
      return events;
    },
  };

  function bornEvent(): DerivedEvent {
    const guardians = relations.filter((r) => r.type === 'GUARDIAN').map((r) => ({ personalNumber: r.linkedPersonalNumber, relation: r.type }));
    return event('person.born', { birthDate: field(citizen.birthDate ?? null, 'citizen:read', 'IDENTITY'), ...place }, guardians);
  }
}

/**
 * A birth, not a correction: a personal identity number, registered within 90 days of birth, and the row written
 * within 90 days of the birth too — an adult's row that samgraf sees for the first time (a corrected number, a
 * value that could not be read before) was registered at birth long ago.
 */
function isBirth(citizen: Citizen, changedOn: string): boolean {
  const born = birthDateOf(citizen.personalNumber);
  if (born === null || identityTypeOf(citizen.personalNumber) !== 'PERSONAL_IDENTITY_NUMBER') return false;
  if (citizen.registrationStatus !== 'REGISTERED' || !citizen.registeredOn) return false;
  const within = (from: string, to: string) => {
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
    return days >= 0 && days <= BIRTH_REGISTRATION_DAYS;
  };
  return within(born, citizen.registeredOn) && within(born, changedOn);
}

export const populationRegisterChanges: ChangeFeed = {
  tables: [{
    table: 'FB_PERSON',
    markColumns: ['SENAST_ANDRAD'],
    markKind: 'swedish-local-time',
    changedSince: changedPersons,
    // From the binary log a relation is seen when it is written, whether or not its person's row changes.
    binlog: { writtenBy: { FB_PERSON: (row) => String(row.PERSONID).trim(), FB_RELATION: (row) => String(row.PERSONID).trim() }, rowsByKey: personsByNumber },
  }],
  rules: [
    'person.born: a new FB_PERSON row of a personal identity number, registered and written within 90 days of birth',
    'person.moved: municipality or address changes, of a registered person protected neither before nor after',
    'person.died / person.emigrated: AVREG_ORSAK becomes AV / UV',
    'person.protection-changed: SEKRETESS or SKYDDAD_FB changes the protection',
    'relation.added: a person seen before gets an FB_RELATION row they did not have (seen when their FB_PERSON row changes)',
    'anything else (names, corrections, an annulled deregistration): no event',
  ],
  simulate: { 'person.born': registerBirth },
};
