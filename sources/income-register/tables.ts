/** The income register's (SKV, AGI) tables, exactly as legacy-sources.md §4 names them: PostgreSQL, lower case. */

/** One version of one pay statement (arbetsgivardeklaration på individnivå). */
export interface AgiIndividuppgiftRow {
  /** BIGINT: a string from PostgreSQL, a number from SQLite. */
  id: number | string;
  /** `YYYYMM`. */
  redovisningsperiod: string;
  /** Organisation number `NNNNNN-NNNN`, or a sole trader's personal number `YYYYMMDD-NNNN`. */
  arbetsgivare: string;
  /** `YYYYMMDD-NNNN`; null for a payee without a Swedish number. */
  betalningsmottagare: string | null;
  /** `YYYYMMDD`, only where betalningsmottagare is null. */
  fodelsetid: string | null;
  specifikationsnummer: number;
  /** NUMERIC(12,0) whole kronor: a string from PostgreSQL, a number from SQLite; null = not reported. */
  kontant_ersattning: number | string | null;
  skatteavdrag: number | string | null;
  formaner: number | string | null;
  /** BOOLEAN: true/false from PostgreSQL, 1/0 from SQLite. */
  borttag: boolean | number;
  /** TIMESTAMPTZ, as the text the database returns (see src/core/db.ts). */
  inlamnad: string;
}

export interface AgiArbetsgivareRow {
  arbetsgivare: string;
  namn: string;
  sni_kod: string | null;
}
