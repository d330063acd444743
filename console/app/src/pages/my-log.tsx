/** A citizen's own page: which organisations read their data, when, why and what — never which officer. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ProblemAlert, TableScroll } from '../components.js';
import { formatCategory, formatInstant, formatOrganisation, formatPersonalNumber, formatPurpose } from '../format.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import { MY_ACCESS_LOG, type AccessLogEntry } from '../queries.js';
import { request, type Session } from '../session.js';
import { checkReceipt, receiptDownload, type ReceiptCheck } from '../receipts.js';

const PAGE_SIZE = 20;

export function MyLogPage({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [applied, setApplied] = useState<{ from: string | null; to: string | null }>({ from: null, to: null });
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [entries, setEntries] = useState<AccessLogEntry[] | null>(null);
  const [hasNextPage, setHasNextPage] = useState(false);
  const [endCursor, setEndCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [checks, setChecks] = useState<(ReceiptCheck | null)[]>([]);
  const resultsHeading = useRef<HTMLHeadingElement>(null);

  async function load(range: { from: string | null; to: string | null }, after: string | null) {
    setLoading(true);
    setProblem(null);
    try {
      const result = await request(session, MY_ACCESS_LOG, { ...range, first: PAGE_SIZE, after });
      const failed = problemOf(result, {});
      if (failed || !result.data?.myAccessLog) {
        setEntries(null);
        setProblem(failed ?? problemOf({ ...result, status: 500 }, {}));
        return;
      }
      const connection = result.data.myAccessLog;
      const shown = connection.edges.map((edge) => edge.node).filter((node): node is AccessLogEntry => node !== null);
      setEntries(shown);
      setChecks(shown.map(() => null));
      // Each receipt is checked here, in the browser, as it arrives: nothing of it is taken on the server's word.
      void Promise.all(shown.map((entry) => checkReceipt(entry).catch((): ReceiptCheck => ({ state: 'not-verified', reason: 'the check failed' })))).then(setChecks);
      setHasNextPage(connection.pageInfo.hasNextPage);
      setEndCursor(connection.pageInfo.endCursor);
    } catch (error) {
      setProblem(networkProblem(error));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void load(applied, null);
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    const range = { from: from || null, to: to || null };
    setApplied(range);
    setCursors([null]);
    void load(range, null);
  };
  const page = (direction: 1 | -1) => {
    const next = direction === 1 ? [...cursors, endCursor] : cursors.slice(0, -1);
    setCursors(next);
    void load(applied, next.at(-1) ?? null).then(() => resultsHeading.current?.focus());
  };

  return (
    <>
      <h1 tabIndex={-1}>Who has read my data</h1>
      <p class="lead">
        Every time an organisation reads your data through samgraf, it is recorded. Here you see which organisation
        read it, when, why and what kind of data — for <span class="mono">{formatPersonalNumber(session.me.subject)}</span>.
        Your own reads are not listed, and the names of individual officers are never shown.
      </p>
      <p>
        Each read comes with a receipt: proof, signed by the log, that it is recorded in the access log and can no
        longer be removed or changed unnoticed. This page checks every receipt itself. Download one to keep it; anyone
        can check it later with the log's public key.
      </p>
      <form class="panel filters" onSubmit={submit} aria-labelledby="range-heading">
        <h2 id="range-heading">Choose dates</h2>
        <div class="grid">
          <div class="field">
            <label for="m-from">From date</label>
            <input id="m-from" type="date" value={from} onInput={(event) => setFrom(event.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="m-to">To date</label>
            <input id="m-to" type="date" value={to} onInput={(event) => setTo(event.currentTarget.value)} />
          </div>
        </div>
        <div class="actions"><button type="submit" disabled={loading}>Show</button></div>
      </form>
      <ProblemAlert problem={problem} onSignOut={onSignOut} />
      {entries && (
        <section aria-labelledby="reads-heading" aria-busy={loading ? 'true' : 'false'}>
          <h2 id="reads-heading" ref={resultsHeading} tabIndex={-1}>Reads of your data</h2>
          <p role="status" class="status">
            {loading ? 'Loading…' : entries.length === 0 ? 'No organisation has read your data in this period.'
              : `Page ${cursors.length}: ${entries.length} read${entries.length === 1 ? '' : 's'}${hasNextPage ? ', more on the next page' : ''}.`}
          </p>
          {entries.length > 0 && (
            <TableScroll label="Reads of your data (scrolls sideways)">
              <table class="my-log">
                <caption>Reads of your data, newest first — page {cursors.length}</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Organisation</th>
                    <th scope="col">Why</th>
                    <th scope="col">What they read</th>
                    <th scope="col">Proof</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry, index) => (
                    <tr key={`${entry.occurredAt}-${index}`}>
                      <td class="nowrap">{formatInstant(entry.occurredAt)}</td>
                      <td>{formatOrganisation(entry.organization)}</td>
                      <td>{formatPurpose(entry.purpose)} <span class="muted">({entry.purpose})</span></td>
                      <td>{(entry.dataCategories ?? []).map(formatCategory).join(', ')}</td>
                      <td class="receipt"><ReceiptCell entry={entry} check={checks[index] ?? null} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          <nav aria-label="Result pages" class="pager">
            <button type="button" class="secondary" disabled={loading || cursors.length === 1} onClick={() => page(-1)}>Previous page</button>
            <button type="button" class="secondary" disabled={loading || !hasNextPage} onClick={() => page(1)}>Next page</button>
          </nav>
        </section>
      )}
    </>
  );
}

function ReceiptCell({ entry, check }: { entry: AccessLogEntry; check: ReceiptCheck | null }) {
  if (check === null) return <span class="muted">Checking…</span>;
  if (check.state === 'none') return <span class="muted">No receipt</span>;
  const href = receiptDownload(entry);
  const name = `receipt-${(entry.occurredAt ?? '').replace(/[^0-9]/g, '').slice(0, 14)}.json`;
  return (
    <>
      {check.state === 'verified'
        ? <span class="verified" data-receipt="verified">Verified</span>
        : <span class="not-verified" data-receipt="not-verified">Not verified: {check.reason}</span>}
      {href && <> <a href={href} download={name}>Download receipt</a></>}
    </>
  );
}
