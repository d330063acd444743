/**
 * The auditor's page: search the access log (personal number, organisation, principal, purpose, outcome, time),
 * page through the results, open an event, export the search as CSV. Filters are kept in this tab's
 * sessionStorage, never in the URL, because they may hold personal numbers.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { List, ProblemAlert, TableScroll } from '../components.js';
import { csvDocument, download } from '../csv.js';
import { formatInstant, formatPersonalNumber, formatSubject, instantToStockholmInput, stockholmInputToInstant } from '../format.js';
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

/** The form as the API's filter; null with a message when an input cannot be read. */
function filterOf(form: Form): { filter: AuditFilter; invalid: Partial<Record<keyof Form, string>> } {
  const filter: AuditFilter = {};
  const invalid: Partial<Record<keyof Form, string>> = {};
  const subject = form.subject.trim();
  if (subject) {
    if (PERSONAL_NUMBER.test(subject)) filter.subject = subject;
    else invalid.subject = 'Enter 10 or 12 digits, with or without - or + before the last four.';
  }
  for (const key of ['organization', 'principal', 'purpose'] as const) {
    const value = form[key].trim();
    if (value) filter[key] = value;
  }
  const outcome = OUTCOMES.find((value) => value === form.outcome);
  if (outcome) filter.outcome = outcome;
  if (form.from) {
    const from = stockholmInputToInstant(form.from, false);
    if (from) filter.from = from;
    else invalid.from = 'Enter a date and time.';
  }
  if (form.to) {
    const to = stockholmInputToInstant(form.to, true);
    if (to) filter.to = to;
    else invalid.to = 'Enter a date and time.';
  }
  if (filter.from && filter.to && filter.from > filter.to) invalid.to = 'The end of the range is before its start.';
  return { filter, invalid };
}

