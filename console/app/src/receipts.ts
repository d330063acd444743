/**
 * The citizen page's check of each receipt, in the browser: the same verification as `samgraf audit
 * verify-receipt` (src/access-log/transparency/receipt.ts, WebCrypto only), against the log's verifier key from
 * samgraf's own /log/key — no other network. A receipt also has to be about the entry shown beside it.
 */
import { parseVerifierKey, type VerifierKey } from '../../../src/access-log/transparency/note.js';
import { verifyReceipt } from '../../../src/access-log/transparency/receipt.js';
import type { AccessLogEntry } from './queries.js';

/**
 * Why a receipt is not verified: the console's own reasons by name (the page says them in its language), or the
 * verifier's `problem`, which is technical English and shown as it is.
 */
export type NotVerifiedReason = 'no-key' | 'not-json' | 'other-entry' | 'failed' | { proof: string };

export type ReceiptCheck =
  | { state: 'verified'; leafIndex: number; treeSize: number; witnesses: string[] }
  | { state: 'not-verified'; reason: NotVerifiedReason }
  | { state: 'none' };

let logKey: Promise<VerifierKey | null> | null = null;

/** The log's verifier key, fetched once per page load; null when the log signs nothing. */
function fetchLogKey(): Promise<VerifierKey | null> {
  logKey ??= fetch('/log/key', { cache: 'no-store' })
    .then(async (response) => (response.ok ? parseVerifierKey(await response.text()) : null))
    .catch(() => {
      logKey = null;
      return null;
    });
  return logKey;
}

function sameEntry(receipt: unknown, entry: AccessLogEntry): boolean {
  const proved = (receipt as { entry?: { occurredAt?: unknown; organization?: unknown; purpose?: unknown; dataCategories?: unknown } }).entry;
  return proved?.occurredAt === entry.occurredAt && proved.organization === entry.organization && proved.purpose === entry.purpose
    && JSON.stringify(proved.dataCategories) === JSON.stringify(entry.dataCategories ?? []);
}

export async function checkReceipt(entry: AccessLogEntry): Promise<ReceiptCheck> {
  if (!entry.receipt) return { state: 'none' };
  const key = await fetchLogKey();
  if (!key) return { state: 'not-verified', reason: 'no-key' };
  let document: unknown;
  try {
    document = JSON.parse(entry.receipt);
  } catch {
    return { state: 'not-verified', reason: 'not-json' };
  }
  const verdict = await verifyReceipt(document, key);
  if (!verdict.ok) return { state: 'not-verified', reason: { proof: verdict.problem } };
  if (!sameEntry(document, entry)) return { state: 'not-verified', reason: 'other-entry' };
  return { state: 'verified', leafIndex: verdict.leafIndex, treeSize: verdict.treeSize, witnesses: verdict.witnesses.map((w) => w.name) };
}

/** The receipt as a file the citizen keeps: `samgraf audit verify-receipt FILE --key …` checks it anywhere. */
export function receiptDownload(entry: AccessLogEntry): string | null {
  return entry.receipt ? URL.createObjectURL(new Blob([entry.receipt], { type: 'application/json' })) : null;
}
