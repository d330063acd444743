/** A citizen's own page: which organisations read their data, when, why and what — never which officer. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { CodeAndName, ProblemAlert, TableScroll, Time } from '../components.js';
import { formatCategory, formatMinute, formatOrganisation, formatPersonalNumber, formatPurpose, parseDateInput } from '../format.js';
import { plural, t, tx, type PlainKey } from '../i18n/index.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import { MY_ACCESS_LOG, type AccessLogEntry } from '../queries.js';
import { request, type Session } from '../session.js';
import { checkReceipt, receiptDownload, type NotVerifiedReason, type ReceiptCheck } from '../receipts.js';

const PAGE_SIZE = 20;

type Range = { from: string | null; to: string | null };

/** The typed dates as the API's range, and what in them cannot be read (as catalogue keys). */
function rangeOf(from: string, to: string): { range: Range; invalid: { from?: PlainKey; to?: PlainKey } } {
  const range: Range = { from: from.trim() ? parseDateInput(from) : null, to: to.trim() ? parseDateInput(to) : null };
  const invalid: { from?: PlainKey; to?: PlainKey } = {};
  if (from.trim() && !range.from) invalid.from = 'myLog.date.invalid';
  if (to.trim() && !range.to) invalid.to = 'myLog.date.invalid';
  else if (range.from && range.to && range.from > range.to) invalid.to = 'myLog.range.invalid';
  return { range, invalid };
}

