/**
 * Fills the store with a realistic access log before the runs, so that W4 searches a log of production size:
 * valid hash chains (`chainHash`, exactly what `samgraf audit verify` checks), several writers (two replicas,
 * redeployed every two months), events spread evenly over the year before the benchmark, subjects drawn from
 * the seeded people (single profiles, batches, municipality pages, auditors' reads), and the subject index.
 *
 * Bulk loading: events are inserted in time order with multi-row INSERTs (each writer's rows land at the end
 * of its key range). The subject index is keyed by (subject, time), which arrives in random order; it is
 * sorted in memory first and inserted in key order, with its secondary index (writer_id, seq) dropped during
 * the load and rebuilt by one ALTER TABLE afterwards — the table ends up exactly as the migration made it.
 */
import { createHash, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { chainHash, GENESIS_HASH, type AuditEvent, type DataCategory, type EventPrincipal, type Outcome } from '../src/access-log/event.js';
import { toRow, type EventRow } from '../src/access-log/store.js';
import { parseDatabaseUrl } from '../src/core/db.js';
import { SeededRandom } from '../src/core/seed/random.js';
import type { People } from './legacy-tables.js';

export interface FillOptions {
  events: number;
  people: People;
  seed: string;
  /** The last event's time; the benchmark's own requests come after it. */
  endMs: number;
  spanDays?: number;
  onProgress?: (message: string) => void;
}

export interface FilledLog {
  events: number;
  subjectRows: number;
  writers: string[];
  fromMs: number;
  toMs: number;
  /** Per person (index into people.numbers): how many generated events name them as a subject. */
  eventsPerPerson: Uint32Array;
  seconds: number;
}

const EVENT_COLUMNS: (keyof EventRow)[] = [
  'writer_id', 'seq', 'occurred_at', 'occurred_ms', 'request_id', 'principal_type', 'principal_subject', 'principal_organization',
  'principal_api_key_id', 'purpose', 'legal_basis', 'case_reference', 'operation_name', 'document_hash', 'outcome', 'subjects',
  'subject_categories', 'subjects_withheld', 'fields_read', 'fields_denied', 'fields_masked', 'source_errors', 'prev_hash', 'hash',
];
const EVENTS_PER_INSERT = 500;
const SUBJECT_ROWS_PER_INSERT = 5_000;
/** Deployments over the year, each with two replicas: every replica start is a new writer (chain). */
const DEPLOYMENTS = 6;
const REPLICAS = 2;

interface Kind {
  weight: number;
  operationName: string;
  categories: DataCategory[];
  fieldsRead: string[];
  outcome: Outcome;
  /** How many subjects, and how they are chosen. */
  subjects: 'one' | 'batch' | 'page' | 'audited' | 'none';
}

const CITIZEN = ['Citizen.birthDate', 'Citizen.familyName', 'Citizen.givenNames', 'Citizen.personalNumber', 'Citizen.protectedIdentity', 'Citizen.sex'];
const BENEFIT = ['Benefit.amount', 'Benefit.decidedOn', 'Benefit.id', 'Benefit.periodicity', 'Benefit.status', 'Benefit.type', 'Money.amount', 'Money.currency'];
const CASE = ['Case.actionPlan', 'Case.closedAt', 'Case.id', 'Case.openedAt', 'Case.status', 'Case.type', 'ActionPlanStep.activity', 'ActionPlanStep.status', 'ActionPlanStep.step'];

const KINDS: Kind[] = [
  { weight: 55, operationName: 'Profile', categories: ['ADDRESS', 'BENEFITS', 'CASES', 'IDENTITY'], outcome: 'OK', subjects: 'one',
    fieldsRead: [...CITIZEN, 'Citizen.address', 'Citizen.benefits', 'Citizen.cases', 'Address.city', 'Address.postalCode', 'Address.street', ...BENEFIT, 'Benefit.payments', 'Payment.amount', 'Payment.id', 'Payment.paidOn', ...CASE, 'Query.citizen'] },
  { weight: 15, operationName: 'BenefitStatus', categories: ['BENEFITS', 'IDENTITY'], outcome: 'OK', subjects: 'one',
    fieldsRead: [...CITIZEN, 'Citizen.benefits', ...BENEFIT, 'Query.citizen'] },
  { weight: 10, operationName: 'Batch', categories: ['BENEFITS', 'CASES', 'IDENTITY'], outcome: 'OK', subjects: 'batch',
    fieldsRead: [...CITIZEN, 'Citizen.benefits', 'Citizen.cases', ...BENEFIT, ...CASE, 'Query.citizens'] },
  { weight: 10, operationName: 'MunicipalityPage', categories: ['IDENTITY'], outcome: 'OK', subjects: 'page',
    fieldsRead: [...CITIZEN, 'CitizenConnection.edges', 'CitizenConnection.pageInfo', 'CitizenEdge.cursor', 'CitizenEdge.node', 'PageInfo.endCursor', 'PageInfo.hasNextPage', 'Query.citizensByMunicipality'] },
  { weight: 5, operationName: 'Profile', categories: [], outcome: 'DENIED', subjects: 'none', fieldsRead: [] },
  { weight: 5, operationName: 'AuditSearch', categories: ['ACCESS_LOG'], outcome: 'OK', subjects: 'audited',
    fieldsRead: ['AuditEvent.occurredAt', 'AuditEvent.outcome', 'AuditEvent.principal', 'AuditEvent.purpose', 'AuditEvent.subjects', 'AuditEventConnection.edges', 'AuditEventEdge.node', 'AuditPrincipal.organization', 'AuditPrincipal.subject', 'Query.auditEvents'] },
];

const ORGANIZATIONS: { organization: string; purpose: string; officers: number; apiKey: boolean }[] = [
  { organization: 'FK', purpose: 'benefit-assessment', officers: 400, apiKey: false },
  { organization: 'AF', purpose: 'employment-support', officers: 300, apiKey: false },
  { organization: '0180', purpose: 'social-services', officers: 8, apiKey: true },
  { organization: '1480', purpose: 'social-services', officers: 5, apiKey: true },
];

function documentHash(operationName: string): string {
  return createHash('sha256').update(`query ${operationName} { … }`).digest('hex');
}

/** A growable list of float64 keys (subject index entries before sorting). */
class KeyList {
  keys = new Float64Array(1 << 16);
  length = 0;
  push(key: number): void {
    if (this.length === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.length++] = key;
  }
}

/** Subject index entries are sorted as one number: person index × 2^26 + event index (events in time order). */
const EVENT_INDEX_SPACE = 2 ** 26;

export async function fillAccessLog(storeUrl: string, options: FillOptions): Promise<FilledLog> {
  const started = Date.now();
  const { people, events } = options;
  if (events >= EVENT_INDEX_SPACE) throw new RangeError(`at most ${EVENT_INDEX_SPACE - 1} events`);
  if (people.numbers.length === 0) throw new RangeError('no people to read about');
  const target = parseDatabaseUrl(storeUrl);
  if (target.dialect !== 'mysql') throw new Error('the benchmark store must be MariaDB/MySQL');
  const db = await mysql.createConnection({ host: target.host, port: target.port, user: target.user, password: target.password, database: target.database, charset: 'utf8mb4' });
  try {
    const random = new SeededRandom(options.seed, 'bench-access-log');
    const spanMs = (options.spanDays ?? 365) * 86_400_000;
    const fromMs = options.endMs - spanMs;
    const writers = Array.from({ length: DEPLOYMENTS * REPLICAS }, () => randomUUID());
    const chain = writers.map(() => ({ seq: 0, hash: GENESIS_HASH }));
    const eventWriter = new Uint8Array(events);
    const eventSeq = new Uint32Array(events);
    const eventMs = new Float64Array(events);
    const eventKind = new Uint8Array(events);
    const subjectKeys = new KeyList();
    const eventsPerPerson = new Uint32Array(people.numbers.length);
    const municipalities = [...people.byMunicipality.values()];
    const totalWeight = KINDS.reduce((sum, kind) => sum + kind.weight, 0);
    const hashes = KINDS.map((kind) => documentHash(kind.operationName));

    const chooseSubjects = (kind: Kind): number[] => {
      const n = people.numbers.length;
      switch (kind.subjects) {
        case 'none': return [];
        case 'one': return [random.int(0, n - 1)];
        case 'audited': return distinct(random, n, random.int(1, 5));
        case 'batch': return distinct(random, n, random.int(2, 20));
        case 'page': {
          const members = random.pick(municipalities);
          const start = random.int(0, Math.max(0, members.length - 1));
          return members.slice(start, start + 20);
        }
      }
    };

    let pendingInsert: Promise<unknown> = Promise.resolve();
    let batch: unknown[][] = [];
    let lastMs = fromMs - 1;
    for (let i = 0; i < events; i++) {
      let point = random.float() * totalWeight;
      let k = 0;
      while (point >= KINDS[k]!.weight) point -= KINDS[k++]!.weight;
      const kind = KINDS[k]!;
      const deployment = Math.floor((i * DEPLOYMENTS) / events);
      const w = deployment * REPLICAS + random.int(0, REPLICAS - 1);
      const ms = Math.max(lastMs + 1, Math.floor(fromMs + (i * spanMs) / events) + random.int(0, 999));
      lastMs = ms;
      const org = random.pick(ORGANIZATIONS);
      const officer = random.int(1, org.officers);
      const principal: EventPrincipal = org.apiKey
        ? { type: 'API_KEY', subject: `key${org.organization}${officer}`, organization: org.organization, apiKeyId: `key${org.organization}${officer}` }
        : { type: 'STAFF', subject: `officer-${org.organization.toLowerCase()}-${officer}`, organization: org.organization, apiKeyId: null };
      const auditor = kind.subjects === 'audited';
      const subjects = chooseSubjects(kind).sort((a, b) => a - b);
      const subjectNumbers = subjects.map((index) => people.numbers[index]!);
      const body: Omit<AuditEvent, 'hash' | 'prevHash'> = {
        writer: writers[w]!,
        seq: chain[w]!.seq + 1,
        occurredAt: new Date(ms).toISOString(),
        requestId: randomUUID(),
        principal: auditor ? { type: 'STAFF', subject: `auditor-${officer % 7}`, organization: 'IAF', apiKeyId: null } : principal,
        purpose: auditor ? 'audit' : kind.outcome === 'DENIED' ? 'marketing' : org.purpose,
        legalBasis: kind.outcome === 'OK' && random.chance(0.3) ? 'SFB 110 kap. 31 §' : null,
        caseReference: kind.outcome === 'OK' && random.chance(0.4) ? `ÄR-${2025 + (i % 2)}-${random.int(100000, 999999)}` : null,
        operationName: kind.operationName,
        documentHash: hashes[k]!,
        subjects: subjectNumbers,
        subjectCategories: Object.fromEntries(subjectNumbers.map((pnr) => [pnr, kind.categories])),
        subjectsWithheld: [],
        fieldsRead: kind.fieldsRead,
        fieldsDenied: [],
        fieldsMasked: [],
        outcome: kind.outcome,
        sourceErrors: [],
      };
      const event: AuditEvent = { ...body, prevHash: chain[w]!.hash, hash: chainHash(chain[w]!.hash, body) };
      chain[w] = { seq: event.seq, hash: event.hash };
      eventWriter[i] = w;
      eventSeq[i] = event.seq;
      eventMs[i] = ms;
      eventKind[i] = k;
      for (const index of subjects) {
        subjectKeys.push(index * EVENT_INDEX_SPACE + i);
        eventsPerPerson[index]! += 1;
      }
      const row = toRow(event);
      batch.push(EVENT_COLUMNS.map((column) => row[column]));
      if (batch.length === EVENTS_PER_INSERT || i === events - 1) {
        const rows = batch;
        batch = [];
        // One insert in flight while the next batch is generated and hashed.
        await pendingInsert;
        pendingInsert = db.query(`INSERT INTO audit_events (${EVENT_COLUMNS.join(', ')}) VALUES ?`, [rows]);
        if ((i + 1) % 100_000 < EVENTS_PER_INSERT) options.onProgress?.(`access log: ${i + 1} events`);
      }
    }
    await pendingInsert;
    // Each chain's head, as its writer's last commit would have recorded it (one row a commit; the last is enough).
    const heads = writers.flatMap((writer, w) => (chain[w]!.seq > 0 ? [[writer, chain[w]!.seq, chain[w]!.hash]] : []));
    if (heads.length > 0) await db.query('INSERT INTO audit_chain_heads (writer_id, seq, hash) VALUES ?', [heads]);

    options.onProgress?.(`access log: sorting ${subjectKeys.length} subject index rows`);
    const keys = subjectKeys.keys.subarray(0, subjectKeys.length).sort();
    const categories = KINDS.map((kind) => kind.categories.join(' '));
    await db.query('ALTER TABLE audit_event_subjects DROP INDEX audit_event_subjects_event');
    let rows: unknown[][] = [];
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j]!;
      const person = Math.floor(key / EVENT_INDEX_SPACE);
      const i = key - person * EVENT_INDEX_SPACE;
      rows.push([people.numbers[person], eventMs[i], writers[eventWriter[i]!], eventSeq[i], categories[eventKind[i]!]]);
      if (rows.length === SUBJECT_ROWS_PER_INSERT || j === keys.length - 1) {
        const chunk = rows;
        rows = [];
        await pendingInsert;
        pendingInsert = db.query('INSERT INTO audit_event_subjects (subject, occurred_ms, writer_id, seq, categories) VALUES ?', [chunk]);
      }
    }
    await pendingInsert;
    options.onProgress?.('access log: rebuilding the subject index\'s event index');
    await db.query('ALTER TABLE audit_event_subjects ADD INDEX audit_event_subjects_event (writer_id, seq)');
    await db.query('ANALYZE TABLE audit_events, audit_event_subjects');
    return { events, subjectRows: keys.length, writers, fromMs, toMs: lastMs, eventsPerPerson, seconds: (Date.now() - started) / 1000 };
  } finally {
    await db.end();
  }
}

function distinct(random: SeededRandom, n: number, count: number): number[] {
  const chosen = new Set<number>();
  const target = Math.min(count, n);
  while (chosen.size < target) chosen.add(random.int(0, n - 1));
  return [...chosen];
}
