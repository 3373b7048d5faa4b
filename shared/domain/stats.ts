/**
 * The statistics leaders ask for. The unit of computation is one case's
 * contribution: the counts it adds to one (unit, China day) bucket — the unit
 * where the matter arose and the day it was received; every figure is of the
 * cases received in a range (本期受理, 其中已办结…). A case's contribution is a function of its
 * state, which is the fold of its events, so every figure comes from the log;
 * the figures of a unit and a range are sums of the buckets of the units
 * below it (in the current tree) and of the days in range. Pure: no I/O, no
 * clock. Each figure is defined in one README line; `null` means "nothing to
 * divide by".
 */
import type { CaseState } from './case.ts';
import type { UnitTree } from './units.ts';
import {
  CENTER_CODES,
  DISPATCH_LEVEL,
  ESCALATION_REASON_CODES,
  LEVEL_CODES,
  STATUS_CODES,
  levelRank,
  type LevelCode,
} from './registry.ts';

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
  /** 就地化解率: 已化解 by the unit where the matter arose ÷ all 已化解. */
  readonly localResolutionRate: Rate;
  /** 已化解 at a level below the community ("小事不出村") ÷ all 已化解. */
  readonly grassrootsResolutionRate: Rate;
  /** 按期办结率: resolved before the deadline of the level that resolved it ÷ resolved. */
  readonly onTimeRate: Rate;
  /** 满意率: 满意 + 基本满意 ÷ every 回访 recorded. */
  readonly satisfactionRate: Rate;
  /** 协议履行率: agreements whose last 履行回访 found them 已履行 ÷ agreements whose performance was recorded. */
  readonly performanceRate: Rate;
  /** Mean hours from arriving at a level to 签收 there, and from arriving at the resolving level to 办结. */
  readonly hoursToAccept: Record<string, number | null>;
  readonly hoursToResolve: Record<string, number | null>;
  readonly escalationsByReason: Record<string, number>;
  /** 群众点单、社区派单、党员接单: the service orders received, the tasks offered to volunteers and taken, done and confirmed. */
  readonly services: ServiceStats;
  /** Per week of receipt (Monday, China time): the cases received, and how many of them are resolved. */
  readonly trend: readonly { readonly week: string; readonly received: number; readonly resolved: number }[];
}

export interface ServiceStats {
  /** 点单: cases that ask for a service from the menu. */
  readonly ordered: number;
  /** 派单 to volunteers (on any case) and 接单 by them; 接单率 = taken ÷ offered. */
  readonly offered: number;
  readonly taken: number;
  readonly takeRate: Rate;
  /** Orders resolved (办结), and those a volunteer did. */
  readonly done: number;
  readonly doneByVolunteers: number;
  /** Done orders the resident confirmed (回访 满意 or 基本满意) ÷ done orders. */
  readonly confirmationRate: Rate;
  /** Orders per service code. */
  readonly byService: Record<string, number>;
}

/** What one case adds to one (unit, China day) bucket; buckets sum. */
export interface Bucket {
  /** Where the matter arose (the case's origin unit). */
  readonly unitId: string;
  /** A China day, yyyy-mm-dd. */
  readonly day: string;
  readonly counts: Readonly<Record<string, number>>;
}

/** Whole China days, both ends included. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

/** The counters of a bucket. Those keyed by a code (`center:voice`) are listed by `counter`. */
export const COUNTERS = {
  received: 'received',
  /** Received and neither withdrawn nor merged: the denominator of the rates. */
  counted: 'counted',
  resolved: 'resolved',
  resolvedWell: 'resolvedWell',
  local: 'local',
  grassroots: 'grassroots',
  onTime: 'onTime',
  followUps: 'followUps',
  satisfied: 'satisfied',
  performanceChecked: 'performanceChecked',
  performed: 'performed',
  serviceOrdered: 'serviceOrdered',
  volunteerOffered: 'volunteerOffered',
  volunteerTaken: 'volunteerTaken',
  serviceDone: 'serviceDone',
  serviceDoneByVolunteer: 'serviceDoneByVolunteer',
  serviceConfirmed: 'serviceConfirmed',
} as const;

