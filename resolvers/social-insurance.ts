import type { Benefit, BenefitStatus, BenefitType, Citizen } from '../src/domain/types.js';
import type { RequestContext } from '../src/context.js';
import { linkedCitizen } from './links.js';

interface BenefitFilter {
  status?: BenefitStatus[] | null;
  type?: BenefitType[] | null;
}

export const socialInsuranceResolvers = {
  Query: {
    benefit: (_: unknown, args: { id: string }, ctx: RequestContext) => ctx.loaders.socialInsurance.benefit.load(args.id),
  },

  Citizen: {
    benefits: (citizen: Citizen, { status, type }: BenefitFilter, ctx: RequestContext) => {
      const benefits = ctx.loaders.socialInsurance.benefitsOfCitizen.load(citizen.personalNumber);
      if (!status && !type) return benefits;
      return benefits.then((all) => all.filter((benefit) => (!status || status.includes(benefit.status)) && (!type || type.includes(benefit.type))));
    },
  },

  Benefit: {
    payments: (benefit: Benefit, args: { from?: string | null; to?: string | null }, ctx: RequestContext) =>
      ctx.loaders.socialInsurance.payments({ from: args.from ?? null, to: args.to ?? null }).load(benefit.id),
    citizen: (benefit: Benefit, _: unknown, ctx: RequestContext) =>
      linkedCitizen(benefit.personalNumber, ctx, { source: 'socialInsurance', table: 'FK_BESLUT', column: 'FK_BESLUT.PNR', rowKey: benefit.id }),
  },
};
