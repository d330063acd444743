/**
 * The auditor's page: search the access log (personal number, organisation, principal, purpose, outcome, time),
 * page through the results, open an event, export the search as CSV. Filters are kept in this tab's
 * sessionStorage, never in the URL, because they may hold personal numbers.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { CodeAndName, List, ProblemAlert, TableScroll, Time } from '../components.js';
import { csvDocument, download } from '../csv.js';
import {
  formatInstant, formatOrganisation, formatOutcome, formatPersonalNumber, formatPrincipalType, formatPurpose, formatSubject, instantToStockholmInput,
  stockholmInputToInstant,
} from '../format.js';
import { plural, t, type PlainKey } from '../i18n/index.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import type { AuditOutcome } from '../generated.js';
import { AUDIT_EVENTS, type AuditEventConnection, type AuditEventNode, type AuditFilter } from '../queries.js';
import type { NavigationState } from '../router.js';
import { purposeOf, request, type Session } from '../session.js';
import { EventDetail } from './event-detail.js';

const OUTCOMES = ['OK', 'PARTIAL', 'DENIED', 'ERROR'] as const satisfies readonly AuditOutcome[];
const PAGE_SIZES = [20, 50, 100] as const;
/** An export pages through the search in the browser; past this many events, `samgraf audit export` is the tool. */
const EXPORT_LIMIT = 10_000;
const FORM_KEY = 'samgraf.console.events.form';

interface Form {
  subject: string;
  organization: string;
  principal: string;
  purpose: string;
  outcome: string;
  from: string;
  to: string;
  pageSize: number;
}

const EMPTY: Form = { subject: '', organization: '', principal: '', purpose: '', outcome: '', from: '', to: '', pageSize: 20 };

const PERSONAL_NUMBER = /^(\d{6}|\d{8})[-+]?\d{4}$/;

function savedForm(): Form {
  try {
    return { ...EMPTY, ...JSON.parse(sessionStorage.getItem(FORM_KEY) ?? '{}') as Partial<Form> };
  } catch {
    return EMPTY;
  }
}

/** Why a field cannot be read, as a key of the catalogue (said in the language of the moment). */
type Invalid = Partial<Record<keyof Form, PlainKey>>;

/** The form as the API's filter, and what in it cannot be read. */
function filterOf(form: Form): { filter: AuditFilter; invalid: Invalid } {
  const filter: AuditFilter = {};
  const invalid: Invalid = {};
  const subject = form.subject.trim();
  if (subject) {
    if (PERSONAL_NUMBER.test(subject)) filter.subject = subject;
    else invalid.subject = 'events.subject.invalid';
  }
  for (const key of ['organization', 'principal', 'purpose'] as const) {
    const value = form[key].trim();
    if (value) filter[key] = value;
  }
  const outcome = OUTCOMES.find((value) => value === form.outcome);
  if (outcome) filter.outcome = outcome;
  if (form.from.trim()) {
    const from = stockholmInputToInstant(form.from, false);
    if (from) filter.from = from;
    else invalid.from = 'events.dateTime.invalid';
  }
  if (form.to.trim()) {
    const to = stockholmInputToInstant(form.to, true);
    if (to) filter.to = to;
    else invalid.to = 'events.dateTime.invalid';
  }
  if (filter.from && filter.to && filter.from > filter.to) invalid.to = 'events.range.invalid';
  return { filter, invalid };
}

