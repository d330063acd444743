import { linkedPerson } from '../../src/core/links.js';
import { loadersOf, type ModuleContext } from '../../src/core/source-module.js';
import type { SocialInsuranceLoaders } from './connector.js';
import type { Resolvers } from './generated.js';

const loaders = (ctx: ModuleContext) => loadersOf<SocialInsuranceLoaders>(ctx, { name: 'socialInsurance' });

export const socialInsuranceResolvers: Resolvers = {
  Query: {
    benefit: (_, args, ctx) => loaders(ctx).benefit.load(args.id),
  },

  Citizen: {
    benefits: (citizen, { status, type }, ctx) => {
      const benefits = loaders(ctx).benefitsOfCitizen.load(citizen.personalNumber);
      if (!status && !type) return benefits;
      return benefits.then((all) => all.filter((benefit) => (!status || status.includes(benefit.status)) && (!type || type.includes(benefit.type))));
    },
  },

  Benefit: {
    payments: (benefit, args, ctx) => loaders(ctx).payments({ from: args.from ?? null, to: args.to ?? null }).load(benefit.id),
    citizen: (benefit, _, ctx) =>
      linkedPerson(benefit.personalNumber, ctx, { source: 'socialInsurance', table: 'FK_BESLUT', column: 'FK_BESLUT.PNR', rowKey: benefit.id }),
  },
};
