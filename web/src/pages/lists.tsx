/** 我的待办 (the unit's queue) and 辖区案件 (the subtree with filters). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { all, api, type CaseView, type ListItem, type Page, type QueueReply } from '../api.ts';
import { href, navigate, useProfile, type Route } from '../app.ts';
import { CaseTable, ErrorBox, PageTitle, useLoad } from '../components.tsx';
import { download, toCsv } from '../csv.ts';
import { EXPORT_COLUMNS, exportRow } from '../export.ts';
import { chinaDate, formatLongDate } from '../format.ts';
import { CENTERS, LEVELS, STATUSES } from '../labels.ts';

/** A cursor-paged list of cases; `more` appends the next page. */
function usePaged(path: string) {
  const [state, setState] = useState<{ items: ListItem[]; cursor: string | null; error?: unknown; loading: boolean }>({
    items: [],
    cursor: null,
    loading: true,
  });
  const current = useRef(path);
  const fetchPage = (cursor: string | null, before: ListItem[]) => {
    setState({ items: before, cursor, loading: true });
    api<Page<ListItem>>('GET', cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path).then(
      (page) => current.current === path && setState({ items: [...before, ...page.items], cursor: page.cursor, loading: false }),
      (error: unknown) => current.current === path && setState({ items: before, cursor, error, loading: false }),
    );
  };
  useEffect(() => {
    current.current = path;
    fetchPage(null, []);
  }, [path]);
  // In the background: what is shown stays until the new first page is there; a failure leaves it for the next try.
  const refresh = () => {
    void api<Page<ListItem>>('GET', path).then(
      (page) => current.current === path && setState({ items: page.items, cursor: page.cursor, loading: false }),
      () => undefined,
    );
  };
  return { ...state, more: () => fetchPage(state.cursor, state.items), reload: () => fetchPage(null, []), refresh };
}

function More({ list }: { list: ReturnType<typeof usePaged> }) {
  if (list.loading) return <p class="muted" role="status">正在加载…</p>;
  return list.cursor ? (
    <button type="button" onClick={list.more}>
      加载更多
    </button>
  ) : null;
}

const dueOf = (c: ListItem) => c.dueAt ?? c.followUpDueAt ?? '\uffff';
const byDeadline = (a: ListItem, b: ListItem) => dueOf(a).localeCompare(dueOf(b));

/** How often an open queue looks for new cases while it is on screen. */
const QUEUE_REFRESH_MS = 60_000;

/** Calls `refresh` every `everyMs` while the page is visible, and when the window regains focus. */
function useRefresh(refresh: () => void, everyMs: number) {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    const run = () => {
      if (document.visibilityState === 'visible') latest.current();
    };
    const timer = setInterval(run, everyMs);
    addEventListener('focus', run);
    return () => {
      clearInterval(timer);
      removeEventListener('focus', run);
    };
  }, [everyMs]);
}

