/**
 * A record points at its person by personal number. A valid number that matches nobody in the register of
 * persons is a data-quality finding: reported (without the number), served as `citizen: null`.
 */
import type { DataQualityFinding } from './source.js';
import type { ModuleContext, PersonRecord } from './source-module.js';

type Origin = Omit<DataQualityFinding, 'problem'>;

export async function linkedPerson(personalNumber: string | null, ctx: ModuleContext, origin: Origin): Promise<PersonRecord | null> {
  if (personalNumber === null) return null;
  const person = await ctx.people.person.load(personalNumber);
  if (person === null) ctx.dataQuality.report({ ...origin, problem: 'matches no person in the population register' });
  return person;
}
