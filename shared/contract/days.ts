/**
 * Date parameters of the HTTP contract. Every date is a China day (Asia/Shanghai,
 * UTC+8 all year): `yyyy-mm-dd` is that day, from its midnight; a date-time is
 * an instant, read in China time when it carries no offset. A range is
 * [from, to] in days — `to` a day includes it whole, `to` a date-time is the
 * end, excluded — and an instant range is [from, to).
 */
import { ValidationFailed, chinaDay } from '../domain/index.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;
const CHINA = '+08:00';
const DAY_MS = 86_400_000;

export type Bound = 'from' | 'to';

const invalid = (path: string, message: string) => new ValidationFailed(`${path} ${message}`, [{ path, message }]);

/** A real date of the calendar (no 02-30), or undefined. */
export function realDay(raw: string): string | undefined {
  if (!DATE.test(raw)) return undefined;
  const at = Date.parse(`${raw}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().startsWith(raw) ? raw : undefined;
}

/** The instant a China day begins. */
export const chinaMidnight = (day: string): Date => new Date(`${day}T00:00:00${CHINA}`);

/** The China day after `day`. */
export const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

function parse(path: string, raw: string): { day: string } | { instant: Date } {
  const day = realDay(raw);
  if (day) return { day };
  const m = DATE_TIME.exec(raw);
  const instant = m ? new Date(m[1] === undefined ? `${raw}${CHINA}` : raw) : undefined;
  if (!instant || Number.isNaN(instant.getTime()) || !realDay(raw.slice(0, 10))) {
    throw invalid(path, 'must be a China day (yyyy-mm-dd) or an ISO 8601 date-time');
  }
  return { instant };
}

/** An instant bound: a day starts at its China midnight; as `to`, a day runs to the next one (it is included). */
export function instantParam(path: Bound, raw: string | undefined): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = parse(path, raw);
  if ('instant' in value) return value.instant;
  return chinaMidnight(path === 'to' ? nextDay(value.day) : value.day);
}

/** A day bound: a date-time stands for the China day it falls in (as `to`, the day of the instant just before it). */
export function dayParam(path: Bound, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = parse(path, raw);
  if ('day' in value) return value.day;
  return chinaDay(new Date(value.instant.getTime() - (path === 'to' ? 1 : 0)).toISOString());
}
