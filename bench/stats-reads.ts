/**
 * Costs that follow the work: what a county's statistics read costs with N
 * cases and with 10 N — the counters the handler reads (one Query per unit:
 * the county and each unit below it), against the cases of the range the
 * handler read before the counters (byMonth + the cases themselves).
 */
import { chinaDay } from '../shared/domain/index.ts';
import { startLocalStack } from '../infra/local/stack.ts';

export interface StatsReads {
  readonly cases: number;
  readonly counters: { calls: number; items: number };
  readonly fromCases: { calls: number; items: number };
}

export async function statsReads(sizes: readonly number[] = [100, 1000]): Promise<StatsReads[]> {
  const stack = await startLocalStack({ port: 0, seedCases: false, workers: false });
  try {
    const runtime = await import('../shared/service/runtime.ts');
    const { CaseQueries } = await import('../shared/store/case-queries.ts');
    const hotline = { kind: 'client', id: 'hotline-12345', source: 'hotline', rootUnitId: 'zj' } as const;
    const units = await runtime.directory.units();
    const buildings = units.all().filter((u) => u.level === 'building').map((u) => u.id);
    const counted = { calls: 0, items: 0 };
    const send = runtime.dynamodb.send.bind(runtime.dynamodb) as (command: { constructor: { name: string } }) => Promise<unknown>;
    (runtime.dynamodb as { send: unknown }).send = async (command: { constructor: { name: string } }) => {
      const output = (await send(command)) as { Items?: unknown[]; Item?: unknown; Responses?: Record<string, unknown[]> };
      if (/^(Get|Query|BatchGet)/.test(command.constructor.name)) {
        counted.calls++;
        counted.items += output.Items?.length ?? (output.Item ? 1 : 0) + Object.values(output.Responses ?? {}).reduce((n, r) => n + r.length, 0);
      }
      return output;
    };
    const measure = async (run: () => Promise<unknown>) => {
      counted.calls = 0;
      counted.items = 0;
      await run();
      return { ...counted };
    };
    // The counters' days are China's (after 16:00 UTC the UTC date is a day behind).
    const today = chinaDay(new Date().toISOString());
    const from = chinaDay(new Date(Date.now() - 365 * 86_400_000).toISOString());
    const queries = new CaseQueries(runtime.dynamodb, runtime.config.tableName, runtime.store);
    const out: StatsReads[] = [];
    let filed = 0;
    for (const size of sizes) {
      for (; filed < size; filed++) {
        const { state } = await runtime.cases.intake(
          { source: 'hotline', externalId: `BENCH-STATS-${filed}-${Date.now()}`, center: 'voice', description: '路灯坏了', priority: 'normal', reporter: { phone: '13800138000' }, location: { unitId: buildings[filed % buildings.length]! }, parties: [] },
          hotline,
        );
        await runtime.countCase(state);
      }
      const county = [units.get('zj')!, ...units.children('zj')];
      const counters = await measure(() => Promise.all(county.map((u) => runtime.counters.rows(u.id, from, today))));
      const fromCases = await measure(async () =>
        runtime.store.getMany(await queries.createdBetween('zj', `${from}T00:00:00Z`, `${today}T23:59:59Z`, { originWithin: (o) => units.isWithin(o, 'zj') })),
      );
      out.push({ cases: size, counters, fromCases });
    }
    (runtime.dynamodb as { send: unknown }).send = send;
    return out;
  } finally {
    await stack.stop();
  }
}
