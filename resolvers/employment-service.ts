import type { Case, CaseStatus, Citizen } from '../src/domain/types.js';
import type { RequestContext } from '../src/context.js';
import { linkedCitizen } from './links.js';

export const employmentServiceResolvers = {
  Query: {
    case: (_: unknown, args: { id: string }, ctx: RequestContext) => ctx.loaders.employmentService.case.load(args.id),
  },

  Citizen: {
    cases: (citizen: Citizen, { status }: { status?: CaseStatus[] | null }, ctx: RequestContext) => {
      const cases = ctx.loaders.employmentService.casesOfCitizen.load(citizen.personalNumber);
      return status ? cases.then((all) => all.filter((c) => status.includes(c.status))) : cases;
    },
  },

  Case: {
    actionPlan: (c: Case, _: unknown, ctx: RequestContext) => ctx.loaders.employmentService.actionPlan.load(c.id),
    citizen: (c: Case, _: unknown, ctx: RequestContext) =>
      linkedCitizen(c.personalNumber, ctx, { source: 'employmentService', table: 'AF_ARENDE', column: 'AF_ARENDE.PERSONNR', rowKey: c.id }),
  },
};
