/**
 * C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and Ed25519 cosignatures
 * (c2sp.org/tlog-cosignature), read and verified with WebCrypto only, so the citizen page runs this same code.
 * Signing is signer.ts's (Node.js).
 *
 * A note is a text ending in a newline, a blank line, and signature lines `— <name> base64(key id ‖ signature)`.
 * A key is known by its name and its 4-byte id, `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`, type 0x01 for a
 * log's Ed25519 signature and 0x04 for a witness's timestamped cosignature. Verifier keys are written
 * `<name>+<key id hex>+<base64(type ‖ public key)>`.
 */
import { equalBytes, fromBase64, toBase64, toHex } from './proofs.js';

export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
export type SignatureType = typeof ED25519 | typeof COSIGNATURE_V1;

export interface VerifierKey {
  name: string;
  type: SignatureType;
  keyId: Uint8Array;
  publicKey: Uint8Array;
  /** As written: `<name>+<key id hex>+<base64 key>`. */
  text: string;
}

export class NoteError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'NoteError';
  }
}

const encoder = new TextEncoder();

export async function keyIdOf(name: string, type: SignatureType, publicKey: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array([...encoder.encode(`${name}\n`), type, ...publicKey]);
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', input)).slice(0, 4);
}

function validName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/[\u0000-\u001f]/.test(name);
}

/** Formats a verifier key; the type says what the key signs (0x01 checkpoints, 0x04 cosignatures). */
export async function verifierKeyText(name: string, type: SignatureType, publicKey: Uint8Array): Promise<string> {
  return `${name}+${toHex(await keyIdOf(name, type, publicKey))}+${toBase64(new Uint8Array([type, ...publicKey]))}`;
}

/** Parses `<name>+<key id hex>+<base64(type ‖ key)>`, checking that the id belongs to the key. */
export async function parseVerifierKey(text: string): Promise<VerifierKey> {
  // The base64 key may itself hold '+': only the first two separate.
  const parts = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (!parts || !validName(parts[1]!)) throw new NoteError('a verifier key is written <name>+<8 hex digits>+<base64 key>');
  const [, name, id, encoded] = parts as unknown as [string, string, string, string];
  let material: Uint8Array;
  try {
    material = fromBase64(encoded);
  } catch {
    throw new NoteError('the verifier key\'s key is not base64');
  }
  const type = material[0];
  if ((type !== ED25519 && type !== COSIGNATURE_V1) || material.length !== 33) throw new NoteError('the verifier key is not an Ed25519 key (type 0x01 or 0x04, 32 bytes)');
  const publicKey = material.slice(1);
  const keyId = await keyIdOf(name, type, publicKey);
  if (toHex(keyId) !== id) throw new NoteError('the verifier key\'s id does not match its name and key');
  return { name, type, keyId, publicKey, text: `${name}+${id}+${encoded}` };
}

/** The same key as a cosigner (0x04): a witness may be listed by the key it was made with. */
export async function asCosigner(key: VerifierKey): Promise<VerifierKey> {
  if (key.type === COSIGNATURE_V1) return key;
  const text = await verifierKeyText(key.name, COSIGNATURE_V1, key.publicKey);
  return { ...key, type: COSIGNATURE_V1, keyId: await keyIdOf(key.name, COSIGNATURE_V1, key.publicKey), text };
}

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  /** What follows the key id: the Ed25519 signature, or for a cosignature its timestamp and signature. */
  signature: Uint8Array;
  line: string;
}

export interface Note {
  /** The signed text, final newline included. */
  text: string;
  signatures: NoteSignature[];
}

const MAX_SIGNATURES = 64;

