/**
 * samgraf's own database (`store`): API keys and the access log. Migrations live in code (not loaded
 * from a folder) so they work the same from source, from dist/ and on MariaDB or SQLite.
 */
import { dialectOf } from '../core/db.js';
import type { Knex } from 'knex';
import { KEYS_TABLE, newCursorKeyRow } from '../core/cursor.js';
import { createEventTables, EVENT_TABLES } from '../events/subscriptions.js';
import { createTrustedDocumentTable, DOCUMENT_TEXTS_TABLE, TRUSTED_DOCUMENTS_TABLE } from '../security/trusted-documents.js';
import { createFollowUpTables, FOLLOW_UP_TABLES, createReaderPersonsTable, queueExistingEventsForFollowUp, READER_DAYS, sketchReaderDays } from '../follow-up/store.js';
import { CHECKPOINTS, COSIGNATURES, createTreeTables, LEAVES, NODES, PENDING, queueExistingEvents } from '../access-log/transparency/tree-store.js';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** The access log's JSON list columns whose size grows with what one request may read. */
const WIDE_EVENT_COLUMNS = ['subjects', 'subject_categories', 'subjects_withheld', 'fields_read', 'fields_denied', 'fields_masked'] as const;

const MIGRATIONS: Record<string, Migration> = {
  '20261126_001_api_keys': {
    async up(db) {
      await db.schema.createTable('api_keys', (t) => {
        t.string('id', 32).primary();
        t.string('secret_sha256', 64).notNullable();
        t.string('organization', 32).notNullable();
        t.string('name', 200).notNullable();
        t.string('scopes', 1000).notNullable();
        t.string('purposes', 1000).notNullable();
        t.string('municipality', 4).nullable();
        t.bigInteger('created_at').notNullable();
        t.bigInteger('expires_at').nullable();
        t.bigInteger('revoked_at').nullable();
      });
    },
    async down(db) {
      await db.schema.dropTable('api_keys');
    },
  },
  '20261126_002_access_log': {
    async up(db) {
      await db.schema.createTable('audit_events', (t) => {
        t.string('writer_id', 36).notNullable();
        t.bigInteger('seq').notNullable();
        t.string('occurred_at', 32).notNullable();
        t.bigInteger('occurred_ms').notNullable();
        t.string('request_id', 128).notNullable();
        t.string('principal_type', 16).notNullable();
        t.string('principal_subject', 255).notNullable();
        t.string('principal_organization', 32).nullable();
        t.string('principal_api_key_id', 32).nullable();
        t.string('purpose', 64).nullable();
        t.string('legal_basis', 200).nullable();
        t.string('case_reference', 200).nullable();
        t.string('operation_name', 200).nullable();
        t.string('document_hash', 64).nullable();
        t.string('outcome', 8).notNullable();
        t.text('subjects').notNullable();
        t.text('subject_categories').notNullable();
        t.text('subjects_withheld').notNullable();
        t.text('fields_read').notNullable();
        t.text('fields_denied').notNullable();
        t.text('fields_masked').notNullable();
        t.text('source_errors').notNullable();
        t.string('prev_hash', 64).notNullable();
        t.string('hash', 64).notNullable();
        t.primary(['writer_id', 'seq']);
        t.index(['occurred_ms'], 'audit_events_time');
        t.index(['principal_subject', 'occurred_ms'], 'audit_events_principal');
        t.index(['principal_organization', 'occurred_ms'], 'audit_events_organization');
        t.index(['purpose', 'occurred_ms'], 'audit_events_purpose');
        t.index(['outcome', 'occurred_ms'], 'audit_events_outcome');
      });
      // One row per subject of an event: the index behind "whose data" searches and the citizens' own view.
      await db.schema.createTable('audit_event_subjects', (t) => {
        t.string('subject', 12).notNullable();
        t.bigInteger('occurred_ms').notNullable();
        t.string('writer_id', 36).notNullable();
        t.bigInteger('seq').notNullable();
        t.string('categories', 100).notNullable();
        t.primary(['subject', 'occurred_ms', 'writer_id', 'seq']);
        t.index(['writer_id', 'seq'], 'audit_event_subjects_event');
      });
      // Where a chain continues after retention pruned its beginning: the last pruned event's seq and hash.
      await db.schema.createTable('audit_chain_anchors', (t) => {
        t.string('writer_id', 36).primary();
        t.bigInteger('seq').notNullable();
        t.string('hash', 64).notNullable();
      });
    },
    async down(db) {
      await db.schema.dropTable('audit_chain_anchors');
      await db.schema.dropTable('audit_event_subjects');
      await db.schema.dropTable('audit_events');
    },
  },
  // A chain proves every event but its own end: deleting the newest events leaves a shorter chain that is whole.
  // Each commit also records the chain's new head here, in the same transaction, so verification can tell.
  '20261130_001_chain_heads': {
    async up(db) {
      await db.schema.createTable('audit_chain_heads', (t) => {
        t.string('writer_id', 36).notNullable();
        t.bigInteger('seq').notNullable();
        t.string('hash', 64).notNullable();
        t.primary(['writer_id', 'seq']);
      });
    },
    async down(db) {
      await db.schema.dropTable('audit_chain_heads');
    },
  },
  // The key that seals cursors (src/cursor.ts). Made here, so that every replica on the store shares it and a
  // store migrated by `samgraf migrate` (autoMigrate false) has it before the first server starts.
  '20261204_001_cursor_key': {
    async up(db) {
      await db.schema.createTable(KEYS_TABLE, (t) => {
        t.string('name', 32).primary();
        t.string('secret', 128).notNullable();
      });
      await db(KEYS_TABLE).insert(newCursorKeyRow());
    },
    async down(db) {
      await db.schema.dropTable(KEYS_TABLE);
    },
  },
  // Whom a request asked for (recorded even when it is refused), and room for the largest event the limits allow:
  // on MySQL/MariaDB a TEXT holds 64 kB, ten aliased citizens(100) of every category need more (README, access log).
  '20261204_002_subjects_requested': {
    async up(db) {
      await db.schema.alterTable('audit_events', (t) => {
        t.text('subjects_requested', 'mediumtext').nullable();
      });
      if (dialectOf(db) !== 'mysql') return;
      await db.schema.alterTable('audit_events', (t) => {
        for (const column of WIDE_EVENT_COLUMNS) t.text(column, 'mediumtext').notNullable().alter();
      });
    },
    async down(db) {
      if (db.client.config.client === 'mysql2') {
        await db.schema.alterTable('audit_events', (t) => {
          for (const column of WIDE_EVENT_COLUMNS) t.text(column).notNullable().alter();
        });
      }
      await db.schema.alterTable('audit_events', (t) => {
        t.dropColumn('subjects_requested');
      });
    },
  },
  // A federation's gateway records which parts it sent each request to (src/federation/gateway.ts).
  '20261204_003_subgraphs': {
    async up(db) {
      await db.schema.alterTable('audit_events', (t) => {
        t.text('subgraphs').nullable();
      });
    },
    async down(db) {
      await db.schema.alterTable('audit_events', (t) => {
        t.dropColumn('subgraphs');
      });
    },
  },
  // The access log as a transparency log (src/access-log/transparency): a Merkle tree over every event, and the
  // checkpoints signed of it. Events written before it are queued, so the sequencer gives them leaves first.
  '20261205_001_transparency_log': {
    async up(db) {
      await createTreeTables(db);
      await queueExistingEvents(db);
    },
    async down(db) {
      for (const table of [COSIGNATURES, CHECKPOINTS, NODES, LEAVES, PENDING]) await db.schema.dropTable(table);
    },
  },
  // Life events (src/events): subscriptions, where change capture stands in each table, and undeliverable events.
  '20261206_001_life_events': {
    async up(db) {
      await createEventTables(db);
    },
    async down(db) {
      for (const table of EVENT_TABLES) await db.schema.dropTable(table);
    },
  },
  // Trusted documents (src/security/trusted-documents.ts), and API keys that may run only theirs.
  '20261207_001_trusted_documents': {
    async up(db) {
      await createTrustedDocumentTable(db);
      await db.schema.alterTable('api_keys', (t) => {
        t.string('trusted_documents', 16).nullable();
      });
    },
    async down(db) {
      await db.schema.alterTable('api_keys', (t) => {
        t.dropColumn('trusted_documents');
      });
      await db.schema.dropTable(DOCUMENT_TEXTS_TABLE);
      await db.schema.dropTable(TRUSTED_DOCUMENTS_TABLE);
    },
  },
  // Systematic follow-up (src/follow-up): a staff reader's own personal number in their events, the findings and
  // their reviews, and the queue of events to look at — the history included.
  '20261208_001_follow_up': {
    async up(db) {
      await db.schema.alterTable('audit_events', (t) => {
        t.string('principal_personal_number', 12).nullable();
      });
      await createFollowUpTables(db);
      await queueExistingEventsForFollowUp(db);
    },
    async down(db) {
      for (const table of [...FOLLOW_UP_TABLES].reverse()) await db.schema.dropTable(table);
      await db.schema.alterTable('audit_events', (t) => {
        t.dropColumn('principal_personal_number');
      });
    },
  },
  // A sketch of each reader's distinct persons per day (src/follow-up/distinct-count.ts) instead of a row per person.
  '20261209_001_follow_up_sketches': {
    async up(db) {
      await sketchReaderDays(db);
    },
    // Lossy: the persons behind each day's count are not in its sketch, so the old counting starts today's anew.
    async down(db) {
      await createReaderPersonsTable(db);
      await db.schema.alterTable(READER_DAYS, (t) => {
        t.dropColumn('sketch');
      });
    },
  },
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};

const TABLE = 'samgraf_migrations';

/** Applies pending migrations; returns their names. */
export async function migrateStore(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource: source, tableName: TABLE }) as [number, string[]];
  return applied;
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = await db.migrate.list({ migrationSource: source, tableName: TABLE }) as [unknown[], { file: string }[] | string[]];
  return pending.map((entry) => (typeof entry === 'string' ? entry : entry.file));
}
