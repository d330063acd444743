/**
 * The follow-up page's charts, drawn by Chart.js on a canvas: bundled with the console (nothing from a CDN), and
 * it touches styles only through the CSSOM, which the console's `style-src 'self'` allows. A canvas says nothing
 * to a screen reader, so each chart is an image with a summary of its numbers, and the numbers themselves are in
 * a table beside it.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { TableScroll } from '../components.js';
import { formatCount } from '../format.js';
import { language, t } from '../i18n/index.js';
import { total, type Tally } from '../follow-up-counts.js';

// Only the parts these bar charts use: the bundle stays small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/**
 * Series colours: each at least 4.5:1 against white (so a bar is as visible as text), and told apart by hue;
 * a white edge separates stacked segments, and the table and the legend say the same without colour.
 */
const COLOURS = ['#0b4f8a', '#a4161a', '#146c2e', '#7a4b00', '#6a1b9a', '#00695c', '#37474f', '#ad1457'] as const;
const TEXT = '#1b1f24';
const GRID = '#c9d0d6';

export interface ChartText {
  /** The chart's name: its heading, and the start of its summary. */
  title: string;
  /** The table's caption. */
  caption: string;
  /** The heading of the rows' column (Day, Week). */
  rowHeading: string;
  rowLabel(row: string): string;
  seriesLabel(series: string): string;
  /** Said instead of an empty chart. */
  none: string;
}

/** One series' share of the whole, for the summary: `FK 12, AF 3`. */
function breakdown(tally: Tally, text: ChartText): string {
  const parts = tally.series.map((series, s) => ({ series, count: tally.counts.reduce((sum, row) => sum + row[s]!, 0) }))
    .filter((part) => part.count > 0)
    .map((part) => `${text.seriesLabel(part.series)} ${formatCount(part.count)}`);
  return parts.length > 0 ? parts.join(', ') : t('followUp.chart.nothing');
}

/** What the chart shows, in a sentence: the image's accessible name. */
export function chartSummary(tally: Tally, text: ChartText): string {
  return t('followUp.chart.summary', {
    chart: text.title,
    from: text.rowLabel(tally.rows[0] ?? ''),
    to: text.rowLabel(tally.rows.at(-1) ?? ''),
    count: formatCount(total(tally)),
    breakdown: breakdown(tally, text),
  });
}

/** A stacked bar chart of a tally, with its numbers in a table that opens below it. */
export function BarChart({ id, tally, text }: { id: string; tally: Tally; text: ChartText }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const empty = total(tally) === 0;
  const lang = language();

  useEffect(() => {
    if (empty || !canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: tally.rows.map(text.rowLabel),
        datasets: tally.series.map((series, s) => ({
          label: text.seriesLabel(series),
          data: tally.counts.map((row) => row[s]!),
          backgroundColor: COLOURS[s % COLOURS.length],
          borderColor: '#ffffff',
          borderWidth: 1,
        })),
      },
      options: {
        // No motion: the numbers are the point, and an animation would ignore prefers-reduced-motion anyway.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: lang === 'sv' ? 'sv-SE' : 'en-GB',
        color: TEXT,
        scales: {
          x: { stacked: true, ticks: { color: TEXT }, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { color: TEXT, precision: 0 }, grid: { color: GRID } },
        },
        plugins: { legend: { position: 'bottom', labels: { color: TEXT } } },
      },
    });
    return () => chart.destroy();
  }, [tally, lang, empty]);

  return (
    <section class="chart" aria-labelledby={`${id}-heading`} data-chart={id}>
      <h3 id={`${id}-heading`}>{text.title}</h3>
      {empty ? <p class="status">{text.none}</p> : (
        <>
          <div class="chart-box">
            <canvas ref={canvas} role="img" aria-label={chartSummary(tally, text)} />
          </div>
          <details class="chart-data">
            <summary>{t('followUp.chart.showTable', { chart: text.title })}</summary>
            <TableScroll label={text.title}>
              <table class="chart-table">
                <caption>{text.caption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{text.rowHeading}</th>
                    {tally.series.map((series) => <th key={series} scope="col" data-series={series}>{text.seriesLabel(series)}</th>)}
                    <th scope="col">{t('followUp.chart.total')}</th>
                  </tr>
                </thead>
                <tbody>
                  {tally.rows.map((row, r) => (
                    <tr key={row} data-row={row}>
                      <th scope="row" class="nowrap">{text.rowLabel(row)}</th>
                      {tally.counts[r]!.map((count, s) => <td key={tally.series[s]} data-series={tally.series[s]}>{formatCount(count)}</td>)}
                      <td data-series="total">{formatCount(tally.counts[r]!.reduce((sum, count) => sum + count, 0))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </details>
        </>
      )}
    </section>
  );
}
