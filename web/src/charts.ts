/**
 * The statistics page's charts, drawn in the page by uPlot (about 20 KB
 * gzipped, loaded only when the statistics page opens): bars for counts by a
 * category, lines for counts by week. What a chart says is also its accessible
 * name and, on request, a table (dashboard.tsx).
 */
import uPlot from 'uplot';

export interface ChartSpec {
  readonly kind: 'bar' | 'line';
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly data: readonly number[] }[];
}

const COLORS = ['#0b57d0', '#b3261e', '#1e7e34', '#b45309'];
export const CHART_WIDTH = 480;
export const CHART_HEIGHT = 300;

/** Draws `spec` into `el`; the returned function removes it. */
export function drawChart(el: HTMLElement, spec: ChartSpec): () => void {
  const x = spec.categories.map((_, i) => i);
  const bars = spec.kind === 'bar' ? uPlot.paths.bars?.({ size: [0.6, 48] }) : undefined;
  const chart = new uPlot(
    {
      width: Math.min(CHART_WIDTH, el.clientWidth || CHART_WIDTH),
      height: CHART_HEIGHT,
      legend: { show: spec.series.length > 1, live: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, x.length - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
      axes: [
        {
          values: (_u, ticks) => ticks.map((t) => spec.categories[t] ?? ''),
          splits: () => x,
          rotate: spec.categories.length > 4 ? -30 : 0,
          size: spec.categories.length > 4 ? 64 : 40,
          grid: { show: false },
        },
        { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
      ],
      series: [
        {},
        ...spec.series.map((s, i) => ({
          label: s.name,
          stroke: COLORS[i % COLORS.length],
          fill: spec.kind === 'bar' ? `${COLORS[i % COLORS.length]}cc` : undefined,
          width: spec.kind === 'bar' ? 0 : 2,
          points: { show: spec.kind === 'line' },
          ...(bars ? { paths: bars } : {}),
        })),
      ],
    },
    [x, ...spec.series.map((s) => [...s.data])],
    el,
  );
  return () => chart.destroy();
}
