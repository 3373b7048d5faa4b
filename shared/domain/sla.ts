/**
 * SLA policy as data: for each centre × level × priority a 签收 limit and a 办结
 * limit. Defaults come from the level registry; the table may override any of
 * them without a deploy. Every share of a limit (the 催办 at 80%, 临期, the
 * time left) is measured in the time the limit is counted in: office hours
 * for working-hour and working-day limits, the clock for urgent calendar ones.
 */
import { basisOf, type Duration, type TimeBasis, type WorkingCalendar } from './calendar.ts';
import type { CaseEvent, CaseState, Clocks } from './case.ts';
import {
  LEVELS,
  type CenterCode,
  type LevelCode,
  type LevelSla,
  type Priority,
} from './registry.ts';

type LevelLimits = Record<Priority, LevelSla>;
export type SlaOverrides = Partial<
  Record<CenterCode, Partial<Record<LevelCode, Partial<Record<Priority, Partial<LevelSla>>>>>>
>;

export interface SlaPolicy {
  readonly levels: Readonly<Record<LevelCode, LevelLimits>>;
  readonly centers: SlaOverrides;
  /** 催办 goes out when this fraction of a limit has passed. */
  readonly remindAtFraction: number;
  /** At the top there is no level to escalate to: 督办 alerts repeat once per this period. */
  readonly supervisionPeriod: Duration;
  readonly maxExtensionsPerLevel: number;
  /** The longest extension a level may grant past the current deadline. */
  readonly maxExtension: Duration;
  /** 退回 allowed this many times; the last one goes to the dispatcher's parent to decide. */
  readonly maxReturns: number;
  /** How soon after 办结 the level above (or the 矛调中心) calls the resident back (回访). */
  readonly followUpWithin?: Duration;
}

/** 回访 within three working days of 办结, as 12345 centres usually require. */
export const DEFAULT_FOLLOW_UP_WITHIN: Duration = { amount: 3, unit: 'workingDays' };

export function defaultSlaPolicy(): SlaPolicy {
  return {
    levels: Object.fromEntries(LEVELS.map((l) => [l.code, l.sla])) as Record<LevelCode, LevelLimits>,
    centers: {
      guidance: { building: { normal: { resolve: { amount: 1, unit: 'workingDays' } } } },
      mediation: { community: { normal: { resolve: { amount: 15, unit: 'workingDays' } } } },
    },
    remindAtFraction: 0.8,
    supervisionPeriod: { amount: 1, unit: 'workingDays' },
    maxExtensionsPerLevel: 1,
    maxExtension: { amount: 10, unit: 'workingDays' },
    maxReturns: 3,
    followUpWithin: DEFAULT_FOLLOW_UP_WITHIN,
  };
}

export function limitsFor(policy: SlaPolicy, center: CenterCode, level: LevelCode, priority: Priority): LevelSla {
  const base = policy.levels[level][priority];
  const override = policy.centers[center]?.[level]?.[priority];
  return { accept: override?.accept ?? base.accept, resolve: override?.resolve ?? base.resolve };
}

/** Everything that turns a limit into an instant. */
export interface Timing {
  readonly calendar: WorkingCalendar;
  /** >1 runs every SLA clock faster (local demos): the time to a deadline is divided by it. */
  readonly timeScale: number;
}

/** `at` brought `timeScale` times closer to `now` (unchanged at scale 1). */
const scaled = (now: Date, at: Date, timing: Timing) =>
  new Date(now.getTime() + Math.max(1, Math.round((at.getTime() - now.getTime()) / timing.timeScale)));

export function deadline(now: Date, limit: Duration, timing: Timing): Date {
  return scaled(now, timing.calendar.add(now, limit), timing);
}

/**
 * The instant `f` of a limit started at `now` has passed, in the limit's own
 * time: a working limit's 80% lies in working time and leaves 20% of the
 * working time before the deadline; a calendar limit's is 80% of the clock.
 */
export function shareOf(now: Date, limit: Duration, f: number, timing: Timing): Date {
  const { calendar } = timing;
  const due = calendar.add(now, limit);
  if (basisOf(limit.unit) === 'calendar') return scaled(now, new Date(now.getTime() + Math.floor((due.getTime() - now.getTime()) * f)), timing);
  const at = calendar.addWorkingMinutes(now, calendar.workingMinutesBetween(now, due) * f);
  return scaled(now, at, timing);
}

/** The basis a clock is measured in: a clock run faster than real time (local demos) counts the clock. */
const basisFor = (limit: Duration, timing: Timing): TimeBasis => (timing.timeScale === 1 ? basisOf(limit.unit) : 'calendar');

