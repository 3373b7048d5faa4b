import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, saveSession, type Session, type SignInChallenge } from '../api.ts';
import { ErrorBox, PageTitle } from '../components.tsx';

interface LoginProps {
  readonly notice?: string;
  readonly onLogin: (session: Session) => void;
  /** Signing in again over the page after the session ran out: a dialog, the user's name filled in. */
  readonly again?: { readonly username: string };
}

/** Groups of four, as authenticator apps show a secret typed in by hand. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

function LoginForm({ notice, onLogin, again }: LoginProps) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  /** After the password: the TOTP code asked for (officers and admins, and whoever set it up). */
  const [pending, setPending] = useState<{ username: string } & SignInChallenge>();
  const password = useRef<HTMLInputElement>(null);
  const code = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (again) password.current?.focus();
  }, [again]);
  useEffect(() => {
    if (pending) code.current?.focus();
  }, [pending]);

  async function run(step: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await step();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const signedIn = (session: Session) => {
    saveSession(session);
    onLogin(session);
  };

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const username = String(form.get('username'));
    return run(async () => {
      const reply = await api<Session | SignInChallenge>('POST', '/v1/auth/login', { username, password: form.get('password') });
      if ('challenge' in reply) setPending({ username, ...reply });
      else signedIn(reply);
    });
  }

  function submitCode(event: SubmitEvent) {
    event.preventDefault();
    if (!pending) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const typed = String(form.get('code')).replace(/\s/g, '');
    return run(async () => signedIn(await api<Session>('POST', '/v1/auth/challenge', { username: pending.username, session: pending.session, code: typed })));
  }

  const refused =
    error instanceof ApiError && error.status === 401 ? (
      <p class="error" role="alert">
        <strong>{pending ? '验证码错误，请输入验证器上当前的 6 位数字（超过 5 分钟请返回重新登录）' : '用户名或密码错误'}</strong>
      </p>
    ) : (
      <ErrorBox error={error} />
    );

  if (pending) {
    return (
      <>
        {refused}
        <form onSubmit={submitCode}>
          {pending.challenge === 'MFA_SETUP' ? (
            <div class="notice" role="status">
              <p>
                <strong>请先绑定验证器。</strong>调度员和管理员登录须输入动态验证码。请在手机上的验证器（如 Microsoft Authenticator、Google 身份验证器、腾讯身份验证器）中添加账户，手动输入下面的密钥（基于时间），然后输入它显示的 6 位数字。
              </p>
              <p>
                密钥：<code class="secret">{grouped(pending.secretCode ?? '')}</code>
              </p>
              {pending.otpauthUri && (
                <p class="muted">
                  或在手机上打开：<a href={pending.otpauthUri}>{pending.otpauthUri}</a>
                </p>
              )}
            </div>
          ) : (
            <p class="notice" role="status">
              请输入验证器上显示的 6 位验证码。
            </p>
          )}
          <label>
            验证码
            <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required maxLength={7} ref={code} />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? '正在验证…' : '验证并登录'}
          </button>
          <button type="button" disabled={busy} onClick={() => setPending(undefined)}>
            返回
          </button>
        </form>
      </>
    );
  }

  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {refused}
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