export function parseNote(note: string): Note {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new NoteError('a note holds no control character but newline');
  if (!note.endsWith('\n')) throw new NoteError('a note ends with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('a note has a blank line between its text and its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`a note has at most ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || !validName(match[1]!)) throw new NoteError('a signature line is "— <name> <base64>"');
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(match[2]!);
    } catch {
      throw new NoteError('a signature is not base64');
    }
    // One spelling per signature: padding and unused bits as the encoder writes them, so a note has one form.
    if (toBase64(bytes) !== match[2]) throw new NoteError('a signature is not in canonical base64');
    if (bytes.length < 5) throw new NoteError('a signature is too short');
    return { name: match[1]!, keyId: bytes.slice(0, 4), signature: bytes.slice(4), line };
  });
  return { text, signatures };
}

export function formatNote(text: string, signatureLines: readonly string[]): string {
  return `${text}\n${signatureLines.map((line) => `${line}\n`).join('')}`;
}

export function signatureLine(name: string, keyId: Uint8Array, signature: Uint8Array): string {
  return `\u2014 ${name} ${toBase64(new Uint8Array([...keyId, ...signature]))}`;
}

/** The message a witness signs for a cosignature at `time` (seconds): c2sp.org/tlog-cosignature. */
export function cosignedMessage(text: string, time: number): string {
  return `cosignature/v1\ntime ${time}\n${text}`;
}

async function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: string): Promise<boolean> {
  try {
    // Copies on a plain ArrayBuffer: WebCrypto's types take no view of a shared one.
    const key = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
    return await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(signature), encoder.encode(message));
  } catch {
    return false;
  }
}

export interface VerifiedSignature {
  key: VerifierKey;
  /** A cosignature's time, in seconds since the epoch; null for a log's signature. */
  time: number | null;
}

/**
 * The signature of `key` on the note, verified; null when the note has none from that key (name and id both
 * match). Throws when it has one that does not verify: a known key's bad signature rejects the whole note.
 */
export async function signatureBy(note: Note, key: VerifierKey): Promise<VerifiedSignature | null> {
  const found = note.signatures.filter((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  if (found.length === 0) return null;
  let last: VerifiedSignature | null = null;
  for (const { signature } of found) {
    if (key.type === ED25519) {
      if (signature.length !== 64 || !await ed25519Verify(key.publicKey, signature, note.text)) throw new NoteError(`the signature of ${key.name} does not verify`);
      last = { key, time: null };
    } else {
      if (signature.length !== 72) throw new NoteError(`the cosignature of ${key.name} is not a timestamp and an Ed25519 signature`);
      const time = Number(new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0));
      if (!Number.isSafeInteger(time) || !await ed25519Verify(key.publicKey, signature.slice(8), cosignedMessage(note.text, time))) {
        throw new NoteError(`the cosignature of ${key.name} does not verify`);
      }
      last = { key, time };
    }
  }
  return last;
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The note text: origin, size and root lines, and any extension lines. */
  text: string;
}

export function checkpointText(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${toBase64(root)}\n`;
}

/** A checkpoint's text (c2sp.org/tlog-checkpoint): origin line, decimal tree size, base64 root hash. */
export function parseCheckpointText(text: string): Checkpoint {
  const [origin, size, root] = text.split('\n');
  if (!origin || !validOrigin(origin)) throw new NoteError('a checkpoint starts with its origin line');
  if (!size || !/^(0|[1-9]\d{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw new NoteError('a checkpoint\'s second line is its tree size in decimal');
  let hash: Uint8Array;
  try {
    hash = fromBase64(root ?? '');
  } catch {
    throw new NoteError('a checkpoint\'s third line is its root hash in base64');
  }
  if (hash.length !== 32 || toBase64(hash) !== root) throw new NoteError('a checkpoint\'s root hash is 32 bytes in canonical base64');
  return { origin, size: Number(size), root: hash, text };
}

function validOrigin(origin: string): boolean {
  return origin.trim() === origin && origin.length > 0;
}

/**
 * A signed checkpoint, verified: signed by the log's key, for the expected origin. Cosignatures by the given
 * witnesses are verified too and returned; others are ignored, as the signed-note spec says.
 */
export async function verifyCheckpoint(signed: string, logKey: VerifierKey, witnesses: readonly VerifierKey[] = []): Promise<{ checkpoint: Checkpoint; cosigned: VerifiedSignature[] }> {
  const note = parseNote(signed);
  const checkpoint = parseCheckpointText(note.text);
  if (checkpoint.origin !== logKey.name) throw new NoteError(`the checkpoint is for origin ${checkpoint.origin}, not ${logKey.name}`);
  if (!await signatureBy(note, logKey)) throw new NoteError('the checkpoint is not signed by the log\'s key');
  const cosigned: VerifiedSignature[] = [];
  for (const witness of witnesses) {
    const found = await signatureBy(note, await asCosigner(witness));
    if (found) cosigned.push(found);
  }
  return { checkpoint, cosigned };
}
