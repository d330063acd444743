#!/usr/bin/env node
/**
 * The `samgraf` command. Each subcommand parses its own flags and fails with a usage message (exit 2) on
 * bad input, or with the error's message (exit 1) — never a stack trace, which could carry personal data.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, configJsonSchema, loadConfigFile, partConfigSchema, type Config } from './config.js';
import { CommandInputError, createApiKey, formatKeyList } from './commands/apikey.js';
import { formatMatrix, policyMatrix } from './commands/policy-matrix.js';
import { createSubscription, deadLetters, formatSubscriptions, publicView, replayDeadLetters } from './commands/subscription.js';
import { SubscriptionStore } from './events/subscriptions.js';
import { composeConfigured, CompositionError } from './federation/compose.js';
import { generatePartKeys } from './commands/federation-keys.js';
import { GATEWAY_NAME, partNames } from './federation/parts.js';
import { supergraphSchema, SupergraphError } from './federation/supergraph.js';
import type { Knex } from 'knex';
import { ensureDatabase, openDatabase, parseDatabaseUrl } from './core/db.js';
import { checkConnections, describeTarget, failureCode, StoreUnavailableError } from './health.js';
import { runDemo } from './demo.js';
import { runFederatedDemo } from './demo-federated.js';
import { loadDemoIssuer, NoDemoIssuerError } from './demo-issuer.js';
import { isValidPersonalNumber } from './core/personal-number.js';
import { createLogger } from './log.js';
import { ApiKeyStore } from './security/api-keys.js';
import { CLIENT_ID, documentId, TrustedDocumentStore } from './security/trusted-documents.js';
import { checkDocument, documentsInFile, formatDocumentList } from './commands/documents.js';
import { buildSchema } from './schema.js';
import { migrateStore } from './store/migrations.js';
import { exportEvents } from './access-log/export.js';
import { pruneAccessLog } from './access-log/retention.js';
import { describeVerifyReport, verifyAccessLog } from './access-log/verify.js';
import { describeTreeReport, verifyTree } from './access-log/transparency/verify-tree.js';
import { checkpoint, defaultWitnessState, keygen, logKeyOf, TransparencyCommandError, verifierKey, verifyReceiptFile, witness } from './commands/transparency.js';
import { seedFromConfig } from './seed/command.js';
import { FollowUp } from './follow-up/worker.js';
import { followUpRules, openFollowUpRegister } from './follow-up/setup.js';
import { writeFollowUpReport } from './follow-up/report.js';
import { startSamgraf } from './server.js';
import { tracingFromEnvironment, type Tracing } from './telemetry.js';

/**
 * Each command's synopsis and description, as the overall usage lists them: keyed by command (and subcommand),
 * so that `samgraf <command> … --help` can print just its own.
 */
