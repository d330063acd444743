/**
 * GET /metrics: the Prometheus text of the process's metrics. It says nothing personal (metrics.ts), but how
 * much each client calls and how often it is refused is an operator's business: `server.metricsToken` asks for a
 * bearer token, and `server.metricsPort` moves the endpoint to a port of its own that the clients' network need
 * not reach.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, httpStatus } from './core/error-codes.js';
import type { Metrics } from './metrics.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether the request carries the token, compared in constant time (as digests, so lengths do not show either). */
export function carriesMetricsToken(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/** Answers GET/HEAD /metrics (the caller has checked the method and path). */
export async function answerMetrics(req: IncomingMessage, res: ServerResponse, metrics: Metrics, token: string | undefined): Promise<void> {
  if (token !== undefined && !carriesMetricsToken(req, token)) {
    res.statusCode = httpStatus(Code.UNAUTHENTICATED);
    res.setHeader('www-authenticate', 'Bearer realm="samgraf metrics"');
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ errors: [{ message: '/metrics needs the bearer token server.metricsToken names', extensions: { code: Code.UNAUTHENTICATED } }] }));
    return;
  }
  res.setHeader('content-type', metrics.registry.contentType);
  res.setHeader('cache-control', 'no-store');
  res.end(await metrics.registry.metrics());
}

/** The metrics port's server: GET /metrics, nothing else. */
export async function startMetricsServer(metrics: Metrics, port: number, host: string, token: string | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const refuse = (code: typeof Code.NOT_FOUND | typeof Code.METHOD_NOT_ALLOWED, message: string) => {
      res.statusCode = httpStatus(code);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    };
    if (path !== '/metrics') return refuse(Code.NOT_FOUND, 'not found: this port serves /metrics only');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return refuse(Code.METHOD_NOT_ALLOWED, 'use GET or HEAD');
    }
    answerMetrics(req, res, metrics, token).catch(() => {
      if (!res.headersSent) res.statusCode = httpStatus(Code.INTERNAL_SERVER_ERROR);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
