/**
 * The access log end to end, on MariaDB (legacy sources and samgraf's store), against product.md
 * "The access log" and the AuditEvent / AccessLogEntry types:
 *
 * 1. Completeness: a scripted, deterministic mix of requests from every persona, each with its own
 *    X-Request-Id. Every request that reads personal data, or is refused it, has exactly one event; `me`,
 *    `__typename`-only and unauthenticated requests have none. Each event is checked against what the
 *    response itself shows (tests/helpers/access-log-expect.ts works out subjects, categories, fields read,
 *    denied and masked from the response JSON and the query), and against the request (principal, purpose,
 *    legal basis, case reference, operation name, SHA-256 of the document, outcome).
 * 2. Tamper detection with `samgraf audit verify`: edits, deletions, insertions, reordering and subject-index
 *    edits each exit non-zero naming the first bad event; the state is restored (and re-verified) after each.
 * 3. `auditEvents`: filters, newest first, cursor pagination, bad cursors, refusal without `audit:read`, and
 *    reading the log being logged.
 * 4. `myAccessLog`: organisations, purposes and data categories per read, no officer identity, own reads left
 *    out, date filters, pagination, refusal for staff.
 * 5. `samgraf audit export` as JSONL and CSV, with the hash chain recomputed from the export.
 * 6. Retention: `samgraf audit prune` deletes what is older than accessLog.retentionDays, nothing younger,
 *    and the log still verifies.
 *
 * The tests share one server and store and run in file order (1, 3, 4, 5, then 2, which restores the state it
 * tampers with, then 6). Nothing here asserts on timing.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { GraphQLObjectType } from 'graphql';
import type { Knex } from 'knex';
import { decodeDecisionPersonalNumber } from '../sources/social-insurance/mapping.js';
import type { FkBeslutRow } from '../sources/social-insurance/tables.js';
import { chainHash, GENESIS_HASH, type AuditEvent, type DataCategory, type EventDraft, type EventPrincipal } from '../src/access-log/event.js';
import { chainEndOf, fromRow, toRow, type EventRow } from '../src/access-log/store.js';
import { AuditWriter } from '../src/access-log/writer.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber, toTenDigitForm } from '../src/core/personal-number.js';
import { buildDeclaredSchema } from '../src/schema.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import {
  analyseResponse, outcomeByRules, parseCsv, sortedCategories, stockholmDate, stockholmNoonDaysAgo, withOffset, type Outcome,
} from './helpers/access-log-expect.js';
import { runCli } from './helpers/cli.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers, type TestIssuer } from './helpers/tokens.js';

const PURPOSES = ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'];
const RETENTION_DAYS = 30;
const HOME = '0180';
const UNAUTHORIZED = 'UNAUTHORIZED_FIELD_OR_TYPE';
const schema = buildDeclaredSchema();

// Staff personas (claims of their JWTs).
const FK_CASEWORKER = { sub: 'fk-hl-1001', org: 'FK', scope: 'citizen:read citizen:address:read citizen:relations:read benefit:read benefit:amount:read', purposes: ['benefit-assessment'] };
const FK_NOTES_OFFICER = { sub: 'fk-hl-1002', org: 'FK', scope: 'citizen:read case:read case:notes:read', purposes: ['benefit-assessment'] };
const AF_OFFICER = { sub: 'af-hl-2002', org: 'AF', scope: 'citizen:read case:read case:notes:read', purposes: ['employment-support'] };
const AUDITOR = { sub: 'isp-granskare-1', org: 'ISP', scope: 'audit:read', purposes: ['audit'] };
/** startTestServer's default principal: an AF officer with every scope. */
const SUPERUSER_SUB = 'test-officer';
/** Officers of the events written straight into the log (history), for myAccessLog. */
const HISTORY_OFFICERS = { FK: 'fk-hl-9001', AF: 'af-hl-9002', SKV: 'skv-hl-9003' };

type Headers = Record<string, string | undefined>;

interface Persona {
  name: string;
  principal: EventPrincipal;
  protectedScope: boolean;
  defaultPurpose: string | undefined;
  headers(purpose: string | undefined): Promise<Headers>;
}

interface EventExpectation {
  outcome: Outcome;
  /** Personal numbers withheld by a row restriction. */
  withheld?: string[];
  /** Masked coordinates the response cannot show (a protected relative left out of a list). */
  extraMasked?: string[];
  /** The recorded purpose; 'stated-or-null' where a refused purpose may or may not be recorded. */
  purpose: string | null | 'stated-or-null';
  status?: number;
  refusal?: 'PURPOSE_REQUIRED' | 'PURPOSE_NOT_ALLOWED';
}

interface Step {
  label: string;
  persona: Persona | null;
  query: string;
  variables?: Record<string, unknown>;
  /** Overrides the persona's purpose; null sends none. */
  purpose?: string | null;
  legalBasis?: string;
  caseReference?: string;
  /** null: the request must not produce an event. */
  expect: EventExpectation | null;
  status?: number;
}

interface Done {
  step: Step;
  requestId: string;
  response: GraphQLResponse<any>;
}