const COMMAND_HELP: readonly (readonly [string, string])[] = [
  ['serve', `serve [--config FILE] [--check-config]
                          run the server (config also from SAMGRAF_CONFIG); --check-config only
                          validates the configuration and exits (0 valid, 1 invalid); add --connect
                          to also connect to each source and the store (1 if any fails)`],
  ['demo', `demo  [--data-dir DIR] [--port N] [--federated | --life-events]
                          run the self-contained demo on SQLite (what \`npm start\` runs), with life
                          events when NATS answers (SAMGRAF_NATS_URL, default nats://127.0.0.1:4222);
                          --life-events also plays a birth and social insurance's offer; --federated
                          runs it as the four subgraphs and the gateway on ports N to N+4 (what
                          \`npm run start:federated\` runs)`],
  ['seed', `seed  --config FILE --citizens N --seed S [--personal-numbers FILE …]
                          (re)create and fill the three legacy sources with deterministic data`],
  ['migrate', `migrate [--config FILE]   apply the store's pending migrations (creating a missing MySQL database)`],
  ['config schema', `config schema
                          print the config file's JSON Schema, generated from the definition that validates it`],
  ['apikey create', `apikey create [--config FILE] --org CODE --name TEXT --scopes "…" --purposes "…"
              [--municipality CODE] [--expires 90d] [--trusted-documents required|optional]
                          create a partner's API key; prints the key once (only a hash is kept);
                          with --trusted-documents required it runs only its registered documents`],
  ['apikey list', `apikey list [--config FILE] [--format text|json]
                          every key's id, status, organisation, scopes, purposes and dates (never the key)`],
  ['apikey revoke', `apikey revoke [--config FILE] ID
                          revoke a key; effective on the next request, on every replica`],
  ['documents add', `documents add [--config FILE] --client ID FILE…
                          register a client's trusted documents (ID: an API key id, or a JWT client
                          in config clients): each .graphql file is one document, a .json file a
                          manifest (Apollo's persisted-query manifest, or { "<sha256>": "<document>" });
                          each is checked against the schema and the limits, and stored by its SHA-256
                          only if all pass; prints each id`],
  ['documents list', `documents list [--config FILE] [--client ID] [--format text|json]
                          the registered documents: client, id, operations, when added (json: with text)`],
  ['documents remove', `documents remove [--config FILE] --client ID DOCUMENT_ID
                          remove one; the client can no longer run it, at once, on every replica`],
  ['subscription create', `subscription create [--config FILE] --org CODE --events TYPES --purpose P [--legal-basis TEXT]
              --scopes "…" [--municipality CODE] [--expires 90d] (--webhook URL | --pull)
                          subscribe an organisation to life events (TYPES: comma-separated, e.g.
                          person.born,person.moved); prints the id and, for a webhook, its signing
                          secret (whsec_…, shown once)`],
  ['subscription list', `subscription list [--config FILE] [--format text|json]
                          every subscription's id, status, organisation, events, purpose and delivery (never a secret)`],
  ['subscription pause', `subscription pause [--config FILE] ID
                          hold deliveries (kept in the bus) until resume; effective at once, on every replica`],
  ['subscription resume', `subscription resume [--config FILE] ID
                          deliver again, from where it was paused`],
  ['subscription revoke', `subscription revoke [--config FILE] ID
                          end a subscription for good: nothing is delivered after the revocation is committed`],
  ['subscription dead-letters', `subscription dead-letters [--config FILE] ID
                          the events a webhook kept refusing (ids, types, reasons; no personal data)`],
  ['subscription replay', `subscription replay [--config FILE] ID
                          send the subscription's dead letters again, with their original webhook-id`],
  ['audit verify', `audit verify [--config FILE] [--key KEY]
                          walk every writer's chain and the Merkle tree, checking every checkpoint
                          ever signed (its signature with the log's verifier key: --key, or the
                          signing key's); exit 1 naming the first bad event or what is wrong in the tree`],
  ['audit keygen', `audit keygen --origin NAME --out FILE [--witness]
                          write a new Ed25519 key for accessLog.signingKeyFile (NAME is the checkpoints'
                          origin), or with --witness a witness's key; prints its C2SP verifier key`],
  ['audit checkpoint', `audit checkpoint [--config FILE]
                          give every committed event its leaf and sign a checkpoint of the tree now`],
  ['audit witness', `audit witness --log URL --key FILE [--state DIR] [--log-key KEY]
                          act as a witness once: fetch the log's checkpoint, check it extends the last
                          one accepted (kept in DIR, by default FILE.witness-state), cosign it and post
                          the cosignature back; exit 1 refusing a rollback, a fork or a rewritten history`],
  ['audit verify-receipt', `audit verify-receipt FILE --key KEY [--witness-key KEY …]   (KEY: a verifier key, or a file with one)
                          verify a citizen's receipt offline against the log's verifier key (and that
                          each witness named cosigned its checkpoint); exit 1 with the reason if not`],
  ['audit follow-up', `audit follow-up [--config FILE] [--from DATE|INSTANT] [--to DATE|INSTANT] [--format csv|json]
                          the follow-up's findings of the period (reads that deserve a look, each with
                          its rule, evidence, score and newest review), oldest first, for the periodic
                          review; looks at every event still queued first (csv by default)`],
  ['audit export', `audit export [--config FILE] [--from DATE|INSTANT] [--to DATE|INSTANT] [--format jsonl|csv]
                          stream events to stdout, oldest first`],
  ['audit prune', `audit prune [--config FILE]
                          delete events older than accessLog.retentionDays (needs DELETE on the store)`],
  ['policy matrix', `policy matrix [--format text|json] [--supergraph FILE]
                          every field of the schema and who may read it, from the SDL (or, with
                          --supergraph, from a composed supergraph: what a federation enforces)`],
  ['subgraph', `subgraph --source NAME --config FILE
                          serve one part of a federated deployment as its Apollo Federation 2 subgraph
                          (NAME: a source, or samgraf for me and the access log), on the port of
                          federation.subgraphs.NAME.url; the config needs only that source`],
  ['gateway', `gateway --config FILE [--supergraph FILE]
                          serve the federation's supergraph (without a file, composed at start from the
                          running subgraphs) with samgraf's edge checks, on server.port (or PORT)`],
  ['federation keygen', `federation keygen --name gateway|PART
                          a new Ed25519 key pair for federation.internalAuth: the private key for that
                          part's own config, the public key for everyone who talks to it (JSON)`],
  ['compose', `compose --config FILE [--from running|package] [-o FILE]
                          compose the parts federation.subgraphs names into a supergraph for the
                          gateway, from the SDL each running subgraph serves (default) or from this
                          version's SDL of each part; printed, or written to the file -o names`],
  ['token', `token [--data-dir DIR] (--sub ID --org CODE --scopes "…" [--purposes "…"] [--municipality CODE]
      | --citizen PERSONAL_NUMBER) [--ttl 1h]
                          mint a token from the demo issuer (demo mode only)`],
];

