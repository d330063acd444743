/** Is the access log intact? Runs `auditChains` (the same walk as `samgraf audit verify`) when the page opens. */
import { useEffect, useState } from 'preact/hooks';
import { ProblemAlert, TableScroll } from '../components.js';
import { formatInstant } from '../format.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import { AUDIT_CHAINS, type ChainBreak, type ChainReport } from '../queries.js';
import { navigate } from '../router.js';
import { purposeOf, request, type Session } from '../session.js';

function BreakDescription({ bad }: { bad: ChainBreak }) {
  return (
    <>
      <span class="mono">{bad.eventId}</span>
      {bad.occurredAt ? <> at {formatInstant(bad.occurredAt)}</> : null}: {bad.message} <span class="muted">({bad.reason})</span>
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
      <h1 tabIndex={-1}>Chain verification</h1>
      <p class="lead">
        Each samgraf instance writes its own hash chain of access-log events. Verification recomputes every hash and
        checks every link, as <code>samgraf audit verify</code> does: any edit, deletion, insertion or reordering
        shows here, with the first bad event.
      </p>
      <div class="actions">
        <button type="button" onClick={() => void verify()} disabled={loading}>{loading ? 'Verifying…' : 'Verify again'}</button>
      </div>
      <ProblemAlert problem={problem} onSignOut={onSignOut} />
      {report && report.ok && (
        <div class="verdict verdict-ok" role="status">
          <p><strong>The access log is intact.</strong> {report.events} events in {chains.length} chain{chains.length === 1 ? '' : 's'} verified at {formatInstant(report.verifiedAt)}.</p>
        </div>
      )}
      {report && !report.ok && first && (
        <div class="verdict verdict-broken" role="alert">
          <p><strong>The access log is NOT intact.</strong> First bad event: <BreakDescription bad={first} /></p>
          {first.occurredAt && (
            <button type="button" class="secondary" onClick={() => navigate('events', { open: first.eventId, at: first.occurredAt })}>
              Show event {first.eventId}
            </button>
          )}
          <p class="muted">Verified at {formatInstant(report.verifiedAt)}. Events after the first bad one in a chain are not checked until it is resolved.</p>
        </div>
      )}
      {report && (
        <section aria-labelledby="chains-heading">
          <h2 id="chains-heading">Chains</h2>
          <TableScroll label="Chains (scrolls sideways)">
            <table class="chains">
              <caption>One row per writer (samgraf instance). Record the heads elsewhere to detect a later rewrite.</caption>
              <thead>
                <tr>
                  <th scope="col">Writer</th>
                  <th scope="col">Status</th>
                  <th scope="col">Events verified</th>
                  <th scope="col">Head (seq)</th>
                  <th scope="col">Head hash</th>
                </tr>
              </thead>
              <tbody>
                {chains.map((chain) => (
                  <tr key={chain.writer}>
                    <td class="mono">{chain.writer}</td>
                    <td>{chain.ok ? <span class="outcome outcome-ok">Intact</span>
                      : <><span class="outcome outcome-denied">Broken</span> at {chain.firstBadEvent ? <BreakDescription bad={chain.firstBadEvent} /> : null}</>}</td>
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
              <h3>Every break, earliest first</h3>
              <ul>{broken.map((bad) => <li key={bad.eventId}><BreakDescription bad={bad} /></li>)}</ul>
            </>
          )}
        </section>
      )}
    </>
  );
}
