/**
 * The generated legacy data with each table's row type, for tests that read the rows (src/seed/generate.ts
 * keys them by table name only, because nothing outside sources/ may know a source's tables).
 */
import type { AfArendeRow, AfHandlingsplanRow } from '../../sources/employment-service/tables.js';
import type { FbPersonRow, FbRelationRow } from '../../sources/population-register/tables.js';
import type { FkBeslutRow, FkUtbetalningRow } from '../../sources/social-insurance/tables.js';
import { generateLegacyData as generate, type GenerateOptions } from '../../src/seed/generate.js';

export interface LegacyData {
  FB_PERSON: FbPersonRow[];
  FB_RELATION: FbRelationRow[];
  FK_BESLUT: FkBeslutRow[];
  FK_UTBETALNING: FkUtbetalningRow[];
  AF_ARENDE: AfArendeRow[];
  AF_HANDLINGSPLAN: AfHandlingsplanRow[];
}

export type LegacyTableName = keyof LegacyData;

const TABLES: readonly LegacyTableName[] = [
  'FB_PERSON', 'FB_RELATION', 'FK_BESLUT', 'FK_UTBETALNING', 'AF_ARENDE', 'AF_HANDLINGSPLAN',
];

export function generateLegacyData(options: GenerateOptions): LegacyData {
  const data = generate(options);
  const missing = TABLES.filter((table) => !(table in data));
  if (missing.length > 0) throw new Error(`the generator made no ${missing.join(', ')} tables`);
  return data as unknown as LegacyData;
}
