/**
 * The access log's chain verification as auditors see it through GraphQL (`auditChains`): the same walk as
 * `samgraf audit verify` (verify.ts), reshaped per chain. A call when no walk is running starts one and waits
 * for it: a verdict kept from before would hide tampering done since. A walk reads the whole log and can take
 * long, and a caller waiting holds one of the server's operation slots; so a call that comes while a walk runs
 * does not wait for it but gets the last finished report at once (its `verifiedAt` says how old), or, before
 * any walk has finished, AUDIT_VERIFICATION_RUNNING. At most one caller per server waits on the log. A store
 * that cannot be read is AUDIT_UNAVAILABLE (reader.ts).
 */
import type { Knex } from 'knex';
import { VerificationRunningError } from '../errors.js';
import { readable } from './reader.js';
import { verifyAccessLog, type BadEvent, type ChainBreakReason } from './verify.js';
import type { CheckpointSummary, TransparencyLog } from './transparency/log.js';
import { verifyTree, type TreeReport } from './transparency/verify-tree.js';

export interface ChainBreak {
  eventId: string;
  writer: string;
  seq: number;
  occurredAt: string | null;
  reason: ChainBreakReason;
  message: string;
}

export interface ChainStatus {
  writer: string;
  events: number;
  headSeq: number;
  headHash: string;
  ok: boolean;
  firstBadEvent: ChainBreak | null;
}

export interface ChainReport {
  ok: boolean;
  verifiedAt: string;
  events: number;
  chains: ChainStatus[];
  /** The first bad event of each broken chain, earliest first. */
  broken: ChainBreak[];
  tree: TreeReport;
  checkpoint: CheckpointSummary | null;
}

function toBreak(bad: BadEvent): ChainBreak {
  return { eventId: `${bad.writer}:${bad.seq}`, writer: bad.writer, seq: bad.seq, occurredAt: bad.occurredAt, reason: bad.reason, message: bad.problem };
}

export class ChainVerifier {
  private running: Promise<ChainReport> | null = null;
  private last: ChainReport | null = null;

  constructor(private readonly store: Knex, private readonly transparency: TransparencyLog) {}

  verify(): Promise<ChainReport> {
    if (this.running) return this.last ? Promise.resolve(this.last) : Promise.reject(new VerificationRunningError());
    this.running = this.run().then((report) => {
      this.last = report;
      return report;
    }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<ChainReport> {
    const report = await readable(verifyAccessLog(this.store));
    // Every event committed so far gets its leaf (and, with a key, a checkpoint) first: the tree verified is the log's now.
    await readable(this.transparency.sequence());
    const tree = await readable(this.transparency.logKey().then((logKey) => verifyTree(this.store, logKey)));
    const checkpoint = await readable(this.transparency.newestSummary());
    const broken = report.broken.map(toBreak);
    // An orphaned index row names a writer that may have no chain at all; it then shows only in `broken`.
    const firstBadOf = new Map<string, ChainBreak>();
    for (const bad of broken) if (!firstBadOf.has(bad.writer)) firstBadOf.set(bad.writer, bad);
    return {
      ok: broken.length === 0 && tree.ok,
      tree,
      checkpoint,
      verifiedAt: new Date().toISOString(),
      events: report.events,
      chains: report.heads.map((head) => ({
        writer: head.writer,
        events: head.events,
        headSeq: head.seq,
        headHash: head.hash,
        ok: !firstBadOf.has(head.writer),
        firstBadEvent: firstBadOf.get(head.writer) ?? null,
      })),
      broken,
    };
  }
}
