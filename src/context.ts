/**
 * What every resolver gets: who is asking and why, a fresh set of DataLoaders per request (one set per source
 * module), the register of persons, and what the request has denied, masked and found wrong in the legacy data.
 * Row restrictions are not in the loaders: security/enforce.ts withholds every object of a person out of sight.
 */
import { SOURCE_MODULES } from '../sources/registry.js';
import type { CursorCodec } from './core/cursor.js';
import type { ModuleContext, PersonDirectory } from './core/source-module.js';
import type { DataQualityFinding, DataQualitySink, LoaderOptions, Source } from './core/source.js';
import type { ChainVerifier } from './access-log/chain-status.js';
import type { AccessLogReader, CitizenLogEntry, EventKey } from './access-log/reader.js';
import type { InclusionProof } from './access-log/transparency/log.js';
import DataLoader from 'dataloader';
import { AccessRecord } from './access-log/record.js';
import type { GraphQLResponse } from '@apollo/server';
import type { Principal } from './core/principal.js';
import type { TrustedDocumentStore } from './security/trusted-documents.js';
import type { FollowUpRequest } from './follow-up/service.js';

/** What the caller said about the request, beyond credentials. */
export interface RequestDeclarations {
  purposeHeader: string | undefined;
  legalBasis: string | null;
  caseReference: string | null;
  /** The declaration headers as sent, for a part that asks another on the caller's behalf. */
  forwarded: Readonly<Record<string, string | undefined>>;
}

/** What an access-log read needs: the auditors' search, a citizen's view, and their proofs (one store's, or a federation's). */
export type AccessLogSearch = Pick<AccessLogReader, 'search' | 'ofCitizen' | 'leafIndexes' | 'inclusionProofs' | 'receipts'>;
/** Verifies hash chains (`auditChains`). */
export type ChainReporter = Pick<ChainVerifier, 'verify'>;

export interface RequestContext extends ModuleContext {
  requestId: string;
  /**
   * Set when the federation gateway sent the request (verified): it needs the entities' keys to join the
   * parts' answers, and applies the keys' own rules for its client itself (security/enforce.ts).
   */
  origin: InternalOrigin | null;
  accessLog: AccessLogSearch;
  /** An access-log event's leaf index, batched over the request (`AuditEvent.leafIndex`). */
  leafIndex: DataLoader<EventKey, number | null, string>;
  /** An event's inclusion proof against a checkpoint (its size, or null for the one the log chooses), batched. */
  inclusionProof: DataLoader<{ event: EventKey; checkpoint: number | null }, InclusionProof | null, string>;
  /** A citizen's receipt for an entry of their log, batched (`AccessLogEntry.receipt`). */
  receipt: DataLoader<CitizenLogEntry, string | null>;
  /** A trusted document's text by its id, batched (`AuditEvent.documentText`). */
  documentText: DataLoader<string, string | null>;
  /** The access log's follow-up: findings, their reviews and events (src/follow-up). */
  followUp: FollowUpRequest;
  /** Verifies the access log's hash chains (`auditChains`). */
  chains: ChainReporter;
  declarations: RequestDeclarations;
  /** Set once the operation is known to select a personal-data root field: its event is then written. */
  readsPersonalData: boolean;
  /** Set once the purpose is accepted. */
  purpose: string | null;
  /** The personal numbers the operation's arguments name, sorted; set before the purpose is checked. */
  subjectsRequested: readonly string[];
  access: AccessRecord;
  dataQuality: DataQualityCollector;
  /**
   * Filled as the response is sent, for the request's log line (plugins/request-log.ts). An object of its own:
   * Apollo executes on a shallow copy of the context, so a field set there would not reach the HTTP layer.
   */
  requestLog: { sent: SentOperation | null };
}

/** An operation as it was answered; the response is read when the line is written (see plugins/request-log.ts). */
export interface SentOperation {
  operation: string;
  operationName: string | null;
  /** Whether the access-log plugin writes an event for it (it reads the same flag). */
  logsAccess: boolean;
  response: GraphQLResponse;
}

export class DataQualityCollector implements DataQualitySink {
  readonly findings: DataQualityFinding[] = [];
  report(finding: DataQualityFinding): void {
    this.findings.push(finding);
  }
}

export interface Services {
  sources: Readonly<Record<string, Source>>;
  accessLog: AccessLogReader;
  chains: ChainVerifier;
  cursors: CursorCodec;
  loaders: LoaderOptions;
  /** The clients' trusted documents, whose texts auditors read beside the events that ran them. */
  documents: Pick<TrustedDocumentStore, 'texts'>;
  /**
   * The follow-up's findings for a request (a fresh set of loaders each): this store's, or in a federation's own
   * part every agency's (src/federation/findings.ts).
   */
  followUp: (request: PeopleRequest, remember?: RememberRemoteEvent) => FollowUpRequest;
  /**
   * Where the register of persons is asked, when it is not in this process (a federated part other than the
   * register's own: src/federation/person-directory.ts). By default the register's module's own loaders.
   */
  people?: (request: PeopleRequest) => PersonDirectory;
  /** Every agency's access log read as one, in a federation's own part (src/federation/access-logs.ts). */
  accessLogs?: (request: PeopleRequest) => { accessLog: AccessLogSearch; chains: ChainReporter; remember?: RememberRemoteEvent };
}