/** A help entry with `first` before its first line and `rest` before each further line. */
const block = (text: string, first: string, rest: string) => text.split('\n').map((line, i) => (i === 0 ? first : rest) + line).join('\n');

const USAGE = `usage: samgraf <command> [options]

commands:
${COMMAND_HELP.map(([, text]) => block(text, '  ', '  ')).join('\n')}
`;

/**
 * The usage of the command that `args` start with: a subcommand's own, a command's (each of its subcommands),
 * or the overall usage when no command is known.
 */
function usageFor(args: readonly string[]): string {
  const [command, sub] = args;
  const exact = COMMAND_HELP.filter(([name]) => name === `${command} ${sub}`);
  const entries = exact.length > 0 ? exact : COMMAND_HELP.filter(([name]) => name === command || name.startsWith(`${command} `));
  if (entries.length === 0) return USAGE;
  // "samgraf " before the synopsis; the lines below it move along, so that they stay aligned.
  return `usage:\n${entries.map(([, text]) => block(text, '  samgraf ', ' '.repeat(10))).join('\n')}\n`;
}

const COMMANDS = new Set(COMMAND_HELP.map(([name]) => name.split(' ')[0]!));

/** `--help` or `-h` among a command's arguments (not after `--`, where arguments are no options). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

class UsageError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The config file's configuration; `forStore`: a command that works on the store alone takes any part's file. */
function configFrom(path: string | undefined, forStore = false): Config {
  const file = path ?? process.env.SAMGRAF_CONFIG;
  if (!file) throw new UsageError('--config FILE (or SAMGRAF_CONFIG) is required');
  return forStore ? loadConfigFile(file, process.env, partConfigSchema(null)) : loadConfigFile(file);
}

