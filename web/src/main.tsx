/** The admin page: sign-in, then the pages behind a hash router. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { UnitTree } from '../../shared/domain/units.ts';
import { api, clearSession, currentSession, whenUnauthorized, type Me, type Page, type UnitItem } from './api.ts';
import { href, navigate, ProfileContext, useRoute, type Profile, type Route } from './app.ts';
import { ErrorBox } from './components.tsx';
import { AgreementPage } from './pages/agreement.tsx';
import { CasePage } from './pages/case.tsx';
import { Dashboard } from './pages/dashboard.tsx';
import { Queue, Subtree } from './pages/lists.tsx';
import { Login } from './pages/login.tsx';
import { ManagePage } from './pages/manage.tsx';
import { CalendarBanner } from './pages/manage-calendar.tsx';
import { QuickSearch, SearchPage } from './pages/search.tsx';
import './app.css';

async function loadProfile(): Promise<Omit<Profile, 'refresh'>> {
  const [me, units] = await Promise.all([api<Me>('GET', '/v1/me'), api<Page<UnitItem>>('GET', '/v1/units')]);
  return { me, units: new UnitTree(units.items), unitList: units.items };
}

function Pages({ route }: { route: Route }) {
  const [first, id, sub] = route.parts;
  if (first === 'case' && id) return sub === 'agreement' ? <AgreementPage key={id} id={id} /> : <CasePage key={id} id={id} />;
  if (first === 'cases') return <Subtree route={route} />;
  if (first === 'dashboard') return <Dashboard route={route} />;
  if (first === 'manage') return <ManagePage route={route} />;
  if (first === 'search') return <SearchPage route={route} />;
  return <Queue />;
}

function Header({ profile, route, onLogout }: { profile: Profile; route: Route; onLogout: () => void }) {
  const { me } = profile;
  const links = [
    { path: 'queue', name: '我的待办' },
    { path: 'cases', name: '辖区案件' },
    // Volunteers work the tasks given to them; the figures are for the units.
    ...(me.role === 'volunteer' ? [] : [{ path: 'dashboard', name: '统计' }]),
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

function App() {
  const route = useRoute();
  const [profile, setProfile] = useState<Omit<Profile, 'refresh'>>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [signedIn, setSignedIn] = useState(() => currentSession() !== undefined);

  useEffect(() => {
    whenUnauthorized(() => {
      setProfile(undefined);
      setSignedIn(false);
      setNotice('登录已过期或已在别处退出，请重新登录。');
    });
  }, []);

  useEffect(() => {
    if (!signedIn || profile) return;
    setError(undefined);
    loadProfile().then(setProfile, setError);
  }, [signedIn, profile]);

  const logout = () => {
    clearSession();
    setProfile(undefined);
    setSignedIn(false);
    setNotice('您已退出登录。');
    navigate(href('queue'));
  };

  if (!signedIn) {
    return (
      <Login
        notice={notice}
        onLogin={() => {
          setNotice(undefined);
          setSignedIn(true);
        }}
      />
    );
  }
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
      <Header profile={full} route={route} onLogout={logout} />
      {/* Checked again on every page, so a year entered on one is no longer announced on the next. */}
      {full.me.role === 'admin' && <CalendarBanner key={route.parts.join('/')} />}
      <Pages route={route} />
    </ProfileContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
