import { useState } from 'preact/hooks';
import { api, ApiError, saveSession, type Session } from '../api.ts';
import { ErrorBox, PageTitle } from '../components.tsx';

export function Login({ notice, onLogin }: { notice?: string; onLogin: () => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      saveSession(await api<Session>('POST', '/v1/auth/login', { username: form.get('username'), password: form.get('password') }));
      onLogin();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="login">
      <PageTitle title="登录">矛调通 · 调解工作台</PageTitle>
      <p class="muted">矛盾纠纷多元化解案件系统</p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {error instanceof ApiError && error.status === 401 ? (
        <p class="error" role="alert">
          <strong>用户名或密码错误</strong>
        </p>
      ) : (
        <ErrorBox error={error} />
      )}
      <form onSubmit={submit}>
        <label>
          用户名
          <input name="username" autocomplete="username" required maxLength={64} />
        </label>
        <label>
          密码
          <input name="password" type="password" autocomplete="current-password" required maxLength={200} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在登录…' : '登录'}
        </button>
      </form>
    </main>
  );
}
