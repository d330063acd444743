/**
 * Trusted documents (persisted operations): the GraphQL documents a partner's client has registered, each under
 * the SHA-256 of its text. A client held to them (`trustedDocuments: required`) runs nothing else: it sends a
 * document's id (`documentId`, or `extensions.persistedQuery.sha256Hash`) and samgraf runs the text it stored.
 *
 * A client is an API key (by its id) or a JWT client named in config `clients` (by its `azp` or `client_id`
 * claim). Registrations are per client: one client's id is nothing to another, even for the same text.
 *
 * The id is the SHA-256 of the exact text, which is also what the access log records as `documentHash`: a
 * document sent by id and the same text sent inline leave the same event.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { dialectOf } from '../core/db.js';
import { AuditUnavailableGraphQLError } from './errors.js';
import type { Client } from '../core/principal.js';
import { Code } from '../core/error-codes.js';

export const TRUSTED_DOCUMENTS_TABLE = 'trusted_documents';
/**
 * Every text ever registered, by id, never deleted: an auditor reads which operation an event ran long after its
 * client removed the registration.
 */
export const DOCUMENT_TEXTS_TABLE = 'trusted_document_texts';

/** A client id: an API key's id, or an identity provider's client id (letters, digits and `._:-`). */
export const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface TrustedDocument {
  client: string;
  /** SHA-256 of `text`, 64 lower-case hex digits. */
  id: string;
  text: string;
  /** The operations the document defines, by name (an anonymous one as `(anonymous)`). */
  operations: string[];
  addedAt: Date;
}

interface DocumentRow {
  client_id: string;
  document_id: string;
  body: string;
  operations: string;
  added_at: number | string;
}

/** Ids and client ids compare byte for byte: on MySQL a case-insensitive collation would let `A` use `a`'s documents. */
const BINARY = 'ascii_bin';

