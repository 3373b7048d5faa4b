/**
 * 联户: a 联户长's households on their phone — each with its open matters and
 * this month's visits — where they log a 走访 and, in the same step, raise a
 * case; edit a household; send a 宣传 notice; import a roster sheet. Those
 * above a building see its households (and the month's figures) the same way.
 */
import { useState } from 'preact/hooks';
import { api, RawBody } from '../api.ts';
import { href, useProfile } from '../app.ts';
import { ErrorBox, PageTitle, str, useLoad, useSubmit } from '../components.tsx';
import { CENTERS, nameOf, STATUSES } from '../labels.ts';
import { DUTIES, NOTICE_KINDS } from '../../../shared/domain/households.ts';

interface OpenCase {
  readonly id: string;
  readonly trackingNo: string;
  readonly status: string;
  readonly title: string;
}
interface HouseholdItem {
  readonly id: string;
  readonly unitId: string;
  readonly unitName?: string;
  readonly liaisonId: string;
  readonly liaisonName?: string;
  readonly address: string;
  readonly head: string;
  readonly phone?: string;
  readonly people: number;
  readonly notes?: string;
  readonly openCases: readonly OpenCase[];
  readonly visitsThisMonth: number;
  readonly lastVisit?: string;
}
interface Roster {
  readonly month: string;
  readonly items: readonly HouseholdItem[];
}
interface Tally {
  readonly households: number;
  readonly householdsVisited: number;
  readonly visits: number;
  readonly matters: number;
  readonly settled: number;
}
interface VisitReply {
  readonly visit: { readonly id: string; readonly caseId?: string };
  readonly case?: { readonly id: string; readonly trackingNo: string; readonly trackingCode?: string };
}

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

