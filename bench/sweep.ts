/**
 * The sweep's cost as the number of open cases grows: 100 due cases among
 * 1,000, then among 100,000 open cases that are not due. The due index is
 * sparse and sorted by due time, so the second sweep should cost about the
 * same as the first.
 */
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalStack } from '../infra/local/stack.ts';
import { decide, evolve, type CaseState } from '../shared/domain/index.ts';
import { EMPTY_META, stateItem } from '../shared/store/codec.ts';
import { clock } from '../shared/service/clock.ts';
import { DEMO_UNITS } from '../infra/local/demo-data.ts';
import { UnitTree, DEFAULT_EMERGENCY_POLICY, DEFAULT_RISK_POLICY, WorkingCalendar, calendarData, defaultSlaPolicy } from '../shared/domain/index.ts';

export interface SweepFigures {
  readonly openCases: number;
  readonly due: number;
  readonly sent: number;
  readonly ms: number;
  readonly calls: Record<string, number>;
  readonly itemsRead: number;
}

export async function sweepCosts(): Promise<SweepFigures[]> {
  // Each measured sweep reads and sends its due cases whole: the warm-up sweep's lease would otherwise hold them.
  process.env.SWEEP_LEASE_SECONDS = '0';
  const stack = await startLocalStack({ port: 0, seedCases: false, workers: false });
  try {
    const units = new UnitTree(DEMO_UNITS);
    const created = new Date('2026-11-25T01:00:00Z');
    const d = decide(
      undefined,
      {
        type: 'receive',
        id: 'TEMPLATE00',
        trackingNo: 'TEMPLATE00',
        trackingCode: '000000',
        input: { source: 'hotline', center: 'voice', description: '路灯坏了', priority: 'normal', reporter: { phone: '13800138000' }, location: { unitId: 'hp-xf-yg-1' }, parties: [] },
      },
      { now: created, actor: { kind: 'system', id: 'bench' }, units, policy: { sla: defaultSlaPolicy(), risk: DEFAULT_RISK_POLICY, emergency: DEFAULT_EMERGENCY_POLICY, timing: { calendar: new WorkingCalendar(calendarData()), timeScale: 1 } } },
    );
    if (!d.ok) throw d.error;
    const template = evolve(undefined, d.event);
    const codec = { units, reporterKey: () => undefined };
    const far = '2027-06-01T00:00:00.000Z';
    const notDue = (i: number): CaseState => ({
      ...template,
      id: `N${String(i).padStart(9, '0')}`,
      trackingNo: `N${String(i).padStart(9, '0')}`,
      clocks: { ...template.clocks!, acceptDueAt: far, acceptRemindAt: far, resolveDueAt: far, resolveRemindAt: far },
    });
    const due = (i: number): CaseState => ({ ...template, id: `D${String(i).padStart(9, '0')}`, trackingNo: `D${String(i).padStart(9, '0')}` });

    async function load(states: CaseState[]) {
      const items = states.map((s) => ({ PutRequest: { Item: marshall(stateItem(s, EMPTY_META, codec), { removeUndefinedValues: true }) } }));
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < items.length) {
            const chunk = items.slice(next, next + 25);
            next += 25;
            let request: typeof chunk | undefined = chunk;
            while (request?.length) {
              const out = await stack.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [stack.tableName]: request } }));
              request = out.UnprocessedItems?.[stack.tableName] as typeof chunk | undefined;
            }
          }
        }),
      );
    }

    const runtime = await import('../shared/service/runtime.ts');
    const calls: Record<string, number> = {};
    let itemsRead = 0;
    // Counted around `send`: the client caches its middleware stack, so a middleware added now would be skipped.
    const send = runtime.dynamodb.send.bind(runtime.dynamodb) as (command: { constructor: { name: string } }) => Promise<unknown>;
    (runtime.dynamodb as { send: unknown }).send = async (command: { constructor: { name: string } }) => {
      calls[command.constructor.name] = (calls[command.constructor.name] ?? 0) + 1;
      const output = (await send(command)) as { Count?: number; Responses?: Record<string, unknown[]> };
      itemsRead += output.Count ?? Object.values(output.Responses ?? {}).reduce((n, r) => n + r.length, 0);
      return output;
    };
    const sweeper = await stack.handlerOf<() => Promise<{ due: number; sent: number }>>('sweeper');
    clock.set(() => new Date('2026-12-01T01:00:00Z'));
    const out: SweepFigures[] = [];
    const measure = async (openCases: number) => {
      await sweeper(); // warm: caches of units and policy, connections
      for (const k of Object.keys(calls)) delete calls[k];
      itemsRead = 0;
      const started = performance.now();
      const result = await sweeper();
      out.push({ openCases, ...result, ms: performance.now() - started, calls: { ...calls }, itemsRead });
    };
    await load(Array.from({ length: 100 }, (_, i) => due(i)));
    await load(Array.from({ length: 900 }, (_, i) => notDue(i)));
    await measure(1_000);
    await load(Array.from({ length: 99_000 }, (_, i) => notDue(900 + i)));
    await measure(100_000);
    clock.reset();
    return out;
  } finally {
    await stack.stop();
  }
}
