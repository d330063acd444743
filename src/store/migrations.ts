/**
 * samgraf's own database (`store`): API keys now, the access log later. Migrations live in code (not loaded
 * from a folder) so they work the same from source, from dist/ and on MariaDB or SQLite.
 */
import type { Knex } from 'knex';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

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
