/**
 * 红黄牌: the units below, ranked by how they keep their deadlines (GET
 * /v1/board), with drill-down to a unit's own units and to its overdue cases.
 * Township officers and leaders put a unit under 督办 from here.
 */
import { useState } from 'preact/hooks';
import { api, type BoardReply, type BoardRow } from '../api.ts';
import { href, navigate, useProfile, type Route } from '../app.ts';
import { ErrorBox, PageTitle, str, useLoad } from '../components.tsx';
import { chinaDate, formatLongDate, percent } from '../format.ts';
import { SUPERVISOR_ROLES } from '../../../shared/domain/registry.ts';

const DAY = 86_400_000;
const CARD_NAMES = { red: '红牌', yellow: '黄牌', green: '—' } as const;

function SuperviseForm({ row, onDone }: { row: BoardRow; onDone: (text: string) => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const path = `/v1/units/${encodeURIComponent(row.unitId)}/supervision`;
  const send = async (run: () => Promise<unknown>, text: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      onDone(text);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (row.supervision) {
    return (
      <>
        <button type="button" disabled={busy} onClick={() => void send(() => api('DELETE', path), `已解除对${row.name}的督办`)}>
          解除督办
        </button>
        <ErrorBox error={error} />
      </>
    );
  }
  return (
    <details class="action supervise">
      <summary>督办</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget as HTMLFormElement);
          void send(() => api('PUT', path, { note: str(f, 'note'), until: str(f, 'until') }), `已对${row.name}督办`);
        }}
      >
        <label>
          督办意见
          <textarea name="note" required maxLength={500} rows={2} />
        </label>
        <label>
          限期整改至
          <input type="date" name="until" required min={chinaDate(new Date())} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          确认督办
        </button>
      </form>
    </details>
  );
}

export function BoardPage({ route }: { route: Route }) {
  const { me, units } = useProfile();
  const unitId = route.query.get('unitId') || me.unit?.id || '';
  const to = chinaDate(new Date());
  const from = route.query.get('from') || chinaDate(new Date(Date.now() - 29 * DAY));
  const query = new URLSearchParams({ unitId, from: `${from}T00:00:00+08:00`, to: new Date(Date.parse(`${to}T00:00:00+08:00`) + DAY).toISOString() }).toString();
  const board = useLoad(() => api<BoardReply>('GET', `/v1/board?${query}`), [query]);
  const [notice, setNotice] = useState<string>();
  const supervisor = SUPERVISOR_ROLES.includes(me.role);
  const parent = units.parent(unitId);
  const b = board.data;
  return (
    <main id="main">
      <PageTitle title="红黄牌">红黄牌</PageTitle>
      <p class="muted">
        {b?.unit.name}：{formatLongDate(from)} 起。红牌：有案件超期 {b?.redAfterDays ?? 2} 个工作日以上；黄牌：有超期或临期案件。
        {parent && unitId !== me.unit?.id && <a href={href('board', { unitId: parent.id, from })}>返回上一级</a>}
      </p>
      {notice && (
        <p class="toast" role="status">
          {notice}
        </p>
      )}
      <ErrorBox error={board.error} />
      {board.loading && <p class="muted">正在加载…</p>}
      {b && (
        <table class="data board">
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">牌</th>
              <th scope="col">在办</th>
              <th scope="col">超期（现）</th>
              <th scope="col">临期</th>
              <th scope="col">期内超期</th>
              <th scope="col">最长超期（工作日）</th>
              <th scope="col">按期办结率</th>
              <th scope="col">督办</th>
            </tr>
          </thead>
          <tbody>
            {b.rows.map((r) => (
              <tr key={r.unitId} data-unit={r.unitId} class={`card-${r.card}`}>
                <th scope="row">
                  {r.unitId === b.unit.id || units.children(r.unitId).length === 0 ? r.name : <a href={href('board', { unitId: r.unitId, from })}>{r.name}</a>}
                </th>
                <td>
                  <span class={`badge card-${r.card}`}>{CARD_NAMES[r.card]}</span>
                </td>
                <td>{r.open}</td>
                <td>{r.overdueNow > 0 ? <a href={href('cases', { unitId: r.unitId, overdue: 'true', status: 'pending,in_progress' })}>{r.overdueNow}</a> : 0}</td>
                <td>{r.nearDeadline}</td>
                <td>{r.missed}</td>
                <td>{r.worstDelayDays}</td>
                <td>
                  {percent(r.onTimeRate.rate)}
                  <small class="muted">
                    {' '}
                    {r.onTimeRate.numerator}/{r.onTimeRate.denominator}
                  </small>
                </td>
                <td>
                  {r.supervision && (
                    <small>
                      督办中：{r.supervision.note}（限 {formatLongDate(r.supervision.until)}）
                    </small>
                  )}
                  {supervisor && r.unitId !== me.unit?.id && (
                    <SuperviseForm
                      row={r}
                      onDone={(text) => {
                        setNotice(text);
                        board.reload();
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {b?.capped && <p class="muted">在办案件较多，“现”一栏只统计了前 2000 件。</p>}
      <p>
        <button type="button" class="link" onClick={() => navigate(href('dashboard', { unitId }))}>
          查看统计
        </button>
      </p>
    </main>
  );
}
