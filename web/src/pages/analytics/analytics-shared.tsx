/**
 * Pieces of the two analytics pages: figures, the KPI row, and a chart with its numbers as a table (the
 * accessible alternative to the canvas, behind a "Show the numbers" toggle).
 */
import { Chart, type ChartSeries } from '../../components/chart';
import { DataTable } from '../../components/paged-table';

const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 });

/** `12,345`, or "—" for a metric the platform does not report. */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : whole.format(value);
}

/** `3.27%`, or "—" when there were no impressions. */
export function formatRate(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : percent.format(value);
}

export interface Kpi {
  label: string;
  value: string;
}

/** The headline figures of a range or a post. */
export function Kpis({ label, items }: { label: string; items: Kpi[] }) {
  return (
    <dl className="kpis" aria-label={label}>
      {items.map((kpi) => (
        <div className="kpi" key={kpi.label}>
          <dt className="kpi__label">{kpi.label}</dt>
          <dd className="kpi__value">{kpi.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The highest value of the first series, as a sentence for the chart's description. */
function peak(categories: string[], series: ChartSeries[]): string {
  const first = series[0];
  if (!first) return '';
  let best = -1;
  first.data.forEach((v, i) => {
    if (v !== null && (best === -1 || v > (first.data[best] ?? 0))) best = i;
  });
  return best === -1
    ? ''
    : ` Highest ${first.name.toLowerCase()}: ${formatCount(first.data[best])} (${categories[best]}).`;
}

/**
 * A chart in a panel, with the same numbers as a table under a toggle. `summary` opens the chart's
 * description (the peak is added); `categoryLabel` heads the table's first column.
 */
export function ChartPanel({
  title,
  summary,
  kind,
  categoryLabel,
  categories,
  series,
  horizontal,
  empty,
}: {
  title: string;
  summary: string;
  kind: 'line' | 'bar';
  categoryLabel: string;
  categories: string[];
  series: ChartSeries[];
  horizontal?: boolean;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string;
}) {
  const description = `${summary}${peak(categories, series)}`;
  const hasData = categories.length > 0 && series.some((s) => s.data.some((v) => v !== null));
  return (
    <section className="panel chart-panel" aria-label={title}>
      {hasData || !empty ? (
        <>
          <Chart
            kind={kind}
            title={title}
            summary={description}
            categories={categories}
            series={series}
            horizontal={horizontal}
            height={horizontal ? Math.max(160, categories.length * 36 + 40) : undefined}
          />
          <details className="chart-data">
            <summary>Show the numbers</summary>
            <DataTable
              caption={title}
              columns={
                <>
                  <th scope="col">{categoryLabel}</th>
                  {series.map((s) => (
                    <th scope="col" key={s.name}>
                      {s.name}
                    </th>
                  ))}
                </>
              }
            >
              {categories.map((category, i) => (
                <tr key={`${category}-${i}`}>
                  <th scope="row" data-label={categoryLabel}>
                    {category}
                  </th>
                  {series.map((s) => (
                    <td key={s.name} data-label={s.name} className="table__number">
                      {formatCount(s.data[i])}
                    </td>
                  ))}
                </tr>
              ))}
            </DataTable>
          </details>
        </>
      ) : (
        <>
          <h2 className="chart__title">{title}</h2>
          <p className="muted">{empty}</p>
        </>
      )}
    </section>
  );
}
