/**
 * The naive baseline: samgraf itself — the same schema, resolvers, policies, access log and HTTP front — but
 * with every DataLoader unbatched and uncached, so each field's load is its own SQL statement (what a
 * per-field-resolver GraphQL server without DataLoader does). Shows what batching buys.
 *
 *   node dist/bench/naive-server.js --config FILE      (PORT overrides server.port)
 */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startSamgraf } from '../src/server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  if (!values.config) throw new Error('usage: node dist/bench/naive-server.js --config FILE');
  const server = await startSamgraf(loadConfigFile(values.config), createLogger(), { unbatched: true });
  const stop = () => {
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`naive: ${(error as Error).message}\n`);
  process.exit(1);
});
