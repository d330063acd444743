/**
 * The income register's legacy rows (legacy-sources.md §4) as the tests read them: the tables typed from the
 * spec, and the spec's rule for which version of a statement is current. Written from the spec alone — it
 * imports nothing from sources/income-register, so that the tests never check the module against itself.
 */

/** One version of one pay statement (`agi_individuppgift`), as generateLegacyData returns it. */
export interface AgiStatementRow {
  /** BIGINT, increasing in order of arrival. */
  id: number | string;
  /** `YYYYMM`. */
  redovisningsperiod: string;
  /** An organisation number `NNNNNN-NNNN`, or a sole trader's own personal number `YYYYMMDD-NNNN`. */
  arbetsgivare: string;
  /** `YYYYMMDD-NNNN`; null for a payee without a Swedish number. */
  betalningsmottagare: string | null;
  fodelsetid: string | null;
  specifikationsnummer: number;
  /** NUMERIC(12,0), whole kronor; null = not reported. */
  kontant_ersattning: number | string | null;
  skatteavdrag: number | string | null;
  formaner: number | string | null;
  borttag: boolean | number;
  /** TIMESTAMPTZ. */
  inlamnad: string;
}

/** One employer (`agi_arbetsgivare`). */
export interface AgiEmployerRow {
  arbetsgivare: string;
  namn: string;
  sni_kod: string | null;
}

export interface AgiTables {
  agi_individuppgift: AgiStatementRow[];
  agi_arbetsgivare: AgiEmployerRow[];
}

/**
 * The income register's tables out of generateLegacyData's result (typed here from the spec, so that the tests
 * do not depend on how the generator types them).
 */
export function agiTables(data: object): AgiTables {
  const tables = data as Partial<AgiTables>;
  if (!Array.isArray(tables.agi_individuppgift) || !Array.isArray(tables.agi_arbetsgivare)) {
    throw new Error('generateLegacyData returned no agi_individuppgift / agi_arbetsgivare rows');
  }
  return { agi_individuppgift: tables.agi_individuppgift, agi_arbetsgivare: tables.agi_arbetsgivare };
}

/** BOOLEAN `borttag`, whatever the generator's representation (true/false, 1/0). */
export function isRemoval(row: AgiStatementRow): boolean {
  return row.borttag === true || row.borttag === 1;
}

/** A sole trader's identifier is a personal number, `YYYYMMDD-NNNN`; an organisation number is `NNNNNN-NNNN`. */
export function isSoleTrader(arbetsgivare: string): boolean {
  return /^\d{8}-\d{4}$/.test(arbetsgivare);
}

/** `YYYYMMDD-NNNN` → the 12 digits the population register uses. */
export function twelveDigits(dashed: string): string {
  if (!/^\d{8}-\d{4}$/.test(dashed)) throw new Error(`not a YYYYMMDD-NNNN number: ${dashed.length} characters`);
  return dashed.replace('-', '');
}

/** Every way a 12-digit personal number can be written: 12 and 10 digits, with and without separator. */
export function numberForms(pnr12: string): string[] {
  return [pnr12, `${pnr12.slice(0, 8)}-${pnr12.slice(8)}`, pnr12.slice(2), `${pnr12.slice(2, 8)}-${pnr12.slice(8)}`, `${pnr12.slice(2, 8)}+${pnr12.slice(8)}`];
}

/**
 * A TIMESTAMPTZ's instant as a fixed-width UTC text that sorts in time order (`YYYY-MM-DDTHH:MM:SS.ffffff`), from
 * any ISO 8601 / PostgreSQL text form with an offset (`Z`, `+HH`, `+HH:MM`, `+HHMM`).
 */
export function utcKey(timestamptz: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(timestamptz);
  if (!match) throw new Error(`oracle: a TIMESTAMPTZ text without an offset, or in no known form: ${timestamptz}`);
  const [, y, mo, d, h, mi, s, fraction = '', offset] = match as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const offsetMinutes = offset === 'Z' ? 0
    : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.replace(':', '').slice(3, 5) || '0'));
  const utc = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi) - offsetMinutes, Number(s)));
  return `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0')}`;
}

/** One statement: the versions that share (`redovisningsperiod`, `arbetsgivare`, `betalningsmottagare`, `specifikationsnummer`). */
export interface Statement {
  key: string;
  /** Its newest version: latest `inlamnad`, then highest `id`. */
  current: AgiStatementRow;
  /** Every version, the current one included. */
  versions: AgiStatementRow[];
  /** The newest version has `borttag = true`: the statement no longer exists. */
  withdrawn: boolean;
}

export function statementKey(row: AgiStatementRow): string {
  // A payee without a number cannot be told apart from another by the key; their birth date keeps them apart here.
  const payee = row.betalningsmottagare ?? `NULL:${row.fodelsetid ?? ''}`;
  return `${row.redovisningsperiod}|${row.arbetsgivare}|${payee}|${row.specifikationsnummer}`;
}

/** Whether version a is newer than version b: later `inlamnad`, or the same and a higher `id`. */
export function newer(a: AgiStatementRow, b: AgiStatementRow): boolean {
  const [ka, kb] = [utcKey(a.inlamnad), utcKey(b.inlamnad)];
  if (ka !== kb) return ka > kb;
  return BigInt(String(a.id)) > BigInt(String(b.id));
}

/** Every statement of the rows, grouped by key, with its current version. */
export function statementsOf(rows: readonly AgiStatementRow[]): Statement[] {
  const byKey = new Map<string, AgiStatementRow[]>();
  for (const row of rows) {
    const key = statementKey(row);
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return [...byKey].map(([key, versions]) => {
    const current = versions.reduce((best, row) => (newer(row, best) ? row : best));
    return { key, current, versions, withdrawn: isRemoval(current) };
  });
}

/** The statements that exist now (not withdrawn), per payee's 12-digit number; payees without a number left out. */
export function currentStatementsByPayee(rows: readonly AgiStatementRow[]): Map<string, Statement[]> {
  const byPayee = new Map<string, Statement[]>();
  for (const statement of statementsOf(rows)) {
    const payee = statement.current.betalningsmottagare;
    if (statement.withdrawn || payee === null) continue;
    const pnr = twelveDigits(payee);
    const list = byPayee.get(pnr);
    if (list) list.push(statement);
    else byPayee.set(pnr, [statement]);
  }
  return byPayee;
}

/** Scopes and headers for a principal that reads incomes. */
export const INCOME_SCOPE = 'income:read';
