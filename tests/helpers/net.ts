/** Small network helpers for tests that spawn servers or put proxies in front of MariaDB. */
import { createServer } from 'node:net';
import { TEST_MYSQL_URL } from './mysql.js';

/** Where the test MariaDB listens, for a proxy to forward to. */
export function mysqlTarget(): { host: string; port: number } {
  const url = new URL(TEST_MYSQL_URL);
  return { host: url.hostname, port: Number(url.port || 3306) };
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
