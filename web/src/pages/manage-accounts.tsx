/** 管理 → 账号: the accounts of the admin's jurisdiction — create, change, disable (never one's own). */
import { useState } from 'preact/hooks';
import { api, ApiError, type AccountView, type Page, type UnitItem } from '../api.ts';
import { useProfile } from '../app.ts';
import { byPath, ErrorBox, str, useLoad, useSubmit } from '../components.tsx';
import { nameOf, Problem, ROLES } from '../labels.ts';
import { PASSWORD_MIN_LENGTH } from '../../../shared/domain/registry.ts';

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
        <input name="password" type="password" minLength={PASSWORD_MIN_LENGTH} maxLength={200} required={!account} autoComplete="new-password" />
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

export function Accounts() {
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