function VisitForm({ household, onDone }: { household: HouseholdItem; onDone: () => void }) {
  // One key per visit being written: sending it again (a lost answer) logs one visit and raises one case.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [raise, setRaise] = useState(false);
  const [done, setDone] = useState<VisitReply>();
  const { busy, error, submit } = useSubmit(
    (f) =>
      api<VisitReply>(
        'POST',
        `/v1/households/${encodeURIComponent(household.id)}/visits`,
        {
          date: str(f, 'date'),
          duty: str(f, 'duty'),
          summary: str(f, 'summary'),
          settled: f.get('settled') === 'yes',
          ...(raise ? { raiseCase: { center: str(f, 'center'), ...(str(f, 'title') ? { title: str(f, 'title') } : {}) } } : {}),
        },
        { idempotencyKey: key },
      ),
    (reply, form) => {
      setDone(reply);
      setKey(crypto.randomUUID());
      setRaise(false);
      form.reset();
      onDone();
    },
  );
  return (
    <form onSubmit={submit} class="visit-form" aria-label={`走访 ${household.address}`}>
      {done && (
        <p role="status" class="done">
          已记录走访
          {done.case && (
            <>
              ，已上报案件 <a href={href(`case/${encodeURIComponent(done.case.id)}`)}>{done.case.trackingNo}</a>
              {done.case.trackingCode && <>（提取码 {done.case.trackingCode}）</>}
            </>
          )}
        </p>
      )}
      <label>
        走访日期
        <input name="date" type="date" required defaultValue={today()} max={today()} />
      </label>
      <label>
        履职类别
        <select name="duty" required>
          {DUTIES.map((d) => (
            <option key={d.code} value={d.code}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        走访内容
        <textarea name="summary" required rows={3} maxLength={1000} />
      </label>
      <label class="check">
        <input type="checkbox" name="settled" value="yes" disabled={raise} />
        已就地化解
      </label>
      <label class="check">
        <input type="checkbox" name="raise" checked={raise} onChange={(e) => setRaise((e.currentTarget as HTMLInputElement).checked)} />
        上报为案件（户主为反映人）
      </label>
      {raise && (
        <>
          <label>
            所属中心
            <select name="center" required>
              {CENTERS.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            案件标题<small class="muted">（选填）</small>
            <input name="title" maxLength={100} />
          </label>
        </>
      )}
      <ErrorBox error={error} />
      <button type="submit" class="primary wide" disabled={busy}>
        {busy ? '正在保存…' : raise ? '记录走访并上报' : '记录走访'}
      </button>
    </form>
  );
}

function EditForm({ household, onDone }: { household: HouseholdItem; onDone: () => void }) {
  const { busy, error, submit } = useSubmit(
    (f) =>
      api('PUT', `/v1/households/${encodeURIComponent(household.id)}`, {
        head: str(f, 'head'),
        people: Number(str(f, 'people')),
        notes: str(f, 'notes') || null,
        // The phone is shown masked: only a new number typed in changes it.
        ...(str(f, 'phone') ? { phone: str(f, 'phone') } : {}),
      }),
    () => onDone(),
  );
  return (
    <form onSubmit={submit} aria-label={`修改 ${household.address}`}>
      <label>
        户主
        <input name="head" required maxLength={50} defaultValue={household.head} />
      </label>
      <label>
        新电话<small class="muted">（不改请留空）</small>
        <input name="phone" type="tel" maxLength={32} autocomplete="off" />
      </label>
      <label>
        人数
        <input name="people" type="number" min={1} max={50} required defaultValue={String(household.people)} />
      </label>
      <label>
        备注<small class="muted">（如 独居老人、困难户）</small>
        <input name="notes" maxLength={200} defaultValue={household.notes ?? ''} />
      </label>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>
        保存
      </button>
    </form>
  );
}

function HouseholdCard({ household, canEdit, onChange }: { household: HouseholdItem; canEdit: boolean; onChange: () => void }) {
  const { me } = useProfile();
  return (
    <li class="household" data-household={household.id}>
      <h2>
        {household.address} · {household.head}
      </h2>
      <p class="muted">
        {household.people} 人{household.phone && <> · {household.phone}</>}
        {household.liaisonName && me.role !== 'liaison' && <> · 联户长 {household.liaisonName}</>}
      </p>
      {household.notes && <p class="tags">{household.notes}</p>}
      <p class="muted">
        本月走访 {household.visitsThisMonth} 次{household.lastVisit && <>，最近 {household.lastVisit}</>}
      </p>
      {household.openCases.length === 0 ? (
        <p class="muted">无未办结事项</p>
      ) : (
        <ul class="open-cases" aria-label="未办结事项">
          {household.openCases.map((c) => (
            <li key={c.id}>
              <a href={href(`case/${encodeURIComponent(c.id)}`)}>{c.trackingNo}</a> {c.title} · {nameOf(STATUSES, c.status)}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <>
          <details>
            <summary>走访</summary>
            <VisitForm household={household} onDone={onChange} />
          </details>
          <details>
            <summary>修改</summary>
            <EditForm household={household} onDone={onChange} />
          </details>
        </>
      )}
    </li>
  );
}

function NoticeForm({ unitId }: { unitId: string }) {
  const [sent, setSent] = useState<{ households: number }>();
  const { busy, error, submit } = useSubmit(
    (f) => api<{ households: number }>('POST', '/v1/notices', { unitId, kind: str(f, 'kind'), text: str(f, 'text') }, { idempotencyKey: crypto.randomUUID() }),
    (reply, form) => {
      setSent(reply);
      form.reset();
    },
  );
  return (
    <form onSubmit={submit} aria-label="宣传通知">
      {sent && <p role="status">已发送给 {sent.households} 户（回复“退订”的除外）。</p>}
      <label>
        类别
        <select name="kind">
          {NOTICE_KINDS.map((k) => (
            <option key={k.code} value={k.code}>
              {k.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        内容
        <textarea name="text" required rows={3} maxLength={300} />
      </label>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>
        发送短信通知
      </button>
    </form>
  );
}

function ImportForm({ onDone }: { onDone: () => void }) {
  const [preview, setPreview] = useState<{ text: string; created: number; updated: number; unchanged: number }>();
  const [error, setError] = useState<unknown>();
  const send = async (text: string, dryRun: boolean) => {
    setError(undefined);
    try {
      const reply = await api<{ created: string[]; updated: string[]; unchanged: number }>('POST', `/v1/households/import?dryRun=${dryRun}`, new RawBody('text/csv', text));
      if (dryRun) setPreview({ text, created: reply.created.length, updated: reply.updated.length, unchanged: reply.unchanged });
      else {
        setPreview(undefined);
        onDone();
      }
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <p class="muted">CSV 表头：户编号（选填）,楼栋编号,联户长账号,地址,户主,电话,人数,备注</p>
      <input
        type="file"
        accept=".csv,text/csv"
        aria-label="选择名册文件"
        onChange={async (e) => {
          const file = (e.currentTarget as HTMLInputElement).files?.[0];
          if (file) await send(await file.text(), true);
        }}
      />
      {preview && (
        <p>
          将新增 {preview.created} 户，修改 {preview.updated} 户，{preview.unchanged} 户不变。
          <button type="button" class="primary" onClick={() => send(preview.text, false)}>
            确认导入
          </button>
        </p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

export function HouseholdsPage() {
  const { me } = useProfile();
  const [reveal, setReveal] = useState(false);
  const roster = useLoad(() => api<Roster>('GET', `/v1/households${reveal ? '?reveal=personal' : ''}`), [reveal]);
  const stats = useLoad(() => api<{ total: Tally }>('GET', '/v1/households/stats'), [roster.data]);
  const canEdit = me.role !== 'leader';
  const unitId = me.unit?.id ?? '';
  return (
    <main id="main" class="households">
      <PageTitle title="联户">{me.role === 'liaison' ? '我联系的户' : '联户名册'}</PageTitle>
      {stats.data && (
        <p class="muted" aria-label="本月统计">
          {stats.data.total.households} 户 · 本月走访 {stats.data.total.visits} 次（{stats.data.total.householdsVisited} 户）· 收集事项 {stats.data.total.matters} 件 · 就地化解 {stats.data.total.settled} 件
        </p>
      )}
      <p class="buttons">
        {!reveal && (
          <button type="button" class="link" onClick={() => setReveal(true)}>
            显示完整电话（记入查阅记录）
          </button>
        )}
      </p>
      <ErrorBox error={roster.error} />
      {roster.loading && !roster.data && <p class="muted">正在加载…</p>}
      {roster.data && roster.data.items.length === 0 && <p class="muted">名册中还没有户，请导入。</p>}
      <ul class="household-list">
        {roster.data?.items.map((h) => (
          <HouseholdCard key={h.id} household={h} canEdit={canEdit} onChange={roster.reload} />
        ))}
      </ul>
      {canEdit && (
        <>
          <details>
            <summary>发送宣传通知</summary>
            <NoticeForm unitId={unitId} />
          </details>
          <details>
            <summary>导入名册</summary>
            <ImportForm onDone={roster.reload} />
          </details>
        </>
      )}
    </main>
  );
}
