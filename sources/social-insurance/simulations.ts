/** Changes to social insurance's decisions for the demo and the benchmark, written as FK's system writes them. */
import type { Knex } from 'knex';
import { swedishWallClockNow, type SimulatedChange } from '../../src/core/life-events.js';

/** A housing allowance granted now, to the person of the register's first decision: one row, one statement. */
export async function grantDecision(db: Knex): Promise<SimulatedChange> {
  const someone = await db('FK_BESLUT').select('PNR').orderBy('BESLUT_ID').first() as { PNR: string } | undefined;
  const pnr = someone?.PNR ?? '850101-2382';
  const [id] = await db('FK_BESLUT').insert({
    PNR: pnr, FORMAN: 'BOB', STATUS: 'B', BELOPP_ORE: 150000, PERIODICITET: 'M', FROM_DATUM: '20260101', TOM_DATUM: '99991231',
    BESLUTSDATUM: swedishWallClockNow().slice(0, 10), HANDLAGGARE: 'fk-demo', ANDRAD_TS: swedishWallClockNow(),
  });
  return { subject: pnr, related: [], data: { benefitId: String(id) } };
}
