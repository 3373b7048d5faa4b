/**
 * 管理 → 常用语与通知: the 常用语 mediators choose in the action forms, and the
 * wording of the messages residents are sent (with the SMS providers' approved
 * template ids), kept per unit and in force at it and below. An admin keeps
 * those of their unit and below; those above show, not editable.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, type ActionType } from '../api.ts';
import { useProfile } from '../app.ts';
import { byPath, ErrorBox, str, useLoad, useSubmit } from '../components.tsx';
import { ACTION_NAMES, CENTERS, nameOf, Problem } from '../labels.ts';
import {
  PHRASE_ACTION_CODES,
  PHRASE_PLACEHOLDERS,
  PLACEHOLDERS,
  RESIDENT_MESSAGE_KINDS,
  RESIDENT_MESSAGES,
  templateProblems,
  type ResidentMessageKind,
  type Template,
  type TemplateInput,
} from '../../../shared/domain/templates.ts';

type TemplateView = Template & { readonly unitName: string; readonly editable: boolean };
/** What the form edits: a new 常用语, a new wording, or a stored one. */
type Editing = { readonly kind: 'phrase' | 'message'; readonly template?: TemplateView };

const load = () => api<{ items: TemplateView[] }>('GET', '/v1/templates');
const actionOptions = PHRASE_ACTION_CODES.map((code) => ({ code, name: ACTION_NAMES[code as ActionType] }));
const messageOptions = RESIDENT_MESSAGE_KINDS.map((code) => ({ code, name: RESIDENT_MESSAGES[code].name }));
const placeholderList = (names: readonly string[]) => names.map((n) => `{${n}} ${PLACEHOLDERS[n as keyof typeof PLACEHOLDERS]}`).join('；');
const optional = (value: string) => value || undefined;

