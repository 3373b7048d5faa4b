/**
 * 议事厅: the topics (议题) under the user's unit with the period's figures,
 * raising one (from cases: their numbers), and a topic's page — the meeting
 * (kind, time, place, host), its record (participants, minutes), the agreed
 * decisions (共识) with owner and due date, the publication (公示) that
 * settles the linked cases, and each decision followed up to 已落实.
 */
import { useState } from 'preact/hooks';
import {
  MEETING_KINDS,
  PARTICIPANT_ROLES,
  TOPIC_SOURCES,
  TOPIC_STATUSES,
  type ParticipantRole,
} from '../../../shared/domain/deliberation.ts';
import type { DeliberationStats } from '../../../shared/domain/deliberation.ts';
import type { topicView } from '../../../shared/service/views.ts';
import { api } from '../api.ts';
import { href, navigate, useProfile, type Route } from '../app.ts';
import { ErrorBox, PageTitle, str, useLoad, useSubmit } from '../components.tsx';
import { chinaDate, formatDateTime, formatLongDate, fromLocalInput, toLocalInput } from '../format.ts';
import { nameOf } from '../labels.ts';

type Topic = ReturnType<typeof topicView> & { readonly events?: readonly { type: string; at: string; seq: number; actor: { id: string; name?: string } }[] };
type Stats = DeliberationStats & { readonly byUnit: readonly (DeliberationStats & { unitId: string })[] };

const CONVENERS = new Set(['liaison', 'mediator', 'officer', 'admin']);

export function DeliberationsPage({ route }: { route: Route }) {
  const id = route.parts[1];
  return id ? <TopicPage key={id} id={id} /> : <TopicList route={route} />;
}

