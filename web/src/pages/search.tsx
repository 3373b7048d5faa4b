/** 查找: a case by its number, or a caller's cases by phone — what staff do when a resident rings about "my matter". */
import { useState } from 'preact/hooks';
import { normalizeTrackingNo } from '../../../shared/domain/tracking.ts';
import { api, type CaseView, type Page } from '../api.ts';
import { href, navigate, type Route } from '../app.ts';
import { CaseTable, ErrorBox, PageTitle, useLoad } from '../components.tsx';
import { Problem } from '../labels.ts';

/** Where the words typed into the search box lead: a case page, or the phone search. */
export function searchTarget(input: string): string {
  const compact = input.replace(/[\s()-]/g, '');
  if (/^\+?\d{5,}$/.test(compact)) return href('search', { phone: compact });
  const trackingNo = normalizeTrackingNo(input);
  if (trackingNo) return href(`case/${trackingNo}`);
  throw new Problem('请输入 10 位案件编号，或反映人的电话号码');
}

export function QuickSearch() {
  const [error, setError] = useState<unknown>();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = String(new FormData(form).get('q') ?? '').trim();
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
      <input name="q" type="search" required aria-label="按编号或电话查找案件" placeholder="编号或电话" maxLength={32} />
      <button type="submit">查找</button>
      {error !== undefined && (
        <div class="quick-search-error">
          <ErrorBox error={error} />
        </div>
      )}
    </form>
  );
}

export function SearchPage({ route }: { route: Route }) {
  const phone = route.query.get('phone') ?? '';
  const found = useLoad(() => api<Page<CaseView>>('GET', `/v1/cases?${new URLSearchParams({ phone })}`), [phone]);
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
