/**
 * 管理 (admins only): the accounts and units of the admin's jurisdiction, the
 * day's notifications, the holiday years, and the 常用语 and residents' message
 * wordings — each tab in its own module.
 */
import { href, useProfile, type Route } from '../app.ts';
import { PageTitle } from '../components.tsx';
import { Accounts } from './manage-accounts.tsx';
import { HolidayYears } from './manage-calendar.tsx';
import { OutboxLog } from './manage-outbox.tsx';
import { Templates } from './manage-templates.tsx';
import { Units } from './manage-units.tsx';

const TABS = [
  { path: 'accounts', name: '账号' },
  { path: 'units', name: '单位' },
  { path: 'outbox', name: '通知记录' },
  { path: 'calendar', name: '节假日' },
  { path: 'templates', name: '常用语与通知' },
] as const;

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
      {tab.path === 'units' ? (
        <Units />
      ) : tab.path === 'outbox' ? (
        <OutboxLog route={route} />
      ) : tab.path === 'templates' ? (
        <Templates />
      ) : tab.path === 'calendar' ? (
        <HolidayYears year={route.query.get('year') ?? undefined} />
      ) : (
        <Accounts />
      )}
    </main>
  );
}
