/**
 * Creates an agency's legacy tables for the demo, tests and benchmarks. The real agencies own their DDL;
 * ours is written from legacy-sources.md so that demo and test data have the same shape and quirks.
 */
import type { Knex } from 'knex';
import { dialectOf } from './db.js';

export interface TableCharset {
  charset: string;
  collation: string;
}

/** Drops and creates a table with the agency's character set (MySQL) or as plain UTF-8 (SQLite). */
export async function recreateTable(
  db: Knex,
  name: string,
  charset: TableCharset,
  build: (table: Knex.CreateTableBuilder) => void,
): Promise<void> {
  await db.schema.dropTableIfExists(name);
  await db.schema.createTable(name, (table) => {
    if (dialectOf(db) === 'mysql') {
      table.charset(charset.charset);
      table.collate(charset.collation);
      table.engine('InnoDB');
    }
    build(table);
  });
}