interface Results {
  events: AuditEventNode[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export function EventsPage({ session, state, onSignOut }: { session: Session; state: NavigationState; onSignOut(): void }) {
  const [form, setForm] = useState<Form>(savedForm);
  const [invalid, setInvalid] = useState<Partial<Record<keyof Form, string>>>({});
  const [applied, setApplied] = useState<{ filter: AuditFilter; pageSize: number } | null>(null);
  /** `after` of each page visited so far: going back pops one. */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [selected, setSelected] = useState<AuditEventNode | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);
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
  const error = (key: keyof Form) => invalid[key] && <p id={`f-${key}-error`} class="field-error">{invalid[key]}</p>;

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
    setExporting('Exporting…');
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
        setExporting(`Exporting… ${all.length} events so far`);
        if (!connection.pageInfo.hasNextPage || all.length >= EXPORT_LIMIT) {
          const truncated = connection.pageInfo.hasNextPage;
          const rows = all.slice(0, EXPORT_LIMIT);
          const stamp = formatInstant(new Date().toISOString()).slice(0, 19).replace(/[-: ]/g, '').replace(/^(\d{8})/, '$1-');
          download(`samgraf-access-log-${stamp}.csv`, csvDocument(rows));
          setExporting(truncated
            ? `Exported the newest ${rows.length} events; the search has more. Narrow it, or use samgraf audit export.`
            : `Exported ${rows.length} event${rows.length === 1 ? '' : 's'} as CSV.`);
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
      <h1 tabIndex={-1}>Access-log events</h1>
      <p class="lead">Every request that read — or was refused — personal data. Times are Swedish time (Europe/Stockholm).</p>
      <form class="panel filters" onSubmit={(event) => { event.preventDefault(); search(form); }} aria-labelledby="search-heading" noValidate>
        <h2 id="search-heading">Search</h2>
        <div class="grid">
          <div class="field">
            <label for="f-subject">Personal number</label>
            <p class="hint" id="f-subject-hint">Events that returned this person's data. 10 or 12 digits.</p>
            <input type="text" inputMode="numeric" autoComplete="off" {...field('subject')} />
            {error('subject')}
          </div>
          <div class="field">
            <label for="f-organization">Organisation</label>
            <p class="hint" id="f-organization-hint">The reader's organisation code, e.g. FK, AF or 0180.</p>
            <input type="text" autoComplete="off" {...field('organization')} />
          </div>
          <div class="field">
            <label for="f-principal">Principal</label>
            <p class="hint" id="f-principal-hint">Officer id, API key id, or a citizen's personal number.</p>
            <input type="text" autoComplete="off" {...field('principal')} />
          </div>
          <div class="field">
            <label for="f-purpose">Purpose</label>
            <p class="hint" id="f-purpose-hint">The stated purpose, e.g. benefit-assessment.</p>
            <input type="text" autoComplete="off" {...field('purpose')} />
          </div>
          <div class="field">
            <label for="f-outcome">Outcome</label>
            <p class="hint" id="f-outcome-hint">What the request got.</p>
            <select {...field('outcome')} onChange={(event) => setForm({ ...form, outcome: event.currentTarget.value })}>
              <option value="">Any outcome</option>
              {OUTCOMES.map((outcome) => <option key={outcome} value={outcome}>{outcome}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="f-from">From (Swedish time)</label>
            <p class="hint" id="f-from-hint">Inclusive.</p>
            <input type="datetime-local" step={1} {...field('from')} />
            {error('from')}
          </div>
          <div class="field">
            <label for="f-to">To (Swedish time)</label>
            <p class="hint" id="f-to-hint">Inclusive, to the end of the minute or second given.</p>
            <input type="datetime-local" step={1} {...field('to')} />
            {error('to')}
          </div>
          <div class="field">
            <label for="f-pageSize">Events per page</label>
            <p class="hint" id="f-pageSize-hint">At most 100.</p>
            <select {...field('pageSize')} onChange={(event) => setForm({ ...form, pageSize: Number(event.currentTarget.value) })}>
              {PAGE_SIZES.map((size) => <option key={size} value={size}>{size}</option>)}
            </select>
          </div>
        </div>
        <div class="actions">
          <button type="submit" disabled={loading}>Search</button>
          <button type="button" class="secondary" onClick={() => { setForm(EMPTY); search(EMPTY); }}>Clear filters</button>
        </div>
      </form>

      <ProblemAlert problem={problem} onSignOut={onSignOut} />

      {results && (
        <section aria-labelledby="results-heading" aria-busy={loading ? 'true' : 'false'}>
          <h2 id="results-heading" ref={resultsHeading} tabIndex={-1}>Results</h2>
          <p role="status" class="status">
            {loading ? 'Searching…'
              : results.events.length === 0 ? 'No events match this search.'
                : `Page ${pageNumber}: ${results.events.length} event${results.events.length === 1 ? '' : 's'}${results.hasNextPage ? ', more on the next page' : ''}.`}
          </p>
          {results.events.length > 0 && (
            <TableScroll label="Access-log events (scrolls sideways)">
              <table class="events">
                <caption>Access-log events matching the search, newest first — page {pageNumber}</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Principal</th>
                    <th scope="col">Organisation</th>
                    <th scope="col">Purpose</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Subjects</th>
                    <th scope="col">Event</th>
                  </tr>
                </thead>
                <tbody>
                  {results.events.map((event) => (
                    <tr key={event.id} data-event-id={event.id}>
                      <td class="nowrap">{formatInstant(event.occurredAt)}</td>
                      <td>{event.principal?.type} <span class="mono">{formatSubject(event.principal?.type, event.principal?.subject)}</span></td>
                      <td>{event.principal?.organization ?? ''}</td>
                      <td>{event.purpose ?? <span class="muted">none</span>}</td>
                      <td><span class={`outcome outcome-${(event.outcome ?? '').toLowerCase()}`}>{event.outcome}</span></td>
                      <td class="subjects"><List items={event.subjects} format={formatPersonalNumber} /></td>
                      <td><button type="button" class="link-button" aria-label={`Details of the event at ${formatInstant(event.occurredAt)}`}
                        onClick={(click) => openDetail(event, click.currentTarget)}>Details</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          <nav aria-label="Result pages" class="pager">
            <button type="button" class="secondary" disabled={loading || pageNumber === 1} onClick={() => page(-1)}>Previous page</button>
            <button type="button" class="secondary" disabled={loading || !results.hasNextPage} onClick={() => page(1)}>Next page</button>
          </nav>
          <div class="export">
            <button type="button" disabled={results.events.length === 0 || (exporting?.startsWith('Exporting') ?? false)} onClick={() => void exportCsv()}>Export this search as CSV</button>
            <p role="status" class="status">{exporting ?? ''}</p>
          </div>
        </section>
      )}
      {selected && <EventDetail event={selected} onClose={closeDetail} />}
    </>
  );
}
