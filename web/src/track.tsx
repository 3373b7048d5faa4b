/**
 * The residents' page: the progress of their matter, by the number and 提取码
 * of their 回执 — the same `GET /v1/track/{no}?code=` the SMS "查询" answers.
 * `/track/?no=…` fills the number in, for links in receipts, and puts the
 * cursor in the 提取码. After 办结 the resident rates it (满意 / 基本满意 / 不满意,
 * once; 不满意 sends it back to be worked at the level above), and at any time
 * may add to what they reported. `/track/?unit=…` is instead the unit's
 * 议事结果公示 (public-deliberations.tsx).
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { normalizeTrackingNo } from '../../shared/domain/tracking.ts';
import { OUTCOMES, SATISFACTIONS } from '../../shared/domain/registry.ts';
import type { publicView } from '../../shared/service/views.ts';
import { api, ApiError } from './api.ts';
import { formatDateTime } from './format.ts';
import { TrackFiles } from './track-files.tsx';
import { PublicDeliberations } from './public-deliberations.tsx';

type TrackView = ReturnType<typeof publicView> & { readonly mergedFrom?: string };

const CODE_PATTERN = /^\d{4,6}$/;

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return '页面出错，请刷新后重试。';
  switch (error.status) {
    case 0:
      return '网络连接失败，请检查网络后重试。';
    case 400:
      return '填写的内容有误：' + (error.issues.map((i) => i.message).join('；') || error.message);
    case 404:
      return '没有找到该编号，或提取码不正确。请核对回执短信后重试。';
    case 422:
      return '该诉求现在不能这样操作（可能已评价过，或已归档）。';
    case 429:
      // Whoever typed the wrong codes may not be the resident: the channel they filed from still answers.
      return '操作过于频繁，请 15 分钟后再试。您仍可以用提交诉求时使用的手机发短信，或在微信公众号中发送“查询 编号”，随时查看进度。';
    default:
      return error.status >= 500 ? '系统暂时出错，请稍后再试。' : `操作失败（${error.status}）。`;
  }
}

function Rating({ view, send }: { view: TrackView; send: (path: string, body: Record<string, string>) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const comment = useRef<HTMLTextAreaElement>(null);
  if (view.followUp) {
    return (
      <p class="notice">
        您的评价：{view.followUp.satisfactionName}（{formatDateTime(view.followUp.at)}）
      </p>
    );
  }
  if (!view.canRate) return null;
  const rate = async (satisfaction: string) => {
    setBusy(true);
    await send('follow-up', { satisfaction, ...(comment.current?.value.trim() ? { comment: comment.current.value.trim() } : {}) });
    setBusy(false);
  };
  return (
    <section class="rating" aria-labelledby="rating-title">
      <h3 id="rating-title">对办理结果的评价</h3>
      <p class="muted">每次办结可评价一次；选择“不满意”将重新办理，并由上一级接办。</p>
      <label>
        意见<small class="muted">（选填）</small>
        <textarea ref={comment} maxLength={500} rows={2} />
      </label>
      <div class="rating-buttons">
        {SATISFACTIONS.map((s) => (
          <button key={s.code} type="button" class={s.code === 'dissatisfied' ? '' : 'primary'} disabled={busy} onClick={() => void rate(s.code)}>
            {s.name}
          </button>
        ))}
      </div>
    </section>
  );
}

function AddInformation({ send }: { send: (path: string, body: Record<string, string>) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text) return;
    setBusy(true);
    await send('messages', { text });
    setBusy(false);
    form.reset();
  };
  return (
    <form class="add-info" onSubmit={submit} aria-labelledby="add-info-title">
      <h3 id="add-info-title">补充情况</h3>
      <label>
        补充的情况（工作人员可见）
        <textarea name="text" required maxLength={1000} rows={3} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? '正在提交…' : '提交补充'}
      </button>
    </form>
  );
}

function Result({ view, code, onView, onAgain }: { view: TrackView; code: string; onView: (v: TrackView) => void; onAgain: () => void }) {
  const outcome = view.resolution && OUTCOMES.find((o) => o.code === view.resolution?.outcome)?.name;
  const open = view.status === 'pending' || view.status === 'in_progress';
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const no = view.mergedFrom ?? view.trackingNo;
  const send = async (path: string, body: Record<string, string>) => {
    setProblem(undefined);
    setDone(undefined);
    try {
      onView(await api<TrackView>('POST', `/v1/track/${no}/${path}`, { code, ...body }, { idempotencyKey: crypto.randomUUID() }));
      setDone(path === 'messages' ? '已提交，工作人员会看到您补充的情况。' : '感谢您的评价。');
    } catch (error) {
      setProblem(explain(error));
    }
  };
  return (
    <section class="track-result" aria-labelledby="result-title">
      <h2 id="result-title">
        编号 {no} <span class={`badge status-${view.status}`}>{view.statusName}</span>
      </h2>
      {view.emergency && view.emergency.length > 0 && (
        <p class="error emergency" role="alert">
          如遇紧急情况，请立即拨打：
          {view.emergency.map((p, i) => (
            <span key={p.service}>
              {i > 0 && '、'}
              <a href={`tel:${p.number}`}>{p.number}</a>（{p.name}）
            </span>
          ))}
          。本页面不能代替报警和急救。
        </p>
      )}
      {view.mergedFrom && <p class="notice">您的诉求已与相同诉求 {view.trackingNo} 合并办理，以下为合并后的办理进度。</p>}
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
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
            <dd>{formatDateTime(view.dueAt)} 前办结</dd>
          </>
        )}
        {view.resolution && (
          <>
            <dt>办理结果</dt>
            <dd>
              {outcome}：{view.resolution.summary}（{formatDateTime(view.resolution.at)}）
            </dd>
          </>
        )}
      </dl>
      <Rating view={view} send={send} />
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
      {(open || view.status === 'resolved') && <AddInformation send={send} />}
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
  const codeInput = useRef<HTMLInputElement>(null);

  // A link from the receipt carries the number: the resident only has the code to type.
  useEffect(() => {
    if (!view && given) codeInput.current?.focus();
  }, [view]);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const no = normalizeTrackingNo(String(form.get('no') ?? ''));
    const typed = String(form.get('code') ?? '').trim();
    if (!no) return setProblem('编号是回执短信里的 10 位字母和数字，请核对。');
    if (!CODE_PATTERN.test(typed)) return setProblem('提取码是回执短信里的 4–6 位数字，请核对。');
    setBusy(true);
    setProblem(undefined);
    try {
      setView(await api<TrackView>('GET', `/v1/track/${no}?${new URLSearchParams({ code: typed })}`));
      setCode(typed);
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
        <Result view={view} code={code} onView={setView} onAgain={() => setView(undefined)} />
      ) : (
        <form onSubmit={submit} aria-label="查询">
          <p class="muted">请输入受理时收到的回执短信中的编号和提取码。</p>
          <label>
            编号
            <input name="no" required maxLength={20} autoComplete="off" autoCapitalize="characters" defaultValue={given} />
          </label>
          <label>
            提取码
            <input name="code" required inputMode="numeric" maxLength={6} autoComplete="off" ref={codeInput} />
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

const root = document.getElementById('app') as HTMLElement;
// The page's HTML carries the form, shown at once on a slow link; the script takes its place.
root.replaceChildren();
// `?unit=<id>`: the unit's 议事结果公示 instead of the tracking form.
const unit = new URLSearchParams(location.search).get('unit');
render(unit ? <PublicDeliberations unitId={unit} /> : <TrackPage />, root);
