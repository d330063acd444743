/**
 * Composes subgraph SDLs into a supergraph with The Guild's composer (MIT, pure JavaScript, the same vendor as
 * the gateway engine). Apollo's composer (Elastic-2.0) is not shipped; the tests require it to accept the same
 * subgraphs and agree on the rule table, because Apollo's is the stricter of the two
 * (docs/federation.md).
 */
import { composeServices } from '@theguild/federation-composition';
import { parse, type DocumentNode } from 'graphql';
import { INTERNAL_HEADER, InternalAuth, InternalAuthError } from './internal-auth.js';
import { newRequestId } from '../request-id.js';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { ConfigError, type Config } from '../config.js';
import type { SourceModule } from '../core/source-module.js';
import { EMBEDDED_URL, GATEWAY_NAME, partNames, SAMGRAF_PART } from './parts.js';
import { subgraphSdl } from './subgraph-sdl.js';

export interface SubgraphService {
  name: string;
  /** Where the gateway reaches it. */
  url: string;
  typeDefs: DocumentNode;
}

export class CompositionError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the subgraphs do not compose:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'CompositionError';
  }
}

/** The supergraph SDL, or a CompositionError listing every problem the composer found. */
export function composeSupergraph(services: readonly SubgraphService[]): string {
  const result = composeServices(services.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })));
  if (result.errors !== undefined) throw new CompositionError(result.errors.map((error) => error.message));
  return result.supergraphSdl;
}

/**
 * The supergraph of the configured parts: from the SDL each running part serves (`running`, the default: what
 * is deployed), or from this version's SDL of each part (`package`: offline, e.g. to review a release's).
 */
export async function composeConfigured(config: Pick<Config, 'federation' | 'limits'>, from: 'running' | 'package'): Promise<string> {
  if (from === 'package') return composeSupergraph(configuredServices(config));
  const auth = await InternalAuth.fromConfig(GATEWAY_NAME, config, 'to ask the running subgraphs for their SDL (or compose --from package)');
  return composeSupergraph(await runningServices(config, auth, config.federation?.subgraphTimeoutMs ?? 10_000));
}

/** Where a running part serves its subgraph SDL to the gateway (signed both ways, like every internal call). */
export const SDL_PATH = '/internal/sdl';

/**
 * The parts `federation.subgraphs` names, each with the SDL it serves now: asked over the signed internal route
 * as the gateway, so that a part answers only the gateway and the gateway takes an SDL only from the part it
 * asked. A part that does not answer stops the composition, naming it.
 */
export async function runningServices(config: Pick<Config, 'federation'>, auth: InternalAuth, timeoutMs: number, modules: readonly SourceModule[] = SOURCE_MODULES): Promise<SubgraphService[]> {
  const services = configuredServices(config, modules);
  const problems: string[] = [];
  const running = await Promise.all(services.map(async (service) => {
    // Served by the gateway itself: its SDL is this version's.
    if (service.url === EMBEDDED_URL) return service;
    const requestId = newRequestId();
    const body = '{}';
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
    headers[INTERNAL_HEADER] = await auth.signRequest(service.name, { requestId, body, headers });
    try {
      const response = await fetch(new URL(SDL_PATH, service.url), { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`it answered HTTP ${response.status}`);
      await auth.verifyResponse(response.headers.get(INTERNAL_HEADER) ?? undefined, service.name, { requestId, body: text });
      return { ...service, typeDefs: parse((JSON.parse(text) as { sdl: string }).sdl) };
    } catch (error) {
      problems.push(`${service.name} at ${service.url}: ${error instanceof InternalAuthError ? 'its answer is not signed by it' : (error as Error).message}`);
      return service;
    }
  }));
  if (problems.length > 0) throw new CompositionError(problems.map((problem) => `cannot read the running subgraph's SDL: ${problem}`));
  return running;
}

/**
 * The parts `federation.subgraphs` names, with this version's SDL of each: every required source and samgraf's
 * own part must be there (a supergraph without them would not be the schema clients know).
 */
export function configuredServices(config: Pick<Config, 'federation'>, modules: readonly SourceModule[] = SOURCE_MODULES): SubgraphService[] {
  const configured = config.federation?.subgraphs ?? {};
  const missing = modules.filter((module) => module.required && configured[module.name] === undefined).map((module) => module.name);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((name) => `federation.subgraphs.${name}.url: required to compose the supergraph (where the gateway reaches the ${name} subgraph)`));
  }
  // samgraf's own part runs where it is configured, else in the gateway itself.
  const urlOf = (name: string) => configured[name]?.url ?? (name === SAMGRAF_PART ? EMBEDDED_URL : undefined);
  return partNames(modules).filter((name) => urlOf(name) !== undefined).map((name) => ({ name, url: urlOf(name)!, typeDefs: subgraphSdl(name, modules).typeDefs }));
}
