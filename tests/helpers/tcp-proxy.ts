/**
 * A TCP proxy on 127.0.0.1 for fault-injection tests: put it between samgraf and one of its databases (the
 * store, or a legacy source) by pointing that database's URL at the proxy (`proxy.rewrite(url)`), and the test
 * decides what the network does:
 *
 * - `restore()` (the initial state): bytes flow both ways, unchanged.
 * - `cut()`: the database is gone. Every open connection is torn down at once (the client side with a TCP RST,
 *   the database side closed, so the database rolls back whatever was open), data queued by a stall is thrown
 *   away, and new connections are refused — accepted and reset at once, which a client sees as ECONNRESET — or,
 *   with `cut({ newConnections: 'blackhole' })`, accepted and then never answered (the client's own connect
 *   timeout decides; `restore()` then resets them, as a partition that heals would lose them).
 * - `stall()`: the database is hanging. Connections stay open and new ones are accepted, but nothing is
 *   forwarded: bytes are read and held, in order, and `restore()` delivers them (and connects the new
 *   connections to the database first), so a stall that ends is, to both sides, only a delay.
 *   `stall('toServer')` or `stall('toClient')` holds one direction only: `stall('toClient')` lets requests
 *   reach the database while its answers are held — e.g. a COMMIT that lands but whose acknowledgement never
 *   arrives, if a `cut()` follows.
 *
 * Connections close normally (FIN) through the proxy in either direction; an error on either side tears down
 * both. `stats()` counts connections and bytes (forwarded and held), so a test can wait — by polling, bounded
 * by a count — until a request has actually reached the proxy. `tap` sees every chunk as it is delivered, for
 * tests that count statements on the wire. Held data is kept in memory; a side that has more than
 * `maxHeldBytes` held is paused until `restore()`.
 *
 * Nothing here knows about MySQL: any TCP protocol works. `close()` tears everything down.
 *
 * Usage, e.g. for a failing source:
 *   const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: 3306 } });
 *   const server = await startTestServer({ ...urls, socialInsurance: proxy.rewrite(urls.socialInsurance) });
 *   proxy.cut(); …; proxy.restore(); …; await server.close(); await proxy.close();
 * Notes for MySQL/MariaDB: the server speaks first, so a connection opened during a stall sends nothing (wait on
 * `stats().accepted`, not on held bytes); mysql2 gives up on a connection whose handshake has not come within its
 * connectTimeout (10 s), and MariaDB drops one that does not complete it within connect_timeout (10 s), so keep
 * stalls short; and samgraf migrates the store at start, so start it with the proxy open.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Direction = 'toServer' | 'toClient';

export type ProxyMode =
  | { state: 'open' }
  | { state: 'stalled'; directions: readonly Direction[] }
  | { state: 'cut'; newConnections: 'reset' | 'blackhole' };

export interface TcpProxyOptions {
  /** Where connections are forwarded to. */
  target: { host: string; port: number };
  /** Port to listen on, on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Called with every chunk as it is delivered (not while it is held), with the connection's number. */
  tap?(chunk: Buffer, direction: Direction, connection: number): void;
  /** Per connection and direction, held bytes beyond which the sending side is paused (default 4 MiB). */
  maxHeldBytes?: number;
}

export interface TcpProxyStats {
  /** Connections accepted since start (including refused and black-holed ones). */
  accepted: number;
  /** Connections reset on arrival while cut. */
  refused: number;
  /** Connections currently open through the proxy (held ones included, black-holed ones not). */
  open: number;
  /** Bytes delivered so far. */
  forwarded: Record<Direction, number>;
  /** Bytes read but not yet delivered (because of a stall). */
  held: Record<Direction, number>;
}

export interface TcpProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly mode: ProxyMode;
  /** The same URL with host and port replaced by the proxy's: `mysql://root@127.0.0.1:3306/db` → `…@127.0.0.1:<proxy>/db`. */
  rewrite(url: string): string;
  cut(options?: { newConnections?: 'reset' | 'blackhole' }): void;
  stall(direction?: Direction | 'both'): void;
  restore(): void;
  stats(): TcpProxyStats;
  close(): Promise<void>;
}

interface Link {
  id: number;
  client: Socket;
  /** null until connected to the target (a connection accepted during a stall waits for `restore()`). */
  upstream: Socket | null;
  held: Record<Direction, Buffer[]>;
  heldBytes: Record<Direction, number>;
  /** The sending side ended while its data was held: end the receiving side once it is delivered. */
  endPending: Record<Direction, boolean>;
  closed: boolean;
}

