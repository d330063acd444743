/**
 * SQL statements per request, counted by MariaDB itself: `SHOW GLOBAL STATUS` command counters (Com_select,
 * Com_insert, …) read before and after a run, divided by the requests the target says it answered in between.
 * The counters are server-wide (MariaDB has no per-database counters without performance_schema), so every
 * target runs alone and the harness sends nothing else meanwhile (its own SHOW STATUS is not a Com_select);
 * as a cross-check the target's own count of the SELECTs it sent is compared, and a run where MariaDB counted
 * more is marked `noisy` (another client was using the server).
 */
import type { Knex } from 'knex';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counters, Target } from './targets.js';

const COUNTERS = ['Com_select', 'Com_insert', 'Com_update', 'Com_delete', 'Com_begin', 'Com_commit', 'Com_rollback'] as const;
type Status = Record<(typeof COUNTERS)[number], number>;

export interface StatementCount {
  /** Requests the target answered during the run, by its own count. */
  requests: number;
  /** SELECT + INSERT + UPDATE + DELETE per request. */
  perRequest: number;
  selectsPerRequest: number;
  writesPerRequest: number;
  /** BEGIN / COMMIT / ROLLBACK per request (the access log's transactions). */
  transactionStatementsPerRequest: number;
  /** SELECTs per request by the target's own count. */
  targetCountedSelectsPerRequest: number;
  /** SELECTs per request on the sources on PostgreSQL (not in MariaDB's counts), by the target's own count. */
  postgresSelectsPerRequest: number;
  /** MariaDB counted more SELECTs than the target sent it: someone else was using the server. */
  noisy: boolean;
}

async function readStatus(admin: Knex): Promise<Status> {
  const [rows] = await admin.raw(`SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTERS.map(() => '?').join(', ')})`, [...COUNTERS]) as [{ Variable_name: string; Value: string }[]];
  const status = Object.fromEntries(COUNTERS.map((name) => [name, 0])) as Status;
  for (const row of rows) status[row.Variable_name as keyof Status] = Number(row.Value);
  return status;
}

export interface CountingWindow {
  finish(): Promise<StatementCount>;
}

export async function startCounting(admin: Knex, target: Target): Promise<CountingWindow> {
  // Requests still in flight from a warm-up (the load generator hangs up, the server finishes them) first.
  await settled(target);
  const before = { status: await readStatus(admin), counters: await target.counters() };
  return {
    async finish() {
      const counters = await settled(target);
      const status = await readStatus(admin);
      const delta = (name: keyof Status) => status[name] - before.status[name];
      const requests = counters.requests - before.counters.requests;
      const per = (n: number) => (requests > 0 ? n / requests : NaN);
      const selects = delta('Com_select');
      const writes = delta('Com_insert') + delta('Com_update') + delta('Com_delete');
      const targetSelects = counters.selects - before.counters.selects;
      const postgresSelects = counters.postgresSelects - before.counters.postgresSelects;
      return {
        requests,
        perRequest: per(selects + writes),
        selectsPerRequest: per(selects),
        writesPerRequest: per(writes),
        transactionStatementsPerRequest: per(delta('Com_begin') + delta('Com_commit') + delta('Com_rollback')),
        targetCountedSelectsPerRequest: per(targetSelects),
        postgresSelectsPerRequest: per(postgresSelects),
        noisy: selects > targetSelects - postgresSelects,
      };
    },
  };
}

/** Waits until the target has finished the requests still in flight when the load generator stopped. */
async function settled(target: Target): Promise<Counters> {
  let last = await target.counters();
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    const now = await target.counters();
    if (now.requests === last.requests && now.selects === last.selects) return now;
    last = now;
  }
  return last;
}
