import type { Case, CaseStatus } from './types.js';
import { linkedPerson } from '../../src/core/links.js';
import { loadersOf, type ModuleContext, type PersonRecord } from '../../src/core/source-module.js';
import type { EmploymentServiceLoaders } from './connector.js';

const loaders = (ctx: ModuleContext) => loadersOf<EmploymentServiceLoaders>(ctx, { name: 'employmentService' });

export const employmentServiceResolvers = {
  Query: {
    case: (_: unknown, args: { id: string }, ctx: ModuleContext) => loaders(ctx).case.load(args.id),
  },

  Citizen: {
    cases: (citizen: PersonRecord, { status }: { status?: CaseStatus[] | null }, ctx: ModuleContext) => {
      const cases = loaders(ctx).casesOfCitizen.load(citizen.personalNumber);
      return status ? cases.then((all) => all.filter((c) => status.includes(c.status))) : cases;
    },
  },

  Case: {
    actionPlan: (c: Case, _: unknown, ctx: ModuleContext) => loaders(ctx).actionPlan.load(c.id),
    citizen: (c: Case, _: unknown, ctx: ModuleContext) =>
      linkedPerson(c.personalNumber, ctx, { source: 'employmentService', table: 'AF_ARENDE', column: 'AF_ARENDE.PERSONNR', rowKey: c.id }),
  },
};
