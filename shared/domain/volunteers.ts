/**
 * 双报到 and 群众点单: a party member or cadre registers (报到) with the
 * community where they live; the community approves them into its volunteer
 * roster (a `volunteer` account at the community, which dispatch already
 * offers tasks to). Residents 点单 from the community's menu of services; the
 * order is a case carrying the service, worked by the one mechanism cases
 * have (社区派单 = dispatch to a volunteer, 党员接单 = their accept). Pure.
 */
import { Forbidden, InvalidTransition, ValidationFailed, type DomainError } from './errors.ts';
import type { CenterCode, Role } from './registry.ts';
import type { Unit, UnitTree } from './units.ts';

export interface ServiceItem {
  /** Stable code (what a case records); the name is what residents see. */
  readonly code: string;
  readonly name: string;
  readonly description?: string;
}

/** The menu a community has until it keeps its own. */
export const DEFAULT_SERVICES: readonly ServiceItem[] = [
  { code: 'errand', name: '代办', description: '代办证件、代缴费用、代购物品' },
  { code: 'repair', name: '上门维修', description: '水电、门窗、家电小修' },
  { code: 'escort', name: '陪诊', description: '陪同就医、取药' },
  { code: 'counselling', name: '心理疏导', description: '谈心、情绪疏导' },
  { code: 'legal', name: '法律咨询', description: '政策与法律问题解答' },
  { code: 'elderly', name: '助老助残', description: '探访独居老人、助餐助浴' },
];

export const MENU_LIMITS = { items: 30 } as const;

/** A unit's menu: the nearest one kept at it or above it, else the default. `unitId` is whose it is (absent: the default). */
export interface Menu {
  readonly unitId?: string;
  readonly items: readonly ServiceItem[];
}

export function menuFor(units: UnitTree, unitId: string | undefined, kept: ReadonlyMap<string, readonly ServiceItem[]>): Menu {
  for (let u: Unit | undefined = unitId === undefined ? undefined : units.get(unitId); u; u = units.parent(u.id)) {
    const items = kept.get(u.id);
    if (items) return { unitId: u.id, items };
  }
  return { items: DEFAULT_SERVICES };
}

/** The centre a 点单 filed without one (by WeChat or SMS) goes to: services are 民生保障's. */
export const ORDER_CENTER = 'welfare' satisfies CenterCode;

/** A service by its code or its name (a resident types the name), in a menu. */
export function findService(menu: Menu, codeOrName: string): ServiceItem | undefined {
  const wanted = codeOrName.trim();
  return menu.items.find((s) => s.code === wanted || s.name === wanted);
}

export const VOLUNTEER_KINDS = [
  { code: 'party_member', name: '党员' },
  { code: 'cadre', name: '干部' },
  { code: 'resident', name: '热心群众' },
] as const;
export type VolunteerKind = (typeof VOLUNTEER_KINDS)[number]['code'];
export const VOLUNTEER_KIND_CODES = VOLUNTEER_KINDS.map((k) => k.code) as [VolunteerKind, ...VolunteerKind[]];

export type RegistrationStatus = 'pending' | 'approved' | 'rejected';

export interface Registration {
  /** Derived from the community and the phone: one registration per person and community. */
  readonly id: string;
  readonly communityId: string;
  readonly rootId: string;
  /** Where they live (the community, or a unit below it). */
  readonly unitId: string;
  readonly name: string;
  readonly phone: string;
  readonly kind: VolunteerKind;
  /** 工作单位 (where a 在职党员 works), optional. */
  readonly employer?: string;
  readonly skills: readonly string[];
  readonly availability: string;
  readonly source: 'web' | 'wechat' | 'sms' | 'staff';
  readonly status: RegistrationStatus;
  readonly at: string;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly reason?: string;
  /** The volunteer account approval created or linked. */
  readonly username?: string;
}

/** Who keeps a roster and a menu: those who work cases at a community or above (not 联户长, volunteers or leaders). */
export const ROSTER_KEEPERS: readonly Role[] = ['mediator', 'officer', 'admin'];

/** The community a registration is made with: the unit's own community (a unit at or below one). */
export function communityOf(units: UnitTree, unitId: string): Unit | undefined {
  return units.ancestorAt(unitId, 'community');
}

/** A roster or menu keeper over `unitId`: their role keeps rosters and their subtree holds it. */
export function keeps(actor: { readonly role: Role; readonly unitId: string }, unitId: string, units: UnitTree): boolean {
  return ROSTER_KEEPERS.includes(actor.role) && units.isWithin(unitId, actor.unitId);
}

export type RegistrationDecision = { readonly approve: true; readonly username: string } | { readonly approve: false; readonly reason: string };

/** Approving or refusing a pending registration. The same decision again is a replay (the registration as it is). */
export function decideRegistration(
  reg: Registration,
  decision: RegistrationDecision,
  by: { readonly id: string; readonly role: Role; readonly unitId: string },
  units: UnitTree,
  now: Date,
): Registration | DomainError {
  if (!keeps(by, reg.communityId, units)) return new Forbidden('only the community or those above it decide a 报到');
  const wanted: RegistrationStatus = decision.approve ? 'approved' : 'rejected';
  if (reg.status !== 'pending') {
    return reg.status === wanted ? reg : new InvalidTransition(`this 报到 was already ${reg.status === 'approved' ? '通过' : '退回'}`);
  }
  if (!decision.approve && decision.reason.trim() === '') return new ValidationFailed('退回须写明原因', [{ path: 'reason', message: '退回须写明原因' }]);
  return {
    ...reg,
    status: wanted,
    decidedAt: now.toISOString(),
    decidedBy: by.id,
    ...(decision.approve ? { username: decision.username } : { reason: decision.reason }),
  };
}
