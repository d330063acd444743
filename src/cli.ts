#!/usr/bin/env node
/**
 * The `samgraf` command. Each subcommand parses its own flags and fails with a usage message (exit 2) on
 * bad input, or with the error's message (exit 1) — never a stack trace, which could carry personal data.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfigFile, type Config } from './config.js';
import { runDemo } from './demo.js';
import { createLogger } from './log.js';
import { seedFromConfig } from './seed/command.js';
import { startSamgraf } from './server.js';

const USAGE = `usage: samgraf <command> [options]

commands:
  serve [--config FILE]     run the server (config also from SAMGRAF_CONFIG)
  demo  [--data-dir DIR]    run the self-contained demo on SQLite (what \`npm start\` runs)
  seed  --config FILE --citizens N --seed S [--personal-numbers FILE …]
                            (re)create and fill the three legacy sources with deterministic data
`;

class UsageError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function configFrom(path: string | undefined): Config {
  const file = path ?? process.env.SAMGRAF_CONFIG;
  if (!file) throw new UsageError('--config FILE (or SAMGRAF_CONFIG) is required');
  return loadConfigFile(file);
}

function positiveInteger(value: string | undefined, flag: string): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number`);
  return Number(value);
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
  switch (command) {
    case 'serve': {
      const flags = parse(rest, { config: { type: 'string' } });
      const logger = createLogger();
      const server = await startSamgraf(configFrom(flags.config), logger);
      closeOnSignal(server.close);
      return;
    }
    case 'demo': {
      const flags = parse(rest, { 'data-dir': { type: 'string' }, port: { type: 'string' } });
      const demo = await runDemo({
        dataDir: flags['data-dir'] ?? process.env.SAMGRAF_DATA_DIR ?? 'demo-data',
        port: flags.port !== undefined ? positiveInteger(flags.port, '--port') : Number(process.env.PORT ?? 4000),
      });
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
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
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

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`samgraf: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`samgraf: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`samgraf: ${describeFailure(error)}\n`);
  process.exit(1);
});
