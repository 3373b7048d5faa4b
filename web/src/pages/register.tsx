/**
 * 登记: a mediator, 联户长 or officer files a matter for a resident who came to
 * the 矛调中心 (来访), phoned (来电) or was met on a visit (走访) — phone-first,
 * one column. The answer is the 回执 (number and 提取码) to read out or print;
 * with a phone, the resident also gets it by SMS (sent after the case's first
 * event, like every message). What is typed is kept as a draft until filed.
 */
import { useRef, useState } from 'preact/hooks';
import { api, type CaseView, type ServicesReply } from '../api.ts';
import { href, useProfile } from '../app.ts';
import { ErrorBox, PageTitle, str, useLoad } from '../components.tsx';
import { clearDraft, loadDraft, saveDraft, useDraft } from '../drafts.ts';
import { CENTERS, nameOf, PARTY_ROLES, Problem, RISK_LEVELS, SOURCES } from '../labels.ts';
import { CenterFields, readFields } from '../forms.tsx';
import { REGISTER_SOURCES } from '../../../shared/domain/registry.ts';

const FORM = 'register';
type Receipt = CaseView & { readonly trackingCode?: string };

function ReceiptView({ receipt, phone, onNext }: { receipt: Receipt; phone: string; onNext: () => void }) {
  return (
    <section class="receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title" tabIndex={-1} ref={(el) => el?.focus()}>
        已登记 · 回执
      </h2>
      <p class="muted">请向群众读出或打印，凭编号和提取码可在“诉求办理进度查询”页面查看进度。</p>
      <dl class="receipt-facts">
        <div class="field">
          <dt>编号</dt>
          <dd class="receipt-no">{receipt.trackingNo}</dd>
        </div>
        <div class="field">
          <dt>提取码</dt>
          <dd class="receipt-code">{receipt.trackingCode}</dd>
        </div>
        <div class="field">
          <dt>事项</dt>
          <dd>{receipt.title}</dd>
        </div>
        <div class="field">
          <dt>办理单位</dt>
          <dd>{receipt.unitName}</dd>
        </div>
      </dl>
      {phone && <p role="status">回执已通过短信发送至 {receipt.reporter.phone}。</p>}
      <p class="no-print buttons">
        <button type="button" class="primary" onClick={() => print()}>
          打印回执
        </button>
        <a href={href(`case/${encodeURIComponent(receipt.id)}`)}>
          查看案件
        </a>
        <button type="button" onClick={onNext}>
          继续登记
        </button>
      </p>
    </section>
  );
}

