/**
 * A MariaDB server of the test's own with the binary log on (ROW format), for change capture from the binlog:
 * the machine's server runs without one. Made in a temporary folder with mariadb-install-db and started on a
 * free port; `stop` kills it and deletes the folder.
 */
import { execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort } from './net.js';

export interface BinlogServer {
  /** `mysql://root@127.0.0.1:PORT` (no database). */
  url: string;
  stop(): Promise<void>;
}

const MARIADBD = '/usr/sbin/mariadbd';

export async function startBinlogServer(): Promise<BinlogServer> {
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-binlog-'));
  const runAs = userInfo().uid === 0 ? 'mysql' : userInfo().username;
  if (runAs === 'mysql') chownMysql(dir);
  await promisify(execFile)('mariadb-install-db', [`--datadir=${join(dir, 'data')}`, `--user=${runAs}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 120_000 });
  const port = await freePort();
  const child = spawn(MARIADBD, [
    '--no-defaults', `--user=${runAs}`, `--datadir=${join(dir, 'data')}`, `--port=${port}`, '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`, `--log-bin=${join(dir, 'data', 'bin')}`, '--binlog-format=ROW',
    '--server-id=1', '--skip-name-resolve', '--innodb-buffer-pool-size=64M', `--log-error=${join(dir, 'error.log')}`, '--max-connections=500',
  ], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `mysql://root@127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const connection = await createConnection({ host: '127.0.0.1', port, user: 'root' });
      await connection.end();
      break;
    } catch (error) {
      if (attempt > 600 || child.exitCode !== null) throw new Error(`the binlog MariaDB did not start: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function chownMysql(dir: string): void {
  // mariadbd refuses to run as root; the data folder must be the mysql user's.
  const ids = /^mysql:[^:]*:(\d+):(\d+):/m.exec(readPasswd());
  if (ids) chownSync(dir, Number(ids[1]), Number(ids[2]));
}

function readPasswd(): string {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return '';
  }
}
