/**
 * What 我的待办 costs to read: each tab, and the counts of all tabs, as
 * DynamoDB bills them (ReturnConsumedCapacity on Amazon DynamoDB Local, which
 * sizes items in UTF-8), for a unit with 200 open cases among 400, and the
 * township's officer over all of them. Every tab is one Query on its index;
 * a page of cases is then one BatchGet of their projections.
 */
import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { DEFAULT_EMERGENCY_POLICY, DEFAULT_RISK_POLICY, WorkingCalendar, calendarData, defaultSlaPolicy, type Actor, type Policy, type WorkTab } from '../shared/domain/index.ts';
import { CaseService } from '../shared/service/cases.ts';
import { CaseStore } from '../shared/store/case-store.ts';
import type { CodecContext } from '../shared/store/codec.ts';
import { Directory } from '../shared/store/directory.ts';
import { WorkQueries } from '../shared/store/work-queries.ts';
import type { StackProcess } from './stack-process.ts';

export interface TabRead {
  readonly what: string;
  readonly queries: number;
  readonly readUnits: number;
  readonly items: number;
}

class ReadMeter {
  queries = 0;
  units = 0;
  record(_operation: string, consumed: ConsumedCapacity | undefined) {
    this.queries++;
    this.units += consumed?.CapacityUnits ?? 0;
  }
  take() {
    const out = { queries: this.queries, readUnits: this.units };
    this.queries = 0;
    this.units = 0;
    return out;
  }
}

export async function workQueueReads(stack: StackProcess): Promise<TabRead[]> {
  const db = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const table = stack.tableName;
  const units = await new Directory(db, table).units();
  const codec: CodecContext = { units, reporterKey: (r) => r.phone };
  const store = new CaseStore(db, table, () => codec);
  let now = new Date('2026-11-25T01:00:00Z');
  const policy: Policy = { sla: defaultSlaPolicy(), risk: DEFAULT_RISK_POLICY, emergency: DEFAULT_EMERGENCY_POLICY, timing: { calendar: new WorkingCalendar(calendarData()), timeScale: 1 } };
  const service = new CaseService({ store, units: async () => units, policy: async () => policy, clock: () => now, random: (n) => randomBytes(n) });
  const hotline: Actor = { kind: 'client', id: 'hotline-12345', source: 'hotline', rootUnitId: 'hp' };
  const compound: Actor = { kind: 'user', id: 'bench-compound', name: 'm', role: 'mediator', unitId: 'hp-xf-cy' };
  // 400 cases at one compound: 200 stay open (half signed for), 200 are resolved and await 回访 by the community.
  for (let i = 0; i < 400; i++) {
    now = new Date(now.getTime() + 60_000);
    const { state } = await service.intake(
      { source: 'hotline', center: 'voice', description: `翠苑小区第${i}件：路灯、绿化、垃圾清运等问题，请尽快处理。`, priority: 'normal', reporter: { phone: `1391234${String(i).padStart(4, '0')}` }, location: { unitId: 'hp-xf-cy' }, parties: [], ...(i % 10 === 0 ? { risk: 'orange' as const } : {}) },
      hotline,
    );
    if (i % 2 === 0) continue;
    await service.act(state.id, { type: 'accept' }, compound);
    if (i % 4 === 1) await service.act(state.id, { type: 'resolve', outcome: 'resolved', summary: '已处理' }, compound);
  }
  const meter = new ReadMeter();
  const work = new WorkQueries(db, table, store, meter);
  const out: TabRead[] = [];
  const measure = async (what: string, run: () => Promise<{ items: readonly unknown[] } | readonly unknown[]>) => {
    meter.take();
    const result = await run();
    const { queries, readUnits } = meter.take();
    out.push({ what, queries, readUnits, items: Array.isArray(result) ? result.length : (result as { items: readonly unknown[] }).items.length });
  };
  const ids = async (page: { items: readonly unknown[] }) => page;
  await measure('counts of every tab (compound)', () => work.counts('hp-xf-cy', undefined, now));
  for (const tab of ['pending', 'in_progress'] as WorkTab[]) await measure(`tab ${tab}, first page of 50 (compound)`, async () => ids(await work.ownTab('hp-xf-cy', tab, 50)));
  await measure('tab follow_up, first page of 50 (community)', async () => ids(await work.awaitedTab('hp-xf', 'follow_up', 50)));
  await measure('tab approval, first page of 50 (community)', async () => ids(await work.awaitedTab('hp-xf', 'approval', 50)));
  await measure('counts of every tab (township officer, 风险件 and 超期件 included)', () => work.counts('hp', { rootId: 'hp', path: '/hp/' }, now));
  await measure('tab risk, first page of 50 (township officer)', async () => ids(await work.watchTab({ rootId: 'hp', path: '/hp/' }, 'risk', now, 50)));
  await measure('keyword search "路灯", first page of 50 (township)', async () => {
    const found = await work.search('hp', ['路灯'], '2026-11-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z', 50);
    return found.ids;
  });
  db.destroy();
  return out;
}
