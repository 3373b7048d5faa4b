/**
 * POST /v1/charts — the statistics page's charts, drawn here as SVG by
 * ECharts' server-side rendering, so the page itself carries no charting
 * library (ECharts' own core is over 180 KB gzipped: 8 s on a slow 3G link).
 * Only ECharts' core, the SVG renderer and the three charts used are
 * bundled. Pure drawing: it reads nothing and writes nothing.
 */
import middy from '@middy/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { ValidationFailed } from '../../shared/domain/index.ts';
import { chartsRequest, type ChartSpec } from '../../shared/contract/charts.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { clock } from '../../shared/service/clock.ts';
import { directory } from '../../shared/service/runtime.ts';

use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, SVGRenderer]);

const WIDTH = 480;
const HEIGHT = 300;
const FONT = "'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif";

function option(spec: ChartSpec) {
  const base = { animation: false, textStyle: { fontFamily: FONT }, color: ['#0b57d0', '#b3261e', '#1e7e34', '#b45309', '#6b21a8', '#0e7490'] };
  if (spec.kind === 'pie') {
    const [series] = spec.series;
    return {
      ...base,
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie' as const,
          radius: ['30%', '55%'],
          center: ['50%', '45%'],
          data: spec.categories.map((name, i) => ({ name, value: series?.data[i] ?? 0 })),
          label: { formatter: '{b}\n{c}' },
        },
      ],
    };
  }
  return {
    ...base,
    ...(spec.series.length > 1 ? { legend: { bottom: 0 } } : {}),
    grid: { left: 40, right: 16, top: 24, bottom: spec.series.length > 1 ? 56 : 48 },
    xAxis: { type: 'category' as const, data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 4 ? 30 : 0 } },
    yAxis: { type: 'value' as const, minInterval: 1 },
    series: spec.series.map((s) =>
      spec.kind === 'bar'
        ? { type: 'bar' as const, name: s.name, data: s.data, label: { show: true, position: 'top' as const } }
        : { type: 'line' as const, name: s.name, data: s.data, showSymbol: true, symbolSize: 8 },
    ),
  };
}

/** One chart as an SVG document (ECharts escapes every label it writes). */
export function drawChart(spec: ChartSpec): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(option(spec));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .use(jsonBody())
  .handler(async (event) => {
    const body = parseWith(chartsRequest, event.json, 'the charts');
    if (body instanceof ValidationFailed) throw body;
    return json(200, { charts: body.charts.map((spec) => ({ title: spec.title, svg: drawChart(spec) })) });
  });
