/**
 * The transparency log's commands: `audit keygen` (a log's or a witness's Ed25519 note key), `audit checkpoint`
 * (sign the tree now), `audit witness` (src/access-log/transparency/witness.ts) and `audit verify-receipt` (a
 * citizen's receipt, offline).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { silentLogger } from '../log.js';
import { TransparencyLog, transparencyOptions } from '../access-log/transparency/log.js';
import { COSIGNATURE_V1, ED25519, NoteError, parseVerifierKey, type VerifierKey } from '../access-log/transparency/note.js';
import { verifyReceipt } from '../access-log/transparency/receipt.js';
import { NoteSigner } from '../access-log/transparency/signer.js';
import { witnessOnce } from '../access-log/transparency/witness.js';
import type { Config } from '../config.js';

/** A problem with what the command was given: printed as it is, exit 1. */
export class TransparencyCommandError extends Error {}

/** Writes a new key file (never over an existing one) and returns its verifier key. */
export async function keygen(origin: string, out: string, witness: boolean): Promise<string> {
  if (!/^[^\s+]+$/.test(origin)) throw new TransparencyCommandError('--origin is a name without spaces or +, e.g. log.fk.example/access');
  if (existsSync(out)) throw new TransparencyCommandError(`${out} exists: samgraf never overwrites a key`);
  const { signer, keyFile } = await NoteSigner.generate(origin, witness ? COSIGNATURE_V1 : ED25519);
  writeFileSync(out, keyFile, { mode: 0o600, flag: 'wx' });
  return signer.verifierKey;
}

export async function checkpoint(db: Knex, config: Config): Promise<string> {
  const log = new TransparencyLog(db, await keysOf(config), silentLogger());
  const { head, signed } = await log.checkpointNow();
  const newest = await log.newest();
  return `${signed ? 'signed' : 'unchanged'}: tree of ${head.size} leaves, root ${head.root.toString('base64')}\n\n${newest?.note ?? ''}`;
}

async function keysOf(config: Config) {
  try {
    return await transparencyOptions(config.accessLog);
  } catch (error) {
    if (error instanceof NoteError) throw new TransparencyCommandError(error.problem);
    throw error;
  }
}

/** The log's own verifier key, from its configured key file: what `audit verify` checks checkpoints with. */
export async function logKeyOf(config: Config): Promise<VerifierKey | null> {
  const { signer } = await keysOf(config);
  return signer ? parseVerifierKey(signer.verifierKey) : null;
}

/**
 * A verifier key given on the command line, or a file that holds one — or the key file itself, whose public half
 * it is (`samgraf audit keygen` wrote it): whoever holds that may as well check with it.
 */
export async function verifierKey(value: string, flag: string): Promise<VerifierKey> {
  const text = existsSync(value) ? readFileSync(value, 'utf8').trim() : value;
  try {
    return await parseVerifierKey(text.startsWith('PRIVATE+KEY+') ? (await NoteSigner.parse(text)).verifierKey : text);
  } catch (error) {
    throw new TransparencyCommandError(`${flag}: ${(error as NoteError).problem}`);
  }
}

/** Where a witness keeps what it accepted when no --state is given: beside its key, in a folder of its own. */
export function defaultWitnessState(keyFile: string): string {
  return `${keyFile}.witness-state`;
}

export async function verifyReceiptFile(file: string, key: string, witnessKeys: readonly string[]): Promise<{ ok: boolean; text: string }> {
  let document: string;
  try {
    document = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TransparencyCommandError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const logKey = await verifierKey(key, '--key');
  const witnesses = await Promise.all(witnessKeys.map((w) => verifierKey(w, '--witness-key')));
  const verdict = await verifyReceipt(document, logKey, witnesses);
  if (!verdict.ok) return { ok: false, text: `receipt NOT verified: ${verdict.problem}\n` };
  const { entry } = verdict;
  const cosigners = verdict.witnesses.length > 0 ? `; cosigned by ${verdict.witnesses.map((w) => w.name).join(', ')}` : '';
  return {
    ok: true,
    text: `receipt verified: ${entry.organization ?? 'an organisation'} read ${entry.dataCategories.join(', ') || 'data'} on ${entry.occurredAt} for ${entry.purpose ?? 'an unstated purpose'}\n`
      + `  leaf ${verdict.leafIndex} of the tree of ${verdict.treeSize} in the log ${verdict.origin}${cosigners}\n`,
  };
}

export async function witness(options: { log: string; key: string; state: string; logKey?: string }): Promise<{ ok: boolean; text: string }> {
  let signer: NoteSigner;
  try {
    signer = await NoteSigner.read(options.key);
  } catch (error) {
    throw new TransparencyCommandError(`--key: ${(error as NoteError).message}`);
  }
  const outcome = await witnessOnce({ log: options.log, signer, stateDir: options.state, ...(options.logKey ? { logKey: (await verifierKey(options.logKey, '--log-key')).text } : {}) });
  switch (outcome.outcome) {
    case 'nothing-yet':
      return { ok: true, text: 'the log has signed no checkpoint yet: nothing to cosign\n' };
    case 'refused':
      return { ok: false, text: `REFUSED ${outcome.origin}: ${outcome.problem}\n  evidence kept in ${outcome.evidence}\n` };
    case 'cosigned':
      return {
        ok: true,
        text: `cosigned ${outcome.origin} at ${outcome.size} leaves${outcome.previous === null ? ' (first checkpoint seen)' : ` (consistent with ${outcome.previous})`}${outcome.accepted ? '' : '; the log did not take the cosignature (is this witness in its accessLog.witnesses?)'}\n`,
      };
  }
}
