import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, saveSession, type Session } from '../api.ts';
import { ErrorBox, PageTitle } from '../components.tsx';

interface LoginProps {
  readonly notice?: string;
  readonly onLogin: (session: Session) => void;
  /** Signing in again over the page after the session ran out: a dialog, the user's name filled in. */
  readonly again?: { readonly username: string };
}

function LoginForm({ notice, onLogin, again }: LoginProps) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const password = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (again) password.current?.focus();
  }, [again]);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      const session = await api<Session>('POST', '/v1/auth/login', { username: form.get('username'), password: form.get('password') });
      saveSession(session);
      onLogin(session);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
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
          <input name="username" autocomplete="username" required maxLength={64} defaultValue={again?.username} />
        </label>
        <label>
          密码
          <input name="password" type="password" autocomplete="current-password" required maxLength={200} ref={password} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在登录…' : '登录'}
        </button>
      </form>
    </>
  );
}

export function Login(props: LoginProps) {
  if (props.again) {
    // Over the page, which stays as it was (typed text included) for when the user is back.
    return (
      <div class="overlay">
        <div class="login dialog" role="dialog" aria-modal="true" aria-labelledby="login-again-title">
          <h1 id="login-again-title">请重新登录</h1>
          <LoginForm {...props} />
        </div>
      </div>
    );
  }
  return (
    <main id="main" class="login">
      <PageTitle title="登录">矛调通 · 调解工作台</PageTitle>
      <p class="muted">矛盾纠纷多元化解案件系统</p>
      <LoginForm {...props} />
    </main>
  );
}
