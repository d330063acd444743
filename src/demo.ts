/**
 * `npm start`: samgraf on SQLite files under a data folder, seeded deterministically on first start, with a
 * built-in demo token issuer and ready-to-paste requests for each kind of user. No external service needed; life
 * events are on when NATS answers (src/demo-life-events.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SOURCE_MODULES } from '../sources/registry.js';
import { DEFAULT_PURPOSES, parseConfig, type Config } from './config.js';
import { keygen } from './commands/transparency.js';
import { createDemoIssuer, DEMO_JWKS_PATH, demoIssuerConfigs, type DemoIssuer } from './demo-issuer.js';
import { DEMO_PERSONAS_PATH, demoPersonas } from './demo-personas.js';
import { createLogger } from './log.js';
import { DEFAULT_DEMO_NATS_URL, natsAnswers, playBirthScenario } from './demo-life-events.js';
import { seedFromConfig } from './seed/command.js';
import { ApiKeyStore } from './security/api-keys.js';
import { startSamgraf, type Samgraf } from './server.js';

export const DEMO_CITIZENS = 5000;
export const DEMO_SEED = 'samgraf-demo';
const TOKEN_TTL_SECONDS = 12 * 3600;

export interface DemoOptions {
  dataDir: string;
  port: number;
  /** Play the life-event scenario (src/demo-life-events.ts); needs NATS. */
  lifeEvents?: boolean;
}

/**
 * The demo's own stream, one per data folder, so that it never mixes with a deployment's, or another demo's, on
 * the same NATS: a subscription would otherwise receive the other's events.
 */
export function demoStream(dataDir: string): string {
  return `SAMGRAF_DEMO_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/** Every source on a SQLite file named after its module (`fooBar` → `foo-bar.db`); the log signs with the demo's key. */
export function demoConfigFile(dataDir: string) {
  const file = (name: string) => `sqlite://${join(resolve(dataDir), name)}`;
  return {
    sources: Object.fromEntries(SOURCE_MODULES.map((module) => [module.name, { url: file(`${kebabCase(module.name)}.db`) }])),
    store: { url: file('store.db') },
    purposes: [...DEFAULT_PURPOSES, DEMO_SETUP_PURPOSE],
    accessLog: { signingKeyFile: demoLogKeyFile(dataDir, null) },
  };
}

/** The access log's signing key of the demo (or of one part of the federated demo), in the data folder. */
export function demoLogKeyFile(dataDir: string, part: string | null): string {
  return join(resolve(dataDir), part === null ? 'access-log.key' : `access-log-${part}.key`);
}

/** Makes the demo's log key on the first start, as `samgraf audit keygen` would; its origin names the demo. */
export async function ensureDemoLogKey(dataDir: string, part: string | null): Promise<void> {
  const file = demoLogKeyFile(dataDir, part);
  if (!existsSync(file)) await keygen(`demo.samgraf.example/${part ?? 'access-log'}`, file, false);
}

function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

export function demoConfig(dataDir: string, port: number): Config {
  return parseConfig({ ...demoConfigFile(dataDir), server: { port, host: '127.0.0.1', introspection: 'everyone' }, auth: { issuers: demoIssuerConfigs(port) } }, {});
}