function Figures({ stats }: { stats: DeliberationStats }) {
  const rows = [
    ['召开会议', stats.meetings],
    ['参会人次', stats.participants],
    ['议定事项', stats.settled],
    ['化解诉求', stats.casesResolved],
    ['办成实事', stats.practicalDone],
    ['待落实共识', stats.decisionsOpen],
    ['逾期共识', stats.decisionsOverdue],
  ] as const;
  return (
    <dl class="figures" aria-label="议事统计">
      {rows.map(([label, n]) => (
        <div key={label} class="figure">
          <dt>{label}</dt>
          <dd>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

function TopicList({ route }: { route: Route }) {
  const { me, units } = useProfile();
  const unitId = me.unit?.id ?? '';
  const from = route.query.get('from') ?? chinaDate(new Date(Date.now() - 29 * 86_400_000));
  const to = route.query.get('to') ?? chinaDate(new Date());
  const list = useLoad(() => api<{ items: Topic[] }>('GET', '/v1/deliberations'), []);
  const stats = useLoad(() => api<Stats>('GET', `/v1/stats/deliberations?${new URLSearchParams({ from, to })}`), [from, to]);
  const [raising, setRaising] = useState(route.query.get('cases') !== null);
  const raise = useSubmit(
    (form) =>
      api<Topic>('POST', '/v1/deliberations', {
        unitId: str(form, 'unitId'),
        title: str(form, 'title'),
        description: str(form, 'description'),
        caseIds: str(form, 'caseIds')
          .split(/[\s,，、]+/)
          .filter(Boolean),
      }),
    (topic) => navigate(href(`deliberations/${encodeURIComponent(topic.id)}`)),
  );
  const mine = [me.unit, ...(me.unit ? units.all().filter((u) => u.id !== me.unit?.id && units.isWithin(u.id, me.unit!.id)) : [])].filter((u) => u !== undefined);
  return (
    <main id="main">
      <PageTitle title="议事厅">议事厅</PageTitle>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          自
          <input type="date" value={from} onChange={(e) => navigate(href('deliberations', { from: (e.currentTarget as HTMLInputElement).value, to }))} />
        </label>
        <label>
          至
          <input type="date" value={to} onChange={(e) => navigate(href('deliberations', { from, to: (e.currentTarget as HTMLInputElement).value }))} />
        </label>
      </form>
      {stats.error !== undefined && <ErrorBox error={stats.error} />}
      {stats.data && <Figures stats={stats.data} />}
      {CONVENERS.has(me.role) &&
        (raising ? (
          <form class="panel" aria-label="发起议题" onSubmit={raise.submit}>
            <h2>发起议题</h2>
            <label>
              议事单位
              <select name="unitId" defaultValue={unitId}>
                {mine.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.fullName}
                  </option>
                ))}
              </select>
            </label>
            <label>
              议题
              <input name="title" required maxLength={100} placeholder="例如：阳光小区院落排水" />
            </label>
            <label>
              情况说明
              <textarea name="description" required maxLength={2000} rows={3} />
            </label>
            <label>
              关联诉求编号（可多个，用空格或逗号分隔）
              <input name="caseIds" defaultValue={route.query.get('cases') ?? ''} autoComplete="off" />
            </label>
            <ErrorBox error={raise.error} />
            <button type="submit" class="primary" disabled={raise.busy}>
              发起
            </button>
            <button type="button" onClick={() => setRaising(false)}>
              取消
            </button>
          </form>
        ) : (
          <button type="button" class="primary" onClick={() => setRaising(true)}>
            发起议题
          </button>
        ))}
      {list.error !== undefined && <ErrorBox error={list.error} />}
      {list.loading && <p class="muted">正在加载…</p>}
      {list.data &&
        (list.data.items.length === 0 ? (
          <p class="empty">还没有议题。</p>
        ) : (
          <table class="cases topics">
            <thead>
              <tr>
                <th scope="col">议题</th>
                <th scope="col">单位</th>
                <th scope="col">来源</th>
                <th scope="col">会议</th>
                <th scope="col">状态</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((t) => (
                <tr key={t.id}>
                  <td data-label="议题" class="title-cell">
                    <a href={href(`deliberations/${encodeURIComponent(t.id)}`)}>{t.title}</a>
                    {t.caseIds.length > 0 && <small class="muted">（关联诉求 {t.caseIds.length} 件）</small>}
                  </td>
                  <td data-label="单位">{t.unitName}</td>
                  <td data-label="来源">{nameOf(TOPIC_SOURCES, t.source)}</td>
                  <td data-label="会议">{t.meeting ? `${nameOf(MEETING_KINDS, t.meeting.kind)} · ${formatDateTime(t.meeting.at)}` : '—'}</td>
                  <td data-label="状态">
                    <span class={`badge topic-${t.status}`}>{nameOf(TOPIC_STATUSES, t.status)}</span>
                    {t.decisions.some((d) => d.remindedAt !== undefined && d.status === 'open') && <span class="badge overdue">共识逾期</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </main>
  );
}

/** Participants as the form takes them: one a line, "姓名 身份" (身份 one of the roles' names; 居民 when left out). */
function parseParticipants(text: string): { name: string; role: ParticipantRole }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = '', roleName = ''] = line.split(/[\s,，]+/);
      const role = PARTICIPANT_ROLES.find((r) => r.name === roleName || r.code === roleName)?.code ?? 'resident';
      return { name, role };
    });
}

function TopicPage({ id }: { id: string }) {
  const { me } = useProfile();
  const topic = useLoad(() => api<Topic>('GET', `/v1/deliberations/${encodeURIComponent(id)}`), [id]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const t = topic.data;
  const act = async (body: Record<string, unknown>, form?: HTMLFormElement) => {
    if (!t) return;
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `/v1/deliberations/${encodeURIComponent(id)}/actions`, { expectedVersion: t.version, ...body });
      form?.reset();
      topic.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const on = (build: (form: FormData) => Record<string, unknown>) => (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    void act(build(new FormData(form)), form);
  };
  if (topic.error !== undefined) return <main id="main"><ErrorBox error={topic.error} /></main>;
  if (!t) return <main id="main"><p class="muted">正在加载…</p></main>;
  const convener = CONVENERS.has(me.role);
  return (
    <main id="main">
      <p class="no-print">
        <a href={href('deliberations')}>← 议事厅</a>
      </p>
      <PageTitle title={t.title}>{t.title}</PageTitle>
      <p>
        <span class={`badge topic-${t.status}`}>{nameOf(TOPIC_STATUSES, t.status)}</span> {t.unitName} · {nameOf(TOPIC_SOURCES, t.source)} ·{' '}
        {formatDateTime(t.createdAt)}
      </p>
      <p>{t.description}</p>
      {t.caseIds.length > 0 && (
        <section aria-labelledby="linked">
          <h2 id="linked">关联诉求</h2>
          <ul class="linked-cases">
            {t.caseIds.map((c) => (
              <li key={c}>
                <a href={href(`case/${encodeURIComponent(c)}`)}>{c}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="meeting">
        <h2 id="meeting">会议</h2>
        {t.meeting ? (
          <p>
            {nameOf(MEETING_KINDS, t.meeting.kind)} · {formatDateTime(t.meeting.at)} · {t.meeting.place} · 主持人 {t.meeting.host}
          </p>
        ) : (
          <p class="muted">尚未排会。</p>
        )}
        {convener && (t.status === 'raised' || t.status === 'scheduled') && (
          <form class="panel" aria-label="排定会议" onSubmit={on((f) => ({ type: 'schedule', meeting: { kind: str(f, 'kind'), at: fromLocalInput(str(f, 'at')), place: str(f, 'place'), host: str(f, 'host') } }))}>
            <label>
              会议形式
              <select name="kind">
                {MEETING_KINDS.map((k) => (
                  <option key={k.code} value={k.code}>
                    {k.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              时间
              <input type="datetime-local" name="at" required defaultValue={toLocalInput(new Date())} />
            </label>
            <label>
              地点
              <input name="place" required maxLength={200} />
            </label>
            <label>
              主持人
              <input name="host" required maxLength={50} defaultValue={me.displayName.replace(/[（(].*$/, '')} />
            </label>
            <button type="submit" disabled={busy}>
              {t.meeting ? '改期' : '排定会议'}
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="record">
        <h2 id="record">会议记录</h2>
        {t.heldAt ? (
          <>
            <p>
              参会 {t.participants.length} 人：
              {t.participants.map((p) => `${p.name ?? '—'}（${nameOf(PARTICIPANT_ROLES, p.role)}）`).join('、')}
            </p>
            <pre class="minutes">{t.minutes}</pre>
          </>
        ) : convener && t.status === 'scheduled' ? (
          <form class="panel" aria-label="记录会议" onSubmit={on((f) => ({ type: 'hold', participants: parseParticipants(str(f, 'participants')), minutes: str(f, 'minutes') }))}>
            <label>
              参会人（每行一人：姓名 身份，身份为 {PARTICIPANT_ROLES.map((r) => r.name).join('、')}）
              <textarea name="participants" required rows={4} />
            </label>
            <label>
              会议纪要
              <textarea name="minutes" required rows={4} maxLength={8000} />
            </label>
            <button type="submit" disabled={busy}>
              记录会议
            </button>
          </form>
        ) : (
          <p class="muted">会议召开后记录。</p>
        )}
      </section>
      <section aria-labelledby="decisions">
        <h2 id="decisions">共识事项</h2>
        {t.decisions.length === 0 ? (
          <p class="muted">尚无共识。</p>
        ) : (
          <table class="cases decisions">
            <thead>
              <tr>
                <th scope="col">事项</th>
                <th scope="col">责任人</th>
                <th scope="col">完成期限</th>
                <th scope="col">进展</th>
              </tr>
            </thead>
            <tbody>
              {t.decisions.map((d) => (
                <tr key={d.id} class={d.remindedAt && d.status === 'open' ? 'is-overdue' : ''}>
                  <td data-label="事项">
                    {d.text}
                    {d.practical && <span class="badge">实事</span>}
                  </td>
                  <td data-label="责任人">{d.owner}</td>
                  <td data-label="完成期限">
                    {formatLongDate(d.dueDate)}
                    {d.remindedAt && d.status === 'open' && <span class="badge overdue">逾期</span>}
                  </td>
                  <td data-label="进展">
                    {d.status === 'done' ? (
                      `已落实：${d.doneNote ?? ''}`
                    ) : convener && t.status === 'published' ? (
                      <form class="inline" aria-label={`落实 ${d.text}`} onSubmit={on((f) => ({ type: 'complete_decision', decisionId: d.id, note: str(f, 'note') }))}>
                        <input name="note" required maxLength={500} placeholder="落实情况" aria-label="落实情况" />
                        <button type="submit" disabled={busy}>
                          落实
                        </button>
                      </form>
                    ) : (
                      '待落实'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {convener && t.status === 'held' && (
          <form
            class="panel"
            aria-label="添加共识"
            onSubmit={on((f) => ({ type: 'agree', decisions: [{ text: str(f, 'text'), owner: str(f, 'owner'), dueDate: str(f, 'dueDate'), practical: f.get('practical') === 'on' }] }))}
          >
            <label>
              共识内容
              <input name="text" required maxLength={500} />
            </label>
            <label>
              责任人
              <input name="owner" required maxLength={50} />
            </label>
            <label>
              完成期限
              <input type="date" name="dueDate" required min={chinaDate(new Date())} />
            </label>
            <label class="check">
              <input type="checkbox" name="practical" />
              属于为民办实事
            </label>
            <button type="submit" disabled={busy}>
              添加共识
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="publication">
        <h2 id="publication">结果公示</h2>
        {t.publication ? (
          <p>
            {formatDateTime(t.publication.at)} 公示：{t.publication.result}
            {t.publication.resolvesCases && t.caseIds.length > 0 && `（关联的 ${t.caseIds.length} 件诉求据此办结）`}{' '}
            <a href={`../track/?unit=${encodeURIComponent(t.unitId)}`} target="_blank" rel="noopener">
              查看公示页
            </a>
          </p>
        ) : convener && t.status === 'held' && t.decisions.length > 0 ? (
          <form class="panel" aria-label="公示结果" onSubmit={on((f) => ({ type: 'publish', result: str(f, 'result'), resolvesCases: f.get('resolvesCases') === 'on' }))}>
            <label>
              议定结果
              <textarea name="result" required rows={3} maxLength={2000} />
            </label>
            {t.caseIds.length > 0 && (
              <label class="check">
                <input type="checkbox" name="resolvesCases" defaultChecked />
                据此办结关联的 {t.caseIds.length} 件诉求，并告知反映人
              </label>
            )}
            <button type="submit" class="primary" disabled={busy}>
              公示
            </button>
          </form>
        ) : (
          <p class="muted">议定共识后公示。</p>
        )}
      </section>
      {convener && (t.status === 'raised' || t.status === 'scheduled' || t.status === 'held') && (
        <details>
          <summary>撤销议题</summary>
          <form class="inline" aria-label="撤销议题" onSubmit={on((f) => ({ type: 'cancel', reason: str(f, 'reason') }))}>
            <input name="reason" required maxLength={500} aria-label="撤销原因" placeholder="撤销原因" />
            <button type="submit" disabled={busy}>
              撤销
            </button>
          </form>
        </details>
      )}
      <ErrorBox error={error} />
    </main>
  );
}
