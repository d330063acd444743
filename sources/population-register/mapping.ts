/** FB_PERSON / FB_RELATION rows → Citizen / Relation. Every population-register quirk is decoded here. */
import type { Address, Citizen, ProtectedIdentity, Relation, RegistrationStatus, RelationType } from './types.js';
import { birthDateOf, identityTypeOf, isValidPersonalNumber, type Sex } from '../../src/core/personal-number.js';
import { decodeCode, decodeCompactDate, UnmappableValueError } from '../../src/core/legacy-values.js';
import type { FbPersonRow, FbRelationRow } from './tables.js';

const SEX: Record<string, Sex> = { M: 'MALE', K: 'FEMALE' };
const DEREGISTRATION: Record<string, RegistrationStatus> = { AV: 'DECEASED', UV: 'EMIGRATED', TA: 'DEREGISTERED' };
const RELATION: Record<string, RelationType> = { VH: 'GUARDIAN', BA: 'CHILD', MA: 'SPOUSE' };

export function mapPerson(row: FbPersonRow): Citizen {
  const personalNumber = decodePersonId(row.PERSONID, 'FB_PERSON.PERSONID');
  return {
    personalNumber,
    identityType: identityTypeOf(personalNumber),
    givenNames: row.FORNAMN.trim(),
    preferredName: blankToNull(row.TILLTALSNAMN),
    middleName: blankToNull(row.MELLANNAMN),
    familyName: row.EFTERNAMN.trim(),
    birthDate: birthDateOf(personalNumber),
    sex: decodeCode(SEX, row.KON, 'FB_PERSON.KON'),
    protectedIdentity: protectedIdentityOf(row),
    address: addressOf(row),
    municipalityCode: row.KOMMUNKOD.trim(),
    countyCode: row.LANKOD.trim(),
    registeredOn: decodeCompactDate(row.FOLKBOKFORINGSDATUM, 'FB_PERSON.FOLKBOKFORINGSDATUM', ['00000000']),
    registrationStatus: row.AVREG_ORSAK === null || row.AVREG_ORSAK.trim() === ''
      ? 'REGISTERED'
      : decodeCode(DEREGISTRATION, row.AVREG_ORSAK, 'FB_PERSON.AVREG_ORSAK'),
    deregisteredOn: decodeCompactDate(row.AVREG_DATUM, 'FB_PERSON.AVREG_DATUM', ['00000000']),
  };
}

export function mapRelation(row: FbRelationRow): { personalNumber: string; relation: Relation } {
  return {
    personalNumber: decodePersonId(row.PERSONID, 'FB_RELATION.PERSONID'),
    relation: {
      type: decodeCode(RELATION, row.RELTYP, 'FB_RELATION.RELTYP'),
      linkedPersonalNumber: decodePersonId(row.RELID, 'FB_RELATION.RELID'),
    },
  };
}

function decodePersonId(value: string, column: string): string {
  const pnr = value.trim();
  if (!isValidPersonalNumber(pnr)) throw new UnmappableValueError(column, 'invalid personal number (date or check digit)');
  return pnr;
}

/** Protected registration is the stronger protection and wins when both flags are set. */
function protectedIdentityOf(row: FbPersonRow): ProtectedIdentity {
  if (row.SKYDDAD_FB?.trim() === 'J') return 'PROTECTED_REGISTRATION';
  if (row.SEKRETESS?.trim() === 'J') return 'CONFIDENTIALITY_MARKING';
  return 'NONE';
}

function addressOf(row: FbPersonRow): Address | null {
  const street = blankToNull(row.UTDELNINGSADRESS);
  const postalCode = blankToNull(row.POSTNR);
  const city = blankToNull(row.POSTORT);
  if (street === null && postalCode === null && city === null) return null;
  return { street, postalCode, city: city === null ? null : normalisePostTown(city) };
}

/**
 * Old rows hold the post town in upper case ("UPPLANDS VÄSBY"), new ones in mixed case ("Upplands Väsby").
 * Upper-case values are title-cased word by word (and after hyphens); mixed-case values are kept as written.
 */
export function normalisePostTown(city: string): string {
  if (city !== city.toLocaleUpperCase('sv-SE')) return city;
  return city
    .toLocaleLowerCase('sv-SE')
    .replace(/(^|[\s-])(\p{L})/gu, (_match, boundary: string, letter: string) => boundary + letter.toLocaleUpperCase('sv-SE'));
}

function blankToNull(value: string | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
