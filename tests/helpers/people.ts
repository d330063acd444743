/**
 * Choosing test people from the generated legacy rows, never from samgraf's answers: who is protected, whose
 * decisions and cases there are, who is "ordinary" (no protected identity, a valid number that no one else
 * shares in its 10-digit form, still registered).
 */
import { isValidPersonalNumber } from '../../src/core/personal-number.js';
import type { LegacyData } from './legacy-data.js';

export type Person = LegacyData['FB_PERSON'][number];

export function legacyPeople(data: LegacyData, dataSet: unknown) {
  const isProtected = (p: Person): boolean => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
  /** FK_BESLUT.PNR is `YYMMDD-NNNC` / `YYMMDD+NNNC`: its 10 digits are the 12-digit number's last 10. */
  const decisionsOf = (pnr: string) => data.FK_BESLUT.filter((b) => b.PNR.replace(/[-+]/, '') === pnr.slice(2));
  const casesOf = (pnr: string) => data.AF_ARENDE.filter((c) => String(c.PERSONNR) === pnr);
  const tenDigitsUnique = (pnr: string): boolean => data.FB_PERSON.filter((p) => p.PERSONID.slice(2) === pnr.slice(2)).length === 1;
  const ordinary = (p: Person): boolean => !isProtected(p) && isValidPersonalNumber(p.PERSONID) && tenDigitsUnique(p.PERSONID) && p.AVREG_ORSAK === null;
  /** The first person the predicate fits; a data set without one is the test's mistake, said so. */
  const pick = (what: string, predicate: (person: Person) => boolean): Person => {
    const found = data.FB_PERSON.find(predicate);
    if (found === undefined) throw new Error(`the data set ${JSON.stringify(dataSet)} has no ${what}: choose another seed`);
    return found;
  };
  return { isProtected, decisionsOf, casesOf, tenDigitsUnique, ordinary, pick };
}