export async function runDemo(options: DemoOptions): Promise<Samgraf> {
  mkdirSync(options.dataDir, { recursive: true });
  let config = demoConfig(options.dataDir, options.port);
  const natsUrl = process.env.SAMGRAF_NATS_URL ?? DEFAULT_DEMO_NATS_URL;
  const eventsOn = await natsAnswers(natsUrl);
  if (options.lifeEvents && !eventsOn) throw new Error(`--life-events needs NATS JetStream, and none answers at ${natsUrl} (set SAMGRAF_NATS_URL, or start nats-server -js)`);
  if (eventsOn) config = { ...config, events: { ...config.events, natsUrl, stream: demoStream(options.dataDir) } };
  const marker = join(options.dataDir, 'seeded.json');
  if (!existsSync(marker)) {
    process.stdout.write(`Seeding ${DEMO_CITIZENS} demo citizens into ${resolve(options.dataDir)} …\n`);
    const counts = await seedFromConfig(config, { citizens: DEMO_CITIZENS, seed: DEMO_SEED });
    writeFileSync(marker, `${JSON.stringify({ citizens: DEMO_CITIZENS, seed: DEMO_SEED, counts }, null, 2)}\n`);
  }
  await ensureDemoLogKey(options.dataDir, null);
  const issuer = await createDemoIssuer(options.dataDir);
  // The console's personas need the server's store (for the API key), so their route answers once they exist.
  let personas: ReturnType<typeof demoPersonas> = [];
  const server = await startSamgraf(config, createLogger(), {
    demoRoutes: new Map<string, () => unknown>([[DEMO_JWKS_PATH, () => issuer.jwks], [DEMO_PERSONAS_PATH, () => ({ personas })]]),
  });
  const apiKey = await demoApiKey(options.dataDir, new ApiKeyStore(server.store, config.purposes));
  const examples = await demoExamples(options.dataDir, server.url, issuer);
  const tokens = await personaTokens(issuer, examples);
  personas = demoPersonas({ ...tokens, apiKey }, examples.personWithCases);
  // The same configuration as a file, for the CLI's store commands (audit verify/export, apikey …).
  const configFile = join(resolve(options.dataDir), 'samgraf.json');
  writeFileSync(configFile, `${JSON.stringify({ ...demoConfigFile(options.dataDir), ...(eventsOn ? { events: { natsUrl, stream: demoStream(options.dataDir) } } : {}) }, null, 2)}\n`);
  process.stdout.write(banner(server.url, examples, tokens, apiKey, configFile));
  process.stdout.write(eventsOn
    ? `Life events: on (NATS JetStream at ${natsUrl}). Subscribe: npx samgraf subscription create --config ${configFile} --org FK --events person.born --purpose benefit-assessment --scopes "citizen:read" --pull
             The scenario (a birth, and social insurance's offer): npm start -- --life-events\n`
    : `Life events: off — no NATS answers at ${natsUrl} (SAMGRAF_NATS_URL); everything else runs without it.\n`);
  if (!options.lifeEvents) return server;
  const closeDesk = await playBirthScenario(config, server.store, issuer, server.url, options.port + 10, (line) => process.stdout.write(line));
  return { ...server, close: async () => { await closeDesk(); await server.close(); } };
}

/** The municipality partner's key: created once, and kept in the demo folder so the banner can show it again. */
export async function demoApiKey(dataDir: string, store: ApiKeyStore): Promise<string> {
  const file = join(dataDir, 'demo-api-key.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const { key } = await store.create({
    organization: '0180',
    name: 'Stockholms stad, socialtjänsten (demo)',
    // Assessing financial aid (ekonomiskt bistånd): who the person is, their benefits and their incomes.
    scopes: ['citizen:read', 'citizen:address:read', 'benefit:read', 'benefit:amount:read', 'income:read'],
    purposes: ['social-services'],
    municipality: '0180',
    expiresAt: null,
  });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

export interface Examples {
  /**
   * A person the examples ask about: registered in Stockholm (so the municipality's partner reads them too),
   * without a protected identity, with benefits, cases and incomes where the data has such a person.
   */
  personWithCases: string;
}

/** The purpose under which the demo picks its example person, through its own API: that read is logged too. */
const DEMO_SETUP_PURPOSE = 'demonstration';

/**
 * People in the generated data that make the examples interesting, picked once per data folder through samgraf's
 * own API — like any read of personal data, it is in the access log (organisation SAMGRAF, purpose
 * demonstration) — and kept in the data folder.
 */
