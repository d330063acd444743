/**
 * A citizen's receipt: a JSON document that proves one entry of their access log is in the log, checkable
 * offline by anyone with the log's verifier key — by `samgraf audit verify-receipt` and by the citizen page in
 * the browser (WebCrypto only, no Node.js API here).
 *
 * It holds the checkpoint (signed by the log, with the witnesses' cosignatures it had), the event's hash, its
 * leaf index and inclusion path, and the entry as the citizen sees it, bound to the event's hash by the log's
 * signature on a statement: the leaf commits only to the hash, since the event itself names the officer and
 * may name other people. Nothing in it is about anyone else.
 */
import { canonicalJson } from '../canonical-json.js';
import { NoteError, parseNote, signatureBy, verifyCheckpoint, type VerifierKey } from './note.js';
import { equalBytes, fromBase64, fromHex, leafHashOf, verifyInclusion } from './proofs.js';

export const RECEIPT_FORMAT = 'samgraf-receipt/v1';

/** What a receipt proves about: the entry as its citizen sees it. */
export interface ReceiptEntry {
  occurredAt: string;
  organization: string | null;
  purpose: string | null;
  dataCategories: readonly string[];
}

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  origin: string;
  entry: ReceiptEntry;
  /** The event's hash, hex: the leaf is SHA-256(0x00 ‖ its 32 bytes). */
  eventHash: string;
  leafIndex: number;
  /** Base64. */
  leafHash: string;
  treeSize: number;
  /** Base64 hashes, leaf to root. */
  inclusionPath: string[];
  /** The signed checkpoint of `treeSize` leaves, with cosignatures. */
  checkpoint: string;
  /** The log's signed statement binding the entry to the event (receiptStatementText). */
  statement: string;
}

/** The statement the log signs for a receipt. */
export function receiptStatementText(origin: string, leafIndex: number, eventHash: string, entry: ReceiptEntry): string {
  const { occurredAt, organization, purpose, dataCategories } = entry;
  return `${RECEIPT_FORMAT}\n${origin}\n${leafIndex}\n${eventHash}\n${canonicalJson({ occurredAt, organization, purpose, dataCategories })}\n`;
}

export type ReceiptVerdict =
  | { ok: true; entry: ReceiptEntry; leafIndex: number; treeSize: number; origin: string; witnesses: { name: string; time: number }[] }
  | { ok: false; problem: string };

function fail(problem: string): ReceiptVerdict {
  return { ok: false, problem };
}

function shapeProblem(value: unknown): string | null {
  const r = value as Partial<Receipt> | null;
  if (r === null || typeof r !== 'object') return 'the receipt is not a JSON object';
  if (r.format !== RECEIPT_FORMAT) return `the receipt is not a ${RECEIPT_FORMAT} document`;
  if (typeof r.origin !== 'string' || typeof r.checkpoint !== 'string' || typeof r.statement !== 'string') return 'the receipt lacks its origin, checkpoint or statement';
  if (typeof r.eventHash !== 'string' || !/^[0-9a-f]{64}$/.test(r.eventHash)) return 'the receipt\'s event hash is not 64 hex digits';
  if (!Number.isSafeInteger(r.leafIndex) || !Number.isSafeInteger(r.treeSize)) return 'the receipt\'s leaf index and tree size are whole numbers';
  if (!Array.isArray(r.inclusionPath) || !r.inclusionPath.every((h) => typeof h === 'string')) return 'the receipt\'s inclusion path is a list of base64 hashes';
  const e = r.entry as Partial<ReceiptEntry> | undefined;
  if (!e || typeof e.occurredAt !== 'string' || !Array.isArray(e.dataCategories)) return 'the receipt lacks the entry it proves';
  return null;
}

/**
 * Verifies a receipt against the log's verifier key, and, for each witness key given, that the checkpoint carries
 * that witness's valid cosignature. Returns the entry it proves, or the first reason it does not hold.
 */
export async function verifyReceipt(document: string | unknown, logKey: VerifierKey, witnessKeys: readonly VerifierKey[] = []): Promise<ReceiptVerdict> {
  let value: unknown = document;
  if (typeof document === 'string') {
    try {
      value = JSON.parse(document);
    } catch {
      return fail('the receipt is not JSON');
    }
  }
  const shape = shapeProblem(value);
  if (shape) return fail(shape);
  const receipt = value as Receipt;
  if (receipt.origin !== logKey.name) return fail(`the receipt is from the log ${receipt.origin}, not ${logKey.name}`);
  let checkpoint;
  let cosigned;
  try {
    ({ checkpoint, cosigned } = await verifyCheckpoint(receipt.checkpoint, logKey, witnessKeys));
  } catch (error) {
    return fail(error instanceof NoteError ? `checkpoint: ${error.problem}` : 'checkpoint: unreadable');
  }
  for (const witness of new Map(witnessKeys.map((key) => [key.text, key])).values()) {
    if (!cosigned.some((c) => c.key.name === witness.name && equalBytes(c.key.publicKey, witness.publicKey))) return fail(`the checkpoint is not cosigned by the witness ${witness.name}`);
  }
  if (checkpoint.size !== receipt.treeSize) return fail('the receipt\'s tree size is not its checkpoint\'s');
  const leaf = await leafHashOf(fromHex(receipt.eventHash));
  let path: Uint8Array[];
  try {
    if (!equalBytes(leaf, fromBase64(receipt.leafHash))) return fail('the leaf hash is not the event hash\'s leaf');
    path = receipt.inclusionPath.map(fromBase64);
  } catch {
    return fail('a hash in the receipt is not base64');
  }
  const inclusion = await verifyInclusion(receipt.leafIndex, checkpoint.size, leaf, path, checkpoint.root);
  if (inclusion) return fail(`inclusion: ${inclusion}`);
  try {
    const statement = parseNote(receipt.statement);
    if (!await signatureBy(statement, logKey)) return fail('the statement is not signed by the log');
    if (statement.text !== receiptStatementText(receipt.origin, receipt.leafIndex, receipt.eventHash, receipt.entry)) return fail('the entry is not the one the log signed for this event');
  } catch (error) {
    return fail(error instanceof NoteError ? `statement: ${error.problem}` : 'statement: unreadable');
  }
  const { occurredAt, organization, purpose, dataCategories } = receipt.entry;
  return {
    ok: true,
    // The four fields the log signed, and nothing else the document may carry beside them.
    entry: { occurredAt, organization, purpose, dataCategories },
    leafIndex: receipt.leafIndex,
    treeSize: checkpoint.size,
    origin: receipt.origin,
    witnesses: cosigned.map((c) => ({ name: c.key.name, time: c.time! })),
  };
}
