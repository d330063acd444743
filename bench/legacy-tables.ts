/**
 * The benchmark's hand-written knowledge of the legacy tables, as the floor's SQL is: which people the workloads
 * ask for, picked with SQL against the seeded tables (FB_PERSON, AF_ARENDE, FK_BESLUT …) by someone who knows
 * them. It names tables, never a source: each table is read in the database of the module whose seed fills it,
 * found through the registry, so the benchmark keeps working however the sources are named or deployed.
 */
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from '../src/core/db.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import type { BenchUrls } from './databases.js';

/** The seeded people, as the workloads and the access-log generator need them. */
export interface People {
  /** Personal numbers in ascending order (the order of FB_PERSON's key and of the subject index). */
  numbers: string[];
  /** Municipality code of each, parallel to `numbers`. */
  municipality: string[];
  /** Indexes into `numbers` per municipality, ascending: a municipality's people in page order. */
  byMunicipality: Map<string, number[]>;
}

/** The database holding `table`: that of the source module that fills it. */
function databaseHolding(urls: BenchUrls, table: string): Knex {
  const module = SOURCE_MODULES.find((candidate) => Object.hasOwn(candidate.seed.columns, table));
  if (!module) throw new Error(`no source module fills ${table}`);
  const url = urls[module.name];
  if (url === undefined) throw new Error(`no benchmark database for the source that fills ${table}`);
  return openDatabase(url);
}

/** Opens the databases holding `tables` (one handle per table), runs `use`, and closes them. */
async function withTables<T>(urls: BenchUrls, tables: readonly string[], use: (...dbs: Knex[]) => Promise<T>): Promise<T> {
  const dbs = tables.map((table) => databaseHolding(urls, table));
  try {
    return await use(...dbs);
  } finally {
    await Promise.all(dbs.map((db) => db.destroy()));
  }
}

export function loadPeople(urls: BenchUrls): Promise<People> {
  return withTables(urls, ['FB_PERSON'], async (fb) => {
    const rows = await fb('FB_PERSON').select('PERSONID', 'KOMMUNKOD').orderBy('PERSONID') as { PERSONID: string; KOMMUNKOD: string }[];
    const people: People = { numbers: [], municipality: [], byMunicipality: new Map() };
    for (const row of rows) {
      const pnr = row.PERSONID.trim();
      if (!isValidPersonalNumber(pnr)) continue;
      const code = row.KOMMUNKOD.trim();
      const index = people.numbers.push(pnr) - 1;
      people.municipality.push(code);
      let members = people.byMunicipality.get(code);
      if (!members) people.byMunicipality.set(code, (members = []));
      members.push(index);
    }
    return people;
  });
}

/** People whose profile reaches every table: a benefit with payments and a case with an action plan. */
export function peopleWithEverything(urls: BenchUrls, people: People, limit: number): Promise<string[]> {
  return withTables(urls, ['AF_ARENDE', 'FK_BESLUT'], async (af, fk) => {
    const known = new Set(people.numbers);
    const withPlans = (await af('AF_ARENDE as a').join('AF_HANDLINGSPLAN as h', 'h.ARENDE_ID', 'a.ARENDE_ID')
      .distinct('a.PERSONNR').limit(20 * limit) as { PERSONNR: string | number }[]).map((r) => String(r.PERSONNR)).filter((pnr) => known.has(pnr));
    // FK keeps 10 digits with a separator; either separator may be this person's (legacy-sources.md).
    const forms = (pnr: string) => [`${pnr.slice(2, 8)}-${pnr.slice(8)}`, `${pnr.slice(2, 8)}+${pnr.slice(8)}`];
    const withPayments = withPlans.length === 0 ? new Set<string>() : new Set((await fk('FK_BESLUT as b')
      .join('FK_UTBETALNING as u', 'u.BESLUT_ID', 'b.BESLUT_ID')
      .whereIn('b.PNR', withPlans.flatMap(forms)).distinct('b.PNR') as { PNR: string }[]).map((r) => r.PNR.trim()));
    return withPlans.filter((pnr) => forms(pnr).some((form) => withPayments.has(form))).slice(0, limit);
  });
}

/** People with current income statements in a range of months, and those whose statements there show the quirks. */
export interface Earners {
  /** Every person with a current (not withdrawn) statement in the range, ascending. */
  all: string[];
  /** … of which a current statement has been corrected (more than one version). */
  corrected: string[];
  /** … of which a current statement's employer is a sole trader (identified by the owner's personal number). */
  paidBySoleTrader: string[];
  /** … of which another statement in the range has been withdrawn (its newest version is a removal). */
  withWithdrawn: string[];
}

export const NO_EARNERS: Earners = { all: [], corrected: [], paidBySoleTrader: [], withWithdrawn: [] };

/**
 * Who earned in `from` – `to` (`YYYY-MM`, inclusive), in one statement on PostgreSQL (where the agency keeps
 * the register): each statement's newest version
 * (latest arrival, then highest id; legacy-sources.md §4); a statement withdrawn by its newest version is
 * no income, but marks its payee as one whose answer must leave it out. A payee is written
 * `YYYYMMDD-NNNN`; a sole trader's identifier is a personal number of that form (13 characters), an
 * organisation number `NNNNNN-NNNN` has 11.
 */
export function earnersIn(urls: BenchUrls, people: People, { from, to }: { from: string; to: string }): Promise<Earners> {
  return withTables(urls, ['agi_individuppgift'], async (agi) => {
    const statement = 'redovisningsperiod, arbetsgivare, betalningsmottagare, specifikationsnummer';
    const { rows } = await agi.raw(`
      select betalningsmottagare as payee,
             max(case when not borttag and versions > 1 then 1 else 0 end) as corrected,
             max(case when not borttag and length(arbetsgivare) = 13 then 1 else 0 end) as sole_trader,
             max(case when borttag then 1 else 0 end) as withdrawn
      from (
        select betalningsmottagare, arbetsgivare, borttag,
               row_number() over (partition by ${statement} order by inlamnad desc, id desc) as newest,
               count(*) over (partition by ${statement}) as versions
        from agi_individuppgift
        where betalningsmottagare is not null and redovisningsperiod between ? and ?
      ) as v
      where newest = 1
      group by betalningsmottagare
      having max(case when borttag then 0 else 1 end) = 1
      order by betalningsmottagare`, [from.replace('-', ''), to.replace('-', '')]) as { rows: { payee: string; corrected: number; sole_trader: number; withdrawn: number }[] };
    const known = new Set(people.numbers);
    const earners: Earners = { all: [], corrected: [], paidBySoleTrader: [], withWithdrawn: [] };
    for (const row of rows) {
      const pnr = row.payee.replace('-', '');
      if (!known.has(pnr)) continue;
      earners.all.push(pnr);
      if (Number(row.corrected) === 1) earners.corrected.push(pnr);
      if (Number(row.sole_trader) === 1) earners.paidBySoleTrader.push(pnr);
      if (Number(row.withdrawn) === 1) earners.withWithdrawn.push(pnr);
    }
    return earners;
  });
}