function positiveInteger(value: string | undefined, flag: string): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number`);
  return Number(value);
}

/** The port a subgraph's URL names, or its scheme's. */
function subgraphPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}

/** Closing the server, then sending the spans still waiting for export. */
function withTracing(close: () => Promise<void>, tracing: Tracing | null): () => Promise<void> {
  return async () => {
    await close();
    await tracing?.shutdown();
  };
}

/** Stops on SIGTERM/SIGINT after closing the server, so in-flight requests finish. */
function closeOnSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Before the command parses its flags (strictly, so --help would be an unknown option) or opens anything.
  if (command !== undefined && COMMANDS.has(command) && asksForHelp(rest)) {
    process.stdout.write(usageFor(argv));
    return;
  }
  switch (command) {
    case 'serve': {
      const flags = parse(rest, { config: { type: 'string' }, 'check-config': { type: 'boolean', default: false }, connect: { type: 'boolean', default: false } });
      if (flags.connect && !flags['check-config']) throw new UsageError('--connect goes with --check-config');
      const config = configFrom(flags.config);
      if (flags['check-config']) {
        process.stdout.write('configuration is valid\n');
        if (flags.connect) await reportConnections(config);
        return;
      }
      const logger = createLogger();
      const tracing = tracingFromEnvironment(process.env, 'samgraf');
      const server = await startSamgraf(config, logger);
      closeOnSignal(withTracing(server.close, tracing));
      return;
    }
    case 'subgraph': {
      const flags = parse(rest, { source: { type: 'string' }, config: { type: 'string' } });
      if (flags.source === undefined) throw new UsageError(`--source NAME is required: one of ${partNames().join(', ')}`);
      if (!partNames().includes(flags.source)) throw new UsageError(`--source is one of ${partNames().join(', ')}`);
      const file = flags.config ?? process.env.SAMGRAF_CONFIG;
      if (!file) throw new UsageError('--config FILE (or SAMGRAF_CONFIG) is required');
      const config = loadConfigFile(file, process.env, partConfigSchema(flags.source));
      const url = config.federation?.subgraphs[flags.source]?.url;
      if (url === undefined) throw new ConfigError([`federation.subgraphs.${flags.source}.url: required — the subgraph listens on its port`]);
      config.server.port = subgraphPort(url);
      const tracing = tracingFromEnvironment(process.env, `samgraf-${flags.source}`);
      const server = await startSamgraf(config, createLogger(), { part: flags.source });
      closeOnSignal(withTracing(server.close, tracing));
      return;
    }
    case 'gateway': {
      const flags = parse(rest, { config: { type: 'string' }, supergraph: { type: 'string' } });
      const file = flags.config ?? process.env.SAMGRAF_CONFIG;
      if (!file) throw new UsageError('--config FILE (or SAMGRAF_CONFIG) is required');
      const config = loadConfigFile(file, process.env, partConfigSchema(null));
      const supergraphSdl = flags.supergraph === undefined ? await composeConfigured(config, 'running') : readFileSync(flags.supergraph, 'utf8');
      const tracing = tracingFromEnvironment(process.env, 'samgraf-gateway');
      const server = await startSamgraf(config, createLogger(), { gateway: { supergraphSdl } });
      closeOnSignal(withTracing(server.close, tracing));
      return;
    }
    case 'demo': {
      const flags = parse(rest, { 'data-dir': { type: 'string' }, port: { type: 'string' }, federated: { type: 'boolean', default: false }, 'life-events': { type: 'boolean', default: false } });
      if (flags.federated && flags['life-events']) throw new UsageError('--life-events runs with the single-server demo, not --federated');
      const options = {
        lifeEvents: flags['life-events'],
        dataDir: flags['data-dir'] ?? process.env.SAMGRAF_DATA_DIR ?? (flags.federated ? 'demo-data-federated' : 'demo-data'),
        port: flags.port !== undefined ? positiveInteger(flags.port, '--port') : Number(process.env.PORT ?? 4000),
      };
      const demo = flags.federated ? await runFederatedDemo(options) : await runDemo(options);
      closeOnSignal(demo.close);
      return;
    }
    case 'seed': {
      const flags = parse(rest, {
        config: { type: 'string' },
        citizens: { type: 'string' },
        seed: { type: 'string' },
        'personal-numbers': { type: 'string', multiple: true },
      });
      if (flags.seed === undefined || flags.seed === '') throw new UsageError('--seed S is required');
      const personalNumbers = flags['personal-numbers']?.flatMap(readPersonalNumberList);
      const counts = await seedFromConfig(configFrom(flags.config), {
        citizens: positiveInteger(flags.citizens, '--citizens'),
        seed: flags.seed,
        ...(personalNumbers ? { personalNumbers } : {}),
      });
      process.stdout.write(`${Object.entries(counts).map(([table, n]) => `${table}: ${n} rows`).join('\n')}\n`);
      return;
    }
    case 'migrate': {
      const flags = parse(rest, { config: { type: 'string' } });
      const { url } = configFrom(flags.config, true).store;
      const store = openDatabase(url);
      try {
        const applied = await migrateCreatingDatabase(store, url);
        process.stdout.write(applied.length === 0 ? 'the store is up to date\n' : `applied: ${applied.join(', ')}\n`);
      } finally {
        await store.destroy();
      }
      return;
    }
    case 'config': {
      const [sub, ...flagArgs] = rest;
      if (sub !== 'schema') throw new UsageError('usage: samgraf config schema');
      parse(flagArgs, {});
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return;
    }
    case 'apikey':
      return apikey(rest);
    case 'subscription':
      return subscription(rest);
    case 'documents':
      return trustedDocuments(rest);
    case 'policy': {
      const [sub, ...flagArgs] = rest;
      if (sub !== 'matrix') throw new UsageError('usage: samgraf policy matrix [--format text|json] [--supergraph FILE]');
      const flags = parse(flagArgs, { format: { type: 'string', default: 'text' }, supergraph: { type: 'string' } });
      const rows = flags.supergraph === undefined ? policyMatrix() : policyMatrix(supergraphSchema(readFileSync(flags.supergraph, 'utf8')));
      if (flags.format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (flags.format === 'text') process.stdout.write(formatMatrix(rows));
      else throw new UsageError('--format is text or json');
      return;
    }
    case 'compose': {
      const flags = parse(rest, { config: { type: 'string' }, output: { type: 'string', short: 'o' }, from: { type: 'string', default: 'running' } });
      if (flags.from !== 'running' && flags.from !== 'package') throw new UsageError('--from is running or package');
      const supergraph = await composeConfigured(configFrom(flags.config, true), flags.from);
      if (flags.output === undefined) process.stdout.write(supergraph);
      else writeFileSync(flags.output, supergraph);
      return;
    }
    case 'federation': {
      const [sub, ...flagArgs] = rest;
      if (sub !== 'keygen') throw new UsageError('usage: samgraf federation keygen --name gateway|PART');
      const flags = parse(flagArgs, { name: { type: 'string' } });
      const names = [GATEWAY_NAME, ...partNames()];
      if (flags.name === undefined || !names.includes(flags.name)) throw new UsageError(`--name is one of ${names.join(', ')}`);
      const { privateKey, publicKey } = await generatePartKeys();
      process.stdout.write(`${JSON.stringify({
        [`signingKey (only in ${flags.name}'s own config)`]: privateKey,
        [`trustedKeys.${flags.name} (in every config that talks to ${flags.name})`]: publicKey,
      }, null, 2)}
