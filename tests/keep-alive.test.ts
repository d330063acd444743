/**
 * Connections that stay up (README "Production checklist"): a client that pauses between requests reuses its
 * keep-alive connection instead of sending on a socket samgraf closed (Node's default idle timeout is 5 s); the
 * timeouts are configurable and a headers timeout that does not exceed the keep-alive timeout is refused.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ConfigError, headersTimeoutOf, parseConfig } from '../src/config.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

/** GETs a path through `agent`; resolves with the status and whether the agent reused a pooled socket. */
function get(agent: Agent, url: URL): Promise<{ status: number; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SOURCES = { populationRegister: { url: 'sqlite::memory:' }, socialInsurance: { url: 'sqlite::memory:' }, employmentService: { url: 'sqlite::memory:' } };

describe('keep-alive connections', () => {
  let seeded: SeededSources;
  let server: TestServer;

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 5, seed: 'keep-alive-0' });
    server = await startTestServer(seeded.urls);
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  it('a client idle for 10 s sends its next request on the same connection, without error', { timeout: 60_000 }, async () => {
    let connections = 0;
    const count = () => { connections += 1; };
    server.httpServer.on('connection', count);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const healthz = new URL('/healthz', server.url);
      const first = await get(agent, healthz);
      assert.equal(first.status, 200);
      // Longer than Node's default keep-alive timeout (5 s), far shorter than samgraf's (65 s).
      await sleep(10_000);
      const second = await get(agent, healthz);
      assert.equal(second.status, 200);
      assert.equal(second.reusedSocket, true, 'the second request went out on the pooled socket');
      assert.equal(connections, 1, 'the server saw one connection for both requests');
    } finally {
      agent.destroy();
      server.httpServer.off('connection', count);
    }
  });

  it('applies the configured timeouts to the HTTP server', () => {
    assert.equal(server.httpServer.keepAliveTimeout, 65_000);
    assert.equal(server.httpServer.headersTimeout, 66_000);
    assert.ok(server.httpServer.requestTimeout >= server.httpServer.headersTimeout, 'Node requires requestTimeout ≥ headersTimeout');
  });

  it('refuses a headers timeout that does not exceed the keep-alive timeout, naming both keys', () => {
    const config = (server: Record<string, unknown>) => parseConfig({ server, sources: SOURCES, store: { url: 'sqlite::memory:' } }, {});
    assert.equal(config({ keepAliveTimeoutMs: 120_000, headersTimeoutMs: 121_000 }).server.keepAliveTimeoutMs, 120_000);
    // Raising only the keep-alive timeout keeps the headers timeout 1 s above it.
    assert.equal(headersTimeoutOf(config({ keepAliveTimeoutMs: 70_000 }).server), 71_000);
    assert.throws(() => config({ keepAliveTimeoutMs: 70_000, headersTimeoutMs: 66_000 }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /server\.headersTimeoutMs: must be greater than server\.keepAliveTimeoutMs/);
      return true;
    });
  });
});
