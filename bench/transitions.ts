/**
 * Write cost of each transition and of relaying its effects, from
 * ReturnConsumedCapacity on Amazon DynamoDB Local (which sizes items in UTF-8
 * bytes and reports index units, as DynamoDB bills; dynalite counts UTF-16
 * and reports no index units). Index writes per step are also derived from
 * the key design, to show which index each step touches.
 */
import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_EMERGENCY_POLICY,
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
import { EffectsRelay } from '../shared/service/relay.ts';
import { CaseStore, type PendingEffects } from '../shared/store/case-store.ts';
import { EMPTY_META, indexWrites, stateItem, type CodecContext } from '../shared/store/codec.ts';
import { Directory } from '../shared/store/directory.ts';
import { DUE_SHARDS } from '../shared/store/schema.ts';
import { StatCounters } from '../shared/store/stat-counters.ts';
import type { StackProcess } from './stack-process.ts';

export interface Cost {
  readonly writes: number;
  /** Table write units, and the indexes' (UTF-8 sizes, as DynamoDB bills). */
  readonly units: number;
  readonly indexUnits: number;
}

class Meter {
  private writes = 0;
  private units = 0;
  private indexUnits = 0;
  record(_operation: string, consumed: ConsumedCapacity | undefined) {
    this.writes++;
    this.units += consumed?.Table?.CapacityUnits ?? consumed?.CapacityUnits ?? 0;
    this.indexUnits += Object.values(consumed?.GlobalSecondaryIndexes ?? {}).reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
  }
  take(): Cost {
    const out = { writes: this.writes, units: this.units, indexUnits: this.indexUnits };
    this.writes = 0;
    this.units = 0;
    this.indexUnits = 0;
    return out;
  }
}

export interface TransitionFigures {
  readonly intake: Cost;
  /** An intake that carries files by URL: they are fetched later by the media worker, so the request path writes the same. */
  readonly intakeWithAttachments: Cost;
  readonly second: Cost;
  readonly hundredth: Cost;
  readonly lifecycle: { step: string; cost: Cost; indexWrites: Record<string, number> }[];
  /** The relay over the lifecycle's events: per event, on average. */
  readonly relay: { events: number; calls: number; reads: number; writes: number; writeUnits: number; readUnits: number; messages: number };
}

export async function transitionCosts(stack: StackProcess): Promise<TransitionFigures> {
  const db = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const table = stack.tableName;
  const directory = new Directory(db, table);
  const units = await directory.units();
  const codec: CodecContext = { units, reporterKey: (r) => r.phone };
  const meter = new Meter();
  const store = new CaseStore(db, table, () => codec, meter);
  let now = new Date('2026-11-25T01:00:00Z');
  const policy: Policy = { sla: defaultSlaPolicy(), risk: DEFAULT_RISK_POLICY, emergency: DEFAULT_EMERGENCY_POLICY, timing: { calendar: new WorkingCalendar(calendarData()), timeScale: 1 } };
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
  await service.intake(
    {
      ...intakeInput,
      description: `${intakeInput.description}（附现场照片和通话录音）`,
      media: Array.from({ length: 3 }, (_, i) => ({ source: { kind: 'url' as const, url: `https://files.12345.example.cn/wo/${i}.jpg` }, visibility: 'internal' as const })),
    },
    hotline,
  );
  const intakeWithAttachments = meter.take();
  let second = meter.take();
  let hundredth = second;
  for (let i = 2; i <= 100; i++) {
    state = (await service.act(state.id, { type: 'note', visibility: 'internal', text: `第${i}次记录：已电话联系双方，约定周五上门查看漏水情况。` }, at(state.unitId))).state;
    const cost = meter.take();
    if (i === 2) second = cost;
    if (i === 100) hundredth = cost;
  }

  // A whole lifecycle, with the index writes each step causes.
  const lifecycle: TransitionFigures['lifecycle'] = [];
  let current: CaseState | undefined;
  const step = async (name: string, run: () => Promise<CaseState>) => {
    const before = current && stateItem(current, EMPTY_META, codec);
    current = await run();
    lifecycle.push({ step: name, cost: meter.take(), indexWrites: indexWrites(before, stateItem(current, EMPTY_META, codec)) });
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
  // 回访 is the level above's: never the resolver's.
  await step('follow up (回访)', async () => (await service.act(current?.id ?? '', { type: 'follow_up', satisfaction: 'satisfied' }, at(units.parent(current?.unitId ?? '')?.id ?? current?.unitId ?? ''))).state);
  await step('close (归档)', act({ type: 'close' }));

  // What relaying the lifecycle's effects costs: every call the relay makes, per event.
  const lifecycleId = (current as CaseState).id;
  const pending: PendingEffects[] = (await Promise.all(Array.from({ length: DUE_SHARDS }, (_, s) => store.pendingEffects(s, '9999')))).flat().filter((p) => p.caseId === lifecycleId);
  const counted = { calls: 0, reads: 0, writes: 0, readUnits: 0 };
  const send = db.send.bind(db) as (command: { constructor: { name: string }; input: Record<string, unknown> }) => Promise<{ ConsumedCapacity?: ConsumedCapacity }>;
  (db as { send: unknown }).send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    counted.calls++;
    if (/^(Put|Update|Delete)/.test(command.constructor.name)) counted.writes++;
    else {
      counted.reads++;
      command.input.ReturnConsumedCapacity = 'TOTAL';
    }
    const output = await send(command);
    const consumed = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) if (!/^(Put|Update|Delete)/.test(command.constructor.name)) counted.readUnits += c.CapacityUnits ?? 0;
    return output;
  };
  let messages = 0;
  const counters = new StatCounters(db, table);
  const relay = new EffectsRelay({
    store,
    cases: service,
    count: (state) => counters.count(state, units),
    send: async (_queue, entries) => {
      messages += entries.length;
      return new Set();
    },
    callbackClients: async () => new Set([hotline.id]),
  });
  meter.take();
  await relay.relay(pending);
  const relayWrites = meter.take();
  db.destroy();
  const n = Math.max(1, pending.length);
  return {
    intake,
    intakeWithAttachments,
    second,
    hundredth,
    lifecycle,
    relay: {
      events: pending.length,
      calls: counted.calls / n,
      reads: counted.reads / n,
      writes: counted.writes / n,
      writeUnits: (relayWrites.units + relayWrites.indexUnits) / n,
      readUnits: counted.readUnits / n,
      messages: messages / n,
    },
  };
}