export function documentId(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function createTrustedDocumentTable(db: Knex): Promise<void> {
  const mysql = dialectOf(db) === 'mysql';
  await db.schema.createTable(TRUSTED_DOCUMENTS_TABLE, (t) => {
    const client = t.string('client_id', 128).notNullable();
    const document = t.string('document_id', 64).notNullable();
    if (mysql) {
      client.collate(BINARY);
      document.collate(BINARY);
    }
    t.string('operations', 2000).notNullable();
    t.bigInteger('added_at').notNullable();
    t.primary(['client_id', 'document_id']);
  });
  await db.schema.createTable(DOCUMENT_TEXTS_TABLE, (t) => {
    const document = t.string('document_id', 64).notNullable().primary();
    if (mysql) document.collate(BINARY);
    // A document may be as long as a request body (limits.maxBodyBytes): MySQL's TEXT stops at 64 KiB.
    t.text('body', 'mediumtext').notNullable();
  });
}

export class TrustedDocumentStore {
  constructor(private readonly db: Knex) {}

  /** Stores each document for the client; one already there is kept as it was. Returns those newly added. */
  async add(client: string, documents: readonly { text: string; operations: readonly string[] }[], now = new Date()): Promise<TrustedDocument[]> {
    const rows = [...new Map(documents.map((document) => [documentId(document.text), document])).entries()].map(([id, document]) => ({
      client_id: client,
      document_id: id,
      body: document.text,
      operations: document.operations.join(' '),
      added_at: now.getTime(),
    }));
    return this.db.transaction(async (trx) => {
      const existing = new Set(await trx(TRUSTED_DOCUMENTS_TABLE).where({ client_id: client }).whereIn('document_id', rows.map((row) => row.document_id)).pluck('document_id') as string[]);
      const added = rows.filter((row) => !existing.has(row.document_id));
      for (const row of added) {
        await trx(DOCUMENT_TEXTS_TABLE).insert({ document_id: row.document_id, body: row.body }).onConflict('document_id').ignore();
        // Another `documents add` of the same document at the same moment is no error: it is registered once.
        await trx(TRUSTED_DOCUMENTS_TABLE).insert({ client_id: row.client_id, document_id: row.document_id, operations: row.operations, added_at: row.added_at }).onConflict(['client_id', 'document_id']).ignore();
      }
      return added.map(documentOf);
    });
  }

  async list(client?: string): Promise<TrustedDocument[]> {
    const query = this.registrations().orderBy([{ column: 'd.client_id' }, { column: 'd.added_at' }, { column: 'd.document_id' }]);
    if (client !== undefined) query.where('d.client_id', client);
    return (await query).map(documentOf);
  }

  /** A client's registrations with their texts. */
  private registrations(): Knex.QueryBuilder<DocumentRow, DocumentRow[]> {
    return this.db({ d: TRUSTED_DOCUMENTS_TABLE }).join({ x: DOCUMENT_TEXTS_TABLE }, 'x.document_id', 'd.document_id')
      .select('d.client_id', 'd.document_id', 'x.body', 'd.operations', 'd.added_at') as unknown as Knex.QueryBuilder<DocumentRow, DocumentRow[]>;
  }

  /** True if the client had the document. Its text stays, for the events that ran it. */
  async remove(client: string, id: string): Promise<boolean> {
    return (await this.db(TRUSTED_DOCUMENTS_TABLE).where({ client_id: client, document_id: id }).delete()) > 0;
  }

  /**
   * The text the client registered under `id`, or null. Read on every request that sends an id, so that a
   * removal takes effect at once on every replica; a store that does not answer refuses the request (503).
   */
  async find(client: string, id: string): Promise<string | null> {
    try {
      const row = await this.registrations().where('d.client_id', client).where('d.document_id', id).first();
      return row?.body ?? null;
    } catch {
      throw new AuditUnavailableGraphQLError();
    }
  }

  /** The texts of documents any client ever registered, by id: an auditor reads which operation an event ran. */
  async texts(ids: readonly string[]): Promise<Map<string, string>> {
    try {
      const rows = await this.db<DocumentRow>(DOCUMENT_TEXTS_TABLE).whereIn('document_id', [...new Set(ids)]).select('document_id', 'body');
      return new Map(rows.map((row) => [row.document_id, row.body]));
    } catch {
      throw new AuditUnavailableGraphQLError();
    }
  }
}

function documentOf(row: DocumentRow): TrustedDocument {
  return {
    client: row.client_id,
    id: row.document_id,
    text: row.body,
    operations: row.operations.split(' ').filter(Boolean),
    addedAt: new Date(Number(row.added_at)),
  };
}

/** What a request sent: its text, if any, and the id it names a document by, if any. */
export interface SentDocument {
  query: string | undefined;
  /** `documentId`, or `extensions.persistedQuery.sha256Hash` (SHA-256 hex). */
  id: string | undefined;
  /** Whether the id came as `documentId` (a trusted document only), not as an automatic persisted query's hash. */
  byDocumentId: boolean;
}

/** What runs: the text the client registered under the id, or what was sent (inline, or Apollo's own APQ). */
export type DocumentChoice = { kind: 'registered'; text: string } | { kind: 'as-sent' };

/** Why a request may not run what it sent; `code` is an error code of core/error-codes.ts. */
export class TrustedDocumentRefusal extends Error {
  constructor(readonly code: typeof Code.PERSISTED_QUERY_REQUIRED | typeof Code.PERSISTED_QUERY_NOT_FOUND, message: string) {
    super(message);
    this.name = 'TrustedDocumentRefusal';
  }
}

/**
 * Decides what a request runs. A client held to its documents runs only a document it registered, named by id
 * and sent without text: an inline query — even one it registered, or an automatic persisted query registering
 * itself — an unknown id, and another client's id are all refused alike (PERSISTED_QUERY_REQUIRED), so that the
 * answer tells nothing about what others registered. Any other caller may name its own documents by id, or send
 * what it likes as before.
 */
export async function chooseDocument(sent: SentDocument, client: Client | null | undefined, find: (client: string, id: string) => Promise<string | null>): Promise<DocumentChoice> {
  if (client?.trustedDocuments === 'required') {
    if (sent.query !== undefined) throw new TrustedDocumentRefusal(Code.PERSISTED_QUERY_REQUIRED, 'this client runs only its trusted documents: send a registered document\'s id (documentId or extensions.persistedQuery.sha256Hash) without the query text');
    const text = sent.id === undefined ? null : await find(client.id, sent.id);
    if (text === null) throw new TrustedDocumentRefusal(Code.PERSISTED_QUERY_REQUIRED, 'this client runs only its trusted documents, and it has registered none with this id (samgraf documents add)');
    return { kind: 'registered', text };
  }
  if (sent.id === undefined || sent.query !== undefined) return { kind: 'as-sent' };
  const text = client ? await find(client.id, sent.id) : null;
  if (text !== null) return { kind: 'registered', text };
  // An automatic persisted query's hash is Apollo's to look up (and to ask for the text); a documentId names a
  // registered document only.
  if (!sent.byDocumentId) return { kind: 'as-sent' };
  throw new TrustedDocumentRefusal(Code.PERSISTED_QUERY_NOT_FOUND, 'no trusted document with this id is registered for this client');
}
