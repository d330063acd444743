/**
 * A federated deployment in one test process: each source's subgraph on its own port, with its own store (each
 * agency keeps its own access log), and the key pairs of every part and of the gateway — so a test can sign as
 * the gateway (or as a part) the way the gateway would.
 */
import { SOURCE_MODULES } from '../../sources/registry.js';
import { generatePartKeys, type PartKeyPair } from '../../src/commands/federation-keys.js';
import { parseConfig, partConfigSchema } from '../../src/config.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { keygen } from '../../src/commands/transparency.js';
import { INTERNAL_HEADER, InternalAuth, PRINCIPAL_HEADER } from '../../src/federation/internal-auth.js';
import { composeSupergraph, configuredServices } from '../../src/federation/compose.js';
import { GATEWAY_NAME, partNames, SAMGRAF_PART } from '../../src/federation/parts.js';
import type { Principal } from '../../src/core/principal.js';
import { startSamgraf, type Samgraf } from '../../src/server.js';
import type { GraphQLResponse, SourceUrls, TestServer } from './samgraf.js';
import { testLogger } from './samgraf.js';
import { superuserHeaders, testIssuers } from './tokens.js';

export interface Federation {
  parts: Record<string, Samgraf>;
  keys: Record<string, PartKeyPair>;
  trustedKeys: Record<string, PartKeyPair['publicKey']>;
  /** Signs as the gateway does. */
  gateway: InternalAuth;
  /** POSTs a query to a part directly: as an all-scopes AF officer by default; headers merge over that. */
  query<T = any>(part: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string | undefined>): Promise<GraphQLResponse<T> & { headers: Headers }>;
  /** The same, signed as the gateway signs it (for an API-key caller, `principal` is what the gateway vouches for). */
  viaGateway<T = any>(part: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string | undefined>, principal?: Principal): Promise<GraphQLResponse<T> & { headers: Headers }>;
  close(): Promise<void>;
}

export interface FederationOptions {
  sources: SourceUrls;
  /** Each part's own store. */
  stores: Readonly<Record<string, string>>;
  /** The parts to start; the register of persons first, as the others ask it. */
  parts?: readonly string[];
  overrides?: Record<string, unknown>;
  /** Where each part's (and the gateway's) own access-log signing key is made: each agency's log is its own. */
  logKeyDir?: string;
}

/** `accessLog` for a part: its own signing key in `dir` (made on first use), origin `log.<part>.test/access`. */
export async function partAccessLog(dir: string | undefined, part: string): Promise<Record<string, unknown>> {
  if (dir === undefined) return {};
  const keyFile = join(dir, `${part}.key`);
  if (!existsSync(keyFile)) await keygen(logOrigin(part), keyFile, false);
  return { accessLog: { signingKeyFile: keyFile } };
}

export const logOrigin = (part: string) => `log.${part}.test/access`;

