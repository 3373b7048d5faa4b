/**
 * Years the calendar has no holiday data for: a deadline counted over one is
 * computed on weekends only but flagged — a warning once per year and a
 * metric each time, from the case service that wrote the event.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WorkingCalendar, calendarData, decide, uncoveredYearsOf, type Policy } from '../../shared/domain/index.ts';
import { ctx, hotline, intake, policy } from '../support/domain.ts';

const at = (local: string) => new Date(`${local}+08:00`);

describe('a deadline in a year without holiday data', () => {
  const received = (p: Policy, now: Date) => {
    const d = decide(undefined, { type: 'receive', id: 'C2027', trackingNo: 'C2027', trackingCode: '000000', input: intake() }, { ...ctx(hotline, now), policy: p });
    if (!d.ok) throw d.error;
    return d.event;
  };

  it('counts 元旦 2027 as a workday (weekends only) and names the year', () => {
    const event = received(policy, at('2026-12-30T10:00:00'));
    // 3 working days from Wednesday 30 Dec: Thursday 31, Friday 1 Jan (元旦, unknown), Monday 4 Jan.
    expect(event.type === 'received' && event.data.clocks.resolveDueAt).toBe(at('2027-01-04T17:30:00').toISOString());
    expect(uncoveredYearsOf(event, policy.timing.calendar)).toEqual([2027]);
  });

  it('names nothing once the year is entered, and the deadline skips the holiday', () => {
    const calendar = new WorkingCalendar(calendarData([{ year: 2027, holidays: ['2027-01-01'], workdays: [] }]));
    const entered: Policy = { ...policy, timing: { ...policy.timing, calendar } };
    const event = received(entered, at('2026-12-30T10:00:00'));
    expect(event.type === 'received' && event.data.clocks.resolveDueAt).toBe(at('2027-01-05T17:30:00').toISOString());
    expect(uncoveredYearsOf(event, calendar)).toEqual([]);
  });

  it('names nothing for a deadline inside a known year', () => {
    expect(uncoveredYearsOf(received(policy, at('2026-11-25T10:00:00')), policy.timing.calendar)).toEqual([]);
  });
});

describe('the warning and the metric', () => {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  afterAll(() => {
    out.mockRestore();
    err.mockRestore();
  });

  it('writes a CloudWatch metric (EMF) each time and a warning once per year, from the service appending the event', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    vi.resetModules();
    const { calendarGap, CALENDAR_GAP_METRIC } = await import('../../shared/service/calendar-gaps.ts');
    const { CaseService } = await import('../../shared/service/cases.ts');
    const gaps: number[][] = [];
    const service = new CaseService({
      store: { append: async () => ({ state: undefined, meta: undefined, repaired: false }) } as never,
      units: async () => ctx(hotline, new Date()).units,
      policy: async () => policy,
      clock: () => at('2026-12-30T10:00:00'),
      random: (n) => randomBytes(n),
      onCalendarGap: (years, caseId) => {
        gaps.push([...years]);
        calendarGap(years, caseId);
      },
    });
    await service.intake(intake(), hotline);
    await service.intake(intake(), hotline);
    expect(gaps).toEqual([[2027], [2027]]);
    const lines = [...out.mock.calls, ...err.mock.calls]
      .map(([chunk]) => String(chunk))
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const emf = lines.filter((l) => l._aws !== undefined);
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({ year: '2027', [CALENDAR_GAP_METRIC]: 1, _aws: { CloudWatchMetrics: [{ Namespace: 'Maodiaotong', Metrics: [{ Name: CALENDAR_GAP_METRIC, Unit: 'Count' }] }] } });
    const warnings = lines.filter((l) => l.level === 'WARN');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.message)).toContain('2027 年节假日安排未录入');
    vi.unstubAllEnvs();
  });
});