/**
 * Tells a request's federated access log that an event came from `part`'s log, with its leaf there (a finding's
 * event, read with the finding: src/federation/findings.ts), so that its proofs are asked of that agency.
 */
export type RememberRemoteEvent = (event: { writer: string; seq: number }, part: string, leafIndex: number | null) => void;

/** What a remote register of persons is told about the request it answers for. */
export interface PeopleRequest {
  requestId: string;
  principal: Principal | null;
  headers: Readonly<Record<string, string | undefined>>;
}

/** Where the request came from, when another part of a federated deployment sent it (internal-auth.ts). */
export interface InternalOrigin {
  /** The sending part: `gateway`, or a source's name. */
  part: string;
  /** Whether it is the gateway, which joins the parts' answers by the entities' keys. */
  gateway: boolean;
}

const PEOPLE_MODULE = SOURCE_MODULES.find((module) => module.people !== undefined);
if (PEOPLE_MODULE === undefined) throw new Error('no source module is the register of persons (people)');

/**
 * `target[key]` is made by `make` when it is first read, and is that same value from then on. A request reads one
 * or two sources of four, and a module's loaders — DataLoaders, their caches and batch functions — were most of
 * what making a context allocated.
 */
function madeOnFirstUse(target: Record<string, unknown>, key: string, make: () => unknown): void {
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = make();
      Object.defineProperty(target, key, { value, enumerable: true, writable: false, configurable: false });
      return value;
    },
  });
}

export function createRequestContext(services: Services, requestId: string, principal: Principal | null, declarations: RequestDeclarations, origin: InternalOrigin | null = null): RequestContext {
  const { sources, cursors, loaders: options } = services;
  const federated = services.accessLogs?.({ requestId, principal, headers: declarations.forwarded });
  const { accessLog, chains } = federated ?? services;
  const dataQuality = new DataQualityCollector();
  const loaders: Record<string, unknown> = {};
  for (const module of SOURCE_MODULES) {
    madeOnFirstUse(loaders, module.name, () => module.createLoaders({ source: sources[module.name]!, dataQuality, options, principal }));
  }
  const { typeName, person } = PEOPLE_MODULE!.people!;
  const people: PersonDirectory = services.people?.({ requestId, principal, headers: declarations.forwarded })
    ?? { typeName, get person() { return person(loaders[PEOPLE_MODULE!.name]); } };
  const leafIndex = new DataLoader<EventKey, number | null, string>(async (events) => {
    const found = await accessLog.leafIndexes(events);
    return events.map((event) => found.get(`${event.writer}:${event.seq}`) ?? null);
  }, { cacheKeyFn: (event) => `${event.writer}:${event.seq}` });
  // One batch per checkpoint asked for: the proofs of a batch are made against one tree.
  const inclusionProof = new DataLoader<{ event: EventKey; checkpoint: number | null }, InclusionProof | null, string>(async (keys) => {
    const proofs = new Map<string, InclusionProof | Error | null>();
    for (const checkpoint of new Set(keys.map((key) => key.checkpoint))) {
      const events = keys.filter((key) => key.checkpoint === checkpoint).map((key) => key.event);
      const made = await accessLog.inclusionProofs(events, checkpoint);
      events.forEach((event, i) => proofs.set(`${checkpoint}|${event.writer}:${event.seq}`, made[i]!));
    }
    return keys.map((key) => proofs.get(`${key.checkpoint}|${key.event.writer}:${key.event.seq}`) ?? null);
  }, { cacheKeyFn: (key) => `${key.checkpoint}|${key.event.writer}:${key.event.seq}` });
  const receipt = new DataLoader<CitizenLogEntry, string | null>((entries) => accessLog.receipts(entries));
  const documentText = new DataLoader<string, string | null>(async (ids) => {
    const texts = await services.documents.texts(ids);
    return ids.map((id) => texts.get(id) ?? null);
  });
  return {
    origin,
    requestId,
    accessLog,
    leafIndex,
    inclusionProof,
    receipt,
    documentText,
    followUp: services.followUp({ requestId, principal, headers: declarations.forwarded }, federated?.remember),
    chains,
    cursors,
    principal,
    declarations,
    readsPersonalData: false,
    purpose: null,
    subjectsRequested: [],
    loaders,
    people,
    access: new AccessRecord(),
    dataQuality,
    requestLog: { sent: null },
  };
}
