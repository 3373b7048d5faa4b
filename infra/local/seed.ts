/**
 * Seed the demo township, accounts, hotline key and a few cases. Safe to run
 * at every start: units and cases are written only into an empty table,
 * accounts only when missing, and the hotline key always (its value may come
 * from the environment).
 */
import type { Actor } from '../../shared/domain/index.ts';
import type { CaseService } from '../../shared/service/cases.ts';
import { hashPassword } from '../../shared/service/passwords.ts';
import type { Directory } from '../../shared/store/directory.ts';
import type { HouseholdStore } from '../../shared/store/households.ts';
import { DEMO_ACCOUNTS, DEMO_CASES, DEMO_HOUSEHOLDS, DEMO_UNITS, HOTLINE_CLIENT, OPEN311_CLIENT } from './demo-data.ts';

export interface SeedOptions {
  readonly hotlineKey: string;
  readonly password: string;
  readonly cases: boolean;
  /** The Open311 client's api_key. */
  readonly open311Key?: string;
  /** Where the hotline's status changes are pushed back (CALLBACK_URL / CALLBACK_SECRET). */
  readonly hotlineCallback?: { readonly url: string; readonly secret: string };
  /** Where the demo 联户 go (written with the demo units). */
  readonly households?: HouseholdStore;
}

export async function seed(directory: Directory, service: CaseService, options: SeedOptions): Promise<void> {
  await directory.putApiClient(options.hotlineKey, {
    ...HOTLINE_CLIENT,
    ...(options.hotlineCallback ? { callbackUrl: options.hotlineCallback.url, callbackSecret: options.hotlineCallback.secret } : {}),
  });
  if (options.open311Key) await directory.putApiClient(options.open311Key, OPEN311_CLIENT);
  const fresh = (await directory.units()).size === 0;
  if (fresh) {
    await directory.putUnits(DEMO_UNITS);
    await options.households?.putMany(DEMO_HOUSEHOLDS.map((h) => ({ ...h, updatedAt: new Date().toISOString() })));
  }
  for (const account of DEMO_ACCOUNTS) {
    if (await directory.account(account.username)) continue;
    await directory.putAccount({ ...account, passwordHash: await hashPassword(options.password) });
  }
  directory.invalidate();
  if (!fresh || !options.cases) return;
  const client: Actor = { kind: 'client', id: HOTLINE_CLIENT.name, source: 'hotline', rootUnitId: HOTLINE_CLIENT.rootUnitId };
  for (const demo of DEMO_CASES) {
    const { then, ...input } = demo;
    const { state } = await service.intake({ priority: 'normal', parties: [], ...input }, client);
    if (!then) continue;
    const actor: Actor = { kind: 'user', id: 'demo-seed', name: '演示数据', role: 'mediator', unitId: state.unitId };
    await service.act(state.id, { type: 'accept' }, actor);
    if (then === 'resolve') {
      await service.act(state.id, { type: 'resolve', outcome: 'resolved', summary: '已电话告知所需材料清单。' }, actor);
    }
  }
}