export interface ClockSubject {
  readonly center: CenterCode;
  readonly level: LevelCode;
  readonly priority: Priority;
}

export function startClocks(
  now: Date,
  subject: ClockSubject,
  policy: SlaPolicy,
  timing: Timing,
  options: { readonly accepted?: boolean } = {},
): Clocks {
  const limits = limitsFor(policy, subject.center, subject.level, subject.priority);
  const base = {
    startedAt: now.toISOString(),
    resolveDueAt: deadline(now, limits.resolve, timing).toISOString(),
    resolveRemindAt: shareOf(now, limits.resolve, policy.remindAtFraction, timing).toISOString(),
    resolveBasis: basisFor(limits.resolve, timing),
    acceptReminded: false,
    resolveReminded: false,
  };
  return options.accepted
    ? base
    : {
        ...base,
        acceptDueAt: deadline(now, limits.accept, timing).toISOString(),
        acceptRemindAt: shareOf(now, limits.accept, policy.remindAtFraction, timing).toISOString(),
        acceptBasis: basisFor(limits.accept, timing),
      };
}

/** The deadline a case is working to now: 签收 while pending (if sooner), else 办结. */
export function currentDeadline(state: Pick<CaseState, 'status' | 'clocks'>): { readonly dueAt: string; readonly basis: TimeBasis } | undefined {
  const c = state.clocks;
  if (!c) return undefined;
  return state.status === 'pending' && c.acceptDueAt !== undefined && c.acceptDueAt < c.resolveDueAt
    ? { dueAt: c.acceptDueAt, basis: c.acceptBasis ?? 'calendar' }
    : { dueAt: c.resolveDueAt, basis: c.resolveBasis ?? 'calendar' };
}

export interface Urgency {
  readonly overdue: boolean;
  /** 临期: under two hours left, or the last fifth of the time. */
  readonly nearDeadline: boolean;
  /** Time to the current deadline (negative once overdue), in minutes of the deadline's own basis. */
  readonly timeLeft?: { readonly minutes: number; readonly basis: TimeBasis };
}

const NEAR_MINUTES = 120;
const NEAR_SHARE = 0.2;

/** How close a case is to its current deadline, in the time that deadline is counted in. */
export function urgency(state: Pick<CaseState, 'status' | 'clocks'>, now: Date, calendar: WorkingCalendar): Urgency {
  const current = currentDeadline(state);
  if (!current || !state.clocks) return { overdue: false, nearDeadline: false };
  const due = new Date(current.dueAt);
  const started = new Date(state.clocks.startedAt);
  const span = (a: Date, b: Date) =>
    current.basis === 'working' ? calendar.workingMinutesBetween(a, b) : Math.max(0, b.getTime() - a.getTime()) / 60_000;
  const overdue = now > due;
  const left = overdue ? -span(due, now) : span(now, due);
  const whole = span(started, due);
  const minutes = Math.round(left);
  return {
    overdue,
    nearDeadline: !overdue && (left < NEAR_MINUTES || left < whole * NEAR_SHARE),
    timeLeft: { minutes, basis: current.basis },
  };
}

/**
 * The years an event's deadlines were counted over without their official
 * holiday schedule (weekends only): from when its clocks started to their
 * furthest deadline, and a 督办's next alert.
 */
export function uncoveredYearsOf(event: CaseEvent, calendar: WorkingCalendar): number[] {
  const clocks = clocksOf(event);
  const spans: [string, string][] = [];
  if (clocks) spans.push([clocks.startedAt, [clocks.resolveDueAt, clocks.acceptDueAt ?? ''].sort().at(-1) ?? clocks.resolveDueAt]);
  if (event.type === 'supervised') spans.push([event.at, event.data.nextAlertAt]);
  if (event.type === 'extension_requested') spans.push([event.at, event.data.until]);
  const years = new Set(spans.flatMap(([from, to]) => calendar.uncoveredYears(new Date(from), new Date(to))));
  return [...years].sort((a, b) => a - b);
}

/** The clocks an event starts, if any. */
function clocksOf(event: CaseEvent): Clocks | undefined {
  switch (event.type) {
    case 'received':
    case 'dispatched_to_unit':
    case 'returned':
    case 'escalated':
    case 'reopened':
      return event.data.clocks;
    case 'followed_up':
    case 'performance_recorded':
      return event.data.reopenClocks;
    default:
      return undefined;
  }
}
