/** One event in full, in a modal dialog: who, what fields, which subjects, why, and where it sits in its chain. */
import { useEffect, useRef } from 'preact/hooks';
import { CodeAndName, List, Time } from '../components.js';
import { formatInstant, formatOrganisation, formatOutcome, formatPersonalNumber, formatPrincipalType, formatPurpose, formatSubject } from '../format.js';
import { t } from '../i18n/index.js';
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
        <h2 id="detail-heading">{t('detail.title', { time: formatInstant(event.occurredAt) })}</h2>
        <button type="button" class="secondary" onClick={() => dialog.current?.close()} autoFocus>{t('detail.close')}</button>
      </div>
      <section aria-labelledby="detail-who">
        <h3 id="detail-who">{t('detail.who')}</h3>
        <dl>
          <dt>{t('detail.principal')}</dt><dd>{formatPrincipalType(principal?.type)} <span class="mono">{formatSubject(principal?.type, principal?.subject)}</span></dd>
          <dt>{t('detail.organization')}</dt><dd>{principal?.organization ? formatOrganisation(principal.organization) : <span class="muted">{t('common.none')}</span>}</dd>
          {principal?.apiKeyId && <><dt>{t('detail.apiKey')}</dt><dd class="mono">{principal.apiKeyId}</dd></>}
          <dt>{t('detail.purpose')}</dt><dd>{event.purpose ? <CodeAndName code={event.purpose} name={formatPurpose(event.purpose)} /> : <span class="muted">{t('detail.noPurpose')}</span>}</dd>
          <dt>{t('detail.legalBasis')}</dt><dd>{event.legalBasis ?? <span class="muted">{t('detail.noneGiven')}</span>}</dd>
          <dt>{t('detail.caseReference')}</dt><dd>{event.caseReference ?? <span class="muted">{t('detail.noneGiven')}</span>}</dd>
          <dt>{t('detail.outcome')}</dt><dd><span class={`outcome outcome-${(event.outcome ?? '').toLowerCase()}`}>{formatOutcome(event.outcome)}</span></dd>
        </dl>
      </section>
      <section aria-labelledby="detail-what">
        <h3 id="detail-what">{t('detail.what')}</h3>
        <dl>
          <dt>{t('detail.subjects')}</dt><dd><List items={event.subjects} format={formatPersonalNumber} /></dd>
          <dt>{t('detail.subjectsWithheld')}</dt><dd><List items={event.subjectsWithheld} format={formatPersonalNumber} /></dd>
          <dt>{t('detail.subjectsRequested')}</dt><dd>{event.subjectsRequested === null
            ? <span class="muted">{t('detail.notRecorded')}</span>
            : <List items={event.subjectsRequested} format={formatPersonalNumber} />}</dd>
          <dt>{t('detail.fieldsRead')}</dt><dd class="mono"><List items={event.fieldsRead} /></dd>
          <dt>{t('detail.fieldsDenied')}</dt><dd class="mono"><List items={event.fieldsDenied} /></dd>
          <dt>{t('detail.fieldsMasked')}</dt><dd class="mono"><List items={event.fieldsMasked} /></dd>
          <dt>{t('detail.sourceErrors')}</dt><dd><List items={event.sourceErrors} /></dd>
          {event.subgraphs !== null && <><dt>{t('detail.subgraphs')}</dt><dd class="mono"><List items={event.subgraphs} /></dd></>}
        </dl>
      </section>
      <section aria-labelledby="detail-request">
        <h3 id="detail-request">{t('detail.request')}</h3>
        <dl>
          <dt>{t('detail.time')}</dt><dd><Time at={event.occurredAt} format={formatInstant} /> <span class="muted">({event.occurredAt})</span></dd>
          <dt>{t('detail.operation')}</dt><dd class="mono">{event.operationName ?? <span class="muted">{t('detail.anonymous')}</span>}</dd>
          <dt>{t('detail.requestId')}</dt><dd class="mono">{event.requestId}</dd>
          <dt>{t('detail.documentHash')}</dt><dd class="mono hash">{event.documentHash}</dd>
          <dt>{t('detail.documentText')}</dt><dd>{event.documentText === null
            ? <span class="muted">{t('detail.documentNotKept')}</span>
            : <pre class="document" tabIndex={0} aria-label={t('detail.documentText')}>{event.documentText}</pre>}</dd>
          <dt>{t('detail.eventId')}</dt><dd class="mono">{event.id}</dd>
          <dt>{t('detail.writer')}</dt><dd class="mono">{event.writer}</dd>
          <dt>{t('detail.seq')}</dt><dd>{event.seq}</dd>
          <dt>{t('detail.prevHash')}</dt><dd class="mono hash">{event.prevHash}</dd>
          <dt>{t('detail.hash')}</dt><dd class="mono hash">{event.hash}</dd>
        </dl>
      </section>
    </dialog>
  );
}
