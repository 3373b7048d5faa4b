/** 统计: the rates leaders ask for as big numbers, and the counts as charts (each with its data as a table). */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Rate, Stats } from '../../../shared/domain/stats.ts';
import { api, type StatsReply } from '../api.ts';
import { href, navigate, useProfile, type Route } from '../app.ts';
import type { ChartSpec } from '../charts.ts';
import { ErrorBox, PageTitle, useLoad } from '../components.tsx';
import { chinaDate, percent } from '../format.ts';
import { CENTERS, ESCALATION_REASONS, label, levelsOf, STATUSES, type UnitKind } from '../labels.ts';

const DAY = 86_400_000;

type RateKey = { [K in keyof Stats]: Stats[K] extends Rate ? K : never }[keyof Stats];

/** The rates, in the words of the unit's branch (小事不出村 in a village, 小事不出社区 in a city). */
const ratesOf = (kind: UnitKind | undefined): readonly { key: RateKey; name: string; meaning: string }[] => [
  { key: 'resolutionRate', name: '化解率', meaning: '已化解 ÷ 受理（不含撤回、并单）' },
  { key: 'closureRate', name: '办结率', meaning: '已办结 ÷ 受理' },
  { key: 'localResolutionRate', name: '就地化解率', meaning: '在发生层级化解 ÷ 已化解' },
  {
    key: 'grassrootsResolutionRate',
    name: `基层化解率（${label(kind, 'grassroots')}）`,
    meaning: `${label(kind, 'building')}、${label(kind, 'compound')}化解 ÷ 已化解`,
  },
  { key: 'onTimeRate', name: '按期办结率', meaning: '期限内办结 ÷ 已办结' },
  { key: 'satisfactionRate', name: '满意率', meaning: '满意、基本满意 ÷ 已回访' },
  { key: 'performanceRate', name: '协议履行率', meaning: '已履行 ÷ 已登记履行情况的调解协议' },
];

type Row = readonly [string, number];

/**
 * A chart drawn in the page by uPlot, loaded with the statistics page only;
 * what the chart says is its accessible name and, on request, a table.
 */
