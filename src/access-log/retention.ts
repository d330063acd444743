/**
 * Retention: events older than the configured period (default 5 years) may be pruned by an operator with a
 * store user that may DELETE — samgraf's own user may not. Nothing younger is ever deleted. Each pruned chain
 * keeps an anchor (the last pruned event's seq and hash) so that verification continues from there.
 */
import type { Knex } from 'knex';

export async function pruneAccessLog(db: Knex, retentionDays: number, now = Date.now()): Promise<{ events: number; cutoff: string }> {
  const cutoffMs = now - retentionDays * 86_400_000;
  let pruned = 0;
  await db.transaction(async (trx) => {
    const lastPruned = await trx('audit_events').where('occurred_ms', '<', cutoffMs)
      .select('writer_id').max({ seq: 'seq' }).groupBy('writer_id') as { writer_id: string; seq: number | string }[];
    for (const { writer_id: writer, seq: lastOld } of lastPruned) {
      // A chain is pruned from its start, so it stays one unbroken chain; and since a later seq can carry a
      // slightly earlier time, only up to the first event that is still within the retention period.
      const young = await trx('audit_events').where('writer_id', writer).andWhere('occurred_ms', '>=', cutoffMs).min({ seq: 'seq' }).first() as { seq: number | string | null };
      const seq = young?.seq == null ? Number(lastOld) : Math.min(Number(lastOld), Number(young.seq) - 1);
      if (seq < 1) continue;
      const anchor = await trx('audit_events').where({ writer_id: writer, seq }).first('hash') as { hash: string };
      await trx('audit_event_subjects').where('writer_id', writer).andWhere('seq', '<=', seq).delete();
      await trx('audit_chain_heads').where('writer_id', writer).andWhere('seq', '<=', seq).delete();
      pruned += await trx('audit_events').where('writer_id', writer).andWhere('seq', '<=', seq).delete();
      await trx('audit_chain_anchors').where('writer_id', writer).delete();
      await trx('audit_chain_anchors').insert({ writer_id: writer, seq, hash: anchor.hash });
    }
  });
  return { events: pruned, cutoff: new Date(cutoffMs).toISOString() };
}
