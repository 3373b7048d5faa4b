/** Every action on a case as a small form; only those the user may take now are shown. */
import type { FunctionComponent } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api, type ActionType, type CaseView } from '../api.ts';
import { useProfile } from '../app.ts';
import { ErrorBox, str, useLoad } from '../components.tsx';
import { clearDraft, fieldsOf, loadDraft, saveDraft, useDraft } from '../drafts.ts';
import { formatDateTime, formatLongDate, fromLocalInput, toLocalInput, chinaDate } from '../format.ts';
import {
  actionName,
  CENTERS,
  CONTACT_CHANNELS,
  ESCALATION_REASONS,
  nameOf,
  OUTCOMES,
  PARTY_ROLES,
  Problem,
  RISK_LEVELS,
  SATISFACTIONS,
  PERFORMANCES,
} from '../labels.ts';
import { availableActions, nextActions } from '../permissions.ts';
import { fill, PHRASE_ACTIONS, phrasesFor, shortChinaTime, type Template } from '../../../shared/domain/templates.ts';
import type { UnitTree } from '../../../shared/domain/units.ts';
import { CenterFields, readFieldChanges } from '../forms.tsx';
import { centerDef } from '../../../shared/domain/registry.ts';

type Body = Record<string, unknown>;
interface FormSpec {
  readonly Fields?: FunctionComponent<{ c: CaseView }>;
  readonly body?: (form: FormData, c: CaseView) => Body;
  readonly hint?: (c: CaseView) => string;
}

const optional = (value: string) => value || undefined;
const lines = (value: string) => value.split('\n').map((l) => l.trim()).filter(Boolean);

function Text({ name, label, max, required = true, area = false, value }: { name: string; label: string; max: number; required?: boolean; area?: boolean; value?: string }) {
  return (
    <label>
      {label}
      {!required && <small class="muted">（选填）</small>}
      {area ? (
        <textarea name={name} maxLength={max} required={required} rows={3} defaultValue={value} />
      ) : (
        <input name={name} maxLength={max} required={required} defaultValue={value} />
      )}
    </label>
  );
}

