/** Changes to the population register for the demo and the benchmark, written as Skatteverket's system writes them. */
import type { Knex } from 'knex';
import { luhnCheckDigit } from '../../src/core/luhn.js';
import { swedishWallClockNow, type SimulatedChange } from '../../src/core/life-events.js';

/**
 * A girl born today to a married couple of the register, both registered and unprotected: her row, her guardians
 * and the parents' new child, in one transaction, and the parents' rows stamped changed.
 */
export async function registerBirth(db: Knex): Promise<SimulatedChange> {
  const couple = await db('FB_RELATION as r')
    .join('FB_PERSON as a', 'a.PERSONID', 'r.PERSONID').join('FB_PERSON as b', 'b.PERSONID', 'r.RELID')
    .where('r.RELTYP', 'MA').whereNull('a.AVREG_ORSAK').whereNull('b.AVREG_ORSAK').whereNull('a.SKYDDAD_FB').whereNull('b.SKYDDAD_FB')
    .whereNull('a.SEKRETESS').whereNull('b.SEKRETESS').where('a.KON', 'K')
    .select('a.PERSONID as mother', 'b.PERSONID as father', 'a.KOMMUNKOD', 'a.LANKOD', 'a.UTDELNINGSADRESS', 'a.POSTNR', 'a.POSTORT', 'a.EFTERNAMN')
    .orderBy('r.PERSONID', 'desc').first() as Record<string, string> | undefined;
  if (!couple) throw new Error('the register has no married, unprotected couple to be parents');
  const local = swedishWallClockNow();
  const today = local.slice(0, 10).replaceAll('-', '');
  let child = '';
  // An even third digit of the birth number: a girl.
  for (let n = 998; n > 0 && child === ''; n -= 2) {
    const candidate = `${today}${String(n).padStart(3, '0')}`;
    const number = `${candidate}${luhnCheckDigit(candidate.slice(2))}`;
    if (!(await db('FB_PERSON').where('PERSONID', number).first())) child = number;
  }
  if (child === '') throw new Error('no birth number is free today');
  const parents = [couple.mother!.trim(), couple.father!.trim()];
  await db.transaction(async (trx) => {
    await trx('FB_PERSON').insert({
      PERSONID: child, FORNAMN: 'Liv', TILLTALSNAMN: 'Liv', MELLANNAMN: null, EFTERNAMN: couple.EFTERNAMN, KON: 'K', SEKRETESS: null, SKYDDAD_FB: null,
      UTDELNINGSADRESS: couple.UTDELNINGSADRESS, POSTNR: couple.POSTNR, POSTORT: couple.POSTORT, KOMMUNKOD: couple.KOMMUNKOD, LANKOD: couple.LANKOD,
      FOLKBOKFORINGSDATUM: today, AVREG_ORSAK: null, AVREG_DATUM: null, SENAST_ANDRAD: local,
    });
    await trx('FB_RELATION').insert([
      ...parents.map((parent) => ({ PERSONID: child, RELID: parent, RELTYP: 'VH' })),
      ...parents.map((parent) => ({ PERSONID: parent, RELID: child, RELTYP: 'BA' })),
    ]);
    await trx('FB_PERSON').whereIn('PERSONID', parents).update({ SENAST_ANDRAD: local });
  });
  return { subject: child, related: parents, data: {} };
}
