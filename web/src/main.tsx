/** The admin page: sign-in, then the pages behind a hash router. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { UnitTree } from '../../shared/domain/units.ts';
import { api, clearSession, currentSession, onSessionChange, renewDelay, renewSession, whenUnauthorized, type Me, type Page, type Session, type UnitItem } from './api.ts';
import { href, navigate, ProfileContext, useRoute, type Profile, type Route } from './app.ts';
import { ErrorBox } from './components.tsx';
import { clearDrafts } from './drafts.ts';
import { AgreementPage } from './pages/agreement.tsx';
import { BoardPage } from './pages/board.tsx';
import { CasePage } from './pages/case.tsx';
import { Dashboard } from './pages/dashboard.tsx';
import { DeliberationsPage } from './pages/deliberations.tsx';
import { Queue, Subtree } from './pages/lists.tsx';
import { Login } from './pages/login.tsx';
import { HouseholdsPage } from './pages/households.tsx';
import { ManagePage } from './pages/manage.tsx';
import { RegisterPage } from './pages/register.tsx';
import { BaodaoPage, VolunteersPage } from './pages/volunteers.tsx';
import { CalendarBanner } from './pages/manage-calendar.tsx';
import { QuickSearch, SearchPage } from './pages/search.tsx';
import { REGISTRAR_ROLES } from '../../shared/domain/registry.ts';
// uPlot's own rules (about 1 KB) go with the page's, so the charts need no stylesheet of their own.
import 'uplot/dist/uPlot.min.css';
import './app.css';

async function loadProfile(): Promise<Omit<Profile, 'refresh'>> {
  const [me, units, volunteers] = await Promise.all([
    api<Me>('GET', '/v1/me'),
    api<Page<UnitItem>>('GET', '/v1/units'),
    api<{ items: Profile['volunteers'] }>('GET', '/v1/users?role=volunteer'),
  ]);
  return { me, units: new UnitTree(units.items), unitList: units.items, volunteers: volunteers.items };
}

function Pages({ route }: { route: Route }) {
  const [first, id, sub] = route.parts;
  if (first === 'case' && id) return sub === 'agreement' ? <AgreementPage key={id} id={id} /> : <CasePage key={id} id={id} />;
  if (first === 'cases') return <Subtree route={route} />;
  if (first === 'dashboard') return <Dashboard route={route} />;
  if (first === 'board') return <BoardPage route={route} />;
  if (first === 'register') return <RegisterPage />;
  if (first === 'households') return <HouseholdsPage />;
  if (first === 'manage') return <ManagePage route={route} />;
  if (first === 'search') return <SearchPage route={route} />;
  if (first === 'deliberations') return <DeliberationsPage route={route} />;
  if (first === 'volunteers') return <VolunteersPage />;
  if (first === 'baodao') return <BaodaoPage />;
  return <Queue route={route} />;
}

function Header({ profile, route, onLogout }: { profile: Profile; route: Route; onLogout: () => void }) {
  const { me, units } = profile;
  const hasUnitsBelow = me.unit !== undefined && units.children(me.unit.id).length > 0;
  const links = [
    { path: 'queue', name: '我的待办' },
    ...(REGISTRAR_ROLES.includes(me.role) ? [{ path: 'register', name: '登记' }] : []),
    // The 联户长's own households; those above a building, its roster.
    ...(me.role === 'volunteer' ? [] : [{ path: 'households', name: '联户' }]),
    { path: 'cases', name: '辖区案件' },
    // Volunteers work the tasks given to them; the figures and the board are for the units.
    ...(me.role !== 'volunteer' && hasUnitsBelow ? [{ path: 'board', name: '红黄牌' }] : []),
    ...(me.role === 'volunteer' ? [] : [{ path: 'deliberations', name: '议事厅' }]),
    ...(me.role === 'volunteer' ? [] : [{ path: 'dashboard', name: '统计' }, { path: 'volunteers', name: '志愿者' }]),
    ...(me.role === 'admin' ? [{ path: 'manage', name: '管理' }] : []),
  ];
  const current = route.parts[0] ?? 'queue';
  return (
    <header class="top no-print">
      <a class="brand" href={href('queue')}>
        矛调通
      </a>
      <nav aria-label="主菜单">
        {links.map((l) => (
          <a key={l.path} href={href(l.path)} aria-current={current === l.path ? 'page' : undefined}>
            {l.name}
          </a>
        ))}
      </nav>
      <QuickSearch />
      <span class="user">
        {me.displayName} · {me.unit?.name}
      </span>
      <button type="button" class="link" onClick={onLogout}>
        退出
      </button>
    </header>
  );
}

/** The longest a timer may be set for in a browser (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const EXPIRED = '登录已过期，请重新登录。您正在填写的内容已保存，登录后可继续。';

function App() {
  const route = useRoute();
  const [profile, setProfile] = useState<Omit<Profile, 'refresh'>>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [session, setSession] = useState<Session | undefined>(() => currentSession());
  /** The session ran out (or was ended in another tab) while a page was open: sign in again over it. */
  const [again, setAgain] = useState<string>();

  useEffect(() => {
    whenUnauthorized(() => {
      setSession(undefined);
      setAgain(EXPIRED);
    });
    // Another tab signed in (this one follows) or out (this one asks again, keeping the page).
    return onSessionChange((next) => {
      setSession(next);
      if (next) setAgain(undefined);
      else setAgain('您已在其他页面退出登录，请重新登录。');
    });
  }, []);

  // Before the token ends: renew it with the refresh token (an hour's token in AWS); when the sign-in itself
  // is over (the refresh token too), ask for the password again before the server refuses anything.
  useEffect(() => {
    if (!session) return;
    const expire = () => {
      setSession(undefined);
      setAgain(EXPIRED);
    };
    const started = Date.now();
    const timer = session.refreshToken
      ? setTimeout(() => {
          void renewSession(session).then((next) => (next ? setSession(next) : expire()));
        }, Math.min(renewDelay(session.expiresAt, started), MAX_TIMER_MS))
      : setTimeout(expire, Math.min(Math.max(Date.parse(session.expiresAt) - started, 0), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  }, [session]);

  useEffect(() => {
    if (!session || profile) return;
    setError(undefined);
    loadProfile().then(setProfile, setError);
  }, [session, profile]);

  // Someone else signed in (here or in another tab): their own page, not the last user's.
  useEffect(() => {
    const user = session?.user?.username;
    if (profile && user !== undefined && user !== profile.me.username) {
      setProfile(undefined);
      navigate(href('queue'));
    }
  }, [session, profile]);

  const logout = () => {
    if (profile) clearDrafts(profile.me.username);
    clearSession();
    setProfile(undefined);
    setSession(undefined);
    setAgain(undefined);
    setNotice('您已退出登录，未提交的草稿已清除。');
    navigate(href('queue'));
  };

  const signedIn = (next: Session) => {
    setNotice(undefined);
    setAgain(undefined);
    setSession(next);
  };

  // 报到 is open to anyone: a party member registering need not have an account yet.
  if (route.parts[0] === 'baodao' && !profile) return <BaodaoPage />;
  if (!profile && !session) return <Login notice={notice ?? again} onLogin={signedIn} />;
  if (!profile) {
    return (
      <main id="main">
        {error === undefined ? (
          <p class="muted">正在加载…</p>
        ) : (
          <>
            <ErrorBox error={error} />
            <button type="button" onClick={() => location.reload()}>
              重新加载
            </button>
          </>
        )}
      </main>
    );
  }
  // After the units change, in place: the page stays where it is.
  const full: Profile = { ...profile, refresh: () => loadProfile().then(setProfile, setError) };
  return (
    <ProfileContext.Provider value={full}>
      <div inert={again !== undefined}>
        <Header profile={full} route={route} onLogout={logout} />
        {/* Checked again on every page, so a year entered on one is no longer announced on the next. */}
        {full.me.role === 'admin' && <CalendarBanner key={route.parts.join('/')} />}
        <Pages route={route} />
      </div>
      {again !== undefined && <Login again={{ username: profile.me.username }} notice={again} onLogin={signedIn} />}
    </ProfileContext.Provider>
  );
}

const root = document.getElementById('app') as HTMLElement;
// The page's HTML carries a skeleton to show while this script loads on a slow link; the app takes its place.
root.replaceChildren();
render(<App />, root);
