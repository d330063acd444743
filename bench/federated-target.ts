/**
 * The federated target: samgraf as a federation on this machine — a subgraph process per part (each source
 * with its own store, samgraf's own part on the benchmark's store) and the gateway in front — started with the
 * CLI as an operator would (`samgraf subgraph`, `samgraf gateway`). Requests go to the gateway; the target's
 * CPU and memory are all its processes' together, its statements all its subgraphs'.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_MODULES } from '../sources/registry.js';
import { generatePartKeys, type PartKeyPair } from '../src/commands/federation-keys.js';
import { packageRoot } from '../src/core/paths.js';
import { GATEWAY_NAME, partNames, SAMGRAF_PART } from '../src/federation/parts.js';
import {
  countersFromMetrics, freePort, graphqlRequest, memoryOf, resetPeakOf, startServerProcess, type Counters, type ServerProcess, type StartOptions, type Target,
} from './targets.js';

const CLI = join(packageRoot, 'dist', 'src', 'cli.js');

export async function startFederatedTarget(options: StartOptions): Promise<Target> {
  if (options.partStores === undefined) throw new Error('the federated target needs its parts\' stores');
  const single = JSON.parse(readFileSync(options.configFile, 'utf8')) as { sources: Record<string, { url: string }>; store: { url: string } } & Record<string, unknown>;
  const names = partNames();
  const keys: Record<string, PartKeyPair> = {};
  for (const name of [GATEWAY_NAME, ...names]) keys[name] = await generatePartKeys();
  const trustedKeys = Object.fromEntries(Object.entries(keys).map(([name, pair]) => [name, pair.publicKey]));
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const)));
  const subgraphs = Object.fromEntries(names.filter((name) => name !== SAMGRAF_PART).map((name) => [name, { url: `http://127.0.0.1:${ports[name]}/graphql` }]));
  const configFile = (name: string, sources: Record<string, { url: string }>, store: string) => {
    const file = join(options.workDir, `federated-${name}.json`);
    writeFileSync(file, `${JSON.stringify({ ...single, sources, store: { url: store }, federation: { subgraphs, internalAuth: { signingKey: keys[name]!.privateKey, trustedKeys } } }, null, 2)}\n`);
    return file;
  };
  const processes: ServerProcess[] = [];
  try {
    // The register of persons first: the others ask it whom they may show. samgraf's own part the gateway
    // serves itself, on the benchmark's store.
    for (const name of names.filter((part) => part !== SAMGRAF_PART)) {
      const isSource = SOURCE_MODULES.some((module) => module.name === name);
      const file = configFile(name, isSource ? { [name]: single.sources[name]! } : {}, options.partStores[name]!);
      processes.push(await startServerProcess(`federated-${name}`, [CLI, 'subgraph', '--source', name, '--config', file], { ...options, readyPath: '/readyz', port: ports[name]! }));
    }
    const gateway = await startServerProcess('federated-gateway', [CLI, 'gateway', '--config', configFile(GATEWAY_NAME, {}, single.store.url)], { ...options, readyPath: '/readyz' });
    processes.push(gateway);
    const parts = processes.slice(0, -1);
    const pids = processes.map((p) => p.pid);
    return {
      name: 'federated',
      pid: gateway.pid,
      pids,
      origin: gateway.origin,
      logFile: gateway.logFile,
      request: graphqlRequest,
      async counters(): Promise<Counters> {
        const [front, ...rest] = await Promise.all([gateway.metrics(), ...parts.map((part) => part.metrics())]);
        const statements = rest.map(countersFromMetrics);
        return {
          // One gateway event per client request.
          requests: countersFromMetrics(front!).requests,
          selects: statements.reduce((sum, c) => sum + c.selects, 0),
          postgresSelects: statements.reduce((sum, c) => sum + c.postgresSelects, 0),
        };
      },
      memory() {
        const each = pids.map(memoryOf);
        return { rssMb: each.reduce((sum, m) => sum + m.rssMb, 0), peakMb: each.reduce((sum, m) => sum + m.peakMb, 0) };
      },
      resetPeak: () => pids.map(resetPeakOf).every(Boolean),
      async stop() {
        for (const process of [...processes].reverse()) await process.stop();
      },
    };
  } catch (error) {
    for (const process of processes.reverse()) await process.stop();
    throw error;
  }
}
