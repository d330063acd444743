/** Social insurance (FK): every SQL statement samgraf runs against FK_BESLUT and FK_UTBETALNING. */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { Benefit, Payment } from './types.js';
import type { LoaderRequest } from '../../src/core/source-module.js';
import { groupInKeyOrder, loaderSettings, type DataQualitySink, Source } from '../../src/core/source.js';
import { mapDecision, mapPayment } from './mapping.js';
import type { FkBeslutRow, FkUtbetalningRow } from './tables.js';

const DECISION_COLUMNS = [
  'BESLUT_ID', 'PNR', 'FORMAN', 'STATUS', 'BELOPP_ORE', 'PERIODICITET', 'FROM_DATUM', 'TOM_DATUM', 'BESLUTSDATUM',
  'HANDLAGGARE', 'ANDRAD_TS',
] as const;

/** The statements keyed by numbers and ids: their SQL is built once per shape (statement-text.ts). */
const DECISIONS_BY_NUMBER = (db: Knex, numbers: readonly string[]) => db('FK_BESLUT').select(DECISION_COLUMNS).whereIn('PNR', numbers).orderBy('BESLUT_ID');
const DECISIONS_BY_ID = (db: Knex, ids: readonly number[]) => db('FK_BESLUT').select(DECISION_COLUMNS).whereIn('BESLUT_ID', ids);
const PAYMENTS = (db: Knex, benefitIds: readonly number[], from: string | null, to: string | null) => {
  const query = db('FK_UTBETALNING').select('UTBET_ID', 'BESLUT_ID', 'UTBET_DATUM', 'BELOPP_ORE')
    .whereIn('BESLUT_ID', benefitIds)
    .orderBy([{ column: 'BESLUT_ID' }, { column: 'UTBET_DATUM' }, { column: 'UTBET_ID' }]);
  if (from !== null) query.andWhere('UTBET_DATUM', '>=', from);
  if (to !== null) query.andWhere('UTBET_DATUM', '<=', to);
  return query;
};

export interface PaymentRange {
  from: string | null;
  to: string | null;
}

export class SocialInsurance {
  constructor(readonly source: Source) {}

  /**
   * FK stores `YYMMDD-NNNC` or `YYMMDD+NNNC`, the separator depending on the person's age in the year the row
   * was written. So both forms are fetched, each row's number is expanded at its own ANDRAD_TS year, and a row
   * is kept only for the person it really expands to (a centenarian and a newborn can share the 10 digits).
   */
  async benefitsByPersonalNumber(personalNumbers: readonly string[], sink: DataQualitySink): Promise<Benefit[][]> {
    const candidates = personalNumbers.flatMap((pnr) => ['-', '+'].map((sep) => `${pnr.slice(2, 8)}${sep}${pnr.slice(8)}`));
    const rows = await this.source.select<FkBeslutRow, [readonly string[]]>(DECISIONS_BY_NUMBER, candidates);
    const benefits = this.mapDecisions(rows, sink);
    return groupInKeyOrder(personalNumbers, benefits, (benefit) => benefit.personalNumber);
  }

  async benefitsById(ids: readonly string[], sink: DataQualitySink): Promise<(Benefit | null)[]> {
    const numericIds = ids.filter((id) => /^\d{1,10}$/.test(id)).map(Number);
    const rows = numericIds.length === 0 ? [] : await this.source.select<FkBeslutRow, [readonly number[]]>(DECISIONS_BY_ID, numericIds);
    const byId = new Map(this.mapDecisions(rows, sink).map((benefit) => [benefit.id, benefit]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async paymentsByBenefit(benefitIds: readonly string[], range: PaymentRange, sink: DataQualitySink): Promise<Payment[][]> {
    const rows = await this.source.select<FkUtbetalningRow, [readonly number[], string | null, string | null]>(PAYMENTS, benefitIds.map(Number), range.from, range.to);
    const payments = this.source.mapRows(rows, 'FK_UTBETALNING', (row) => String(row.UTBET_ID), mapPayment, sink);
    return groupInKeyOrder(benefitIds, payments, (payment) => payment.benefitId);
  }

  private mapDecisions(rows: readonly FkBeslutRow[], sink: DataQualitySink): Benefit[] {
    return this.source.mapRows(rows, 'FK_BESLUT', (row) => String(row.BESLUT_ID), (row) => mapDecision(row, this.source, sink), sink);
  }
}

export interface SocialInsuranceLoaders {
  benefitsOfCitizen: DataLoader<string, Benefit[]>;
  benefit: DataLoader<string, Benefit | null>;
  /** One loader per date range asked for, so each distinct `payments(from, to)` costs one statement. */
  payments(range: PaymentRange): DataLoader<string, Payment[]>;
}

export function createSocialInsuranceLoaders({ source, dataQuality: sink, options }: LoaderRequest): SocialInsuranceLoaders {
  const insurance = new SocialInsurance(source);
  const paymentLoaders = new Map<string, DataLoader<string, Payment[]>>();
  return {
    benefitsOfCitizen: new DataLoader((keys) => insurance.benefitsByPersonalNumber(keys, sink), loaderSettings(options, 500)),
    benefit: new DataLoader((keys) => insurance.benefitsById(keys, sink), loaderSettings(options)),
    payments(range) {
      const key = `${range.from ?? ''}/${range.to ?? ''}`;
      let loader = paymentLoaders.get(key);
      if (!loader) {
        loader = new DataLoader((keys) => insurance.paymentsByBenefit(keys, range, sink), loaderSettings(options));
        paymentLoaders.set(key, loader);
      }
      return loader;
    },
  };
}
