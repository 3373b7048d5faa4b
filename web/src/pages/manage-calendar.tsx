/**
 * 管理 → 节假日: the years whose holidays and 调休 workdays the working
 * calendar knows, and a form to enter a year the State Council has published
 * (PUT /v1/config/calendar); and the banner that tells admins, on every page,
 * of a year in the next 60 days that nobody entered (its deadlines count
 * weekends only meanwhile).
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { href } from '../app.ts';
import { ErrorBox, useLoad, useSubmit } from '../components.tsx';
import { Problem } from '../labels.ts';

interface YearEntry {
  readonly year: number;
  readonly holidays: readonly string[];
  readonly workdays: readonly string[];
}

interface CalendarReply {
  readonly stored: { readonly years: readonly YearEntry[] } | null;
  readonly effective: { readonly knownYears: readonly number[]; readonly uncoveredYears: readonly number[] };
}

const load = () => api<CalendarReply>('GET', '/v1/config/calendar');
/** Told when a year is saved, so the banner checks again at once. */
const CHANGED = 'calendar-changed';

/** The admins' banner: years of the next 60 days without their holidays entered. */
export function CalendarBanner() {
  const calendar = useLoad(load, []);
  useEffect(() => {
    const again = () => calendar.reload();
    addEventListener(CHANGED, again);
    return () => removeEventListener(CHANGED, again);
  }, []);
  const years = calendar.data?.effective.uncoveredYears ?? [];
  if (years.length === 0) return null;
  return (
    <p class="banner no-print" role="alert">
      {years.map((y) => `${y} 年`).join('、')}节假日安排未录入：到期时间暂按周末计算，可能不准确。
      <a href={href('manage/calendar', { year: String(years[0]) })}>去录入</a>
    </p>
  );
}

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One date a line, or a span `2027-02-06~2027-02-13` (春节 is one); the lines that are neither. */
export function datesOf(text: string): { dates: string[]; bad: string[] } {
  const dates = new Set<string>();
  const bad: string[] = [];
  for (const line of text.split(/[\n,，、]/).map((l) => l.trim()).filter(Boolean)) {
    const [from = '', to = from] = line.split(/\s*[~～至]\s*/);
    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`);
    if (!DATE.test(from) || !DATE.test(to) || Number.isNaN(start) || Number.isNaN(end) || end < start || end - start > 31 * DAY) {
      bad.push(line);
      continue;
    }
    for (let t = start; t <= end; t += DAY) dates.add(new Date(t).toISOString().slice(0, 10));
  }
  return { dates: [...dates].sort(), bad };
}

export function HolidayYears({ year: asked }: { year?: string }) {
  const calendar = useLoad(load, []);
  const [notice, setNotice] = useState<string>();
  const [editing, setEditing] = useState<YearEntry>();
  const stored = calendar.data?.stored?.years ?? [];
  const known = calendar.data?.effective.knownYears ?? [];
  const uncovered = calendar.data?.effective.uncoveredYears ?? [];
  const save = useSubmit(
    async (form) => {
      setNotice(undefined);
      const year = Number(form.get('year'));
      if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new Problem('请填写 2000–2100 之间的年份');
      const holidays = datesOf(String(form.get('holidays') ?? ''));
      const workdays = datesOf(String(form.get('workdays') ?? ''));
      const bad = [...holidays.bad, ...workdays.bad];
      if (bad.length > 0) throw new Problem(`以下内容不是日期或日期段（如 ${year}-10-01 或 ${year}-10-01~${year}-10-07）：${bad.join('、')}`);
      const years = [...stored.filter((y) => y.year !== year), { year, holidays: holidays.dates, workdays: workdays.dates }].sort((a, b) => a.year - b.year);
      await api('PUT', '/v1/config/calendar', { years });
      return { year, holidays: holidays.dates.length, workdays: workdays.dates.length };
    },
    (saved, form) => {
      setNotice(`已保存 ${saved.year} 年：放假 ${saved.holidays} 天，调休上班 ${saved.workdays} 天。之后的期限按此计算。`);
      setEditing(undefined);
      form.reset();
      calendar.reload();
      dispatchEvent(new Event(CHANGED));
    },
  );
  const defaultYear = editing?.year ?? (Number(asked) || uncovered[0] || (known.at(-1) ?? new Date().getFullYear()) + 1);
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {calendar.error !== undefined && <ErrorBox error={calendar.error} />}
      <p>
        已知节假日安排的年份：{known.length > 0 ? known.map((y) => `${y} 年`).join('、') : '无'}。未录入的年份只把周末当作休息日，期限可能算错。
      </p>
      {uncovered.length > 0 && <p class="banner">{uncovered.map((y) => `${y} 年`).join('、')}节假日安排未录入。</p>}
      <form class="calendar-year" key={`${defaultYear}-${editing?.year ?? ''}`} onSubmit={save.submit}>
        <label>
          年份
          <input type="number" name="year" min={2000} max={2100} required defaultValue={String(defaultYear)} />
        </label>
        <label>
          放假日期（每行一个日期，或一段如 2027-02-06~2027-02-13）
          <textarea name="holidays" rows={6} defaultValue={editing?.holidays.join('\n') ?? ''} />
        </label>
        <label>
          调休上班日期（放假前后要上班的周末）
          <textarea name="workdays" rows={3} defaultValue={editing?.workdays.join('\n') ?? ''} />
        </label>
        <ErrorBox error={save.error} />
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? '正在保存…' : '保存该年节假日安排'}
        </button>
      </form>
      {stored.length > 0 && (
        <table class="data calendar-years">
          <thead>
            <tr>
              <th scope="col">本系统录入的年份</th>
              <th scope="col">放假</th>
              <th scope="col">调休上班</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {stored.map((y) => (
              <tr key={y.year} data-year={y.year}>
                <th scope="row">{y.year} 年</th>
                <td>{y.holidays.length} 天</td>
                <td>{y.workdays.length} 天</td>
                <td>
                  <button type="button" class="link" onClick={() => setEditing(y)}>
                    修改
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
