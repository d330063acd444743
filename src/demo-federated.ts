/**
 * `npm run start:federated`: the demo as a federation on one machine — each source its own subgraph with its own
 * SQLite store (its own access log), samgraf's own part (`me`, the access log) as a subgraph too, and the gateway
 * in front with the demo issuer. The same data, tokens and example requests as `npm start`; only the deployment
 * differs. Every part gets its own key pair (federation.internalAuth), kept in the data folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SOURCE_MODULES } from '../sources/registry.js';
import { generatePartKeys, type PartKeyPair } from './commands/federation-keys.js';
import { parseConfig, partConfigSchema } from './config.js';
import { banner, DEMO_CITIZENS, DEMO_SEED, demoApiKey, demoConfig, demoConfigFile, demoExamples, demoLogKeyFile, ensureDemoLogKey, personaTokens } from './demo.js';
import { createDemoIssuer, DEMO_JWKS_PATH, demoIssuerConfigs } from './demo-issuer.js';
import { DEMO_PERSONAS_PATH, demoPersonas } from './demo-personas.js';
import { composeConfigured } from './federation/compose.js';
import { GATEWAY_NAME, partNames, SAMGRAF_PART } from './federation/parts.js';
import { createLogger } from './log.js';
import { seedFromConfig } from './seed/command.js';
import { ApiKeyStore } from './security/api-keys.js';
import { startSamgraf, type Samgraf } from './server.js';

export interface FederatedDemoOptions {
  dataDir: string;
  /** The gateway's port; the parts listen on the next ones, in registry order. */
  port: number;
}

export async function runFederatedDemo(options: FederatedDemoOptions): Promise<{ url: string; close(): Promise<void> }> {
  mkdirSync(options.dataDir, { recursive: true });
  const dataDir = resolve(options.dataDir);
  const sqlite = (name: string) => `sqlite://${join(dataDir, name)}`;
  const marker = join(dataDir, 'seeded.json');
  if (!existsSync(marker)) {
    process.stdout.write(`Seeding ${DEMO_CITIZENS} demo citizens into ${dataDir} …\n`);
    const counts = await seedFromConfig(demoConfig(dataDir, options.port), { citizens: DEMO_CITIZENS, seed: DEMO_SEED });
    writeFileSync(marker, `${JSON.stringify({ citizens: DEMO_CITIZENS, seed: DEMO_SEED, counts }, null, 2)}\n`);
  }
  const keys = await partKeys(dataDir);
  for (const name of [GATEWAY_NAME, ...partNames()]) await ensureDemoLogKey(dataDir, name);
  const trustedKeys = Object.fromEntries(Object.entries(keys).map(([name, pair]) => [name, pair.publicKey]));
  const names = partNames();
  const portOf = (name: string) => (name === GATEWAY_NAME ? options.port : options.port + 1 + names.indexOf(name));
  const subgraphs = Object.fromEntries(names.filter((name) => name !== SAMGRAF_PART).map((name) => [name, { url: `http://127.0.0.1:${portOf(name)}/graphql` }]));
  const common = {
    auth: { issuers: demoIssuerConfigs(options.port) },
    purposes: demoConfigFile(dataDir).purposes,
    server: { host: '127.0.0.1', introspection: 'everyone' },
  };
  const configOf = (name: string, sources: Record<string, { url: string }>, store: string) => parseConfig({
    ...common,
    server: { ...common.server, port: portOf(name) },
    sources,
    store: { url: sqlite(store) },
    // Each agency's log is its own transparency log, with its own key.
    accessLog: { signingKeyFile: demoLogKeyFile(dataDir, name) },
    federation: { subgraphs, internalAuth: { signingKey: keys[name]!.privateKey, trustedKeys } },
  }, {}, partConfigSchema(name));
  const logger = createLogger();
  const running: Samgraf[] = [];
  const close = async () => {
    for (const server of running.reverse()) await server.close();
  };
  try {
    const sourceUrls = demoConfigFile(dataDir).sources as Record<string, { url: string }>;
    // The register of persons first: the other parts ask it whom they may show. samgraf's own part (me, the
    // access log) the gateway serves itself.
    for (const name of names.filter((part) => part !== SAMGRAF_PART)) {
      const own = SOURCE_MODULES.some((module) => module.name === name) ? { [name]: sourceUrls[name]! } : {};
      running.push(await startSamgraf(configOf(name, own, `store-${name}.db`), logger, { part: name }));
    }
    const issuer = await createDemoIssuer(dataDir);
    let personas: ReturnType<typeof demoPersonas> = [];
    const gatewayConfig = configOf(GATEWAY_NAME, {}, 'store.db');
    const gateway = await startSamgraf(gatewayConfig, logger, {
      // Composed from what the parts serve, as an operator's gateway does.
      gateway: { supergraphSdl: await composeConfigured(gatewayConfig, 'running') },
      demoRoutes: new Map<string, () => unknown>([[DEMO_JWKS_PATH, () => issuer.jwks], [DEMO_PERSONAS_PATH, () => ({ personas })]]),
    });
    running.push(gateway);
    const apiKey = await demoApiKey(dataDir, new ApiKeyStore(gateway.store, gatewayConfig.purposes));
    const examples = await demoExamples(dataDir, gateway.url, issuer);
    const tokens = await personaTokens(issuer, examples);
    personas = demoPersonas({ ...tokens, apiKey }, examples.personWithCases);
    const configFile = join(dataDir, 'samgraf.json');
    writeFileSync(configFile, `${JSON.stringify({ ...demoConfigFile(dataDir), store: { url: sqlite('store.db') }, accessLog: { signingKeyFile: demoLogKeyFile(dataDir, GATEWAY_NAME) } }, null, 2)}\n`);
    process.stdout.write(`${federationBanner(subgraphs)}${banner(gateway.url, examples, tokens, apiKey, configFile)}`);
    return { url: gateway.url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Each part's key pair: made on the first start, kept in the data folder (readable by its owner only). */
async function partKeys(dataDir: string): Promise<Record<string, PartKeyPair>> {
  const file = join(dataDir, 'federation-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, PartKeyPair>;
  const keys: Record<string, PartKeyPair> = {};
  for (const name of [GATEWAY_NAME, ...partNames()]) keys[name] = await generatePartKeys();
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

function federationBanner(subgraphs: Record<string, { url: string }>): string {
  const lines = Object.entries(subgraphs).map(([name, { url }]) => `  ${name.padEnd(20)} ${url}   (its own SQLite store: its own access log)`);
  return `\nsamgraf federated demo: the gateway composes these subgraphs, each called with a signed request, and serves\nme and the access log itself — every agency's log, read as one:\n${lines.join('\n')}\n`;
}