export const counter = {
  center: (code: string) => `center:${code}`,
  level: (code: string) => `level:${code}`,
  status: (code: string) => `status:${code}`,
  escalated: (reason: string) => `escalated:${reason}`,
  /** Whole milliseconds, so sums are exact in any order (the counters add them one case at a time). */
  acceptMs: (level: string) => `acceptMs:${level}`,
  accepts: (level: string) => `accepts:${level}`,
  resolveMs: (level: string) => `resolveMs:${level}`,
  resolves: (level: string) => `resolves:${level}`,
  service: (code: string) => `service:${code}`,
};

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The China day (Asia/Shanghai, no daylight saving) an instant falls on. */
export function chinaDay(iso: string): string {
  return new Date(Date.parse(iso) + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Monday (China time) of the week a China day or an instant falls in, as yyyy-mm-dd. */
export function weekOf(dayOrIso: string): string {
  const day = dayOrIso.length === 10 ? dayOrIso : chinaDay(dayOrIso);
  const date = new Date(`${day}T00:00:00Z`);
  const back = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - back * DAY_MS).toISOString().slice(0, 10);
}

const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);
const isEscalation = (reason: string) => (ESCALATION_REASON_CODES as readonly string[]).includes(reason);

/** "小事不出村": a level below the one that dispatches (the community); any level the registry adds there counts. */
export const isGrassroots = (level: LevelCode) => levelRank(level) < levelRank(DISPATCH_LEVEL);

/** One case's contribution to the statistics: the counts it adds to the bucket of where it arose and the day it was received. */
export function contribution(c: CaseState): Bucket {
  const counts: Record<string, number> = {};
  const add = (key: string, n = 1) => {
    counts[key] = (counts[key] ?? 0) + n;
  };
  add(COUNTERS.received);
  add(counter.center(c.center));
  add(counter.level(c.level));
  add(counter.status(c.status));
  for (const stay of c.stays) {
    if (isEscalation(stay.reason)) add(counter.escalated(stay.reason));
    if (stay.acceptedAt) {
      add(counter.acceptMs(stay.level), ms(stay.enteredAt, stay.acceptedAt));
      add(counter.accepts(stay.level));
    }
  }
  if (c.volunteerTasks) {
    add(COUNTERS.volunteerOffered, c.volunteerTasks.offered);
    add(COUNTERS.volunteerTaken, c.volunteerTasks.taken);
  }
  if (c.service) {
    add(COUNTERS.serviceOrdered);
    add(counter.service(c.service.code));
  }
  const bucket: Bucket = { unitId: c.originUnitId, day: chinaDay(c.createdAt), counts };
  if (c.status === 'withdrawn' || c.status === 'merged') return bucket;
  add(COUNTERS.counted);
  for (const f of c.followUps) {
    add(COUNTERS.followUps);
    if (f.satisfaction !== 'dissatisfied') add(COUNTERS.satisfied);
  }
  // The case's current agreement, as its last 履行回访 found it (a new agreement starts its own).
  const performance = c.performanceCheck?.result?.performance;
  if (performance !== undefined) {
    add(COUNTERS.performanceChecked);
    if (performance === 'performed') add(COUNTERS.performed);
  }
  // A reopened case is not resolved, whatever it once was.
  const r = c.status === 'resolved' || c.status === 'closed' ? c.resolution : undefined;
  if (!r) return bucket;
  add(COUNTERS.resolved);
  if (r.onTime) add(COUNTERS.onTime);
  if (c.service) {
    add(COUNTERS.serviceDone);
    if (c.servedBy !== undefined) add(COUNTERS.serviceDoneByVolunteer);
    // The resident's confirmation is the 回访 of this resolution.
    if (c.followUp && c.followUp.at >= r.at && c.followUp.satisfaction !== 'dissatisfied') add(COUNTERS.serviceConfirmed);
  }
  const arrived = [...c.stays].reverse().find((s) => s.unitId === r.unitId && s.enteredAt <= r.at);
  if (arrived) {
    add(counter.resolveMs(r.level), ms(arrived.enteredAt, r.at));
    add(counter.resolves(r.level));
  }
  if (r.outcome === 'resolved') {
    add(COUNTERS.resolvedWell);
    if (r.unitId === c.originUnitId) add(COUNTERS.local);
    if (isGrassroots(r.level)) add(COUNTERS.grassroots);
  }
  return bucket;
}

const rate = (numerator: number, denominator: number): Rate => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000,
});

/** Mean hours, to two places, of a sum of milliseconds. */
const meanHours = (sumMs: number, n: number) => (n === 0 ? null : Math.round(sumMs / n / 36_000) / 100);

