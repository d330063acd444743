/**
 * The access log as a transparency log, as one process runs it: the sequencer that turns queued commits into
 * leaves and signs a checkpoint of each new tree (at least every `accessLog.checkpointIntervalSeconds` while
 * events arrive), what `GET /log/…` serves (the newest checkpoint with its cosignatures, consistency proofs, the
 * verifier key), the cosignatures witnesses post back, and the proofs and receipts GraphQL serves.
 *
 * Nothing here holds personal data: checkpoints, proofs and cosignatures are hashes; a receipt holds what its
 * citizen may see of their own entry. A log without `accessLog.signingKeyFile` still builds its tree (leaf
 * indexes, proofs against tree sizes) but signs no checkpoint, so it issues no receipt.
 */
import type { Knex } from 'knex';
import type { Logger } from '../../log.js';
import { asCosigner, checkpointText, ED25519, formatNote, NoteError, parseCheckpointText, parseNote, parseVerifierKey, signatureBy, type VerifierKey } from './note.js';
import { toHex } from './proofs.js';
import { RECEIPT_FORMAT, receiptStatementText, type Receipt, type ReceiptEntry } from './receipt.js';
import { NoteSigner } from './signer.js';
import {
  addCosignature, checkpointNow, checkpointOfSize, consistencyProofAt, cosignaturesOf, firstCheckpointCovering, inclusionProofsAt, leavesOf, newestCosignedBy,
  newestCheckpoint, newestCosignedSizes, sequencePending, treeSize, type StoredCheckpoint, type TreeHead,
} from './tree-store.js';

export interface TransparencyOptions {
  /** The log's key; null when `accessLog.signingKeyFile` is not set. */
  signer: NoteSigner | null;
  intervalMs: number;
  /** The witnesses whose cosignatures are expected (`accessLog.witnesses`), as cosigner keys. */
  witnesses: readonly VerifierKey[];
  /** How long a checkpoint may lack an expected cosignature before readiness warns (`accessLog.witnessTimeoutSeconds`). */
  witnessTimeoutMs: number;
}

export interface TransparencyObserver {
  sequenced(size: number, failed: boolean): void;
}

/** Why a posted cosignature or a requested proof is refused: a fixed sentence for the client. */
export class LogRequestError extends Error {
  constructor(readonly problem: string, readonly status: 400 | 404 | 409 = 400) {
    super(problem);
    this.name = 'LogRequestError';
  }
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  rootHash: string;
  leafHash: string;
  /** Base64 hashes, from the leaf's sibling up to the root (RFC 9162's inclusion_path). */
  inclusionPath: string[];
  /** The checkpoint the proof is against, signed, with the cosignatures the log holds. */
  checkpoint: string;
}

/** What `accessLog` configures, read and checked: the key file, its origin, the witnesses' keys. */
export async function transparencyOptions(config: {
  signingKeyFile?: string | undefined;
  origin?: string | undefined;
  checkpointIntervalSeconds: number;
  witnesses: readonly string[];
  witnessTimeoutSeconds: number;
}): Promise<TransparencyOptions> {
  const signer = config.signingKeyFile === undefined ? null : await NoteSigner.read(config.signingKeyFile);
  if (config.origin !== undefined && signer === null) throw new NoteError('accessLog.origin names the checkpoints\' origin, which needs accessLog.signingKeyFile');
  if (config.origin !== undefined && signer !== null && signer.name !== config.origin) {
    throw new NoteError(`accessLog.signingKeyFile holds a key made for origin ${signer.name}, not ${config.origin} (samgraf audit keygen --origin ${config.origin})`);
  }
  if (signer !== null && signer.type !== ED25519) throw new NoteError('accessLog.signingKeyFile holds a witness\'s key: a log signs with one made by `samgraf audit keygen --origin NAME`');
  const witnesses = await Promise.all(config.witnesses.map(async (text, i) => {
    try {
      return await asCosigner(await parseVerifierKey(text));
    } catch (error) {
      throw new NoteError(`accessLog.witnesses.${i}: ${(error as NoteError).problem}`);
    }
  }));
  return { signer, intervalMs: config.checkpointIntervalSeconds * 1000, witnesses, witnessTimeoutMs: config.witnessTimeoutSeconds * 1000 };
}

