/**
 * 红黄牌: the units below a unit, ranked by how they keep their deadlines.
 * Pure: the caller passes the open cases now (from the byWatch index) and the
 * cases received in the period (as for the statistics).
 *
 * - 超期: a case past its deadline now, or one that missed a deadline at a
 *   unit in the period (it then went up for being overdue). How far beyond
 *   is counted in working days, to its 办结 (or now, while still open) — a
 *   missed deadline at a building that took the community five more working
 *   days is five working days of delay to the resident.
 * - 红牌: some case under the unit overdue beyond N working days.
 * - 黄牌: otherwise, any 超期 or 临期 case.
 * Ranked red, yellow, green; then by 超期 cases, most first; then by
 * 按期办结率, lowest first.
 */
import type { CaseState } from './case.ts';
import { deadlineMarks } from './work.ts';
import { deadline, type Timing } from './sla.ts';
import { statsByChild, type DayRange, type Rate } from './stats.ts';
import type { UnitTree } from './units.ts';

export type Card = 'red' | 'yellow' | 'green';

/** An open case as the watch index has it. */
export interface OpenEntry {
  readonly unitPath: string;
  readonly dueAt?: string;
  readonly clockStart?: string;
}

export interface BoardRow {
  /** A unit directly below; the unit itself for what is at it directly. */
  readonly unitId: string;
  readonly name: string;
  readonly open: number;
  /** Open now and past the deadline. */
  readonly overdueNow: number;
  /** Open now and 临期. */
  readonly nearDeadline: number;
  /** Deadlines missed at a unit under it in the period (the case went up for it). */
  readonly missed: number;
  /** The longest delay past a missed deadline, in working days. */
  readonly worstDelayDays: number;
  readonly received: number;
  readonly onTimeRate: Rate;
  readonly card: Card;
}

export interface BoardInput {
  readonly units: UnitTree;
  readonly unitId: string;
  readonly now: Date;
  readonly timing: Timing;
  /** 红牌 beyond this many working days past a deadline. */
  readonly redAfterDays: number;
  readonly open: readonly OpenEntry[];
  readonly cases: readonly CaseState[];
  /** The period, whole China days (both ends included), as the statistics count it. */
  readonly range: DayRange;
}

/** Workdays after `from`'s date up to and including `to`'s (China dates), at most three years' worth. */
export function workdaysBetween(timing: Timing, from: Date, to: Date): number {
  const cal = timing.calendar;
  let date = cal.localDate(from);
  const end = cal.localDate(to);
  let n = 0;
  for (let i = 0; i < 3 * 366 && date < end; i++) {
    date = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    if (cal.isWorkday(date)) n++;
  }
  return n;
}

const CARD_ORDER: Readonly<Record<Card, number>> = { red: 0, yellow: 1, green: 2 };

export function redYellowBoard(input: BoardInput): BoardRow[] {
  const { units, unitId, now, timing } = input;
  const unit = units.get(unitId);
  if (!unit) return [];
  const depth = unit.path.split('/').filter(Boolean).length;
  /** The row a unit path belongs to: the child of `unitId` on it, or `unitId` itself. */
  const rowOf = (path: string | undefined) => (path?.startsWith(unit.path) ? (path.split('/').filter(Boolean)[depth] ?? unitId) : undefined);
  const rows = new Map<string, { open: number; overdueNow: number; near: number; missed: number; worst: number; red: boolean }>();
  const row = (id: string) => rows.get(id) ?? (rows.set(id, { open: 0, overdueNow: 0, near: 0, missed: 0, worst: 0, red: false }), rows.get(id)!);
  for (const child of units.children(unitId)) row(child.id);
  // The period's bounds as instants: from China midnight of its first day to that of the day after its last.
  const periodFrom = new Date(`${input.range.from}T00:00:00+08:00`).toISOString();
  const periodTo = new Date(Date.parse(`${input.range.to}T00:00:00+08:00`) + 86_400_000).toISOString();
  const beyond = (missedAt: string, until: Date) => until > deadline(new Date(missedAt), { amount: input.redAfterDays, unit: 'workingDays' }, timing);

  for (const e of input.open) {
    const id = rowOf(e.unitPath);
    if (id === undefined) continue;
    const r = row(id);
    r.open++;
    const marks = deadlineMarks(e.dueAt, e.clockStart, now);
    if (marks.nearDeadline) r.near++;
    if (marks.overdue && e.dueAt !== undefined) {
      r.overdueNow++;
      r.worst = Math.max(r.worst, workdaysBetween(timing, new Date(e.dueAt), now));
      r.red ||= beyond(e.dueAt, now);
    }
  }
  for (const c of input.cases) {
    const end = (c.status === 'resolved' || c.status === 'closed') && c.resolution ? new Date(c.resolution.at) : now;
    c.stays.forEach((stay, i) => {
      const next = c.stays[i + 1];
      if (next?.reason !== 'overdue' || stay.leftAt === undefined || stay.leftAt < periodFrom || stay.leftAt >= periodTo) return;
      const id = rowOf(units.get(stay.unitId)?.path);
      if (id === undefined) return;
      const r = row(id);
      r.missed++;
      r.worst = Math.max(r.worst, workdaysBetween(timing, new Date(stay.leftAt), end));
      r.red ||= beyond(stay.leftAt, end);
    });
  }
  const stats = new Map(statsByChild(input.cases, units, unitId, input.range).map((s) => [s.unitId, s]));
  const out: BoardRow[] = [...rows].map(([id, r]) => {
    const s = stats.get(id);
    const card: Card = r.red ? 'red' : r.overdueNow + r.missed + r.near > 0 ? 'yellow' : 'green';
    return {
      unitId: id,
      name: units.get(id)?.name ?? id,
      open: r.open,
      overdueNow: r.overdueNow,
      nearDeadline: r.near,
      missed: r.missed,
      worstDelayDays: r.worst,
      received: s?.total ?? 0,
      onTimeRate: s?.onTimeRate ?? { numerator: 0, denominator: 0, rate: null },
      card,
    };
  });
  return out.sort(
    (a, b) =>
      CARD_ORDER[a.card] - CARD_ORDER[b.card] ||
      b.overdueNow + b.missed - (a.overdueNow + a.missed) ||
      (a.onTimeRate.rate ?? 2) - (b.onTimeRate.rate ?? 2) ||
      a.unitId.localeCompare(b.unitId),
  );
}