interface Results {
  events: AuditEventNode[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export function EventsPage({ session, state, onSignOut }: { session: Session; state: NavigationState; onSignOut(): void }) {
  const [form, setForm] = useState<Form>(savedForm);
  const [invalid, setInvalid] = useState<Invalid>({});
  const [applied, setApplied] = useState<{ filter: AuditFilter; pageSize: number } | null>(null);
  /** `after` of each page visited so far: going back pops one. */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [selected, setSelected] = useState<AuditEventNode | null>(null);
  /** The export's progress or result, said in the language of the moment; `running` while it pages. */
  const [exporting, setExporting] = useState<{ running: boolean; text(): string } | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const resultsHeading = useRef<HTMLHeadingElement>(null);
  const purpose = purposeOf(session.me);

  async function load(filter: AuditFilter, pageSize: number, after: string | null, open: string | null = null): Promise<void> {
    setLoading(true);
    setProblem(null);
    try {
      const result = await request(session, AUDIT_EVENTS, { filter, first: pageSize, after });
      const failed = problemOf(result, { scope: 'audit:read', purpose });
      if (failed || !result.data?.auditEvents) {
        setResults(null);
        setProblem(failed ?? problemOf({ ...result, status: 500 }, {}));
        return;
      }
      const connection = result.data.auditEvents;
      const events = connection.edges.map((edge) => edge.node).filter((node): node is AuditEventNode => node !== null);
      setResults({ events, hasNextPage: connection.pageInfo.hasNextPage, endCursor: connection.pageInfo.endCursor });
      if (open) setSelected(events.find((event) => event.id === open) ?? null);
    } catch (error) {
      setProblem(networkProblem(error));
    } finally {
      setLoading(false);
    }
  }

  function search(next: Form, open: string | null = null) {
    const { filter, invalid: problems } = filterOf(next);
    setInvalid(problems);
    if (Object.keys(problems).length > 0) return;
    sessionStorage.setItem(FORM_KEY, JSON.stringify(next));
    setApplied({ filter, pageSize: next.pageSize });
    setCursors([null]);
    void load(filter, next.pageSize, null, open);
  }

  // First visit: the saved search, or the event the chain page pointed at (found by its exact time).
  useEffect(() => {
    const open = typeof state?.open === 'string' ? state.open : null;
    const at = typeof state?.at === 'string' ? state.at : null;
    if (open && at) {
      const local = instantToStockholmInput(at);
      const next = { ...EMPTY, pageSize: form.pageSize, from: local, to: local };
      setForm(next);
      search(next, open);
    } else {
      search(form);
    }
  }, []);

  const field = (key: keyof Form) => ({
    id: `f-${key}`,
    name: key,
    value: String(form[key]),
    'aria-invalid': invalid[key] ? true : undefined,
    'aria-describedby': [`f-${key}-hint`, invalid[key] ? `f-${key}-error` : ''].filter(Boolean).join(' ') || undefined,
    onInput: (event: Event) => setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement).value }),
  });
  const error = (key: keyof Form) => invalid[key] && <p id={`f-${key}-error`} class="field-error">{t(invalid[key])}</p>;

  function page(direction: 1 | -1) {
    if (!applied || !results) return;
    const next = direction === 1 ? [...cursors, results.endCursor] : cursors.slice(0, -1);
    setCursors(next);
    void load(applied.filter, applied.pageSize, next.at(-1) ?? null).then(() => resultsHeading.current?.focus());
  }

  async function exportCsv() {
    if (!applied) return;
    const all: AuditEventNode[] = [];
    let after: string | null = null;
    setExporting({ running: true, text: () => t('events.exporting') });
    try {
      for (;;) {
        const result = await request(session, AUDIT_EVENTS, { filter: applied.filter, first: 100, after });
        const failed = problemOf(result, { scope: 'audit:read', purpose });
        if (failed || !result.data?.auditEvents) {
          setProblem(failed ?? problemOf({ ...result, status: 500 }, {}));
          setExporting(null);
          return;
        }
        const connection: AuditEventConnection = result.data.auditEvents;
        all.push(...connection.edges.map((edge) => edge.node).filter((node): node is AuditEventNode => node !== null));
        const sofar = all.length;
        setExporting({ running: true, text: () => t('events.exportingSoFar', { count: sofar }) });
        if (!connection.pageInfo.hasNextPage || all.length >= EXPORT_LIMIT) {
          const truncated = connection.pageInfo.hasNextPage;
          const rows = all.slice(0, EXPORT_LIMIT);
          const stamp = formatInstant(new Date().toISOString()).slice(0, 19).replace(/[-: ]/g, '').replace(/^(\d{8})/, '$1-');
          download(`samgraf-access-log-${stamp}.csv`, csvDocument(rows));
          setExporting({ running: false, text: () => (truncated ? t('events.exportTruncated', { count: rows.length }) : plural('events.exported', rows.length, { count: rows.length })) });
          return;
        }
        after = connection.pageInfo.endCursor;
      }
    } catch (caught) {
      setProblem(networkProblem(caught));
      setExporting(null);
    }
  }

  const openDetail = (event: AuditEventNode, target: EventTarget | null) => {
    opener.current = target as HTMLElement | null;
    setSelected(event);
  };
  const closeDetail = () => {
    setSelected(null);
    opener.current?.focus();
  };

  const pageNumber = cursors.length;
  return (
    <>
      <h1 tabIndex={-1}>{t('title.events')}</h1>
      <p class="lead">{t('events.lead')}</p>
      <form class="panel filters" onSubmit={(event) => { event.preventDefault(); search(form); }} aria-labelledby="search-heading" noValidate>
        <h2 id="search-heading">{t('events.search.heading')}</h2>
        <div class="grid">
          <div class="field">
            <label for="f-subject">{t('events.subject.label')}</label>
            <p class="hint" id="f-subject-hint">{t('events.subject.hint')}</p>
            <input type="text" inputMode="numeric" autoComplete="off" {...field('subject')} />
            {error('subject')}
          </div>
          <div class="field">
            <label for="f-organization">{t('events.organization.label')}</label>
            <p class="hint" id="f-organization-hint">{t('events.organization.hint')}</p>
            <input type="text" autoComplete="off" {...field('organization')} />
          </div>
          <div class="field">
            <label for="f-principal">{t('events.principal.label')}</label>
            <p class="hint" id="f-principal-hint">{t('events.principal.hint')}</p>
            <input type="text" autoComplete="off" {...field('principal')} />
          </div>
          <div class="field">
            <label for="f-purpose">{t('events.purpose.label')}</label>
            <p class="hint" id="f-purpose-hint">{t('events.purpose.hint')}</p>
            <input type="text" autoComplete="off" {...field('purpose')} />
          </div>
          <div class="field">
            <label for="f-outcome">{t('events.outcome.label')}</label>
            <p class="hint" id="f-outcome-hint">{t('events.outcome.hint')}</p>
            <select {...field('outcome')} onChange={(event) => setForm({ ...form, outcome: event.currentTarget.value })}>
              <option value="">{t('events.outcome.any')}</option>
              {OUTCOMES.map((outcome) => <option key={outcome} value={outcome}>{formatOutcome(outcome)}</option>)}
            </select>
          </div>
          {/* Text, not a native date-time input: that shows the browser's own order (US order in an en-US browser). */}
          <div class="field">
            <label for="f-from">{t('events.from.label')}</label>
            <p class="hint" id="f-from-hint">{t('events.from.hint')}</p>
            <input type="text" autoComplete="off" spellcheck={false} placeholder={t('common.dateTime.placeholder')} {...field('from')} />
            {error('from')}
          </div>
          <div class="field">
            <label for="f-to">{t('events.to.label')}</label>
            <p class="hint" id="f-to-hint">{t('events.to.hint')}</p>
            <input type="text" autoComplete="off" spellcheck={false} placeholder={t('common.dateTime.placeholder')} {...field('to')} />
            {error('to')}
          </div>
          <div class="field">
            <label for="f-pageSize">{t('events.pageSize.label')}</label>
            <p class="hint" id="f-pageSize-hint">{t('events.pageSize.hint')}</p>
            <select {...field('pageSize')} onChange={(event) => setForm({ ...form, pageSize: Number(event.currentTarget.value) })}>
              {PAGE_SIZES.map((size) => <option key={size} value={size}>{size}</option>)}
            </select>
          </div>
        </div>
        <div class="actions">
          <button type="submit" disabled={loading}>{t('events.submit')}</button>
          <button type="button" class="secondary" onClick={() => { setForm(EMPTY); search(EMPTY); }}>{t('events.clear')}</button>
        </div>
      </form>

      <ProblemAlert problem={problem} onSignOut={onSignOut} />

      {results && (
        <section aria-labelledby="results-heading" aria-busy={loading ? 'true' : 'false'}>
          <h2 id="results-heading" ref={resultsHeading} tabIndex={-1}>{t('events.results.heading')}</h2>
          <p role="status" class="status">
            {loading ? t('events.searching')
              : results.events.length === 0 ? t('events.noResults')
                : plural('events.page', results.events.length, { page: pageNumber, count: results.events.length, more: results.hasNextPage ? t('events.more') : '' })}
          </p>
          {results.events.length > 0 && (
            <TableScroll label={t('events.table')}>
              <table class="events">
                <caption>{t('events.caption', { page: pageNumber })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('events.col.time')}</th>
                    <th scope="col">{t('events.col.principal')}</th>
                    <th scope="col">{t('events.col.organization')}</th>
                    <th scope="col">{t('events.col.purpose')}</th>
                    <th scope="col">{t('events.col.outcome')}</th>
                    <th scope="col">{t('events.col.subjects')}</th>
                    <th scope="col">{t('events.col.event')}</th>
                  </tr>
                </thead>
                <tbody>
                  {results.events.map((event) => (
                    <tr key={event.id} data-event-id={event.id}>
                      <td class="nowrap"><Time at={event.occurredAt} format={formatInstant} /></td>
                      <td>{formatPrincipalType(event.principal?.type)} <span class="mono nowrap">{formatSubject(event.principal?.type, event.principal?.subject)}</span></td>
                      <td>{formatOrganisation(event.principal?.organization)}</td>
                      <td>{event.purpose ? <CodeAndName code={event.purpose} name={formatPurpose(event.purpose)} /> : <span class="muted">{t('common.none')}</span>}</td>
                      <td><span class={`outcome outcome-${(event.outcome ?? '').toLowerCase()}`}>{formatOutcome(event.outcome)}</span></td>
                      <td class="subjects"><List items={event.subjects} format={formatPersonalNumber} /></td>
                      <td><button type="button" class="link-button" aria-label={t('events.detailsOf', { time: formatInstant(event.occurredAt) })}
                        onClick={(click) => openDetail(event, click.currentTarget)}>{t('events.details')}</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          <nav aria-label={t('common.resultPages')} class="pager">
            <button type="button" class="secondary" disabled={loading || pageNumber === 1} onClick={() => page(-1)}>{t('common.previousPage')}</button>
            <button type="button" class="secondary" disabled={loading || !results.hasNextPage} onClick={() => page(1)}>{t('common.nextPage')}</button>
          </nav>
          <div class="export">
            <button type="button" disabled={results.events.length === 0 || (exporting?.running ?? false)} onClick={() => void exportCsv()}>{t('events.export')}</button>
            <p role="status" class="status">{exporting?.text() ?? ''}</p>
          </div>
        </section>
      )}
      {selected && <EventDetail event={selected} onClose={closeDetail} />}
    </>
  );
}