describe('access log (MariaDB)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let store: Knex;
  let dir: string;
  let configFile: string;
  let issuers: { staff: TestIssuer; citizen: TestIssuer };
  let partnerKey: { id: string; key: string };
  let history: AuditWriter;

  // Fixtures, chosen from the legacy rows.
  const protectedPersons = new Set<string>();
  const benefitOwner = new Map<string, string>();
  const caseOwner = new Map<string, string>();
  const municipalityOf = new Map<string, string>();
  /** The citizen whose access log section 4 reads: in 0180, with benefits and cases. */
  let C: string;
  /** A second such citizen. */
  let D: string;
  let stockholmers: string[];
  let outsiders: string[];
  let fkTargets: string[];
  let afCases: string[];
  let fkNotesCases: string[];
  let protectedPerson: string;
  let relativeOfProtected: string;
  let benefitOfD: string;
  let nobody: string;
  let invalidNumber: string;

  let requestCounter = 0;
  const rid = (label: string) => `t-${label}-${++requestCounter}`;
  const mix: Done[] = [];

  // ---------------------------------------------------------------------------------------------------
  // Personas and requests
  // ---------------------------------------------------------------------------------------------------

  function staffPersona(name: string, claims: { sub: string; org: string; scope: string; purposes: string[] }): Persona {
    return {
      name,
      principal: { type: 'STAFF', subject: claims.sub, organization: claims.org, apiKeyId: null },
      protectedScope: claims.scope.split(' ').includes('citizen:protected:read'),
      defaultPurpose: claims.purposes[0],
      headers: async (purpose) => ({ authorization: `Bearer ${await issuers.staff.mint(claims)}`, 'x-purpose': purpose }),
    };
  }
  const fk = () => staffPersona('FK caseworker', FK_CASEWORKER);
  const fkNotes = () => staffPersona('FK notes officer', FK_NOTES_OFFICER);
  const af = () => staffPersona('AF officer', AF_OFFICER);
  const auditor = () => staffPersona('auditor', AUDITOR);
  const superuser = (): Persona => ({
    name: 'AF all-scopes officer',
    principal: { type: 'STAFF', subject: SUPERUSER_SUB, organization: 'AF', apiKeyId: null },
    protectedScope: true,
    defaultPurpose: 'employment-support',
    headers: async (purpose) => ({ 'x-purpose': purpose }),
  });
  const partner = (): Persona => ({
    name: 'municipality partner (API key)',
    principal: { type: 'API_KEY', subject: partnerKey.id, organization: HOME, apiKeyId: partnerKey.id },
    protectedScope: false,
    defaultPurpose: 'social-services',
    headers: async (purpose) => ({ authorization: undefined, 'x-api-key': partnerKey.key, 'x-purpose': purpose }),
  });
  const citizenPersona = (pnr: string): Persona => ({
    name: `citizen ${pnr.slice(0, 4)}…`,
    principal: { type: 'CITIZEN', subject: pnr, organization: null, apiKeyId: null },
    protectedScope: true,
    defaultPurpose: undefined,
    headers: async (purpose) => ({ authorization: `Bearer ${await issuers.citizen.mint({ sub: pnr })}`, 'x-purpose': purpose }),
  });
  const anonymous = async (): Promise<Headers> => ({ authorization: undefined, 'x-purpose': undefined });

  async function send(persona: Persona | null, query: string, variables: Record<string, unknown> | undefined, requestId: string, extra: Headers = {}, purpose?: string | null) {
    const base = persona ? await persona.headers(purpose === undefined ? persona.defaultPurpose : purpose ?? undefined) : await anonymous();
    return server.query(query, variables, { ...base, 'x-request-id': requestId, ...extra });
  }

  const asAuditor = (query: string, variables?: Record<string, unknown>, requestId = rid('audit')) => send(auditor(), query, variables, requestId);
  const asCitizen = (pnr: string, query: string, variables?: Record<string, unknown>, requestId = rid('citizen')) => send(citizenPersona(pnr), query, variables, requestId);

  // ---------------------------------------------------------------------------------------------------
  // The store
  // ---------------------------------------------------------------------------------------------------

  async function allEvents(): Promise<AuditEvent[]> {
    return (await store('audit_events').select('*') as EventRow[]).map(fromRow);
  }
  async function eventsOfRequest(requestId: string): Promise<AuditEvent[]> {
    return (await store('audit_events').where('request_id', requestId) as EventRow[]).map(fromRow);
  }
  async function eventOf(requestId: string): Promise<AuditEvent> {
    const events = await eventsOfRequest(requestId);
    assert.equal(events.length, 1, `exactly one event for request ${requestId}`);
    return events[0]!;
  }
  const newestFirst = (a: AuditEvent, b: AuditEvent) =>
    Date.parse(b.occurredAt) - Date.parse(a.occurredAt) || (b.writer < a.writer ? -1 : b.writer > a.writer ? 1 : 0) || b.seq - a.seq;
  const idOf = (e: { writer: string; seq: number }) => `${e.writer}:${e.seq}`;

  function samgraf(...args: string[]) {
    return runCli([...args, '--config', configFile]);
  }

  function draft(occurredAt: string, principal: EventPrincipal, purpose: string, categories: Record<string, DataCategory[]>, extra: Partial<EventDraft> = {}): EventDraft {
    return {
      occurredAt,
      requestId: `hist-${randomUUID()}`,
      principal,
      purpose,
      legalBasis: null,
      caseReference: null,
      operationName: null,
      documentHash: null,
      subjects: Object.keys(categories).sort(),
      subjectCategories: Object.fromEntries(Object.entries(categories).map(([s, c]) => [s, [...c].sort()])),
      subjectsWithheld: [],
      fieldsRead: ['Citizen.personalNumber'],
      fieldsDenied: [],
      fieldsMasked: [],
      outcome: 'OK',
      sourceErrors: [],
      ...extra,
    };
  }

  before(async () => {
    issuers = await testIssuers();
    seeded = await seededSources('mariadb', { citizens: 300, seed: 'access-log' });
    server = await startTestServer(seeded.urls, { accessLog: { retentionDays: RETENTION_DAYS } });
    store = server.store;
    dir = mkdtempSync(join(tmpdir(), 'samgraf-access-log-'));
    configFile = join(dir, 'samgraf.json');
    writeFileSync(configFile, JSON.stringify({
      sources: {
        populationRegister: { url: seeded.urls.populationRegister },
        socialInsurance: { url: seeded.urls.socialInsurance },
        employmentService: { url: seeded.urls.employmentService },
      },
      store: { url: seeded.urls.store },
      accessLog: { retentionDays: RETENTION_DAYS },
    }));
    partnerKey = await new ApiKeyStore(store, PURPOSES).create({
      organization: HOME, name: 'Stockholms stad, socialtjänsten', scopes: ['citizen:read', 'citizen:address:read'],
      purposes: ['social-services'], municipality: HOME, expiresAt: null,
    });

    // The people, from the legacy rows.
    const skv = openDatabase(seeded.urls.populationRegister);
    const fkDb = openDatabase(seeded.urls.socialInsurance);
    const afDb = openDatabase(seeded.urls.employmentService);
    try {
      const people = await skv('FB_PERSON').select('PERSONID', 'KOMMUNKOD', 'SEKRETESS', 'SKYDDAD_FB', 'AVREG_ORSAK').orderBy('PERSONID') as
        { PERSONID: string; KOMMUNKOD: string; SEKRETESS: string | null; SKYDDAD_FB: string | null; AVREG_ORSAK: string | null }[];
      for (const p of people) {
        municipalityOf.set(p.PERSONID, p.KOMMUNKOD);
        if (p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J') protectedPersons.add(p.PERSONID);
      }
      for (const row of await fkDb('FK_BESLUT').select('BESLUT_ID', 'PNR', 'ANDRAD_TS') as FkBeslutRow[]) {
        try {
          benefitOwner.set(String(row.BESLUT_ID), decodeDecisionPersonalNumber(row));
        } catch { /* an unreadable number: such decisions are not used */ }
      }
      const caseRows = await afDb('AF_ARENDE').select('ARENDE_ID', 'PERSONNR', 'ANTECKNING').orderBy('ARENDE_ID') as { ARENDE_ID: string; PERSONNR: string | number; ANTECKNING: string | null }[];
      for (const row of caseRows) if (isValidPersonalNumber(String(row.PERSONNR))) caseOwner.set(row.ARENDE_ID.trim(), String(row.PERSONNR));

      const known = new Set(people.map((p) => p.PERSONID));
      const plain = people.filter((p) => !protectedPersons.has(p.PERSONID) && p.AVREG_ORSAK === null && Number(p.PERSONID.slice(0, 4)) >= 1930);
      const hasBenefit = new Set(benefitOwner.values());
      const hasCase = new Set(caseOwner.values());
      const both = plain.filter((p) => p.KOMMUNKOD === HOME && hasBenefit.has(p.PERSONID) && hasCase.has(p.PERSONID)).map((p) => p.PERSONID);
      assert.ok(both.length >= 4, 'the seed has Stockholmers with benefits and cases');
      [C, D] = [both[0]!, both[1]!];
      stockholmers = plain.filter((p) => p.KOMMUNKOD === HOME).map((p) => p.PERSONID);
      outsiders = plain.filter((p) => p.KOMMUNKOD !== HOME).map((p) => p.PERSONID).slice(0, 3);
      const benefitElsewhere = plain.filter((p) => p.KOMMUNKOD !== HOME && hasBenefit.has(p.PERSONID)).map((p) => p.PERSONID);
      fkTargets = [C, D, both[2]!, both[3]!, benefitElsewhere[0]!, benefitElsewhere[1]!];
      const firstCaseOf = (pnr: string) => caseRows.find((r) => String(r.PERSONNR) === pnr)!.ARENDE_ID.trim();
      const withNotes = caseRows.filter((r) => r.ANTECKNING !== null && plain.some((p) => p.PERSONID === String(r.PERSONNR))).map((r) => r.ARENDE_ID.trim());
      afCases = [firstCaseOf(C), ...withNotes.filter((id) => id !== firstCaseOf(C)).slice(0, 5)];
      fkNotesCases = withNotes.filter((id) => !afCases.includes(id)).slice(0, 3);
      benefitOfD = [...benefitOwner].find(([, owner]) => owner === D)![0];
      protectedPerson = people.find((p) => p.SEKRETESS === 'J' && p.AVREG_ORSAK === null)!.PERSONID;
      const relations = await skv('FB_RELATION').whereIn('RELID', [...protectedPersons]).select('PERSONID').orderBy('PERSONID') as { PERSONID: string }[];
      relativeOfProtected = relations.map((r) => r.PERSONID.trim()).find((pnr) => known.has(pnr) && !protectedPersons.has(pnr))!;
      assert.ok(relativeOfProtected, 'the seed has someone with a protected relative');
      for (let n = 100; ; n += 1) {
        const candidate = `19010101${String(n).padStart(3, '0')}`;
        const pnr = [...'0123456789'].map((d) => candidate + d).find(isValidPersonalNumber);
        if (pnr !== undefined && !known.has(pnr)) {
          nobody = pnr;
          break;
        }
      }
      invalidNumber = C.slice(0, 11) + String((Number(C[11]) + 1) % 10);
    } finally {
      await Promise.all([skv.destroy(), fkDb.destroy(), afDb.destroy()]);
    }

    // History: reads of C's data on earlier days (Swedish noon), written straight into the log on their own chain.
    history = new AuditWriter(store, randomUUID());
    const staffOf = (org: keyof typeof HISTORY_OFFICERS): EventPrincipal => ({ type: 'STAFF', subject: HISTORY_OFFICERS[org], organization: org, apiKeyId: null });
    await history.append(draft(stockholmNoonDaysAgo(20), staffOf('FK'), 'benefit-assessment', { [C]: ['IDENTITY', 'BENEFITS'] }));
    await history.append(draft(stockholmNoonDaysAgo(16), { type: 'CITIZEN', subject: C, organization: null, apiKeyId: null }, 'self-service', { [C]: ['IDENTITY', 'ADDRESS'] }));
    await history.append(draft(stockholmNoonDaysAgo(12), { type: 'API_KEY', subject: partnerKey.id, organization: HOME, apiKeyId: partnerKey.id }, 'social-services',
      { [C]: ['IDENTITY', 'ADDRESS'], [D]: ['IDENTITY'] }));
    await history.append(draft(stockholmNoonDaysAgo(8), staffOf('AF'), 'employment-support', { [C]: ['CASES'] }));
    await history.append(draft(stockholmNoonDaysAgo(4), staffOf('SKV'), 'social-services', { [C]: ['IDENTITY', 'RELATIONS'] }));
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------------------------------------------
  // 1. Completeness
  // ---------------------------------------------------------------------------------------------------

  const FK_READ = `query FkBenefitCheck($pnr: String!) {
    citizen(personalNumber: $pnr) {
      personalNumber givenNames familyName address { street postalCode city } municipalityCode
      benefits { id type status amount { amount currency minorUnits } validFrom validTo payments { id paidOn amount { amount } } }
      cases { id status }
    }
  }`;
  const PROTECTED_READ = `query ProtectedRead($pnr: String!) {
    citizen(personalNumber: $pnr) {
      personalNumber familyName protectedIdentity address { street city } municipalityCode countyCode
      relations { type citizen { personalNumber familyName } }
    }
  }`;
  const FK_BATCH = `query FkBatch($pnrs: [String!]!) { citizens(personalNumbers: $pnrs) { personalNumber familyName benefits { id status } } }`;
  const ME_AND_CITIZEN = `query MeAndCitizen($pnr: String!) { me { subject organization } citizen(personalNumber: $pnr) { personalNumber givenNames } }`;
  const ONE_CITIZEN = `query OneCitizen($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber familyName } }`;
  const AF_CASE = `query AfCase($id: ID!) { case(id: $id) { id type status office officer openedAt notes actionPlan { step activity status } } }`;
  const AF_CITIZEN = `query AfCitizen($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber givenNames cases { id status notes } } }`;
  const FK_NOTES = `query FkNotes($id: ID!) { case(id: $id) { id status notes } }`;
  const PARTNER_BATCH = `query PartnerBatch($pnrs: [String!]!) { citizens(personalNumbers: $pnrs) { personalNumber familyName address { city } } }`;
  const PARTNER_BENEFITS = `query PartnerBenefits($pnr: String!) { citizen(personalNumber: $pnr) { personalNumber benefits { id } } }`;
  const MINE = `query Mine($pnr: String!) {
    citizen(personalNumber: $pnr) { personalNumber givenNames familyName address { street city } benefits { id type status } cases { id status } }
  }`;
  const AUDIT_FK = `query AuditFk {
    auditEvents(filter: { organization: "FK" }, first: 10) {
      edges { cursor node { id seq occurredAt requestId subjects subjectsWithheld subjectsRequested principal { type subject organization apiKeyId } purpose outcome fieldsDenied } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  const AUDIT_SELF_SERVICE = `query AuditSelfService { auditEvents(filter: { purpose: "self-service" }, first: 5) { edges { node { id principal { type subject } outcome } } } }`;

  function script(): Step[] {
    const ok = (outcome: Outcome, purpose: string | null, extra: Partial<EventExpectation> = {}): EventExpectation => ({ outcome, purpose, ...extra });
    const refused = (refusal: 'PURPOSE_REQUIRED' | 'PURPOSE_NOT_ALLOWED'): EventExpectation =>
      ({ outcome: 'DENIED', purpose: refusal === 'PURPOSE_REQUIRED' ? null : 'stated-or-null', refusal, status: refusal === 'PURPOSE_REQUIRED' ? 400 : 403 });
    const steps: Step[] = [];
    // FK caseworker: benefits served, cases denied (no case:read).
    fkTargets.forEach((pnr, i) => steps.push({
      label: `fk-read-${i}`, persona: fk(), query: FK_READ, variables: { pnr },
      ...(i % 2 === 0 ? { legalBasis: 'SFB 110 kap. 13 par.', caseReference: `FK-2026-00${i}` } : {}),
      expect: ok('PARTIAL', 'benefit-assessment'),
    }));
    steps.push({ label: 'fk-protected', persona: fk(), query: PROTECTED_READ, variables: { pnr: protectedPerson }, expect: ok('OK', 'benefit-assessment') });
    steps.push({ label: 'fk-relative-of-protected', persona: fk(), query: PROTECTED_READ, variables: { pnr: relativeOfProtected },
      expect: ok('OK', 'benefit-assessment', { extraMasked: ['Citizen.relations'] }) });
    steps.push({ label: 'fk-batch', persona: fk(), query: FK_BATCH, variables: { pnrs: [fkTargets[2], fkTargets[3], nobody] }, expect: ok('OK', 'benefit-assessment') });
    steps.push({ label: 'fk-benefit', persona: fk(), query: `{ benefit(id: "${benefitOfD}") { id type status amount { amount } citizen { personalNumber familyName } } }`,
      expect: ok('OK', 'benefit-assessment') });
    steps.push({ label: 'fk-wrong-purpose', persona: fk(), query: FK_READ, variables: { pnr: C }, purpose: 'employment-support', expect: refused('PURPOSE_NOT_ALLOWED') });
    steps.push({ label: 'fk-no-purpose', persona: fk(), query: FK_READ, variables: { pnr: C }, purpose: null, expect: refused('PURPOSE_REQUIRED') });
    steps.push({ label: 'fk-audit-events', persona: fk(), query: `query Peek { auditEvents(first: 5) { edges { node { id subjects } } } }`, expect: ok('DENIED', 'benefit-assessment') });
    steps.push({ label: 'fk-my-access-log', persona: fk(), query: `{ myAccessLog { edges { node { organization purpose } } } }`, expect: ok('DENIED', 'benefit-assessment') });
    steps.push({ label: 'fk-me-and-citizen', persona: fk(), query: ME_AND_CITIZEN, variables: { pnr: stockholmers[5] }, expect: ok('OK', 'benefit-assessment') });
    steps.push({ label: 'fk-bad-number', persona: fk(), query: ONE_CITIZEN, variables: { pnr: invalidNumber }, expect: ok('ERROR', 'benefit-assessment') });
    steps.push({ label: 'fk-half-bad', persona: fk(),
      query: `{ ok: citizen(personalNumber: "${stockholmers[6]}") { personalNumber familyName } bad: citizen(personalNumber: "12345") { personalNumber } }`,
      expect: ok('PARTIAL', 'benefit-assessment') });
    // AF officer: own cases with notes.
    afCases.forEach((id, i) => steps.push({
      label: `af-case-${i}`, persona: af(), query: AF_CASE, variables: { id },
      ...(i === 0 ? { legalBasis: 'Forordning (2022:811) 5 par.', caseReference: 'AF-REF-77' } : {}),
      expect: ok('OK', 'employment-support'),
    }));
    steps.push({ label: 'af-citizen', persona: af(), query: AF_CITIZEN, variables: { pnr: D }, expect: ok('OK', 'employment-support') });
    steps.push({ label: 'af-municipality', persona: af(),
      query: `{ citizensByMunicipality(code: "${HOME}", first: 5) { edges { cursor node { personalNumber familyName } } pageInfo { hasNextPage endCursor } } }`,
      expect: ok('OK', 'employment-support') });
    steps.push({ label: 'af-no-purpose', persona: af(), query: AF_CASE, variables: { id: afCases[1] }, purpose: null, expect: refused('PURPOSE_REQUIRED') });
    steps.push({ label: 'af-wrong-purpose', persona: af(), query: AF_CASE, variables: { id: afCases[1] }, purpose: 'benefit-assessment', expect: refused('PURPOSE_NOT_ALLOWED') });
    steps.push({ label: 'af-bad-list', persona: af(), query: `{ citizens(personalNumbers: ["abc"]) { personalNumber } }`, expect: ok('ERROR', 'employment-support') });
    // FK officer with case:notes:read: notes are AF's (own-agency).
    fkNotesCases.forEach((id, i) => steps.push({ label: `fk-notes-${i}`, persona: fkNotes(), query: FK_NOTES, variables: { id }, expect: ok('PARTIAL', 'benefit-assessment') }));
    // Municipality partner, rows restricted to 0180.
    steps.push({ label: 'partner-batch', persona: partner(), query: PARTNER_BATCH, variables: { pnrs: [C, outsiders[0], D, outsiders[1]] },
      expect: ok('PARTIAL', 'social-services', { withheld: [outsiders[0]!, outsiders[1]!] }) });
    steps.push({ label: 'partner-outsider', persona: partner(), query: ONE_CITIZEN, variables: { pnr: outsiders[2] },
      expect: ok('DENIED', 'social-services', { withheld: [outsiders[2]!] }) });
    steps.push({ label: 'partner-insider', persona: partner(), query: ONE_CITIZEN, variables: { pnr: stockholmers[7] }, expect: ok('OK', 'social-services') });
    steps.push({ label: 'partner-municipality', persona: partner(),
      query: `{ citizensByMunicipality(code: "${HOME}", first: 3) { edges { node { personalNumber givenNames municipalityCode } } } }`, expect: ok('OK', 'social-services') });
    steps.push({ label: 'partner-benefits', persona: partner(), query: PARTNER_BENEFITS, variables: { pnr: C }, expect: ok('PARTIAL', 'social-services') });
    steps.push({ label: 'partner-no-purpose', persona: partner(), query: ONE_CITIZEN, variables: { pnr: C }, purpose: null, expect: refused('PURPOSE_REQUIRED') });
    steps.push({ label: 'partner-bad-code', persona: partner(), query: `{ citizensByMunicipality(code: "18") { edges { node { personalNumber } } } }`,
      expect: ok('ERROR', 'social-services') });
    // Citizens reading themselves (and trying someone else).
    steps.push({ label: 'citizen-self', persona: citizenPersona(C), query: MINE, variables: { pnr: C }, expect: ok('OK', 'self-service') });
    steps.push({ label: 'citizen-self-10-digits', persona: citizenPersona(C), query: MINE, variables: { pnr: toTenDigitForm(C, new Date().getFullYear()) },
      expect: ok('OK', 'self-service') });
    steps.push({ label: 'citizen-other', persona: citizenPersona(C), query: ONE_CITIZEN, variables: { pnr: D }, expect: ok('DENIED', 'self-service', { withheld: [D] }) });
    steps.push({ label: 'citizen-self-stated', persona: citizenPersona(C), query: MINE, variables: { pnr: C }, purpose: 'self-service', expect: ok('OK', 'self-service') });
    steps.push({ label: 'citizen-wrong-purpose', persona: citizenPersona(C), query: MINE, variables: { pnr: C }, purpose: 'benefit-assessment', expect: refused('PURPOSE_NOT_ALLOWED') });
    steps.push({ label: 'citizen-d-self', persona: citizenPersona(D), query: MINE, variables: { pnr: D }, expect: ok('OK', 'self-service') });
    // With citizen:protected:read nothing is masked.
    steps.push({ label: 'superuser-protected', persona: superuser(), query: PROTECTED_READ, variables: { pnr: protectedPerson }, expect: ok('OK', 'employment-support') });
    // Auditors.
    steps.push({ label: 'auditor-fk', persona: auditor(), query: AUDIT_FK, expect: ok('OK', 'audit') });
    steps.push({ label: 'auditor-self-service', persona: auditor(), query: AUDIT_SELF_SERVICE, expect: ok('OK', 'audit') });
    steps.push({ label: 'auditor-bad-cursor', persona: auditor(), query: `{ auditEvents(after: "!!!") { edges { node { id } } } }`, expect: ok('ERROR', 'audit') });
    steps.push({ label: 'auditor-too-many', persona: auditor(), query: `{ auditEvents(first: 1000) { edges { node { id } } } }`, expect: ok('ERROR', 'audit') });
    steps.push({ label: 'auditor-no-purpose', persona: auditor(), query: AUDIT_FK, purpose: null, expect: refused('PURPOSE_REQUIRED') });
    // No personal data: no event.
    steps.push({ label: 'none-me', persona: fk(), query: `{ me { subject type organization } }`, expect: null });
    steps.push({ label: 'none-typename', persona: fk(), query: `{ __typename }`, expect: null });
    steps.push({ label: 'none-citizen-me', persona: citizenPersona(C), query: `{ me { subject } }`, expect: null });
    steps.push({ label: 'none-partner-me', persona: partner(), query: `{ me { subject apiKeyId } }`, expect: null });
    steps.push({ label: 'none-introspection', persona: af(), query: `query Intro { __schema { queryType { name } } }`, expect: null, status: 403 }); // introspection needs schema:read
    steps.push({ label: 'none-anonymous-typename', persona: null, query: `{ __typename }`, expect: null });
    steps.push({ label: 'none-anonymous-citizen', persona: null, query: ONE_CITIZEN, variables: { pnr: C }, expect: null, status: 401 });
    steps.push({ label: 'none-anonymous-me', persona: null, query: `{ me { subject } }`, expect: null, status: 401 });
    return steps;
  }

  function checkEvent(done: Done, event: AuditEvent): string[] {
    const { step, response } = done;
    const expectation = step.expect!;
    const persona = step.persona!;
    const problems: string[] = [];
    const want = (what: string, actual: unknown, expected: unknown) => {
      if (!isDeepStrictEqual(actual, expected)) problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    };
    const analysis = analyseResponse(schema, step.query, response, {
      protectedPersons, protectedScope: persona.protectedScope, benefitOwner, caseOwner,
    });
    problems.push(...analysis.problems.map((p) => `response: ${p}`));
    want('status', response.status, expectation.status ?? 200);
    if (expectation.refusal) want('refusal code', response.errors?.map((e) => e.extensions?.code), [expectation.refusal]);
    want('requestId', event.requestId, done.requestId);
    want('principal', event.principal, persona.principal);
    const stated = step.purpose === undefined ? persona.defaultPurpose : step.purpose;
    if (expectation.purpose === 'stated-or-null') {
      if (event.purpose !== null && event.purpose !== stated) problems.push(`purpose: got ${event.purpose}, expected null or the stated ${stated}`);
    } else {
      want('purpose', event.purpose, expectation.purpose);
    }
    want('legalBasis', event.legalBasis, step.legalBasis ?? null);
    want('caseReference', event.caseReference, step.caseReference ?? null);
    want('operationName', event.operationName, /^\s*query\s+(\w+)/.exec(step.query)?.[1] ?? null);
    want('documentHash', event.documentHash, createHash('sha256').update(step.query).digest('hex'));
    want('subjects', event.subjects, [...analysis.subjects.keys()].sort());
    want('subjectCategories', event.subjectCategories, sortedCategories(analysis.subjects));
    want('subjectsWithheld', event.subjectsWithheld, [...(expectation.withheld ?? [])].sort());
    want('fieldsDenied', event.fieldsDenied, [...analysis.denied].sort());
    want('fieldsMasked', event.fieldsMasked, [...new Set([...analysis.masked, ...(expectation.extraMasked ?? [])])].sort());
    const missing = [...analysis.read].filter((c) => !event.fieldsRead.includes(c));
    if (missing.length > 0) problems.push(`fieldsRead lacks ${missing.join(', ')} (present in the response)`);
    const unselected = event.fieldsRead.filter((c) => !analysis.selected.has(c));
    if (unselected.length > 0) problems.push(`fieldsRead has ${unselected.join(', ')}, which the query does not select`);
    want('outcome', event.outcome, expectation.outcome);
    const byRules = outcomeByRules(analysis.errorCodes, event.subjects.length > 0, event.fieldsDenied.length > 0 || event.subjectsWithheld.length > 0);
    want('outcome by the plugin\'s rules', expectation.outcome, byRules);
    want('sourceErrors', event.sourceErrors, []);
    return problems.map((p) => `${step.label} (${done.requestId}): ${p}`);
  }

  it('1. writes exactly one event per personal-data request, true to the response, and none otherwise', async () => {
    const steps = script();
    const personal = steps.filter((s) => s.expect !== null);
    assert.ok(personal.length >= 40, `${personal.length} personal-data requests`);
    for (const [i, step] of steps.entries()) {
      const requestId = `mix-${String(i).padStart(2, '0')}-${step.label}`;
      const extra: Headers = {};
      if (step.legalBasis) extra['x-legal-basis'] = step.legalBasis;
      if (step.caseReference) extra['x-case-reference'] = step.caseReference;
      const response = await send(step.persona, step.query, step.variables, requestId, extra, step.purpose);
      mix.push({ step, requestId, response });
    }

    const problems: string[] = [];
    let previousSeq = 0;
    for (const done of mix) {
      const events = await eventsOfRequest(done.requestId);
      if (done.step.expect === null) {
        if (events.length !== 0) problems.push(`${done.step.label}: ${events.length} event(s), expected none`);
        const status = done.step.status ?? 200;
        if (done.response.status !== status) problems.push(`${done.step.label}: status ${done.response.status}, expected ${status}`);
        continue;
      }
      if (events.length !== 1) {
        problems.push(`${done.step.label} (${done.requestId}): ${events.length} events, expected exactly one`);
        continue;
      }
      const event = events[0]!;
      problems.push(...checkEvent(done, event));
      // Sequential requests: one chain — the first commit lane, always idle when they come — in request order.
      if (event.writer !== server.auditLog.writerIds[0]) problems.push(`${done.step.label}: written by ${event.writer}, not the server's writer`);
      if (event.seq <= previousSeq) problems.push(`${done.step.label}: seq ${event.seq} after ${previousSeq}`);
      previousSeq = event.seq;
    }
    assert.deepEqual(problems, []);
    // Nothing else was written: the server's chain holds exactly the mix's personal-data requests.
    const serverChain = (await allEvents()).filter((e) => e.writer === server.auditLog.writerIds[0]);
    assert.deepEqual(serverChain.map((e) => e.requestId).sort(), mix.filter((d) => d.step.expect).map((d) => d.requestId).sort());

    // Sanity of the script itself: it covers what it claims.
    const outcomes = new Set(await Promise.all(mix.filter((d) => d.step.expect).map(async (d) => (await eventOf(d.requestId)).outcome)));
    assert.deepEqual([...outcomes].sort(), ['DENIED', 'ERROR', 'OK', 'PARTIAL']);
    const masked = await eventOf(mix.find((d) => d.step.label === 'fk-protected')!.requestId);
    assert.deepEqual(masked.fieldsMasked, ['Citizen.address', 'Citizen.countyCode', 'Citizen.municipalityCode', 'Citizen.relations']);
    const notes = await eventOf(mix.find((d) => d.step.label === 'fk-notes-0')!.requestId);
    assert.deepEqual(notes.fieldsDenied, ['Case.notes']);
    const fkRead = await eventOf(mix.find((d) => d.step.label === 'fk-read-0')!.requestId);
    assert.deepEqual(fkRead.fieldsDenied, ['Citizen.cases']);
    assert.deepEqual(fkRead.subjectCategories, { [C]: ['ADDRESS', 'BENEFITS', 'IDENTITY'] });
  });

  // ---------------------------------------------------------------------------------------------------
  // 3. auditEvents
  // ---------------------------------------------------------------------------------------------------

  const SEARCH = `query Search($filter: AuditEventFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id writer seq occurredAt requestId subjects principal { type subject organization } purpose outcome hash prevHash } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  interface Node { id: string; writer: string; seq: number; occurredAt: string; subjects: string[]; principal: { type: string; subject: string; organization: string | null }; purpose: string | null; outcome: Outcome }

  /** Every page of a search, as the auditor; the events are those in the log before the first page. */
  async function searchAll(filter: Record<string, unknown> | null, pageSize = 100): Promise<{ ids: string[]; nodes: Node[]; pages: number }> {
    const nodes: Node[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse<any> = await asAuditor(SEARCH, { filter, first: pageSize, after });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const connection = response.data.auditEvents;
      nodes.push(...connection.edges.map((e: { node: Node }) => e.node));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      assert.ok(pages < 200, 'pagination ends');
    }
    return { ids: nodes.map((n) => n.id), nodes, pages };
  }

  /** Whether an event names a person, as a search by subject finds it: served, withheld or asked for (issue 12). */
  const namesPerson = (e: AuditEvent, pnr: string) =>
    e.subjects.includes(pnr) || (e.subjectsRequested !== undefined && (e.subjectsWithheld.includes(pnr) || e.subjectsRequested.includes(pnr)));

  async function expectedIds(keep: (e: AuditEvent) => boolean): Promise<string[]> {
    return (await allEvents()).filter(keep).sort(newestFirst).map(idOf);
  }

  it('3a. auditEvents filters by subject (10 and 12 digits), principal, organisation, purpose, outcome and time, newest first', async () => {
    const bySubject = await expectedIds((e) => namesPerson(e, C));
    assert.ok(bySubject.length >= 5, 'C has events');
    const tenDigits = toTenDigitForm(C, new Date().getFullYear());
    for (const form of [C, tenDigits, tenDigits.replace(/[-+]/, ''), `${C.slice(0, 8)}-${C.slice(8)}`]) {
      const expected = await expectedIds((e) => namesPerson(e, C));
      assert.deepEqual((await searchAll({ subject: form })).ids, expected, `subject ${form.length} characters`);
    }

    const filters: [Record<string, unknown>, (e: AuditEvent) => boolean][] = [
      [{ principal: FK_CASEWORKER.sub }, (e) => e.principal.subject === FK_CASEWORKER.sub],
      [{ principal: partnerKey.id }, (e) => e.principal.subject === partnerKey.id],
      [{ principal: C }, (e) => e.principal.subject === C],
      [{ organization: 'FK' }, (e) => e.principal.organization === 'FK'],
      [{ organization: HOME }, (e) => e.principal.organization === HOME],
      [{ purpose: 'social-services' }, (e) => e.purpose === 'social-services'],
      [{ purpose: 'self-service' }, (e) => e.purpose === 'self-service'],
      [{ outcome: 'OK' }, (e) => e.outcome === 'OK'],
      [{ outcome: 'PARTIAL' }, (e) => e.outcome === 'PARTIAL'],
      [{ outcome: 'DENIED' }, (e) => e.outcome === 'DENIED'],
      [{ outcome: 'ERROR' }, (e) => e.outcome === 'ERROR'],
      [{ organization: 'FK', outcome: 'PARTIAL' }, (e) => e.principal.organization === 'FK' && e.outcome === 'PARTIAL'],
      [{ subject: C, organization: 'AF' }, (e) => namesPerson(e, C) && e.principal.organization === 'AF'],
    ];
    for (const [filter, keep] of filters) {
      const expected = await expectedIds(keep);
      assert.ok(expected.length > 0, `the log has events for ${JSON.stringify(filter)}`);
      const { nodes, ids } = await searchAll(filter);
      assert.deepEqual(ids, expected, JSON.stringify(filter));
      for (const node of nodes) {
        if (filter.outcome) assert.equal(node.outcome, filter.outcome);
        if (filter.purpose) assert.equal(node.purpose, filter.purpose);
        if (filter.organization) assert.equal(node.principal.organization, filter.organization);
      }
    }

    // Time: inclusive bounds, as instants whatever their offset.
    const chain = (await allEvents()).filter((e) => e.writer === server.auditLog.writerIds[0]).sort((a, b) => a.seq - b.seq);
    const from = chain[5]!.occurredAt;
    const to = chain[20]!.occurredAt;
    const inRange = (e: AuditEvent) => Date.parse(e.occurredAt) >= Date.parse(from) && Date.parse(e.occurredAt) <= Date.parse(to);
    const expectedRange = await expectedIds(inRange);
    assert.ok(expectedRange.includes(idOf(chain[5]!)) && expectedRange.includes(idOf(chain[20]!)), 'bounds are inclusive');
    assert.deepEqual((await searchAll({ from, to })).ids, expectedRange);
    assert.deepEqual((await searchAll({ from: withOffset(from, 60), to: withOffset(to, -300) })).ids, expectedRange, 'offsets are instants');
    const olderThan = stockholmNoonDaysAgo(10);
    const expectedOlder = await expectedIds((e) => Date.parse(e.occurredAt) <= Date.parse(olderThan));
    assert.ok(expectedOlder.length >= 2, 'the history is older than ten days');
    assert.deepEqual((await searchAll({ to: olderThan })).ids, expectedOlder);
    const expectedNewer = await expectedIds((e) => Date.parse(e.occurredAt) >= Date.parse(olderThan) && namesPerson(e, C));
    assert.deepEqual((await searchAll({ from: olderThan, subject: C })).ids, expectedNewer);

    // Newest first, by the events' own times.
    const everything = (await searchAll(null)).nodes;
    for (let i = 1; i < everything.length; i++) {
      assert.ok(Date.parse(everything[i - 1]!.occurredAt) >= Date.parse(everything[i]!.occurredAt), `newest first at ${i}`);
    }
  });

  it('3b. auditEvents pages with cursors return every event exactly once', async () => {
    for (const [filter, size] of [[null, 7], [{ subject: C }, 2], [{ organization: 'FK' }, 3]] as [Record<string, unknown> | null, number][]) {
      const expected = await expectedIds((e) => filter === null || (filter.subject ? namesPerson(e, C) : e.principal.organization === 'FK'));
      const { ids, pages } = await searchAll(filter, size);
      assert.ok(pages >= 3, `several pages (${pages})`);
      assert.equal(new Set(ids).size, ids.length, 'no event twice');
      assert.deepEqual(ids, expected, `pages of ${size} for ${JSON.stringify(filter)}`);
    }
  });

  it('3c. an invalid cursor is BAD_USER_INPUT', async () => {
    for (const after of ['!!!', 'bm90LWEtY3Vyc29y', Buffer.from('v1:12:not-a-writer:3').toString('base64url'), '']) {
      const response = await asAuditor(SEARCH, { first: 5, after });
      assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `after ${JSON.stringify(after)}: ${JSON.stringify(response.errors)}`);
      assert.equal(response.data?.auditEvents ?? null, null);
    }
  });

  it('3d. without audit:read, auditEvents is denied, and the refusal is itself an event', async () => {
    for (const [persona, purpose] of [[fk(), 'benefit-assessment'], [partner(), 'social-services'], [citizenPersona(C), 'self-service']] as const) {
      const requestId = rid('no-audit-read');
      const response = await send(persona, SEARCH, { first: 5 }, requestId);
      assert.equal(response.status, 200);
      assert.deepEqual(response.errors?.map((e) => [e.extensions?.code, e.path]), [[UNAUTHORIZED, ['auditEvents']]], persona.name);
      assert.ok(!JSON.stringify(response.data ?? null).includes('"hash"'), 'no event served');
      const event = await eventOf(requestId);
      assert.deepEqual(
        { principal: event.principal, purpose: event.purpose, outcome: event.outcome, fieldsDenied: event.fieldsDenied, subjects: event.subjects, fieldsRead: event.fieldsRead },
        { principal: persona.principal, purpose, outcome: 'DENIED', fieldsDenied: ['Query.auditEvents'], subjects: [], fieldsRead: [] },
        persona.name,
      );
    }
  });

  it('3e. reading the log is logged: the returned events\' subjects, as ACCESS_LOG, visible in myAccessLog', async () => {
    const requestId = rid('audit-read');
    const response = await asAuditor(SEARCH, { filter: { subject: C }, first: 100 }, requestId);
    assert.equal(response.errors, undefined);
    const nodes: Node[] = response.data.auditEvents.edges.map((e: { node: Node }) => e.node);
    assert.ok(nodes.length > 0);
    const returnedSubjects = new Set(nodes.flatMap((n) => [...n.subjects, ...(n.principal.type === 'CITIZEN' ? [n.principal.subject] : [])]));
    const event = await eventOf(requestId);
    assert.deepEqual(event.subjects, [...returnedSubjects].sort());
    assert.deepEqual(event.subjectCategories, Object.fromEntries([...returnedSubjects].sort().map((s) => [s, ['ACCESS_LOG']])));
    assert.deepEqual(event.principal, auditor().principal);
    assert.equal(event.purpose, 'audit');
    assert.equal(event.outcome, 'OK');
    assert.ok(event.fieldsRead.includes('AuditEvent.subjects') && event.fieldsRead.includes('Query.auditEvents'));

    for (const subject of [C, D]) {
      if (!returnedSubjects.has(subject)) continue;
      const log = await asCitizen(subject, MY_LOG, { first: 100 });
      const entries: Entry[] = log.data.myAccessLog.edges.map((e: { node: Entry }) => e.node);
      assert.ok(entries.some((x) => x.occurredAt === event.occurredAt && x.organization === AUDITOR.org && x.purpose === 'audit'
        && JSON.stringify(x.dataCategories) === '["ACCESS_LOG"]'), `${subject === C ? 'C' : 'D'} sees the auditor's read`);
    }
  });

  it('3f. reading someone\'s access-log events is logged for them even when the answer does not spell out their number', async () => {
    // The auditor asks for D's events but selects only when, who (organisation) and why: the answer is D's
    // access record all the same ("subjects: personal numbers whose data was returned").
    const requestId = rid('audit-read-quiet');
    const response = await asAuditor(`query Quiet($s: String!) { auditEvents(filter: { subject: $s }, first: 100) { edges { node { occurredAt purpose principal { organization } } } } }`,
      { s: D }, requestId);
    assert.equal(response.errors, undefined);
    assert.ok(response.data.auditEvents.edges.length > 0, 'D has events');
    const event = await eventOf(requestId);
    const entries: Entry[] = (await asCitizen(D, MY_LOG, { first: 100 })).data.myAccessLog.edges.map((e: { node: Entry }) => e.node);
    const seenByD = entries.some((x) => x.occurredAt === event.occurredAt && x.organization === AUDITOR.org && x.dataCategories.includes('ACCESS_LOG'));
    assert.deepEqual(
      { subjectsNameD: event.subjects.includes(D), categoriesOfD: event.subjectCategories[D] ?? null, inDsAccessLog: seenByD },
      { subjectsNameD: true, categoriesOfD: ['ACCESS_LOG'], inDsAccessLog: true },
      `the auditor's read of D's access records (event subjects ${JSON.stringify(event.subjects)})`,
    );
  });

  // ---------------------------------------------------------------------------------------------------
  // 4. myAccessLog
  // ---------------------------------------------------------------------------------------------------

  const MY_LOG = `query MyLog($from: Date, $to: Date, $first: Int, $after: String) {
    myAccessLog(from: $from, to: $to, first: $first, after: $after) {
      edges { cursor node { occurredAt organization purpose dataCategories } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  interface Entry { occurredAt: string; organization: string | null; purpose: string | null; dataCategories: string[] }

  async function expectedLog(pnr: string, keep: (e: AuditEvent) => boolean = () => true): Promise<Entry[]> {
    return (await allEvents())
      .filter((e) => e.subjects.includes(pnr) && !(e.principal.type === 'CITIZEN' && e.principal.subject === pnr) && keep(e))
      .sort(newestFirst)
      .map((e) => ({ occurredAt: e.occurredAt, organization: e.principal.organization, purpose: e.purpose, dataCategories: e.subjectCategories[pnr] ?? [] }));
  }

  async function myLog(pnr: string, variables: Record<string, unknown> = {}): Promise<{ entries: Entry[]; raw: string; pages: number }> {
    const entries: Entry[] = [];
    let raw = '';
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse<any> = await asCitizen(pnr, MY_LOG, { first: 100, ...variables, after });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      raw += JSON.stringify(response);
      entries.push(...response.data.myAccessLog.edges.map((e: { node: Entry }) => e.node));
      pages += 1;
      if (!response.data.myAccessLog.pageInfo.hasNextPage) break;
      after = response.data.myAccessLog.pageInfo.endCursor;
      assert.ok(pages < 100);
    }
    return { entries, raw, pages };
  }

  it('4a. myAccessLog shows who read the citizen\'s data, when, why and which categories — never an officer, never their own reads', async () => {
    const expected = await expectedLog(C);
    const { entries, raw } = await myLog(C);
    assert.deepEqual(entries, expected);

    // The reads the mix made of C's data, by organisation, with their categories.
    const fkRead = await eventOf(mix.find((d) => d.step.label === 'fk-read-0')!.requestId);
    const afRead = await eventOf(mix.find((d) => d.step.label === 'af-case-0')!.requestId);
    const partnerRead = await eventOf(mix.find((d) => d.step.label === 'partner-batch')!.requestId);
    assert.deepEqual(entries.find((e) => e.occurredAt === fkRead.occurredAt && e.organization === 'FK'),
      { occurredAt: fkRead.occurredAt, organization: 'FK', purpose: 'benefit-assessment', dataCategories: ['ADDRESS', 'BENEFITS', 'IDENTITY'] });
    assert.deepEqual(entries.find((e) => e.occurredAt === afRead.occurredAt && e.organization === 'AF'),
      { occurredAt: afRead.occurredAt, organization: 'AF', purpose: 'employment-support', dataCategories: ['CASES'] });
    assert.deepEqual(entries.find((e) => e.occurredAt === partnerRead.occurredAt && e.organization === HOME),
      { occurredAt: partnerRead.occurredAt, organization: HOME, purpose: 'social-services', dataCategories: ['ADDRESS', 'IDENTITY'] });
    assert.ok(entries.some((e) => e.organization === 'ISP' && e.purpose === 'audit' && e.dataCategories.includes('ACCESS_LOG')), 'the auditors\' reads');

    // Their own reads are left out: C read themself (today and 16 days ago), and none of it shows.
    const ownReads = (await allEvents()).filter((e) => e.principal.type === 'CITIZEN' && e.principal.subject === C && e.subjects.includes(C));
    assert.ok(ownReads.length >= 4);
    for (const own of ownReads) assert.ok(!entries.some((e) => e.occurredAt === own.occurredAt && e.organization === null), `own read at ${own.occurredAt}`);
    assert.ok(entries.every((e) => e.organization !== null));

    // Never the officer's identity: no officer id, key id or request id anywhere in the answer, and no field that could hold one.
    for (const secret of [FK_CASEWORKER.sub, FK_NOTES_OFFICER.sub, AF_OFFICER.sub, AUDITOR.sub, SUPERUSER_SUB, ...Object.values(HISTORY_OFFICERS), partnerKey.id, 'mix-']) {
      assert.ok(!raw.includes(secret), `the citizen's view does not contain ${secret}`);
    }
    const entryType = schema.getType('AccessLogEntry') as GraphQLObjectType;
    // And the receipt, which proves these four and holds nothing else of the event (tests/transparency-log.test.ts).
    assert.deepEqual(Object.keys(entryType.getFields()).sort(), ['dataCategories', 'occurredAt', 'organization', 'purpose', 'receipt']);

    // Another citizen sees only their own log.
    assert.deepEqual((await myLog(D)).entries, await expectedLog(D));
  });

  it('4b. myAccessLog filters by Swedish calendar days and pages with cursors', async () => {
    const all = await expectedLog(C);
    const day = (e: Entry) => stockholmDate(e.occurredAt);
    const cases: [Record<string, string>, (e: Entry) => boolean][] = [
      [{ from: stockholmDate(stockholmNoonDaysAgo(13)), to: stockholmDate(stockholmNoonDaysAgo(7)) }, (e) => day(e) >= stockholmDate(stockholmNoonDaysAgo(13)) && day(e) <= stockholmDate(stockholmNoonDaysAgo(7))],
      [{ from: stockholmDate(stockholmNoonDaysAgo(8)), to: stockholmDate(stockholmNoonDaysAgo(8)) }, (e) => day(e) === stockholmDate(stockholmNoonDaysAgo(8))],
      [{ to: stockholmDate(stockholmNoonDaysAgo(10)) }, (e) => day(e) <= stockholmDate(stockholmNoonDaysAgo(10))],
      [{ from: stockholmDate(Date.now()) }, (e) => day(e) >= stockholmDate(Date.now())],
      [{ from: stockholmDate(stockholmNoonDaysAgo(5)), to: stockholmDate(stockholmNoonDaysAgo(9)) }, () => false],
    ];
    for (const [range, keep] of cases) {
      const expected = all.filter(keep);
      assert.deepEqual((await myLog(C, range)).entries, expected, JSON.stringify(range));
    }
    // The history's days, concretely.
    const middle = (await myLog(C, { from: stockholmDate(stockholmNoonDaysAgo(13)), to: stockholmDate(stockholmNoonDaysAgo(7)) })).entries;
    assert.deepEqual(middle.map((e) => [e.organization, e.purpose, e.dataCategories]), [
      ['AF', 'employment-support', ['CASES']],
      [HOME, 'social-services', ['ADDRESS', 'IDENTITY']],
    ]);

    const paged = await myLog(C, { first: 3 });
    assert.ok(paged.pages >= 3);
    assert.deepEqual(paged.entries, all);
    const bad = await asCitizen(C, MY_LOG, { after: 'not a cursor' });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const badDate = await asCitizen(C, MY_LOG, { from: '2026-02-30' });
    assert.equal(badDate.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('4c. a staff or partner principal calling myAccessLog is denied', async () => {
    for (const persona of [superuser(), fk(), partner()]) {
      const requestId = rid('staff-my-log');
      const response = await send(persona, MY_LOG, { first: 5 }, requestId);
      assert.equal(response.status, 200);
      assert.deepEqual(response.errors?.map((e) => [e.extensions?.code, e.path]), [[UNAUTHORIZED, ['myAccessLog']]], persona.name);
      assert.equal(response.data?.myAccessLog ?? null, null);
      const event = await eventOf(requestId);
      assert.equal(event.outcome, 'DENIED');
      assert.deepEqual(event.fieldsDenied, ['Query.myAccessLog']);
    }
  });

  // ---------------------------------------------------------------------------------------------------
  // 5. Export
  // ---------------------------------------------------------------------------------------------------

  interface Exported extends AuditEvent { id: string }

  async function exportJsonl(...range: string[]): Promise<Exported[]> {
    const result = await samgraf('audit', 'export', '--format', 'jsonl', ...range);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    return lines.map((line) => JSON.parse(line) as Exported);
  }

  /** Recomputes every chain of the export with chainHash: consecutive seqs, linked prevHash, matching hash. */
  function recomputeChains(events: readonly Exported[], fromGenesis: boolean): number {
    const byWriter = new Map<string, Exported[]>();
    for (const e of events) byWriter.set(e.writer, [...(byWriter.get(e.writer) ?? []), e]);
    for (const [writer, chain] of byWriter) {
      chain.sort((a, b) => a.seq - b.seq);
      let prev = fromGenesis ? GENESIS_HASH : chain[0]!.prevHash;
      let seq = fromGenesis ? 0 : chain[0]!.seq - 1;
      for (const e of chain) {
        assert.equal(e.id, `${writer}:${e.seq}`);
        assert.equal(e.seq, seq + 1, `${writer}: consecutive`);
        assert.equal(e.prevHash, prev, `${e.id}: prevHash`);
        assert.equal(chainHash(prev, e), e.hash, `${e.id}: hash recomputed`);
        prev = e.hash;
        seq = e.seq;
      }
    }
    return byWriter.size;
  }

  it('5. audit export writes one parseable line per event in range, as JSONL and CSV, and the JSONL re-verifies', async () => {
    await server.auditLog.flush();
    const everything = await allEvents();
    const oldestFirst = (a: AuditEvent, b: AuditEvent) => -newestFirst(a, b);

    const full = await exportJsonl();
    assert.deepEqual(full.map((e) => e.id), [...everything].sort(oldestFirst).map(idOf));
    assert.equal(recomputeChains(full, true), 2, 'the server\'s chain and the history chain');
    for (const e of full) assert.deepEqual(e, { id: idOf(e), ...everything.find((x) => idOf(x) === e.id)! }, e.id);

    const chain = everything.filter((e) => e.writer === server.auditLog.writerIds[0]).sort((a, b) => a.seq - b.seq);
    const from = chain[3]!.occurredAt;
    const to = chain[15]!.occurredAt;
    const inRange = everything.filter((e) => Date.parse(e.occurredAt) >= Date.parse(from) && Date.parse(e.occurredAt) <= Date.parse(to)).sort(oldestFirst);
    const ranged = await exportJsonl('--from', from, '--to', to);
    assert.deepEqual(ranged.map((e) => e.id), inRange.map(idOf));
    recomputeChains(ranged, false);
    assert.equal(ranged[0]!.prevHash, chain[2]!.hash, 'the range continues the chain');

    const csv = await samgraf('audit', 'export', '--format', 'csv', '--from', from, '--to', to);
    assert.equal(csv.status, 0, csv.stderr);
    const rows = parseCsv(csv.stdout);
    const [header, ...records] = rows;
    assert.ok(header);
    for (const column of ['id', 'writer', 'seq', 'occurredAt', 'requestId', 'principalType', 'principalSubject', 'principalOrganization',
      'purpose', 'legalBasis', 'caseReference', 'operationName', 'documentHash', 'subjects', 'subjectsWithheld', 'fieldsRead', 'fieldsDenied',
      'fieldsMasked', 'outcome', 'sourceErrors', 'prevHash', 'hash']) {
      assert.ok(header.includes(column), `CSV column ${column}`);
    }
    assert.equal(records.length, inRange.length, 'one line per event, after the header');
    const col = (name: string) => header.indexOf(name);
    records.forEach((record, i) => {
      const event = inRange[i]!;
      assert.equal(record.length, header.length, `row ${i} has every column`);
      assert.equal(record[col('id')], idOf(event));
      assert.equal(record[col('hash')], event.hash);
      assert.equal(record[col('prevHash')], event.prevHash);
      assert.equal(record[col('occurredAt')], event.occurredAt);
      assert.equal(record[col('purpose')], event.purpose ?? '');
      assert.equal(record[col('legalBasis')], event.legalBasis ?? '');
      assert.equal(record[col('outcome')], event.outcome);
      assert.deepEqual(record[col('subjects')]!.split(' ').filter(Boolean), event.subjects);
    });

    // Whole days (UTC): the history's events 12 and 8 days ago, nothing else.
    const utcDay = (iso: string) => iso.slice(0, 10);
    const fromDay = utcDay(stockholmNoonDaysAgo(12));
    const toDay = utcDay(stockholmNoonDaysAgo(8));
    const byDays = await exportJsonl('--from', fromDay, '--to', toDay);
    assert.deepEqual(byDays.map((e) => e.id),
      everything.filter((e) => utcDay(e.occurredAt) >= fromDay && utcDay(e.occurredAt) <= toDay).sort(oldestFirst).map(idOf));
    assert.equal(byDays.length, 2);
    const daysCsv = parseCsv((await samgraf('audit', 'export', '--format', 'csv', '--from', fromDay, '--to', toDay)).stdout);
    assert.equal(daysCsv.length, 3, 'header and two events');
  });

  // ---------------------------------------------------------------------------------------------------
  // 2. Tamper detection
  // ---------------------------------------------------------------------------------------------------

  it('2. audit verify passes on the intact log and names the first bad event after each kind of tampering', async () => {
    await server.auditLog.flush();
    const intact = await samgraf('audit', 'verify');
    assert.equal(intact.status, 0, intact.stdout + intact.stderr);
    assert.match(intact.stdout, new RegExp(`access log intact: ${(await allEvents()).length} events in 2 chain\\(s\\)`));

    const W = server.auditLog.writerIds[0];
    const rows = await store('audit_events').where('writer_id', W).orderBy('seq') as EventRow[];
    const events = rows.map(fromRow);
    const last = events.at(-1)!.seq;
    // An event that does not name `nobody`: the index cases below add or point a row at them.
    const k = events.find((e) => e.seq >= 5 && e.seq <= last - 3 && e.subjects.length >= 2 && !(e.subjectsRequested ?? []).includes(nobody))!.seq;
    const rowAt = (seq: number) => ({ ...rows.find((r) => Number(r.seq) === seq)! });
    const snapshot = { events: rows, subjects: await store('audit_event_subjects').where('writer_id', W) as Record<string, unknown>[] };

    async function restore(): Promise<void> {
      await store.transaction(async (trx) => {
        await trx('audit_event_subjects').where('writer_id', W).delete();
        await trx('audit_events').where('writer_id', W).delete();
        for (let i = 0; i < snapshot.events.length; i += 50) await trx('audit_events').insert(snapshot.events.slice(i, i + 50));
        for (let i = 0; i < snapshot.subjects.length; i += 100) await trx('audit_event_subjects').insert(snapshot.subjects.slice(i, i + 100));
      });
    }
    const subjectRows = (seq: number, newSeq = seq): { subject: string; categories: string; [column: string]: unknown }[] =>
      snapshot.subjects.filter((s) => Number(s.seq) === seq).map((s) => ({ ...s, seq: newSeq }) as unknown as { subject: string; categories: string });
    const content = (row: EventRow) => {
      const { writer_id: _w, seq: _s, ...rest } = row;
      return rest;
    };

    const cases: [string, () => Promise<void>, number][] = [
      ['edit: purpose', async () => { await store('audit_events').where({ writer_id: W, seq: k }).update({ purpose: 'audit' }); }, k],
      ['edit: subjects_withheld', async () => { await store('audit_events').where({ writer_id: W, seq: k }).update({ subjects_withheld: JSON.stringify([C]) }); }, k],
      ['edit: outcome of the first event', async () => { await store('audit_events').where({ writer_id: W, seq: 1 }).update({ outcome: 'OK' === events[0]!.outcome ? 'DENIED' : 'OK' }); }, 1],
      ['edit: unreadable JSON', async () => { await store('audit_events').where({ writer_id: W, seq: k }).update({ fields_read: '[' }); }, k],
      ['delete an event in the middle (and its index rows)', async () => {
        await store('audit_event_subjects').where({ writer_id: W, seq: k }).delete();
        await store('audit_events').where({ writer_id: W, seq: k }).delete();
      }, k + 1],
      ['delete the first event', async () => {
        await store('audit_event_subjects').where({ writer_id: W, seq: 1 }).delete();
        await store('audit_events').where({ writer_id: W, seq: 1 }).delete();
      }, 2],
      ['insert a copy at the end', async () => {
        await store('audit_events').insert({ ...rowAt(k), seq: last + 1 });
        const index = subjectRows(k, last + 1);
        if (index.length > 0) await store('audit_event_subjects').insert(index);
      }, last + 1],
      ['insert a copy in the middle, shifting the rest', async () => {
        await store.raw('UPDATE audit_event_subjects SET seq = seq + 1 WHERE writer_id = ? AND seq > ? ORDER BY seq DESC', [W, k]);
        await store.raw('UPDATE audit_events SET seq = seq + 1 WHERE writer_id = ? AND seq > ? ORDER BY seq DESC', [W, k]);
        await store('audit_events').insert({ ...rowAt(k), seq: k + 1 });
        await store('audit_event_subjects').insert(subjectRows(k, k + 1));
      }, k + 1],
      ['swap two events\' contents (and their index rows)', async () => {
        const [a, b] = [rowAt(k), rowAt(k + 1)];
        await store('audit_events').where({ writer_id: W, seq: k }).update(content(b));
        await store('audit_events').where({ writer_id: W, seq: k + 1 }).update(content(a));
        await store('audit_event_subjects').where({ writer_id: W, seq: k }).update({ seq: 1_000_000_000 });
        await store('audit_event_subjects').where({ writer_id: W, seq: k + 1 }).update({ seq: k });
        await store('audit_event_subjects').where({ writer_id: W, seq: 1_000_000_000 }).update({ seq: k + 1 });
      }, k],
      ['index: delete a subject row', async () => {
        await store('audit_event_subjects').where({ writer_id: W, seq: k, subject: events.find((e) => e.seq === k)!.subjects[0] }).delete();
      }, k],
      ['index: add a subject row', async () => {
        const row = subjectRows(k)[0]!;
        await store('audit_event_subjects').insert({ ...row, subject: nobody, categories: 'IDENTITY' });
      }, k],
      ['index: point a row at another person', async () => {
        await store('audit_event_subjects').where({ writer_id: W, seq: k, subject: events.find((e) => e.seq === k)!.subjects[0] }).update({ subject: nobody });
      }, k],
      ['index: change a row\'s categories', async () => {
        const row = subjectRows(k)[0]!;
        await store('audit_event_subjects').where({ writer_id: W, seq: k, subject: row.subject })
          .update({ categories: row.categories === 'RELATIONS' ? 'IDENTITY' : 'RELATIONS' });
      }, k],
      ['index: a row for an event that does not exist', async () => {
        await store('audit_event_subjects').insert({ ...subjectRows(k)[0]!, seq: last + 100 });
      }, last + 100],
      // The end of a chain: only the heads its writer recorded with each commit can tell.
      ['delete the newest event (and its index rows)', async () => {
        await store('audit_event_subjects').where({ writer_id: W, seq: last }).delete();
        await store('audit_events').where({ writer_id: W, seq: last }).delete();
      }, last],
      ['delete the newest three events, leaving their index rows', async () => {
        await store('audit_events').where('writer_id', W).andWhere('seq', '>', last - 3).delete();
      }, last - 2],
      ['delete every event of the chain and its index rows', async () => {
        await store('audit_event_subjects').where('writer_id', W).delete();
        await store('audit_events').where('writer_id', W).delete();
      }, 1],
      ['rewrite the newest event with a hash that matches its new content', async () => {
        const forged = { ...fromRow(rowAt(last)), purpose: 'audit' };
        const { hash: _h, prevHash, ...body } = forged;
        await store('audit_events').where({ writer_id: W, seq: last }).update({ purpose: 'audit', hash: chainHash(prevHash, body) });
      }, last],
    ];

    const failures: string[] = [];
    for (const [label, tamper, badSeq] of cases) {
      await tamper();
      const result = await samgraf('audit', 'verify');
      if (result.status === 0) failures.push(`${label}: verify exited 0: ${result.stdout.trim()}`);
      else if (!new RegExp(`first bad event ${W}:${badSeq}(?!\\d)`).test(result.stdout)) {
        failures.push(`${label}: expected first bad event ${W}:${badSeq}, got: ${result.stdout.trim()} ${result.stderr.trim()}`);
      }
      await restore();
      const again = await samgraf('audit', 'verify');
      assert.equal(again.status, 0, `restored after "${label}": ${again.stdout}`);
    }
    assert.deepEqual(failures, []);
  });

  // ---------------------------------------------------------------------------------------------------
  // 6. Retention
  // ---------------------------------------------------------------------------------------------------

  it('6. audit prune deletes events older than retentionDays, never younger ones, and the log still verifies', async () => {
    await server.auditLog.flush();
    const writer = new AuditWriter(store, randomUUID());
    const day = 86_400_000;
    const now = Date.now();
    const E = stockholmers[10]!;
    const ages = [400, 100, RETENTION_DAYS + 5, RETENTION_DAYS + 1, RETENTION_DAYS - 1, 10, 0.5];
    const appended: AuditEvent[] = [];
    for (const age of ages) {
      appended.push(await writer.append(draft(new Date(now - age * day).toISOString(), { type: 'STAFF', subject: 'fk-hl-9001', organization: 'FK', apiKeyId: null },
        'benefit-assessment', { [E]: ['IDENTITY'] })));
    }
    const old = appended.filter((_, i) => ages[i]! > RETENTION_DAYS);
    const before = new Map((await allEvents()).map((e) => [idOf(e), e.hash]));
    assert.equal((await samgraf('audit', 'verify')).status, 0);

    const prune = await samgraf('audit', 'prune');
    assert.equal(prune.status, 0, prune.stderr);
    assert.match(prune.stdout, new RegExp(`pruned ${old.length} event\\(s\\)`));
    const afterPrune = new Map((await allEvents()).map((e) => [idOf(e), e.hash]));
    const gone = [...before.keys()].filter((id) => !afterPrune.has(id)).sort();
    assert.deepEqual(gone, old.map(idOf).sort(), 'exactly the old events are gone');
    for (const [id, hash] of afterPrune) assert.equal(before.get(id), hash, `${id} untouched`);
    const cutoff = Date.now() - RETENTION_DAYS * day;
    for (const e of await allEvents()) {
      if (e.writer === writer.writerId) assert.ok(Date.parse(e.occurredAt) >= cutoff, `${idOf(e)} is young`);
    }
    assert.equal((await store('audit_event_subjects').where('writer_id', writer.writerId).andWhere('seq', '<=', old.length)).length, 0, 'their index rows are gone');
    assert.equal((await store('audit_event_subjects').where('writer_id', writer.writerId)).length, ages.length - old.length);

    const verified = await samgraf('audit', 'verify');
    assert.equal(verified.status, 0, verified.stdout);
    assert.match(verified.stdout, /access log intact: \d+ events in 3 chain\(s\)/);

    // Idempotent; the chain goes on; the anchor is what lets verification start mid-chain.
    const again = await samgraf('audit', 'prune');
    assert.equal(again.status, 0);
    assert.match(again.stdout, /pruned 0 event\(s\)/);
    await writer.append(draft(new Date().toISOString(), { type: 'STAFF', subject: 'fk-hl-9001', organization: 'FK', apiKeyId: null }, 'benefit-assessment', { [E]: ['IDENTITY'] }));
    assert.equal((await samgraf('audit', 'verify')).status, 0);
    const anchor = await store('audit_chain_anchors').where('writer_id', writer.writerId).first();
    await store('audit_chain_anchors').where('writer_id', writer.writerId).delete();
    const unanchored = await samgraf('audit', 'verify');
    assert.notEqual(unanchored.status, 0);
    assert.match(unanchored.stdout, new RegExp(`first bad event ${writer.writerId}:${old.length + 1}(?!\\d)`));
    await store('audit_chain_anchors').insert(anchor);
    assert.equal((await samgraf('audit', 'verify')).status, 0);
  });

  it('each commit records its chain\'s head; a writer continues from it when events at the end are gone', async () => {
    const writer = new AuditWriter(store, randomUUID());
    const E = stockholmers[11]!;
    const staff: EventPrincipal = { type: 'STAFF', subject: 'fk-hl-9002', organization: 'FK', apiKeyId: null };
    const written: AuditEvent[] = [];
    for (let i = 0; i < 3; i++) written.push(await writer.append(draft(new Date().toISOString(), staff, 'benefit-assessment', { [E]: ['IDENTITY'] })));
    const heads = await store('audit_chain_heads').where('writer_id', writer.writerId).orderBy('seq') as { seq: number | string; hash: string }[];
    assert.deepEqual(heads.map((h) => [Number(h.seq), h.hash]), written.map((e) => [e.seq, e.hash]), 'one head per commit, in the same transaction');

    await store('audit_event_subjects').where('writer_id', writer.writerId).andWhere('seq', '>', 1).delete();
    await store('audit_events').where('writer_id', writer.writerId).andWhere('seq', '>', 1).delete();
    assert.deepEqual(await chainEndOf(store, writer.writerId), { seq: 3, hash: written[2]!.hash }, 'the recorded head, not the last event left');
    const verify = await samgraf('audit', 'verify');
    assert.notEqual(verify.status, 0);
    assert.match(verify.stdout, new RegExp(`BROKEN: event ${writer.writerId}:2: the chain ends before the head its writer recorded`));
    // Put the events back so the rest of the suite sees an intact log.
    await store('audit_events').insert(written.slice(1).map(toRow));
    await store('audit_event_subjects').insert(written.slice(1).map((e) => ({ subject: E, occurred_ms: Date.parse(e.occurredAt), writer_id: e.writer, seq: e.seq, categories: 'IDENTITY' })));
    assert.equal((await samgraf('audit', 'verify')).status, 0, 'restored');
  });
});