`);
      return;
    }
    case 'token':
      return token(rest);
    case 'audit':
      return audit(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      // `samgraf help token` as well as `samgraf token --help`.
      if (rest[0] !== undefined && !COMMANDS.has(rest[0])) throw new UsageError(`unknown command: ${rest[0]}`);
      process.stdout.write(rest[0] === undefined ? USAGE : usageFor(rest));
      return;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

/** One line per database: up, or down with the reason; exit 1 when any is down. */
async function reportConnections(config: Config): Promise<void> {
  for (const [name, target, result] of await checkConnections(config)) {
    const where = Object.entries(describeTarget(target)).map(([key, value]) => `${key} ${value}`).join(', ');
    process.stdout.write(result.state === 'up' ? `${name}: connected (${where})\n` : `${name}: cannot connect: ${result.message} (${result.code})\n`);
    if (result.state === 'down') process.exitCode = 1;
  }
}

/**
 * Applies the store's migrations; a MySQL database that does not exist yet is created first (utf8mb4), where
 * the user may. It is created only then: CREATE DATABASE needs a privilege that a migrating user of an existing
 * database may lack.
 */
async function migrateCreatingDatabase(store: Knex, url: string): Promise<string[]> {
  const target = parseDatabaseUrl(url);
  try {
    return await migrateStore(store);
  } catch (error) {
    if ((error as { code?: unknown }).code === undefined) throw error;
    if (failureCode(error) !== 'ER_BAD_DB_ERROR') throw new StoreUnavailableError(target, error, 'samgraf migrate cannot use it');
    try {
      await ensureDatabase(url, { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
    } catch (createError) {
      throw new StoreUnavailableError(target, createError, `samgraf migrate could not create its database ${target.dialect === 'mysql' ? target.database : ''}: create it, or run migrate as a user who may`);
    }
    return migrateStore(store);
  }
}

async function apikey(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const options = {
    config: { type: 'string' }, org: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' },
    purposes: { type: 'string' }, municipality: { type: 'string' }, expires: { type: 'string' }, format: { type: 'string', default: 'text' },
    'trusted-documents': { type: 'string' },
  } as const;
  let flags: ReturnType<typeof parse<typeof options>>;
  let positionals: string[] = [];
  try {
    const parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: sub === 'revoke' });
    flags = parsed.values;
    positionals = parsed.positionals;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError('usage: samgraf apikey create|list|revoke');
  const config = configFrom(flags.config, true);
  const db = openDatabase(config.store.url);
  try {
    await migrateStore(db);
    const store = new ApiKeyStore(db, config.purposes, config.clients);
    if (sub === 'create') {
      const { id, key } = await createApiKey(store, { ...flags, trustedDocuments: flags['trusted-documents'] }, config.purposes);
      process.stderr.write(`API key ${id} created. It is shown once, below; samgraf keeps only its hash.\n`);
      process.stdout.write(`${key}\n`);
    } else if (sub === 'list') {
      const keys = await store.list();
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(keys, null, 2)}\n` : formatKeyList(keys));
    } else {
      const [id, ...extra] = positionals;
      if (!id || extra.length > 0) throw new UsageError('usage: samgraf apikey revoke ID');
      if (!(await store.revoke(id))) throw new CommandInputError(`no active API key with id ${id}`);
      process.stdout.write(`revoked ${id}\n`);
    }
  } finally {
    await db.destroy();
  }
}

