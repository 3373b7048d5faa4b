/**
 * 议事结果公示: a unit's published deliberation results, for anyone
 * (`/track/?unit=<unitId>`): what was put to which meeting, who took part (how
 * many, in what capacity — never their names), what was agreed, by whom and
 * by when, and how far it has got.
 */
import { useEffect, useState } from 'preact/hooks';
import { MEETING_KINDS, PARTICIPANT_ROLES } from '../../shared/domain/deliberation.ts';
import type { publicTopicView } from '../../shared/service/views.ts';
import { api } from './api.ts';
import { formatDateTime, formatLongDate } from './format.ts';

type PublicTopic = ReturnType<typeof publicTopicView>;
const nameOf = (list: readonly { code: string; name: string }[], code: string | undefined) => list.find((x) => x.code === code)?.name ?? code ?? '';

export function PublicDeliberations({ unitId }: { unitId: string }) {
  const [reply, setReply] = useState<{ unitName: string; items: PublicTopic[] }>();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    api<{ unitName: string; items: PublicTopic[] }>('GET', `/v1/public/units/${encodeURIComponent(unitId)}/deliberations`).then(setReply, () =>
      setProblem('没有找到这个单位的公示，请核对链接。'),
    );
  }, [unitId]);
  useEffect(() => {
    if (reply) document.title = `${reply.unitName} 议事结果公示 · 矛调通`;
  }, [reply]);
  return (
    <main id="main" class="track">
      <h1>{reply ? `${reply.unitName} 议事结果公示` : '议事结果公示'}</h1>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {!reply && !problem && <p class="muted">正在加载…</p>}
      {reply && reply.items.length === 0 && <p class="empty">暂无公示的议事结果。</p>}
      {reply?.items.map((t) => (
        <article key={t.id} class="topic-public" aria-labelledby={`t-${t.id}`}>
          <h2 id={`t-${t.id}`}>{t.title}</h2>
          <p class="muted">
            {nameOf(MEETING_KINDS, t.meeting?.kind)} · {formatDateTime(t.meeting?.at)} · {t.meeting?.place} · 主持 {t.meeting?.host}
          </p>
          <p>
            参会 {t.participantCount} 人（
            {Object.entries(t.participantsByRole)
              .map(([role, n]) => `${nameOf(PARTICIPANT_ROLES, role)} ${n}`)
              .join('，')}
            ）{t.casesSettled > 0 && `，化解群众诉求 ${t.casesSettled} 件`}
          </p>
          <p class="result">
            <strong>议定结果：</strong>
            {t.result}
          </p>
          <table class="cases">
            <thead>
              <tr>
                <th scope="col">共识事项</th>
                <th scope="col">责任人</th>
                <th scope="col">完成期限</th>
                <th scope="col">进展</th>
              </tr>
            </thead>
            <tbody>
              {t.decisions.map((d) => (
                <tr key={d.id}>
                  <td data-label="共识事项">
                    {d.text}
                    {d.practical && <span class="badge">实事</span>}
                  </td>
                  <td data-label="责任人">{d.owner}</td>
                  <td data-label="完成期限">{formatLongDate(d.dueDate)}</td>
                  <td data-label="进展">{d.status === 'done' ? `已落实（${formatDateTime(d.doneAt)}）` : '落实中'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted small">公示时间：{formatDateTime(t.publishedAt)}</p>
        </article>
      ))}
    </main>
  );
}
