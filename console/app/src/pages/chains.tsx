/** Is the access log intact? Runs `auditChains` (the same walk as `samgraf audit verify`) when the page opens. */
import { useEffect, useState } from 'preact/hooks';
import { ProblemAlert, TableScroll } from '../components.js';
import { formatInstant } from '../format.js';
import { codeName, plural, t, tx } from '../i18n/index.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import { AUDIT_CHAINS, type ChainBreak, type ChainReport } from '../queries.js';
import { navigate } from '../router.js';
import { purposeOf, request, type Session } from '../session.js';

/** A break: the event, when it happened, what is wrong in words, and the reason code `samgraf audit verify` names. */
function BreakDescription({ bad }: { bad: ChainBreak }) {
  // A reason the console has no words for yet is said in the server's own (English) words.
  const reason = bad.reason ? codeName('chainBreak', bad.reason, '') : '';
  return (
    <>
      <span class="mono">{bad.eventId}</span>
      {bad.occurredAt ? <> {t('chains.at', { time: formatInstant(bad.occurredAt) })}</> : null}: {reason || <span lang="en">{bad.message}</span>} <span class="muted">({bad.reason})</span>
    </>
  );
}

export function ChainsPage({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const [report, setReport] = useState<ChainReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function verify() {
    setLoading(true);
    setProblem(null);
    try {
      const result = await request(session, AUDIT_CHAINS, {});
      const failed = problemOf(result, { scope: 'audit:read', purpose: purposeOf(session.me) });
      if (failed || !result.data?.auditChains) {
        setReport(null);
        setProblem(failed ?? problemOf({ ...result, status: 500 }, {}));
        return;
      }
      setReport(result.data.auditChains);
    } catch (error) {
      setProblem(networkProblem(error));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void verify();
  }, []);

  // Every field of the report may be denied on its own (the SDL makes them nullable): none is none.
  const chains = report?.chains ?? [];
  const broken = report?.broken ?? [];
  const first = broken[0];
  return (
    <>
      <h1 tabIndex={-1}>{t('title.chains')}</h1>
      <p class="lead">{tx('chains.lead', { command: <code>samgraf audit verify</code> })}</p>
      <div class="actions">
        <button type="button" onClick={() => void verify()} disabled={loading}>{loading ? t('chains.verifying') : t('chains.verifyAgain')}</button>
      </div>
      <ProblemAlert problem={problem} onSignOut={onSignOut} />
      {report && report.ok && (
        <div class="verdict verdict-ok" role="status">
          <p><strong>{t('chains.intact')}</strong> {plural('chains.intactDetail', chains.length, { events: report.events ?? 0, count: chains.length, time: formatInstant(report.verifiedAt) })}</p>
        </div>
      )}
      {report && !report.ok && first && (
        <div class="verdict verdict-broken" role="alert">
          <p><strong>{t('chains.broken')}</strong> {t('chains.firstBad')} <BreakDescription bad={first} /></p>
          {first.occurredAt && (
            <button type="button" class="secondary" onClick={() => navigate('events', { open: first.eventId, at: first.occurredAt })}>
              {t('chains.showEvent', { id: first.eventId ?? '' })}
            </button>
          )}
          <p class="muted">{t('chains.brokenNote', { time: formatInstant(report.verifiedAt) })}</p>
        </div>
      )}
      {report && (
        <section aria-labelledby="chains-heading">
          <h2 id="chains-heading">{t('chains.heading')}</h2>
          <TableScroll label={t('chains.table')}>
            <table class="chains">
              <caption>{t('chains.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('chains.col.writer')}</th>
                  <th scope="col">{t('chains.col.status')}</th>
                  <th scope="col">{t('chains.col.events')}</th>
                  <th scope="col">{t('chains.col.headSeq')}</th>
                  <th scope="col">{t('chains.col.headHash')}</th>
                </tr>
              </thead>
              <tbody>
                {chains.map((chain) => (
                  <tr key={chain.writer}>
                    <td class="mono">{chain.writer}</td>
                    <td>{chain.ok ? <span class="outcome outcome-ok">{t('chains.ok')}</span>
                      : <><span class="outcome outcome-denied">{t('chains.bad')}</span>{chain.firstBadEvent ? <>: <BreakDescription bad={chain.firstBadEvent} /></> : null}</>}</td>
                    <td>{chain.events}</td>
                    <td>{chain.headSeq}</td>
                    <td class="mono hash">{chain.headHash}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {broken.length > 1 && (
            <>
              <h3>{t('chains.everyBreak')}</h3>
              <ul>{broken.map((bad) => <li key={bad.eventId}><BreakDescription bad={bad} /></li>)}</ul>
            </>
          )}
        </section>
      )}
    </>
  );
}
