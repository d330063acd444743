/**
 * The follow-up page (HSLF-FS 2016:40 ch. 4: systematic follow-up of the access log): two charts of the period
 * first — reads per organisation per day, findings per kind per week, each with its table — for the overview,
 * then the reads samgraf flagged, by kind and period, newest or highest score first, each with why, and a
 * verdict for holders of `audit:review`.
 *
 * Filters are kept in this tab's sessionStorage like the events page's. They hold no personal number, but a
 * period an auditor is working through should survive a visit to another page.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ProblemAlert } from '../components.js';
import { addDays, formatFindingKind, formatOrganisation, parseDateInput, stockholmDay, stockholmInputToInstant } from '../format.js';
import { CHART_LIMIT, FINDING_KINDS, MAX_CHART_DAYS } from '../follow-up-counts.js';
import { countPeriod, pageOf, Refused, type Charts, type Period } from '../follow-up-data.js';
import type { AuditFindingOrder } from '../generated.js';
import { plural, t, type PlainKey } from '../i18n/index.js';
import { networkProblem, type Problem } from '../problems.js';
import { AUDIT_FINDINGS, type Finding, type FindingFilter } from '../queries.js';
import { request, type Session } from '../session.js';
import { EventDetail } from './event-detail.js';
import { FindingCard } from './finding.js';
import { BarChart, type ChartText } from './follow-up-charts.js';

const PAGE_SIZE = 20;
const FORM_KEY = 'samgraf.console.follow-up.form';
const ORDERS = ['NEWEST', 'SCORE'] as const satisfies readonly AuditFindingOrder[];
/** A period of four weeks, ending today, unless the auditor chose another: the charts need a bounded period. */
const DEFAULT_DAYS = 28;

interface Form {
  kind: string;
  from: string;
  to: string;
  organization: string;
  /** '' for either, 'false' for not yet reviewed, 'true' for reviewed. */
  reviewed: string;
  order: AuditFindingOrder;
}

function defaultForm(): Form {
  const today = stockholmDay(new Date().toISOString());
  return { kind: '', from: addDays(today, 1 - DEFAULT_DAYS), to: today, organization: '', reviewed: '', order: 'NEWEST' };
}

function savedForm(): Form {
  try {
    return { ...defaultForm(), ...JSON.parse(sessionStorage.getItem(FORM_KEY) ?? '{}') as Partial<Form> };
  } catch {
    return defaultForm();
  }
}

type Invalid = Partial<Record<'from' | 'to', PlainKey>>;

/** The form as the API's filter and the charts' period, and what in it cannot be read. */
function readForm(form: Form): { filter: FindingFilter; period: Period; invalid: Invalid } {
  const invalid: Invalid = {};
  const day = (key: 'from' | 'to') => {
    if (!form[key].trim()) return null;
    const parsed = parseDateInput(form[key]);
    if (!parsed) invalid[key] = 'followUp.date.invalid';
    return parsed;
  };
  const period: Period = { from: day('from'), to: day('to'), organization: form.organization.trim() || null };
  if (period.from && period.to && !invalid.to) {
    if (period.from > period.to) invalid.to = 'followUp.range.invalid';
    else if (addDays(period.from, MAX_CHART_DAYS - 1) < period.to) invalid.to = 'followUp.range.tooLong';
  }
  const filter: FindingFilter = {};
  if (period.from) filter.from = stockholmInputToInstant(period.from, false);
  if (period.to) filter.to = stockholmInputToInstant(period.to, true);
  if (period.organization) filter.organization = period.organization;
  const kind = FINDING_KINDS.find((value) => value === form.kind);
  if (kind) filter.kind = kind;
  if (form.reviewed === 'true' || form.reviewed === 'false') filter.reviewed = form.reviewed === 'true';
  return { filter, period, invalid };
}

