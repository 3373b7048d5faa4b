/**
 * 管理 (admins only): the accounts of the admin's jurisdiction — create, change,
 * disable — and its units, imported from the spreadsheet townships keep them in.
 */
import { useState } from 'preact/hooks';
import { all, api, ApiError, RawBody, type AccountView, type OutboxEntryView, type Page, type UnitItem } from '../api.ts';
import { href, navigate, useProfile, type Route } from '../app.ts';
import { ErrorBox, PageTitle, useLoad } from '../components.tsx';
import { decodeCsv, download, toCsv } from '../csv.ts';
import { chinaDate, formatDateTime } from '../format.ts';
import { LEVELS, nameOf, Problem, ROLES } from '../labels.ts';

const TABS = [
  { path: 'accounts', name: '账号' },
  { path: 'units', name: '单位' },
  { path: 'outbox', name: '通知记录' },
] as const;

const str = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
const depth = (u: UnitItem) => u.path.split('/').filter(Boolean).length - 1;
const byPath = (a: UnitItem, b: UnitItem) => a.path.localeCompare(b.path);

/** Runs a form's request with busy state and a Chinese error; `onDone` gets the reply. */
function useSubmit<T>(send: (form: FormData) => Promise<T>, onDone: (reply: T, form: HTMLFormElement) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setError(undefined);
    try {
      onDone(await send(new FormData(form)), form);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function AccountFields({ account, units }: { account?: AccountView; units: readonly UnitItem[] }) {
  return (
    <>
      {!account && (
        <label>
          用户名
          <small class="muted">（3–64 位小写字母、数字或 . _ -，登录用）</small>
          <input name="username" required minLength={3} maxLength={64} pattern="[a-z0-9][a-z0-9._\-]{2,63}" autoComplete="off" />
        </label>
      )}
      <label>
        姓名
        <input name="displayName" required maxLength={50} defaultValue={account?.displayName} />
      </label>
      <label>
        角色
        <select name="role" required>
          {ROLES.map((r) => (
            <option key={r.code} value={r.code} selected={r.code === account?.role}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        所在单位
        <select name="unitId" required>
          {units.map((u) => (
            <option key={u.id} value={u.id} selected={u.id === account?.unitId}>
              {u.fullName}
            </option>
          ))}
        </select>
      </label>
      <label>
        手机
        <small class="muted">（选填，用于接收任务通知）</small>
        <input name="phone" type="tel" maxLength={20} defaultValue={account?.phone} />
      </label>
      <label>
        {account ? '重设密码' : '初始密码'}
        {account && <small class="muted">（选填，不改请留空）</small>}
        <input name="password" type="password" minLength={8} maxLength={200} required={!account} autoComplete="new-password" />
      </label>
    </>
  );
}

function accountBody(form: FormData, account?: AccountView): Record<string, string> {
  const body: Record<string, string> = {};
  for (const name of ['displayName', 'role', 'unitId', 'phone', 'password']) {
    const value = str(form, name);
    // An edit sends only what changed; a phone cannot be cleared to nothing by the API, so empty means unchanged.
    if (value && value !== (account?.[name as keyof AccountView] ?? '')) body[name] = value;
  }
  if (!account) body.username = str(form, 'username');
  return body;
}

function CreateAccount({ units, onCreated }: { units: readonly UnitItem[]; onCreated: (a: AccountView) => void }) {
  const { busy, error, submit } = useSubmit(
    async (form) => {
      try {
        return await api<AccountView>('POST', '/v1/users', accountBody(form));
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) throw new Problem(`用户名「${str(form, 'username')}」已被使用，请换一个`);
        throw e;
      }
    },
    (account, form) => {
      form.reset();
      onCreated(account);
    },
  );
  return (
    <details class="action new-account">
      <summary>新建账号</summary>
      <form onSubmit={submit}>
        <AccountFields units={units} />
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在保存…' : '创建账号'}
        </button>
      </form>
    </details>
  );
}

function EditAccount({ account, units, onSaved }: { account: AccountView; units: readonly UnitItem[]; onSaved: (a: AccountView) => void }) {
  const { me } = useProfile();
  const save = useSubmit(
    async (form) => {
      const body = accountBody(form, account);
      if (Object.keys(body).length === 0) throw new Problem('没有修改任何内容');
      return api<AccountView>('PATCH', `/v1/users/${encodeURIComponent(account.username)}`, body);
    },
    (saved) => onSaved(saved),
  );
  const toggle = useSubmit(
    () => api<AccountView>('PATCH', `/v1/users/${encodeURIComponent(account.username)}`, { disabled: !account.disabled }),
    (saved) => onSaved(saved),
  );
  return (
    <details class="action">
      <summary>修改</summary>
      <form onSubmit={save.submit}>
        <AccountFields account={account} units={units} />
        <ErrorBox error={save.error} />
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? '正在保存…' : '保存修改'}
        </button>
      </form>
      {account.username !== me.username && (
        <form onSubmit={toggle.submit}>
          <ErrorBox error={toggle.error} />
          <button type="submit" disabled={toggle.busy}>
            {account.disabled ? '启用账号' : '停用账号'}
          </button>
        </form>
      )}
    </details>
  );
}

function Accounts() {
  const loaded = useLoad(
    () => Promise.all([api<{ items: AccountView[] }>('GET', '/v1/users'), api<Page<UnitItem>>('GET', '/v1/units')]),
    [],
  );
  const [notice, setNotice] = useState<string>();
  const [role, setRole] = useState('');
  const [search, setSearch] = useState('');
  if (loaded.error !== undefined) return <ErrorBox error={loaded.error} />;
  if (!loaded.data) return <p class="muted">正在加载…</p>;
  const [{ items }, { items: allUnits }] = loaded.data;
  const units = allUnits.filter((u) => u.inMyJurisdiction).sort(byPath);
  const unitName = (id: string) => allUnits.find((u) => u.id === id)?.fullName ?? id;
  const done = (message: string) => (account: AccountView) => {
    setNotice(`${message}：${account.displayName}（${account.username}）`);
    loaded.reload();
  };
  const shown = items
    .filter((a) => !role || a.role === role)
    .filter((a) => !search || a.username.includes(search) || a.displayName.includes(search))
    .sort((a, b) => unitName(a.unitId).localeCompare(unitName(b.unitId), 'zh-CN') || a.username.localeCompare(b.username));
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <CreateAccount units={units} onCreated={done('已创建账号')} />
      <div class="filters">
        <label>
          角色
          <select value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">全部</option>
            {ROLES.map((r) => (
              <option key={r.code} value={r.code}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          查找
          <input type="search" placeholder="用户名或姓名" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value.trim())} />
        </label>
      </div>
      {shown.length === 0 ? (
        <p class="empty">没有符合条件的账号。</p>
      ) : (
        <table class="cases accounts">
          <thead>
            <tr>
              <th scope="col">用户名</th>
              <th scope="col">姓名</th>
              <th scope="col">角色</th>
              <th scope="col">所在单位</th>
              <th scope="col">手机</th>
              <th scope="col">状态</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={a.username} data-username={a.username} class={a.disabled ? 'is-disabled' : ''}>
                <td data-label="用户名">{a.username}</td>
                <td data-label="姓名">{a.displayName}</td>
                <td data-label="角色">{nameOf(ROLES, a.role)}</td>
                <td data-label="所在单位">{unitName(a.unitId)}</td>
                <td data-label="手机">{a.phone ?? <span class="muted">—</span>}</td>
                <td data-label="状态" class="nowrap">{a.disabled ? <span class="badge overdue">已停用</span> : '启用'}</td>
                <td data-label="操作">
                  <EditAccount key={`${a.username}:${a.disabled}:${a.role}:${a.unitId}`} account={a} units={units} onSaved={done('已保存')} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const CSV_COLUMNS = ['id', 'name', 'level', 'parentId', 'contactName', 'contactPhone'] as const;

/** The units as the import takes them back. */
const unitsCsv = (units: readonly UnitItem[]) =>
  toCsv([[...CSV_COLUMNS], ...units.map((u) => [u.id, u.name, u.level, u.parentId ?? '', u.contacts?.[0]?.name ?? '', u.contacts?.[0]?.phone ?? ''])]);

interface ImportReply {
  readonly dryRun: boolean;
  readonly imported: number;
  readonly units: number;
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: number;
}

function Units() {
  const { refresh } = useProfile();
  const list = useLoad(() => api<Page<UnitItem>>('GET', '/v1/units'), []);
  const [csv, setCsvText] = useState('');
  const [preview, setPreview] = useState<ImportReply>();
  const [notice, setNotice] = useState<string>();
  const setCsv = (text: string) => {
    setCsvText(text);
    setPreview(undefined);
  };
  // Two steps: the server checks the whole sheet and says what it would do, then the admin confirms.
  const upload = useSubmit(
    async () => {
      setNotice(undefined);
      if (!csv.trim()) throw new Problem('请先选择 CSV 文件或粘贴内容');
      return api<ImportReply>('POST', `/v1/units/import?dryRun=${preview ? 'false' : 'true'}`, new RawBody('text/csv', csv));
    },
    (reply) => {
      if (reply.dryRun) return setPreview(reply);
      setNotice(`已导入：新增 ${reply.created.length} 个、更新 ${reply.updated.length} 个单位，现共有 ${reply.units} 个单位。`);
      setCsv('');
      list.reload();
      void refresh();
    },
  );
  const pick = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (file) setCsv(decodeCsv(await file.arrayBuffer()));
  };
  const units = [...(list.data?.items ?? [])].sort(byPath);
  const nameOfUnit = (id: string) => units.find((u) => u.id === id)?.fullName ?? id;
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <details class="action unit-import">
        <summary>从表格导入单位（CSV）</summary>
        <form onSubmit={upload.submit}>
          <p class="muted">
            第一行为表头：<code>{CSV_COLUMNS.join(',')}</code>。层级填 {LEVELS.map((l) => `${l.code}（${l.name}）`).join('、')}；编号已存在的单位按表格更新，其余新增。导入后整棵单位树必须有效，否则一个也不写入。
          </p>
          <label>
            选择文件
            <input type="file" accept=".csv,text/csv" onChange={pick} />
          </label>
          <label>
            或粘贴内容
            <textarea name="csv" rows={8} value={csv} onInput={(e) => setCsv((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          {preview && (
            <div class="notice import-preview" aria-live="polite">
              <strong>
                将新增 {preview.created.length} 个、更新 {preview.updated.length} 个单位，{preview.unchanged} 个不变。请核对后确认。
              </strong>
              {preview.created.length > 0 && <p>新增：{preview.created.join('、')}</p>}
              {preview.updated.length > 0 && <p>更新：{preview.updated.map(nameOfUnit).join('、')}</p>}
            </div>
          )}
          <ErrorBox error={upload.error} />
          <button type="submit" class="primary" disabled={upload.busy || (preview !== undefined && preview.imported === 0)}>
            {upload.busy ? '正在处理…' : preview ? '确认导入' : '检查并预览'}
          </button>
          {preview && (
            <button type="button" onClick={() => setPreview(undefined)}>
              取消
            </button>
          )}
          <button type="button" class="link" disabled={units.length === 0} onClick={() => void unitsCsv(units.filter((u) => u.inMyJurisdiction)).then((text) => download('units.csv', text))}>
            导出现有单位为 CSV（可在表格中修改后导入）
          </button>
        </form>
      </details>
      {list.error !== undefined && <ErrorBox error={list.error} />}
      {list.data && (
        <table class="data units">
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">层级</th>
              <th scope="col">编号</th>
              <th scope="col">联系人</th>
            </tr>
          </thead>
          <tbody>
            {units.map((u) => (
              <tr key={u.id} data-unit={u.id} class={u.inMyJurisdiction ? '' : 'muted'}>
                <th scope="row" style={{ paddingLeft: `${0.75 + depth(u) * 1.25}rem` }}>
                  {u.name}
                </th>
                <td>{nameOf(LEVELS, u.level)}</td>
                <td>
                  <code>{u.id}</code>
                </td>
                <td>{(u.contacts ?? []).map((c) => `${c.name}${c.phone ? ` ${c.phone}` : ''}`).join('；') || <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const TOPICS: Readonly<Record<string, string>> = {
  new_case: '新案件',
  receipt: '回执',
  status: '进度',
  reply: '答复',
  resolved: '办结',
  reminder: '临期提醒',
  escalated: '上报',
  supervision: '督办',
  risk_alert: '风险预警',
  task_offered: '派单',
  task_declined: '谢绝任务',
  returned: '退回',
  extension_request: '延期申请',
  extension_decided: '延期审批',
  reopened: '重新办理',
};

const STATUS_NAMES: Readonly<Record<OutboxEntryView['status'], string>> = { sending: '发送中', sent: '已发送', undeliverable: '无法送达' };
const DAY_MS = 86_400_000;

/**
 * 通知记录: every message of one China day — the outbox is kept by UTC day, so
 * the two UTC days the China day touches are read and cut to it.
 */
function OutboxLog({ route }: { route: Route }) {
  const day = route.query.get('date') || chinaDate(new Date());
  const onlyFailed = route.query.get('failed') === 'true';
  const log = useLoad(async () => {
    const before = new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
    const pages = await Promise.all([before, day].map((d) => all<OutboxEntryView>(`/v1/outbox?date=${d}&limit=500`)));
    return pages.flat().filter((e) => chinaDate(new Date(e.at)) === day).sort((a, b) => b.at.localeCompare(a.at));
  }, [day]);
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
                <td data-label="类别">{TOPICS[e.topic] ?? e.topic}</td>
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

export function ManagePage({ route }: { route: Route }) {
  const { me } = useProfile();
  const tab = TABS.find((t) => t.path === route.parts[1]) ?? TABS[0];
  if (me.role !== 'admin') {
    return (
      <main id="main">
        <PageTitle title="管理">管理</PageTitle>
        <p class="empty">只有管理员可以管理账号和单位。</p>
      </main>
    );
  }
  return (
    <main id="main">
      <PageTitle title={`管理 · ${tab.name}`}>管理</PageTitle>
      <nav class="tabs" aria-label="管理">
        {TABS.map((t) => (
          <a key={t.path} href={href(`manage/${t.path}`)} aria-current={t.path === tab.path ? 'page' : undefined}>
            {t.name}
          </a>
        ))}
      </nav>
      {tab.path === 'units' ? <Units /> : tab.path === 'outbox' ? <OutboxLog route={route} /> : <Accounts />}
    </main>
  );
}
