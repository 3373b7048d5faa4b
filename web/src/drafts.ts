/**
 * Nothing typed is lost: a form's fields are kept in localStorage as they are
 * typed, per user and per form (a case's action, the 登记 form), through a
 * 409, a reload, an expired session and a new sign-in; they go when the form
 * is sent and accepted, when the user signs out, or after a week. With them
 * the submission in flight (its Idempotency-Key and body), so sending the
 * same thing again after a reload still applies it once.
 */
import { useEffect, useRef } from 'preact/hooks';

const PREFIX = 'maodiaotong.draft.';
const KEEP_MS = 7 * 86_400_000;

export interface Submission {
  readonly key: string;
  readonly payload: string;
}

export interface Draft {
  readonly fields: Readonly<Record<string, readonly string[]>>;
  readonly submission?: Submission;
  readonly savedAt: number;
}

const keyOf = (user: string, form: string) => `${PREFIX}${user}|${form}`;

export function loadDraft(user: string, form: string): Draft | undefined {
  try {
    const raw = localStorage.getItem(keyOf(user, form));
    const draft = raw ? (JSON.parse(raw) as Draft) : undefined;
    return draft && Date.now() - draft.savedAt < KEEP_MS ? draft : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(user: string, form: string, draft: Omit<Draft, 'savedAt'>): void {
  try {
    localStorage.setItem(keyOf(user, form), JSON.stringify({ ...draft, savedAt: Date.now() }));
  } catch {
    // Storage full or refused (private mode): typing goes on, only the safety net is missing.
  }
}

export const clearDraft = (user: string, form: string) => localStorage.removeItem(keyOf(user, form));

/** The forms of `user` that hold a draft (and forget drafts older than a week). */
export function draftsOf(user: string): string[] {
  const out: string[] = [];
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    const [owner, form] = key.slice(PREFIX.length).split(/\|(.*)/);
    if (owner !== user || form === undefined) continue;
    if (loadDraft(user, form)) out.push(form);
    else localStorage.removeItem(key);
  }
  return out;
}

export function clearDrafts(user: string): void {
  for (const form of draftsOf(user)) clearDraft(user, form);
}

/** The fields of a form as a draft keeps them (every value of a name: checkboxes have several). */
export function fieldsOf(form: HTMLFormElement): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const data = new FormData(form);
  for (const el of Array.from(form.elements)) {
    const name = (el as HTMLInputElement).name;
    if (!name || out[name] !== undefined) continue;
    const values = data.getAll(name).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) out[name] = values;
  }
  return out;
}

/** Put a draft's values back into a form's fields. */
export function restore(form: HTMLFormElement, fields: Draft['fields']): void {
  for (const el of Array.from(form.elements)) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) || !el.name) continue;
    const values = fields[el.name];
    if (values === undefined) {
      if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) el.checked = false;
      continue;
    }
    if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) el.checked = values.includes(el.value);
    else if (el instanceof HTMLInputElement && el.type === 'file') continue;
    else el.value = values[0] ?? '';
  }
}

/**
 * Keep a form's fields as a draft while it is typed into, and put them back
 * when the form appears again. Returns the draft found on arrival.
 */
export function useDraft(ref: { current: HTMLFormElement | null }, user: string, form: string): { readonly initial: Draft | undefined } {
  const initial = useRef(loadDraft(user, form));
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const draft = loadDraft(user, form);
    if (draft) restore(el, draft.fields);
    const save = () => saveDraft(user, form, { fields: fieldsOf(el), submission: loadDraft(user, form)?.submission });
    el.addEventListener('input', save);
    el.addEventListener('change', save);
    return () => {
      el.removeEventListener('input', save);
      el.removeEventListener('change', save);
    };
  }, [user, form]);
  return { initial: initial.current };
}
