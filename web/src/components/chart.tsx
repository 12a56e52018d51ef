/**
 * A chart drawn by Apache ECharts, with only the parts the app uses registered (line and bar charts, the
 * grid, tooltip, legend and dataZoom-free axes, the canvas renderer): this file is imported by the
 * analytics pages alone, so ECharts lands in their lazily loaded chunk and never in the initial bundle.
 *
 * Accessibility: the canvas is an image to assistive technology (`role="img"` named by the chart's title,
 * described by `summary`); the numbers themselves are in the data table each page puts beside the chart.
 * The tooltip is drawn on the canvas (`renderMode: 'richText'`): ECharts' HTML tooltip writes inline
 * style attributes, which the app's Content-Security-Policy refuses.
 */
import { useEffect, useId, useRef } from 'react';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** One named series of numbers, one per category (`null`: no value there). */
export interface ChartSeries {
  name: string;
  data: (number | null)[];
  /** Line charts: fill the area under the line. */
  area?: boolean;
}

export interface ChartProps {
  kind: 'line' | 'bar';
  /** The chart's visible title (also its accessible name). */
  title: string;
  /** One sentence of what the chart shows, read by screen readers (e.g. totals, the highest point). */
  summary: string;
  /** The x axis (line) or the bars' labels. */
  categories: string[];
  series: ChartSeries[];
  /** Bar charts: horizontal bars, for long labels. */
  horizontal?: boolean;
  height?: number;
}

/** The theme's colours, read from the CSS variables of styles.css so the charts follow the theme. */
function themeColours(element: HTMLElement) {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text', '#1b1f24'),
    muted: read('--text-muted', '#57606a'),
    border: read('--border', '#dde1e7'),
    surface: read('--surface', '#ffffff'),
    palette: [read('--accent', '#3b3bd4'), read('--test', '#a64b00'), '#05603a', read('--danger', '#b42318')],
  };
}

function optionOf(props: ChartProps, colours: ReturnType<typeof themeColours>): echarts.EChartsCoreOption {
  const categoryAxis = {
    type: 'category',
    data: props.categories,
    axisLine: { lineStyle: { color: colours.border } },
    axisLabel: { color: colours.muted, hideOverlap: true },
  };
  const valueAxis = {
    type: 'value',
    minInterval: 1,
    axisLabel: { color: colours.muted },
    splitLine: { lineStyle: { color: colours.border } },
  };
  return {
    color: colours.palette,
    textStyle: { fontFamily: 'inherit', color: colours.text },
    animation: false,
    grid: { left: 8, right: 16, top: props.series.length > 1 ? 36 : 12, bottom: 8, containLabel: true },
    legend: props.series.length > 1 ? { top: 0, textStyle: { color: colours.text } } : undefined,
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      backgroundColor: colours.surface,
      borderColor: colours.border,
      textStyle: { color: colours.text },
    },
    xAxis: props.horizontal ? valueAxis : categoryAxis,
    yAxis: props.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series: props.series.map((s) => ({
      name: s.name,
      type: props.kind,
      data: s.data,
      ...(props.kind === 'line'
        ? {
            smooth: true,
            showSymbol: props.categories.length <= 31,
            areaStyle: s.area ? { opacity: 0.15 } : undefined,
          }
        : { barMaxWidth: 32 }),
    })),
  };
}

/** A line or bar chart filling its container's width; redrawn when its data change or the container resizes. */
export function Chart(props: ChartProps) {
  const element = useRef<HTMLDivElement>(null);
  const instance = useRef<echarts.ECharts | null>(null);
  const titleId = useId();
  const summaryId = useId();

  useEffect(() => {
    const el = element.current!;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    instance.current = chart;
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.dispose();
      instance.current = null;
    };
  }, []);

  // Redrawn when what it draws changes (callers keep `categories` and `series` stable between renders).
  const { kind, title, summary, categories, series, horizontal } = props;
  useEffect(() => {
    const chart = instance.current;
    if (!chart || !element.current) return;
    const option = optionOf(
      { kind, title, summary, categories, series, horizontal },
      themeColours(element.current),
    );
    chart.setOption(option, { notMerge: true });
  }, [kind, title, summary, categories, series, horizontal]);

  const points = props.series.reduce((n, s) => n + s.data.filter((v) => v !== null).length, 0);
  return (
    <figure className="chart">
      <figcaption className="chart__title" id={titleId}>
        {props.title}
      </figcaption>
      <p className="visually-hidden" id={summaryId}>
        {props.summary}
      </p>
      <div
        ref={element}
        className="chart__canvas"
        role="img"
        aria-labelledby={titleId}
        aria-describedby={summaryId}
        data-points={points}
        style={{ height: props.height ?? 260 }}
      />
    </figure>
  );
}
