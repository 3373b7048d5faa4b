/**
 * Seed the demo township, accounts, hotline key and a few cases. Safe to run
 * at every start: units and cases are written only into an empty table,
 * accounts only when missing, and the hotline key always (its value may come
 * from the environment).
 */
import { requiresMfa, type Actor } from '../../shared/domain/index.ts';
import type { CaseService } from '../../shared/service/cases.ts';
import type { DeliberationService } from '../../shared/service/deliberation.ts';
import { hashPassword } from '../../shared/service/passwords.ts';
import type { Directory } from '../../shared/store/directory.ts';
import type { Volunteers } from '../../shared/service/volunteers.ts';
import type { VolunteerStore } from '../../shared/store/volunteers.ts';
import { DEMO_ACCOUNTS, DEMO_CASES, DEMO_HOUSEHOLDS, DEMO_MENU, DEMO_REGISTRATIONS, DEMO_TEMPLATES, DEMO_TOPICS, DEMO_UNITS, HOTLINE_CLIENT, OPEN311_CLIENT } from './demo-data.ts';
import type { HouseholdStore } from '../../shared/store/households.ts';
import type { TemplateStore } from '../../shared/store/templates.ts';

export interface SeedOptions {
  readonly hotlineKey: string;
  readonly password: string;
  readonly cases: boolean;
  /** The Open311 client's api_key. */
  readonly open311Key?: string;
  /** 议事厅: with it, the demo topics are seeded beside the cases. */
  readonly deliberations?: DeliberationService;
  /** Where the hotline's status changes are pushed back (CALLBACK_URL / CALLBACK_SECRET). */
  readonly hotlineCallback?: { readonly url: string; readonly secret: string };
  /** Where the demo 联户 go (written with the demo units). */
  readonly households?: HouseholdStore;
  /** With MFA required: the TOTP secret the demo officers and admins are seeded with (README, "Sign-in"). */
  readonly demoTotpSecret?: string;
  /** Where the demo 常用语 go (written with the demo units). */
  readonly templates?: TemplateStore;
}

export async function seed(directory: Directory, service: CaseService, options: SeedOptions, volunteers?: { service: Volunteers; store: VolunteerStore }): Promise<void> {
  await directory.putApiClient(options.hotlineKey, {
    ...HOTLINE_CLIENT,
    ...(options.hotlineCallback ? { callbackUrl: options.hotlineCallback.url, callbackSecret: options.hotlineCallback.secret } : {}),
  });
  if (options.open311Key) await directory.putApiClient(options.open311Key, OPEN311_CLIENT);
  const fresh = (await directory.units()).size === 0;
  if (fresh) {
    await directory.putUnits(DEMO_UNITS);
    await options.households?.putMany(DEMO_HOUSEHOLDS.map((h) => ({ ...h, updatedAt: new Date().toISOString() })));
    for (const template of DEMO_TEMPLATES) await options.templates?.put({ ...template, updatedAt: new Date().toISOString(), updatedBy: 'demo-seed' }, 'create');
  }
  for (const account of DEMO_ACCOUNTS) {
    if (await directory.account(account.username)) continue;
    const mfa = options.demoTotpSecret && requiresMfa(account.role) ? { mfa: { enrolledAt: new Date().toISOString(), secret: options.demoTotpSecret } } : {};
    await directory.putAccount({ ...account, passwordHash: await hashPassword(options.password), ...mfa });
  }
  directory.invalidate();
  if (fresh && volunteers) await seedVolunteers(volunteers.service, volunteers.store);
  if (!fresh || !options.cases) return;
  const client: Actor = { kind: 'client', id: HOTLINE_CLIENT.name, source: 'hotline', rootUnitId: HOTLINE_CLIENT.rootUnitId };
  const caseIds = new Map<string, string>();
  for (const demo of DEMO_CASES) {
    const { then, ...input } = demo;
    const { state } = await service.intake({ priority: 'normal', parties: [], ...input }, client);
    caseIds.set(demo.externalId, state.id);
    if (!then) continue;
    const actor: Actor = { kind: 'user', id: 'demo-seed', name: '演示数据', role: 'mediator', unitId: state.unitId };
    await service.act(state.id, { type: 'accept' }, actor);
    if (then === 'resolve') {
      await service.act(state.id, { type: 'resolve', outcome: 'resolved', summary: '已电话告知所需材料清单。' }, actor);
    }
  }
  if (options.deliberations) await seedTopics(options.deliberations, caseIds, new Date());
}

const DAY_MS = 86_400_000;

/** The demo's 议事厅: each topic taken as far as its data goes (met, agreed, published). */
export async function seedTopics(deliberations: DeliberationService, caseIds: ReadonlyMap<string, string>, now: Date): Promise<void> {
  for (const demo of DEMO_TOPICS) {
    const actor: Actor = { kind: 'user', id: 'demo-seed', name: '演示数据', role: 'mediator', unitId: demo.unitId };
    const ids = demo.fromCases.map((c) => caseIds.get(c)).filter((id): id is string => id !== undefined);
    let { state } = await deliberations.raise({ type: 'raise', unitId: demo.unitId, title: demo.title, description: demo.description, caseIds: ids }, actor);
    if (!('meeting' in demo)) continue;
    const step = async (body: Parameters<DeliberationService['act']>[1]) => {
      state = (await deliberations.act(state.id, body, actor, state.version)).state;
    };
    await step({ type: 'schedule', meeting: { ...demo.meeting, at: new Date(now.getTime() - DAY_MS).toISOString() } });
    await step({ type: 'hold', participants: demo.participants, minutes: demo.minutes });
    const day = (n: number) => new Date(now.getTime() + 8 * 3600_000 + n * DAY_MS).toISOString().slice(0, 10);
    await step({ type: 'agree', decisions: demo.decisions.map(({ inDays, ...d }) => ({ ...d, dueDate: day(inDays) })) });
    await step({ type: 'publish', result: demo.result, resolvesCases: ids.length > 0 });
  }
}

/** 双报到 demo: 新风社区's menu, an approved registration linked to the demo volunteer, and one awaiting approval. */
async function seedVolunteers(volunteers: Volunteers, store: VolunteerStore): Promise<void> {
  const now = new Date();
  await store.putMenu(DEMO_MENU.unitId, DEMO_MENU.items, 'demo-seed', now.toISOString());
  for (const { approveAs, ...input } of DEMO_REGISTRATIONS) {
    const { registration } = await volunteers.register(input, 'web', now);
    if (approveAs !== undefined) await store.decide({ ...registration, status: 'approved', decidedAt: now.toISOString(), decidedBy: 'demo-seed', username: approveAs });
  }
}