function TemplateForm({ editing, onSaved, onCancel }: { editing: Editing; onSaved: (saved: TemplateView) => void; onCancel: () => void }) {
  const { me, unitList } = useProfile();
  const mine = unitList.filter((u) => u.inMyJurisdiction).sort(byPath);
  const t = editing.template;
  const [kind, setKind] = useState<ResidentMessageKind>(t?.message ?? 'receipt');
  const message = editing.kind === 'message';
  const save = useSubmit(
    async (form) => {
      const body = {
        unitId: str(form, 'unitId'),
        title: str(form, 'title'),
        text: str(form, 'text'),
        ...(message
          ? { message: str(form, 'message'), center: optional(str(form, 'center')), aliyunTemplateCode: optional(str(form, 'aliyunTemplateCode')), tencentTemplateId: optional(str(form, 'tencentTemplateId')) }
          : { action: optional(str(form, 'action')), center: optional(str(form, 'center')) }),
      };
      // The server's own checks, first in the page: a wrong placeholder is named before anything is sent.
      const problems = templateProblems(body as TemplateInput);
      if (problems.length > 0) throw new Problem(problems.map((p) => p.message).join('；'));
      try {
        return await (t ? api<TemplateView>('PUT', `/v1/templates/${encodeURIComponent(t.id)}`, body) : api<TemplateView>('POST', '/v1/templates', body));
      } catch (error) {
        // One wording per message, unit and centre: the server names the one there is.
        if (error instanceof ApiError && error.status === 409) throw new Problem(error.message);
        throw error;
      }
    },
    (saved) => onSaved(saved),
  );
  const allowed = message ? RESIDENT_MESSAGES[kind].placeholders : PHRASE_PLACEHOLDERS;
  return (
    <form class="template-form" onSubmit={save.submit} key={t?.id ?? editing.kind}>
      <h3>{t ? `修改：${t.title}` : message ? '新增群众通知措辞' : '新增常用语'}</h3>
      <label>
        名称
        <input name="title" required maxLength={30} defaultValue={t?.title ?? (message ? RESIDENT_MESSAGES[kind].name : '')} />
      </label>
      <label>
        所属单位（本单位及下级适用）
        <select name="unitId" required>
          {mine.map((u) => (
            <option key={u.id} value={u.id} selected={u.id === (t?.unitId ?? me.unit?.id)}>
              {u.fullName}
            </option>
          ))}
        </select>
      </label>
      {message ? (
        <label>
          通知
          <select name="message" required onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as ResidentMessageKind)}>
            {messageOptions.map((o) => (
              <option key={o.code} value={o.code} selected={o.code === kind}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          适用操作
          <select name="action">
            <option value="">不限（该中心的所有操作）</option>
            {actionOptions.map((o) => (
              <option key={o.code} value={o.code} selected={o.code === t?.action}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        适用中心
        <select name="center">
          <option value="">不限</option>
          {CENTERS.map((o) => (
            <option key={o.code} value={o.code} selected={o.code === t?.center}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        内容
        <textarea name="text" required rows={4} maxLength={500} defaultValue={t?.text ?? (message ? RESIDENT_MESSAGES[kind].text : '')} key={message && !t ? kind : 'text'} />
      </label>
      <p class="muted">可用占位符：{placeholderList(allowed)}</p>
      {message && (
        <>
          <label>
            阿里云短信模板编号<small class="muted">（选填，如 SMS_154950909）</small>
            <input name="aliyunTemplateCode" maxLength={24} defaultValue={t?.aliyunTemplateCode} />
          </label>
          <label>
            腾讯云短信模板 ID<small class="muted">（选填，数字）</small>
            <input name="tencentTemplateId" maxLength={20} defaultValue={t?.tencentTemplateId} />
          </label>
        </>
      )}
      <ErrorBox error={save.error} />
      <div class="buttons">
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? '正在保存…' : '保存'}
        </button>
        <button type="button" onClick={onCancel}>
          取消
        </button>
      </div>
    </form>
  );
}

function Rows({ items, message, onEdit, onDelete }: { items: readonly TemplateView[]; message: boolean; onEdit: (t: TemplateView) => void; onDelete: (t: TemplateView) => void }) {
  if (items.length === 0) return <p class="empty">{message ? '各通知均使用系统默认措辞。' : '还没有常用语。'}</p>;
  return (
    <table class={`data ${message ? 'message-templates' : 'phrase-templates'}`}>
      <thead>
        <tr>
          <th scope="col">名称</th>
          <th scope="col">内容</th>
          <th scope="col">{message ? '通知' : '适用操作'}</th>
          <th scope="col">适用中心</th>
          <th scope="col">所属单位</th>
          {message && <th scope="col">短信模板</th>}
          <th scope="col" />
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
          <tr key={t.id} data-template={t.id}>
            <th scope="row" data-label="名称">
              {t.title}
            </th>
            <td data-label="内容" class="template-text">
              {t.text}
            </td>
            <td data-label={message ? '通知' : '适用操作'}>{message ? nameOf(messageOptions, t.message) : t.action ? ACTION_NAMES[t.action as ActionType] : '不限'}</td>
            <td data-label="适用中心">{t.center ? nameOf(CENTERS, t.center) : '不限'}</td>
            <td data-label="所属单位">{t.unitName}</td>
            {message && (
              <td data-label="短信模板">
                {[t.aliyunTemplateCode && `阿里云 ${t.aliyunTemplateCode}`, t.tencentTemplateId && `腾讯云 ${t.tencentTemplateId}`].filter(Boolean).join('；') || '—'}
              </td>
            )}
            <td>
              {t.editable ? (
                <>
                  <button type="button" class="link" onClick={() => onEdit(t)}>
                    修改
                  </button>
                  <button type="button" class="link" onClick={() => onDelete(t)}>
                    删除
                  </button>
                </>
              ) : (
                <small class="muted">上级单位设置</small>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Templates() {
  const list = useLoad(load, []);
  const [editing, setEditing] = useState<Editing>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const items = list.data?.items ?? [];
  const phrases = items.filter((t) => t.message === undefined);
  const messages = items.filter((t) => t.message !== undefined);
  const edit = (t: TemplateView) => setEditing({ kind: t.message === undefined ? 'phrase' : 'message', template: t });
  const remove = async (t: TemplateView) => {
    if (!confirm(`删除“${t.title}”？`)) return;
    setError(undefined);
    try {
      await api('DELETE', `/v1/templates/${encodeURIComponent(t.id)}`);
      setNotice(`已删除“${t.title}”。`);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {list.error !== undefined && <ErrorBox error={list.error} />}
      <ErrorBox error={error} />
      {editing && (
        <TemplateForm
          editing={editing}
          onCancel={() => setEditing(undefined)}
          onSaved={(saved) => {
            setNotice(`已保存“${saved.title}”。`);
            setEditing(undefined);
            list.reload();
          }}
        />
      )}
      <h2>常用语</h2>
      <p class="muted">办理案件时在回复、退回、办结等表单中一点即可填入，发送前可修改。本单位的常用语在下级单位同样可用。占位符：{placeholderList(PHRASE_PLACEHOLDERS)}。</p>
      <button type="button" onClick={() => setEditing({ kind: 'phrase' })}>
        新增常用语
      </button>
      <Rows items={phrases} message={false} onEdit={edit} onDelete={remove} />
      <h2>群众通知措辞</h2>
      <p class="muted">
        系统发给群众的短信、微信消息。离案件所在单位最近的措辞优先（同一单位内，指定中心的优先），没有时用系统默认。用阿里云、腾讯云发送短信时，填写其审核通过的模板编号，参数按下表占位符的顺序。
      </p>
      <button type="button" onClick={() => setEditing({ kind: 'message' })}>
        新增通知措辞
      </button>
      <Rows items={messages} message onEdit={edit} onDelete={remove} />
      <table class="data message-defaults">
        <caption>系统默认措辞</caption>
        <thead>
          <tr>
            <th scope="col">通知</th>
            <th scope="col">默认内容</th>
            <th scope="col">占位符（短信模板参数顺序）</th>
          </tr>
        </thead>
        <tbody>
          {RESIDENT_MESSAGE_KINDS.map((k) => (
            <tr key={k}>
              <th scope="row">{RESIDENT_MESSAGES[k].name}</th>
              <td class="template-text">{RESIDENT_MESSAGES[k].text}</td>
              <td>{RESIDENT_MESSAGES[k].placeholders.map((p) => `{${p}}`).join(' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