export function MyLogPage({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [invalid, setInvalid] = useState<{ from?: PlainKey; to?: PlainKey }>({});
  const [applied, setApplied] = useState<Range>({ from: null, to: null });
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [entries, setEntries] = useState<AccessLogEntry[] | null>(null);
  const [hasNextPage, setHasNextPage] = useState(false);
  const [endCursor, setEndCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [checks, setChecks] = useState<(ReceiptCheck | null)[]>([]);
  const resultsHeading = useRef<HTMLHeadingElement>(null);

  async function load(range: Range, after: string | null) {
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
      void Promise.all(shown.map((entry) => checkReceipt(entry).catch((): ReceiptCheck => ({ state: 'not-verified', reason: 'failed' })))).then(setChecks);
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
    const { range, invalid: problems } = rangeOf(from, to);
    setInvalid(problems);
    if (problems.from || problems.to) return;
    setApplied(range);
    setCursors([null]);
    void load(range, null);
  };
  const page = (direction: 1 | -1) => {
    const next = direction === 1 ? [...cursors, endCursor] : cursors.slice(0, -1);
    setCursors(next);
    void load(applied, next.at(-1) ?? null).then(() => resultsHeading.current?.focus());
  };

  // A text field, not a native date input: that shows the browser's own order (US order in an en-US browser).
  const dateField = (key: 'from' | 'to', value: string, set: (value: string) => void) => (
    <div class="field">
      <label for={`m-${key}`}>{t(key === 'from' ? 'myLog.from.label' : 'myLog.to.label')}</label>
      <p class="hint" id={`m-${key}-hint`}>{t('myLog.date.hint')}</p>
      <input id={`m-${key}`} name={key} type="text" autoComplete="off" spellcheck={false} placeholder={t('common.date.placeholder')} value={value}
        aria-invalid={invalid[key] ? true : undefined} aria-describedby={`m-${key}-hint${invalid[key] ? ` m-${key}-error` : ''}`}
        onInput={(event) => set(event.currentTarget.value)} />
      {invalid[key] && <p id={`m-${key}-error`} class="field-error">{t(invalid[key])}</p>}
    </div>
  );

  return (
    <>
      <h1 tabIndex={-1}>{t('title.my-log')}</h1>
      <p class="lead">{tx('myLog.lead', { person: <span class="mono">{formatPersonalNumber(session.me.subject)}</span> })}</p>
      <p>{t('myLog.receipts')}</p>
      <form class="panel filters" onSubmit={submit} aria-labelledby="range-heading" noValidate>
        <h2 id="range-heading">{t('myLog.range.heading')}</h2>
        <div class="grid">
          {dateField('from', from, setFrom)}
          {dateField('to', to, setTo)}
        </div>
        <div class="actions"><button type="submit" disabled={loading}>{t('myLog.submit')}</button></div>
      </form>
      <ProblemAlert problem={problem} onSignOut={onSignOut} />
      {entries && (
        <section aria-labelledby="reads-heading" aria-busy={loading ? 'true' : 'false'}>
          <h2 id="reads-heading" ref={resultsHeading} tabIndex={-1}>{t('myLog.reads.heading')}</h2>
          <p role="status" class="status">
            {loading ? t('myLog.loading') : entries.length === 0 ? t('myLog.none')
              : plural('myLog.page', entries.length, { page: cursors.length, count: entries.length, more: hasNextPage ? t('myLog.more') : '' })}
          </p>
          {entries.length > 0 && (
            <TableScroll label={t('myLog.table')}>
              <table class="my-log">
                <caption>{t('myLog.caption', { page: cursors.length })}. {t('myLog.timeNote')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('myLog.col.when')}</th>
                    <th scope="col">{t('myLog.col.organization')}</th>
                    <th scope="col">{t('myLog.col.why')}</th>
                    <th scope="col">{t('myLog.col.what')}</th>
                    <th scope="col">{t('myLog.col.proof')}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry, index) => (
                    <tr key={`${entry.occurredAt}-${index}`}>
                      <td class="nowrap"><Time at={entry.occurredAt} format={formatMinute} /></td>
                      <td>{formatOrganisation(entry.organization)}</td>
                      <td>{entry.purpose ? <CodeAndName code={entry.purpose} name={formatPurpose(entry.purpose)} /> : null}</td>
                      <td>{(entry.dataCategories ?? []).map(formatCategory).join(', ')}</td>
                      <td class="receipt"><ReceiptCell entry={entry} check={checks[index] ?? null} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          <nav aria-label={t('common.resultPages')} class="pager">
            <button type="button" class="secondary" disabled={loading || cursors.length === 1} onClick={() => page(-1)}>{t('common.previousPage')}</button>
            <button type="button" class="secondary" disabled={loading || !hasNextPage} onClick={() => page(1)}>{t('common.nextPage')}</button>
          </nav>
        </section>
      )}
    </>
  );
}

const REASONS: Readonly<Record<Exclude<NotVerifiedReason, object>, PlainKey>> = {
  'no-key': 'receipt.reason.noKey',
  'not-json': 'receipt.reason.notJson',
  'other-entry': 'receipt.reason.otherEntry',
  failed: 'receipt.reason.failed',
};

/** Why a receipt did not verify; the verifier's own words are English, and marked so. */
function ReasonText({ reason }: { reason: NotVerifiedReason }) {
  if (typeof reason === 'object') return <>{tx('receipt.reason.proof', { detail: <span lang="en">{reason.proof}</span> })}</>;
  return <>{t(REASONS[reason])}</>;
}

function ReceiptCell({ entry, check }: { entry: AccessLogEntry; check: ReceiptCheck | null }) {
  if (check === null) return <span class="muted">{t('receipt.checking')}</span>;
  if (check.state === 'none') return <span class="muted">{t('receipt.none')}</span>;
  const href = receiptDownload(entry);
  const name = `receipt-${(entry.occurredAt ?? '').replace(/[^0-9]/g, '').slice(0, 14)}.json`;
  return (
    <>
      {check.state === 'verified'
        ? <span class="verified" data-receipt="verified">{t('receipt.verified')}</span>
        : <span class="not-verified" data-receipt="not-verified">{tx('receipt.notVerified', { reason: <ReasonText reason={check.reason} /> })}</span>}
      {href && <> <a href={href} download={name}>{t('receipt.download')}</a></>}
    </>
  );
}