/** The figures of the buckets whose day is in `range` (the caller chose the units). */
export function statsOf(buckets: Iterable<Bucket>, range: DayRange): Stats {
  const total: Record<string, number> = {};
  const weeks = new Map<string, { received: number; resolved: number }>();
  const week = (day: string) => {
    const w = weekOf(day);
    const known = weeks.get(w);
    if (known) return known;
    const fresh = { received: 0, resolved: 0 };
    weeks.set(w, fresh);
    return fresh;
  };
  for (const b of buckets) {
    if (b.day < range.from || b.day > range.to) continue;
    for (const [key, n] of Object.entries(b.counts)) total[key] = (total[key] ?? 0) + n;
    const w = week(b.day);
    w.received += b.counts[COUNTERS.received] ?? 0;
    w.resolved += b.counts[COUNTERS.resolved] ?? 0;
  }
  const n = (key: string) => total[key] ?? 0;
  const by = (codes: readonly string[], key: (code: string) => string) => Object.fromEntries(codes.map((c) => [c, n(key(c))]));
  return {
    total: n(COUNTERS.received),
    byCenter: by(CENTER_CODES, counter.center),
    byLevel: by(LEVEL_CODES, counter.level),
    byStatus: by(STATUS_CODES, counter.status),
    resolutionRate: rate(n(COUNTERS.resolvedWell), n(COUNTERS.counted)),
    closureRate: rate(n(COUNTERS.resolved), n(COUNTERS.counted)),
    localResolutionRate: rate(n(COUNTERS.local), n(COUNTERS.resolvedWell)),
    grassrootsResolutionRate: rate(n(COUNTERS.grassroots), n(COUNTERS.resolvedWell)),
    onTimeRate: rate(n(COUNTERS.onTime), n(COUNTERS.resolved)),
    satisfactionRate: rate(n(COUNTERS.satisfied), n(COUNTERS.followUps)),
    performanceRate: rate(n(COUNTERS.performed), n(COUNTERS.performanceChecked)),
    hoursToAccept: Object.fromEntries(LEVEL_CODES.map((l) => [l, meanHours(n(counter.acceptMs(l)), n(counter.accepts(l)))])),
    hoursToResolve: Object.fromEntries(LEVEL_CODES.map((l) => [l, meanHours(n(counter.resolveMs(l)), n(counter.resolves(l)))])),
    escalationsByReason: by(ESCALATION_REASON_CODES, counter.escalated),
    services: {
      ordered: n(COUNTERS.serviceOrdered),
      offered: n(COUNTERS.volunteerOffered),
      taken: n(COUNTERS.volunteerTaken),
      takeRate: rate(n(COUNTERS.volunteerTaken), n(COUNTERS.volunteerOffered)),
      done: n(COUNTERS.serviceDone),
      doneByVolunteers: n(COUNTERS.serviceDoneByVolunteer),
      confirmationRate: rate(n(COUNTERS.serviceConfirmed), n(COUNTERS.serviceDone)),
      // Codes as the cases recorded them (each community keeps its own menu).
      byService: Object.fromEntries(
        Object.entries(total)
          .filter(([key]) => key.startsWith('service:'))
          .map(([key, v]) => [key.slice('service:'.length), v]),
      ),
    },
    trend: [...weeks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([w, v]) => ({ week: w, ...v })),
  };
}

