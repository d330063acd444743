/**
 * The access log's Merkle tree, as RFC 9162 (section 2.1) defines it: a leaf is `SHA-256(0x00 ‖ data)`, an
 * interior node `SHA-256(0x01 ‖ left ‖ right)`, and a tree of n leaves splits at the largest power of two
 * below n. The data of a leaf is the 32 bytes of an event's hash.
 *
 * A tree is never held whole. What is stored are its perfect subtrees — the node at (level, index) covers leaves
 * [index·2^level, (index+1)·2^level) — and every hash a root or a proof needs is such a node or is made of a few
 * of them. So building a proof is two steps: `plan` the nodes it reads (O(log n) of them), fetch them, and
 * compute it from them (`inclusionProof`, `consistencyProof`, `rootOf`). Appending leaves needs only the tree's
 * right edge, the perfect subtrees a tree of n leaves ends with (`frontierOf`).
 *
 * The verifying side (proofs.ts) is separate and shares no code with this one, so that a mistake here is not
 * repeated there.
 */
import { createHash } from 'node:crypto';

export interface NodeId {
  level: number;
  index: number;
}

/** A perfect subtree's hash, by its position; throws for one that was not fetched. */
export type NodeLookup = (level: number, index: number) => Buffer;

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPerfect(begin: number, end: number): boolean {
  const size = end - begin;
  return (size & (size - 1)) === 0 && begin % size === 0;
}

/** MTH(D[begin:end]): a perfect range is one stored node; any other is split as RFC 9162 does. */
function rangeHash(begin: number, end: number, node: NodeLookup): Buffer {
  if (isPerfect(begin, end)) return node(Math.log2(end - begin), begin / (end - begin));
  const k = splitPoint(end - begin);
  return nodeHash(rangeHash(begin, begin + k, node), rangeHash(begin + k, end, node));
}

/** The root of the tree's first `size` leaves. */
export function rootOf(size: number, node: NodeLookup): Buffer {
  return size === 0 ? EMPTY_ROOT : rangeHash(0, size, node);
}

/** PATH(m, D[begin:end]) of RFC 9162 2.1.3.1, leaf m counted from 0. */
function path(m: number, begin: number, end: number, node: NodeLookup): Buffer[] {
  if (end - begin === 1) return [];
  const k = splitPoint(end - begin);
  return m < begin + k
    ? [...path(m, begin, begin + k, node), rangeHash(begin + k, end, node)]
    : [...path(m, begin + k, end, node), rangeHash(begin, begin + k, node)];
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(index: number, size: number, node: NodeLookup): Buffer[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  return path(index, 0, size, node);
}

/** SUBPROOF(m, D[begin:end], whole) of RFC 9162 2.1.4.1. */
function subproof(m: number, begin: number, end: number, whole: boolean, node: NodeLookup): Buffer[] {
  const size = end - begin;
  if (m === size) return whole ? [] : [rangeHash(begin, end, node)];
  const k = splitPoint(size);
  return m <= k
    ? [...subproof(m, begin, begin + k, whole, node), rangeHash(begin + k, end, node)]
    : [...subproof(m - k, begin + k, end, false, node), rangeHash(begin, begin + k, node)];
}

/** The consistency proof from the tree of `from` leaves to the tree of `to` leaves (empty when from is 0 or to). */
export function consistencyProof(from: number, to: number, node: NodeLookup): Buffer[] {
  if (!(from >= 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  return from === 0 || from === to ? [] : subproof(from, 0, to, true, node);
}

/** The nodes that `compute` reads, found by running it once against a lookup that records them. */
export function plan(compute: (node: NodeLookup) => unknown): NodeId[] {
  const wanted = new Map<string, NodeId>();
  compute((level, index) => {
    wanted.set(`${level}:${index}`, { level, index });
    return EMPTY_ROOT;
  });
  return [...wanted.values()];
}

/** The perfect subtrees a tree of `size` leaves ends with, largest first: one per bit set in size. */
export function frontierOf(size: number): NodeId[] {
  const nodes: NodeId[] = [];
  for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 0; level -= 1) {
    if (Math.floor(size / 2 ** level) % 2 === 1) nodes.push({ level, index: Math.floor(size / 2 ** level) - 1 });
  }
  return nodes;
}

export interface StoredNode extends NodeId {
  hash: Buffer;
}

/**
 * Appends leaves to a tree of `size` leaves whose right edge (`frontierOf(size)`) the lookup holds: returns every
 * perfect subtree the new leaves complete, the leaves themselves (level 0) first, and the new root.
 */
export function append(size: number, leaves: readonly Buffer[], node: NodeLookup): { nodes: StoredNode[]; root: Buffer } {
  const made = new Map<string, Buffer>();
  const get = (level: number, index: number) => made.get(`${level}:${index}`) ?? node(level, index);
  const nodes: StoredNode[] = [];
  leaves.forEach((leaf, i) => {
    let index = size + i;
    let level = 0;
    let hash = leaf;
    for (;;) {
      made.set(`${level}:${index}`, hash);
      nodes.push({ level, index, hash });
      if (index % 2 === 0) break;
      hash = nodeHash(get(level, index - 1), hash);
      index = (index - 1) / 2;
      level += 1;
    }
  });
  return { nodes, root: rootOf(size + leaves.length, get) };
}
