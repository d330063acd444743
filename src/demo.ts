/**
 * `npm start`: samgraf on SQLite files under a data folder, seeded deterministically on first start, with
 * ready-to-paste example requests on the console. No external service is needed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { parseConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { seedFromConfig } from './seed/command.js';
import { startSamgraf, type Samgraf } from './server.js';

export const DEMO_CITIZENS = 5000;
export const DEMO_SEED = 'samgraf-demo';

export interface DemoOptions {
  dataDir: string;
  port: number;
}

export function demoConfig(dataDir: string, port: number): Config {
  const file = (name: string) => `sqlite://${join(resolve(dataDir), name)}`;
  return parseConfig({
    server: { port, host: '127.0.0.1' },
    sources: {
      populationRegister: { url: file('population-register.db') },
      socialInsurance: { url: file('social-insurance.db') },
      employmentService: { url: file('employment-service.db') },
    },
    store: { url: file('store.db') },
  }, {});
}

export async function runDemo(options: DemoOptions): Promise<Samgraf> {
  mkdirSync(options.dataDir, { recursive: true });
  const config = demoConfig(options.dataDir, options.port);
  const marker = join(options.dataDir, 'seeded.json');
  if (!existsSync(marker)) {
    process.stdout.write(`Seeding ${DEMO_CITIZENS} demo citizens into ${resolve(options.dataDir)} …\n`);
    const counts = await seedFromConfig(config, { citizens: DEMO_CITIZENS, seed: DEMO_SEED });
    writeFileSync(marker, `${JSON.stringify({ citizens: DEMO_CITIZENS, seed: DEMO_SEED, counts }, null, 2)}\n`);
  }
  const server = await startSamgraf(config, createLogger());
  await server.store.raw('select 1'); // creates the store's file
  process.stdout.write(banner(server.url, await findExamples(server.sources.populationRegister, server.sources.employmentService)));
  return server;
}

interface Examples {
  personWithCases: string;
  municipality: string;
}

/** Someone in the generated data with a case and a register entry, to make the first query interesting. */
async function findExamples(register: Knex, employment: Knex): Promise<Examples> {
  const candidates = (await employment('AF_ARENDE').select('PERSONNR').orderBy('ARENDE_ID').limit(200))
    .map((row: { PERSONNR: number | string }) => String(row.PERSONNR).padStart(12, '0'));
  const found = await register('FB_PERSON').select('PERSONID', 'KOMMUNKOD').whereIn('PERSONID', candidates)
    .whereNull('SKYDDAD_FB').orderBy('PERSONID').first() as { PERSONID: string; KOMMUNKOD: string } | undefined;
  return { personWithCases: found?.PERSONID ?? candidates[0] ?? '', municipality: found?.KOMMUNKOD ?? '0180' };
}

function banner(url: string, examples: Examples): string {
  const profile = `{ citizen(personalNumber: \\"${examples.personWithCases}\\") { personalNumber givenNames familyName birthDate address { street postalCode city } benefits { type status amount { amount currency } payments { paidOn amount { amount } } } cases { id type status openedAt actionPlan { step activity status } } } }`;
  const page = `{ citizensByMunicipality(code: \\"${examples.municipality}\\", first: 5) { edges { node { personalNumber familyName } } pageInfo { hasNextPage endCursor } } }`;
  return `
samgraf demo is running: ${url}

  WARNING: this build of the demo is UNAUTHENTICATED — anyone who can reach ${url}
  can read the (generated) personal data. It listens on 127.0.0.1 only.

A caseworker's profile query:

  curl -s ${url} -H 'content-type: application/json' \\
    -d '{"query":"${profile}"}'

A page of a municipality's citizens:

  curl -s ${url} -H 'content-type: application/json' \\
    -d '{"query":"${page}"}'

Health: curl -s ${url.replace('/graphql', '/healthz')}   Readiness: curl -s ${url.replace('/graphql', '/readyz')}
Stop with Ctrl-C. The data lives in the data folder; delete it to seed afresh.
`;
}
