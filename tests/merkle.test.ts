/**
 * The Merkle tree (src/access-log/transparency): RFC 9162 hashing and proofs. The verifier must agree with
 * transparency-dev's reference vectors, corrupted proofs included; the builder, which reads only stored perfect
 * subtrees, must agree with a straightforward implementation of the RFC's definitions written here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SeededRandom } from '../src/core/seed/random.js';
import { append, consistencyProof, EMPTY_ROOT, frontierOf, inclusionProof, leafHash, plan, rootOf, type NodeLookup } from '../src/access-log/transparency/merkle.js';
import { fromBase64, verifyConsistency, verifyInclusion } from '../src/access-log/transparency/proofs.js';
import { sharedDataFile } from './helpers/shared-data.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : name.endsWith('.json') ? [path] : [];
  });
}

const bytes = (text: string | null) => fromBase64(text ?? '');
const vectors = sharedDataFile('merkle-testdata');

describe('RFC 9162 reference vectors (transparency-dev/merkle testdata)', () => {
  test('every inclusion vector: the happy paths verify, every corrupted proof fails', { skip: vectors.skip }, async () => {
    const files = filesUnder(join(vectors.path!, 'inclusion'));
    assert.ok(files.length >= 90, `only ${files.length} inclusion vectors`);
    const wrong: string[] = [];
    for (const file of files) {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; wantErr: boolean };
      const problem = await verifyInclusion(v.leafIdx, v.treeSize, bytes(v.leafHash), (v.proof ?? []).map(bytes), bytes(v.root));
      if ((problem !== null) !== v.wantErr) wrong.push(`${file}: ${problem ?? 'verified'}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('every consistency vector: the happy paths verify, every corrupted proof fails', { skip: vectors.skip }, async () => {
    const files = filesUnder(join(vectors.path!, 'consistency'));
    assert.ok(files.length >= 90, `only ${files.length} consistency vectors`);
    const wrong: string[] = [];
    for (const file of files) {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; wantErr: boolean };
      const problem = await verifyConsistency(v.size1, v.size2, bytes(v.root1), bytes(v.root2), (v.proof ?? []).map(bytes));
      if ((problem !== null) !== v.wantErr) wrong.push(`${file}: ${problem ?? 'verified'}`);
    }
    assert.deepEqual(wrong, []);
  });
});

/** RFC 9162 2.1.1–2.1.4, read literally, over the whole list of leaves. */
const sha = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0]!;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}
function naivePath(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...naivePath(m, d.slice(0, k)), mth(d.slice(k))] : [...naivePath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function naiveSubproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k ? [...naiveSubproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...naiveSubproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

/** A store of perfect subtrees that records every read, as the database does. */
class CountingStore {
  readonly nodes = new Map<string, Buffer>();
  size = 0;
  reads = 0;
  lookup: NodeLookup = (level, index) => {
    this.reads += 1;
    const hash = this.nodes.get(`${level}:${index}`);
    if (!hash) throw new Error(`node ${level}:${index} is not stored`);
    return hash;
  };

  add(leaves: Buffer[]): Buffer {
    const frontier = frontierOf(this.size);
    const known = new Map(frontier.map(({ level, index }) => [`${level}:${index}`, this.lookup(level, index)]));
    const { nodes, root } = append(this.size, leaves, (level, index) => known.get(`${level}:${index}`) ?? assert.fail(`append read ${level}:${index}, not on the frontier`));
    for (const node of nodes) this.nodes.set(`${node.level}:${node.index}`, node.hash);
    this.size += leaves.length;
    return root;
  }
}

describe('the tree builder against a literal implementation of RFC 9162', () => {
  const random = new SeededRandom('merkle', 'trees');
  const leafOf = (i: number) => leafHash(createHash('sha256').update(`event ${i}`).digest());

  test('the empty tree\'s root is SHA-256 of nothing', () => {
    assert.deepEqual(rootOf(0, () => assert.fail('no node is read')), EMPTY_ROOT);
    assert.equal(EMPTY_ROOT.toString('base64'), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  test('randomised trees up to 10,000 leaves, grown in random batches: roots, inclusion and consistency proofs agree, and verify', async () => {
    const leaves: Buffer[] = [];
    const store = new CountingStore();
    const roots: Buffer[] = [EMPTY_ROOT];
    while (leaves.length < 10_000) {
      const batch = Array.from({ length: 1 + (random.nextUint32() % (leaves.length < 100 ? 3 : 700)) }, (_, i) => leafOf(leaves.length + i));
      leaves.push(...batch);
      const root = store.add(batch);
      roots[leaves.length] = root;
      assert.deepEqual(root, mth(leaves), `root of ${leaves.length}`);
    }
    const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1023, 1024, 1025, ...Array.from({ length: 25 }, () => 1 + (random.nextUint32() % leaves.length))];
    for (const size of sizes) {
      const tree = leaves.slice(0, size);
      const root = mth(tree);
      assert.deepEqual(rootOf(size, store.lookup), root);
      for (const index of [0, size - 1, random.nextUint32() % size]) {
        const proof = inclusionProof(index, size, store.lookup);
        assert.deepEqual(proof, naivePath(index, tree), `path of ${index} in ${size}`);
        assert.equal(await verifyInclusion(index, size, leaves[index]!, proof, root), null);
        if (proof.length > 0) {
          const bent = proof.map((hash, i) => (i === proof.length - 1 ? Buffer.from(hash).fill(7, 0, 1) : hash));
          assert.notEqual(await verifyInclusion(index, size, leaves[index]!, bent, root), null, 'a changed path fails');
        }
        assert.notEqual(await verifyInclusion(index, size, leafOf(-1), proof, root), null, 'another leaf fails');
      }
      for (const from of [1, Math.max(1, size >> 1), random.nextUint32() % size + 1]) {
        const proof = consistencyProof(from, size, store.lookup);
        assert.deepEqual(proof, from === size ? [] : naiveSubproof(from, tree, true), `consistency ${from} → ${size}`);
        assert.equal(await verifyConsistency(from, size, mth(leaves.slice(0, from)), root, proof), null);
        if (from < size) assert.notEqual(await verifyConsistency(from, size, mth(leaves.slice(1, from + 1)), root, proof), null, 'another old tree fails');
      }
    }
  });

  test('a proof reads O(log n) stored nodes, planned before they are fetched', () => {
    const store = new CountingStore();
    for (let i = 0; i < 5000; i += 500) store.add(Array.from({ length: 500 }, (_, j) => leafOf(i + j)));
    for (const [index, size] of [[0, 5000], [4999, 5000], [2500, 4097], [1234, 1235]] as const) {
      const wanted = plan((node) => inclusionProof(index, size, node));
      assert.ok(wanted.length <= 2 * Math.ceil(Math.log2(size)), `${wanted.length} nodes for a proof in ${size}`);
      store.reads = 0;
      inclusionProof(index, size, store.lookup);
      assert.ok(store.reads <= wanted.length * 2, 'the proof reads only the planned nodes');
      assert.ok(plan((node) => consistencyProof(size >> 1, size, node)).length <= 2 * Math.ceil(Math.log2(size)));
    }
  });
});
