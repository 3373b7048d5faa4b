/** The API as the page sees it: the JSON types (from the server's own code) and one fetch wrapper. */
import type { ActionBody } from '../../shared/contract/actions.ts';
import type { EventOf, CaseEventType } from '../../shared/domain/case.ts';
import type { Issue } from '../../shared/domain/errors.ts';
import type { Role } from '../../shared/domain/registry.ts';
import type { Urgency } from '../../shared/domain/sla.ts';
import type { ChildStats, Stats } from '../../shared/domain/stats.ts';
import type { Unit } from '../../shared/domain/units.ts';
import type { WorkTab } from '../../shared/domain/work.ts';
import type { redYellowBoard } from '../../shared/domain/board.ts';
import type { UnitSupervisionOrder } from '../../shared/store/supervision.ts';
import type { caseView, outboxView, registrationView } from '../../shared/service/views.ts';
import type { ServiceItem } from '../../shared/domain/volunteers.ts';

export type CaseView = ReturnType<typeof caseView> & Partial<Urgency>;
export type ActionType = ActionBody['type'];

export interface ActorView {
  readonly kind: 'user' | 'system' | 'client' | 'resident';
  readonly id: string;
  readonly name?: string;
  readonly role?: Role;
  readonly unitId?: string;
}

export type EventView = {
  [T in CaseEventType]: { readonly seq: number; readonly type: T; readonly at: string; readonly actor: ActorView; readonly data: EventOf<T>['data'] };
}[CaseEventType];

export interface Me {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly roleName?: string;
  readonly unit?: { readonly id: string; readonly name: string; readonly fullName: string; readonly level: string; readonly levelName?: string };
  readonly limits?: { readonly maxExtensionsPerLevel: number };
}

/** A list item: the case with its marks, and a resolved case's 回访 deadline where one is awaited. */
export type ListItem = CaseView & { readonly followUpDueAt?: string };

/** One tab of 我的待办 with its counts (`GET /v1/queue`). */
export interface TabCount {
  readonly tab: WorkTab;
  readonly name: string;
  readonly count: number;
  readonly overdue: number;
  readonly nearDeadline: number;
  readonly capped?: boolean;
}

export interface QueueReply {
  readonly unitId: string;
  readonly tabs: readonly TabCount[];
  readonly supervision: readonly UnitSupervisionOrder[];
}

export type BoardRow = ReturnType<typeof redYellowBoard>[number] & { readonly supervision?: UnitSupervisionOrder };
export interface BoardReply {
  readonly unit: { readonly id: string; readonly name: string };
  readonly from: string;
  readonly to: string;
  readonly redAfterDays: number;
  readonly capped: boolean;
  readonly rows: readonly BoardRow[];
}

export type UnitItem = Unit & { readonly levelName?: string; readonly inMyJurisdiction: boolean };

/** An account as admins see it (`GET /v1/users`). */
export interface AccountView {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly roleName?: string;
  readonly unitId: string;
  readonly phone?: string;
  readonly disabled: boolean;
}

/** A 报到 as the roster view shows it (`GET /v1/volunteers/registrations`). */
export type RegistrationView = ReturnType<typeof registrationView>;

/** One volunteer of the roster (`GET /v1/volunteers`). */
export interface RosterItem {
  readonly username: string;
  readonly displayName: string;
  readonly unitId: string;
  readonly unitName?: string;
  readonly disabled: boolean;
  readonly registration?: RegistrationView;
}

/** A unit's 点单 menu and the communities to choose from (`GET /v1/services`, public). */
export interface ServicesReply {
  readonly unitId: string | null;
  readonly isDefault: boolean;
  readonly items: readonly ServiceItem[];
  readonly communities: readonly { readonly id: string; readonly name: string; readonly fullName: string; readonly rootId: string }[];
}

/** A message to a person (`GET /v1/outbox`), phones masked and codes cut out. */
export type OutboxEntryView = ReturnType<typeof outboxView>;

/** Who saw a reporter's full details (`GET /v1/cases/{id}/audit`). */
export interface AuditEntryView {
  readonly at: string;
  readonly username: string;
  readonly role: Role;
  readonly unitId: string;
  readonly what: string;
  readonly caseIds?: readonly string[];
  readonly fields?: readonly string[];
  /** The phone searched, masked. */
  readonly phone?: string;
}