function Choice({ name, label, options, selected }: { name: string; label: string; options: readonly { code: string; name: string }[]; selected?: string }) {
  return (
    <label>
      {label}
      <select name={name} required>
        {options.map((o) => (
          <option key={o.code} value={o.code} selected={o.code === selected}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

const reason = (label: string) => () => <Text name="reason" label={label} max={500} area />;
const withReason: FormSpec['body'] = (f) => ({ reason: str(f, 'reason') });

function DispatchFields({ c }: { c: CaseView }) {
  const { units, volunteers } = useProfile();
  const below = units
    .all()
    .filter((u) => u.id !== c.unitId && units.isWithin(u.id, c.unitId))
    .sort((a, b) => a.path.localeCompare(b.path));
  return (
    <>
      <label>
        派往
        <select name="target" required>
          <option value="">请选择</option>
          {below.length > 0 && (
            <optgroup label="下级单位">
              {below.map((u) => (
                <option key={u.id} value={`unit:${u.id}`}>
                  {u.fullName}
                </option>
              ))}
            </optgroup>
          )}
          {volunteers.length > 0 && (
            <optgroup label="党员 / 志愿者">
              {volunteers.map((v) => (
                <option key={v.username} value={`volunteer:${v.username}`}>
                  {v.displayName}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <Text name="note" label="派单说明" max={500} required={false} area />
    </>
  );
}

/** Whether the parties have details the case page shows masked until 显示 (a masked one must not go into an agreement). */
const hasDetails = (c: CaseView) => c.parties.some((p) => p.phone !== undefined || p.idNumber !== undefined || p.address !== undefined);

function AgreementFields({ c }: { c: CaseView }) {
  return (
    <>
      <fieldset>
        <legend>协议当事人（至少两方）</legend>
        {c.parties.length < 2 && <p class="muted">请先用“添加当事人”登记双方当事人。</p>}
        {!c.revealed && hasDetails(c) && <p class="muted">协议书要写入当事人的完整信息：请先点击“反映人”旁的“显示”。</p>}
        {c.parties.map((p, i) => (
          <label class="check" key={i}>
            <input type="checkbox" name="party" value={String(i)} defaultChecked />
            {nameOf(PARTY_ROLES, p.role)}：{p.name}
          </label>
        ))}
      </fieldset>
      <Text name="facts" label="纠纷主要事实、争议事项" max={4000} area value={c.description} />
      <label>
        协议内容（每行一条）
        <textarea name="terms" required rows={4} maxLength={30 * 1000} />
      </label>
      <Text name="method" label="履行方式" max={500} />
      <label>
        履行期限
        <input type="date" name="deadline" required min={chinaDate(new Date())} />
      </label>
    </>
  );
}

const FORMS: Readonly<Record<ActionType, FormSpec>> = {
  accept: { hint: () => '签收后开始计算办结期限。' },
  decline: { Fields: reason('谢绝原因'), body: withReason },
  recall: { Fields: reason('收回原因'), body: withReason, hint: () => '收回后由本单位继续办理，可重新派单。' },
  note: {
    Fields: () => (
      <>
        <fieldset class="inline">
          <legend>类型</legend>
          <label class="check">
            <input type="radio" name="visibility" value="internal" defaultChecked />
            内部备注（群众看不到）
          </label>
          <label class="check">
            <input type="radio" name="visibility" value="public" />
            公开答复（群众查询可见）
          </label>
        </fieldset>
        <Text name="text" label="内容" max={2000} area />
      </>
    ),
    body: (f) => ({ visibility: str(f, 'visibility'), text: str(f, 'text') }),
  },
  contact: {
    Fields: () => (
      <>
        <Choice name="channel" label="方式" options={CONTACT_CHANNELS} />
        <Text name="summary" label="联系情况" max={1000} area />
      </>
    ),
    body: (f) => ({ channel: str(f, 'channel'), summary: str(f, 'summary') }),
  },
  dispatch: {
    Fields: DispatchFields,
    body: (f) => {
      const [kind, id] = str(f, 'target').split(/:(.*)/);
      return { [kind === 'volunteer' ? 'toVolunteerId' : 'toUnitId']: id, note: optional(str(f, 'note')) };
    },
  },
  return: { Fields: reason('退回原因（如不属于本单位管辖）'), body: withReason, hint: () => '退回派单的上级单位。' },
  escalate: {
    Fields: reason('上报理由'),
    body: withReason,
    hint: () => `上报原因记为“${nameOf(ESCALATION_REASONS, 'manual')}”，由上一级接办。`,
  },
  extend_request: {
    Fields: ({ c }) => (
      <>
        <label>
          延期至
          <input type="datetime-local" name="until" required min={c.resolveDueAt && toLocalInput(new Date(c.resolveDueAt))} />
        </label>
        <Text name="reason" label="延期理由" max={500} area />
      </>
    ),
    body: (f) => ({ until: fromLocalInput(str(f, 'until')), reason: str(f, 'reason') }),
    hint: (c) => `当前办结期限 ${formatDateTime(c.resolveDueAt)}；由上一级审批。`,
  },
  extend_decide: {
    Fields: () => (
      <>
        <fieldset class="inline">
          <legend>审批意见</legend>
          <label class="check">
            <input type="radio" name="approved" value="yes" required />
            批准
          </label>
          <label class="check">
            <input type="radio" name="approved" value="no" />
            不批准
          </label>
        </fieldset>
        <Text name="comment" label="说明" max={500} required={false} area />
      </>
    ),
    body: (f) => ({ approved: str(f, 'approved') === 'yes', comment: optional(str(f, 'comment')) }),
    hint: (c) => (c.extensionRequest ? `申请延期至 ${formatDateTime(c.extensionRequest.until)}：${c.extensionRequest.reason}` : ''),
  },
  add_party: {
    Fields: () => (
      <>
        <Text name="name" label="姓名 / 名称" max={50} />
        <Choice name="role" label="身份" options={PARTY_ROLES} />
        <label>
          电话<small class="muted">（选填）</small>
          <input name="phone" type="tel" maxLength={32} />
        </label>
        <label>
          身份证号<small class="muted">（选填）</small>
          <input name="idNumber" maxLength={18} pattern="\d{17}[\dXx]" />
        </label>
        <Text name="address" label="住址" max={200} required={false} />
      </>
    ),
    body: (f) => ({
      party: {
        name: str(f, 'name'),
        role: str(f, 'role'),
        phone: optional(str(f, 'phone')),
        idNumber: optional(str(f, 'idNumber')),
        address: optional(str(f, 'address')),
      },
    }),
  },
  schedule_session: {
    Fields: () => {
      const { me } = useProfile();
      return (
        <>
          <label>
            时间
            <input type="datetime-local" name="at" required />
          </label>
          <Text name="place" label="地点" max={200} value="社区调解室" />
          <Text name="mediators" label="调解员（用顿号或逗号分隔）" max={500} value={me.displayName} />
        </>
      );
    },
    body: (f) => ({ at: fromLocalInput(str(f, 'at')), place: str(f, 'place'), mediators: str(f, 'mediators').split(/[、,，\s]+/).filter(Boolean) }),
  },
  record_minutes: {
    Fields: ({ c }) => (
      <>
        <label>
          调解场次
          <select name="sessionId" required>
            {c.sessions.map((s) => (
              <option key={s.id} value={s.id}>
                {formatDateTime(s.at)} {s.place}
              </option>
            ))}
          </select>
        </label>
        <label>
          调解笔录
          <textarea name="content" required rows={6} maxLength={20000} />
        </label>
      </>
    ),
    body: (f) => ({ sessionId: str(f, 'sessionId'), content: str(f, 'content') }),
  },
  record_agreement: {
    Fields: AgreementFields,
    body: (f, c) => {
      const parties = f.getAll('party').map((i) => c.parties[Number(i)]);
      if (parties.length < 2) throw new Problem('调解协议书至少需要两方当事人');
      if (!c.revealed && hasDetails(c)) throw new Problem('请先点击“反映人”旁的“显示”，查看当事人的完整信息后再制作协议书');
      return {
        agreement: {
          parties,
          facts: str(f, 'facts'),
          terms: lines(str(f, 'terms')),
          performance: { method: str(f, 'method'), deadline: str(f, 'deadline') },
        },
      };
    },
    hint: () => '保存后可打印调解协议书，供当事人签名。',
  },
  record_performance: {
    Fields: ({ c }) => (
      <>
        {c.performanceCheck && <p class="muted">协议约定履行期限：{formatLongDate(c.performanceCheck.deadline)}</p>}
        <Choice name="performance" label="履行情况" options={PERFORMANCES} />
        <Text name="note" label="核实情况" max={1000} area />
      </>
    ),
    body: (f) => ({ performance: str(f, 'performance'), note: str(f, 'note') }),
    hint: (c) => (c.status === 'resolved' || c.status === 'closed' ? `选择“${nameOf(PERFORMANCES, 'unperformed')}”将重新办理本案。` : ''),
  },
  resolve: {
    Fields: () => (
      <>
        <Choice name="outcome" label="结果" options={OUTCOMES} />
        <Text name="summary" label="办理情况" max={2000} area />
      </>
    ),
    body: (f) => ({ outcome: str(f, 'outcome'), summary: str(f, 'summary') }),
  },
  follow_up: {
    Fields: () => (
      <>
        <fieldset class="inline">
          <legend>群众评价</legend>
          {SATISFACTIONS.map((s) => (
            <label class="check" key={s.code}>
              <input type="radio" name="satisfaction" value={s.code} required />
              {s.name}
            </label>
          ))}
        </fieldset>
        <Text name="comment" label="回访记录" max={1000} required={false} area />
      </>
    ),
    body: (f) => ({ satisfaction: str(f, 'satisfaction'), comment: optional(str(f, 'comment')) }),
    hint: () => `选择“${nameOf(SATISFACTIONS, 'dissatisfied')}”将重新办理并上报上一级。`,
  },
  reopen: { Fields: reason('重新办理的原因'), body: withReason },
  merge: {
    Fields: ({ c }) => <Text name="intoCaseId" label="并入的案件 ID" max={64} value={c.possibleRepeatOf?.[0]} />,
    body: (f) => ({ intoCaseId: str(f, 'intoCaseId') }),
    hint: () => '重复件并入另一案件后，本案不再单独办理。',
  },
  withdraw: { Fields: reason('撤回原因（如群众主动撤回）'), body: withReason },
  close: { Fields: () => <Text name="reason" label="归档说明" max={500} required={false} area />, body: (f) => ({ reason: optional(str(f, 'reason')) }) },
  reclassify: {
    Fields: ({ c }) => <Choice name="center" label="改为" options={CENTERS.filter((x) => x.code !== c.center)} />,
    body: (f) => ({ center: str(f, 'center') }),
  },
  // 补充信息: the case's centre's form (forms.tsx), filled with what the case holds.
  set_fields: {
    Fields: ({ c }) => <CenterFields center={centerDef(c.center)} values={c.fields} />,
    body: (f, c) => ({ fields: readFieldChanges(f, centerDef(c.center), c.fields) }),
    hint: (c) => `按${centerDef(c.center).name}的登记项补充或更正；改动记入办理过程。`,
  },
  locate: {
    Fields: ({ c }) => {
      const { unitList } = useProfile();
      return (
        <>
          <label>
            所在单位
            <select name="unitId">
              <option value="">不变</option>
              {unitList.map((u) => (
                <option key={u.id} value={u.id} selected={u.id === c.location.unitId}>
                  {u.fullName}
                </option>
              ))}
            </select>
          </label>
          <Text name="address" label="详细地址" max={200} required={false} value={c.location.address} />
        </>
      );
    },
    body: (f) => ({ location: { unitId: optional(str(f, 'unitId')), address: optional(str(f, 'address')) } }),
  },
  flag_risk: {
    Fields: () => (
      <>
        <Choice name="level" label="风险等级" options={RISK_LEVELS} />
        <Text name="note" label="情况说明" max={500} required={false} area />
      </>
    ),
    body: (f) => ({ level: str(f, 'level'), note: optional(str(f, 'note')) }),
    hint: () => '红色、橙色风险的楼栋、小区案件将直接上报社区。',
  },
  order_supervision: {
    Fields: () => (
      <>
        <Text name="note" label="督办意见" max={500} area />
        <label>
          限办日期
          <input type="date" name="until" required min={chinaDate(new Date())} />
        </label>
      </>
    ),
    body: (f) => ({ note: str(f, 'note'), until: str(f, 'until') }),
    hint: () => '案件所在单位会在“督办件”中看到，直至办结。',
  },
};

interface ActionProps {
  readonly c: CaseView;
  readonly onDone: (text: string, next: CaseView) => void;
  readonly onFailed: (error: unknown) => boolean;
}

/**
 * 常用语 for this action on this case, one tap each: the text goes into the
 * form's text field with its placeholders filled, to be edited before sending
 * (and kept in the draft like anything typed).
 */
function Phrases({ type, c, phrases, units, form }: { type: ActionType; c: CaseView; phrases: readonly Template[]; units: UnitTree; form: { current: HTMLFormElement | null } }) {
  const field = (PHRASE_ACTIONS as Partial<Record<ActionType, string>>)[type];
  const offered = field === undefined ? [] : phrasesFor(phrases, units, c.unitId, type, c.center);
  if (field === undefined || offered.length === 0) return null;
  const choose = (t: Template) => {
    const target = form.current?.elements.namedItem(field);
    if (!(target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement)) return;
    target.value = fill(t.text, { trackingNo: c.trackingNo, unit: units.get(c.unitId)?.fullName ?? c.unitId, deadline: shortChinaTime(c.resolveDueAt) });
    // As if typed: the draft keeps it.
    target.dispatchEvent(new Event('input', { bubbles: true }));
    target.focus();
  };
  return (
    <div class="phrases" role="group" aria-label="常用语">
      <small class="muted">常用语：</small>
      {offered.map((t) => (
        <button key={t.id} type="button" class="chip" title={t.text} onClick={() => choose(t)}>
          {t.title}
        </button>
      ))}
    </div>
  );
}

/** The draft of an action on a case: its own, per user. */
const draftName = (c: CaseView, type: ActionType) => `case:${c.id}:${type}`;

function ActionForm({ type, c, onDone, onFailed, phrases }: ActionProps & { type: ActionType; phrases: readonly Template[] }) {
  const { me, units } = useProfile();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const name = actionName(type, me.role);
  const draft = draftName(c, type);
  // What was typed comes back (after a 409, a reload, a new sign-in); a form with a draft opens by itself.
  const { initial } = useDraft(form, me.username, draft);
  const { Fields, body, hint } = FORMS[type];

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setError(undefined);
    try {
      const fields = body?.(new FormData(event.currentTarget as HTMLFormElement), c) ?? {};
      setBusy(true);
      const request = { type, expectedVersion: c.version, ...fields };
      const payload = JSON.stringify(request);
      // One Idempotency-Key per submission, kept with the draft: sending the same again (a lost answer, a reload) applies it once.
      const kept = loadDraft(me.username, draft);
      const submission = kept?.submission?.payload === payload ? kept.submission : { key: crypto.randomUUID(), payload };
      saveDraft(me.username, draft, { fields: kept?.fields ?? (form.current ? fieldsOf(form.current) : {}), submission });
      const next = await api<CaseView>('POST', `/v1/cases/${encodeURIComponent(c.id)}/actions`, request, { idempotencyKey: submission.key });
      clearDraft(me.username, draft);
      onDone(`已完成：${name}`, next);
    } catch (e) {
      if (!onFailed(e)) setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <details class={`action action-${type}`} id={`action-${type}`} open={initial !== undefined}>
      <summary>
        {name}
        {initial !== undefined && <small class="draft-mark">（有草稿）</small>}
      </summary>
      <form onSubmit={submit} ref={form}>
        {hint && <p class="muted">{hint(c)}</p>}
        <Phrases type={type} c={c} phrases={phrases} units={units} form={form} />
        {Fields && <Fields c={c} />}
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在提交…' : `确认${name}`}
        </button>
      </form>
    </details>
  );
}

/** Open an action's form and bring it into view, its first field focused. */
function openAction(type: ActionType) {
  const details = document.getElementById(`action-${type}`) as HTMLDetailsElement | null;
  if (!details) return;
  details.open = true;
  details.scrollIntoView({ block: 'start' });
  (details.querySelector('input:not([type=hidden]), select, textarea, button[type=submit]') as HTMLElement | null)?.focus({ preventScroll: true });
}

export function Actions({ c, onDone, onFailed }: ActionProps) {
  const { me, units, volunteers } = useProfile();
  const actions = availableActions(c, me, units, { volunteers: volunteers.length });
  // The 常用语 in force at the case's unit; without them (not loaded, or refused) the forms work as before.
  const templates = useLoad(
    () => (actions.length > 0 ? api<{ items: Template[] }>('GET', `/v1/templates?unitId=${encodeURIComponent(c.unitId)}`) : Promise.resolve({ items: [] })),
    [c.unitId, actions.length > 0],
  );
  const phrases = templates.data?.items ?? [];
  if (actions.length === 0) {
    return <p class="muted">{me.role === 'leader' ? '只读账号，可查看不能办理。' : '当前没有您可以办理的操作。'}</p>;
  }
  const next = nextActions(actions);
  return (
    <>
      <div class="action-list">
        {actions.map((type) => (
          // Keyed by version: after any change the forms start again from the new state (and their drafts).
          <ActionForm key={`${type}-${c.version}`} type={type} c={c} onDone={onDone} onFailed={onFailed} phrases={phrases} />
        ))}
      </div>
      {/* On a phone: what usually comes next within thumb's reach, the rest behind 更多. */}
      <nav class="action-bar" aria-label="常用操作">
        {next.map((type) => (
          <button key={type} type="button" class="primary" onClick={() => openAction(type)}>
            {actionName(type, me.role)}
          </button>
        ))}
        {actions.length > next.length && (
          <button type="button" onClick={() => document.getElementById('actions-title')?.scrollIntoView({ block: 'start' })}>
            更多
          </button>
        )}
      </nav>
    </>
  );
}
