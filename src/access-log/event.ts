/**
 * An access-log event and its place in a hash chain. Each writer (server instance) keeps its own chain:
 * `hash = SHA-256(prevHash ‖ canonical JSON of the event)`, the first event's prevHash being 64 zeros. The
 * canonical JSON has its keys sorted at every level and no white space, so the same event always hashes alike.
 */
import { createHash } from 'node:crypto';
import type { AuditOutcome as Outcome } from '../core/generated/schema-types.js';
import type { DataCategory } from '../core/source-module.js';
import { canonicalJson } from './canonical-json.js';

/** Outcome is `AuditOutcome` in the SDL. */
export type { DataCategory, Outcome };

export const GENESIS_HASH = '0'.repeat(64);

export interface EventPrincipal {
  type: string;
  subject: string;
  organization: string | null;
  apiKeyId: string | null;
  /**
   * A staff reader's own personal number, where their token gives it (claim `personalNumber`): follow-up checks
   * their reads against their relatives and household. Absent otherwise, so that every other event hashes as before.
   */
  personalNumber?: string;
}

/** What a request contributes; the writer adds its place in the chain. */
export interface EventDraft {
  occurredAt: string;
  requestId: string;
  principal: EventPrincipal;
  purpose: string | null;
  legalBasis: string | null;
  caseReference: string | null;
  operationName: string | null;
  documentHash: string | null;
  /** Personal numbers whose data was returned, sorted. */
  subjects: string[];
  /** For each subject, the categories of their data that were returned. */
  subjectCategories: Record<string, DataCategory[]>;
  /** Personal numbers asked for but withheld by a row restriction, sorted. */
  subjectsWithheld: string[];
  /**
   * The personal numbers the request's arguments named, sorted: recorded even when it was refused before
   * execution. Absent from events written before samgraf recorded it; their hashed content stays as it was.
   */
  subjectsRequested?: string[];
  fieldsRead: string[];
  fieldsDenied: string[];
  fieldsMasked: string[];
  outcome: Outcome;
  sourceErrors: string[];
  /**
   * A federation's gateway only: the parts it sent the request to, sorted (each logs what it served in its own
   * log, under the same request id). Absent from every other event, which hashes as it did before.
   */
  subgraphs?: string[];
}

export interface AuditEvent extends EventDraft {
  writer: string;
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hashed content: everything but the hash itself (prevHash enters by concatenation). */
export function hashedContent(event: Omit<AuditEvent, 'hash' | 'prevHash'>): string {
  const { writer, seq, occurredAt, requestId, principal, purpose, legalBasis, caseReference, operationName, documentHash,
    subjects, subjectCategories, subjectsWithheld, subjectsRequested, fieldsRead, fieldsDenied, fieldsMasked, outcome, sourceErrors, subgraphs } = event;
  // canonicalJson leaves out an absent subjectsRequested or subgraphs: an older event hashes exactly as when it was written.
  return canonicalJson({ writer, seq, occurredAt, requestId, principal, purpose, legalBasis, caseReference, operationName, documentHash,
    subjects, subjectCategories, subjectsWithheld, subjectsRequested, fieldsRead, fieldsDenied, fieldsMasked, outcome, sourceErrors, subgraphs });
}

export function chainHash(prevHash: string, event: Omit<AuditEvent, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update(hashedContent(event)).digest('hex');
}
