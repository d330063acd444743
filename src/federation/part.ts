/**
 * What changes when samgraf serves one part of a federated deployment (`samgraf subgraph --source NAME`)
 * instead of the whole schema: the part's subgraph schema, only its own source, internal authentication with
 * the gateway and the other parts, and — for a part other than the register of persons — the register asked
 * over the network (person-directory.ts). Everything else (credentials, purpose, limits, the access log) is the
 * single server's, in the same process shape.
 */
import type { GraphQLSchema } from 'graphql';
import { SOURCE_MODULES } from '../../sources/registry.js';
import { ConfigError, type Config } from '../config.js';
import type { PeopleRequest } from '../context.js';
import type { PersonDirectory, SourceModule } from '../core/source-module.js';
import { InternalAuth } from './internal-auth.js';
import { partNames, SAMGRAF_PART } from './parts.js';
import { remotePersonDirectory } from './person-directory.js';
import { buildPartSchema } from './subgraph-schema.js';

export interface PartSetup {
  name: string;
  schema: GraphQLSchema;
  /** The source modules whose databases this process opens: the part's own, or none. */
  modules: readonly SourceModule[];
  internal: InternalAuth;
  /** The register of persons over the network, for a part other than the register's own. */
  people?: (request: PeopleRequest) => PersonDirectory;
  /** Whether this part is the register of persons (it answers the others' lookups). */
  isRegister: boolean;
  /** samgraf's own part: every source's part whose access log it reads with its own. */
  remoteLogs: readonly { part: string; url: string }[];
}

/** The sources' parts samgraf's own part reads the logs of: every one configured, each with its key. */
function remoteLogsOf(config: Config, trustedKeys: Readonly<Record<string, unknown>>, modules: readonly SourceModule[]): { part: string; url: string }[] {
  const parts = modules.flatMap((module) => {
    const url = config.federation?.subgraphs[module.name]?.url;
    return url === undefined ? [] : [{ part: module.name, url }];
  });
  const required = modules.filter((module) => module.required).map((module) => module.name);
  const problems = [
    ...required.filter((name) => !parts.some((p) => p.part === name)).map((name) => `federation.subgraphs.${name}.url: required — samgraf's own part reads ${name}'s access log`),
    ...parts.filter((p) => trustedKeys[p.part] === undefined).map((p) => `federation.internalAuth.trustedKeys.${p.part}: required — its access log's answers are signed with it`),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return parts;
}

export async function preparePart(config: Config, name: string, modules: readonly SourceModule[] = SOURCE_MODULES): Promise<PartSetup> {
  if (!partNames(modules).includes(name)) throw new ConfigError([`--source: "${name}" is not a part; one of ${partNames(modules).join(', ')}`]);
  const internal = await InternalAuth.fromConfig(name, config, 'to serve a subgraph (it verifies the gateway and signs its answers)');
  const internalAuth = config.federation!.internalAuth!;
  const register = modules.find((module) => module.people !== undefined)!;
  const own = modules.filter((module) => module.name === name);
  const setup: PartSetup = { name, schema: buildPartSchema(name, modules), modules: own, internal, isRegister: name === register.name, remoteLogs: [] };
  if (name === SAMGRAF_PART) return { ...setup, remoteLogs: remoteLogsOf(config, internalAuth.trustedKeys, modules) };
  if (name === register.name) return setup;
  const registerUrl = config.federation?.subgraphs[register.name]?.url;
  if (registerUrl === undefined) throw new ConfigError([`federation.subgraphs.${register.name}.url: required — the ${name} subgraph asks the register of persons whom it may show`]);
  if (internalAuth.trustedKeys[register.name] === undefined) throw new ConfigError([`federation.internalAuth.trustedKeys.${register.name}: required — the register's answers are signed with it`]);
  const timeoutMs = Math.min(config.federation?.subgraphTimeoutMs ?? 10_000, Math.max(100, config.limits.executionTimeoutMs - 1000));
  return { ...setup, people: remotePersonDirectory({ registerUrl, register: register.name, typeName: register.people!.typeName, auth: internal, timeoutMs }) };
}
