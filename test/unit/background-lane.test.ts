/**
 * The local stack's background lane: queue workers, the relay and the sweeper
 * run freely while no request waits, and one at a time with a rest after each
 * while requests wait for a gateway turn.
 */
import { describe, expect, it } from 'vitest';
import { STREAM_BATCH_UNDER_LOAD, backgroundLane, streamBatchSize } from '../../infra/local/background.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A task that records how many tasks of its lane ran at once, and when it started. */
function probe() {
  let running = 0;
  let peak = 0;
  const starts: number[] = [];
  const task = (ms: number) => async () => {
    starts.push(performance.now());
    running++;
    peak = Math.max(peak, running);
    await sleep(ms);
    running--;
    return ms;
  };
  return { task, starts, peak: () => peak };
}

describe('the background lane', () => {
  it('runs tasks side by side when no request waits', async () => {
    const lane = backgroundLane(() => 0);
    const p = probe();
    expect(await Promise.all([lane(p.task(30)), lane(p.task(30)), lane(p.task(30))])).toEqual([30, 30, 30]);
    expect(p.peak()).toBe(3);
  });

  it('while requests wait, runs one task at a time and rests as long as the last one took before the next', async () => {
    const lane = backgroundLane(() => 5, 1);
    const p = probe();
    await Promise.all([lane(p.task(40)), lane(p.task(40)), lane(p.task(10))]);
    expect(p.peak()).toBe(1);
    const [first, second, third] = p.starts as [number, number, number];
    // Each start comes after the previous task (~40 ms) and a rest as long (~40 ms); timers may fire a little early.
    expect(second - first).toBeGreaterThanOrEqual(75);
    expect(third - second).toBeGreaterThanOrEqual(75);
  });

  it('does not rest once no request waits any more', async () => {
    let waiting = 3;
    const lane = backgroundLane(() => waiting, 10);
    const p = probe();
    const first = lane(p.task(30));
    const second = lane(p.task(1));
    await first;
    waiting = 0;
    await second;
    const [a, b] = p.starts as [number, number];
    // Under load the rest would be ten times the 30 ms task; with nobody waiting the next starts at once.
    expect(b - a).toBeLessThan(200);
  });

  it('passes a task\'s failure to its caller and goes on with the next', async () => {
    const lane = backgroundLane(() => 1, 0);
    const failed = lane(async () => {
      throw new Error('relay failed');
    });
    await expect(failed).rejects.toThrow('relay failed');
    expect(await lane(async () => 'next')).toBe('next');
  });
});

describe("the stream's stand-in batch", () => {
  it('hands the relay at most STREAM_BATCH_UNDER_LOAD events while requests wait, its whole batch otherwise', () => {
    expect(streamBatchSize(0, 100)).toBe(100);
    expect(streamBatchSize(1, 100)).toBe(STREAM_BATCH_UNDER_LOAD);
    expect(STREAM_BATCH_UNDER_LOAD).toBeLessThan(100);
    expect(streamBatchSize(40, 5)).toBe(5);
  });
});
