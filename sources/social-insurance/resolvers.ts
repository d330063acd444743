import type { Benefit, BenefitStatus, BenefitType } from './types.js';
import { linkedPerson } from '../../src/core/links.js';
import { loadersOf, type ModuleContext, type PersonRecord } from '../../src/core/source-module.js';
import type { SocialInsuranceLoaders } from './connector.js';

const loaders = (ctx: ModuleContext) => loadersOf<SocialInsuranceLoaders>(ctx, { name: 'socialInsurance' });

interface BenefitFilter {
  status?: BenefitStatus[] | null;
  type?: BenefitType[] | null;
}

export const socialInsuranceResolvers = {
  Query: {
    benefit: (_: unknown, args: { id: string }, ctx: ModuleContext) => loaders(ctx).benefit.load(args.id),
  },

  Citizen: {
    benefits: (citizen: PersonRecord, { status, type }: BenefitFilter, ctx: ModuleContext) => {
      const benefits = loaders(ctx).benefitsOfCitizen.load(citizen.personalNumber);
      if (!status && !type) return benefits;
      return benefits.then((all) => all.filter((benefit) => (!status || status.includes(benefit.status)) && (!type || type.includes(benefit.type))));
    },
  },

  Benefit: {
    payments: (benefit: Benefit, args: { from?: string | null; to?: string | null }, ctx: ModuleContext) =>
      loaders(ctx).payments({ from: args.from ?? null, to: args.to ?? null }).load(benefit.id),
    citizen: (benefit: Benefit, _: unknown, ctx: ModuleContext) =>
      linkedPerson(benefit.personalNumber, ctx, { source: 'socialInsurance', table: 'FK_BESLUT', column: 'FK_BESLUT.PNR', rowKey: benefit.id }),
  },
};