const DIRECTIONS: readonly Direction[] = ['toServer', 'toClient'];

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const maxHeldBytes = options.maxHeldBytes ?? 4 * 1024 * 1024;
  let mode: ProxyMode = { state: 'open' };
  let nextId = 1;
  const links = new Set<Link>();
  const blackholed = new Set<Socket>();
  const totals = { accepted: 0, refused: 0, forwarded: { toServer: 0, toClient: 0 } };

  const isHeld = (direction: Direction) => mode.state === 'stalled' && mode.directions.includes(direction);
  const source = (link: Link, direction: Direction) => (direction === 'toServer' ? link.client : link.upstream);
  const destination = (link: Link, direction: Direction) => (direction === 'toServer' ? link.upstream : link.client);

  function teardown(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    links.delete(link);
    // A reset while a graceful shutdown (end()) is pending can leave the native handle referenced, and the process
    // then spins at exit: reset only sockets whose shutdown has not started.
    if (!link.client.destroyed) {
      if (link.client.writableEnded) link.client.destroy();
      else link.client.resetAndDestroy();
    }
    link.upstream?.destroy();
    for (const direction of DIRECTIONS) {
      link.held[direction] = [];
      link.heldBytes[direction] = 0;
    }
  }

  function deliver(link: Link, direction: Direction, chunk: Buffer): void {
    const from = source(link, direction);
    const to = destination(link, direction);
    if (isHeld(direction) || !to || link.held[direction].length > 0) {
      link.held[direction].push(chunk);
      link.heldBytes[direction] += chunk.length;
      if (link.heldBytes[direction] > maxHeldBytes) from?.pause();
      return;
    }
    totals.forwarded[direction] += chunk.length;
    options.tap?.(chunk, direction, link.id);
    if (!to.write(chunk)) {
      from?.pause();
      to.once('drain', () => {
        if (!link.closed && link.heldBytes[direction] <= maxHeldBytes) from?.resume();
      });
    }
  }

  function finish(link: Link, direction: Direction): void {
    const to = destination(link, direction);
    if (isHeld(direction) || !to || link.held[direction].length > 0) link.endPending[direction] = true;
    else to.end();
  }

  /** Delivers what a stall held, in order; connects links that were accepted during the stall. */
  function release(link: Link): void {
    if (link.closed) return;
    if (!link.upstream) {
      attachUpstream(link);
      return; // flushed once connected
    }
    for (const direction of DIRECTIONS) {
      if (isHeld(direction)) continue;
      const queued = link.held[direction];
      link.held[direction] = [];
      link.heldBytes[direction] = 0;
      for (const chunk of queued) deliver(link, direction, chunk);
      if (link.endPending[direction] && link.held[direction].length === 0) {
        link.endPending[direction] = false;
        destination(link, direction)?.end();
      }
      const from = source(link, direction);
      if (from?.isPaused() && !link.closed) from.resume();
    }
  }

  function attachUpstream(link: Link): void {
    const upstream = connect({ port: options.target.port, host: options.target.host, allowHalfOpen: true });
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => deliver(link, 'toClient', chunk));
    upstream.on('end', () => finish(link, 'toClient'));
    upstream.on('error', () => teardown(link));
    upstream.on('close', (hadError) => {
      if (hadError || link.client.destroyed) teardown(link);
    });
    upstream.on('connect', () => release(link));
  }

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    totals.accepted += 1;
    client.on('error', () => undefined);
    if (mode.state === 'cut') {
      if (mode.newConnections === 'reset') {
        totals.refused += 1;
        client.resetAndDestroy();
      } else {
        blackholed.add(client);
        client.on('close', () => blackholed.delete(client));
        client.resume(); // read and discard
      }
      return;
    }
    const link: Link = {
      id: nextId++,
      client,
      upstream: null,
      held: { toServer: [], toClient: [] },
      heldBytes: { toServer: 0, toClient: 0 },
      endPending: { toServer: false, toClient: false },
      closed: false,
    };
    links.add(link);
    client.on('data', (chunk: Buffer) => deliver(link, 'toServer', chunk));
    client.on('end', () => finish(link, 'toServer'));
    client.on('error', () => teardown(link));
    client.on('close', (hadError) => {
      if (hadError || !link.upstream || link.upstream.destroyed) teardown(link);
    });
    // A connection accepted while requests are held waits, unconnected, for restore().
    if (!isHeld('toServer')) attachUpstream(link);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const port = address.port;

  return {
    host: '127.0.0.1',
    port,
    get mode() { return mode; },
    rewrite(url) {
      const rewritten = new URL(url);
      rewritten.hostname = '127.0.0.1';
      rewritten.port = String(port);
      return rewritten.toString();
    },
    cut({ newConnections = 'reset' } = {}) {
      mode = { state: 'cut', newConnections };
      for (const link of [...links]) teardown(link);
    },
    stall(direction = 'both') {
      mode = { state: 'stalled', directions: direction === 'both' ? DIRECTIONS : [direction] };
    },
    restore() {
      mode = { state: 'open' };
      for (const socket of [...blackholed]) socket.resetAndDestroy();
      blackholed.clear();
      for (const link of [...links]) release(link);
    },
    stats() {
      const held = { toServer: 0, toClient: 0 };
      for (const link of links) for (const direction of DIRECTIONS) held[direction] += link.heldBytes[direction];
      return { accepted: totals.accepted, refused: totals.refused, open: links.size, forwarded: { ...totals.forwarded }, held };
    },
    async close() {
      for (const link of [...links]) teardown(link);
      for (const socket of [...blackholed]) socket.destroy();
      blackholed.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
