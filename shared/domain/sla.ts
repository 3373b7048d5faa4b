/**
 * SLA policy as data: for each centre × level × priority a 签收 limit and a 办结
 * limit. Defaults come from the level registry; the table may override any of
 * them without a deploy.
 */
import type { Duration, WorkingCalendar } from './calendar.ts';
import type { Clocks } from './case.ts';
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

export function deadline(now: Date, limit: Duration, timing: Timing): Date {
  const full = timing.calendar.add(now, limit).getTime() - now.getTime();
  return new Date(now.getTime() + Math.max(1, Math.round(full / timing.timeScale)));
}

function fraction(start: Date, end: Date, f: number): Date {
  return new Date(start.getTime() + Math.floor((end.getTime() - start.getTime()) * f));
}

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
  const resolveDue = deadline(now, limits.resolve, timing);
  const acceptDue = deadline(now, limits.accept, timing);
  const base = {
    startedAt: now.toISOString(),
    resolveDueAt: resolveDue.toISOString(),
    resolveRemindAt: fraction(now, resolveDue, policy.remindAtFraction).toISOString(),
    acceptReminded: false,
    resolveReminded: false,
  };
  return options.accepted
    ? base
    : {
        ...base,
        acceptDueAt: acceptDue.toISOString(),
        acceptRemindAt: fraction(now, acceptDue, policy.remindAtFraction).toISOString(),
      };
}