export async function startFederation(options: FederationOptions): Promise<Federation> {
  const { staff, citizen } = await testIssuers();
  const names = [GATEWAY_NAME, ...partNames()];
  const keys: Record<string, PartKeyPair> = {};
  for (const name of names) keys[name] = await generatePartKeys();
  const trustedKeys = Object.fromEntries(names.map((name) => [name, keys[name]!.publicKey]));
  const gateway = await InternalAuth.create(GATEWAY_NAME, { signingKey: keys[GATEWAY_NAME]!.privateKey, trustedKeys });
  const register = SOURCE_MODULES.find((module) => module.people !== undefined)!.name;
  const wanted = options.parts ?? partNames();
  const ordered = [...wanted.filter((name) => name === register), ...wanted.filter((name) => name !== register)];
  const parts: Record<string, Samgraf> = {};
  const subgraphs: Record<string, { url: string }> = {};
  const sourceUrls = options.sources as unknown as Record<string, string | undefined>;
  try {
    for (const name of ordered) {
      const config = parseConfig({
        server: { port: 0, host: '127.0.0.1' },
        sources: sourceUrls[name] === undefined ? {} : { [name]: { url: sourceUrls[name] } },
        store: { url: options.stores[name] },
        auth: { issuers: [staff.config, citizen.config] },
        rateLimit: { points: 1_000_000, durationSeconds: 1 },
        federation: { subgraphs: { ...subgraphs }, internalAuth: { signingKey: keys[name]!.privateKey, trustedKeys } },
        ...await partAccessLog(options.logKeyDir, name),
        ...options.overrides,
      }, {}, partConfigSchema(name));
      parts[name] = await startSamgraf(config, testLogger(), { part: name });
      subgraphs[name] = { url: parts[name]!.url };
    }
  } catch (error) {
    await Promise.all(Object.values(parts).map((part) => part.close()));
    throw error;
  }
  const defaults = await superuserHeaders();
  let sent = 0;
  const post = async (part: string, query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string | undefined>, sign: Principal | null | false) => {
    const server = parts[part];
    if (server === undefined) throw new Error(`part ${part} is not running`);
    const merged: Record<string, string> = Object.fromEntries(Object.entries({
      'content-type': 'application/json', accept: 'application/json', 'x-request-id': `federation-test-${++sent}`, ...defaults, ...headers,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const body = JSON.stringify({ query, variables });
    // As the gateway does for a partner: the principal, vouched for, for the subgraph and the parts it asks in turn.
    if (sign !== false && sign !== null) merged[PRINCIPAL_HEADER] = gateway.signPrincipal(merged['x-request-id']!, sign);
    if (sign !== false) merged[INTERNAL_HEADER] = await gateway.signRequest(part, { requestId: merged['x-request-id']!, body, headers: merged, principal: sign });
    const response = await fetch(server.url, { method: 'POST', headers: merged, body });
    return { status: response.status, headers: response.headers, ...(await response.json() as object) };
  };
  return {
    parts,
    keys,
    trustedKeys,
    gateway,
    query: (part, query, variables, headers = {}) => post(part, query, variables, headers, false),
    viaGateway: (part, query, variables, headers = {}, principal) => post(part, query, variables, headers, principal ?? null),
    async close() {
      await Promise.all(Object.values(parts).map((part) => part.close()));
    },
  };
}

/**
 * A whole federated deployment behind its gateway, shaped like startTestServer's single server: the same
 * default principal, `url` and `query` at the gateway, `store` the gateway's own (its API keys, its log). As the
 * contract has it: the four sources' subgraphs, and the gateway, which serves samgraf's own part itself.
 */
export async function startFederatedTestServer(sources: SourceUrls, stores: Readonly<Record<string, string>>, overrides: Record<string, unknown> = {}, logKeyDir?: string): Promise<TestServer & { federation: Federation }> {
  const federation = await startFederation({ sources, stores, overrides, parts: partNames().filter((name) => name !== SAMGRAF_PART), ...(logKeyDir ? { logKeyDir } : {}) });
  try {
    const { staff, citizen } = await testIssuers();
    const subgraphs = Object.fromEntries(Object.entries(federation.parts).map(([name, part]) => [name, { url: part.url }]));
    const config = parseConfig({
      server: { port: 0, host: '127.0.0.1' },
      sources: {},
      store: { url: stores[GATEWAY_NAME] },
      auth: { issuers: [staff.config, citizen.config] },
      rateLimit: { points: 1_000_000, durationSeconds: 1 },
      federation: { subgraphs, internalAuth: { signingKey: federation.keys[GATEWAY_NAME]!.privateKey, trustedKeys: federation.trustedKeys } },
      ...await partAccessLog(logKeyDir, GATEWAY_NAME),
      ...overrides,
    }, {}, partConfigSchema(GATEWAY_NAME));
    const supergraphSdl = composeSupergraph(configuredServices(config));
    const gateway = await startSamgraf(config, testLogger(), { gateway: { supergraphSdl } });
    const defaults = await superuserHeaders();
    return {
      ...gateway,
      federation,
      async query(query, variables, headers = {}) {
        const merged = Object.entries({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...defaults, ...headers })
          .filter((entry): entry is [string, string] => entry[1] !== undefined);
        const response = await fetch(gateway.url, { method: 'POST', headers: Object.fromEntries(merged), body: JSON.stringify({ query, variables }) });
        return { status: response.status, ...(await response.json() as object) };
      },
      async close() {
        await gateway.close();
        await federation.close();
      },
    };
  } catch (error) {
    await federation.close();
    throw error;
  }
}