async function trustedDocuments(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const options = { config: { type: 'string' }, client: { type: 'string' }, format: { type: 'string', default: 'text' } } as const;
  if (sub !== 'add' && sub !== 'list' && sub !== 'remove') throw new UsageError('usage: samgraf documents add|list|remove');
  let flags: ReturnType<typeof parse<typeof options>>;
  let positionals: string[] = [];
  try {
    const parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: sub !== 'list' });
    flags = parsed.values;
    positionals = parsed.positionals;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('--format is text or json');
  if (sub !== 'list' && flags.client === undefined) throw new UsageError(`--client ID is required: the API key id or the JWT client (config clients) the documents are for`);
  if (flags.client !== undefined && !CLIENT_ID.test(flags.client)) throw new UsageError('--client takes a client id: letters, digits and ._:-');
  if (sub === 'add' && positionals.length === 0) throw new UsageError('usage: samgraf documents add --client ID FILE… (.graphql documents or .json manifests)');
  if (sub === 'remove' && positionals.length !== 1) throw new UsageError('usage: samgraf documents remove --client ID DOCUMENT_ID');
  const config = configFrom(flags.config, true);
  // Judged before the store is opened: a document that fails is said at once, and nothing is stored.
  const schema = sub === 'add' ? buildSchema() : null;
  const checked = sub === 'add' ? positionals.flatMap((file) => documentsInFile(file)).map((input) => checkDocument(input, schema!, config.limits)) : [];
  if (sub === 'add' && checked.length === 0) throw new CommandInputError('the files hold no document to register');
  const db = openDatabase(config.store.url);
  try {
    await migrateStore(db);
    const store = new TrustedDocumentStore(db);
    if (sub === 'add') {
      if (!Object.hasOwn(config.clients, flags.client!) && !(await new ApiKeyStore(db, config.purposes).exists(flags.client!))) {
        throw new CommandInputError(`no client ${flags.client}: name an API key's id (samgraf apikey list) or a JWT client in config clients`);
      }
      const added = new Set((await store.add(flags.client!, checked)).map((document) => document.id));
      for (const document of checked) {
        const id = documentId(document.text);
        process.stdout.write(`${id}  ${document.operations.join(' ')}  ${added.has(id) ? 'added' : 'already registered'}\n`);
      }
    } else if (sub === 'list') {
      const documents = await store.list(flags.client);
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(documents, null, 2)}\n` : formatDocumentList(documents));
    } else {
      const id = positionals[0]!.replace(/^sha256:/, '');
      if (!(await store.remove(flags.client!, id))) throw new CommandInputError(`client ${flags.client} has no trusted document ${id}`);
      process.stdout.write(`removed ${id}\n`);
    }
  } finally {
    await db.destroy();
  }
}

async function subscription(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const options = {
    config: { type: 'string' }, org: { type: 'string' }, events: { type: 'string' }, purpose: { type: 'string' }, 'legal-basis': { type: 'string' },
    scopes: { type: 'string' }, municipality: { type: 'string' }, webhook: { type: 'string' }, pull: { type: 'boolean' }, expires: { type: 'string' },
    format: { type: 'string', default: 'text' },
  } as const;
  const commands = ['create', 'list', 'pause', 'resume', 'revoke', 'dead-letters', 'replay'];
  if (sub === undefined || !commands.includes(sub)) throw new UsageError(`usage: samgraf subscription ${commands.join('|')}`);
  let flags: ReturnType<typeof parse<typeof options>>;
  let positionals: string[] = [];
  try {
    const parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: sub !== 'create' && sub !== 'list' });
    flags = parsed.values;
    positionals = parsed.positionals;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('--format is text or json');
  const config = configFrom(flags.config, true);
  const db = openDatabase(config.store.url);
  try {
    await migrateStore(db);
    const store = new SubscriptionStore(db);
    if (sub === 'create') {
      const created = await createSubscription(store, flags, config.purposes);
      process.stderr.write(created.secret === null
        ? `Subscription ${created.id} created: a pull feed, read with GET /events?subscription=${created.id}.\n`
        : `Subscription ${created.id} created. Its webhook signing secret is shown once, below (Standard Webhooks).\n`);
      process.stdout.write(`${created.id}\n${created.secret === null ? '' : `${created.secret}\n`}`);
      return;
    }
    if (sub === 'list') {
      const all = await store.list();
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(all.map(publicView), null, 2)}\n` : formatSubscriptions(all));
      return;
    }
    const [id, ...extra] = positionals;
    if (!id || extra.length > 0) throw new UsageError(`usage: samgraf subscription ${sub} ID`);
    if ((await store.get(id)) === null) throw new CommandInputError(`no subscription with id ${id}`);
    if (sub === 'dead-letters') {
      process.stdout.write(await deadLetters(db, id));
    } else if (sub === 'replay') {
      process.stdout.write(`replayed ${await replayDeadLetters(db, config.events, id)} event(s) of ${id}\n`);
    } else {
      const status = sub === 'pause' ? 'paused' : sub === 'resume' ? 'active' : 'revoked';
      if (!(await store.setStatus(id, status))) throw new CommandInputError(`subscription ${id} cannot be ${sub === 'resume' ? 'resumed' : `${sub}d`} from its current status`);
      process.stdout.write(`${status === 'active' ? 'resumed' : status} ${id}\n`);
    }
  } finally {
    await db.destroy();
  }
}

