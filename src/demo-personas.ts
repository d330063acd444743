/**
 * The demo's personas for the browser pages: one-click sign-in in the auditor console and a persona switcher in
 * the GraphQL IDE. Served at DEMO_PERSONAS_PATH through startSamgraf's demoRoutes, which only the demo passes: a
 * production server has no such route (404), so it never hands out credentials.
 */
export const DEMO_PERSONAS_PATH = '/console/demo-personas.json';

export interface DemoPersona {
  id: string;
  label: string;
  description: string;
  credentials: { kind: 'bearer' | 'apiKey'; value: string };
  /** The purpose the IDE's example states (the console decides its own: audit, or self-service for citizens). */
  purpose: string | null;
  exampleQuery: string;
}

export interface PersonaCredentials {
  caseworker: string;
  officer: string;
  auditor: string;
  /** An auditor whose token lacks audit:read: shows the console's refusal. */
  trainee: string;
  citizen: string;
  apiKey: string;
}

/** The personas for a set of credentials; `person` is a personal number the examples ask about. */
export function demoPersonas(credentials: PersonaCredentials, person: string): DemoPersona[] {
  const bearer = (value: string) => ({ kind: 'bearer' as const, value });
  return [
    {
      id: 'auditor', label: 'Auditor (IMY)', credentials: bearer(credentials.auditor), purpose: 'audit',
      description: 'Has audit:read: searches the access log and verifies its chains.',
      exampleQuery: `{\n  auditEvents(filter: { subject: "${person}" }, first: 10) {\n    edges { node { id occurredAt principal { type subject organization } purpose outcome subjects fieldsRead fieldsDenied } }\n    pageInfo { hasNextPage endCursor }\n  }\n}\n`,
    },
    {
      id: 'trainee', label: 'Auditor without audit:read', credentials: bearer(credentials.trainee), purpose: 'audit',
      description: 'May state the purpose audit but lacks the scope: sees a refusal, not an empty table.',
      exampleQuery: '{\n  auditEvents(first: 5) { edges { node { id } } }\n}\n',
    },
    {
      id: 'citizen', label: 'Citizen', credentials: bearer(credentials.citizen), purpose: 'self-service',
      description: 'Sees which organisations read their data, when and why.',
      exampleQuery: '{\n  me { type subject }\n  myAccessLog(first: 10) { edges { node { occurredAt organization purpose dataCategories } } }\n}\n',
    },
    {
      id: 'caseworker', label: 'Caseworker (FK)', credentials: bearer(credentials.caseworker), purpose: 'benefit-assessment',
      description: 'Social insurance: identity, address and benefits with amounts. No audit:read.',
      exampleQuery: `{\n  citizen(personalNumber: "${person}") {\n    givenNames familyName address { street postalCode city }\n    benefits { type status amount { amount currency } }\n  }\n}\n`,
    },
    {
      id: 'officer', label: 'Employment officer (AF)', credentials: bearer(credentials.officer), purpose: 'employment-support',
      description: 'Employment service: cases, action plans and case notes. No audit:read.',
      exampleQuery: `{\n  citizen(personalNumber: "${person}") {\n    familyName\n    cases { id type status openedAt notes actionPlan { step activity status } }\n  }\n}\n`,
    },
    {
      id: 'partner', label: 'Social services (Stockholm, API key)', credentials: { kind: 'apiKey', value: credentials.apiKey }, purpose: 'social-services',
      description: 'Stockholm (0180) assessing financial aid: benefits and incomes, only of people registered there. No audit:read.',
      exampleQuery: `{\n  citizen(personalNumber: "${person}") {\n    familyName\n    benefits { type status amount { amount } }\n    incomes(from: "2025-01") { period employer { name organizationNumber soleTrader } grossPay { amount } taxDeducted { amount } }\n  }\n}\n`,
    },
  ];
}
