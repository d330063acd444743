/**
 * The income register's life events, derived from agi_individuppgift (change mark `inlamnad`, an instant). Rows
 * are never changed: each version of a statement is a row of its own, so a row is remembered only as seen. The
 * rule: every version that names a payee is `income.reported` — `correction: true` when the statement had an
 * earlier version, `withdrawn: true` when it is a removal (`borttag`). A version without a Swedish payee names no
 * one and makes no event. The employer is never sent (a sole trader's identifier is a person's number).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../src/core/db.js';
import { field, type ChangeFeed, type ObservedRow, unreadableRow } from '../../src/core/life-events.js';
import { decodeBorttag, decodeKronor, decodePayee, decodePeriod, decodeTimestampTz } from './mapping.js';
import type { AgiIndividuppgiftRow } from './tables.js';

const TABLE = 'agi_individuppgift';

async function changedStatements(db: Knex, since: string | null, limit: number): Promise<ObservedRow[]> {
  // SQLite holds the instant as ISO text with any offset: compared as text it would not be in time order.
  const instant = dialectOf(db) === 'sqlite' ? 'julianday(inlamnad)' : 'inlamnad';
  const query = db<AgiIndividuppgiftRow>(TABLE).select('*').orderByRaw(`${instant}, id`).limit(limit);
  const rows: AgiIndividuppgiftRow[] = await (since === null ? query
    : query.whereRaw(dialectOf(db) === 'sqlite' ? 'julianday(inlamnad) >= julianday(?)' : 'inlamnad >= CAST(? AS TIMESTAMPTZ)', [since]));
  const earlier = await earlierVersions(db, rows);
  return rows.map((row) => {
    try {
      return observe(row, earlier.has(String(row.id)));
    } catch {
      return unreadableRow(String(row.id), instantOf(row)); // no Swedish payee, or unreadable: no event
    }
  });
}

/** The row's arrival as an ISO instant (the mark), or its text as the database gave it when it cannot be read. */
function instantOf(row: AgiIndividuppgiftRow): string {
  try {
    return new Date(Date.parse(decodeTimestampTz(String(row.inlamnad), `${TABLE}.inlamnad`))).toISOString();
  } catch {
    return String(row.inlamnad);
  }
}

const statementKey = (row: AgiIndividuppgiftRow) => JSON.stringify([row.redovisningsperiod, row.arbetsgivare, row.betalningsmottagare, Number(row.specifikationsnummer)]);

/** The ids of the rows that are not their statement's first version. */
async function earlierVersions(db: Knex, rows: readonly AgiIndividuppgiftRow[]): Promise<Set<string>> {
  const corrections = new Set<string>();
  const payees = [...new Set(rows.map((row) => row.betalningsmottagare).filter((payee): payee is string => payee !== null))];
  const firstOf = new Map<string, bigint>();
  for (let i = 0; i < payees.length; i += 1000) {
    const versions: Pick<AgiIndividuppgiftRow, 'id' | 'redovisningsperiod' | 'arbetsgivare' | 'betalningsmottagare' | 'specifikationsnummer'>[] = await db(TABLE)
      .select('id', 'redovisningsperiod', 'arbetsgivare', 'betalningsmottagare', 'specifikationsnummer').whereIn('betalningsmottagare', payees.slice(i, i + 1000));
    for (const version of versions as AgiIndividuppgiftRow[]) {
      const key = statementKey(version);
      const id = BigInt(version.id);
      const first = firstOf.get(key);
      if (first === undefined || id < first) firstOf.set(key, id);
    }
  }
  for (const row of rows) if (firstOf.get(statementKey(row)) !== BigInt(row.id)) corrections.add(String(row.id));
  return corrections;
}

function observe(row: AgiIndividuppgiftRow, correction: boolean): ObservedRow {
  const subject = decodePayee(row.betalningsmottagare);
  const time = decodeTimestampTz(String(row.inlamnad), `${TABLE}.inlamnad`);
  const withdrawn = decodeBorttag(row.borttag);
  return {
    key: String(row.id),
    mark: instantOf(row),
    state: { seen: true },
    events(before) {
      if (before !== null) return [];
      return [{
        type: 'income.reported',
        subject,
        time,
        data: {
          personalNumber: field(subject, 'citizen:read', 'IDENTITY'),
          period: field(decodePeriod(row.redovisningsperiod), 'income:read', 'INCOME'),
          grossPayMinorUnits: field(withdrawn ? null : (decodeKronor(row.kontant_ersattning, `${TABLE}.kontant_ersattning`)?.minorUnits ?? null), 'income:read', 'INCOME'),
          correction: field(correction, 'income:read', 'INCOME'),
          withdrawn: field(withdrawn, 'income:read', 'INCOME'),
        },
      }];
    },
  };
}

export const incomeRegisterChanges: ChangeFeed = {
  tables: [{ table: TABLE, markKind: 'instant', markColumns: ['inlamnad'], changedSince: changedStatements }],
  rules: [
    'income.reported: every new agi_individuppgift version that names a payee (correction: the statement had an earlier version; withdrawn: a removal)',
    'a version without a Swedish payee: no event',
  ],
};
