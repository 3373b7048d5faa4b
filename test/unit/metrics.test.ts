/** The business metrics as CloudWatch reads them: EMF lines in namespace Maodiaotong, each with its own dimensions. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decide, evolve } from '../../shared/domain/index.ts';
import { ctx, hotline, intake } from '../support/domain.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

async function emitted(run: (m: typeof import('../../shared/service/metrics.ts')) => void) {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  run(await import('../../shared/service/metrics.ts'));
  vi.mocked(process.stdout.write).mockRestore();
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } });
}

describe('business metrics', () => {
  it('a received case counts CasesReceived by channel and center', async () => {
    const received = decide(undefined, { type: 'receive', id: 'M1', trackingNo: 'M1', trackingCode: '123456', input: intake({ externalId: 'WO-1' }) }, ctx(hotline, '2026-11-25T01:00:00Z'));
    if (!received.ok) throw received.error;
    const state = evolve(undefined, received.event);
    const [line] = await emitted((m) => m.countEvent(received.event, state));
    const meta = line!._aws.CloudWatchMetrics[0]!;
    expect(meta.Namespace).toBe('Maodiaotong');
    expect(meta.Metrics.map((x) => x.Name)).toEqual(['CasesReceived']);
    expect(meta.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'channel', 'center']));
    expect(line).toMatchObject({ CasesReceived: 1, channel: state.source, center: state.center });
  });

  it('counts one after another keep each its own dimensions (one emitter serves them all)', async () => {
    const lines = await emitted((m) => {
      m.count(m.METRIC.escalations, 1, { reason: 'overdue' });
      m.count(m.METRIC.reminders, 1, { clock: 'accept' });
      m.count(m.METRIC.callbacksDelivered);
    });
    expect(lines.map((l) => l._aws.CloudWatchMetrics[0]!.Dimensions[0])).toEqual([
      ['service', 'reason'],
      ['service', 'clock'],
      ['service'],
    ]);
    expect(lines[1]).not.toHaveProperty('reason');
    expect(lines[2]).not.toHaveProperty('clock');
  });

  it('the sweeper\'s OverdueAtTownship is a count with the service dimension only, zeros included', async () => {
    const [line] = await emitted((m) => m.count(m.METRIC.overdueAtTownship, 0));
    expect(line).toMatchObject({ OverdueAtTownship: 0, service: 'maodiaotong' });
    expect(line!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  });
});
