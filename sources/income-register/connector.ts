/** The income register (SKV, AGI): every SQL statement samgraf runs against agi_individuppgift and agi_arbetsgivare. */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import { dialectOf } from '../../src/core/db.js';
import type { LoaderRequest, UnlinkableRows } from '../../src/core/source-module.js';
import { groupInKeyOrder, loaderSettings, type DataQualitySink, Source } from '../../src/core/source.js';
import { mapCurrentStatement, periodOf } from './mapping.js';
import type { AgiCurrentStatementRow } from './tables.js';
import type { IncomeStatement } from './types.js';

/** Inclusive, as `YYYY-MM`; null = open. */
export interface PeriodRange {
  from: string | null;
  to: string | null;
}

/** What identifies a statement across its versions (legacy-sources.md §4). */
const STATEMENT = 'redovisningsperiod, arbetsgivare, betalningsmottagare, specifikationsnummer';

const VERSION_COLUMNS = [
  'id', 'redovisningsperiod', 'arbetsgivare', 'betalningsmottagare', 'specifikationsnummer', 'kontant_ersattning',
  'skatteavdrag', 'formaner', 'borttag', 'inlamnad',
] as const;

/**
 * Newest version first: latest arrival, then highest id. PostgreSQL orders TIMESTAMPTZ by instant; the demo's
 * SQLite holds text with varying offsets (+01:00 and +02:00 around a change of time), so it orders by the
 * instant its date functions read from the text.
 */
function newestFirst(db: Knex): string {
  return dialectOf(db) === 'sqlite' ? "unixepoch(inlamnad, 'subsec') desc, id desc" : 'inlamnad desc, id desc';
}

export class IncomeRegister {
  constructor(readonly source: Source) {}

  /**
   * Statement versions whose payee has no Swedish number (legacy-sources.md §4): they cannot be linked to a person,
   * so no request reads them. One COUNT over the payee index.
   */
  async unlinkableRows(): Promise<UnlinkableRows[]> {
    const [row] = await this.source.select<{ n: number | string }>((db) => db('agi_individuppgift').count({ n: '*' }).whereNull('betalningsmottagare'));
    return [{ table: 'agi_individuppgift', column: 'agi_individuppgift.betalningsmottagare', problem: 'payee without a Swedish personal number: cannot be linked to a person', count: Number(row?.n ?? 0) }];
  }

  /**
   * The current statements of each payee (12-digit numbers) within the periods, newest period first, then by
   * employer and specification number. One statement for all payees, reading both tables: the window functions
   * pick each statement's newest version and count its versions in the database, so only current versions
   * (withdrawals included, which the mapping drops) travel, each with its employer's name.
   */
  async statementsByPayee(personalNumbers: readonly string[], range: PeriodRange, sink: DataQualitySink): Promise<IncomeStatement[][]> {
    // The register writes the payee `YYYYMMDD-NNNN`: matched as written, so the index serves the lookup.
    const payees = personalNumbers.map((pnr) => `${pnr.slice(0, 8)}-${pnr.slice(8)}`);
    const rows = await this.source.select<AgiCurrentStatementRow>((db) => {
      const versions = db('agi_individuppgift')
        .select(VERSION_COLUMNS)
        .select(db.raw(`row_number() over (partition by ${STATEMENT} order by ${newestFirst(db)}) as newest`))
        .select(db.raw(`count(*) over (partition by ${STATEMENT}) as versions`))
        .select(db.raw(`min(id) over (partition by ${STATEMENT}) as first_id`))
        .whereIn('betalningsmottagare', payees);
      if (range.from !== null) versions.andWhere('redovisningsperiod', '>=', periodOf(range.from));
      if (range.to !== null) versions.andWhere('redovisningsperiod', '<=', periodOf(range.to));
      return db.select(VERSION_COLUMNS.map((column) => `v.${column}`)).select('v.versions', 'v.first_id', 'e.namn')
        .from(versions.as('v'))
        .leftJoin('agi_arbetsgivare as e', 'e.arbetsgivare', 'v.arbetsgivare')
        .where('v.newest', 1)
        .orderBy([{ column: 'v.redovisningsperiod', order: 'desc' }, { column: 'v.arbetsgivare' }, { column: 'v.specifikationsnummer' }]);
    });
    const mapped = this.source.mapRows(rows, 'agi_individuppgift', (row) => String(row.id), (row) => mapCurrentStatement(row, this.source, sink), sink);
    const current = mapped.filter((statement): statement is IncomeStatement => statement !== null);
    return groupInKeyOrder(personalNumbers, current, (statement) => statement.personalNumber);
  }
}

export interface IncomeRegisterLoaders {
  /** One loader per period range asked for, so each distinct `incomes(from, to)` costs one statement. */
  incomesOfCitizen(range: PeriodRange): DataLoader<string, IncomeStatement[]>;
}

export function createIncomeRegisterLoaders({ source, dataQuality: sink, options }: LoaderRequest): IncomeRegisterLoaders {
  const register = new IncomeRegister(source);
  const byRange = new Map<string, DataLoader<string, IncomeStatement[]>>();
  return {
    incomesOfCitizen(range) {
      const key = `${range.from ?? ''}/${range.to ?? ''}`;
      let loader = byRange.get(key);
      if (!loader) {
        loader = new DataLoader((keys) => register.statementsByPayee(keys, range, sink), loaderSettings(options));
        byRange.set(key, loader);
      }
      return loader;
    },
  };
}
