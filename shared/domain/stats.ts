/**
 * The statistics leaders ask for, computed from the cases created in a date
 * range under a unit. Pure: the caller fetches the cases (by Query, in
 * proportion to the range) and passes them in. Each rate is defined in the
 * README in one line; `null` means "nothing to divide by".
 */
import type { CaseState } from './case.ts';
import type { UnitTree } from './units.ts';
import { CENTER_CODES, ESCALATION_REASON_CODES, LEVEL_CODES, STATUS_CODES, type LevelCode } from './registry.ts';

export interface Rate {
  readonly numerator: number;
  readonly denominator: number;
  readonly rate: number | null;
}

export interface Stats {
  readonly total: number;
  readonly byCenter: Record<string, number>;
  readonly byLevel: Record<string, number>;
  readonly byStatus: Record<string, number>;
  /** 化解率: cases resolved with outcome 已化解 ÷ cases received (withdrawn and merged left out). */
  readonly resolutionRate: Rate;
  /** 办结率: cases resolved with any outcome ÷ cases received. */
  readonly closureRate: Rate;
  /** 就地化解率: 已化解 at the level where the matter arose ÷ all 已化解. */
  readonly localResolutionRate: Rate;
  /** 已化解 at building or compound level ÷ all 已化解 ("小事不出村"). */
  readonly grassrootsResolutionRate: Rate;
  /** 按期办结率: resolved before the deadline of the level that resolved it ÷ resolved. */
  readonly onTimeRate: Rate;
  /** 满意率: 满意 + 基本满意 ÷ followed up. */
  readonly satisfactionRate: Rate;
  /** Mean hours from arriving at a level to 签收 there, and from arriving at the resolving level to 办结. */
  readonly hoursToAccept: Record<string, number | null>;
  readonly hoursToResolve: Record<string, number | null>;
  readonly escalationsByReason: Record<string, number>;
  /** Per week (Monday, China time): cases received and resolved. */
  readonly trend: readonly { readonly week: string; readonly received: number; readonly resolved: number }[];
}

const rate = (numerator: number, denominator: number): Rate => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000,
});

const zeroes = (codes: readonly string[]) => Object.fromEntries(codes.map((c) => [c, 0])) as Record<string, number>;
const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;
const mean = (xs: number[]) => (xs.length === 0 ? null : Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100);

/** The Monday (China time) of the week an instant falls in, as yyyy-mm-dd. */
export function weekOf(iso: string): string {
  const local = new Date(Date.parse(iso) + 8 * 3_600_000);
  const day = (local.getUTCDay() + 6) % 7;
  return new Date(local.getTime() - day * 86_400_000).toISOString().slice(0, 10);
}

