/**
 * A witness (`samgraf audit witness`): run by someone other than the log's operator, it fetches the log's newest
 * checkpoint, checks that it extends the last one it accepted (a consistency proof from the log), and only then
 * cosigns it (c2sp.org/tlog-cosignature) and posts the cosignature back. It refuses — and keeps the evidence —
 * a checkpoint that is smaller than the last (a rollback), of the same size with another root (a fork), or that
 * does not extend it (a rewritten history). What it accepted is kept in its state directory, one file per log,
 * written before the cosignature leaves: a witness never cosigns two trees that contradict each other.
 *
 * The log's verifier key is given (`--log-key`), or taken from the log at the first run and pinned.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COSIGNATURE_V1, formatNote, NoteError, parseNote, parseVerifierKey, verifyCheckpoint, type VerifierKey } from './note.js';
import { fromBase64, toBase64, verifyConsistency } from './proofs.js';
import type { NoteSigner } from './signer.js';

export interface WitnessState {
  logKey: string;
  origin: string;
  size: number;
  /** Base64. */
  root: string;
  /** The checkpoint last accepted, signed. */
  checkpoint: string;
}

export type WitnessOutcome =
  | { outcome: 'cosigned'; origin: string; size: number; previous: number | null; accepted: boolean }
  | { outcome: 'refused'; origin: string; problem: string; evidence: string }
  | { outcome: 'nothing-yet' };

export class WitnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WitnessError';
  }
}

const stateFile = (dir: string, origin: string) => join(dir, `${encodeURIComponent(origin)}.json`);

function readState(dir: string, origin: string): WitnessState | null {
  try {
    return JSON.parse(readFileSync(stateFile(dir, origin), 'utf8')) as WitnessState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new WitnessError(`the witness's state for ${origin} is unreadable: ${(error as Error).message}`);
  }
}

/** Written whole or not at all: a crash never leaves half a state behind. */
function writeState(dir: string, state: WitnessState): void {
  const path = stateFile(dir, state.origin);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Which log the state directory already follows: a witness of one log pins that log's key. */
function pinnedKeys(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'logs'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

async function fetchText(url: URL, init?: RequestInit): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new WitnessError(`cannot reach ${url.origin}: ${(error as Error).message}`);
  }
  return { status: response.status, text: await response.text() };
}

export interface WitnessOptions {
  /** The log's samgraf, e.g. https://samgraf.fk.example (its /log/… routes). */
  log: string;
  signer: NoteSigner;
  stateDir: string;
  /** The log's verifier key; without it, the one pinned in the state, or the log's own at the first run. */
  logKey?: string;
  now?: () => number;
}

export async function witnessOnce(options: WitnessOptions): Promise<WitnessOutcome> {
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const base = new URL(options.log);
  const fetched = await fetchText(new URL('/log/checkpoint', base));
  if (fetched.status === 404) return { outcome: 'nothing-yet' };
  if (fetched.status !== 200) throw new WitnessError(`the log answered ${fetched.status} for its checkpoint`);
  const logKey = await logKeyOf(options, base);
  let checkpoint;
  try {
    ({ checkpoint } = await verifyCheckpoint(fetched.text, logKey));
  } catch (error) {
    return refuse(options, logKey.name, `the checkpoint does not verify under the log's key: ${(error as NoteError).problem}`, fetched.text, null);
  }
  const state = readState(options.stateDir, checkpoint.origin);
  if (state && state.logKey !== logKey.text) throw new WitnessError(`the state for ${checkpoint.origin} was kept for another log key (${state.logKey})`);
  if (state) {
    const previousRoot = fromBase64(state.root);
    if (checkpoint.size < state.size) {
      return refuse(options, checkpoint.origin, `rollback: the log shows a tree of ${checkpoint.size} leaves, smaller than the ${state.size} it showed before`, fetched.text, state);
    }
    const consistency = checkpoint.size === state.size ? { status: 200, text: '' } : await fetchText(new URL(`/log/consistency?from=${state.size}&to=${checkpoint.size}`, base));
    if (consistency.status !== 200) {
      return refuse(options, checkpoint.origin, `the log gives no consistency proof from ${state.size} to ${checkpoint.size} leaves (HTTP ${consistency.status})`, fetched.text, state);
    }
    let proof: Uint8Array[];
    try {
      proof = consistency.text.split('\n').filter(Boolean).map(fromBase64);
    } catch {
      return refuse(options, checkpoint.origin, 'the consistency proof is not base64 hashes', fetched.text, state);
    }
    const problem = await verifyConsistency(state.size, checkpoint.size, previousRoot, checkpoint.root, proof);
    if (problem) {
      const what = checkpoint.size === state.size ? `fork: a tree of ${state.size} leaves with another root than the one accepted before` : `the tree of ${checkpoint.size} leaves does not extend the tree of ${state.size} it showed before (${problem}): its history was rewritten, or it forked`;
      return refuse(options, checkpoint.origin, what, fetched.text, state);
    }
  }
  writeState(options.stateDir, { logKey: logKey.text, origin: checkpoint.origin, size: checkpoint.size, root: toBase64(checkpoint.root), checkpoint: fetched.text });
  const cosigner = await options.signer.as(COSIGNATURE_V1);
  const time = Math.floor((options.now?.() ?? Date.now()) / 1000);
  const note = parseNote(fetched.text);
  const cosigned = formatNote(note.text, [...note.signatures.map((s) => s.line), cosigner.cosign(note.text, time)]);
  const posted = await fetchText(new URL('/log/cosignature', base), { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: cosigned });
  return { outcome: 'cosigned', origin: checkpoint.origin, size: checkpoint.size, previous: state?.size ?? null, accepted: posted.status === 200 };
}

async function logKeyOf(options: WitnessOptions, base: URL): Promise<VerifierKey> {
  const given = options.logKey ?? pinnedKeys(options.stateDir)[0];
  if (given !== undefined) return parseVerifierKey(given);
  const fetched = await fetchText(new URL('/log/key', base));
  if (fetched.status !== 200) throw new WitnessError('give the log\'s verifier key (--log-key): the log does not serve one');
  const key = await parseVerifierKey(fetched.text);
  // Trust on first use, then never again: the key is pinned for every later run.
  writeFileSync(join(options.stateDir, 'logs'), `${key.text}\n`, { mode: 0o600 });
  return key;
}

/** Keeps the checkpoint refused beside the one accepted, for whoever the witness reports the log to. */
function refuse(options: WitnessOptions, origin: string, problem: string, offered: string, state: WitnessState | null): WitnessOutcome {
  const evidence = join(options.stateDir, `refused-${encodeURIComponent(origin)}-${Date.now()}.txt`);
  writeFileSync(evidence, `${problem}\n\nlast accepted:\n${state?.checkpoint ?? '(none)\n'}\noffered:\n${offered}`, { mode: 0o600 });
  return { outcome: 'refused', origin, problem, evidence };
}
