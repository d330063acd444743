/**
 * `npm start` as a user meets it: the demo seeds itself, serves with its built-in issuer, and every example
 * it prints works as pasted. `samgraf token` mints more, and only where a demo issuer exists.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { demoStream } from '../src/demo.js';
import { CLI, runCli } from './helpers/cli.js';

interface RunningDemo {
  child: ChildProcess;
  /** Everything the demo printed on stdout so far. */
  output(): string;
  /** Stops it, drops its stream and deletes its folder. */
  stop(): Promise<void>;
}

/** `samgraf demo` in a fresh folder, until its stdout holds `ready` (within `seconds`, else with the output's end). */
async function startDemo(dir: string, args: string[], ready: string, seconds: number): Promise<RunningDemo> {
  const child = spawn(process.execPath, [CLI, 'demo', '--data-dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  // The demo logs each request to stderr synchronously: an unread pipe would fill up and stall it. The end of
  // it is kept, to say why a demo that did not start stopped.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4000); });
  const demo = {
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.exitCode === null ? child.once('exit', resolve) : resolve(null));
      await dropDemoStream(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + seconds * 1000;
  while (!output.includes(ready)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await demo.stop();
      throw new Error(`the demo did not get to "${ready}":\n${output.slice(-3000)}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return demo;
}

/** Deletes a demo's stream from the machine's NATS (a demo started without NATS made none). */
async function dropDemoStream(dir: string): Promise<void> {
  const nc = await connect({ servers: '127.0.0.1:4222' }).catch(() => null);
  if (nc === null) return;
  await (await jetstreamManager(nc)).streams.delete(demoStream(dir)).catch(() => false);
  await nc.close();
}

/**
 * `count` consecutive ports that are free now, below the kernel's range for outgoing connections (32768 and up
 * on Linux), where a busy machine's own client sockets would take a random port away from the demo.
 */
async function freePorts(count: number): Promise<number> {
  const free = (port: number) => new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * (12000 - count));
    let all = true;
    for (let i = 0; i < count && all; i++) all = await free(base + i);
    if (all) return base;
  }
}

for (const federated of [false, true]) describe(federated ? 'the federated demo (npm run start:federated)' : 'the demo', () => {
  let dir: string;
  let demo: RunningDemo;
  let banner = '';
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samgraf-demo-'));
    // The federated demo takes the four ports after it too.
    port = await freePorts(federated ? 5 : 1);
    demo = await startDemo(dir, ['--port', String(port), ...(federated ? ['--federated'] : [])], 'Tokens are valid', 90);
    banner = demo.output();
  });

  after(() => demo?.stop());

  /** The printed curl commands, with their descriptions (English, then Swedish), headers and bodies. */
  function examples(): { title: string; swedish: string; headers: Record<string, string>; body: string }[] {
    const blocks = banner.split(/\n(?=\S)/).filter((block) => block.includes('curl -s'));
    return blocks.flatMap((block) => block.split(/\n(?=  curl -s)/).slice(1).map((command) => ({
      title: block.split('\n')[0]!,
      swedish: block.split('\n')[1]!.trim(),
      headers: Object.fromEntries([...command.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!])),
      body: /-d '(.*)'$/m.exec(command)![1]!.replace(/'\\''/g, "'"),
    })));
  }

  it('prints an example for each kind of user, and each works as pasted', async () => {
    const found = examples();
    assert.deepEqual(found.map((e) => e.title.split(' ')[0]), ['Social-insurance', 'Employment-service', 'Municipality', 'Auditor', 'Citizen', 'Citizen']);
    assert.deepEqual(found.map((e) => e.swedish.split(' ')[0]), ['Handläggare', 'Arbetsförmedlare', 'Socialtjänsten', 'Granskare', 'Invånare', 'Invånare'], 'each described in Swedish too');
    for (const example of found) {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: example.headers, body: example.body });
      assert.equal(response.status, 200, example.title);
      const body = await response.json() as { data: Record<string, unknown>; errors?: { extensions: { code: string }; path: string[] }[] };
      assert.ok(body.data && Object.values(body.data).every((value) => value !== null), `${example.title}: ${JSON.stringify(body).slice(0, 300)}`);
      const denials = (body.errors ?? []).map((e) => `${e.extensions.code} ${e.path.join('.')}`);
      assert.deepEqual(denials, example.title.startsWith('Social-insurance') ? ['UNAUTHORIZED_FIELD_OR_TYPE citizen.cases'] : [], example.title);
    }
  });

  it('the examples\' reads are in the access log: the auditor finds them, the citizen sees who read their data, and the chain verifies', async () => {
    const [auditor, citizenLog] = [examples().find((e) => e.title.startsWith('Auditor'))!, examples().at(-1)!];
    const post = async (example: { headers: Record<string, string>; body: string }) =>
      (await (await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: example.headers, body: example.body })).json()) as any;
    const events = (await post(auditor)).data.auditEvents.edges.map((e: any) => e.node);
    for (const organization of ['FK', 'AF']) assert.ok(events.some((e: any) => e.principal.organization === organization), `an ${organization} read is logged`);
    const entries = (await post(citizenLog)).data.myAccessLog.edges.map((e: any) => e.node);
    assert.ok(entries.some((e: any) => e.organization === 'FK' && e.dataCategories.includes('BENEFITS')), JSON.stringify(entries));
    assert.ok(entries.some((e: any) => e.organization === 'AF' && e.dataCategories.includes('CASES')), JSON.stringify(entries));
    const configFile = /audit verify --config (\S+)/.exec(banner)![1]!;
    const verify = await runCli(['audit', 'verify', '--config', configFile]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /access log intact/);
  });

  it('serves the console with one-click personas whose credentials work, and the IDE page', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/console/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app">/);
    const ide = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
    assert.match(await ide.text(), /<div id="ide">/);
    const response = await fetch(`http://127.0.0.1:${port}/console/demo-personas.json`);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const { personas } = await response.json() as { personas: { id: string; credentials: { kind: string; value: string } }[] };
    assert.deepEqual(personas.map((p) => p.id), ['auditor', 'trainee', 'citizen', 'caseworker', 'officer', 'partner']);
    for (const persona of personas) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (persona.credentials.kind === 'apiKey') headers['x-api-key'] = persona.credentials.value;
      else headers.authorization = `Bearer ${persona.credentials.value}`;
      const me = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ me { type scopes } }' }) });
      assert.equal(me.status, 200, persona.id);
      const body = await me.json() as { data: { me: { type: string; scopes: string[] } } };
      assert.equal(body.data.me.scopes.includes('audit:read'), persona.id === 'auditor', `${persona.id}: only the auditor has audit:read`);
    }
  });

  it('has no unauthenticated access: a query without credentials is 401', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { subject } }' }),
    });
    assert.equal(response.status, 401);
  });

  it('samgraf token mints tokens the demo accepts; without a demo folder it refuses', async () => {
    const minted = await runCli(['token', '--data-dir', dir, '--sub', 'kommun-1', '--org', '0180', '--scopes', 'citizen:read',
      '--purposes', 'social-services', '--municipality', '0180']);
    assert.equal(minted.status, 0, minted.stderr);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${minted.stdout.trim()}` },
      body: JSON.stringify({ query: '{ me { type subject organization municipality scopes purposes } }' }),
    });
    const body = await response.json() as { data: { me: unknown } };
    assert.deepEqual(body.data.me, { type: 'STAFF', subject: 'kommun-1', organization: '0180', municipality: '0180', scopes: ['citizen:read'], purposes: ['social-services'] });

    const elsewhere = mkdtempSync(join(tmpdir(), 'samgraf-nodemo-'));
    const refused = await runCli(['token', '--data-dir', elsewhere, '--citizen', '198501012382']);
    rmSync(elsewhere, { recursive: true, force: true });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /no demo issuer/);
  });
});

describe('the life-event scenario (npm start -- --life-events)', () => {
  let demo: RunningDemo;
  let output = '';

  before(async () => {
    // The demo's port, and its child-allowance receiver's ten above it.
    const port = await freePorts(11);
    demo = await startDemo(mkdtempSync(join(tmpdir(), 'samgraf-demo-events-')), ['--port', String(port), '--life-events'], 'no application needed', 180);
    output = demo.output();
  });

  after(() => demo?.stop());

  it('offers child allowance to the parents of a birth, and their access log shows that social insurance was told', async () => {
    const birth = /registers a birth: (\d{12}), guardians (\d{12}) and (\d{12})/.exec(output)!;
    assert.ok(birth, output.slice(-2000));
    const offer = /A child was born on \S+ \((\d{12})\)\.\n  Offer child allowance \(barnbidrag\) to the guardians: (\d{12}) and (\d{12})/.exec(output)!;
    assert.ok(offer, output.slice(-2000));
    assert.deepEqual(offer.slice(1), birth.slice(1));
    const command = output.slice(output.indexOf('registers a birth'));
    const url = /curl -s (\S+) /.exec(command)![1]!;
    const token = /Bearer ([^']+)'/.exec(command)![1]!;
    const query = /-d '(.*)'/.exec(command)![1]!;
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: query });
    const body = await response.json() as { data: { myAccessLog: { edges: { node: { organization: string; purpose: string; dataCategories: string[] } }[] } } };
    const told = body.data.myAccessLog.edges.map((e) => e.node).filter((n) => n.organization === 'FK');
    assert.deepEqual(told, [{ ...told[0]!, organization: 'FK', purpose: 'benefit-assessment', dataCategories: ['IDENTITY', 'RELATIONS'] }]);
  });
});