export function computeStats(cases: readonly CaseState[], range: { readonly from: string; readonly to: string }): Stats {
  const byCenter = zeroes(CENTER_CODES);
  const byLevel = zeroes(LEVEL_CODES);
  const byStatus = zeroes(STATUS_CODES);
  const escalationsByReason = zeroes(ESCALATION_REASON_CODES);
  const accept: Record<string, number[]> = Object.fromEntries(LEVEL_CODES.map((l) => [l, []]));
  const resolve: Record<string, number[]> = Object.fromEntries(LEVEL_CODES.map((l) => [l, []]));
  const weeks = new Map<string, { received: number; resolved: number }>();
  const week = (w: string) => weeks.get(w) ?? (weeks.set(w, { received: 0, resolved: 0 }), weeks.get(w)!);
  let counted = 0;
  let resolvedAny = 0;
  let resolvedWell = 0;
  let local = 0;
  let grassroots = 0;
  let onTime = 0;
  let followed = 0;
  let satisfied = 0;

  for (const c of cases) {
    byCenter[c.center] = (byCenter[c.center] ?? 0) + 1;
    byLevel[c.level] = (byLevel[c.level] ?? 0) + 1;
    byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    week(weekOf(c.createdAt)).received++;
    for (const stay of c.stays) {
      if ((ESCALATION_REASON_CODES as readonly string[]).includes(stay.reason)) {
        escalationsByReason[stay.reason] = (escalationsByReason[stay.reason] ?? 0) + 1;
      }
      if (stay.acceptedAt) accept[stay.level]?.push(hours(stay.enteredAt, stay.acceptedAt));
    }
    if (c.status === 'withdrawn' || c.status === 'merged') continue;
    counted++;
    // Every 回访 counts, including a 不满意 that reopened the case.
    if (c.followUp) {
      followed++;
      if (c.followUp.satisfaction !== 'dissatisfied') satisfied++;
    }
    // A reopened case is not resolved, whatever it once was.
    const r = c.status === 'resolved' || c.status === 'closed' ? c.resolution : undefined;
    if (!r) continue;
    resolvedAny++;
    if (r.at >= range.from && r.at < range.to) week(weekOf(r.at)).resolved++;
    if (r.onTime) onTime++;
    const arrived = [...c.stays].reverse().find((s) => s.level === r.level && s.unitId === r.unitId);
    if (arrived) resolve[r.level]?.push(hours(arrived.enteredAt, r.at));
    if (r.outcome === 'resolved') {
      resolvedWell++;
      if (r.level === c.originLevel) local++;
      if ((['building', 'compound'] as LevelCode[]).includes(r.level)) grassroots++;
    }
  }

  return {
    total: cases.length,
    byCenter,
    byLevel,
    byStatus,
    resolutionRate: rate(resolvedWell, counted),
    closureRate: rate(resolvedAny, counted),
    localResolutionRate: rate(local, resolvedWell),
    grassrootsResolutionRate: rate(grassroots, resolvedWell),
    onTimeRate: rate(onTime, resolvedAny),
    satisfactionRate: rate(satisfied, followed),
    hoursToAccept: Object.fromEntries(LEVEL_CODES.map((l) => [l, mean(accept[l] ?? [])])),
    hoursToResolve: Object.fromEntries(LEVEL_CODES.map((l) => [l, mean(resolve[l] ?? [])])),
    escalationsByReason,
    trend: [...weeks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([w, v]) => ({ week: w, ...v })),
  };
}

/** One row of 各下级单位: the cases that arose under one unit below, and their rates. */
export interface ChildStats {
  /** The unit below; the unit itself for the cases that arose at it directly. */
  readonly unitId: string;
  readonly name: string;
  readonly total: number;
  /** Still being worked (待签收 or 办理中). */
  readonly open: number;
  readonly resolutionRate: Rate;
  readonly onTimeRate: Rate;
  readonly satisfactionRate: Rate;
}

/**
 * 各下级单位: the `cases` that arose under `unitId` (others are left out),
 * grouped by the unit directly below `unitId` they arose under, each with computeStats' rates, so that
 * leaders can compare the units below them. Every unit below has a row, even
 * with no cases; cases that arose at `unitId` itself have a row of their own.
 */
export function statsByChild(cases: readonly CaseState[], units: UnitTree, unitId: string, range: { readonly from: string; readonly to: string }): ChildStats[] {
  const unit = units.get(unitId);
  if (!unit) return [];
  const depth = unit.path.split('/').filter(Boolean).length;
  const groups = new Map<string, CaseState[]>(units.children(unitId).map((child) => [child.id, []]));
  for (const c of cases) {
    if (!units.isWithin(c.originUnitId, unitId)) continue;
    // The id on the origin's path just below `unitId`, or `unitId` when the case arose at it.
    const key = units.get(c.originUnitId)?.path.split('/').filter(Boolean)[depth] ?? unitId;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  return [...groups].map(([id, group]) => {
    const s = computeStats(group, range);
    return {
      unitId: id,
      name: units.get(id)?.name ?? id,
      total: s.total,
      open: (s.byStatus.pending ?? 0) + (s.byStatus.in_progress ?? 0),
      resolutionRate: s.resolutionRate,
      onTimeRate: s.onTimeRate,
      satisfactionRate: s.satisfactionRate,
    };
  });
}
