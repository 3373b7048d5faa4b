/**
 * The policy a decision runs under: SLA limits, risk terms and the working
 * calendar, from defaults overridden by documents stored in the table.
 */
import {
  CENTER_CODES,
  DEFAULT_EMERGENCY_POLICY,
  DEFAULT_RISK_POLICY,
  EMERGENCY_SERVICE_CODES,
  DURATION_LIMITS,
  MAX_HOLIDAYS_PER_YEAR,
  LEVEL_CODES,
  PRIORITY_CODES,
  RISK_CODES,
  WorkingCalendar,
  calendarData,
  defaultSlaPolicy,
  type Policy,
  type SlaPolicy,
} from '../domain/index.ts';
import * as z from 'zod/mini';
import '../contract/zod.ts';
import type { Directory } from '../store/directory.ts';
import { logger } from './logger.ts';

/** A limit the calendar can always compute: within DURATION_LIMITS, and whole where the unit has no fractions. */
const duration = z.lazy(() => z
  .strictObject({
    amount: z.number().check(z.positive()),
    unit: z.enum(['minutes', 'hours', 'workingHours', 'workingDays']),
  })
  .check(
    z.superRefine((d, ctx) => {
      const { max, whole } = DURATION_LIMITS[d.unit];
      if (d.amount > max) ctx.addIssue({ code: 'custom', path: ['amount'], message: `at most ${max} ${d.unit}`, input: d.amount });
      if (whole && !Number.isInteger(d.amount)) ctx.addIssue({ code: 'custom', path: ['amount'], message: `must be a whole number of ${d.unit}`, input: d.amount });
    }),
  ));
const limits = z.lazy(() => z.partial(z.strictObject({ accept: duration, resolve: duration })));
const byPriority = z.lazy(() => z.partialRecord(z.enum(PRIORITY_CODES), limits));
const byLevel = z.lazy(() => z.partialRecord(z.enum(LEVEL_CODES), byPriority));

export const slaOverridesSchema = z.lazy(() => z.strictObject({
  levels: z.optional(byLevel),
  centers: z.optional(z.partialRecord(z.enum(CENTER_CODES), byLevel)),
  remindAtFraction: z.optional(z.number().check(z.gt(0), z.lt(1))),
  supervisionPeriod: z.optional(duration),
  maxExtensionsPerLevel: z.optional(z.int().check(z.gte(0), z.lte(5))),
  maxExtension: z.optional(duration),
  maxReturns: z.optional(z.int().check(z.gte(1), z.lte(10))),
  followUpWithin: z.optional(duration),
}));

export const riskTermsSchema = z.lazy(() => z.strictObject({
  terms: z.array(z.strictObject({ term: z.string().check(z.minLength(1), z.maxLength(20)), level: z.enum(RISK_CODES) })).check(z.maxLength(500)),
}));

/** 紧急求助 signs and the local crisis hotline (the top unit's admin keeps them). */
export const emergencySignsSchema = z.lazy(() => z.strictObject({
  signs: z
    .array(
      z.strictObject({
        term: z.string().check(z.minLength(2), z.maxLength(20)),
        service: z.enum(EMERGENCY_SERVICE_CODES),
        unless: z.optional(z.array(z.string().check(z.minLength(2), z.maxLength(30))).check(z.maxLength(20))),
      }),
    )
    .check(z.maxLength(300)),
  crisisHotline: z.string().check(z.regex(/^[0-9-]{3,20}$/, 'must be a phone number (digits and -)')),
}));

/** A real calendar date (no 02-30) written yyyy-mm-dd. */
const isoDate = z.lazy(() => z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written yyyy-mm-dd'),
  z.refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a date in the calendar'),
));
const dates = z.lazy(() => z.array(isoDate).check(z.maxLength(MAX_HOLIDAYS_PER_YEAR)));
const yearOverride = z.lazy(() => z.strictObject({ year: z.int().check(z.gte(2000), z.lte(2100)), holidays: dates, workdays: dates }).check(
  z.superRefine((y, ctx) => {
    for (const list of ['holidays', 'workdays'] as const) {
      for (const [i, date] of y[list].entries()) {
        if (!date.startsWith(`${y.year}-`)) ctx.addIssue({ code: 'custom', path: [list, i], message: `is not in ${y.year}`, input: date });
      }
    }
    const both = y.holidays.find((d) => y.workdays.includes(d));
    if (both) ctx.addIssue({ code: 'custom', path: ['workdays'], message: `${both} is also listed as a holiday`, input: y.workdays });
  }),
));
export const calendarOverridesSchema = z.lazy(() => z.strictObject({ years: z.array(yearOverride) }).check(
  z.superRefine((doc, ctx) => {
    doc.years.forEach((y, i) => {
      if (doc.years.findIndex((other) => other.year === y.year) !== i) ctx.addIssue({ code: 'custom', path: ['years', i, 'year'], message: `${y.year} is listed twice`, input: y.year });
    });
  }),
));

function merge(base: SlaPolicy, o: z.output<typeof slaOverridesSchema>): SlaPolicy {
  const levels = { ...base.levels };
  for (const level of LEVEL_CODES) {
    for (const priority of PRIORITY_CODES) {
      const patch = o.levels?.[level]?.[priority];
      if (patch) levels[level] = { ...levels[level], [priority]: { ...levels[level][priority], ...patch } };
    }
  }
  return {
    ...base,
    ...o,
    levels,
    centers: o.centers ?? base.centers,
  };
}

/** A stored document that no longer parses is logged and ignored, never fatal. */
function read<T extends z.ZodMiniType>(schema: T, name: string, value: unknown): z.output<T> | undefined {
  if (value === undefined) return undefined;
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  logger.error('stored configuration is not valid; using defaults', { name, issues: parsed.error.issues });
  return undefined;
}

export async function loadPolicy(directory: Directory, timeScale: number): Promise<Policy> {
  const [sla, risk, calendar, emergency] = await Promise.all([
    directory.config('SLA'),
    directory.config('RISK'),
    directory.config('CALENDAR'),
    directory.config('EMERGENCY'),
  ]);
  const slaOverrides = read(slaOverridesSchema, 'SLA', sla);
  const years = read(calendarOverridesSchema, 'CALENDAR', calendar)?.years ?? [];
  return {
    sla: slaOverrides ? merge(defaultSlaPolicy(), slaOverrides) : defaultSlaPolicy(),
    risk: read(riskTermsSchema, 'RISK', risk) ?? DEFAULT_RISK_POLICY,
    emergency: read(emergencySignsSchema, 'EMERGENCY', emergency) ?? DEFAULT_EMERGENCY_POLICY,
    timing: { calendar: new WorkingCalendar(calendarData(years)), timeScale },
  };
}
