/** The bench's pricing (bench/pricing.ts) of counted requests, against sums worked by hand from bench/prices.ts. */
import { describe, expect, it } from 'vitest';
import type { Counts } from '../../bench/meter.ts';
import { PRICES } from '../../bench/prices.ts';
import { billedMs, costOf, monthlyFloor, type Inventory } from '../../bench/pricing.ts';

const counts = (over: Partial<Counts> = {}): Counts => ({
  invocations: {},
  dynamodb: { calls: {}, wru: 0, indexWru: 0, rru: 0, indexRru: 0, byFunction: {}, writes: {} },
  sqs: { requests: {}, emptyReceives: 0, messagesSent: 0 },
  other: {},
  logBytes: 0,
  outside: 0,
  ...over,
});

describe('bench pricing', () => {
  it('bills a function its own time plus 10 ms per wait for AWS, rounded up to the ms', () => {
    // 2 invocations, 300 ms in all, 250 of them waiting in 4 waits: (50 + 40) / 2 = 45 ms each.
    expect(billedMs({ count: 2, ms: 300, waitMs: 250, waits: 4 })).toBe(45);
    expect(billedMs({ count: 1, ms: 10.2, waitMs: 0, waits: 0 })).toBe(11);
  });

  it('prices each service from the counts: indexes as the table, polling apart, one trace per API request and stream invocation', () => {
    const c = costOf(
      counts({
        // actions: 512 MB; mediaWorker: 1,024 MB (infra/topology.ts).
        invocations: { actions: { count: 2, ms: 100, waitMs: 60, waits: 2 }, relay: { count: 1, ms: 30, waitMs: 0, waits: 0 }, mediaWorker: { count: 1, ms: 100, waitMs: 0, waits: 0 } },
        dynamodb: { calls: {}, wru: 10, indexWru: 6, rru: 4, indexRru: 2, byFunction: {}, writes: {} },
        sqs: { requests: { SendMessageBatch: 3, ReceiveMessage: 2 }, emptyReceives: 50, messagesSent: 5 },
        logBytes: 1000,
      }),
      5,
    );
    const gbSeconds = (2 * 30 * 0.5 + 1 * 30 * 0.5 + 1 * 100 * 1) / 1000;
    expect(c.units).toMatchObject({ apiRequests: 5, invocations: 4, sqsRequests: 5, logBytes: 1000 + 4 * 400, traces: 6 });
    expect(c.units.gbSeconds).toBeCloseTo(gbSeconds, 10);
    expect(c.parts.api).toBeCloseTo(5 * PRICES.httpApiRequest, 12);
    expect(c.parts.lambda).toBeCloseTo(4 * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaGbSecondArm, 12);
    expect(c.parts.dynamodb).toBeCloseTo(16 * PRICES.dynamodbWru + 6 * PRICES.dynamodbRru, 12);
    expect(c.parts.sqs).toBeCloseTo(5 * PRICES.sqsRequest, 12);
    expect(c.parts.logs).toBeCloseTo((2600 / 1024 ** 3) * PRICES.logIngestGb, 15);
    expect(c.parts.xray).toBeCloseTo(6 * 0.05 * PRICES.xrayTrace, 15);
    expect(c.total).toBeCloseTo(Object.values(c.parts).reduce((a, b) => a + b, 0), 15);
    // Lambda's START and REPORT lines kept out (system logs at WARN): the functions' own lines alone.
    expect(costOf(counts({ invocations: { relay: { count: 3, ms: 1, waitMs: 0, waits: 0 } }, logBytes: 1000 }), 0, false).units.logBytes).toBe(1000);
  });

  it('puts the standing costs in the floor, the X-Ray reservoir capped at a trace a second', () => {
    const inventory: Inventory = { alarms: 2, alarmMetrics: 3, dashboards: 1, secrets: 2, kmsKeys: 1, polledQueues: 1, secretsRead: {}, customMetrics: 10, logRetentionDays: 365, platformLogs: false };
    const none = costOf(counts(), 0);
    const item = (cases: number, what: RegExp) => monthlyFloor(inventory, cases, none, none, 0).items.find((i) => what.test(i.what))?.usd;
    expect(item(0, /alarms/)).toBeCloseTo(0.3, 10);
    expect(item(0, /KMS/)).toBe(1);
    // 5 pollers, a long poll each 20 s, a 30-day month.
    expect(item(0, /polled/)).toBeCloseTo((5 * 2_592_000) / 20 * PRICES.sqsRequest, 10);
    const busy = costOf(counts({ invocations: { relay: { count: 1, ms: 1, waitMs: 0, waits: 0 } } }), 9);
    // 10 traces a case: 1,000,000 cases a month are far past a trace a second, so the reservoir is full.
    expect(monthlyFloor(inventory, 1_000_000, busy, none, 0).items.find((i) => /X-Ray/.test(i.what))?.usd).toBeCloseTo(2_592_000 * 0.95 * PRICES.xrayTrace, 8);
  });
});
