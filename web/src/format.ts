import { DEFAULT_WINDOWS } from '../../shared/domain/calendar.ts';

/** Dates the way a Chinese office writes them, always in China time whatever the device's zone. */
const TZ = 'Asia/Shanghai';
const CHINA_OFFSET_MS = 8 * 3_600_000;

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ,
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const longDate = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' });

export const formatDateTime = (iso: string | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');
/** 2026年5月3日; a bare yyyy-mm-dd is a date in China. */
export const formatLongDate = (value: string): string =>
  longDate.format(new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00+08:00` : value));

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return hours ? `${days} 天 ${hours} 小时` : `${days} 天`;
  if (hours > 0) return `${hours} 小时 ${minutes % 60} 分`;
  return `${minutes} 分钟`;
}

/** Minutes of office hours in a working day (the calendar's windows). */
const WORKING_DAY = DEFAULT_WINDOWS.reduce((sum, w) => sum + w.end - w.start, 0);

function workingSpan(total: number): string {
  const days = Math.floor(total / WORKING_DAY);
  const hours = Math.floor((total % WORKING_DAY) / 60);
  const minutes = total % 60;
  if (days > 0) return hours ? `${days} 个工作日 ${hours} 小时` : `${days} 个工作日`;
  if (hours > 0) return `${hours} 个工作小时 ${minutes} 分`;
  return `${minutes} 个工作分钟`;
}

/** The time to a deadline as the server measured it: working time for working-time limits, else the clock. */
export function timeLeft(left: { readonly minutes: number; readonly basis: 'working' | 'calendar' } | undefined): string {
  if (!left) return '';
  const amount = Math.abs(left.minutes);
  const text = left.basis === 'working' ? workingSpan(amount) : span(amount * 60_000);
  return left.minutes < 0 ? `已超时 ${text}` : `剩余 ${text}`;
}

/** 2026-12-01 10:20, China time: what a spreadsheet reads as a date and sorts. */
export const isoChinaTime = (iso: string): string => new Date(Date.parse(iso) + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');

/** China-time wall clock of an instant, as a datetime-local value. */
export const toLocalInput = (date: Date): string => new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 16);
/** A datetime-local value, read as China time, as ISO 8601 with offset. */
export const fromLocalInput = (value: string): string => `${value}:00+08:00`;
/** The China-time date of an instant, yyyy-mm-dd. */
export const chinaDate = (date: Date): string => new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

const DIGITS = '零一二三四五六七八九';
/** 1 → 一, 12 → 十二, 23 → 二十三 (terms of an agreement are numbered so). */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n] ?? String(n);
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : (DIGITS[tens] ?? '')}十${ones ? (DIGITS[ones] ?? '') : ''}`;
}

export const percent = (rate: number | null): string => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
