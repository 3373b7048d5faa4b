/**
 * 查找: the header box takes a case number, a caller's phone, a 12345 工单号 or
 * words — what staff have at hand when a resident rings about "my matter".
 */
import { useState } from 'preact/hooks';
import { normalizeTrackingNo } from '../../../shared/domain/tracking.ts';
import { api, type ListItem, type Page } from '../api.ts';
import { href, navigate, type Route } from '../app.ts';
import { CaseTable, ErrorBox, PageTitle, useLoad } from '../components.tsx';
import { CENTERS, Problem, STATUSES } from '../labels.ts';

/** A mobile (1xx xxxx xxxx) or a landline with its area code, as callers give them. */
const PHONE = /^(?:\+?86)?(?:1[3-9]\d{9}|0\d{2,3}\d{7,8})$/;

/** Where the words typed into the search box lead: a case page, the phone search, or the search by words (and 工单号). */
export function searchTarget(input: string): string {
  const text = input.trim();
  if (!text) throw new Problem('请输入案件编号、电话、12345 工单号或关键词');
  const compact = text.replace(/[\s()-]/g, '');
  if (PHONE.test(compact)) return href('search', { phone: compact.replace(/^\+?86(?=1)/, '') });
  const trackingNo = normalizeTrackingNo(text);
  if (trackingNo) return href(`case/${trackingNo}`);
  return href('search', { q: text });
}

export function QuickSearch() {
  const [error, setError] = useState<unknown>();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = String(new FormData(form).get('q') ?? '');
    try {
      navigate(searchTarget(input));
      setError(undefined);
      form.reset();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form role="search" class="quick-search" onSubmit={submit}>
      <input name="q" type="search" required aria-label="按编号、电话、工单号或关键词查找案件" placeholder="编号、电话、工单号或关键词" maxLength={100} />
      <button type="submit">查找</button>
      {error !== undefined && (
        <div class="quick-search-error">
          <ErrorBox error={error} />
        </div>
      )}
    </form>
  );
}

function PhoneSearch({ phone }: { phone: string }) {
  const found = useLoad(() => api<Page<ListItem>>('GET', `/v1/cases?${new URLSearchParams({ phone })}`), [phone]);
  return (
    <main id="main">
      <PageTitle title="来电查找">来电查找：{phone}</PageTitle>
      <p class="muted">您辖区内该电话反映过的案件，最新的在前。每次查找都记入所找到案件的查阅记录。</p>
      {found.error !== undefined && <ErrorBox error={found.error} />}
      {found.loading && <p class="muted">正在查找…</p>}
      {found.data && !found.loading && <CaseTable items={found.data.items} empty="您的辖区内没有该电话反映的案件。" />}
    </main>
  );
}

/** Search by words within the jurisdiction, with the usual filters; newest first, a page at a time. */
function WordSearch({ route }: { route: Route }) {
  const q = route.query.get('q') ?? '';
  const status = route.query.get('status') ?? '';
  const center = route.query.get('center') ?? '';
  const [pages, setPages] = useState<{ key: string; items: ListItem[]; cursor: string | null }>({ key: '', items: [], cursor: null });
  const key = route.query.toString();
  const params = new URLSearchParams({ q, limit: '50', ...(status ? { status } : {}), ...(center ? { center } : {}) });
  const first = useLoad(() => api<Page<ListItem>>('GET', `/v1/cases?${params}`), [key]);
  const [more, setMore] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const shown = pages.key === key ? pages : { key, items: first.data?.items ?? [], cursor: first.data?.cursor ?? null };
  const loadMore = async () => {
    if (!shown.cursor) return;
    setMore({ busy: true });
    try {
      const next = await api<Page<ListItem>>('GET', `/v1/cases?${params}&cursor=${encodeURIComponent(shown.cursor)}`);
      setPages({ key, items: [...shown.items, ...next.items], cursor: next.cursor });
      setMore({ busy: false });
    } catch (error) {
      setMore({ busy: false, error });
    }
  };
  const filter = (event: SubmitEvent) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    navigate(href('search', { q: String(f.get('q') ?? ''), status: String(f.get('status') ?? ''), center: String(f.get('center') ?? '') }));
  };
  return (
    <main id="main">
      <PageTitle title="查找">查找：{q}</PageTitle>
      <p class="muted">在您辖区的案件标题、内容和 12345 工单号中查找，最新的在前（最近一年）。</p>
      <form class="filters" onSubmit={filter} aria-label="查找条件" key={key}>
        <label>
          关键词
          <input name="q" defaultValue={q} required maxLength={100} />
        </label>
        <label>
          状态
          <select name="status">
            <option value="">全部</option>
            <option value="pending,in_progress" selected={status === 'pending,in_progress'}>
              未办结
            </option>
            {STATUSES.map((s) => (
              <option key={s.code} value={s.code} selected={status === s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          中心
          <select name="center">
            <option value="">全部</option>
            {CENTERS.map((c) => (
              <option key={c.code} value={c.code} selected={center === c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <div class="filter-buttons">
          <button type="submit" class="primary">
            查找
          </button>
        </div>
      </form>
      <ErrorBox error={first.error ?? more.error} />
      {first.loading ? <p class="muted">正在查找…</p> : <CaseTable items={shown.items} empty="没有找到符合条件的案件。" />}
      {shown.cursor && (
        <button type="button" onClick={() => void loadMore()} disabled={more.busy}>
          {more.busy ? '正在查找…' : '继续查找'}
        </button>
      )}
    </main>
  );
}

export function SearchPage({ route }: { route: Route }) {
  const phone = route.query.get('phone');
  return phone ? <PhoneSearch phone={phone} /> : <WordSearch route={route} />;
}