/** 我的待办: tabs with counts (from GET /v1/queue), each tab's cases nearest deadline first, tab and filters in the URL. */
export function Queue({ route }: { route: Route }) {
  const { me } = useProfile();
  const volunteer = me.role === 'volunteer';
  const counts = useLoad(() => (volunteer ? Promise.resolve(undefined) : api<QueueReply>('GET', '/v1/queue')), [volunteer]);
  const tab = route.query.get('tab') ?? '';
  const center = route.query.get('center') ?? '';
  const onlyOverdue = route.query.get('overdue') === 'true';
  const onlyRisk = route.query.get('risk') === 'true';
  const path = `/v1/cases?scope=mine&limit=100${tab ? `&tab=${encodeURIComponent(tab)}` : ''}`;
  const list = usePaged(path);
  // A queue left open on a desk shows new cases without a click.
  useRefresh(() => {
    list.refresh();
    counts.reload();
  }, QUEUE_REFRESH_MS);
  const tabs = counts.data?.tabs ?? [];
  const items = [...list.items]
    .filter((c) => (!center || c.center === center) && (!onlyOverdue || c.overdue) && (!onlyRisk || c.risk))
    .sort(byDeadline);
  const overdue = items.filter((c) => c.overdue).length;
  const near = items.filter((c) => c.nearDeadline).length;
  const link = (changes: Record<string, string | undefined>) =>
    href('queue', { tab: tab || undefined, center: center || undefined, overdue: onlyOverdue ? 'true' : undefined, risk: onlyRisk ? 'true' : undefined, ...changes });
  const current = tabs.find((t) => t.tab === tab);
  return (
    <main id="main">
      <PageTitle title="我的待办">我的待办</PageTitle>
      {counts.data?.supervision.map((o) => (
        <p key={o.unitId} class="error supervision-banner" role="note">
          <strong>本单位被督办</strong>：{o.note}（{o.byName}，限 {formatLongDate(o.until)} 前整改）
        </p>
      ))}
      {!volunteer && (
        <nav class="tabs work-tabs" aria-label="待办分类">
          <a href={link({ tab: undefined })} aria-current={tab === '' ? 'page' : undefined}>
            全部
          </a>
          {tabs.map((t) => (
            <a key={t.tab} href={link({ tab: t.tab })} aria-current={tab === t.tab ? 'page' : undefined} data-tab={t.tab}>
              {t.name}
              <span class={`count${t.count > 0 ? ' has' : ''}`} aria-label={`${t.count} 件`}>
                {t.count}
                {t.capped ? '+' : ''}
              </span>
              {t.overdue > 0 && <span class="badge overdue">超时 {t.overdue}</span>}
            </a>
          ))}
        </nav>
      )}
      <form class="queue-filters" aria-label="筛选" key={route.query.toString()} onSubmit={(e) => e.preventDefault()}>
        <label>
          中心
          <select name="center" onChange={(e) => navigate(link({ center: (e.currentTarget as HTMLSelectElement).value || undefined }))}>
            <option value="">全部</option>
            {CENTERS.map((c) => (
              <option key={c.code} value={c.code} selected={center === c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={onlyOverdue} onChange={(e) => navigate(link({ overdue: (e.currentTarget as HTMLInputElement).checked ? 'true' : undefined }))} />
          仅超时
        </label>
        <label class="check">
          <input type="checkbox" checked={onlyRisk} onChange={(e) => navigate(link({ risk: (e.currentTarget as HTMLInputElement).checked ? 'true' : undefined }))} />
          仅有风险
        </label>
      </form>
      <p class="muted">
        {volunteer ? '派给我的任务' : `${me.unit?.fullName ?? ''}${current ? ` · ${current.name}` : ''}`}：{items.length} 件
        {overdue > 0 && <span class="badge overdue">超时 {overdue}</span>}
        {near > 0 && <span class="badge near">临期 {near}</span>}
        <button
          type="button"
          class="link"
          onClick={() => {
            list.reload();
            counts.reload();
          }}
        >
          刷新
        </button>
      </p>
      <ErrorBox error={list.error ?? counts.error} />
      {!list.loading || items.length ? <CaseTable items={items} empty={tab ? '这一类没有案件。' : '没有待办案件。'} /> : null}
      <More list={list} />
    </main>
  );
}

const FILTERS = ['unitId', 'center', 'status', 'level', 'overdue', 'risk', 'from', 'to'] as const;
const OPEN = 'pending,in_progress';
const DAY = 86_400_000;

/** The API's query for the page's filters; dates are whole days in China time. */
function apiQuery(query: URLSearchParams, limit = 50): string {
  const q = new URLSearchParams({ scope: 'subtree', limit: String(limit) });
  for (const name of FILTERS) {
    const value = query.get(name);
    if (!value) continue;
    if (name === 'from') q.set('from', `${value}T00:00:00+08:00`);
    else if (name === 'to') q.set('to', new Date(Date.parse(`${value}T00:00:00+08:00`) + DAY).toISOString());
    else q.set(name, value);
  }
  return `/v1/cases?${q}`;
}

function ExportButton({ query }: { query: URLSearchParams }) {
  const { units } = useProfile();
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const run = async () => {
    setState({ busy: true });
    try {
      const cases = await all<CaseView>(apiQuery(query, 200));
      const unitName = (id: string) => units.get(id)?.fullName ?? id;
      download(`辖区案件-${chinaDate(new Date())}.csv`, await toCsv([[...EXPORT_COLUMNS], ...cases.map((c) => exportRow(c, unitName))]));
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return (
    <>
      <button type="button" class="export" onClick={() => void run()} disabled={state.busy} title="导出符合当前条件的全部案件（不含反映人信息）">
        {state.busy ? '正在导出…' : '导出 CSV'}
      </button>
      <ErrorBox error={state.error} />
    </>
  );
}

export function Subtree({ route }: { route: Route }) {
  const { unitList } = useProfile();
  const list = usePaged(apiQuery(route.query));
  const value = (name: string) => route.query.get(name) ?? '';

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate(href('cases', Object.fromEntries(FILTERS.map((name) => [name, String(form.get(name) ?? '')]))));
  }

  return (
    <main id="main">
      <PageTitle title="辖区案件">辖区案件</PageTitle>
      <form class="filters" onSubmit={submit} aria-label="筛选" key={route.query.toString()}>
        <label>
          单位
          <select name="unitId">
            <option value="">全部辖区</option>
            {unitList
              .filter((u) => u.inMyJurisdiction)
              .map((u) => (
                <option key={u.id} value={u.id} selected={value('unitId') === u.id}>
                  {u.fullName}
                </option>
              ))}
          </select>
        </label>
        <label>
          中心
          <select name="center">
            <option value="">全部</option>
            {CENTERS.map((c) => (
              <option key={c.code} value={c.code} selected={value('center') === c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          状态
          <select name="status">
            <option value="">全部</option>
            <option value={OPEN} selected={value('status') === OPEN}>
              未办结
            </option>
            {STATUSES.map((s) => (
              <option key={s.code} value={s.code} selected={value('status') === s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          层级
          <select name="level">
            <option value="">全部</option>
            {LEVELS.map((l) => (
              <option key={l.code} value={l.code} selected={value('level') === l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          受理日期从
          <input type="date" name="from" defaultValue={value('from')} />
        </label>
        <label>
          至
          <input type="date" name="to" defaultValue={value('to')} />
        </label>
        <label class="check">
          <input type="checkbox" name="overdue" value="true" defaultChecked={value('overdue') === 'true'} />
          仅超时
        </label>
        <label class="check">
          <input type="checkbox" name="risk" value="true" defaultChecked={value('risk') === 'true'} />
          仅有风险
        </label>
        <div class="filter-buttons">
          <button type="submit" class="primary">
            筛选
          </button>
          <a href={href('cases')}>清除</a>
        </div>
      </form>
      <ExportButton query={route.query} />
      <ErrorBox error={list.error} />
      {!list.loading || list.items.length ? <CaseTable items={list.items} empty="没有符合条件的案件。" /> : null}
      <More list={list} />
    </main>
  );
}
