/** One event in full, in a modal dialog: who, what fields, which subjects, why, and where it sits in its chain. */
import { useEffect, useRef } from 'preact/hooks';
import { List } from '../components.js';
import { formatInstant, formatPersonalNumber, formatSubject } from '../format.js';
import type { AuditEventNode } from '../queries.js';

export function EventDetail({ event, onClose }: { event: AuditEventNode; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  const principal = event.principal;
  return (
    <dialog ref={dialog} class="detail" aria-labelledby="detail-heading" onClose={onClose}>
      <div class="detail-head">
        <h2 id="detail-heading">Event {formatInstant(event.occurredAt)}</h2>
        <button type="button" class="secondary" onClick={() => dialog.current?.close()} autoFocus>Close</button>
      </div>
      <section aria-labelledby="detail-who">
        <h3 id="detail-who">Who and why</h3>
        <dl>
          <dt>Principal</dt><dd>{principal?.type} <span class="mono">{formatSubject(principal?.type, principal?.subject)}</span></dd>
          <dt>Organisation</dt><dd>{principal?.organization ?? <span class="muted">none</span>}</dd>
          {principal?.apiKeyId && <><dt>API key</dt><dd class="mono">{principal.apiKeyId}</dd></>}
          <dt>Purpose</dt><dd>{event.purpose ?? <span class="muted">none stated</span>}</dd>
          <dt>Legal basis</dt><dd>{event.legalBasis ?? <span class="muted">none given</span>}</dd>
          <dt>Case reference</dt><dd>{event.caseReference ?? <span class="muted">none given</span>}</dd>
          <dt>Outcome</dt><dd><span class={`outcome outcome-${(event.outcome ?? '').toLowerCase()}`}>{event.outcome}</span></dd>
        </dl>
      </section>
      <section aria-labelledby="detail-what">
        <h3 id="detail-what">Whose data and which fields</h3>
        <dl>
          <dt>Subjects (data returned)</dt><dd><List items={event.subjects} format={formatPersonalNumber} /></dd>
          <dt>Subjects withheld</dt><dd><List items={event.subjectsWithheld} format={formatPersonalNumber} /></dd>
          <dt>Subjects asked for</dt><dd>{event.subjectsRequested === null
            ? <span class="muted">not recorded (an older event)</span>
            : <List items={event.subjectsRequested} format={formatPersonalNumber} />}</dd>
          <dt>Fields read</dt><dd class="mono"><List items={event.fieldsRead} /></dd>
          <dt>Fields denied</dt><dd class="mono"><List items={event.fieldsDenied} /></dd>
          <dt>Fields masked</dt><dd class="mono"><List items={event.fieldsMasked} /></dd>
          <dt>Sources that failed</dt><dd><List items={event.sourceErrors} /></dd>
          {event.subgraphs !== null && <><dt>Subgraphs asked (federation gateway)</dt><dd class="mono"><List items={event.subgraphs} /></dd></>}
        </dl>
      </section>
      <section aria-labelledby="detail-request">
        <h3 id="detail-request">Request and chain position</h3>
        <dl>
          <dt>Time</dt><dd>{formatInstant(event.occurredAt)} <span class="muted">({event.occurredAt})</span></dd>
          <dt>Operation</dt><dd class="mono">{event.operationName ?? <span class="muted">anonymous</span>}</dd>
          <dt>Request id</dt><dd class="mono">{event.requestId}</dd>
          <dt>Document hash</dt><dd class="mono hash">{event.documentHash}</dd>
          <dt>Event id</dt><dd class="mono">{event.id}</dd>
          <dt>Chain (writer)</dt><dd class="mono">{event.writer}</dd>
          <dt>Position in chain</dt><dd>{event.seq}</dd>
          <dt>Previous hash</dt><dd class="mono hash">{event.prevHash}</dd>
          <dt>Hash</dt><dd class="mono hash">{event.hash}</dd>
        </dl>
      </section>
    </dialog>
  );
}