export type StatsReply = Stats & {
  readonly unit: { readonly id: string; readonly name: string };
  readonly from: string;
  readonly to: string;
  readonly byChild: readonly ChildStats[];
  /** Status changes still wait to be counted (a backlog behind the relay): the figures leave out the newest for now. */
  readonly catchingUp: boolean;
};

export interface Page<T> {
  readonly items: T[];
  readonly cursor: string | null;
}

export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  /** Renews the token before it ends (`POST /v1/auth/refresh`), for as long as the sign-in lasts (12 h in AWS). */
  readonly refreshToken?: string;
  readonly user?: { readonly username: string };
}

/** A sign-in that asks for a TOTP code first (and, to set TOTP up, shows the secret). */
export interface SignInChallenge {
  readonly challenge: 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP';
  readonly session: string;
  readonly secretCode?: string;
  readonly otpauthUri?: string;
}

/** Renew five minutes before the token ends, or halfway through what is left of a shorter one (a minute ahead at least). */
const RENEW_AHEAD_MS = 5 * 60_000;

/** Milliseconds from `now` until the page should renew the session's token: 0 when due now. */
export function renewDelay(expiresAt: string, now: number): number {
  const left = Date.parse(expiresAt) - now;
  const ahead = Math.min(RENEW_AHEAD_MS, Math.max(60_000, left / 2));
  return Math.max(0, left - ahead);
}

/** A new token for the session (keeping its refresh token and user); undefined when the sign-in is over. */
export async function renewSession(session: Session): Promise<Session | undefined> {
  if (!session.refreshToken) return undefined;
  try {
    const renewed = await api<{ token: string; expiresAt: string }>('POST', '/v1/auth/refresh', { refreshToken: session.refreshToken });
    const next = { ...session, token: renewed.token, expiresAt: renewed.expiresAt };
    saveSession(next);
    return next;
  } catch {
    return undefined;
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
  }
}

/**
 * One session per browser: kept in localStorage, so every tab of the page is
 * signed in with it, and a sign-in or sign-out in one tab reaches the others
 * (the `storage` event).
 */
const KEY = 'maodiaotong.session';

function storedSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function currentSession(): Session | undefined {
  const session = storedSession();
  return session && Date.parse(session.expiresAt) > Date.now() ? session : undefined;
}

export const saveSession = (session: Session) => localStorage.setItem(KEY, JSON.stringify(session));
export const clearSession = () => localStorage.removeItem(KEY);

/** Calls `handler` with the new session (or undefined) whenever another tab signs in or out; returns the unsubscribe. */
export function onSessionChange(handler: (session: Session | undefined) => void): () => void {
  const listener = (event: StorageEvent) => {
    if (event.key === KEY || event.key === null) handler(currentSession());
  };
  addEventListener('storage', listener);
  return () => removeEventListener('storage', listener);
}

let onUnauthorized: () => void = () => undefined;
/** What to do when the server no longer accepts the token (the app asks to sign in again, over the page). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** A body sent as it is (a CSV file, say) rather than as JSON. */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly text: string,
  ) {}
}

/** Answers worth trying again with the same Idempotency-Key: the request may not have arrived, or not finished. */
const TRANSIENT = new Set([0, 502, 503, 504]);
const RETRY_DELAYS_MS = [500, 1500];

/**
 * One API call. With `idempotencyKey` (a change the server may have applied
 * though the answer was lost) the call is retried on a network error or a
 * gateway timeout with the same key, so the server applies it once.
 */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, options: { idempotencyKey?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = currentSession()?.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = body instanceof RawBody ? body.contentType : 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const payload = body === undefined ? undefined : body instanceof RawBody ? body.text : JSON.stringify(body);
  let response: Response | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await fetch(path, { method, headers, body: payload });
    } catch {
      response = undefined;
    }
    const delay = options.idempotencyKey !== undefined && TRANSIENT.has(response?.status ?? 0) ? RETRY_DELAYS_MS[attempt] : undefined;
    if (delay === undefined) break;
    await new Promise((r) => setTimeout(r, delay));
  }
  if (!response) throw new ApiError(0, 'network', 'network error');
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string; issues?: Issue[] } } | undefined)?.error;
  if (response.status === 401 && token) {
    clearSession();
    onUnauthorized();
  }
  throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText, error?.issues);
}

/** Every page of a cursor-paged list. */
export async function all<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api<Page<T>>('GET', cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return items;
}