/** The figures of `cases` (received in `range`): the sum of their contributions. */
export function computeStats(cases: readonly CaseState[], range: DayRange): Stats {
  return statsOf(cases.map(contribution), range);
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
 * 各下级单位: the buckets of units under `unitId` (others are left out),
 * grouped by the unit directly below `unitId` they lie under in the current
 * tree — so a unit moved elsewhere takes its figures with it at once — each
 * with statsOf's rates. Every unit below has a row, even with no cases; cases
 * that arose at `unitId` itself have a row of their own.
 */
export function bucketsByChild(buckets: readonly Bucket[], units: UnitTree, unitId: string, range: DayRange): ChildStats[] {
  const unit = units.get(unitId);
  if (!unit) return [];
  const depth = unit.path.split('/').filter(Boolean).length;
  const groups = new Map<string, Bucket[]>(units.children(unitId).map((child) => [child.id, []]));
  for (const b of buckets) {
    if (!units.isWithin(b.unitId, unitId)) continue;
    // The id on the bucket unit's path just below `unitId`, or `unitId` when the matter arose at it.
    const key = units.get(b.unitId)?.path.split('/').filter(Boolean)[depth] ?? unitId;
    const group = groups.get(key);
    if (group) group.push(b);
    else groups.set(key, [b]);
  }
  return [...groups].map(([id, group]) => {
    const s = statsOf(group, range);
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

/** 各下级单位 of `cases`. */
export function statsByChild(cases: readonly CaseState[], units: UnitTree, unitId: string, range: DayRange): ChildStats[] {
  return bucketsByChild(cases.map(contribution), units, unitId, range);
}

/**
 * Statistics precomputed: a counter row per (unit, China day) holds the sum of
 * the contributions of the cases received that day that arose under the unit
 * (`sub:` counters) and, apart, of those that arose at it (`own:`). A unit's
 * figures over a range are its `own:` rows and the `sub:` rows of each unit
 * directly below it — the rows of 各下级单位, read anyway — so a case adds its
 * bucket to the `own:` and `sub:` of its origin and the `sub:` of every unit
 * above it but the top one, whose `sub:` nobody reads (and every case would
 * rewrite: the busiest row of all). One Query of ≤ 366 rows per unit read.
 */
export interface CounterRow {
  readonly unitId: string;
  readonly day: string;
  readonly counts: Readonly<Record<string, number>>;
}

export const SUB = 'sub:';
export const OWN = 'own:';

/** The rows a bucket adds to, where the tree now puts its unit (none if the unit is gone from it). */
export function counterRowsOf(bucket: Bucket, units: UnitTree): CounterRow[] {
  const unit = units.get(bucket.unitId);
  if (!unit) return [];
  const prefixed = (prefix: string) => Object.fromEntries(Object.entries(bucket.counts).map(([k, v]) => [prefix + k, v]));
  // From the top down: the top unit first, left out.
  const above = unit.path.split('/').filter((id) => id && id !== unit.id).slice(1);
  return [
    { unitId: unit.id, day: bucket.day, counts: { ...(unit.parentId === undefined ? {} : prefixed(SUB)), ...prefixed(OWN) } },
    ...above.map((unitId) => ({ unitId, day: bucket.day, counts: prefixed(SUB) })),
  ];
}

/**
 * The buckets of a unit's figures from its counter rows: its own `own:` rows and the `sub:` rows of
 * each unit directly below it (`below`) — each bucket the unit below's, as 各下级单位 groups them.
 */
export function bucketsOfRows(own: readonly CounterRow[], below: readonly CounterRow[]): Bucket[] {
  return [...below.flatMap((r) => bucketOfRow(r, SUB) ?? []), ...own.flatMap((r) => bucketOfRow(r, OWN) ?? [])];
}

/** What to add to each row to go from having counted `before` to having counted `after`: non-zero counters only, rows with none left out. */
export function counterDelta(before: readonly CounterRow[], after: readonly CounterRow[]): CounterRow[] {
  const rows = new Map<string, { unitId: string; day: string; counts: Record<string, number> }>();
  const add = (list: readonly CounterRow[], sign: 1 | -1) => {
    for (const r of list) {
      const key = `${r.unitId}|${r.day}`;
      const row = rows.get(key) ?? { unitId: r.unitId, day: r.day, counts: {} };
      rows.set(key, row);
      for (const [k, v] of Object.entries(r.counts)) row.counts[k] = (row.counts[k] ?? 0) + sign * v;
    }
  };
  add(before, -1);
  add(after, 1);
  return [...rows.values()]
    .map((r) => ({ ...r, counts: Object.fromEntries(Object.entries(r.counts).filter(([, v]) => v !== 0)) }))
    .filter((r) => Object.keys(r.counts).length > 0);
}

/** The bucket of a row's `sub:` or `own:` counters, as of `unitId`; undefined when it counts no case. */
export function bucketOfRow(row: CounterRow, prefix: typeof SUB | typeof OWN): Bucket | undefined {
  // A plain loop: a township's year is ~12,000 rows of ~30 counters, and entries/filter/map/fromEntries tripled the time.
  const counts: Record<string, number> = {};
  for (const key in row.counts) if (key.startsWith(prefix)) counts[key.slice(prefix.length)] = row.counts[key]!;
  return (counts[COUNTERS.received] ?? 0) > 0 ? { unitId: row.unitId, day: row.day, counts } : undefined;
}
