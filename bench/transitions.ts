/**
 * Write cost of each transition, from ReturnConsumedCapacity: the event put and
 * the projection put. Index writes are not reported by dynalite, so they are
 * derived from the key design (which index keys and projected attributes the
 * projection changes) by the same rules DynamoDB bills by.
 */
import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_RISK_POLICY,
  WorkingCalendar,
  calendarData,
  defaultSlaPolicy,
  dueCommand,
  nextTimerAt,
  type Actor,
  type CaseState,
  type Command,
  type Policy,
} from '../shared/domain/index.ts';
import { CaseService } from '../shared/service/cases.ts';
import { CaseStore } from '../shared/store/case-store.ts';
import { EMPTY_META, indexWrites, stateItem, type CodecContext } from '../shared/store/codec.ts';
import { Directory } from '../shared/store/directory.ts';
import type { StackProcess } from './stack-process.ts';

class Meter {
  writes = 0;
  units = 0;
  record(_operation: string, consumed: ConsumedCapacity | undefined) {
    this.writes++;
    this.units += consumed?.CapacityUnits ?? 0;
  }
  take() {
    const out = { writes: this.writes, units: this.units };
    this.writes = 0;
    this.units = 0;
    return out;
  }
}

export interface TransitionFigures {
  readonly intake: { writes: number; units: number };
  readonly second: { writes: number; units: number };
  readonly hundredth: { writes: number; units: number };
  readonly lifecycle: { step: string; tableWrites: number; tableUnits: number; indexWrites: Record<string, number> }[];
}

export async function transitionCosts(stack: StackProcess): Promise<TransitionFigures> {
  const db = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const directory = new Directory(db, 'maodiaotong');
  const units = await directory.units();
  const codec: CodecContext = { units, reporterKey: (r) => r.phone };
  const meter = new Meter();
  const store = new CaseStore(db, 'maodiaotong', () => codec, meter);
  let now = new Date('2026-11-25T01:00:00Z');
  const policy: Policy = { sla: defaultSlaPolicy(), risk: DEFAULT_RISK_POLICY, timing: { calendar: new WorkingCalendar(calendarData()), timeScale: 1 } };
  const service = new CaseService({ store, units: async () => units, policy: async () => policy, clock: () => now, random: (n) => randomBytes(n) });
  const hotline: Actor = { kind: 'client', id: 'hotline-12345', source: 'hotline', rootUnitId: 'hp' };
  const at = (unitId: string): Actor => ({ kind: 'user', id: `m@${unitId}`, name: 'm', role: 'mediator', unitId });
  const system: Actor = { kind: 'system', id: 'bench' };
  const intakeInput = {
    source: 'hotline',
    center: 'mediation' as const,
    description: '楼上卫生间漏水到我家天花板，多次协商未果，对方不愿意维修和赔偿。',
    priority: 'normal' as const,
    reporter: { name: '吴先生', phone: '13912345602' },
    location: { unitId: 'hp-xf-yg-2' },
    parties: [],
  };

  // Age: the 2nd and the 100th transition of one case cost the same.
  let { state } = await service.intake(intakeInput, hotline);
  const intake = meter.take();
  let second = { writes: 0, units: 0 };
  for (let i = 2; i <= 100; i++) {
    state = (await service.act(state.id, { type: 'note', visibility: 'internal', text: `第${i}次记录：已电话联系双方。` }, at(state.unitId))).state;
    const cost = meter.take();
    if (i === 2) second = cost;
    if (i === 100) return finish(cost);
  }
  throw new Error('unreachable');

  async function finish(hundredth: { writes: number; units: number }): Promise<TransitionFigures> {
    // A whole lifecycle, with the index writes each step causes.
    const lifecycle: TransitionFigures['lifecycle'] = [];
    let current: CaseState | undefined;
    const step = async (name: string, run: () => Promise<CaseState>) => {
      const before = current && stateItem(current, EMPTY_META, codec);
      current = await run();
      const cost = meter.take();
      lifecycle.push({ step: name, tableWrites: cost.writes, tableUnits: cost.units, indexWrites: indexWrites(before, stateItem(current, EMPTY_META, codec)) });
    };
    const act = (command: Command, actor?: Actor) => async () => (await service.act(current?.id ?? '', command, actor ?? at(current?.unitId ?? ''))).state;
    await step('intake (受理)', async () => (await service.intake({ ...intakeInput, description: `${intakeInput.description} 生命周期` }, hotline)).state);
    await step('note (记录)', act({ type: 'note', visibility: 'internal', text: '已联系' }));
    await step('accept (签收)', act({ type: 'accept' }));
    await step('escalate request (申请上报)', act({ type: 'escalate', reason: '双方分歧大' }));
    await step('escalated (上报到小区)', act({ type: 'move_up', reason: 'manual' }, system));
    now = new Date(nextTimerAt(current as CaseState, units) ?? now);
    const due = dueCommand(current as CaseState, now, units);
    if (due) await step(`timer: ${due.type}`, act(due, system));
    await step('accept (签收)', act({ type: 'accept' }));
    await step('resolve (化解)', act({ type: 'resolve', outcome: 'resolved', summary: '双方达成协议' }));
    await step('follow up (回访)', act({ type: 'follow_up', satisfaction: 'satisfied' }));
    await step('close (归档)', act({ type: 'close' }));
    db.destroy();
    return { intake, second, hundredth, lifecycle };
  }
}
