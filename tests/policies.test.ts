/**
 * Access policies end to end, on MariaDB: who may see which field of whose data, and why.
 *
 * 1. The field table: persona × field coordinate → served / denied / masked / unreached, written out BY HAND
 *    below from the SDL's directives and product.md ("Who is asking", "What they may see"). It is not computed
 *    from the directives the server reads; a coverage check makes sure it names every field of every object
 *    type of the declared schema (and nothing else), so that a new field without an expectation fails.
 *    Each persona runs one query that selects every field of the data schema (plus one query per access-log
 *    root field, whose answers change with every request), twice: on ordinary people and on people with a
 *    protected identity (where `@maskedWhenProtected` fields differ). All mismatches of a run are reported
 *    together, one line per field and path.
 * 2. Rows: municipality-bound principals and citizens get, for anybody out of sight, exactly what a
 *    non-existent person gives (the raw response bodies are compared byte for byte).
 * 3. Protected persons: silently masked without `citizen:protected:read`, real data with it; relations never
 *    lead to a protected person's data.
 * 4. Purposes of use.
 *
 * Data values that count as "served" are what the all-scopes AF officer (startTestServer's default principal,
 * who may read everything) gets for the same query; those reference values are spot-checked against the
 * generated legacy rows, and legacy-mapping.test.ts checks them in full.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import {
  getNamedType, isNonNullType, isObjectType, Kind, parse, print, visit,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLObjectType, type SelectionSetNode,
} from 'graphql';
import { buildDeclaredSchema } from '../src/schema.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { generateLegacyData, type LegacyData } from './helpers/legacy-data.js';
import { agiTables, currentStatementsByPayee, isSoleTrader } from './helpers/income-register.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { partAccessLog, startFederatedTestServer } from './helpers/federation.js';
import { createTestDatabases } from './helpers/mysql.js';
import { GATEWAY_NAME } from '../src/federation/parts.js';
import { SOURCE_MODULES } from '../sources/registry.js';
import { CITIZEN_ISSUER, STAFF_ISSUER, testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 1000, seed: 'policies-0' } as const;
const CONFIGURED_PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];
const HOME = '0180';
const UNAUTHORIZED = 'UNAUTHORIZED_FIELD_OR_TYPE';

// =========================================================================================================
// The legacy rows, and the people the tests use (chosen from the rows, never from samgraf's answers)
// =========================================================================================================

type Person = LegacyData['FB_PERSON'][number];
type Decision = LegacyData['FK_BESLUT'][number];
type CaseRow = LegacyData['AF_ARENDE'][number];

const DATA = generateLegacyData(DATA_SET);
const PERSONS = new Map(DATA.FB_PERSON.map((p) => [p.PERSONID, p]));

const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
const relationsOf = (pnr: string) => DATA.FB_RELATION.filter((r) => r.PERSONID === pnr);
const relativesOf = (pnr: string): Person[] => relationsOf(pnr).map((r) => PERSONS.get(r.RELID)).filter((p): p is Person => p !== undefined);
/** FK_BESLUT.PNR is `YYMMDD-NNNC` / `YYMMDD+NNNC`; its 10 digits match the 12-digit number's last 10 (checked unique below). */
const decisionsOf = (pnr: string): Decision[] => DATA.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
const casesOf = (pnr: string): CaseRow[] => DATA.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
const paymentsOf = (id: number) => DATA.FK_UTBETALNING.filter((u) => u.BESLUT_ID === id);
const planOf = (id: string) => DATA.AF_HANDLINGSPLAN.filter((s) => s.ARENDE_ID === id);
const tenDigitsUnique = (pnr: string): boolean => DATA.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;

/** The statements of the income register that exist now (legacy-sources.md §4: newest version, not withdrawn). */
const INCOMES = currentStatementsByPayee(agiTables(DATA).agi_individuppgift);
const incomesOf = (pnr: string) => (INCOMES.get(pnr) ?? []).map((s) => s.current);

const richDecision = (b: Decision): boolean => b.BELOPP_ORE !== null && paymentsOf(b.BESLUT_ID).length > 0;
const richCase = (c: CaseRow): boolean => c.ANTECKNING !== null && planOf(c.ARENDE_ID).length > 0;

/** Ordinary (unprotected), in the home municipality, with only unprotected relatives: everyone sees them alike. */
function plainHomePerson(p: Person): boolean {
  return p.KOMMUNKOD === HOME && !isProtected(p) && tenDigitsUnique(p.PERSONID)
    && relationsOf(p.PERSONID).every((r) => PERSONS.has(r.RELID) && !isProtected(PERSONS.get(r.RELID)!));
}

/** A person with data in every source: address, relations, a decision with amount and payments, a case with notes and a plan, incomes. */
function hasEverything(p: Person): boolean {
  return p.UTDELNINGSADRESS !== null && relationsOf(p.PERSONID).length > 0
    && decisionsOf(p.PERSONID).some(richDecision) && casesOf(p.PERSONID).some(richCase) && incomesOf(p.PERSONID).length > 0;
}

function pick<T>(what: string, items: readonly T[], predicate: (item: T) => boolean): T {
  const found = items.find(predicate);
  if (found === undefined) throw new Error(`the data set ${JSON.stringify(DATA_SET)} has no ${what}: choose another seed`);
  return found;
}

/** The main person of the field table. */
const MAIN = pick('plain home person with everything', DATA.FB_PERSON, (p) => plainHomePerson(p) && p.AVREG_ORSAK === null && hasEverything(p));
const MAIN_DECISION = decisionsOf(MAIN.PERSONID).find(richDecision)!;
const MAIN_CASE = casesOf(MAIN.PERSONID).find(richCase)!;

/**
 * More ordinary home people, so that every nullable field has a non-null value somewhere in the answer (a
 * served null cannot be told from a masked one).
 */
const NON_NULL_FEATURES: Record<string, (p: Person) => boolean> = {
  preferredName: (p) => p.TILLTALSNAMN !== null,
  middleName: (p) => p.MELLANNAMN !== null,
  deregisteredOn: (p) => p.AVREG_DATUM !== null && p.AVREG_DATUM !== '00000000',
  validTo: (p) => decisionsOf(p.PERSONID).some((b) => b.TOM_DATUM !== '99991231'),
  decidedOn: (p) => decisionsOf(p.PERSONID).some((b) => b.BESLUTSDATUM !== null),
  officerId: (p) => decisionsOf(p.PERSONID).some((b) => b.HANDLAGGARE !== null),
  closedAt: (p) => casesOf(p.PERSONID).some((c) => c.AVSLUTAT !== null),
  programme: (p) => casesOf(p.PERSONID).some((c) => c.PROGRAM_KOD !== null),
  jobSeekerCategory: (p) => casesOf(p.PERSONID).some((c) => c.SOKANDEKATEGORI !== null),
  grossPay: (p) => incomesOf(p.PERSONID).some((s) => s.kontant_ersattning !== null),
  taxDeducted: (p) => incomesOf(p.PERSONID).some((s) => s.skatteavdrag !== null),
  benefitsInKind: (p) => incomesOf(p.PERSONID).some((s) => s.formaner !== null),
  organizationNumber: (p) => incomesOf(p.PERSONID).some((s) => !isSoleTrader(s.arbetsgivare)),
};
const EXTRAS: Person[] = [];
for (const [feature, has] of Object.entries(NON_NULL_FEATURES)) {
  if (has(MAIN) || EXTRAS.some(has)) continue;
  EXTRAS.push(pick(`plain home person with ${feature}`, DATA.FB_PERSON, (p) => p !== MAIN && plainHomePerson(p) && has(p)));
}

/** Protected persons in the home municipality (so that the municipality partner's own rows are what withholds them). */
const CONFIDENTIAL = pick('home person with SEKRETESS = J and everything', DATA.FB_PERSON, (p) =>
  p.KOMMUNKOD === HOME && p.SEKRETESS === 'J' && tenDigitsUnique(p.PERSONID) && hasEverything(p)
  && relativesOf(p.PERSONID).length === relationsOf(p.PERSONID).length && relativesOf(p.PERSONID).every((r) => !isProtected(r)));
const CONFIDENTIAL_DECISION = decisionsOf(CONFIDENTIAL.PERSONID).find(richDecision)!;
const CONFIDENTIAL_CASE = casesOf(CONFIDENTIAL.PERSONID).find(richCase)!;
const PROTECTED_REGISTRATION = pick('home person with SKYDDAD_FB = J (and no SEKRETESS), an address and relations', DATA.FB_PERSON, (p) =>
  p.KOMMUNKOD === HOME && p.SKYDDAD_FB === 'J' && p.SEKRETESS !== 'J' && p.UTDELNINGSADRESS !== null && relationsOf(p.PERSONID).length > 0
  && relativesOf(p.PERSONID).length === relationsOf(p.PERSONID).length && relativesOf(p.PERSONID).every((r) => !isProtected(r)));

/** An ordinary person elsewhere, with a decision and a case: out of sight for the home municipality. */
const ELSEWHERE = pick('person outside the home municipality with decisions and cases', DATA.FB_PERSON, (p) =>
  p.KOMMUNKOD !== HOME && !isProtected(p) && tenDigitsUnique(p.PERSONID) && decisionsOf(p.PERSONID).length > 0 && casesOf(p.PERSONID).length > 0);
const ELSEWHERE_MUNICIPALITY = ELSEWHERE.KOMMUNKOD;

/** A home person with an (unprotected) relative registered elsewhere. */
const HOME_WITH_RELATIVE_ELSEWHERE = pick('home person with an unprotected relative elsewhere', DATA.FB_PERSON, (p) =>
  p.KOMMUNKOD === HOME && !isProtected(p) && relativesOf(p.PERSONID).some((r) => r.KOMMUNKOD !== HOME && !isProtected(r))
  && relativesOf(p.PERSONID).every((r) => !isProtected(r)));

/** An ordinary person related to a protected one (and, if the data has one, to an ordinary one as well). */
const RELATED_TO_PROTECTED = (() => {
  const candidates = DATA.FB_PERSON.filter((p) => !isProtected(p) && relativesOf(p.PERSONID).some(isProtected));
  return candidates.find((p) => relativesOf(p.PERSONID).some((r) => !isProtected(r))) ?? pick('person related to a protected person', candidates, () => true);
})();

/** A home person related to a protected person registered elsewhere (out of sight for the home municipality). */
const HOME_WITH_PROTECTED_RELATIVE_ELSEWHERE = pick('home person with a protected relative elsewhere', DATA.FB_PERSON, (p) =>
  p.KOMMUNKOD === HOME && !isProtected(p) && relativesOf(p.PERSONID).length === relationsOf(p.PERSONID).length
  && relativesOf(p.PERSONID).some((r) => isProtected(r) && r.KOMMUNKOD !== HOME));