async function audit(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'keygen') {
    const flags = parse(rest, { origin: { type: 'string' }, out: { type: 'string' }, witness: { type: 'boolean', default: false } });
    if (!flags.origin || !flags.out) throw new UsageError('audit keygen needs --origin NAME and --out FILE');
    process.stdout.write(`${await keygen(flags.origin, flags.out, flags.witness)}\n`);
    return;
  }
  if (sub === 'witness') {
    const flags = parse(rest, { log: { type: 'string' }, key: { type: 'string' }, state: { type: 'string' }, 'log-key': { type: 'string' } });
    if (!flags.log || !flags.key) throw new UsageError('audit witness needs --log URL and --key FILE');
    if (!URL.canParse(flags.log)) throw new UsageError('--log takes the log\'s URL, e.g. https://samgraf.fk.example');
    const result = await witness({ log: flags.log, key: flags.key, state: flags.state ?? defaultWitnessState(flags.key), ...(flags['log-key'] ? { logKey: flags['log-key'] } : {}) });
    (result.ok ? process.stdout : process.stderr).write(result.text);
    if (!result.ok) process.exitCode = 1;
    return;
  }
  if (sub === 'verify-receipt') {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { key: { type: 'string' }, 'witness-key': { type: 'string', multiple: true } }, strict: true, allowPositionals: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const [file, ...extra] = parsed.positionals;
    if (!file || extra.length > 0 || !parsed.values.key) throw new UsageError('audit verify-receipt takes one FILE and --key KEY');
    const result = await verifyReceiptFile(file, parsed.values.key, parsed.values['witness-key'] ?? []);
    (result.ok ? process.stdout : process.stderr).write(result.text);
    if (!result.ok) process.exitCode = 1;
    return;
  }
  const flags = parse(rest, { config: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'jsonl' }, key: { type: 'string' } });
  if (flags.key !== undefined && sub !== 'verify') throw new UsageError('--key is for audit verify (and audit verify-receipt)');
  if (sub !== 'verify' && sub !== 'export' && sub !== 'prune' && sub !== 'checkpoint' && sub !== 'follow-up') throw new UsageError('usage: samgraf audit verify|export|prune|keygen|checkpoint|witness|verify-receipt|follow-up');
  const config = configFrom(flags.config, true);
  if (sub === 'follow-up') return followUpReport(config, flags);
  const db = openDatabase(config.store.url);
  try {
    await migrateStore(db);
    if (sub === 'verify') {
      const report = await verifyAccessLog(db);
      const tree = await verifyTree(db, flags.key ? await verifierKey(flags.key, '--key') : await logKeyOf(config));
      process.stdout.write(describeVerifyReport(report));
      process.stdout.write(describeTreeReport(tree));
      if (report.broken.length > 0 || !tree.ok) process.exitCode = 1;
    } else if (sub === 'checkpoint') {
      process.stdout.write(await checkpoint(db, config));
    } else if (sub === 'export') {
      if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new UsageError('--format is jsonl or csv');
      const count = await exportEvents(db, process.stdout, flags.format, instantFlag(flags.from, '--from', false), instantFlag(flags.to, '--to', true));
      process.stderr.write(`exported ${count} event(s)\n`);
    } else {
      const { events, cutoff } = await pruneAccessLog(db, config.accessLog.retentionDays);
      process.stdout.write(`pruned ${events} event(s) older than ${cutoff} (retention ${config.accessLog.retentionDays} days)\n`);
    }
  } finally {
    await db.destroy();
  }
}

