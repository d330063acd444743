/** The parts of a federated deployment: one subgraph per source module, and samgraf's own (`me`, the access log). */
import { SOURCE_MODULES } from '../../sources/registry.js';
import type { SourceModule } from '../core/source-module.js';

/** The gateway's name among the parts' keys (federation.internalAuth.trustedKeys). */
export const GATEWAY_NAME = 'gateway';

/** samgraf's own part: `me` and the access log. */
export const SAMGRAF_PART = 'samgraf';

/**
 * The URL a supergraph gives samgraf's own part when no `federation.subgraphs.samgraf` is configured: the
 * gateway serves it itself, in its own process (gateway.ts), on its own store.
 */
export const EMBEDDED_URL = 'http://samgraf-part.embedded.invalid/graphql';

/** Every part's name: each source module's, then samgraf's own. */
export function partNames(modules: readonly SourceModule[] = SOURCE_MODULES): string[] {
  return [...modules.map((module) => module.name), SAMGRAF_PART];
}
