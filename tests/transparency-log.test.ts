/**
 * The access log as a transparency log (product.md "Proof of the access log"), end to end on MariaDB: signed
 * checkpoints served without credentials, witnesses that cosign only a tree that extends the last they accepted,
 * inclusion proofs and citizens' receipts that verify offline, and every kind of tampering caught — by
 * `samgraf audit verify` (the tree against the events and every checkpoint ever signed) or by a witness (what
 * a store restored from a backup, or shown differently to two witnesses, cannot hide).
 *
 * The tests run in file order on one store: reads and checkpoints first, then the witnesses, receipts and
 * proofs, then tampering, each restored afterwards, and last the rollback, which restarts the server on a store
 * restored from a backup. The server's own checkpoint timer is set far out (an hour), so that each checkpoint
 * here is the one a test asks for; the timer itself is tested in transparency-tree.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { chainHash, GENESIS_HASH, type AuditEvent } from '../src/access-log/event.js';
import { fromRow, toRow, type EventRow } from '../src/access-log/store.js';
import { keygen } from '../src/commands/transparency.js';
import { formatNote, parseNote, parseVerifierKey, verifyCheckpoint, type VerifierKey } from '../src/access-log/transparency/note.js';
import { fromBase64, verifyConsistency, verifyInclusion } from '../src/access-log/transparency/proofs.js';
import { NoteSigner } from '../src/access-log/transparency/signer.js';
import { openDatabase } from '../src/core/db.js';
import { runCli } from './helpers/cli.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { personalNumbersIn } from './helpers/pii.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

const DATA_SET = { citizens: 120, seed: 'transparency-0' } as const;
const DATA = generateLegacyData(DATA_SET);
const PEOPLE = DATA.FB_PERSON.slice(0, 40).map((person) => String(person.PERSONID));
const ORIGIN = 'log.samgraf.test/access';
const TABLES = ['audit_events', 'audit_event_subjects', 'audit_chain_heads', 'audit_chain_anchors', 'audit_tree_pending', 'audit_tree_leaves', 'audit_tree_nodes', 'audit_checkpoints', 'audit_cosignatures'] as const;

type Snapshot = Record<string, Record<string, unknown>[]>;

async function snapshot(store: Knex): Promise<Snapshot> {
  return Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, await store(table).select('*')] as const)));
}

async function restore(store: Knex, state: Snapshot): Promise<void> {
  for (const table of TABLES) {
    await store(table).delete();
    const rows = state[table]!;
    for (let i = 0; i < rows.length; i += 500) await store(table).insert(rows.slice(i, i + 500));
  }
}

describe('the access log as a transparency log (MariaDB)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let store: Knex;
  let dir: string;
  let configFile: string;
  let logKey: VerifierKey;
  let logKeyText: string;
  const witnesses: { name: string; keyFile: string; verifier: string; state: string }[] = [];
  let overrides: Record<string, unknown>;
  let receiptBefore: string;
  // Minted at each use: the tests together may outlast a token's five minutes on a busy machine.
  const auditor = async () => {
    const { staff } = await testIssuers();
    return { authorization: `Bearer ${await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', purposes: ['audit'] })}`, 'x-purpose': 'audit' };
  };
  const citizen = async (): Promise<Record<string, string | undefined>> => {
    const { citizen: citizens } = await testIssuers();
    return { authorization: `Bearer ${await citizens.mint({ sub: PEOPLE[0]! })}`, 'x-purpose': undefined };
  };

  const read = async (pnr: string) => {
    const response = await server.query(`{ citizen(personalNumber: "${pnr}") { familyName benefits { type } } }`);
    assert.equal(response.status, 200, JSON.stringify(response));
  };
  const cli = (...args: string[]) => runCli(args);
  const checkpointNow = async () => {
    const result = await cli('audit', 'checkpoint', '--config', configFile);
    assert.equal(result.status, 0, result.stderr);
    return result;
  };
  const witness = (i: number) => cli('audit', 'witness', '--log', server.url, '--key', witnesses[i]!.keyFile, '--state', witnesses[i]!.state);
  const logUrl = (path: string) => new URL(path, server.url);
  const verify = () => cli('audit', 'verify', '--config', configFile);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samgraf-tlog-'));
    logKeyText = await keygen(ORIGIN, join(dir, 'log.key'), false);
    logKey = await parseVerifierKey(logKeyText);
    for (const name of ['witness.one.test/w1', 'witness.two.test/w2']) {
      const keyFile = join(dir, `${witnesses.length}.key`);
      witnesses.push({ name, keyFile, verifier: await keygen(name, keyFile, true), state: join(dir, `state-${witnesses.length}`) });
    }
    seeded = await seededSources('mariadb', DATA_SET);
    overrides = {
      accessLog: {
        signingKeyFile: join(dir, 'log.key'),
        origin: ORIGIN,
        checkpointIntervalSeconds: 3600,
        witnesses: witnesses.map((w) => w.verifier),
        witnessTimeoutSeconds: 1,
      },
    };
    server = await startTestServer(seeded.urls, overrides);
    store = openDatabase(seeded.urls.store);
    configFile = join(dir, 'samgraf.json');
    writeFileSync(configFile, JSON.stringify({ store: { url: seeded.urls.store }, ...overrides }));
  });

  after(async () => {
    await store?.destroy();
    await server?.close();
    await seeded?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs a C2SP checkpoint of every event, served without credentials, with no personal data in it', async () => {
    for (const pnr of PEOPLE.slice(0, 10)) await read(pnr);
    const signed = await checkpointNow();
    assert.match(signed.stdout, /^signed: tree of \d+ leaves/);
    const response = await fetch(logUrl('/log/checkpoint'));
    assert.equal(response.status, 200);
    const note = await response.text();
    const { checkpoint } = await verifyCheckpoint(note, logKey);
    const events = Number((await store('audit_events').count({ n: '*' }))[0]!.n);
    assert.equal(checkpoint.size, events, 'every event is a leaf');
    assert.equal(checkpoint.origin, ORIGIN);
    assert.deepEqual(personalNumbersIn(note), []);
    assert.equal((await (await fetch(logUrl('/log/key'))).text()).trim(), logKeyText);
    const again = await checkpointNow();
    assert.match(again.stdout, /^unchanged: /, 'nothing new, no new checkpoint');
  });

  it('witnesses cosign a checkpoint that extends the last one they accepted, and the log serves their cosignatures', async () => {
    for (const i of [0, 1]) {
      const result = await witness(i);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /cosigned .* \(first checkpoint seen\)/);
    }
    for (const pnr of PEOPLE.slice(10, 20)) await read(pnr);
    await checkpointNow();
    const result = await witness(0);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /consistent with \d+/);
    assert.doesNotMatch(result.stdout, /did not take/);
    const note = await (await fetch(logUrl('/log/checkpoint'))).text();
    const keys = await Promise.all(witnesses.map((w) => parseVerifierKey(w.verifier)));
    const { cosigned } = await verifyCheckpoint(note, logKey, keys);
    assert.deepEqual(cosigned.map((c) => c.key.name), [witnesses[0]!.name], 'the newest has the first witness\'s cosignature only');
    const chains = await server.query('{ auditChains { ok tree { ok leaves queued checkpoints problems } checkpoint { origin treeSize rootHash note cosignatures { witness keyId cosignedAt } } } }', undefined, await auditor());
    assert.equal(chains.data.auditChains.ok, true, JSON.stringify(chains));
    assert.equal(chains.data.auditChains.tree.checkpoints, 2);
    assert.deepEqual(chains.data.auditChains.checkpoint.cosignatures.map((c: { witness: string }) => c.witness), [witnesses[0]!.name]);
    // As product.md spells it, without --state: the witness keeps its state beside its key.
    const defaulted = await cli('audit', 'witness', '--log', server.url, '--key', witnesses[0]!.keyFile);
    assert.equal(defaulted.status, 0, defaulted.stderr);
    assert.match(defaulted.stdout, /first checkpoint seen/);
    assert.ok(existsSync(`${witnesses[0]!.keyFile}.witness-state`));
  });

  it('a posted cosignature must verify, be for a checkpoint this log signed, and be by a listed witness', async () => {
    const post = (body: string) => fetch(logUrl('/log/cosignature'), { method: 'POST', body });
    const note = await (await fetch(logUrl('/log/checkpoint'))).text();
    const text = parseNote(note).text;
    const bad = await post('not a note');
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'COSIGNATURE_REFUSED');
    const { signer: stranger } = await NoteSigner.generate('witness.unknown.test/w9', 0x04);
    assert.equal((await post(formatNote(text, [stranger.cosign(text, 1_800_000_000)]))).status, 409, 'a witness the log does not list');
    const w1 = await (await NoteSigner.read(witnesses[0]!.keyFile)).as(0x04);
    const forged = formatNote(text, [w1.cosign(text, 1_800_000_000).replace(/.{6}$/, 'AAAAA=')]);
    assert.equal((await post(forged)).status, 400, 'a listed witness\'s signature that does not verify');
    const future = Math.floor(Date.now() / 1000) + 86_400;
    assert.equal((await post(formatNote(text, [w1.cosign(text, future)]))).status, 400, 'a cosignature dated tomorrow');
    const other = text.replace(/^(.*)\n(\d+)\n/, (_, origin: string, size: string) => `${origin}\n${Number(size) + 1000}\n`);
    assert.equal((await post(formatNote(other, [w1.cosign(other, 1_800_000_000)]))).status, 404, 'a checkpoint this log never signed');
  });

  it('readiness and the metrics say when a checkpoint has lacked a listed witness\'s cosignature past the timeout', async () => {
    let ready: { status: string; warnings: string[] } | null = null;
    // The second witness has not cosigned the newest checkpoint; the timeout is one second. Polled, never timed.
    for (let attempt = 0; attempt < 600; attempt += 1) {
      ready = await (await fetch(logUrl('/readyz'))).json() as { status: string; warnings: string[] };
      if (ready.warnings.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(ready!.status, 'ready', 'a late witness does not stop the service');
    assert.equal(ready!.warnings.length, 1);
    assert.match(ready!.warnings[0]!, new RegExp(witnesses[1]!.name.replace(/\./g, '\\.')));
    const metrics = await (await fetch(logUrl('/metrics'))).text();
    assert.match(metrics, new RegExp(`samgraf_access_log_witness_overdue\\{witness="${witnesses[1]!.name}"\\} 1`));
    assert.match(metrics, new RegExp(`samgraf_access_log_witness_overdue\\{witness="${witnesses[0]!.name}"\\} 0`));
    assert.equal((await witness(1)).status, 0);
    const after = await (await fetch(logUrl('/readyz'))).json() as { warnings: string[] };
    assert.deepEqual(after.warnings, [], 'cosigned: no warning');
  });

  it('every event has a leaf index and an inclusion proof that verifies against a signed checkpoint', async () => {
    const response = await server.query('{ auditEvents(first: 50) { edges { node { hash leafIndex inclusionProof { leafIndex treeSize rootHash leafHash inclusionPath checkpoint } } } } }', undefined, await auditor());
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const nodes = response.data.auditEvents.edges.map((edge: { node: unknown }) => edge.node) as { hash: string; leafIndex: number; inclusionProof: { leafIndex: number; treeSize: number; rootHash: string; leafHash: string; inclusionPath: string[]; checkpoint: string } }[];
    assert.ok(nodes.length >= 20);
    assert.equal(new Set(nodes.map((n) => n.leafIndex)).size, nodes.length, 'one leaf each');
    for (const node of nodes) {
      const proof = node.inclusionProof;
      assert.equal(proof.leafIndex, node.leafIndex);
      const leaf = createHash('sha256').update(Buffer.of(0)).update(Buffer.from(node.hash, 'hex')).digest();
      assert.equal(proof.leafHash, leaf.toString('base64'), 'the leaf is SHA-256(0x00 ‖ the event hash)');
      const { checkpoint } = await verifyCheckpoint(proof.checkpoint, logKey);
      assert.equal(checkpoint.size, proof.treeSize);
      assert.equal(await verifyInclusion(proof.leafIndex, proof.treeSize, leaf, proof.inclusionPath.map(fromBase64), checkpoint.root), null);
    }
    // Against a named older checkpoint, and refused for one never signed.
    const oldest = Number((await store('audit_checkpoints').min({ size: 'tree_size' }))[0]!.size);
    const first = nodes.at(-1)!;
    const named = await server.query(`{ auditEvents(first: 100) { edges { node { leafIndex inclusionProof(checkpoint: ${oldest}) { treeSize } } } } }`, undefined, await auditor());
    const covered = named.data.auditEvents.edges.find((edge: { node: { leafIndex: number } }) => edge.node.leafIndex === first.leafIndex);
    assert.equal(covered.node.inclusionProof?.treeSize ?? null, first.leafIndex < oldest ? oldest : null);
    const never = await server.query('{ auditEvents(first: 1) { edges { node { inclusionProof(checkpoint: 999999) { treeSize } } } } }', undefined, await auditor());
    assert.equal(never.errors?.[0]?.extensions?.code, 'CHECKPOINT_UNAVAILABLE');
  });

  it('consistency proofs between checkpoints verify, as text and as JSON; bad sizes are refused', async () => {
    const sizes = (await store('audit_checkpoints').orderBy('tree_size').select('tree_size', 'root_hash')).map((row: { tree_size: number; root_hash: string }) => ({ size: Number(row.tree_size), root: Buffer.from(row.root_hash, 'hex') }));
    const [a, b] = [sizes[0]!, sizes.at(-1)!];
    const text = await (await fetch(logUrl(`/log/consistency?from=${a.size}&to=${b.size}`))).text();
    assert.equal(await verifyConsistency(a.size, b.size, a.root, b.root, text.split('\n').filter(Boolean).map(fromBase64)), null);
    const json = await (await fetch(logUrl(`/log/consistency?from=${a.size}&to=${b.size}`), { headers: { accept: 'application/json' } })).json() as { proof: string[] };
    assert.equal(json.proof.join('\n'), text.trim());
    assert.equal((await fetch(logUrl('/log/consistency?from=abc&to=2'))).status, 400);
    assert.equal((await fetch(logUrl(`/log/consistency?from=${b.size}&to=${a.size}`))).status, 400);
    assert.equal((await fetch(logUrl(`/log/consistency?from=1&to=${b.size + 10_000}`))).status, 404);
    assert.equal((await fetch(logUrl('/log/checkpoint'), { method: 'POST' })).status, 405);
  });

  it('a citizen\'s receipt verifies offline, names no one else, and a forged one is refused with a reason', async () => {
    await read(PEOPLE[0]!);
    const response = await server.query('{ myAccessLog(first: 10) { edges { node { occurredAt organization purpose dataCategories receipt } } } }', undefined, await citizen());
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const entries = response.data.myAccessLog.edges.map((edge: { node: unknown }) => edge.node) as { occurredAt: string; organization: string; purpose: string; dataCategories: string[]; receipt: string }[];
    assert.ok(entries.length >= 2);
    for (const entry of entries) {
      const receipt = JSON.parse(entry.receipt) as Record<string, unknown>;
      assert.deepEqual(receipt.entry, { occurredAt: entry.occurredAt, organization: entry.organization, purpose: entry.purpose, dataCategories: entry.dataCategories });
      assert.deepEqual(personalNumbersIn(entry.receipt), [], 'no personal number, not even the citizen\'s');
      assert.ok(!entry.receipt.includes('test-officer'), 'never the officer who read');
    }
    receiptBefore = entries.at(-1)!.receipt;
    const file = join(dir, 'receipt.json');
    writeFileSync(file, receiptBefore);
    const keyArgs = ['--key', logKeyText, ...witnesses.flatMap((w) => ['--witness-key', w.verifier])];
    const ok = await cli('audit', 'verify-receipt', file, ...keyArgs);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^receipt verified: /);
    assert.match(ok.stdout, /cosigned by witness\.one\.test\/w1, witness\.two\.test\/w2/);
    // The keys may also be given as the files `audit keygen` wrote.
    const byFiles = await cli('audit', 'verify-receipt', file, '--key', join(dir, 'log.key'), ...witnesses.flatMap((w) => ['--witness-key', w.keyFile]));
    assert.equal(byFiles.status, 0, byFiles.stderr);

    const forgeries: [string, (r: Record<string, any>) => void, RegExp][] = [
      ['a changed entry', (r) => { r.entry.organization = 'XX'; }, /the entry is not the one the log signed/],
      ['a changed path', (r) => { r.inclusionPath[0] = Buffer.alloc(32, 7).toString('base64'); }, /inclusion: /],
      ['another leaf index', (r) => { r.leafIndex += 1; }, /inclusion: |the entry is not/],
      ['another event', (r) => { r.eventHash = 'a'.repeat(64); }, /the leaf hash is not the event hash's leaf/],
      ['an unsigned checkpoint', (r) => { r.checkpoint = `${parseNote(r.checkpoint).text}\n`; }, /checkpoint: /],
      ['a checkpoint signed by another key of the same name', (r) => { r.checkpoint = 'REPLACED'; }, /checkpoint: /],
    ];
    const impostor = (await NoteSigner.generate(ORIGIN, 0x01)).signer;
    for (const [what, forge, reason] of forgeries) {
      const receipt = JSON.parse(receiptBefore) as Record<string, any>;
      forge(receipt);
      if (receipt.checkpoint === 'REPLACED') {
        const text = parseNote(JSON.parse(receiptBefore).checkpoint).text;
        receipt.checkpoint = formatNote(text, [impostor.sign(text)]);
      }
      writeFileSync(file, JSON.stringify(receipt));
      const refused = await cli('audit', 'verify-receipt', file, '--key', logKeyText);
      assert.equal(refused.status, 1, `${what}: ${refused.stdout}`);
      assert.match(refused.stderr, /^receipt NOT verified: /, what);
      assert.match(refused.stderr, reason, what);
    }
    writeFileSync(file, receiptBefore);
    const third = await keygen('witness.three.test/w3', join(dir, 'w3.key'), true);
    const unwitnessed = await cli('audit', 'verify-receipt', file, '--key', logKeyText, '--witness-key', third);
    assert.equal(unwitnessed.status, 1);
    assert.match(unwitnessed.stderr, /not cosigned by the witness witness\.three\.test\/w3/);
  });

  it('two replicas on one store, under concurrent reads and receipts: every answer served, one tree', async () => {
    const second = await startTestServer(seeded.urls, overrides);
    try {
      const servers = [server, second];
      const asCitizen = await citizen();
      const answers = await Promise.all(Array.from({ length: 60 }, async (_, i) => {
        const target = servers[i % 2]!;
        return i % 3 === 0
          ? target.query('{ myAccessLog(first: 5) { edges { node { receipt } } } }', undefined, asCitizen)
          : target.query(`{ citizen(personalNumber: "${PEOPLE[i % PEOPLE.length]}") { familyName } }`);
      }));
      for (const answer of answers) {
        assert.equal(answer.status, 200, JSON.stringify(answer));
        assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      }
      await second.auditLog.flush();
    } finally {
      await second.close();
    }
    await checkpointNow();
    const intact = await verify();
    assert.equal(intact.status, 0, intact.stdout);
    assert.equal(Number((await store('audit_tree_leaves').count({ n: '*' }))[0]!.n), Number((await store('audit_events').count({ n: '*' }))[0]!.n));
  });

  describe('tampering with the store is caught by audit verify, even where every hash chain still verifies', () => {
    let clean: Snapshot;
    before(async () => {
      await server.auditLog.flush();
      await checkpointNow();
      clean = await snapshot(store);
      const intact = await verify();
      assert.equal(intact.status, 0, intact.stdout + intact.stderr);
      assert.match(intact.stdout, /Merkle tree intact/);
    });

    const expectCaught = async (what: string, pattern: RegExp, chainsToo: boolean) => {
      const result = await verify();
      assert.equal(result.status, 1, `${what}: ${result.stdout}`);
      assert.match(result.stdout, pattern, what);
      assert.equal(/access log NOT intact/.test(result.stdout), chainsToo, `${what}: the chains ${chainsToo ? 'also break' : 'still verify'}`);
      const chains = await server.query('{ auditChains { ok tree { ok problems } } }', undefined, await auditor());
      // auditChains answers the last report while one runs; none runs here.
      assert.equal(chains.data.auditChains.ok, false, what);
      await restore(store, clean);
      const again = await verify();
      assert.equal(again.status, 0, `restored after ${what}: ${again.stdout}`);
    };

    /** Rewrites one event and re-hashes its chain from there on, heads included: the chains verify again. */
    const rewriteChain = async (writer: string, fromSeq: number, change: (event: AuditEvent) => AuditEvent) => {
      const rows = await store('audit_events').where('writer_id', writer).andWhere('seq', '>=', fromSeq).orderBy('seq') as EventRow[];
      const previous = await store('audit_events').where({ writer_id: writer, seq: fromSeq - 1 }).first() as EventRow | undefined;
      let prevHash = previous?.hash ?? GENESIS_HASH;
      for (const row of rows) {
        let event = fromRow(row);
        if (event.seq === fromSeq) event = change(event);
        const { hash: _old, prevHash: _prev, ...body } = event;
        const hash = chainHash(prevHash, body);
        const next = toRow({ ...event, prevHash, hash });
        await store('audit_events').where({ writer_id: writer, seq: event.seq }).update({ ...next });
        await store('audit_chain_heads').where({ writer_id: writer, seq: event.seq }).update({ hash });
        prevHash = hash;
      }
    };

    it('an edited event whose chain was re-hashed: its leaf is not its event\'s', async () => {
      const victim = await store('audit_events').orderBy('occurred_ms').first() as EventRow;
      await rewriteChain(victim.writer_id, Number(victim.seq), (event) => ({ ...event, purpose: 'something-else' }));
      await expectCaught('an edited event', /BROKEN: tree: leaf \d+ is not its event's/, false);
    });

    it('a deleted event', async () => {
      const victim = await store('audit_events').orderBy('occurred_ms').offset(3).first() as EventRow;
      await store('audit_event_subjects').where({ writer_id: victim.writer_id, seq: victim.seq }).delete();
      await store('audit_events').where({ writer_id: victim.writer_id, seq: victim.seq }).delete();
      await expectCaught('a deleted event', /its event is not in the store and was not pruned/, true);
    });

    it('an inserted event, chained and headed as if a writer had written it: it has no leaf', async () => {
      const newest = await store('audit_events').orderBy([{ column: 'occurred_ms', order: 'desc' }]).first() as EventRow;
      const last = await store('audit_events').where('writer_id', newest.writer_id).orderBy('seq', 'desc').first() as EventRow;
      const event = fromRow(last);
      const { hash: _h, prevHash: _p, ...body } = { ...event, seq: event.seq + 1, requestId: 'forged', subjects: [], subjectCategories: {}, subjectsRequested: [], subjectsWithheld: [] };
      const hash = chainHash(last.hash, body);
      await store('audit_events').insert(toRow({ ...body, prevHash: last.hash, hash }));
      await store('audit_chain_heads').insert({ writer_id: last.writer_id, seq: event.seq + 1, hash });
      await expectCaught('an inserted event', /have no leaf and are not queued/, false);
    });

    it('reordered events', async () => {
      const writer = (await store('audit_events').orderBy('occurred_ms').first() as EventRow).writer_id;
      const [a, b] = await store('audit_events').where('writer_id', writer).orderBy('seq').limit(2) as EventRow[];
      await store('audit_events').where({ writer_id: writer, seq: a!.seq }).update({ seq: -1 });
      await store('audit_events').where({ writer_id: writer, seq: b!.seq }).update({ seq: a!.seq });
      await store('audit_events').where({ writer_id: writer, seq: -1 }).update({ seq: b!.seq });
      await expectCaught('reordered events', /BROKEN: tree: leaf \d+ is not its event's/, true);
    });

    it('a truncated tail — newest events, heads, leaves and nodes removed alike: the signed checkpoints are beyond the tree', async () => {
      const size = Number((await store('audit_tree_leaves').max({ top: 'leaf_index' }))[0]!.top) + 1;
      const cut = size - 5;
      const gone = await store('audit_tree_leaves').where('leaf_index', '>=', cut).select('writer_id', 'seq') as { writer_id: string; seq: number }[];
      for (const { writer_id: writer, seq } of gone) {
        await store('audit_event_subjects').where({ writer_id: writer, seq }).delete();
        await store('audit_events').where({ writer_id: writer, seq }).delete();
        await store('audit_chain_heads').where({ writer_id: writer }).andWhere('seq', '>=', seq).delete();
      }
      await store('audit_tree_leaves').where('leaf_index', '>=', cut).delete();
      for (let level = 1; level < 32; level += 1) await store('audit_tree_nodes').where('level', level).andWhere('node_index', '>=', Math.floor(cut / 2 ** level)).delete();
      await expectCaught('a truncated tail', /the checkpoint of size \d+ is beyond the tree of \d+ leaves/, false);
    });

    it('a changed node of the tree, from which proofs are served', async () => {
      const node = await store('audit_tree_nodes').where('level', 1).first() as { level: number; node_index: number };
      await store('audit_tree_nodes').where({ level: node.level, node_index: node.node_index }).update({ hash: 'f'.repeat(64) });
      await expectCaught('a changed node', /node 1:\d+ .* is not the hash of its children/, false);
    });

    it('a node planted beyond the tree (where it would stop the tree growing)', async () => {
      await store('audit_tree_nodes').insert({ level: 1, node_index: 1_000_000, hash: '0'.repeat(64) });
      await expectCaught('a planted node', /node\(s\) of the tree lie beyond its \d+ leaves/, false);
    });

    it('a forged pruning anchor, as if retention had removed the start of a chain', async () => {
      const first = await store('audit_events').orderBy('occurred_ms').first() as EventRow;
      await store('audit_chain_anchors').insert({ writer_id: first.writer_id, seq: Number(first.seq) + 1, hash: 'c'.repeat(64) });
      await expectCaught('a forged anchor', /the pruning anchor of chain .* is not the leaf of its event/, true);
    });

    it('without the log\'s key, verify says the signatures went unchecked; with --key it checks them', async () => {
      const keyless = join(dir, 'keyless.json');
      writeFileSync(keyless, JSON.stringify({ store: { url: seeded.urls.store } }));
      const newest = await store('audit_checkpoints').orderBy('tree_size', 'desc').first() as { tree_size: number; note: string };
      const impostor = (await NoteSigner.generate(ORIGIN, 0x01)).signer;
      const text = parseNote(newest.note).text;
      await store('audit_checkpoints').where('tree_size', newest.tree_size).update({ note: formatNote(text, [impostor.sign(text)]) });
      const unchecked = await cli('audit', 'verify', '--config', keyless);
      assert.equal(unchecked.status, 0, unchecked.stdout);
      assert.match(unchecked.stdout, /signatures NOT checked/);
      const checked = await cli('audit', 'verify', '--config', keyless, '--key', logKeyText);
      assert.equal(checked.status, 1, checked.stdout);
      assert.match(checked.stdout, /is not signed by the log's key/);
      await restore(store, clean);
    });

    it('a checkpoint whose root was rewritten', async () => {
      const newest = await store('audit_checkpoints').orderBy('tree_size', 'desc').first() as { tree_size: number };
      await store('audit_checkpoints').where('tree_size', newest.tree_size).update({ root_hash: 'e'.repeat(64) });
      await expectCaught('a rewritten checkpoint', /does not have the tree's root at that size/, false);
    });
  });

  it('a store rolled back to a backup and grown again: audit verify cannot tell, the witness that saw more refuses, and the fork shows', async () => {
    await server.auditLog.flush();
    await checkpointNow();
    for (const i of [0, 1]) assert.equal((await witness(i)).status, 0);
    const backup = await snapshot(store);
    const sizeAtBackup = Number((await store('audit_checkpoints').max({ size: 'tree_size' }))[0]!.size);
    // The log grows; only the first witness sees it.
    for (const pnr of PEOPLE.slice(20, 30)) await read(pnr);
    await checkpointNow();
    assert.equal((await witness(0)).status, 0);
    // The operator restores the backup and serves on: a different history from the same point.
    await server.close();
    await restore(store, backup);
    server = await startTestServer(seeded.urls, overrides);
    for (const pnr of [PEOPLE[0]!, ...PEOPLE.slice(30, 40)]) await read(pnr);
    await server.auditLog.flush();
    await checkpointNow();
    const size = Number((await store('audit_checkpoints').max({ size: 'tree_size' }))[0]!.size);
    assert.ok(size > sizeAtBackup);
    const intact = await verify();
    assert.equal(intact.status, 0, 'the restored store is consistent with itself');

    const first = await witness(0);
    assert.equal(first.status, 1, first.stdout);
    assert.match(first.stderr, /REFUSED .*(does not extend|rollback|fork)/);
    assert.ok(readdirSync(witnesses[0]!.state).some((name) => name.startsWith('refused-')), 'the evidence is kept');
    const second = await witness(1);
    assert.equal(second.status, 0, 'the second witness saw only the backup\'s tree, which the new one extends');

    // Two witnesses, two trees: no checkpoint of the fork carries both cosignatures, so no receipt from it verifies.
    const response = await server.query('{ myAccessLog(first: 1) { edges { node { receipt } } } }', undefined, await citizen());
    const file = join(dir, 'forked-receipt.json');
    writeFileSync(file, response.data.myAccessLog.edges[0].node.receipt);
    const both = witnesses.flatMap((w) => ['--witness-key', w.verifier]);
    const forked = await cli('audit', 'verify-receipt', file, '--key', logKeyText, ...both);
    assert.equal(forked.status, 1);
    assert.match(forked.stderr, /not cosigned by the witness witness\.one\.test\/w1/);
    // A receipt issued before the rollback still verifies offline.
    writeFileSync(file, receiptBefore);
    assert.equal((await cli('audit', 'verify-receipt', file, '--key', logKeyText, ...both)).status, 0);
    assert.equal(JSON.parse(readFileSync(join(witnesses[0]!.state, `${encodeURIComponent(ORIGIN)}.json`), 'utf8')).size > sizeAtBackup, true, 'the first witness keeps the tree it accepted');
  });
});
