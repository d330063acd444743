/**
 * Verifying Merkle proofs exactly as RFC 9162 (sections 2.1.3.2 and 2.1.4.2) describes, with WebCrypto's SHA-256:
 * no Node.js API, so the citizen page runs this same code in the browser. Kept apart from merkle.ts, which
 * builds the proofs, so that the two check each other.
 *
 * Every function returns a reason when the proof fails and null when it holds; it never throws for bad input.
 */

export type Hash = Uint8Array;

async function sha256(...parts: Uint8Array[]): Promise<Hash> {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', joined));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** `SHA-256(0x00 ‖ data)`: the leaf of an event is this of the 32 bytes of its hash. */
export function leafHashOf(data: Uint8Array): Promise<Hash> {
  return sha256(LEAF, data);
}

function children(left: Hash, right: Hash): Promise<Hash> {
  return sha256(NODE, left, right);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const isHash = (value: Uint8Array) => value.length === 32;

function isSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Whether `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves whose root is `root`. */
export async function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): Promise<string | null> {
  if (!isSize(index) || !isSize(size) || index >= size) return `leaf ${index} is not in a tree of ${size} leaves`;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return 'a hash is not 32 bytes';
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return 'the proof is longer than the tree is deep';
    if (fn % 2 === 1 || fn === sn) {
      r = await children(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await children(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'the proof is shorter than the tree is deep';
  return equalBytes(r, root) ? null : 'the path does not lead to the root';
}

/** Whether the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with root `root1`. */
export async function verifyConsistency(size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): Promise<string | null> {
  if (!isSize(size1) || !isSize(size2)) return 'a tree size is not a whole number';
  if (size2 < size1) return `the tree shrank from ${size1} to ${size2} leaves`;
  if (!proof.every(isHash)) return 'a hash is not 32 bytes';
  // Every tree extends the empty one: a proof of it proves nothing, and RFC 9162 defines none.
  if (size1 === 0) return 'there is no consistency proof from the empty tree';
  if (size1 === size2) {
    if (proof.length > 0) return 'a proof between equal sizes must be empty';
    return equalBytes(root1, root2) ? null : 'the roots of trees of equal size differ';
  }
  if (proof.length === 0) return 'the proof is empty';
  if (!isHash(root1) || !isHash(root2)) return 'a root is not 32 bytes';
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return 'the proof is longer than the tree is deep';
    if (fn % 2 === 1 || fn === sn) {
      fr = await children(c, fr);
      sr = await children(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await children(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'the proof is shorter than the tree is deep';
  if (!equalBytes(fr, root1)) return `the proof does not lead to the old root (tree of ${size1})`;
  if (!equalBytes(sr, root2)) return `the proof does not lead to the new root (tree of ${size2})`;
  return null;
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromHex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new TypeError('not hexadecimal');
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