/**
 * `audit follow-up`: looks at every event still queued (with the register of persons, where the config names it),
 * then writes the period's findings.
 */
async function followUpReport(config: Config, flags: { from?: string | undefined; to?: string | undefined; format?: string | undefined }): Promise<void> {
  const format = flags.format === 'jsonl' ? 'csv' : flags.format;
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format is csv or json');
  const from = instantFlag(flags.from, '--from', false);
  const to = instantFlag(flags.to, '--to', true);
  const db = openDatabase(config.store.url);
  const register = openFollowUpRegister(config);
  try {
    await migrateStore(db);
    await new FollowUp(db, followUpRules(config), register?.facts ?? null, createLogger()).catchUp();
    const count = await writeFollowUpReport(db, process.stdout, format, from, to);
    process.stderr.write(`${count} finding(s)\n`);
  } finally {
    await Promise.all([register?.close(), db.destroy()]);
  }
}

/** A date (`YYYY-MM-DD`, the whole UTC day) or an ISO instant. */
function instantFlag(value: string | undefined, flag: string, end: boolean): number | null {
  if (value === undefined) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(start)) throw new UsageError(`${flag} is not a date`);
    return end ? start + 86_400_000 - 1 : start;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new UsageError(`${flag} takes YYYY-MM-DD or an ISO 8601 instant`);
  return ms;
}

async function token(args: string[]): Promise<void> {
  const flags = parse(args, {
    'data-dir': { type: 'string' }, sub: { type: 'string' }, org: { type: 'string' }, scopes: { type: 'string' },
    purposes: { type: 'string' }, municipality: { type: 'string' }, citizen: { type: 'string' }, ttl: { type: 'string', default: '1h' },
  });
  const ttl = /^(\d+)([smh])$/.exec(flags.ttl);
  if (!ttl) throw new UsageError('--ttl takes a duration such as 15m or 1h');
  const ttlSeconds = Number(ttl[1]) * { s: 1, m: 60, h: 3600 }[ttl[2] as 's' | 'm' | 'h'];
  const issuer = await loadDemoIssuer(flags['data-dir'] ?? process.env.SAMGRAF_DATA_DIR ?? 'demo-data');
  if (flags.citizen !== undefined) {
    if (!isValidPersonalNumber(flags.citizen)) throw new UsageError('--citizen takes a valid 12-digit personal number');
    process.stdout.write(`${await issuer.mint({ sub: flags.citizen }, { citizen: true, ttlSeconds })}\n`);
    return;
  }
  if (!flags.sub || !flags.org || !flags.scopes) throw new UsageError('a staff token needs --sub, --org and --scopes (or use --citizen)');
  if (flags.municipality !== undefined && !/^\d{4}$/.test(flags.municipality)) throw new UsageError('--municipality takes a 4-digit code');
  const claims = {
    sub: flags.sub,
    org: flags.org,
    scope: flags.scopes.split(/[\s,]+/).filter(Boolean).join(' '),
    ...(flags.purposes ? { purposes: flags.purposes.split(/[\s,]+/).filter(Boolean) } : {}),
    ...(flags.municipality ? { municipality: flags.municipality } : {}),
  };
  process.stdout.write(`${await issuer.mint(claims, { citizen: false, ttlSeconds })}\n`);
}

function readPersonalNumberList(path: string): string[] {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--personal-numbers ${path}: cannot read a JSON list (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
  }
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && /^\d{12}$/.test(item))) {
    throw new UsageError(`--personal-numbers ${path}: expected a JSON array of 12-digit strings`);
  }
  return list;
}

/**
 * Driver errors can quote SQL and its values (personal numbers), so only samgraf's own typed errors and
 * system errors (ECONNREFUSED …) are shown by message; anything else by its code.
 */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'failed';
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  if (syscall !== undefined || (typeof code === 'string' && /^[A-Z_]+$/.test(code) && !code.startsWith('ER_'))) return error.message;
  return `failed (${typeof code === 'string' ? code : error.name})`;
}

// A reader that stops early (`… | head`) ends the output, not the command with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`samgraf: ${error.message}\n\n${usageFor(process.argv.slice(2))}`);
    process.exit(2);
  }
  if (error instanceof ConfigError || error instanceof TransparencyCommandError || error instanceof CommandInputError || error instanceof NoDemoIssuerError || error instanceof CompositionError || error instanceof SupergraphError) {
    process.stderr.write(`samgraf: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`samgraf: ${describeFailure(error)}\n`);
  process.exit(1);
});
