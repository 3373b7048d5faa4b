/** 管理 → 通知记录: a day's messages to people, those no channel could deliver marked. */
import { all, type OutboxEntryView } from '../api.ts';
import { href, navigate, type Route } from '../app.ts';
import { ErrorBox, useLoad } from '../components.tsx';
import { NOTIFICATION_TOPICS } from '../../../shared/domain/notifications.ts';
import { chinaDate, formatDateTime } from '../format.ts';
import { nameOf } from '../labels.ts';

const STATUS_NAMES: Readonly<Record<OutboxEntryView['status'], string>> = { sending: '发送中', sent: '已发送', undeliverable: '无法送达' };
/** 通知记录: every message of one China day. */
export function OutboxLog({ route }: { route: Route }) {
  const day = route.query.get('date') || chinaDate(new Date());
  const onlyFailed = route.query.get('failed') === 'true';
  const log = useLoad(() => all<OutboxEntryView>(`/v1/outbox?date=${day}&limit=500`), [day]);
  const shown = (log.data ?? []).filter((e) => !onlyFailed || e.status === 'undeliverable');
  const failed = (log.data ?? []).filter((e) => e.status === 'undeliverable').length;
  const go = (query: Record<string, string | undefined>) => navigate(href('manage/outbox', { date: day, failed: onlyFailed ? 'true' : undefined, ...query }));
  return (
    <>
      <div class="filters">
        <label>
          日期
          <input type="date" value={day} max={chinaDate(new Date())} onChange={(e) => go({ date: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <label class="check">
          <input type="checkbox" checked={onlyFailed} onChange={(e) => go({ failed: (e.currentTarget as HTMLInputElement).checked ? 'true' : undefined })} />
          仅看无法送达{failed > 0 && <span class="badge overdue">{failed}</span>}
        </label>
      </div>
      {log.error !== undefined && <ErrorBox error={log.error} />}
      {log.loading && <p class="muted">正在加载…</p>}
      {!log.loading && log.data && (shown.length === 0 ? (
        <p class="empty">{onlyFailed ? '这一天没有无法送达的通知。' : '这一天没有发出通知。'}</p>
      ) : (
        <table class="cases outbox">
          <thead>
            <tr>
              <th scope="col">时间</th>
              <th scope="col">收件人</th>
              <th scope="col">渠道</th>
              <th scope="col">类别</th>
              <th scope="col">内容</th>
              <th scope="col">状态</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={`${e.at}|${e.caseId}|${e.seq}|${e.n}|${e.ref ?? ''}`} class={e.status === 'undeliverable' ? 'is-overdue' : ''}>
                <td data-label="时间">{formatDateTime(e.at)}</td>
                <td data-label="收件人">
                  {e.recipientName} <small class="muted">{e.to}</small>
                </td>
                <td data-label="渠道">
                  {e.channel === 'wechat' ? '微信' : e.channel === 'sms' ? '短信' : e.channel}
                  {e.fallbackFrom && <small class="muted">（微信不可达，改发短信）</small>}
                </td>
                <td data-label="类别">{nameOf(NOTIFICATION_TOPICS, e.topic)}</td>
                <td data-label="内容" class="title-cell">
                  {e.caseId ? <a href={href(`case/${encodeURIComponent(e.caseId)}`)}>{e.text}</a> : e.text}
                </td>
                <td data-label="状态">
                  {e.status === 'undeliverable' ? <span class="badge overdue" title={e.reason}>{STATUS_NAMES[e.status]}</span> : STATUS_NAMES[e.status]}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}