export interface EventKey {
  writer: string;
  seq: number;
}

const keyOf = (event: EventKey) => `${event.writer}:${event.seq}`;

export interface CheckpointSummary {
  origin: string;
  treeSize: number;
  rootHash: string;
  signedAt: string;
  note: string;
  cosignatures: { witness: string; keyId: string; cosignedAt: string | null }[];
}

const MAX_ROUND_ATTEMPTS = 5;
const ON_DEMAND_MS = 250;
/** How far ahead of this server's clock a witness's cosignature may be dated. */
const COSIGNATURE_CLOCK_SKEW_S = 600;

/** A cosignature's time (seconds) as an instant; one no date can hold (a store edited by hand) as null. */
function instant(seconds: number): string | null {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TransparencyLog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<TreeHead> | null = null;
  private queued: Promise<TreeHead> | null = null;
  private stopped = false;
  private failingSince: number | null = null;
  private demanded: Promise<TreeHead> | null = null;
  private lastDemand = -Infinity;

  constructor(
    private readonly db: Knex,
    private readonly options: TransparencyOptions,
    private readonly logger: Logger,
    private readonly observer?: TransparencyObserver,
  ) {}

  get verifierKey(): string | null {
    return this.options.signer?.verifierKey ?? null;
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([this.running, this.queued]);
  }

  /** The next round an interval after this one began, so that checkpoints are no further apart than that while events arrive. */
  private schedule(delay = this.options.intervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const began = performance.now();
      this.sequence().catch(() => undefined).finally(() => this.schedule(Math.max(0, this.options.intervalMs - (performance.now() - began))));
    }, delay);
    this.timer.unref();
  }

  /**
   * Sequences everything queued now, and signs the new tree. Callers that come while a round runs share the next
   * one: their events may have been committed after the running round read the queue.
   */
  sequence(): Promise<TreeHead> {
    if (!this.running) {
      this.running = this.rounds().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.sequence();
    });
    return this.queued;
  }

  private async rounds(): Promise<TreeHead> {
    const sign = this.options.signer ? (head: TreeHead) => this.signedNote(head) : () => null;
    let failures = 0;
    for (;;) {
      try {
        const round = await sequencePending(this.db, sign);
        this.observer?.sequenced(round.head.size, false);
        this.failingSince = null;
        if (!round.more) return round.head;
        failures = 0;
      } catch (error) {
        this.observer?.sequenced(0, true);
        this.failingSince ??= Date.now();
        // Another process writing the same rows (a CLI run, a replica's round that slipped past the lock) makes a
        // round fail on the store's keys; the next starts from where that one left the tree. Only a store that
        // keeps failing reaches the caller.
        failures += 1;
        this.logger.warn({ code: (error as { code?: unknown }).code ?? (error as Error).name, attempt: failures }, 'access-log tree: a sequencing round failed');
        if (failures >= MAX_ROUND_ATTEMPTS) throw error;
        await sleep(10 + Math.floor(Math.random() * 40) * failures);
      }
    }
  }

  /**
   * A round for a reader waiting on its event's leaf (a proof or receipt of something just committed): at most one
   * such round per ON_DEMAND_MS, shared by every reader that asks meanwhile, so that a burst of citizens opening
   * their logs does not sign a checkpoint each.
   */
  sequenceSoon(): Promise<TreeHead> {
    this.demanded ??= (async () => {
      // Always a turn later: the promise is in place before it clears itself.
      await sleep(Math.max(0, this.lastDemand + ON_DEMAND_MS - performance.now()));
      this.demanded = null;
      this.lastDemand = performance.now();
      return this.sequence();
    })();
    return this.demanded;
  }

  /** Since when rounds have failed without one succeeding; null while the tree grows. */
  get sequencingFailingSince(): number | null {
    return this.failingSince;
  }

  private signedNote(head: TreeHead): string {
    const text = checkpointText(this.options.signer!.name, head.size, head.root);
    return formatNote(text, [this.options.signer!.sign(text)]);
  }

  /** `samgraf audit checkpoint`: sequences what is queued and signs the tree unless a checkpoint covers it. */
  async checkpointNow(): Promise<{ head: TreeHead; signed: boolean }> {
    if (!this.options.signer) throw new NoteError('the access log has no signing key: set accessLog.signingKeyFile (samgraf audit keygen makes one)');
    const before = await newestCheckpoint(this.db);
    const head = await this.sequence();
    const after = await newestCheckpoint(this.db);
    if (after && after.size >= head.size) return { head, signed: (before?.size ?? -1) < after.size };
    return checkpointNow(this.db, (h) => this.signedNote(h));
  }

  /** A stored checkpoint with every cosignature the log holds for it. */
  private async withCosignatures(checkpoint: StoredCheckpoint): Promise<string> {
    const cosignatures = await cosignaturesOf(this.db, checkpoint.size);
    if (cosignatures.length === 0) return checkpoint.note;
    const note = parseNote(checkpoint.note);
    return formatNote(note.text, [...note.signatures.map((s) => s.line), ...cosignatures.map((c) => c.line)]);
  }

  /** The log's own verifier key, parsed: what checkpoints are verified with. */
  async logKey(): Promise<VerifierKey | null> {
    return this.options.signer ? parseVerifierKey(this.options.signer.verifierKey) : null;
  }

  /** The newest checkpoint as `auditChains` reports it. */
  async newestSummary(): Promise<CheckpointSummary | null> {
    const checkpoint = await newestCheckpoint(this.db);
    if (!checkpoint) return null;
    const cosignatures = await cosignaturesOf(this.db, checkpoint.size);
    return {
      origin: parseNote(checkpoint.note).text.split('\n')[0]!,
      treeSize: checkpoint.size,
      rootHash: Buffer.from(checkpoint.rootHash, 'hex').toString('base64'),
      signedAt: new Date(checkpoint.signedAt).toISOString(),
      note: await this.withCosignatures(checkpoint),
      cosignatures: cosignatures.map((c) => ({ witness: c.witness, keyId: c.keyId, cosignedAt: instant(c.time) })),
    };
  }

  /** The newest signed checkpoint, with its cosignatures; null before the first. */
  async newest(): Promise<{ note: string; checkpoint: StoredCheckpoint } | null> {
    const checkpoint = await newestCheckpoint(this.db);
    return checkpoint ? { note: await this.withCosignatures(checkpoint), checkpoint } : null;
  }

  async checkpointOfSize(size: number): Promise<string | null> {
    const checkpoint = await checkpointOfSize(this.db, size);
    return checkpoint ? this.withCosignatures(checkpoint) : null;
  }

  /** The consistency proof between two tree sizes, for witnesses: base64 hashes. */
  async consistency(from: number, to: number): Promise<string[]> {
    const size = await treeSize(this.db);
    if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && from <= to)) throw new LogRequestError('from and to are tree sizes, 1 ≤ from ≤ to');
    if (to > size) throw new LogRequestError(`the tree has ${size} leaves`, 404);
    return (await consistencyProofAt(this.db, from, to)).map((hash) => hash.toString('base64'));
  }

  /**
   * A witness's cosignature, posted back as the checkpoint it cosigned with its cosignature line: kept when it is
   * for a checkpoint this log signed and verifies under a key in `accessLog.witnesses`.
   */
  async acceptCosignature(posted: string): Promise<{ witness: string; size: number }> {
    let note;
    try {
      note = parseNote(posted);
    } catch (error) {
      throw new LogRequestError(error instanceof NoteError ? error.problem : 'the body is not a signed note');
    }
    let size: number;
    try {
      size = parseCheckpointText(note.text).size;
    } catch (error) {
      throw new LogRequestError((error as NoteError).problem);
    }
    const stored = await checkpointOfSize(this.db, size);
    if (!stored || parseNote(stored.note).text !== note.text) throw new LogRequestError('this log signed no such checkpoint', 404);
    const accepted: { witness: string; size: number }[] = [];
    for (const witness of this.options.witnesses) {
      let found;
      try {
        found = await signatureBy(note, witness);
      } catch (error) {
        throw new LogRequestError((error as NoteError).problem);
      }
      if (!found) continue;
      if (found.time! > Date.now() / 1000 + COSIGNATURE_CLOCK_SKEW_S) throw new LogRequestError(`the cosignature of ${witness.name} is dated in the future`);
      const line = note.signatures.find((s) => s.name === witness.name && toHex(s.keyId) === toHex(witness.keyId))!.line;
      await addCosignature(this.db, { size, witness: witness.name, keyId: toHex(witness.keyId), time: found.time!, line });
      accepted.push({ witness: witness.name, size });
    }
    if (accepted.length === 0) throw new LogRequestError('the note carries no cosignature of a witness this log lists (accessLog.witnesses)', 409);
    return accepted[0]!;
  }

  /** The leaf index of each event that has one. */
  async leafIndexes(events: readonly { writer: string; seq: number }[]): Promise<Map<string, number>> {
    const leaves = await leavesOf(this.db, events);
    return new Map([...leaves].map(([key, leaf]) => [key, leaf.leafIndex]));
  }

  /** The events' leaves, sequencing the queue first if one has none yet (its commit queued it before it answered). */
  private async leavesOf(events: readonly EventKey[]) {
    const found = await leavesOf(this.db, events);
    if (events.every((event) => found.has(keyOf(event)))) return found;
    await this.sequenceSoon();
    return leavesOf(this.db, events);
  }

  /**
   * The checkpoints that prove leaves up to `highest`: the one of `size` when named (it may not cover them all);
   * else, for each leaf, the newest checkpoint every expected witness has cosigned if it covers the leaf (the
   * strongest proof), and the newest otherwise — signed now if even that does not cover the highest leaf.
   */
  private async checkpointsFor(highest: number, size: number | null): Promise<StoredCheckpoint[]> {
    if (size !== null) {
      const named = await checkpointOfSize(this.db, size);
      if (!named) throw new LogRequestError(`this log signed no checkpoint of size ${size}`, 404);
      return [named];
    }
    if (!this.options.signer) return [];
    const witnessed = await newestCosignedBy(this.db, this.options.witnesses.map((w) => ({ witness: w.name, keyId: toHex(w.keyId) })));
    let newest = await newestCheckpoint(this.db);
    if (!newest || newest.size <= highest) {
      // The round that gave the leaf signed a checkpoint of it; only a tree sequenced without a key needs one now.
      await this.checkpointNow();
      newest = await newestCheckpoint(this.db);
    }
    return [witnessed, newest].filter((c): c is StoredCheckpoint => c !== null);
  }

  /**
   * Inclusion proofs of events — against the checkpoint of `size`, or as checkpointsFor chooses — in a fixed number
   * of statements however many events: their leaves, the checkpoints, the nodes of every path at once per tree.
   */
  async inclusionProofs(events: readonly EventKey[], size: number | null): Promise<(InclusionProof | LogRequestError | null)[]> {
    if (events.length === 0) return [];
    const leaves = await this.leavesOf(events);
    const indexes = events.map((event) => leaves.get(keyOf(event))?.leafIndex).filter((index): index is number => index !== undefined);
    if (indexes.length === 0) return events.map(() => null);
    const checkpoints = await this.checkpointsFor(Math.max(...indexes), size);
    if (checkpoints.length === 0) return events.map(() => null);
    // Each leaf to the first checkpoint that covers it; a named one that covers none of them answers each with why.
    const treeOf = (index: number) => checkpoints.find((checkpoint) => checkpoint.size > index) ?? null;
    const proofs = new Map<number, InclusionProof>();
    for (const checkpoint of checkpoints) {
      const covered = indexes.filter((index) => treeOf(index) === checkpoint);
      if (covered.length === 0) continue;
      const note = await this.withCosignatures(checkpoint);
      const paths = await inclusionProofsAt(this.db, covered, checkpoint.size);
      for (const index of covered) {
        proofs.set(index, {
          leafIndex: index,
          treeSize: checkpoint.size,
          rootHash: Buffer.from(checkpoint.rootHash, 'hex').toString('base64'),
          leafHash: '',
          inclusionPath: paths.get(index)!.map((hash) => hash.toString('base64')),
          checkpoint: note,
        });
      }
    }
    return events.map((event) => {
      const leaf = leaves.get(keyOf(event));
      if (!leaf) return null;
      const proof = proofs.get(leaf.leafIndex);
      if (!proof) return new LogRequestError(`the checkpoint of size ${checkpoints[0]!.size} does not cover leaf ${leaf.leafIndex}`);
      return { ...proof, leafHash: Buffer.from(leaf.leafHash, 'hex').toString('base64') };
    });
  }

  /** Citizens' receipts for entries of their log: JSON documents that verify offline (receipt.ts); null without a key. */
  async receipts(items: readonly { event: EventKey & { hash: string }; entry: ReceiptEntry }[]): Promise<(string | null)[]> {
    const signer = this.options.signer;
    if (!signer) return items.map(() => null);
    const proofs = await this.inclusionProofs(items.map((item) => item.event), null);
    return items.map(({ event, entry }, i) => {
      const proof = proofs[i];
      if (!proof || proof instanceof LogRequestError) return null;
      const statement = receiptStatementText(signer.name, proof.leafIndex, event.hash, entry);
      const { occurredAt, organization, purpose, dataCategories } = entry;
      const receipt: Receipt = {
        format: RECEIPT_FORMAT,
        origin: signer.name,
        entry: { occurredAt, organization, purpose, dataCategories },
        eventHash: event.hash,
        leafIndex: proof.leafIndex,
        leafHash: proof.leafHash,
        treeSize: proof.treeSize,
        inclusionPath: proof.inclusionPath,
        checkpoint: proof.checkpoint,
        statement: formatNote(statement, [signer.sign(statement)]),
      };
      return JSON.stringify(receipt, null, 2);
    });
  }

  /**
   * Each expected witness whose cosignature the newest checkpoint lacks, and for how long a checkpoint has lacked
   * it: from when the first checkpoint after the last one it cosigned was signed.
   */
  async witnessLag(now = Date.now()): Promise<{ witness: string; cosignedSize: number | null; lagSeconds: number; overdue: boolean }[]> {
    if (this.options.witnesses.length === 0) return [];
    const newest = await newestCheckpoint(this.db);
    const cosigned = await newestCosignedSizes(this.db);
    return Promise.all(this.options.witnesses.map(async (witness) => {
      const size = cosigned.get(`${witness.name}+${toHex(witness.keyId)}`) ?? null;
      if (!newest || (size !== null && size >= newest.size)) return { witness: witness.name, cosignedSize: size, lagSeconds: 0, overdue: false };
      const since = (await firstCheckpointCovering(this.db, size ?? 0))?.signedAt ?? newest.signedAt;
      const lagMs = Math.max(0, now - since);
      return { witness: witness.name, cosignedSize: size, lagSeconds: lagMs / 1000, overdue: lagMs > this.options.witnessTimeoutMs };
    }));
  }
}
