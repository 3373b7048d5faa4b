/** Small pieces used on several pages. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CaseView, ListItem, UnitItem } from './api.ts';
import { href } from './app.ts';
import { formatDateTime, timeLeft } from './format.ts';
import { CENTERS, describeError, LEVELS, nameOf, RISK_LEVELS, STATUSES } from './labels.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const { title, details } = describeError(error);
  return (
    <div class="error" role="alert">
      <strong>{title}</strong>
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The page's heading, focused on arrival so keyboard and screen-reader users start there. */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · 矛调通`;
    ref.current?.focus();
  }, [title]);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

/** A form field's text, trimmed. */
export const str = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

/** Units in tree order, and how deep each sits (the township is 0). */
export const byPath = (a: UnitItem, b: UnitItem) => a.path.localeCompare(b.path);
export const depth = (u: UnitItem) => u.path.split('/').filter(Boolean).length - 1;

/** Runs a form's request with busy state and a Chinese error; `onDone` gets the reply. */
export function useSubmit<T>(send: (form: FormData) => Promise<T>, onDone: (reply: T, form: HTMLFormElement) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setError(undefined);
    try {
      onDone(await send(new FormData(form)), form);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

/** Load data for a page; `reload` runs the loader again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...state, reload: () => setRound((r) => r + 1) };
}

/** The nearest deadline (a resolved case's 回访, where one is awaited) with its 超时 / 临期 mark. */
export function Deadline({ c }: { c: ListItem }) {
  const due = c.dueAt ?? c.followUpDueAt;
  if (!due) return <span class="muted">—</span>;
  return (
    <span class="deadline">
      <time dateTime={due}>{formatDateTime(due)}</time>
      {c.dueAt === undefined && <small class="muted">回访期限</small>}
      {c.overdue ? <span class="badge overdue">超时</span> : c.nearDeadline ? <span class="badge near">临期</span> : null}
      <small class={c.overdue ? 'overdue-text' : 'muted'}>{timeLeft(c.timeLeft)}</small>
    </span>
  );
}

export function StatusBadge({ c }: { c: CaseView }) {
  return <span class={`badge status-${c.status}`}>{nameOf(STATUSES, c.status)}</span>;
}

export function RiskBadge({ level }: { level: string | undefined }) {
  return level ? <span class={`badge risk-${level}`}>{nameOf(RISK_LEVELS, level)}风险</span> : null;
}

/** 紧急求助: the resident's words named an emergency; they were told these numbers first. */
export function EmergencyBadge({ c }: { c: Pick<CaseView, 'emergency'> }) {
  if (!c.emergency || c.emergency.length === 0) return null;
  const numbers = c.emergency.map((p) => `${p.number}${p.name}`).join('、');
  return (
    <span class="badge risk-red emergency" title={`已提示群众拨打 ${numbers}`}>
      紧急求助 {c.emergency.map((p) => p.number).join('/')}
    </span>
  );
}

/** A table on a desk, a stack of cards on a phone (see app.css). */
export function CaseTable({ items, empty }: { items: readonly ListItem[]; empty: string }) {
  if (items.length === 0) return <p class="empty">{empty}</p>;
  return (
    <table class="cases">
      <thead>
        <tr>
          <th scope="col">编号</th>
          <th scope="col">诉求</th>
          <th scope="col">中心</th>
          <th scope="col">所在单位</th>
          <th scope="col">状态</th>
          <th scope="col">期限</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => (
          <tr key={c.id} class={c.overdue ? 'is-overdue' : c.nearDeadline ? 'is-near' : ''}>
            <td data-label="编号">
              <a href={href(`case/${encodeURIComponent(c.id)}`)}>{c.trackingNo}</a>
            </td>
            <td data-label="诉求" class="title-cell">
              <a href={href(`case/${encodeURIComponent(c.id)}`)} tabIndex={-1}>
                {c.title}
              </a>
              <RiskBadge level={c.risk?.level} />
              <EmergencyBadge c={c} />
              {c.priority === 'urgent' && <span class="badge urgent">紧急</span>}
            </td>
            <td data-label="中心">{nameOf(CENTERS, c.center)}</td>
            <td data-label="所在单位">
              {nameOf(LEVELS, c.level)} · {c.unitName}
            </td>
            <td data-label="状态">
              <StatusBadge c={c} />
            </td>
            <td data-label="期限">
              <Deadline c={c} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
