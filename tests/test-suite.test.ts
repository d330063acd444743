/**
 * The test suite stays true on a loaded machine: no test blocks its own event loop on a child process while an
 * in-process server must answer (spawnSync stalled servers until clients gave up with "fetch failed"), and
 * `npm test` runs the final log scan even when an earlier file failed, still exiting non-zero.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { repoRoot } from './helpers/repo.js';

const SYNC_CHILD_PROCESS = /\b(spawnSync|execSync|execFileSync)\b/;
const IN_PROCESS_SERVER = /\bstart(TestServer|Samgraf)\(/;

/** The `test` script with its commands replaced by stand-ins; each must be found, or the check is void. */
function testScriptWith(replacements: Record<string, string>): string {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  let script = scripts.test!;
  for (const [command, standIn] of Object.entries(replacements)) {
    assert.ok(script.includes(command), `the test script runs ${command}`);
    script = script.split(command).join(standIn);
  }
  return script;
}

async function runScript(script: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)('sh', ['-c', script]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('the test suite under load', () => {
  it('no test file that runs a server in-process waits for a child process synchronously', () => {
    const dir = join(repoRoot, 'tests');
    const offenders = readdirSync(dir).filter((name) => name.endsWith('.test.ts')).filter((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      return IN_PROCESS_SERVER.test(text) && SYNC_CHILD_PROCESS.test(text);
    });
    assert.deepEqual(offenders, [], 'use tests/helpers/cli.ts runCli (spawn and await its exit) instead');
  });

  for (const [suite, final, expected] of [['true', 'true', 0], ['false', 'true', 1], ['true', 'false', 1], ['false', 'false', 1]] as const) {
    it(`npm test: suite ${suite === 'true' ? 'passes' : 'fails'}, log scan ${final === 'true' ? 'passes' : 'fails'} → the scan runs, exit ${expected === 0 ? '0' : 'non-zero'}`, async () => {
      const script = testScriptWith({
        'npm run build --silent': 'true',
        'rm -rf .test-logs': 'true',
        'node --test --test-concurrency=2 dist/tests/*.test.js': suite,
        'node --test dist/tests/final/*.test.js': `echo log-scan-ran && ${final}`,
      });
      const { code, stdout } = await runScript(script);
      assert.match(stdout, /log-scan-ran/, 'the final log scan ran');
      assert.equal(code === 0 ? 0 : 1, expected, `exit code ${code}`);
    });
  }
});
