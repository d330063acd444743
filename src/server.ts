/** Assembles samgraf: sources, schema, Apollo Server and the HTTP front. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Knex } from 'knex';
import type { SourceName } from '../connectors/shared/source.js';
import type { Config } from './config.js';
import { createRequestContext, type RequestContext } from './context.js';
import { formatClientError } from './errors.js';
import { createHttpHandler } from './http.js';
import type { Logger } from './log.js';
import { dataQualityPlugin } from './plugins/data-quality.js';
import { buildSchema } from './schema.js';
import { openDatabase } from './db.js';
import { connectorsFor, openSourceDatabases, SOURCE_NAMES } from './sources.js';

export interface Samgraf {
  url: string;
  httpServer: Server;
  sources: Record<SourceName, Knex>;
  store: Knex;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startSamgraf(config: Config, logger: Logger): Promise<Samgraf> {
  const sources = openSourceDatabases(config);
  const store = openDatabase(config.store.url);
  const connectors = connectorsFor(sources);
  const apollo = new ApolloServer<RequestContext>({
    schema: buildSchema(),
    formatError: formatClientError,
    includeStacktraceInErrorResponses: false,
    // samgraf's own handler closes HTTP first, then Apollo, then the databases.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), dataQualityPlugin(logger)],
    logger,
  });
  await apollo.start();

  const handler = createHttpHandler({
    apollo,
    logger,
    maxBodyBytes: MAX_BODY_BYTES,
    createContext: async (requestId) => createRequestContext(connectors, requestId),
    isReady: async () => {
      const databases: [string, Knex][] = [...SOURCE_NAMES.map((name) => [name, sources[name]] as [string, Knex]), ['store', store]];
      const results = await Promise.all(databases.map(async ([name, db]) => {
        try {
          await db.raw('select 1');
          return [name, 'up'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }));
      return { ready: results.every(([, state]) => state === 'up'), checks: Object.fromEntries(results) };
    },
  });
  const httpServer = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.server.port, config.server.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ port }, 'samgraf listening');

  return {
    url,
    httpServer,
    sources,
    store,
    async close() {
      // Stop accepting, let in-flight requests finish, and drop idle keep-alive connections so close returns.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await closed;
      await apollo.stop();
      await Promise.all([...SOURCE_NAMES.map((name) => sources[name].destroy()), store.destroy()]);
    },
  };
}
