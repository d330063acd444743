/**
 * One finding of the follow-up: which rule flagged which read, why (the server's explanation), whose data, and
 * what reviewers said of it. A holder of `audit:review` also gets the form that records a verdict; the server
 * checks the scope again, the form only spares everyone else a button that would be refused.
 */
import { useState } from 'preact/hooks';
import { CodeAndName, List, ProblemAlert, Time } from '../components.js';
import {
  formatFindingKind, formatInstant, formatOrganisation, formatPersonalNumber, formatPrincipalType, formatPurpose, formatScore, formatSubject, formatVerdict,
} from '../format.js';
import type { FindingVerdict } from '../generated.js';
import { t, type PlainKey } from '../i18n/index.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import { REVIEW_FINDING, type Finding, type FindingReview } from '../queries.js';
import { purposeOf, request, type Session } from '../session.js';

const VERDICTS = ['JUSTIFIED', 'UNJUSTIFIED', 'NEEDS_FOLLOW_UP'] as const satisfies readonly FindingVerdict[];

/** The most a note holds, in characters (the server counts code points, as `[...text]` does). */
const MAX_NOTE_CHARS = 2000;

function reviewer(review: FindingReview): string {
  const who = review.reviewer ?? '';
  // The organisation's name ends in its code in brackets: a comma, not more brackets, sets it off.
  return review.reviewerOrganization ? `${who}, ${formatOrganisation(review.reviewerOrganization)}` : who;
}

/** A review in a line: the verdict, who gave it and when, and the note under it. */
function ReviewText({ review }: { review: FindingReview }) {
  return (
    <>
      <span class={`verdict-${(review.verdict ?? '').toLowerCase()}`}>
        {t('followUp.reviewBy', { verdict: formatVerdict(review.verdict), who: reviewer(review), time: formatInstant(review.at) })}
      </span>
      {review.note && <span class="review-note">{review.note}</span>}
    </>
  );
}

export function FindingCard({ finding, index, session, canReview, onOpenEvent, onReviewed }: {
  finding: Finding;
  /** Its place on the page: ids of its parts are unique by it. */
  index: number;
  session: Session;
  canReview: boolean;
  onOpenEvent(finding: Finding, opener: HTMLElement): void;
  onReviewed(id: string, reviews: Pick<Finding, 'review' | 'reviews'>): void;
}) {
  const event = finding.event;
  const principal = event?.principal;
  const reviews = finding.reviews ?? [];
  const kind = formatFindingKind(finding.kind);
  const heading = `finding-${index}-heading`;
  return (
    <article class="finding panel" aria-labelledby={heading} data-finding-id={finding.id} data-kind={finding.kind}>
      <h3 id={heading}>{kind} <span class="score">{t('followUp.score', { score: formatScore(finding.score) })}</span></h3>
      <dl>
        <dt>{t('followUp.why')}</dt><dd class="explanation" lang="en">{finding.explanation}</dd>
        <dt>{t('followUp.time')}</dt><dd><Time at={event?.occurredAt} format={formatInstant} /></dd>
        <dt>{t('followUp.reader')}</dt>
        <dd>{formatPrincipalType(principal?.type)} <span class="mono">{formatSubject(principal?.type, principal?.subject)}</span>
          {principal?.organization ? <>, {formatOrganisation(principal.organization)}</> : null}</dd>
        <dt>{t('followUp.purpose')}</dt>
        <dd>{event?.purpose ? <CodeAndName code={event.purpose} name={formatPurpose(event.purpose)} /> : <span class="muted">{t('followUp.noPurpose')}</span>}</dd>
        <dt>{t('followUp.persons')}</dt><dd class="mono"><List items={finding.subjects} format={formatPersonalNumber} /></dd>
        <dt>{t('followUp.review')}</dt>
        <dd class="review">{finding.review ? <ReviewText review={finding.review} /> : <span class="muted">{t('followUp.notReviewed')}</span>}</dd>
      </dl>
      {reviews.length > 1 && (
        <details class="history">
          <summary>{t('followUp.history', { count: reviews.length })}</summary>
          <ol>{reviews.map((review, n) => <li key={n}><ReviewText review={review} /></li>)}</ol>
        </details>
      )}
      <div class="actions">
        {event && (
          <button type="button" class="secondary" aria-label={t('followUp.openEventOf', { kind, time: formatInstant(event.occurredAt) })}
            onClick={(click) => onOpenEvent(finding, click.currentTarget)}>{t('followUp.openEvent')}</button>
        )}
      </div>
      {canReview && finding.id && <ReviewForm id={finding.id} index={index} session={session} onReviewed={onReviewed} />}
    </article>
  );
}