export async function demoExamples(dataDir: string, url: string, issuer: DemoIssuer): Promise<Examples> {
  const file = join(dataDir, 'examples.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Examples;
  const token = await issuer.mint({
    sub: 'samgraf-demo-setup', org: 'SAMGRAF', scope: 'citizen:read benefit:read case:read income:read', purposes: [DEMO_SETUP_PURPOSE],
  }, { citizen: false, ttlSeconds: 300 });
  const query = `query DemoExamples($after: String) { citizensByMunicipality(code: "0180", first: 100, after: $after) {
    edges { node { personalNumber protectedIdentity registrationStatus benefits { id } cases { id } incomes { id } } }
    pageInfo { hasNextPage endCursor } } }`;
  type Candidate = { personalNumber: string; protectedIdentity: string; registrationStatus: string; benefits: unknown[] | null; cases: unknown[] | null; incomes: unknown[] | null };
  const seen: Candidate[] = [];
  let after: string | null = null;
  for (let page = 0; page < 10; page++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': DEMO_SETUP_PURPOSE },
      body: JSON.stringify({ query, variables: { after } }),
    });
    const body = await response.json() as { data?: { citizensByMunicipality: { edges: { node: Candidate }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
    const listing = body.data?.citizensByMunicipality;
    if (!listing) break;
    seen.push(...listing.edges.map((edge) => edge.node));
    const found = seen.find((c) => c.protectedIdentity === 'NONE' && c.registrationStatus === 'REGISTERED' && [c.benefits, c.cases, c.incomes].every((list) => (list?.length ?? 0) > 0));
    if (found) return keep(file, { personWithCases: found.personalNumber });
    if (!listing.pageInfo.hasNextPage) break;
    after = listing.pageInfo.endCursor;
  }
  const fallback = seen.find((c) => c.protectedIdentity === 'NONE' && (c.cases?.length ?? 0) > 0) ?? seen[0];
  return keep(file, { personWithCases: fallback?.personalNumber ?? '' });
}

function keep(file: string, examples: Examples): Examples {
  writeFileSync(file, `${JSON.stringify(examples, null, 2)}\n`);
  return examples;
}

export interface PersonaTokens {
  caseworker: string;
  officer: string;
  auditor: string;
  trainee: string;
  citizen: string;
}

export async function personaTokens(issuer: DemoIssuer, examples: Examples): Promise<PersonaTokens> {
  const staff = (claims: Record<string, unknown>) => issuer.mint(claims, { citizen: false, ttlSeconds: TOKEN_TTL_SECONDS });
  return {
    caseworker: await staff({ sub: 'fk-handlaggare-17', org: 'FK', scope: 'citizen:read citizen:address:read citizen:relations:read benefit:read benefit:amount:read', purposes: ['benefit-assessment'] }),
    officer: await staff({ sub: 'af-officer-42', org: 'AF', scope: 'citizen:read case:read case:notes:read', purposes: ['employment-support'] }),
    auditor: await staff({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', purposes: ['audit'] }),
    trainee: await staff({ sub: 'auditor-trainee-2', org: 'IMY', scope: 'citizen:read', purposes: ['audit'] }),
    citizen: await issuer.mint({ sub: examples.personWithCases }, { citizen: true, ttlSeconds: TOKEN_TTL_SECONDS }),
  };
}

function curl(url: string, headers: string[], query: string): string {
  const body = JSON.stringify({ query }).replace(/'/g, `'\\''`);
  return [`  curl -s ${url} -H 'content-type: application/json' \\`, ...headers.map((h) => `    -H '${h}' \\`), `    -d '${body}'`].join('\n');
}

/**
 * An example's description in English and, indented under it, in Swedish: the demo's users are Swedish agencies'
 * staff and their partners, and the console speaks both. Both are always printed (the terminal's locale says little
 * about who reads the output), English first, so that the examples read the same in every language.
 */
function inBothLanguages(english: string, swedish: string): string {
  return `${english}\n  ${swedish}`;
}

export function banner(url: string, examples: Examples, tokens: PersonaTokens, apiKey: string, configFile: string): string {
  const pnr = examples.personWithCases;
  return `
samgraf demo is running: ${url}   (listening on 127.0.0.1 only; generated data, demo issuer)

${inBothLanguages('Social-insurance caseworker (FK) — identity, address and benefits with amounts:',
    'Handläggare på Försäkringskassan (FK) – identitet, adress och förmåner med belopp:')}
${curl(url, [`Authorization: Bearer ${tokens.caseworker}`, 'X-Purpose: benefit-assessment'],
    `{ citizen(personalNumber: "${pnr}") { givenNames familyName address { street postalCode city } benefits { type status amount { amount currency } payments { paidOn amount { amount } } } cases { id } } }`)}
  (cases are denied: an FK caseworker has no case:read)
  (ärendena nekas: handläggaren på FK saknar case:read)

${inBothLanguages('Employment-service officer (AF) — cases, action plans and case notes:',
    'Arbetsförmedlare (AF) – ärenden, handlingsplaner och anteckningar:')}
${curl(url, [`Authorization: Bearer ${tokens.officer}`, 'X-Purpose: employment-support'],
    `{ citizen(personalNumber: "${pnr}") { familyName cases { id type status openedAt notes actionPlan { step activity status } } } }`)}

${inBothLanguages('Municipality social services (Stockholm, API key), assessing financial aid — only people registered in 0180:',
    'Socialtjänsten i Stockholms stad (API-nyckel) prövar ekonomiskt bistånd – bara personer folkbokförda i 0180:')}
${curl(url, [`X-API-Key: ${apiKey}`, 'X-Purpose: social-services'],
    `{ citizensByMunicipality(code: "0180", first: 3) { edges { node { personalNumber familyName address { city } } } pageInfo { hasNextPage endCursor } } citizen(personalNumber: "${pnr}") { familyName benefits { type status amount { amount } } incomes(from: "2025-01") { period employer { name organizationNumber soleTrader } grossPay { amount } taxDeducted { amount } } } }`)}

${inBothLanguages('Auditor — who read this person\'s data, newest first (run the examples above first):',
    'Granskare – vem som har läst personens uppgifter, nyast först (kör exemplen ovan först):')}
${curl(url, [`Authorization: Bearer ${tokens.auditor}`, 'X-Purpose: audit'],
    `{ auditEvents(filter: { subject: "${pnr}" }, first: 100) { edges { node { occurredAt principal { type subject organization } purpose outcome fieldsRead fieldsDenied } } pageInfo { hasNextPage endCursor } } }`)}

${inBothLanguages('Citizen — their own data, and who has read it (purpose self-service is implied):',
    'Invånare – sina egna uppgifter, och vem som har läst dem (ändamålet self-service är underförstått):')}
${curl(url, [`Authorization: Bearer ${tokens.citizen}`], `{ me { type subject } citizen(personalNumber: "${pnr}") { givenNames familyName benefits { type status } cases { type status } } }`)}
${curl(url, [`Authorization: Bearer ${tokens.citizen}`], '{ myAccessLog(first: 10) { edges { node { occurredAt organization purpose dataCategories } } } }')}

More tokens: npx samgraf token --sub NAME --org FK --scopes "citizen:read benefit:read" --purposes benefit-assessment
             npx samgraf token --citizen ${pnr}
Policy matrix:   npx samgraf policy matrix
Access log:      npx samgraf audit verify --config ${configFile}   (also: audit export, apikey list)
Proof of it:     ${url.replace('/graphql', '/log/checkpoint')}   (signed checkpoint; a citizen's myAccessLog { edges { node { receipt } } })
Auditor console: ${url.replace('/graphql', '/console/')}   (one-click sign-in per persona; Swedish or English, svenska eller engelska)
GraphQL IDE:     open ${url} in a browser
Health:          ${url.replace('/graphql', '/healthz')}   Readiness: ${url.replace('/graphql', '/readyz')}
Stop with Ctrl-C. The data lives in the data folder; delete it to seed afresh. Tokens are valid for 12 hours.
`;
}
