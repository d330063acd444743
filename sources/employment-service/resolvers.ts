import { linkedPerson } from '../../src/core/links.js';
import { loadersOf, type ModuleContext } from '../../src/core/source-module.js';
import type { EmploymentServiceLoaders } from './connector.js';
import type { Resolvers } from './generated.js';

const loaders = (ctx: ModuleContext) => loadersOf<EmploymentServiceLoaders>(ctx, { name: 'employmentService' });

export const employmentServiceResolvers: Resolvers = {
  Query: {
    case: (_, args, ctx) => loaders(ctx).case.load(args.id),
  },

  Citizen: {
    cases: (citizen, { status }, ctx) => {
      const cases = loaders(ctx).casesOfCitizen.load(citizen.personalNumber);
      return status ? cases.then((all) => all.filter((c) => status.includes(c.status))) : cases;
    },
  },

  Case: {
    actionPlan: (c, _, ctx) => loaders(ctx).actionPlan.load(c.id),
    citizen: (c, _, ctx) =>
      linkedPerson(c.personalNumber, ctx, { source: 'employmentService', table: 'AF_ARENDE', column: 'AF_ARENDE.PERSONNR', rowKey: c.id }),
  },
};
