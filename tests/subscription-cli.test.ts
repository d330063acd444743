/**
 * `samgraf subscription …` as an operator uses it: create prints the id and, for a webhook, the signing secret
 * once; list never shows a secret; pause, resume and revoke change the status in the store; bad input gets a
 * specific message and exit 1 (or 2 for bad usage), and nothing is stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';

describe('samgraf subscription', () => {
  let dir: string;
  let config: string;
  const cli = (...args: string[]) => runCli(['subscription', ...args, '--config', config]);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'samgraf-subscriptions-'));
    config = join(dir, 'samgraf.json');
    writeFileSync(config, JSON.stringify({
      sources: { populationRegister: { url: `sqlite://${join(dir, 'fb.db')}` }, socialInsurance: { url: `sqlite://${join(dir, 'fk.db')}` }, employmentService: { url: `sqlite://${join(dir, 'af.db')}` } },
      store: { url: `sqlite://${join(dir, 'store.db')}` },
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a webhook subscription, printing its id and its secret once', async () => {
    const created = await cli('create', '--org', 'FK', '--events', 'person.born,person.moved', '--purpose', 'benefit-assessment',
      '--legal-basis', 'SFB 15 kap.', '--scopes', 'citizen:read citizen:relations:read', '--webhook', 'https://fk.example/hooks/samgraf');
    assert.equal(created.status, 0, created.stderr);
    const [id, secret, ...rest] = created.stdout.trim().split('\n');
    assert.match(id!, /^[0-9a-f-]{36}$/);
    assert.match(secret!, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.deepEqual(rest, []);

    const listed = await cli('list', '--format', 'json');
    assert.equal(listed.status, 0, listed.stderr);
    const [entry] = JSON.parse(listed.stdout) as Record<string, unknown>[];
    assert.equal(entry!.id, id);
    assert.deepEqual(entry!.events, ['person.born', 'person.moved']);
    assert.equal(entry!.status, 'active');
    assert.ok(!listed.stdout.includes(secret!) && !listed.stdout.includes('whsec_'), 'never the secret');
    assert.ok(!(await cli('list')).stdout.includes('whsec_'));

    for (const [command, status] of [['pause', 'paused'], ['resume', 'active'], ['revoke', 'revoked']] as const) {
      const changed = await cli(command, id!);
      assert.equal(changed.status, 0, changed.stderr);
      assert.equal((JSON.parse((await cli('list', '--format', 'json')).stdout) as { status: string }[])[0]!.status, status);
    }
    const again = await cli('resume', id!);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /cannot be resumed/);
  });

  it('creates a pull subscription without a secret', async () => {
    const created = await cli('create', '--org', '0180', '--events', 'person.moved', '--purpose', 'social-services', '--scopes', 'citizen:read', '--municipality', '0180', '--pull');
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^[0-9a-f-]{36}\n$/);
    assert.match(created.stderr, /GET \/events\?subscription=/);
  });

  it('refuses what it cannot keep, saying why, and stores nothing', async () => {
    const before = JSON.parse((await cli('list', '--format', 'json')).stdout) as unknown[];
    const base = ['--org', 'FK', '--events', 'person.born', '--purpose', 'benefit-assessment', '--scopes', 'citizen:read'];
    const cases: [string[], RegExp][] = [
      [[...base.slice(0, 2), '--events', 'person.married', ...base.slice(4), '--pull'], /unknown event type\(s\): person\.married/],
      [[...base.slice(0, 4), '--purpose', 'curiosity', ...base.slice(6), '--pull'], /--purpose is required, one of the configured purposes/],
      [[...base, '--scopes', 'citizen:everything', '--pull'], /unknown scope\(s\): citizen:everything/],
      [[...base, '--pull', '--webhook', 'https://x.example/'], /exactly one of --webhook URL and --pull/],
      [base, /exactly one of --webhook URL and --pull/],
      [[...base, '--webhook', 'https://user:pw@x.example/'], /must not hold credentials/],
      [[...base, '--webhook', 'ftp://x.example/'], /http:\/\/ or https:\/\//],
      [[...base, '--municipality', '180', '--pull'], /4-digit municipality code/],
    ];
    for (const [args, message] of cases) {
      const refused = await cli('create', ...args);
      assert.equal(refused.status, 1, `${args.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
    assert.equal((await cli('pause', '00000000-0000-0000-0000-000000000000')).status, 1);
    assert.equal((await cli('frobnicate')).status, 2);
    assert.equal((JSON.parse((await cli('list', '--format', 'json')).stdout) as unknown[]).length, before.length);
  });
});