function luhnValid(pnr: string): boolean {
  const digits = pnr.slice(-10);
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const product = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  }
  return sum % 10 === 0;
}

/** A valid personal number that nobody in the register has. */
const NOBODY = (() => {
  for (let serial = 10; serial < 10_000; serial++) {
    const pnr = `19770707${String(serial).padStart(4, '0')}`;
    if (luhnValid(pnr) && !PERSONS.has(pnr) && !DATA.FB_PERSON.some((p) => p.PERSONID.slice(2) === pnr.slice(2))) return pnr;
  }
  throw new Error('no free personal number');
})();
const NO_DECISION_ID = '987654321';
const NO_CASE_ID = 'AF-2099-999999';
const EMPTY_MUNICIPALITY = (() => {
  for (let code = 9999; ; code--) {
    const candidate = String(code).padStart(4, '0');
    if (!DATA.FB_PERSON.some((p) => p.KOMMUNKOD === candidate)) return candidate;
  }
})();

// =========================================================================================================
// Personas
// =========================================================================================================

const PERSONA_NAMES = [
  'superuser', 'fkCaseworker', 'fkBenefitsOnly', 'afOfficer', 'fkNotes', 'partner', 'auditor', 'citizen', 'skvOfficer', 'skvProtected',
  'incomePartner',
] as const;
type PersonaName = (typeof PERSONA_NAMES)[number];

interface StaffPersona { kind: 'staff'; org: string; scopes: string[]; purposes: string[]; purpose: string }
interface ApiKeyPersona { kind: 'apiKey'; org: string; municipality: string; scopes: string[]; purposes: string[]; purpose: string }
interface CitizenPersona { kind: 'citizen' }
type PersonaSpec = StaffPersona | ApiKeyPersona | CitizenPersona;

const ALL_SCOPES = ['citizen:read', 'citizen:address:read', 'citizen:relations:read', 'citizen:protected:read', 'benefit:read', 'benefit:amount:read', 'case:read', 'case:notes:read', 'income:read', 'audit:read'];
/** product.md: a citizen reads their own data (incl. their own protected data and incomes), never case notes. */
const CITIZEN_SCOPE_LIST = ['benefit:amount:read', 'benefit:read', 'case:read', 'citizen:address:read', 'citizen:protected:read', 'citizen:read', 'citizen:relations:read', 'income:read'];

const PERSONAS: Record<PersonaName, PersonaSpec> = {
  /** AF, every scope: the reference for served values (startTestServer's default principal, plus income:read). */
  superuser: { kind: 'staff', org: 'AF', scopes: ALL_SCOPES, purposes: CONFIGURED_PURPOSES, purpose: 'employment-support' },
  /** Assesses income-tested benefits (housing allowance): reads incomes too. */
  fkCaseworker: { kind: 'staff', org: 'FK', scopes: ['citizen:read', 'benefit:read', 'benefit:amount:read', 'income:read'], purposes: ['benefit-assessment'], purpose: 'benefit-assessment' },
  /** Reaches citizens through benefit:read alone: the Citizen is served, its identity fields are not. */
  fkBenefitsOnly: { kind: 'staff', org: 'FK', scopes: ['benefit:read'], purposes: ['benefit-assessment'], purpose: 'benefit-assessment' },
  afOfficer: { kind: 'staff', org: 'AF', scopes: ['citizen:read', 'case:read', 'case:notes:read'], purposes: ['employment-support'], purpose: 'employment-support' },
  /** Has case:notes:read, but the notes are AF's: own-agency fails. */
  fkNotes: { kind: 'staff', org: 'FK', scopes: ['citizen:read', 'case:read', 'case:notes:read'], purposes: ['benefit-assessment'], purpose: 'benefit-assessment' },
  partner: { kind: 'apiKey', org: HOME, municipality: HOME, scopes: ['citizen:read', 'citizen:address:read', 'benefit:read'], purposes: ['social-services'], purpose: 'social-services' },
  auditor: { kind: 'staff', org: 'IMY', scopes: ['audit:read'], purposes: ['audit'], purpose: 'audit' },
  citizen: { kind: 'citizen' },
  skvOfficer: { kind: 'staff', org: 'SKV', scopes: ['citizen:read', 'citizen:address:read', 'citizen:relations:read'], purposes: ['social-services'], purpose: 'social-services' },
  skvProtected: { kind: 'staff', org: 'SKV', scopes: ['citizen:read', 'citizen:address:read', 'citizen:relations:read', 'citizen:protected:read'], purposes: ['social-services'], purpose: 'social-services' },
  /** A municipality's social services assessing financial aid: API key bound to 0180, identity and incomes. */
  incomePartner: { kind: 'apiKey', org: HOME, municipality: HOME, scopes: ['citizen:read', 'income:read'], purposes: ['social-services'], purpose: 'social-services' },
};

// =========================================================================================================
// 1. The expected outcome table, by hand
// =========================================================================================================

/**
 * S served (the value as the reference principal sees it, no error), D denied (null + UNAUTHORIZED_FIELD_OR_TYPE
 * at exactly its path), M masked (null or [] and no error, where the data has a value), W withheld by a row
 * restriction (null, in a list each item null, and no error, where the data has a value: as for nobody), U
 * unreached (an ancestor is denied, masked, withheld or empty, so the field never appears). `X/Y`: X on ordinary
 * people, Y on people with a protected identity; a single letter holds for both.
 *
 * How each column follows from the SDL (type rule AND field rule; outer list OR, inner list AND):
 *   superuser      AF, every scope                        → everything, incl. AF's notes and protected data.
 *   fkCaseworker   FK, citizen:read benefit:read benefit:amount:read.
 *   fkBenefitsOnly FK, benefit:read: Query.citizen admits benefit:read, Citizen's own fields need citizen:read.
 *   afOfficer      AF, citizen:read case:read case:notes:read → notes: own-agency holds (Case is AF's); a
 *                  protected person's case office and officer (where they live) are masked.
 *   fkNotes        FK, citizen:read case:read case:notes:read → notes: own-agency fails (Case is AF's).
 *   partner        API key of 0180, bound to 0180, citizen:read citizen:address:read benefit:read; without
 *                  citizen:protected:read a protected person is outside its rows (W), even living in 0180.
 *   auditor        IMY, audit:read only → every personal-data root field denied; only `me`.
 *   citizen        a citizen reading themself (policy self; product.md: own data incl. protected, no notes);
 *                  their relatives are other people, so Relation.citizen is null (rows), without an error.
 *   skvOfficer     SKV, citizen:read citizen:address:read citizen:relations:read (no protected:read).
 *   skvProtected   the same + citizen:protected:read.
 *   incomePartner  API key of 0180, bound to 0180, citizen:read income:read (social services assessing financial
 *                  aid): incomes of its own residents; like `partner`, a protected resident is outside its rows.
 * Incomes (product.md, issue 13): `income:read` holders read them (superuser, fkCaseworker, incomePartner), a
 * citizen their own (self); everybody else is denied Citizen.incomes. The SDL masks IncomeStatement.employer for a
 * protected person without citizen:protected:read (a workplace locates a person as an address does): fkCaseworker.
 */
type Outcome = 'S' | 'D' | 'M' | 'W' | 'U';
type Cell = Outcome | `${Outcome}/${Outcome}`;

function r(...cells: Cell[]): Record<PersonaName, Cell> {
  assert.equal(cells.length, PERSONA_NAMES.length, 'one cell per persona');
  return Object.fromEntries(PERSONA_NAMES.map((name, i) => [name, cells[i]!])) as Record<PersonaName, Cell>;
}

