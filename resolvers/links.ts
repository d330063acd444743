/**
 * A decision or case points at its citizen by personal number. A valid number that matches nobody in the
 * population register is a data-quality finding: reported (without the number), served as `citizen: null`.
 */
import type { DataQualityFinding } from '../connectors/shared/source.js';
import type { Citizen } from '../src/domain/types.js';
import type { RequestContext } from '../src/context.js';

type Origin = Omit<DataQualityFinding, 'problem'>;

export async function linkedCitizen(personalNumber: string | null, ctx: RequestContext, origin: Origin): Promise<Citizen | null> {
  if (personalNumber === null) return null;
  const citizen = await ctx.loaders.populationRegister.citizen.load(personalNumber);
  if (citizen === null) ctx.dataQuality.report({ ...origin, problem: 'matches no person in the population register' });
  return citizen;
}