interface Results {
  findings: Finding[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const weekLabel = (key: string) => t('followUp.chart.weekLabel', { year: key.slice(0, 4), week: String(Number(key.slice(6))) });

export function FollowUpPage({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const [form, setForm] = useState<Form>(savedForm);
  const [invalid, setInvalid] = useState<Invalid>({});
  const [applied, setApplied] = useState<{ filter: FindingFilter; order: AuditFindingOrder } | null>(null);
  /** `after` of each page visited so far: going back pops one. */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [charts, setCharts] = useState<Charts | null>(null);
  const [counting, setCounting] = useState(false);
  const [chartProblem, setChartProblem] = useState<Problem | null>(null);
  /** The period the charts show, so that a change of kind, review or order does not count it all again. */
  const chartedPeriod = useRef<string | null>(null);
  const [selected, setSelected] = useState<NonNullable<Finding['event']> | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const findingsHeading = useRef<HTMLHeadingElement>(null);
  const canReview = session.me.scopes.includes('audit:review');

  async function load(filter: FindingFilter, order: AuditFindingOrder, after: string | null): Promise<void> {
    setLoading(true);
    setProblem(null);
    try {
      const result = await request(session, AUDIT_FINDINGS, { filter, order, first: PAGE_SIZE, after });
      const page = pageOf(result, result.data?.auditFindings, session);
      setResults({ findings: page.nodes, hasNextPage: page.hasNextPage, endCursor: page.endCursor });
    } catch (error) {
      setResults(null);
      setProblem(error instanceof Refused ? error.problem : networkProblem(error));
    } finally {
      setLoading(false);
    }
  }

  async function count(period: Period): Promise<void> {
    setCounting(true);
    setChartProblem(null);
    try {
      setCharts(await countPeriod(session, period));
    } catch (error) {
      setCharts(null);
      chartedPeriod.current = null;
      setChartProblem(error instanceof Refused ? error.problem : networkProblem(error));
    } finally {
      setCounting(false);
    }
  }

  function show(next: Form) {
    const { filter, period, invalid: problems } = readForm(next);
    setInvalid(problems);
    if (Object.keys(problems).length > 0) return;
    sessionStorage.setItem(FORM_KEY, JSON.stringify(next));
    setApplied({ filter, order: next.order });
    setCursors([null]);
    void load(filter, next.order, null);
    const key = JSON.stringify(period);
    if (chartedPeriod.current !== key) {
      chartedPeriod.current = key;
      void count(period);
    }
  }

  useEffect(() => {
    show(form);
  }, []);

  function page(direction: 1 | -1) {
    if (!applied || !results) return;
    const next = direction === 1 ? [...cursors, results.endCursor] : cursors.slice(0, -1);
    setCursors(next);
    void load(applied.filter, applied.order, next.at(-1) ?? null).then(() => findingsHeading.current?.focus());
  }

  const reviewed = (id: string, reviews: Pick<Finding, 'review' | 'reviews'>) => {
    setResults((current) => current && { ...current, findings: current.findings.map((finding) => (finding.id === id ? { ...finding, ...reviews } : finding)) });
  };
  const openEvent = (finding: Finding, from: HTMLElement) => {
    opener.current = from;
    setSelected(finding.event);
  };
  const closeEvent = () => {
    setSelected(null);
    opener.current?.focus();
  };

  const field = (key: keyof Form) => {
    const error = key === 'from' || key === 'to' ? invalid[key] : undefined;
    return {
      id: `u-${key}`,
      name: key,
      value: form[key],
      'aria-invalid': error ? true : undefined,
      'aria-describedby': `u-${key}-hint${error ? ` u-${key}-error` : ''}`,
      onInput: (event: Event) => setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value }),
    };
  };
  // A text field, not a native date input: that shows the browser's own order (US order in an en-US browser).
  const dateField = (key: 'from' | 'to') => (
    <div class="field">
      <label for={`u-${key}`}>{t(key === 'from' ? 'followUp.from.label' : 'followUp.to.label')}</label>
      <p class="hint" id={`u-${key}-hint`}>{t('followUp.date.hint')}</p>
      <input type="text" autoComplete="off" spellcheck={false} placeholder={t('common.date.placeholder')} {...field(key)} />
      {invalid[key] && <p id={`u-${key}-error`} class="field-error">{t(invalid[key])}</p>}
    </div>
  );

  const pageNumber = cursors.length;
  const days = charts?.reads.rows ?? [];
  const readsText: ChartText = {
    title: t('followUp.chart.reads.title'),
    caption: t('followUp.chart.reads.caption', { from: days[0] ?? '', to: days.at(-1) ?? '' }),
    rowHeading: t('followUp.chart.day'),
    rowLabel: (day) => day,
    seriesLabel: formatOrganisation,
    none: t('followUp.chart.reads.none'),
  };
  const findingsText: ChartText = {
    title: t('followUp.chart.findings.title'),
    caption: t('followUp.chart.findings.caption', { from: days[0] ?? '', to: days.at(-1) ?? '' }),
    rowHeading: t('followUp.chart.week'),
    rowLabel: weekLabel,
    seriesLabel: formatFindingKind,
    none: t('followUp.chart.findings.none'),
  };

  return (
    <>
      <h1 tabIndex={-1}>{t('title.follow-up')}</h1>
      <p class="lead">{t('followUp.lead')}</p>
      <form class="panel filters" onSubmit={(event) => { event.preventDefault(); show(form); }} aria-labelledby="filters-heading" noValidate>
        <h2 id="filters-heading">{t('followUp.filters.heading')}</h2>
        <div class="grid">
          <div class="field">
            <label for="u-kind">{t('followUp.kind.label')}</label>
            <p class="hint" id="u-kind-hint">{t('followUp.kind.hint')}</p>
            <select {...field('kind')}>
              <option value="">{t('followUp.kind.any')}</option>
              {FINDING_KINDS.map((kind) => <option key={kind} value={kind}>{formatFindingKind(kind)}</option>)}
            </select>
          </div>
          {dateField('from')}
          {dateField('to')}
          <div class="field">
            <label for="u-organization">{t('followUp.organization.label')}</label>
            <p class="hint" id="u-organization-hint">{t('followUp.organization.hint')}</p>
            <input type="text" autoComplete="off" {...field('organization')} />
          </div>
          <div class="field">
            <label for="u-reviewed">{t('followUp.reviewed.label')}</label>
            <p class="hint" id="u-reviewed-hint">{t('followUp.reviewed.hint')}</p>
            <select {...field('reviewed')}>
              <option value="">{t('followUp.reviewed.any')}</option>
              <option value="false">{t('followUp.reviewed.false')}</option>
              <option value="true">{t('followUp.reviewed.true')}</option>
            </select>
          </div>
          <div class="field">
            <label for="u-order">{t('followUp.order.label')}</label>
            <p class="hint" id="u-order-hint">{t('followUp.order.hint')}</p>
            <select {...field('order')}>
              {ORDERS.map((order) => <option key={order} value={order}>{t(order === 'NEWEST' ? 'followUp.order.newest' : 'followUp.order.score')}</option>)}
            </select>
          </div>
        </div>
        <div class="actions">
          <button type="submit" disabled={loading}>{t('followUp.submit')}</button>
          <button type="button" class="secondary" onClick={() => { const next = defaultForm(); setForm(next); show(next); }}>{t('followUp.clear')}</button>
        </div>
      </form>

      <ProblemAlert problem={problem} onSignOut={onSignOut} />

      <section aria-labelledby="charts-heading" aria-busy={counting ? 'true' : 'false'} class="charts">
        <h2 id="charts-heading">{t('followUp.charts.heading')}</h2>
        <p class="lead">{t('followUp.charts.note')}</p>
        <p role="status" class="status">{counting ? t('followUp.charts.counting') : charts?.truncated ? t('followUp.charts.truncated', { count: CHART_LIMIT }) : ''}</p>
        {/* The page's own alert already says why, when the findings were refused too. */}
        <ProblemAlert problem={problem ? null : chartProblem} onSignOut={onSignOut} />
        {charts && !counting && (
          <div class="chart-grid">
            <BarChart id="reads-chart" tally={charts.reads} text={readsText} />
            <BarChart id="findings-chart" tally={charts.findings} text={findingsText} />
          </div>
        )}
      </section>

      {results && (
        <section aria-labelledby="findings-heading" aria-busy={loading ? 'true' : 'false'} class="findings-section">
          <h2 id="findings-heading" ref={findingsHeading} tabIndex={-1}>{t('followUp.findings.heading')}</h2>
          <p role="status" class="status">
            {loading ? t('followUp.loading')
              : results.findings.length === 0 ? t('followUp.none')
                : plural('followUp.page', results.findings.length, { page: pageNumber, count: results.findings.length, more: results.hasNextPage ? t('followUp.more') : '' })}
          </p>
          {results.findings.length > 0 && (
            <ol class="findings" aria-label={t('followUp.list', { page: pageNumber })}>
              {results.findings.map((finding, index) => (
                <li key={finding.id}>
                  <FindingCard finding={finding} index={index} session={session} canReview={canReview} onOpenEvent={openEvent} onReviewed={reviewed} />
                </li>
              ))}
            </ol>
          )}
          <nav aria-label={t('common.resultPages')} class="pager">
            <button type="button" class="secondary" disabled={loading || pageNumber === 1} onClick={() => page(-1)}>{t('common.previousPage')}</button>
            <button type="button" class="secondary" disabled={loading || !results.hasNextPage} onClick={() => page(1)}>{t('common.nextPage')}</button>
          </nav>
        </section>
      )}

      {selected && <EventDetail event={selected} onClose={closeEvent} />}
    </>
  );
}
