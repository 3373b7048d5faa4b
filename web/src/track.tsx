/**
 * The residents' page: the progress of their matter, by the number and 提取码
 * of their 回执 — the same `GET /v1/track/{no}?code=` the SMS "查询" answers.
 * `/track/?no=…` fills the number in, for links in receipts.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { normalizeTrackingNo } from '../../shared/domain/tracking.ts';
import { OUTCOMES } from '../../shared/domain/registry.ts';
import type { publicView } from '../../shared/service/views.ts';
import { api, ApiError } from './api.ts';
import { formatDateTime } from './format.ts';
import { TrackFiles } from './track-files.tsx';

type TrackView = ReturnType<typeof publicView> & { readonly mergedFrom?: string };

const CODE_PATTERN = /^\d{4,6}$/;

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return '页面出错，请刷新后重试。';
  switch (error.status) {
    case 0:
      return '网络连接失败，请检查网络后重试。';
    case 404:
      return '没有找到该编号，或提取码不正确。请核对回执短信后重试。';
    case 429:
      // Whoever typed the wrong codes may not be the resident: the channel they filed from still answers.
      return '查询失败次数过多，请 15 分钟后再试。您仍可以用提交诉求时使用的手机发短信，或在微信公众号中发送“查询 编号”，随时查看进度。';
    default:
      return error.status >= 500 ? '系统暂时出错，请稍后再试。' : `查询失败（${error.status}）。`;
  }
}

function Result({ view, code, onAgain }: { view: TrackView; code: string; onAgain: () => void }) {
  const outcome = view.resolution && OUTCOMES.find((o) => o.code === view.resolution?.outcome)?.name;
  const open = view.status === 'pending' || view.status === 'in_progress';
  return (
    <section class="track-result" aria-labelledby="result-title">
      <h2 id="result-title">
        编号 {view.mergedFrom ?? view.trackingNo} <span class={`badge status-${view.status}`}>{view.statusName}</span>
      </h2>
      {view.mergedFrom && <p class="notice">您的诉求已与相同诉求 {view.trackingNo} 合并办理，以下为合并后的办理进度。</p>}
      <dl class="facts">
        {view.title && (
          <>
            <dt>事项</dt>
            <dd>{view.title}</dd>
          </>
        )}
        <dt>类别</dt>
        <dd>{view.centerName}</dd>
        <dt>办理单位</dt>
        <dd>
          {view.unitName}（{view.levelName}）
        </dd>
        <dt>受理时间</dt>
        <dd>{formatDateTime(view.createdAt)}</dd>
        {open && view.dueAt && (
          <>
            <dt>办理期限</dt>
            <dd>{formatDateTime(view.dueAt)} 前</dd>
          </>
        )}
        {view.resolution && (
          <>
            <dt>办理结果</dt>
            <dd>
              {outcome}：{view.resolution.summary}
            </dd>
          </>
        )}
      </dl>
      {!view.mergedFrom && <TrackFiles no={view.trackingNo} code={code} count={view.attachments.length} />}
      <h3>办理记录</h3>
      <ol class="timeline">
        {[...view.timeline].reverse().map((line) => (
          <li key={`${line.at}|${line.text}`}>
            <time dateTime={line.at}>{formatDateTime(line.at)}</time>
            <p>{line.text}</p>
          </li>
        ))}
      </ol>
      <button type="button" onClick={onAgain}>
        查询其他编号
      </button>
    </section>
  );
}

function TrackPage() {
  const [view, setView] = useState<TrackView>();
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const given = new URLSearchParams(location.search).get('no') ?? '';

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const no = normalizeTrackingNo(String(form.get('no') ?? ''));
    const code = String(form.get('code') ?? '').trim();
    if (!no) return setProblem('编号是回执短信里的 10 位字母和数字，请核对。');
    if (!CODE_PATTERN.test(code)) return setProblem('提取码是回执短信里的 4–6 位数字，请核对。');
    setBusy(true);
    setProblem(undefined);
    try {
      setView(await api<TrackView>('GET', `/v1/track/${no}?${new URLSearchParams({ code })}`));
      setCode(code);
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="track">
      <h1>诉求办理进度查询</h1>
      {view ? (
        <Result view={view} code={code} onAgain={() => setView(undefined)} />
      ) : (
        <form onSubmit={submit} aria-label="查询">
          <p class="muted">请输入受理时收到的回执短信中的编号和提取码。</p>
          <label>
            编号
            <input name="no" required maxLength={20} autoComplete="off" autoCapitalize="characters" defaultValue={given} />
          </label>
          <label>
            提取码
            <input name="code" required inputMode="numeric" maxLength={6} autoComplete="off" />
          </label>
          {problem && (
            <p class="error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? '正在查询…' : '查询'}
          </button>
        </form>
      )}
      <p class="muted small">也可以用提交诉求时使用的手机回复短信或在微信中发送"查询 编号"（不需要提取码，输错提取码被暂停查询时也可以），或拨打 12345 热线。</p>
    </main>
  );
}

render(<TrackPage />, document.getElementById('app') as HTMLElement);