function ReviewForm({ id, index, session, onReviewed }: { id: string; index: number; session: Session; onReviewed: (id: string, reviews: Pick<Finding, 'review' | 'reviews'>) => void }) {
  const [verdict, setVerdict] = useState<FindingVerdict | null>(null);
  const [note, setNote] = useState('');
  const [invalid, setInvalid] = useState<{ verdict?: PlainKey; note?: PlainKey }>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const prefix = `review-${index}`;

  async function submit(event: Event) {
    event.preventDefault();
    const problems: { verdict?: PlainKey; note?: PlainKey } = {};
    if (!verdict) problems.verdict = 'followUp.review.verdictMissing';
    if ([...note.trim()].length > MAX_NOTE_CHARS) problems.note = 'followUp.review.noteTooLong';
    setInvalid(problems);
    setSaved(false);
    if (!verdict || problems.note) return;
    setSaving(true);
    setProblem(null);
    try {
      const result = await request(session, REVIEW_FINDING, { id, verdict, note: note.trim() || null });
      const failed = problemOf(result, { scope: 'audit:review', purpose: purposeOf(session.me) });
      if (failed || !result.data?.reviewFinding) {
        setProblem(failed ?? problemOf({ ...result, status: 500 }, {}));
        return;
      }
      const { review, reviews } = result.data.reviewFinding;
      onReviewed(id, { review, reviews });
      setVerdict(null);
      setNote('');
      setSaved(true);
    } catch (caught) {
      setProblem(networkProblem(caught));
    } finally {
      setSaving(false);
    }
  }

  return (
    <details class="review-form">
      <summary>{t('followUp.review.open')}</summary>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <fieldset aria-describedby={invalid.verdict ? `${prefix}-verdict-error` : undefined}>
          <legend>{t('followUp.review.verdict')}</legend>
          {VERDICTS.map((value) => (
            <label key={value} class="choice">
              <input type="radio" name={`${prefix}-verdict`} value={value} checked={verdict === value} onChange={() => setVerdict(value)} /> {formatVerdict(value)}
            </label>
          ))}
          {invalid.verdict && <p id={`${prefix}-verdict-error`} class="field-error" role="alert">{t(invalid.verdict)}</p>}
        </fieldset>
        <div class="field">
          <label for={`${prefix}-note`}>{t('followUp.review.note.label')}</label>
          <p class="hint" id={`${prefix}-note-hint`}>{t('followUp.review.note.hint')}</p>
          <textarea id={`${prefix}-note`} rows={3} maxLength={MAX_NOTE_CHARS} value={note} onInput={(input) => setNote(input.currentTarget.value)}
            aria-invalid={invalid.note ? true : undefined} aria-describedby={`${prefix}-note-hint${invalid.note ? ` ${prefix}-note-error` : ''}`} />
          {invalid.note && <p id={`${prefix}-note-error`} class="field-error" role="alert">{t(invalid.note)}</p>}
        </div>
        <ProblemAlert problem={problem} />
        <div class="actions">
          <button type="submit" disabled={saving}>{saving ? t('followUp.review.saving') : t('followUp.review.submit')}</button>
          <p role="status" class="status">{saved ? t('followUp.review.saved') : ''}</p>
        </div>
      </form>
    </details>
  );
}