const EXPECTED: Record<string, Record<PersonaName, Cell>> = {
  // Root fields with a rule can be denied: null with the error at their own path, the rest of `data` served.
  // The contract declares four root fields non-null (citizens, citizensByMunicipality, auditEvents,
  // myAccessLog); GraphQL's null propagation then nulls `data` when one is denied, so the test checks that
  // response on its own and the other root fields in the same operation without the denied one.
  //                                     super fkCw  fkBen afOff fkNot partn audit citiz skv   skvP  incP
  'Query.citizen':                     r('S', 'S',  'S',  'S',  'S',  'S/W', 'D', 'S',  'S',  'S', 'S/W'),
  'Query.citizens':                    r('S', 'S',  'S',  'S',  'S',  'S/W', 'D', 'S',  'S',  'S', 'S/W'),
  'Query.citizensByMunicipality':      r('S', 'S',  'D',  'S',  'S',  'S',  'D',  'S',  'S',  'S', 'S'),
  'Query.benefit':                     r('S', 'S',  'S',  'D',  'D',  'S/W', 'D', 'S',  'D',  'D', 'D'),
  'Query.case':                        r('S', 'D',  'D',  'S',  'S',  'D',  'D',  'S',  'D',  'D', 'D'),
  'Query.me':                          r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),

  'CitizenConnection.edges':           r('S', 'S',  'U',  'S',  'S',  'S',  'U',  'S',  'S',  'S', 'S'),
  'CitizenConnection.pageInfo':        r('S', 'S',  'U',  'S',  'S',  'S',  'U',  'S',  'S',  'S', 'S'),
  'CitizenEdge.cursor':                r('S', 'S',  'U',  'S',  'S',  'S',  'U',  'S',  'S',  'S', 'S'),
  'CitizenEdge.node':                  r('S', 'S',  'U',  'S',  'S',  'S',  'U',  'S',  'S',  'S', 'S'),
  // PageInfo is shared: the auditor reaches it through auditEvents, the citizen also through myAccessLog.
  'PageInfo.hasNextPage':              r('S', 'S',  'U',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'PageInfo.endCursor':                r('S', 'S',  'U',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),

  // The partner reaches ordinary home people through citizensByMunicipality in both runs (W: Query.citizen/citizens).
  'Citizen.personalNumber':            r('S', 'S',  'D',  'S',  'S',  'S',  'U',  'S',  'S',  'S', 'S'),
  'Citizen.identityType':              r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.givenNames':                r('S', 'S',  'D',  'S',  'S',  'S',  'U',  'S',  'S',  'S', 'S'),
  'Citizen.preferredName':             r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.middleName':                r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.familyName':                r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.birthDate':                 r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.sex':                       r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.protectedIdentity':         r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.registeredOn':              r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.registrationStatus':        r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.deregisteredOn':            r('S', 'S',  'D',  'S',  'S',  'S/U', 'U', 'S',  'S',  'S', 'S/U'),
  'Citizen.address':                   r('S', 'D',  'D',  'D',  'D',  'S/U', 'U', 'S',  'S/M', 'S', 'D/U'),
  'Citizen.municipalityCode':          r('S', 'D',  'D',  'D',  'D',  'S/U', 'U', 'S',  'S/M', 'S', 'D/U'),
  'Citizen.countyCode':                r('S', 'D',  'D',  'D',  'D',  'S/U', 'U', 'S',  'S/M', 'S', 'D/U'),
  'Citizen.relations':                 r('S', 'D',  'D',  'D',  'D',  'D/U', 'U', 'S',  'S/M', 'S', 'D/U'),
  'Citizen.benefits':                  r('S', 'S',  'S',  'D',  'D',  'S/U', 'U', 'S',  'D',  'D', 'D/U'),
  'Citizen.cases':                     r('S', 'D',  'D',  'S',  'S',  'D/U', 'U', 'S',  'D',  'D', 'D/U'),
  'Citizen.incomes':                   r('S', 'S',  'D',  'D',  'D',  'D/U', 'U', 'S',  'D',  'D', 'S/U'),

  'IncomeStatement.id':                r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.period':            r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.employer':          r('S', 'S/M', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.grossPay':          r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.taxDeducted':       r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.benefitsInKind':    r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.submittedAt':       r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.versions':          r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'IncomeStatement.citizen':           r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'Employer.name':                     r('S', 'S/U', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'Employer.organizationNumber':       r('S', 'S/U', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'Employer.soleTrader':               r('S', 'S/U', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),

  'Address.street':                    r('S', 'U',  'U',  'U',  'U',  'S/U', 'U', 'S',  'S/U', 'S', 'U'),
  'Address.postalCode':                r('S', 'U',  'U',  'U',  'U',  'S/U', 'U', 'S',  'S/U', 'S', 'U'),
  'Address.city':                      r('S', 'U',  'U',  'U',  'U',  'S/U', 'U', 'S',  'S/U', 'S', 'U'),

  'Relation.type':                     r('S', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'S/U', 'S', 'U'),
  'Relation.citizen':                  r('S', 'U',  'U',  'U',  'U',  'U',  'U',  'M',  'S/U', 'S', 'U'),

  'Benefit.id':                        r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.type':                      r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.status':                    r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.amount':                    r('S', 'S',  'D',  'U',  'U',  'D/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.periodicity':               r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.validFrom':                 r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.validTo':                   r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.decidedOn':                 r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.officerId':                 r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.payments':                  r('S', 'S',  'D',  'U',  'U',  'D/U', 'U', 'S',  'U',  'U', 'U'),
  'Benefit.citizen':                   r('S', 'S',  'S',  'U',  'U',  'S/U', 'U', 'S',  'U',  'U', 'U'),

  'Payment.id':                        r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Payment.paidOn':                    r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Payment.amount':                    r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),

  'Money.amount':                      r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'Money.currency':                    r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),
  'Money.minorUnits':                  r('S', 'S',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'S/U'),

  'Case.id':                           r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.agency':                       r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.type':                         r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.status':                       r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.jobSeekerCategory':            r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.programme':                    r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.office':                       r('S', 'U',  'U',  'S/M', 'S/M', 'U', 'U',  'S',  'U',  'U', 'U'),
  'Case.officer':                      r('S', 'U',  'U',  'S/M', 'S/M', 'U', 'U',  'S',  'U',  'U', 'U'),
  'Case.openedAt':                     r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.closedAt':                     r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.notes':                        r('S', 'U',  'U',  'S',  'D',  'U',  'U',  'D',  'U',  'U', 'U'),
  'Case.actionPlan':                   r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'Case.citizen':                      r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),

  'ActionPlanStep.step':               r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'ActionPlanStep.activity':           r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'ActionPlanStep.status':             r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),
  'ActionPlanStep.updatedAt':          r('S', 'U',  'U',  'S',  'S',  'U',  'U',  'S',  'U',  'U', 'U'),

  // The access log (schema/access-log.graphql): auditEvents needs audit:read; myAccessLog and its entries the
  // `citizen` policy (a citizen principal).
  'Query.auditEvents':                 r('S', 'D',  'D',  'D',  'D',  'D',  'S',  'D',  'D',  'D', 'D'),
  'Query.myAccessLog':                 r('D', 'D',  'D',  'D',  'D',  'D',  'D',  'S',  'D',  'D', 'D'),
  'AuditEventConnection.edges':        r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEventConnection.pageInfo':     r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEventEdge.cursor':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEventEdge.node':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.id':                     r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.writer':                 r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.seq':                    r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.occurredAt':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.requestId':              r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.principal':              r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.purpose':                r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.legalBasis':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.caseReference':          r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.operationName':          r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.documentHash':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.documentText':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.subjects':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.subjectsWithheld':       r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.subjectsRequested':      r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.fieldsRead':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.fieldsDenied':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.fieldsMasked':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.outcome':                r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.sourceErrors':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.subgraphs':              r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.hash':                   r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.prevHash':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  // The transparency log (every server here signs its log): a proof of each event, against a signed checkpoint.
  'AuditEvent.leafIndex':              r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditEvent.inclusionProof':         r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'InclusionProof.leafIndex':          r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'InclusionProof.treeSize':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'InclusionProof.rootHash':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'InclusionProof.leafHash':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'InclusionProof.inclusionPath':      r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'InclusionProof.checkpoint':         r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditPrincipal.type':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditPrincipal.subject':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditPrincipal.organization':       r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditPrincipal.apiKeyId':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditPrincipal.personalNumber':     r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  // The follow-up's findings need audit:read (or audit:review). The servers here hold employment-support reads to
  // a case reference (followUp), so the superuser's own reads are findings; none is reviewed here (FindingReview
  // and reviewFinding are tested in follow-up.test.ts).
  'Query.auditFindings':               r('S', 'D',  'D',  'D',  'D',  'D',  'S',  'D',  'D',  'D', 'D'),
  'AuditFindingConnection.edges':      r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFindingConnection.pageInfo':   r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFindingEdge.cursor':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFindingEdge.node':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.id':                   r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.kind':                 r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.score':                r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.explanation':          r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.event':                r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.subjects':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.firstSeen':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.review':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditFinding.reviews':              r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'FindingReview.verdict':             r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'FindingReview.note':                r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'FindingReview.reviewer':            r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'FindingReview.reviewerOrganization': r('U', 'U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'FindingReview.at':                  r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AccessLogConnection.edges':         r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogConnection.pageInfo':      r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogEdge.cursor':              r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogEdge.node':                r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  // auditChains needs audit:read; the log is intact here, so no chain has a first bad event (AuditChainBreak unreached).
  'Query.auditChains':                 r('S', 'D',  'D',  'D',  'D',  'D',  'S',  'D',  'D',  'D', 'D'),
  'AuditChainReport.ok':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainReport.verifiedAt':       r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainReport.events':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainReport.chains':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainReport.broken':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainReport.tree':             r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainReport.checkpoint':       r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditTreeStatus.ok':                r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditTreeStatus.leaves':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditTreeStatus.queued':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditTreeStatus.checkpoints':       r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditTreeStatus.signaturesChecked': r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditTreeStatus.problems':          r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'LogCheckpoint.origin':              r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'LogCheckpoint.treeSize':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'LogCheckpoint.rootHash':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'LogCheckpoint.signedAt':            r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'LogCheckpoint.note':                r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'LogCheckpoint.cosignatures':        r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  // No witness is configured here, so no checkpoint has a cosignature.
  'LogCosignature.witness':            r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'LogCosignature.keyId':              r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'LogCosignature.cosignedAt':         r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AuditChainStatus.writer':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainStatus.events':           r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainStatus.headSeq':          r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainStatus.headHash':         r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainStatus.ok':               r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainStatus.firstBadEvent':    r('S', 'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U',  'U', 'U'),
  'AuditChainBreak.eventId':           r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AuditChainBreak.writer':            r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AuditChainBreak.seq':               r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AuditChainBreak.occurredAt':        r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AuditChainBreak.reason':            r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AuditChainBreak.message':           r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U',  'U', 'U'),
  'AccessLogEntry.occurredAt':         r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogEntry.organization':       r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogEntry.purpose':            r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogEntry.dataCategories':     r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),
  'AccessLogEntry.receipt':            r('U', 'U',  'U',  'U',  'U',  'U',  'U',  'S',  'U',  'U', 'U'),

  'Principal.type':                    r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.subject':                 r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.organization':            r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.scopes':                  r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.purposes':                r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.municipality':            r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.apiKeyId':                r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
  'Principal.issuer':                  r('S', 'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S',  'S', 'S'),
};

function expectedOutcome(coordinate: string, persona: PersonaName, run: RunKind): Outcome {
  const cell = EXPECTED[coordinate]![persona];
  const [ordinary, protectedCase = ordinary] = cell.split('/') as [Outcome, Outcome?];
  return run === 'ordinary' ? ordinary : protectedCase;
}

/** The one query of the table: every field of every object type, reached from every root field. */
const EVERYTHING = /* GraphQL */ `
  query Everything($pnr: String!, $pnrs: [String!]!, $code: String!, $benefitId: ID!, $caseId: ID!) {
    me { type subject organization scopes purposes municipality apiKeyId issuer }
    citizen(personalNumber: $pnr) { ...CitizenFields }
    citizens(personalNumbers: $pnrs) { ...CitizenFields }
    citizensByMunicipality(code: $code, first: 3) {
      edges { cursor node { personalNumber givenNames } }
      pageInfo { hasNextPage endCursor }
    }
    benefit(id: $benefitId) { ...BenefitFields }
    case(id: $caseId) { ...CaseFields }
  }
  fragment CitizenFields on Citizen {
    personalNumber identityType givenNames preferredName middleName familyName birthDate sex protectedIdentity
    address { street postalCode city }
    municipalityCode countyCode registeredOn registrationStatus deregisteredOn
    relations { type citizen { personalNumber } }
    benefits { ...BenefitFields }
    cases { ...CaseFields }
    incomes { ...IncomeFields }
  }
  fragment IncomeFields on IncomeStatement {
    id period employer { name organizationNumber soleTrader }
    grossPay { amount currency minorUnits } taxDeducted { amount currency minorUnits } benefitsInKind { amount currency minorUnits }
    submittedAt versions citizen { personalNumber }
  }
  fragment BenefitFields on Benefit {
    id type status amount { amount currency minorUnits } periodicity validFrom validTo decidedOn officerId
    payments { id paidOn amount { amount currency minorUnits } }
    citizen { personalNumber }
  }
  fragment CaseFields on Case {
    id agency type status jobSeekerCategory programme office officer openedAt closedAt notes
    actionPlan { step activity status updatedAt }
    citizen { personalNumber }
  }
`;