function Chart({ title, spec, rows }: { title: string; spec: ChartSpec; rows: readonly Row[] }) {
  const alt = `${title}：${rows.map(([k, v]) => `${k} ${v}`).join('，')}`;
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<unknown>();
  useEffect(() => {
    let remove: (() => void) | undefined;
    let gone = false;
    import('../charts.ts')
      .then(({ drawChart }) => {
        if (!gone && box.current) remove = drawChart(box.current, spec);
      })
      .catch(setFailed);
    return () => {
      gone = true;
      remove?.();
    };
  }, [spec]);
  return (
    <figure class="chart-card">
      <figcaption>{title}</figcaption>
      <div class="chart" ref={box} role="img" aria-label={alt} />
      <ErrorBox error={failed} />
      <details>
        <summary>数据表</summary>
        <table class="data">
          <tbody>
            {rows.map(([label, value]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

const bars = (rows: readonly Row[], name: string): ChartSpec => ({
  kind: 'bar',
  categories: rows.map(([k]) => k),
  series: [{ name, data: rows.map(([, v]) => v) }],
});

function RateCard({ name, meaning, rate }: { name: string; meaning: string; rate: Rate }) {
  return (
    <div class="rate" data-rate={name}>
      <span class="rate-name">{name}</span>
      <strong class="rate-value">{percent(rate.rate)}</strong>
      <span class="rate-ratio">
        {rate.numerator} / {rate.denominator}
      </span>
      <small class="muted">{meaning}</small>
    </div>
  );
}

export function Dashboard({ route }: { route: Route }) {
  const { unitList, units } = useProfile();
  const today = chinaDate(new Date());
  const from = route.query.get('from') || chinaDate(new Date(Date.now() - 29 * DAY));
  const to = route.query.get('to') || today;
  const unitId = route.query.get('unitId') ?? '';
  const query = new URLSearchParams({
    from: `${from}T00:00:00+08:00`,
    to: new Date(Date.parse(`${to}T00:00:00+08:00`) + DAY).toISOString(),
    ...(unitId ? { unitId } : {}),
  }).toString();
  const stats = useLoad(() => api<StatsReply>('GET', `/v1/stats?${query}`), [query]);

  const kind = stats.data && units.get(stats.data.unit.id)?.branchKind;
  const charts = useMemo(() => {
    const s = stats.data;
    if (!s) return undefined;
    const count = (list: readonly { code: string; name: string }[], values: Record<string, number>): Row[] =>
      list.map((x) => [x.name, values[x.code] ?? 0] as const);
    const statusRows = count(STATUSES, s.byStatus).filter(([, v]) => v > 0);
    const weeks = s.trend.map((t) => t.week.slice(5).replace('-', '/'));
    const list: { title: string; rows: Row[]; spec: ChartSpec }[] = [
      { title: '按中心', rows: count(CENTERS, s.byCenter), spec: bars(count(CENTERS, s.byCenter), '案件') },
      { title: '按当前层级', rows: count(levelsOf(kind), s.byLevel), spec: bars(count(levelsOf(kind), s.byLevel), '案件') },
      { title: '按状态', rows: statusRows, spec: bars(statusRows.length ? statusRows : [['无', 0]], '案件') },
      {
        title: '每周受理与办结',
        rows: s.trend.flatMap((t) => [[`${t.week} 当周受理`, t.received] as const, [`${t.week} 当周受理中已办结`, t.resolved] as const]),
        spec: {
          kind: 'line',
          categories: weeks.length ? weeks.slice(-60) : ['—'],
          series: [
            { name: '受理', data: s.trend.map((t) => t.received).slice(-60) },
            { name: '其中已办结', data: s.trend.map((t) => t.resolved).slice(-60) },
          ],
        },
      },
      { title: '升级原因', rows: count(ESCALATION_REASONS, s.escalationsByReason), spec: bars(count(ESCALATION_REASONS, s.escalationsByReason), '次数') },
    ];
    return list;
  }, [stats.data, kind]);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate(href('dashboard', { from: String(form.get('from')), to: String(form.get('to')), unitId: String(form.get('unitId')) }));
  }

  const s = stats.data;
  return (
    <main id="main">
      <PageTitle title="统计">统计</PageTitle>
      <form class="filters" onSubmit={submit} key={query} aria-label="统计范围">
        <label>
          单位
          <select name="unitId">
            <option value="">本单位全部辖区</option>
            {unitList
              .filter((u) => u.inMyJurisdiction)
              .map((u) => (
                <option key={u.id} value={u.id} selected={u.id === unitId}>
                  {u.fullName}
                </option>
              ))}
          </select>
        </label>
        <label>
          受理日期从
          <input type="date" name="from" defaultValue={from} max={today} required />
        </label>
        <label>
          至
          <input type="date" name="to" defaultValue={to} max={today} required />
        </label>
        <div class="filter-buttons">
          <button type="submit" class="primary">
            查看
          </button>
        </div>
      </form>
      <ErrorBox error={stats.error} />
      {stats.loading && <p class="muted" role="status">正在统计…</p>}
      {s && charts && (
        <>
          <p class="muted">
            {s.unit.name}，受理 {s.total} 件
          </p>
          {s.catchingUp && (
            <p class="notice" role="status" data-catching-up>
              最新的办理变动仍在计入，以下数字暂未包含其中一部分，稍后刷新即可。
            </p>
          )}
          <section class="rates" aria-label="主要指标">
            {ratesOf(kind).map((r) => (
              <RateCard key={r.name} name={r.name} meaning={r.meaning} rate={s[r.key]} />
            ))}
          </section>
          <section aria-labelledby="services-title">
            <h2 id="services-title">群众点单</h2>
            <p class="muted" data-services>
              点单 {s.services.ordered} 件 · 派单给志愿者 {s.services.offered} 次 · 接单 {s.services.taken} 次 · 办结 {s.services.done} 件（志愿者办结 {s.services.doneByVolunteers} 件）
            </p>
            <section class="rates" aria-label="点单指标">
              <RateCard name="接单率" meaning="志愿者接单 ÷ 派单给志愿者" rate={s.services.takeRate} />
              <RateCard name="群众确认率" meaning="群众回访满意、基本满意 ÷ 点单办结" rate={s.services.confirmationRate} />
            </section>
          </section>
          {s.byChild.length > 0 && (
            <section aria-labelledby="by-child">
              <h2 id="by-child">各下级单位</h2>
              <table class="data by-child">
                <thead>
                  <tr>
                    <th scope="col">单位</th>
                    <th scope="col">受理</th>
                    <th scope="col">在办</th>
                    <th scope="col">化解率</th>
                    <th scope="col">按期办结率</th>
                    <th scope="col">满意率</th>
                  </tr>
                </thead>
                <tbody>
                  {[...s.byChild]
                    .sort((a, b) => b.total - a.total)
                    .map((row) => (
                      <tr key={row.unitId} data-unit={row.unitId}>
                        <th scope="row">
                          {row.unitId === s.unit.id ? (
                            `${row.name}（本级直接受理）`
                          ) : (
                            <a href={href('dashboard', { from, to, unitId: row.unitId })}>{row.name}</a>
                          )}
                        </th>
                        <td>{row.total}</td>
                        <td>{row.open}</td>
                        <td>{percent(row.resolutionRate.rate)}</td>
                        <td>{percent(row.onTimeRate.rate)}</td>
                        <td>{percent(row.satisfactionRate.rate)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </section>
          )}
          <section class="charts" aria-label="图表">
            {charts.map((chart) => (
              <Chart key={chart.title} title={chart.title} spec={chart.spec} rows={chart.rows} />
            ))}
          </section>
          <section aria-labelledby="hours">
            <h2 id="hours">各层级平均用时（小时）</h2>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">层级</th>
                  <th scope="col">到达至签收</th>
                  <th scope="col">到达至办结</th>
                </tr>
              </thead>
              <tbody>
                {levelsOf(kind).map((l) => (
                  <tr key={l.code}>
                    <th scope="row">{l.name}</th>
                    <td>{s.hoursToAccept[l.code] ?? '—'}</td>
                    <td>{s.hoursToResolve[l.code] ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </main>
  );
}