export function RegisterPage() {
  const { me, unitList } = useProfile();
  const form = useRef<HTMLFormElement>(null);
  const { initial } = useDraft(form, me.username, FORM);
  // The centre chosen decides which form follows it (a draft's centre, else the first).
  const [centerCode, setCenterCode] = useState(initial?.fields.center?.[0] ?? CENTERS[0].code);
  const center = CENTERS.find((c) => c.code === centerCode) ?? CENTERS[0];
  const [receipt, setReceipt] = useState<{ view: Receipt; phone: string }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const mine = unitList.filter((u) => u.inMyJurisdiction);
  // 群众点单: the menu of the unit chosen below (its community's, or the default).
  const [unitId, setUnitId] = useState(me.unit?.id ?? '');
  const menu = useLoad(() => api<ServicesReply>('GET', `/v1/services?unitId=${encodeURIComponent(unitId)}`), [unitId]);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    setError(undefined);
    try {
      const parties = [0, 1]
        .map((i) => ({ name: str(f, `party${i}Name`), role: str(f, `party${i}Role`), phone: str(f, `party${i}Phone`) || undefined }))
        .filter((p) => p.name);
      const phone = str(f, 'phone');
      const fields = readFields(f, center);
      const body = {
        source: str(f, 'source'),
        center: str(f, 'center'),
        title: str(f, 'title') || undefined,
        description: str(f, 'description'),
        priority: f.get('urgent') ? 'urgent' : 'normal',
        ...(str(f, 'risk') ? { risk: str(f, 'risk') } : {}),
        reporter: { ...(str(f, 'name') ? { name: str(f, 'name') } : {}), ...(phone ? { phone } : {}) },
        location: { unitId: str(f, 'unitId'), ...(str(f, 'address') ? { address: str(f, 'address') } : {}) },
        parties,
        ...(Object.keys(fields).length > 0 ? { fields } : {}),
        ...(str(f, 'service') ? { service: str(f, 'service') } : {}),
      };
      if (!body.description) throw new Problem('请填写诉求内容');
      setBusy(true);
      // The same submission again (after a lost answer or a reload) keeps its key, so it files one case.
      const draft = loadDraft(me.username, FORM);
      const payload = JSON.stringify(body);
      const submission = draft?.submission?.payload === payload ? draft.submission : { key: crypto.randomUUID(), payload };
      saveDraft(me.username, FORM, { fields: draft?.fields ?? {}, submission });
      const view = await api<Receipt>('POST', '/v1/cases', body, { idempotencyKey: submission.key });
      clearDraft(me.username, FORM);
      setReceipt({ view, phone });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (receipt) {
    return (
      <main id="main" class="register">
        <PageTitle title="登记">登记</PageTitle>
        <ReceiptView
          receipt={receipt.view}
          phone={receipt.phone}
          onNext={() => {
            setReceipt(undefined);
            setRound((r) => r + 1);
          }}
        />
      </main>
    );
  }
  return (
    <main id="main" class="register">
      <PageTitle title="登记">登记群众诉求</PageTitle>
      <p class="muted">为来访、来电或走访中反映问题的群众登记，登记后出具回执。</p>
      <form ref={form} onSubmit={submit} key={round} class="register-form">
        <fieldset class="inline">
          <legend>来源</legend>
          {REGISTER_SOURCES.map((code, i) => (
            <label class="check" key={code}>
              <input type="radio" name="source" value={code} required defaultChecked={i === 0} />
              {nameOf(SOURCES, code)}
            </label>
          ))}
        </fieldset>
        <label>
          所属中心
          <select name="center" required value={center.code} onChange={(e) => setCenterCode((e.currentTarget as HTMLSelectElement).value)}>
            {CENTERS.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}（{c.description}）
              </option>
            ))}
          </select>
        </label>
        <CenterFields center={center} key={center.code} />
        <label>
          诉求标题<small class="muted">（选填）</small>
          <input name="title" maxLength={100} />
        </label>
        <label>
          诉求内容
          <textarea name="description" required rows={5} maxLength={4000} />
        </label>
        <fieldset>
          <legend>反映人</legend>
          <label>
            姓名<small class="muted">（选填）</small>
            <input name="name" maxLength={50} autocomplete="off" />
          </label>
          <label>
            手机<small class="muted">（选填，填写后短信发送回执）</small>
            <input name="phone" type="tel" inputMode="tel" maxLength={32} autocomplete="off" />
          </label>
        </fieldset>
        <fieldset>
          <legend>当事人<small class="muted">（纠纷类选填）</small></legend>
          {[0, 1].map((i) => (
            <div class="party-row" key={i}>
              <label>
                当事人{i + 1} 姓名
                <input name={`party${i}Name`} maxLength={50} autocomplete="off" />
              </label>
              <label>
                身份
                <select name={`party${i}Role`}>
                  {PARTY_ROLES.map((r, k) => (
                    <option key={r.code} value={r.code} selected={k === i}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                电话<small class="muted">（选填）</small>
                <input name={`party${i}Phone`} type="tel" maxLength={32} autocomplete="off" />
              </label>
            </div>
          ))}
        </fieldset>
        <label>
          所在单位
          <select name="unitId" required onChange={(e) => setUnitId((e.currentTarget as HTMLSelectElement).value)}>
            {mine.map((u) => (
              <option key={u.id} value={u.id} selected={u.id === me.unit?.id}>
                {u.fullName}
              </option>
            ))}
          </select>
        </label>
        <label>
          点单服务<small class="muted">（群众点单时选择，由社区派单给志愿者）</small>
          <select name="service">
            <option value="">不是点单</option>
            {(menu.data?.items ?? []).map((item) => (
              <option key={item.code} value={item.code}>
                {item.name}
                {item.description ? `（${item.description}）` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          详细地址<small class="muted">（选填）</small>
          <input name="address" maxLength={200} />
        </label>
        <label>
          风险
          <select name="risk">
            <option value="">无明显风险</option>
            {RISK_LEVELS.map((r) => (
              <option key={r.code} value={r.code}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="urgent" value="yes" />
          紧急
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? '正在登记…' : '登记并出具回执'}
        </button>
      </form>
    </main>
  );
}
