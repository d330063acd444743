/**
 * The generated legacy data with each table's row type, for tests that read the rows (src/seed/generate.ts
 * keys them by table name only, because nothing outside sources/ may know a source's tables).
 */
import type { AfArendeRow, AfHandlingsplanRow } from '../../sources/employment-service/tables.js';
import { incomeRegisterSeed, type GeneratedStatementRow } from '../../sources/income-register/seed.js';
import type { AgiArbetsgivareRow } from '../../sources/income-register/tables.js';
import type { FbPersonRow, FbRelationRow } from '../../sources/population-register/tables.js';
import { SOURCE_MODULES } from '../../sources/registry.js';
import type { FkBeslutRow, FkUtbetalningRow } from '../../sources/social-insurance/tables.js';
import { generateLegacyData as generate, type GenerateOptions } from '../../src/seed/generate.js';

export interface LegacyData {
  FB_PERSON: FbPersonRow[];
  FB_RELATION: FbRelationRow[];
  FK_BESLUT: FkBeslutRow[];
  FK_UTBETALNING: FkUtbetalningRow[];
  AF_ARENDE: AfArendeRow[];
  AF_HANDLINGSPLAN: AfHandlingsplanRow[];
  agi_individuppgift: GeneratedStatementRow[];
  agi_arbetsgivare: AgiArbetsgivareRow[];
}

export type LegacyTableName = keyof LegacyData;

const TABLES: readonly LegacyTableName[] = [
  'FB_PERSON', 'FB_RELATION', 'FK_BESLUT', 'FK_UTBETALNING', 'AF_ARENDE', 'AF_HANDLINGSPLAN', 'agi_individuppgift', 'agi_arbetsgivare',
];

/**
 * The income register's generator, also while the registry does not list its module yet (its rows depend on
 * nothing but the shared world, so adding them changes no other source's rows).
 */
const MODULES = SOURCE_MODULES.some((module) => module.seed === incomeRegisterSeed)
  ? SOURCE_MODULES
  : [...SOURCE_MODULES, { name: 'incomeRegister', seed: incomeRegisterSeed }];

export function generateLegacyData(options: GenerateOptions): LegacyData {
  const data = generate(options, MODULES);
  const missing = TABLES.filter((table) => !(table in data));
  if (missing.length > 0) throw new Error(`the generator made no ${missing.join(', ')} tables`);
  return data as unknown as LegacyData;
}
