/**
 * Composes subgraph SDLs into a supergraph with The Guild's composer (MIT, pure JavaScript, the same vendor as
 * the gateway engine). Apollo's composer (Elastic-2.0) is not shipped; the tests require it to accept the same
 * subgraphs and agree on the rule table, because Apollo's is the stricter of the two
 * (docs/federation.md).
 */
import { composeServices } from '@theguild/federation-composition';
import type { DocumentNode } from 'graphql';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { ConfigError, type Config } from '../config.js';
import type { SourceModule } from '../core/source-module.js';
import { partNames, SAMGRAF_PART } from './parts.js';
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
 * The parts `federation.subgraphs` names, with this version's SDL of each: every required source and samgraf's
 * own part must be there (a supergraph without them would not be the schema clients know).
 */
export function configuredServices(config: Pick<Config, 'federation'>, modules: readonly SourceModule[] = SOURCE_MODULES): SubgraphService[] {
  const configured = config.federation?.subgraphs ?? {};
  const missing = [...modules.filter((module) => module.required).map((module) => module.name), SAMGRAF_PART].filter((name) => configured[name] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((name) => `federation.subgraphs.${name}.url: required to compose the supergraph (where the gateway reaches ${name === SAMGRAF_PART ? "samgraf's own part" : `the ${name} subgraph`})`));
  }
  return partNames(modules).filter((name) => configured[name] !== undefined).map((name) => ({ name, url: configured[name]!.url, typeDefs: subgraphSdl(name, modules).typeDefs }));
}
