/**
 * Runs the built `samgraf` command in a child process and waits for it without blocking the event loop: a
 * test's in-process server (or its pipes from another child) keeps being served while the command runs, which
 * spawnSync would stall — on a loaded machine long enough for clients to give up ("fetch failed").
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

export const CLI = join(repoRoot, 'dist', 'src', 'cli.js');

export interface CliResult {
  /** The exit code; null when the process was killed (see `signal`). */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** The process is killed after this long (SIGTERM): a hung command fails its test instead of the suite. */
  timeoutMs?: number;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': the output pipes are read to their end.
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