/**
 * The access log's root fields, each in a query of its own: their answers change with every request (reading
 * the log is itself logged), so "served" there means present without an error, not equal to a reference.
 */
const AUDIT_LOG = /* GraphQL */ `
  query AuditLog {
    auditEvents(first: 2) {
      edges { cursor node {
        id writer seq occurredAt requestId principal { type subject organization apiKeyId personalNumber } purpose legalBasis caseReference
        operationName documentHash documentText subjects subjectsWithheld subjectsRequested fieldsRead fieldsDenied fieldsMasked outcome sourceErrors subgraphs hash prevHash
        leafIndex inclusionProof { leafIndex treeSize rootHash leafHash inclusionPath checkpoint }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const MY_ACCESS_LOG = /* GraphQL */ `
  query MyAccessLog {
    myAccessLog(first: 2) {
      edges { cursor node { occurredAt organization purpose dataCategories receipt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
/** The chains' verification: its answer changes with every request too (each adds an event to the chain). */
const AUDIT_CHAINS = /* GraphQL */ `
  query AuditChains {
    auditChains {
      ok verifiedAt events
      chains { writer events headSeq headHash ok firstBadEvent { eventId writer seq occurredAt reason message } }
      broken { eventId writer seq occurredAt reason message }
      tree { ok leaves queued checkpoints signaturesChecked problems }
      checkpoint { origin treeSize rootHash signedAt note cosignatures { witness keyId cosignedAt } }
    }
  }
`;
/** The follow-up's findings: they grow with every request too. */
const AUDIT_FINDINGS = /* GraphQL */ `
  query AuditFindings {
    auditFindings(first: 2) {
      edges { cursor node {
        id kind score explanation event { id } subjects firstSeen reviews { verdict }
        review { verdict note reviewer reviewerOrganization at }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
/** The follow-up as the table needs it: the superuser's reads (employment-support, no case reference) are findings at any hour. */
const FOLLOW_UP = { workingHours: '00:00-24:00', purposesRequiringCaseReference: ['employment-support'] };
const QUERIES = { everything: EVERYTHING, auditLog: AUDIT_LOG, myAccessLog: MY_ACCESS_LOG, auditChains: AUDIT_CHAINS, auditFindings: AUDIT_FINDINGS } as const;
/** Coordinates whose values change from request to request. */
const VOLATILE_TYPES = ['AuditEventConnection', 'AuditEventEdge', 'AuditEvent', 'AuditPrincipal', 'AccessLogConnection', 'AccessLogEdge', 'AccessLogEntry',
  'AuditChainReport', 'AuditChainStatus', 'AuditChainBreak', 'InclusionProof', 'AuditTreeStatus', 'LogCheckpoint', 'LogCosignature',
  'AuditFindingConnection', 'AuditFindingEdge', 'AuditFinding', 'FindingReview'];

type RunKind = 'ordinary' | 'protected';

interface RunVariables { pnr: string; pnrs: string[]; code: string; benefitId: string; caseId: string }

/** Whom each run is about. A citizen reads only themself: MAIN (ordinary run) or CONFIDENTIAL (protected run). */
function runVariables(persona: PersonaName, run: RunKind): RunVariables {
  if (run === 'ordinary') {
    return {
      pnr: MAIN.PERSONID,
      pnrs: persona === 'citizen' ? [MAIN.PERSONID] : [MAIN.PERSONID, ...EXTRAS.map((p) => p.PERSONID)],
      code: HOME,
      benefitId: String(MAIN_DECISION.BESLUT_ID),
      caseId: MAIN_CASE.ARENDE_ID,
    };
  }
  return {
    pnr: CONFIDENTIAL.PERSONID,
    pnrs: persona === 'citizen' ? [CONFIDENTIAL.PERSONID] : [CONFIDENTIAL.PERSONID, PROTECTED_REGISTRATION.PERSONID],
    code: HOME,
    benefitId: String(CONFIDENTIAL_DECISION.BESLUT_ID),
    caseId: CONFIDENTIAL_CASE.ARENDE_ID,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Walking a response along the query

type Path = (string | number)[];
interface Observation { coordinate: string; path: Path; value: unknown; expected: unknown; reference: unknown }
type Matcher = { matches(value: unknown): boolean; describe: string };
const isMatcher = (value: unknown): value is Matcher => typeof value === 'object' && value !== null && 'matches' in value && typeof (value as Matcher).matches === 'function';

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
}

function fieldsOf(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>) {
  return selectionSet.selections.flatMap((selection): FieldNode[] => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf(selection.selectionSet, fragments);
    return fieldsOf(fragments.get(selection.name.value)!.selectionSet, fragments);
  });
}

/** Every field of the response that exists (its parent object is there), with the expected and reference values at its path. */
function observe(document: DocumentNode, rootType: GraphQLObjectType, data: unknown, expected: unknown, reference: unknown): Observation[] {
  const fragments = fragmentsOf(document);
  const out: Observation[] = [];
  const walk = (selectionSet: SelectionSetNode, type: GraphQLObjectType, value: Record<string, unknown>, exp: unknown, ref: unknown, path: Path) => {
    for (const field of fieldsOf(selectionSet, fragments)) {
      if (field.name.value === '__typename') continue;
      const key = field.alias?.value ?? field.name.value;
      const definition = type.getFields()[field.name.value]!;
      const child = value[key];
      const childExpected = (exp as Record<string, unknown> | null | undefined)?.[key];
      const childReference = (ref as Record<string, unknown> | null | undefined)?.[key];
      out.push({ coordinate: `${type.name}.${field.name.value}`, path: [...path, key], value: child, expected: childExpected, reference: childReference });
      if (!field.selectionSet || child === null || child === undefined) continue;
      const named = getNamedType(definition.type) as GraphQLObjectType;
      if (Array.isArray(child)) {
        child.forEach((item, i) => {
          if (item !== null) walk(field.selectionSet!, named, item, Array.isArray(childExpected) ? childExpected[i] : undefined, Array.isArray(childReference) ? childReference[i] : undefined, [...path, key, i]);
        });
      } else {
        walk(field.selectionSet, named, child as Record<string, unknown>, childExpected, childReference, [...path, key]);
      }
    }
  };
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  walk(operation.selectionSet, rootType, data as Record<string, unknown>, expected, reference, []);
  return out;
}

/** The coordinates a document selects (statically). */
function selectedCoordinates(document: DocumentNode, rootType: GraphQLObjectType): Set<string> {
  const fragments = fragmentsOf(document);
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode, type: GraphQLObjectType) => {
    for (const field of fieldsOf(selectionSet, fragments)) {
      if (field.name.value === '__typename') continue;
      const coordinate = `${type.name}.${field.name.value}`;
      const known = seen.has(coordinate);
      seen.add(coordinate);
      if (field.selectionSet && !known) walk(field.selectionSet, getNamedType(type.getFields()[field.name.value]!.type) as GraphQLObjectType);
    }
  };
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  walk(operation.selectionSet, rootType);
  return seen;
}

const isEmpty = (value: unknown): boolean => value === null || value === undefined || (Array.isArray(value) && value.length === 0);

/** A served value: leaves equal the expected value; objects and lists are there exactly when expected (same length). */
function servedAs(value: unknown, expected: unknown): boolean {
  if (isMatcher(expected)) return expected.matches(value);
  if (expected === null || expected === undefined) return value === null;
  if (Array.isArray(expected)) {
    if (!Array.isArray(value) || value.length !== expected.length) return false;
    return expected.every((item, i) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? value[i] !== null : isDeepStrictEqual(value[i], item)));
  }
  if (typeof expected === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return isDeepStrictEqual(value, expected);
}

/** Withheld rows: what nobody gives — null, or a list as long as the reference's with every item null. */
function withheldAs(value: unknown, reference: unknown): boolean {
  if (!Array.isArray(reference)) return value === null;
  return Array.isArray(value) && value.length === reference.length && value.every((item) => item === null);
}

const show = (value: unknown): string => (isMatcher(value) ? value.describe : JSON.stringify(value) ?? 'undefined');

/** One query of a persona's run, its answer, what is expected at each path and the reference principal's answer. */
interface Part { name: string; document: DocumentNode; response: GraphQLResponse; expected: unknown; reference: unknown }

/** Compares a persona's answers to the table; returns every mismatch (empty when all holds). */
/**
 * When `data` is null because denied non-null root fields propagated their null, those root fields (named by
 * UNAUTHORIZED_FIELD_OR_TYPE errors at one-element paths), or null when the response is anything else. The
 * other root fields are checked in a second request without them.
 */
function deniedNonNullRoots(response: GraphQLResponse, rootType: GraphQLObjectType): string[] | null {
  const roots = (response.errors ?? [])
    .filter((e) => e.extensions?.code === UNAUTHORIZED && e.path?.length === 1)
    .map((e) => String(e.path![0]))
    .filter((root) => rootType.getFields()[root] !== undefined && isNonNullType(rootType.getFields()[root]!.type));
  return roots.length > 0 ? roots : null;
}

/** EVERYTHING without the given root fields (each sits on a line of its own there). */
function withoutRoots(document: string, roots: readonly string[]): string {
  const lines = document.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const root = roots.find((name) => lines[i]!.trimStart().startsWith(`${name}(`));
    if (!root) {
      kept.push(lines[i]!);
      continue;
    }
    // Skip the field's selection, up to its closing brace at the same indentation.
    let depth = 0;
    for (; i < lines.length; i++) {
      depth += (lines[i]!.match(/\{/g) ?? []).length - (lines[i]!.match(/\}/g) ?? []).length;
      if (depth <= 0) break;
    }
  }
  // Drop the variables only the removed fields used.
  const document2 = parse(kept.join('\n'));
  const used = new Set<string>();
  visit(document2, { VariableDefinition: () => false, Variable: (node) => { used.add(node.name.value); } });
  return print(visit(document2, {
    OperationDefinition: (node) => ({ ...node, variableDefinitions: node.variableDefinitions?.filter((v) => used.has(v.variable.name.value)) }),
  }));
}

function checkAgainstTable(persona: PersonaName, run: RunKind, parts: Part[], rootType: GraphQLObjectType): string[] {
  const problems: string[] = [];
  const observations: (Observation & { part: Part })[] = [];
  const deniedRoots = new Set<string>();
  for (const part of parts) {
    const { response } = part;
    if (response.status !== 200) problems.push(`[${part.name}] HTTP ${response.status}, expected 200`);
    if (response.data === null || response.data === undefined) {
      const roots = deniedNonNullRoots(response, rootType);
      if (roots === null) problems.push(`[${part.name}] no data at all (a denial nulled the whole response): ${JSON.stringify(response.errors)}`);
      else roots.forEach((root) => deniedRoots.add(`${rootType.name}.${root}`));
      continue;
    }
    observations.push(...observe(part.document, rootType, response.data, part.expected, part.reference).map((o) => ({ ...o, part })));
  }
  const accounted = new Map<Part, Set<number>>(parts.map((part) => [part, new Set<number>()]));
  const byCoordinate = new Map<string, (Observation & { part: Part })[]>();
  for (const o of observations) byCoordinate.set(o.coordinate, [...(byCoordinate.get(o.coordinate) ?? []), o]);

  for (const coordinate of Object.keys(EXPECTED)) {
    const want = expectedOutcome(coordinate, persona, run);
    const seen = byCoordinate.get(coordinate) ?? [];
    if (deniedRoots.has(coordinate)) {
      if (want !== 'D') problems.push(`${coordinate}: expected ${want}, but it was denied`);
      continue;
    }
    if (want === 'U') {
      if (seen.length > 0) problems.push(`${coordinate}: expected unreached, but present at ${seen.map((o) => o.path.join('.')).join(', ')}`);
      continue;
    }
    if (seen.length === 0) {
      problems.push(`${coordinate}: expected ${want}, but it never appears in the response (an ancestor is null or missing)`);
      continue;
    }
    for (const o of seen) {
      const errors = o.part.response.errors ?? [];
      const at = errors.map((e, i) => [e, i] as const).filter(([e]) => isDeepStrictEqual(e.path, o.path));
      at.forEach(([, i]) => accounted.get(o.part)!.add(i));
      const where = o.path.join('.');
      if (want === 'S') {
        if (at.length > 0) problems.push(`${coordinate} at ${where}: expected served, got error(s) ${at.map(([e]) => e.extensions?.code).join(', ')}`);
        else if (!servedAs(o.value, o.expected)) problems.push(`${coordinate} at ${where}: expected served ${show(o.expected)}, got ${show(o.value)}`);
      } else if (want === 'D') {
        const codes = at.map(([e]) => e.extensions?.code);
        if (o.value !== null) problems.push(`${coordinate} at ${where}: expected denied (null), got ${show(o.value)}`);
        if (codes.length !== 1 || codes[0] !== UNAUTHORIZED) problems.push(`${coordinate} at ${where}: expected one ${UNAUTHORIZED} error at its path, got [${codes.join(', ')}]`);
      } else if (want === 'W') {
        if (at.length > 0) problems.push(`${coordinate} at ${where}: expected withheld (silent), got error(s) ${at.map(([e]) => e.extensions?.code).join(', ')}`);
        if (!withheldAs(o.value, o.reference)) problems.push(`${coordinate} at ${where}: expected withheld (null, in a list each item null), got ${show(o.value)}`);
        if (isEmpty(o.reference)) problems.push(`${coordinate} at ${where}: withheld, but the data has no value here either, so the check proves nothing (choose other people)`);
      } else {
        if (at.length > 0) problems.push(`${coordinate} at ${where}: expected masked (silent), got error(s) ${at.map(([e]) => e.extensions?.code).join(', ')}`);
        if (!isEmpty(o.value)) problems.push(`${coordinate} at ${where}: expected masked (null or []), got ${show(o.value)}`);
        if (isEmpty(o.reference)) problems.push(`${coordinate} at ${where}: masked, but the data has no value here either, so the check proves nothing (choose other people)`);
      }
    }
  }
  for (const part of parts) {
    if (part.response.data === null || part.response.data === undefined) continue;
    (part.response.errors ?? []).forEach((e, i) => {
      if (!accounted.get(part)!.has(i)) problems.push(`[${part.name}] unexpected error ${e.extensions?.code} at ${e.path?.join('.') ?? '(no path)'}: ${e.message}`);
    });
  }
  return problems;
}

// =========================================================================================================
// The server, the credentials and the requests
// =========================================================================================================

let seeded: SeededSources;
let server: TestServer;
/** What a deployment created besides the seeded sources (a federation's stores), dropped after it. */
let dropExtra: () => Promise<void> = async () => {};
/** Where the deployment's access-log signing keys are made, one per part: every log here signs its checkpoints. */
let keys: string | null = null;
const logKeyDir = (): string => (keys ??= mkdtempSync(join(tmpdir(), 'samgraf-policies-keys-')));

/**
 * The same table, rows, masking and purposes, asked of the single server and of a federated deployment (each
 * source its own subgraph with its own store, behind the gateway): a client must get the same answers from both.
 */
const DEPLOYMENTS: Record<string, (seeded: SeededSources) => Promise<TestServer>> = {
  'single server': async (sources) => startTestServer(sources.urls, { ...await partAccessLog(logKeyDir(), 'single'), followUp: FOLLOW_UP }),
  'federated: gateway and subgraphs': async (sources) => {
    const names = [GATEWAY_NAME, ...SOURCE_MODULES.map((module) => module.name)];
    const stores = await createTestDatabases(names.map((name) => `store_${name.toLowerCase()}`));
    dropExtra = () => stores.drop();
    return startFederatedTestServer(sources.urls, Object.fromEntries(names.map((name) => [name, stores.urls[`store_${name.toLowerCase()}`]!])), { followUp: FOLLOW_UP }, logKeyDir());
  },
};
const apiKeys: Partial<Record<'partner' | 'incomePartner' | 'partnerWithRelations' | 'partnerNoPurposeMatch', { id: string; key: string }>> = {};
/** The API key a persona of kind apiKey sends. */
const apiKeyOf = (persona: PersonaName): { id: string; key: string } => {
  const key = apiKeys[persona as 'partner' | 'incomePartner'];
  assert.ok(key, `no API key for ${persona}`);
  return key;
};

async function staffToken(claims: Record<string, unknown>): Promise<string> {
  const { staff } = await testIssuers();
  return staff.mint({ sub: 'officer-1', ...claims });
}

async function citizenToken(pnr: string): Promise<string> {
  const { citizen } = await testIssuers();
  return citizen.mint({ sub: pnr });
}

/** The headers a persona sends (over startTestServer's defaults: undefined drops a default header). */
async function personaHeaders(persona: PersonaName, run: RunKind): Promise<Record<string, string | undefined>> {
  const spec = PERSONAS[persona];
  if (spec.kind === 'citizen') {
    const self = run === 'ordinary' ? MAIN.PERSONID : CONFIDENTIAL.PERSONID;
    return { authorization: `Bearer ${await citizenToken(self)}`, 'x-purpose': undefined };
  }
  if (spec.kind === 'apiKey') return { authorization: undefined, 'x-api-key': apiKeyOf(persona).key, 'x-purpose': spec.purpose };
  const token = await staffToken({ sub: `${persona}-1`, org: spec.org, scope: spec.scopes.join(' '), purposes: spec.purposes });
  return { authorization: `Bearer ${token}`, 'x-purpose': spec.purpose };
}

/** What `me` must say, stated from the persona's credentials. */
function expectedPrincipal(persona: PersonaName, run: RunKind): Record<string, unknown> {
  const spec = PERSONAS[persona];
  if (spec.kind === 'citizen') {
    return {
      type: 'CITIZEN', subject: run === 'ordinary' ? MAIN.PERSONID : CONFIDENTIAL.PERSONID, organization: null, scopes: CITIZEN_SCOPE_LIST,
      purposes: ['self-service'], municipality: null, apiKeyId: null, issuer: CITIZEN_ISSUER,
    };
  }
  if (spec.kind === 'apiKey') {
    return {
      type: 'API_KEY', subject: apiKeyOf(persona).id, organization: spec.org, scopes: [...spec.scopes].sort(), purposes: spec.purposes,
      municipality: spec.municipality, apiKeyId: apiKeyOf(persona).id, issuer: null,
    };
  }
  return {
    type: 'STAFF', subject: `${persona}-1`, organization: spec.org, scopes: [...spec.scopes].sort(), purposes: spec.purposes,
    municipality: null, apiKeyId: null, issuer: STAFF_ISSUER,
  };
}

/** POSTs and keeps the body as text, for byte-for-byte comparisons. */
async function rawQuery(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.text() };
}

const codesOf = (response: GraphQLResponse): unknown[] => (response.errors ?? []).map((e) => e.extensions?.code);

for (const [deployment, start] of Object.entries(DEPLOYMENTS)) describe(`access policies (MariaDB, ${deployment})`, () => {
  let rootType: GraphQLObjectType;
  const references = new Map<string, GraphQLResponse>();

  /**
   * The reference principal's answer to the same query (memoised per set of variables): the superuser persona,
   * which is startTestServer's default principal with income:read as well.
   */
  async function reference(variables: RunVariables): Promise<GraphQLResponse> {
    const key = JSON.stringify(variables);
    if (!references.has(key)) references.set(key, await server.query(EVERYTHING, { ...variables }, await personaHeaders('superuser', 'ordinary')));
    return references.get(key)!;
  }

  before(async () => {
    rootType = buildDeclaredSchema().getQueryType()!;
    seeded = await seededSources('mariadb', DATA_SET);
    server = await start(seeded);
    const store = new ApiKeyStore(server.store, CONFIGURED_PURPOSES);
    const partner = PERSONAS.partner as ApiKeyPersona;
    apiKeys.partner = await store.create({ organization: partner.org, name: 'partner', scopes: partner.scopes, purposes: partner.purposes, municipality: partner.municipality, expiresAt: null });
    const incomePartner = PERSONAS.incomePartner as ApiKeyPersona;
    apiKeys.incomePartner = await store.create({
      organization: incomePartner.org, name: 'income partner', scopes: incomePartner.scopes, purposes: incomePartner.purposes, municipality: incomePartner.municipality, expiresAt: null,
    });
    apiKeys.partnerWithRelations = await store.create({
      organization: HOME, name: 'partner with relations', scopes: ['citizen:read', 'citizen:relations:read', 'benefit:read', 'case:read'],
      purposes: ['social-services'], municipality: HOME, expiresAt: null,
    });
    apiKeys.partnerNoPurposeMatch = await store.create({
      organization: HOME, name: 'partner, purposes samgraf does not know', scopes: ['citizen:read'], purposes: ['marketing'], municipality: HOME, expiresAt: null,
    });
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
    await dropExtra();
    if (keys) rmSync(keys, { recursive: true, force: true });
    keys = null;
  });

  // -------------------------------------------------------------------------------------------------------
  describe('1. the field table', () => {
    test('the table names every field of every object type of the schema, and nothing else', () => {
      const schema = buildDeclaredSchema();
      const declared = new Set<string>();
      for (const type of Object.values(schema.getTypeMap())) {
        // The one mutation (reviewFinding, audit:review) changes what it reads: follow-up.test.ts tests who may.
        if (!isObjectType(type) || type.name.startsWith('__') || type === schema.getMutationType()) continue;
        for (const field of Object.keys(type.getFields())) declared.add(`${type.name}.${field}`);
      }
      const tabled = new Set(Object.keys(EXPECTED));
      assert.deepEqual([...declared].filter((c) => !tabled.has(c)).sort(), [], 'fields of the schema without an expected outcome: add them to EXPECTED');
      assert.deepEqual([...tabled].filter((c) => !declared.has(c)).sort(), [], 'EXPECTED names fields the schema does not have');
    });

    test('the query selects every field of the schema', () => {
      const selected = new Set(Object.values(QUERIES).flatMap((query) => [...selectedCoordinates(parse(query), rootType)]));
      assert.deepEqual(Object.keys(EXPECTED).filter((c) => !selected.has(c)).sort(), [], 'add these fields to the queries');
    });

    test('the chosen people are what the table needs, and the reference answers match the legacy rows', async () => {
      assert.ok(EXTRAS.every((p) => p.KOMMUNKOD === HOME) && MAIN.KOMMUNKOD === HOME);
      for (const run of ['ordinary', 'protected'] as const) {
        for (const persona of ['superuser', 'citizen'] as const) {
          const ref = await reference(runVariables(persona, run));
          assert.equal(ref.status, 200);
          assert.equal(ref.errors, undefined, `the reference principal reads everything: ${JSON.stringify(ref.errors)}`);
        }
      }
      const ref = (await reference(runVariables('superuser', 'ordinary'))).data as any;
      // Every field has a non-null (non-empty) value somewhere, so that served, masked and denied differ.
      const observations = observe(parse(EVERYTHING), rootType, ref, ref, ref);
      const alwaysEmpty = Object.keys(EXPECTED).filter((c) => !c.startsWith('Principal.') && !VOLATILE_TYPES.includes(c.split('.')[0]!) && !c.startsWith('Query.auditEvents') && !c.startsWith('Query.myAccessLog') && !c.startsWith('Query.auditChains') && !c.startsWith('Query.auditFindings') && !observations.some((o) => o.coordinate === c && !isEmpty(o.value)));
      assert.deepEqual(alwaysEmpty, [], 'fields that are null/empty for every chosen person');

      // Spot checks against the legacy rows.
      assert.equal(ref.citizen.personalNumber, MAIN.PERSONID);
      assert.equal(ref.citizen.givenNames, MAIN.FORNAMN);
      assert.equal(ref.citizen.familyName, MAIN.EFTERNAMN);
      assert.equal(ref.citizen.address.street, MAIN.UTDELNINGSADRESS);
      assert.equal(ref.citizen.address.postalCode, MAIN.POSTNR);
      assert.equal(ref.citizen.municipalityCode, MAIN.KOMMUNKOD);
      assert.equal(ref.citizen.countyCode, MAIN.LANKOD);
      assert.deepEqual(ref.citizen.relations.map((x: any) => x.citizen.personalNumber).sort(), relationsOf(MAIN.PERSONID).map((x) => x.RELID).sort());
      assert.deepEqual(ref.citizen.benefits.map((b: any) => b.id).sort(), decisionsOf(MAIN.PERSONID).map((b) => String(b.BESLUT_ID)).sort());
      assert.deepEqual(ref.citizen.cases.map((c: any) => c.id).sort(), casesOf(MAIN.PERSONID).map((c) => c.ARENDE_ID).sort());
      assert.equal(ref.case.notes, MAIN_CASE.ANTECKNING);
      assert.equal(ref.benefit.amount.minorUnits, Number(MAIN_DECISION.BELOPP_ORE));
      assert.deepEqual(ref.benefit.payments.map((p: any) => p.id), paymentsOf(MAIN_DECISION.BESLUT_ID).map((p) => String(p.UTBET_ID)));
      assert.deepEqual(ref.citizens.map((c: any) => c.personalNumber), [MAIN.PERSONID, ...EXTRAS.map((p) => p.PERSONID)]);
      const yearMonth = (period: string) => `${period.slice(0, 4)}-${period.slice(4)}`;
      assert.deepEqual(ref.citizen.incomes.map((s: any) => s.period).sort(), incomesOf(MAIN.PERSONID).map((s) => yearMonth(s.redovisningsperiod)).sort());
      assert.ok(ref.citizen.incomes.every((s: any) => s.citizen.personalNumber === MAIN.PERSONID));

      const prot = (await reference(runVariables('superuser', 'protected'))).data as any;
      assert.equal(prot.citizen.protectedIdentity, 'CONFIDENTIALITY_MARKING');
      assert.equal(prot.citizens[1].protectedIdentity, 'PROTECTED_REGISTRATION');
      for (const c of prot.citizens) {
        assert.ok(c.address !== null && c.municipalityCode !== null && c.countyCode !== null && c.relations.length > 0, 'protected people chosen with data to mask');
      }
    });

    for (const persona of PERSONA_NAMES) {
      for (const run of ['ordinary', 'protected'] as const) {
        test(`${persona}, ${run === 'ordinary' ? 'on ordinary people' : 'on people with a protected identity'}: every field as the table says`, async () => {
          const variables = runVariables(persona, run);
          const ref = await reference(variables);
          const expected = structuredClone(ref.data) as any;
          expected.me = expectedPrincipal(persona, run);
          if (persona === 'citizen') {
            // The municipality's listing, as a citizen sees it: only themself (everyone else behaves as absent).
            const self = expected.citizen;
            expected.citizensByMunicipality = {
              edges: [{ cursor: { matches: (v: unknown) => typeof v === 'string' && v.length > 0, describe: 'a cursor' }, node: { personalNumber: self.personalNumber, givenNames: self.givenNames } }],
              pageInfo: { hasNextPage: false, endCursor: null as unknown },
            };
          }
          const headers = await personaHeaders(persona, run);
          const response = await server.query(EVERYTHING, { ...variables }, headers);
          if (persona === 'citizen') {
            const lastCursor = (response.data as any)?.citizensByMunicipality?.edges?.at(-1)?.cursor ?? null;
            expected.citizensByMunicipality.pageInfo.endCursor = {
              matches: (v: unknown) => v === (lastCursor ?? null) && lastCursor !== null,
              describe: 'the cursor of the only edge (the citizen themself)',
            };
          }
          const parts: Part[] = [{ name: 'everything', document: parse(EVERYTHING), response, expected, reference: ref.data }];
          // A denied non-null root field nulls `data` (and may hide the others' errors): ask again without it,
          // until the remaining root fields answer.
          let current = response;
          const removed: string[] = [];
          for (let round = 0; round < 4 && current.data === null; round++) {
            const denied = deniedNonNullRoots(current, rootType);
            if (!denied) break;
            removed.push(...denied);
            const rest = withoutRoots(EVERYTHING, removed);
            current = await server.query(rest, { ...variables }, headers);
            parts.push({ name: `everything but ${removed.join(', ')}`, document: parse(rest), response: current, expected, reference: ref.data });
          }
          for (const name of ['auditLog', 'myAccessLog', 'auditChains', 'auditFindings'] as const) {
            // Volatile answers: expected is the answer itself, so "served" checks presence without an error.
            const logResponse = await server.query(QUERIES[name], {}, headers);
            parts.push({ name, document: parse(QUERIES[name]), response: logResponse, expected: logResponse.data, reference: logResponse.data });
          }
          const problems = checkAgainstTable(persona, run, parts, rootType);
          assert.deepEqual(problems, [], `${persona} (${run}): ${problems.length} mismatch(es) with the table`);
        });
      }
    }
  });

  // -------------------------------------------------------------------------------------------------------
  describe('2. rows: out of sight is exactly like non-existent', () => {
    const ONE = 'query One($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber givenNames familyName benefits { id } } }';
    const MANY = 'query Many($pnrs: [String!]!) { citizens(personalNumbers: $pnrs) { personalNumber givenNames } }';
    const BENEFIT = 'query B($id: ID!) { benefit(id: $id) { id type amount { amount } citizen { personalNumber } } }';
    const CASE = 'query C($id: ID!) { case(id: $id) { id status citizen { personalNumber } } }';
    const LIST = 'query L($code: String!) { citizensByMunicipality(code: $code, first: 5) { edges { cursor node { personalNumber } } pageInfo { hasNextPage endCursor } } }';

    const elsewhereDecision = () => String(decisionsOf(ELSEWHERE.PERSONID)[0]!.BESLUT_ID);
    const elsewhereCase = () => casesOf(ELSEWHERE.PERSONID)[0]!.ARENDE_ID;

    async function municipalityBound(kind: 'apiKey' | 'staff'): Promise<Record<string, string>> {
      if (kind === 'apiKey') return { 'x-api-key': apiKeys.partnerWithRelations!.key, 'x-purpose': 'social-services' };
      const token = await staffToken({ org: HOME, municipality: HOME, scope: 'citizen:read citizen:relations:read benefit:read case:read', purposes: ['social-services'] });
      return { authorization: `Bearer ${token}`, 'x-purpose': 'social-services' };
    }

    async function sameAsNobody(headers: Record<string, string>, query: string, hidden: Record<string, unknown>, absent: Record<string, unknown>, rootField: string) {
      const [a, b] = [await rawQuery(query, hidden, headers), await rawQuery(query, absent, headers)];
      assert.equal(a.status, 200);
      assert.equal(a.body, b.body, 'a person out of sight answers exactly like a non-existent one');
      const parsed = JSON.parse(a.body);
      assert.equal(parsed.errors, undefined);
      return parsed.data[rootField];
    }

    for (const kind of ['apiKey', 'staff'] as const) {
      test(`a principal bound to ${HOME} (${kind === 'apiKey' ? 'API key' : 'staff JWT with municipality'}): another municipality's citizen, benefit and case are null, as for nobody`, async () => {
        const headers = await municipalityBound(kind);
        // Sanity: the reference principal sees the person and their records.
        const seen = await server.query(ONE, { pnr: ELSEWHERE.PERSONID });
        assert.equal(seen.data?.citizen?.personalNumber, ELSEWHERE.PERSONID);

        assert.equal(await sameAsNobody(headers, ONE, { pnr: ELSEWHERE.PERSONID }, { pnr: NOBODY }, 'citizen'), null);
        // The 10-digit form with separator reaches the same person.
        const tenDigit = `${ELSEWHERE.PERSONID.slice(2, 8)}-${ELSEWHERE.PERSONID.slice(8)}`;
        assert.equal(await sameAsNobody(headers, ONE, { pnr: tenDigit }, { pnr: `${NOBODY.slice(2, 8)}-${NOBODY.slice(8)}` }, 'citizen'), null);

        const visible = MAIN.PERSONID;
        const many = await sameAsNobody(headers, MANY, { pnrs: [visible, ELSEWHERE.PERSONID] }, { pnrs: [visible, NOBODY] }, 'citizens');
        assert.deepEqual(many.map((c: any) => c?.personalNumber ?? null), [visible, null]);

        assert.equal(await sameAsNobody(headers, BENEFIT, { id: elsewhereDecision() }, { id: NO_DECISION_ID }, 'benefit'), null);
        assert.equal(await sameAsNobody(headers, CASE, { id: elsewhereCase() }, { id: NO_CASE_ID }, 'case'), null);

        const list = await sameAsNobody(headers, LIST, { code: ELSEWHERE_MUNICIPALITY }, { code: EMPTY_MUNICIPALITY }, 'citizensByMunicipality');
        assert.deepEqual(list, { edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
        // Its own municipality is listed.
        const own = JSON.parse((await rawQuery(LIST, { code: HOME }, headers)).body);
        assert.equal(own.data?.citizensByMunicipality.edges.length, 5);
      });

      test(`a principal bound to ${HOME} (${kind === 'apiKey' ? 'API key' : 'staff JWT with municipality'}): Relation.citizen to a relative elsewhere is null, without an error`, async () => {
        const headers = await municipalityBound(kind);
        const query = 'query R($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber relations { type citizen { personalNumber givenNames } } } }';
        const all = await server.query(query, { pnr: HOME_WITH_RELATIVE_ELSEWHERE.PERSONID });
        const bound = await rawQuery(query, { pnr: HOME_WITH_RELATIVE_ELSEWHERE.PERSONID }, headers);
        assert.equal(bound.status, 200);
        const parsed = JSON.parse(bound.body);
        assert.equal(parsed.errors, undefined);
        const relatives = relativesOf(HOME_WITH_RELATIVE_ELSEWHERE.PERSONID);
        const relations = parsed.data.citizen.relations as { type: string; citizen: { personalNumber: string } | null }[];
        assert.equal(relations.length, all.data.citizen.relations.length, 'the relations themselves are the citizen\'s own data');
        all.data.citizen.relations.forEach((full: any, i: number) => {
          const relative = relatives.find((p) => p.PERSONID === full.citizen.personalNumber)!;
          assert.equal(relations[i]!.type, full.type);
          if (relative.KOMMUNKOD === HOME) assert.equal(relations[i]!.citizen?.personalNumber, relative.PERSONID);
          else {
            assert.equal(relations[i]!.citizen, null, 'a relative out of sight is null');
            assert.ok(!bound.body.includes(relative.PERSONID) && !bound.body.includes(relative.FORNAMN), 'nothing of the relative appears');
          }
        });
      });
    }

    test('a citizen asking for somebody else gets exactly what a non-existent number gives', async () => {
      const headers = { authorization: `Bearer ${await citizenToken(MAIN.PERSONID)}` };
      assert.equal(await sameAsNobody(headers, ONE, { pnr: ELSEWHERE.PERSONID }, { pnr: NOBODY }, 'citizen'), null);
      const neighbour = EXTRAS[0]!.PERSONID; // same municipality, still somebody else
      assert.equal(await sameAsNobody(headers, ONE, { pnr: neighbour }, { pnr: NOBODY }, 'citizen'), null);
      const many = await sameAsNobody(headers, MANY, { pnrs: [MAIN.PERSONID, ELSEWHERE.PERSONID] }, { pnrs: [MAIN.PERSONID, NOBODY] }, 'citizens');
      assert.deepEqual(many.map((c: any) => c?.personalNumber ?? null), [MAIN.PERSONID, null]);
      assert.equal(await sameAsNobody(headers, BENEFIT, { id: elsewhereDecision() }, { id: NO_DECISION_ID }, 'benefit'), null);
      assert.equal(await sameAsNobody(headers, CASE, { id: elsewhereCase() }, { id: NO_CASE_ID }, 'case'), null);
      // Their own records are there.
      const own = await server.query(BENEFIT, { id: String(MAIN_DECISION.BESLUT_ID) }, { ...headers, 'x-purpose': undefined });
      assert.equal(own.data?.benefit?.id, String(MAIN_DECISION.BESLUT_ID));
    });

    test('a citizen listing another municipality gets exactly what an empty one gives', async () => {
      const headers = { authorization: `Bearer ${await citizenToken(MAIN.PERSONID)}` };
      const others = await rawQuery(LIST, { code: ELSEWHERE_MUNICIPALITY }, headers);
      const empty = await rawQuery(LIST, { code: EMPTY_MUNICIPALITY }, headers);
      assert.deepEqual(JSON.parse(empty.body).data.citizensByMunicipality, { edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
      assert.equal(others.body, empty.body, 'another municipality answers exactly like an empty one');
    });

    test('a citizen listing their own municipality sees only themself, and nothing of anybody else (not even in a cursor)', async () => {
      const headers = { authorization: `Bearer ${await citizenToken(MAIN.PERSONID)}` };
      const home = await rawQuery(LIST, { code: HOME }, headers);
      const connection = JSON.parse(home.body).data.citizensByMunicipality;
      assert.deepEqual(connection.edges.map((e: any) => e.node.personalNumber), [MAIN.PERSONID], 'only the citizen themself');
      assert.equal(connection.pageInfo.hasNextPage, false, 'nobody else exists for a citizen');
      assert.equal(connection.pageInfo.endCursor, connection.edges.at(-1)?.cursor ?? null, 'the end cursor is the last edge\'s');
      const leaked = DATA.FB_PERSON.filter((p) => p.PERSONID !== MAIN.PERSONID).map((p) => p.PERSONID)
        .filter((pnr) => home.body.includes(pnr) || decodedCursors(home.body).some((c) => c.includes(pnr)));
      assert.deepEqual(leaked, [], 'other people\'s personal numbers in the answer (cursors decoded as base64url)');
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe('3. protected identities', () => {
    const QUERY = `query P($pnr: String!) { citizen(personalNumber: $pnr) {
      personalNumber givenNames protectedIdentity address { street postalCode city } municipalityCode countyCode
      relations { type citizen { personalNumber } } } }`;
    const withoutProtected = () => staffToken({ org: 'SKV', scope: 'citizen:read citizen:address:read citizen:relations:read', purposes: ['social-services'] });
    const withProtected = () => staffToken({ org: 'SKV', scope: 'citizen:read citizen:address:read citizen:relations:read citizen:protected:read', purposes: ['social-services'] });

    for (const [label, person, marking] of [
      ['SEKRETESS = J', () => CONFIDENTIAL, 'CONFIDENTIALITY_MARKING'],
      ['SKYDDAD_FB = J', () => PROTECTED_REGISTRATION, 'PROTECTED_REGISTRATION'],
    ] as const) {
      test(`${label}: without citizen:protected:read address, municipality, county and relations are silently empty; with it, real`, async () => {
        const p = person();
        const hidden = await server.query(QUERY, { pnr: p.PERSONID }, { authorization: `Bearer ${await withoutProtected()}`, 'x-purpose': 'social-services' });
        assert.equal(hidden.status, 200);
        assert.equal(hidden.errors, undefined, 'masking is silent');
        assert.deepEqual(hidden.data.citizen, {
          personalNumber: p.PERSONID, givenNames: p.FORNAMN, protectedIdentity: marking,
          address: null, municipalityCode: null, countyCode: null, relations: [],
        });

        const shown = await server.query(QUERY, { pnr: p.PERSONID }, { authorization: `Bearer ${await withProtected()}`, 'x-purpose': 'social-services' });
        assert.equal(shown.errors, undefined);
        const c = shown.data.citizen;
        assert.equal(c.address.street, p.UTDELNINGSADRESS);
        assert.equal(c.address.postalCode, p.POSTNR);
        assert.equal(c.address.city.toUpperCase(), p.POSTORT!.toUpperCase());
        assert.equal(c.municipalityCode, p.KOMMUNKOD);
        assert.equal(c.countyCode, p.LANKOD);
        assert.deepEqual(c.relations.map((x: any) => x.citizen.personalNumber).sort(), relationsOf(p.PERSONID).map((x) => x.RELID).sort());
      });
    }

    test('a relation to a protected person is left out, and nothing of that person appears anywhere in the answer', async () => {
      const person = RELATED_TO_PROTECTED;
      const protectedRelatives = relativesOf(person.PERSONID).filter(isProtected);
      const ordinaryRelatives = relativesOf(person.PERSONID).filter((r) => !isProtected(r));
      const query = `query T($pnr: String!) { citizen(personalNumber: $pnr) {
        personalNumber relations { type citizen { personalNumber givenNames familyName address { street postalCode city } municipalityCode relations { type citizen { personalNumber } } } } } }`;
      const body = (await rawQuery(query, { pnr: person.PERSONID }, { authorization: `Bearer ${await withoutProtected()}`, 'x-purpose': 'social-services' })).body;
      const parsed = JSON.parse(body);
      assert.equal(parsed.errors, undefined, 'silently');
      assert.deepEqual(parsed.data.citizen.relations.map((x: any) => x.citizen?.personalNumber).sort(), ordinaryRelatives.map((p) => p.PERSONID).sort());
      // Streets the answer may rightly hold: the ordinary relatives' own (a household may share one).
      const sharedStreets = new Set(ordinaryRelatives.map((p) => p.UTDELNINGSADRESS));
      for (const relative of protectedRelatives) {
        assert.ok(!body.includes(relative.PERSONID), 'the protected relative\'s personal number appears in the answer');
        if (relative.UTDELNINGSADRESS !== null && !sharedStreets.has(relative.UTDELNINGSADRESS)) {
          assert.ok(!body.includes(relative.UTDELNINGSADRESS), 'the protected relative\'s street appears in the answer');
        }
      }
      // With citizen:protected:read the relation is there (so the check above tested something).
      const full = await server.query(query, { pnr: person.PERSONID }, { authorization: `Bearer ${await withProtected()}`, 'x-purpose': 'social-services' });
      assert.deepEqual(full.data.citizen.relations.map((x: any) => x.citizen.personalNumber).sort(), relationsOf(person.PERSONID).map((x) => x.RELID).sort());
    });

    test('a principal bound to a municipality: a relation to a protected person registered elsewhere is left out too', async () => {
      const person = HOME_WITH_PROTECTED_RELATIVE_ELSEWHERE;
      const query = 'query R($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber relations { type citizen { personalNumber } } } }';
      const ordinary = relativesOf(person.PERSONID).filter((r) => !isProtected(r));
      const unbound = await staffToken({ org: 'SKV', scope: 'citizen:read citizen:relations:read', purposes: ['social-services'] });
      const plain = await server.query(query, { pnr: person.PERSONID }, { authorization: `Bearer ${unbound}`, 'x-purpose': 'social-services' });
      assert.equal(plain.errors, undefined);
      assert.equal(plain.data.citizen.relations.length, ordinary.length, 'without a municipality the relation is left out (sanity)');

      const bound = await rawQuery(query, { pnr: person.PERSONID }, { 'x-api-key': apiKeys.partnerWithRelations!.key, 'x-purpose': 'social-services' });
      const parsed = JSON.parse(bound.body);
      assert.equal(parsed.errors, undefined);
      assert.equal(parsed.data.citizen.personalNumber, person.PERSONID);
      const shown = parsed.data.citizen.relations as { type: string; citizen: { personalNumber: string } | null }[];
      assert.equal(shown.length, ordinary.length,
        `only the relations to unprotected people may be listed, got ${JSON.stringify(shown)} (protected relatives elsewhere: ${relativesOf(person.PERSONID).filter(isProtected).length})`);
    });

    test('reached the other way round — through citizens(), benefits and cases — the protected person\'s relations stay hidden', async () => {
      const p = CONFIDENTIAL;
      const query = `query X($pnrs: [String!]!, $id: ID!, $caseId: ID!) {
        citizens(personalNumbers: $pnrs) { personalNumber address { street } municipalityCode relations { type } }
        benefit(id: $id) { citizen { personalNumber address { street } countyCode relations { type } } }
        case(id: $caseId) { citizen { personalNumber address { street } municipalityCode relations { type } } } }`;
      const token = await staffToken({ org: 'SKV', scope: 'citizen:read citizen:address:read citizen:relations:read benefit:read case:read', purposes: ['social-services'] });
      const response = await rawQuery(query, { pnrs: [p.PERSONID], id: String(CONFIDENTIAL_DECISION.BESLUT_ID), caseId: CONFIDENTIAL_CASE.ARENDE_ID },
        { authorization: `Bearer ${token}`, 'x-purpose': 'social-services' });
      const parsed = JSON.parse(response.body);
      assert.equal(parsed.errors, undefined);
      assert.deepEqual(parsed.data, {
        citizens: [{ personalNumber: p.PERSONID, address: null, municipalityCode: null, relations: [] }],
        benefit: { citizen: { personalNumber: p.PERSONID, address: null, countyCode: null, relations: [] } },
        case: { citizen: { personalNumber: p.PERSONID, address: null, municipalityCode: null, relations: [] } },
      });
      assert.ok(!response.body.includes(p.UTDELNINGSADRESS!), 'the street never appears');
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe('4. purposes of use', () => {
    const READ = 'query { citizen(personalNumber: "PNR") { personalNumber givenNames } }';
    const read = () => READ.replace('PNR', MAIN.PERSONID);

    function assertRefused(response: GraphQLResponse, code: string) {
      assert.deepEqual(codesOf(response), [code]);
      assert.ok(response.data === undefined || response.data === null, `no data: ${JSON.stringify(response.data)}`);
      assert.ok(!JSON.stringify(response).includes(MAIN.PERSONID), 'nothing personal in a refusal');
    }
    function assertServed(response: GraphQLResponse<any>) {
      assert.equal(response.status, 200);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data?.citizen?.personalNumber, MAIN.PERSONID);
    }

    test('no purpose at all → PURPOSE_REQUIRED, no data (also through fragments, aliases and beside `me`)', async () => {
      const headers = { authorization: `Bearer ${await staffToken({ org: 'FK', scope: 'citizen:read' })}`, 'x-purpose': undefined };
      assertRefused(await server.query(read(), {}, headers), 'PURPOSE_REQUIRED');
      assertRefused(await server.query(read(), {}, { ...headers, 'x-purpose': '   ' }), 'PURPOSE_REQUIRED');
      assertRefused(await server.query(`query { me { type } citizen(personalNumber: "${MAIN.PERSONID}") { personalNumber } }`, {}, headers), 'PURPOSE_REQUIRED');
      assertRefused(await server.query(`query { ...F } fragment F on Query { x: citizen(personalNumber: "${MAIN.PERSONID}") { personalNumber } }`, {}, headers), 'PURPOSE_REQUIRED');
      assertRefused(await server.query(`query { ... on Query { citizens(personalNumbers: ["${MAIN.PERSONID}"]) { personalNumber } } }`, {}, headers), 'PURPOSE_REQUIRED');
      const apiKey = { authorization: undefined, 'x-api-key': apiKeys.partner!.key, 'x-purpose': undefined };
      assertRefused(await server.query(read(), {}, apiKey), 'PURPOSE_REQUIRED');
    });

    test('a purpose outside the token\'s `purposes` claim → PURPOSE_NOT_ALLOWED; inside it → served', async () => {
      const token = await staffToken({ org: 'FK', scope: 'citizen:read', purposes: ['benefit-assessment'] });
      assertRefused(await server.query(read(), {}, { authorization: `Bearer ${token}`, 'x-purpose': 'employment-support' }), 'PURPOSE_NOT_ALLOWED');
      assertServed(await server.query(read(), {}, { authorization: `Bearer ${token}`, 'x-purpose': 'benefit-assessment' }));
    });

    test('a purpose outside the API key\'s purposes → PURPOSE_NOT_ALLOWED; inside them → served', async () => {
      const key = { authorization: undefined, 'x-api-key': apiKeys.partner!.key };
      assertRefused(await server.query(read(), {}, { ...key, 'x-purpose': 'benefit-assessment' }), 'PURPOSE_NOT_ALLOWED');
      assertServed(await server.query(read(), {}, { ...key, 'x-purpose': 'social-services' }));
    });

    test('a purpose outside the configured list → PURPOSE_UNKNOWN (told apart from PURPOSE_NOT_ALLOWED), even when the credential names it', async () => {
      const open = await staffToken({ org: 'FK', scope: 'citizen:read' }); // no `purposes` claim: the configured ones
      assertRefused(await server.query(read(), {}, { authorization: `Bearer ${open}`, 'x-purpose': 'marketing' }), 'PURPOSE_UNKNOWN');
      const claiming = await staffToken({ org: 'FK', scope: 'citizen:read', purposes: ['marketing', 'benefit-assessment'] });
      assertRefused(await server.query(read(), {}, { authorization: `Bearer ${claiming}`, 'x-purpose': 'marketing' }), 'PURPOSE_UNKNOWN');
      const bound = await staffToken({ org: 'FK', scope: 'citizen:read', purpose: 'marketing' });
      assertRefused(await server.query(read(), {}, { authorization: `Bearer ${bound}`, 'x-purpose': undefined }), 'PURPOSE_UNKNOWN');
      const key = { authorization: undefined, 'x-api-key': apiKeys.partnerNoPurposeMatch!.key, 'x-purpose': 'marketing' };
      assertRefused(await server.query(read(), {}, key), 'PURPOSE_UNKNOWN');
    });

    test('the token\'s `purpose` claim serves without a header; a header contradicting it → PURPOSE_NOT_ALLOWED', async () => {
      const bound = await staffToken({ org: 'FK', scope: 'citizen:read', purpose: 'benefit-assessment' });
      assertServed(await server.query(read(), {}, { authorization: `Bearer ${bound}`, 'x-purpose': undefined }));
      assertServed(await server.query(read(), {}, { authorization: `Bearer ${bound}`, 'x-purpose': 'benefit-assessment' }));
      assertRefused(await server.query(read(), {}, { authorization: `Bearer ${bound}`, 'x-purpose': 'employment-support' }), 'PURPOSE_NOT_ALLOWED');
      // A bound purpose must itself be one of the token's allowed purposes.
      const outside = await staffToken({ org: 'FK', scope: 'citizen:read', purpose: 'audit', purposes: ['benefit-assessment'] });
      assertRefused(await server.query(read(), {}, { authorization: `Bearer ${outside}`, 'x-purpose': undefined }), 'PURPOSE_NOT_ALLOWED');
    });

    test('a citizen needs no header (self-service), may state self-service, and is refused any other purpose', async () => {
      const token = `Bearer ${await citizenToken(MAIN.PERSONID)}`;
      assertServed(await server.query(read(), {}, { authorization: token, 'x-purpose': undefined }));
      assertServed(await server.query(read(), {}, { authorization: token, 'x-purpose': 'self-service' }));
      assertRefused(await server.query(read(), {}, { authorization: token, 'x-purpose': 'benefit-assessment' }), 'PURPOSE_NOT_ALLOWED');
      assertRefused(await server.query(read(), {}, { authorization: token, 'x-purpose': 'social-services' }), 'PURPOSE_NOT_ALLOWED');
    });

    test('`me` and `{ __typename }` need no purpose', async () => {
      const token = await staffToken({ org: 'IMY', scope: 'audit:read', purposes: ['audit'] });
      const me = await server.query('{ me { type organization purposes } }', {}, { authorization: `Bearer ${token}`, 'x-purpose': undefined });
      assert.equal(me.status, 200);
      assert.equal(me.errors, undefined);
      assert.deepEqual(me.data, { me: { type: 'STAFF', organization: 'IMY', purposes: ['audit'] } });
      const typename = await server.query('{ __typename }', {}, { authorization: `Bearer ${token}`, 'x-purpose': undefined });
      assert.deepEqual([typename.status, typename.errors, typename.data], [200, undefined, { __typename: 'Query' }]);
      const citizen = await server.query('{ me { type subject } }', {}, { authorization: `Bearer ${await citizenToken(MAIN.PERSONID)}`, 'x-purpose': undefined });
      assert.deepEqual(citizen.data, { me: { type: 'CITIZEN', subject: MAIN.PERSONID } });
    });
  });
});

/** Every base64url-looking token of the body, decoded (to find personal numbers hidden in opaque cursors). */
function decodedCursors(body: string): string[] {
  return [...body.matchAll(/"([A-Za-z0-9_-]{8,})"/g)].map((m) => Buffer.from(m[1]!, 'base64url').toString('latin1'));
}
