/**
 * 双报到 and the service menus, shared by the HTTP routes and the WeChat
 * channel so a 报到 is the same whichever way it arrives. Approval puts the
 * person on the roster as a `volunteer` account at their community: dispatch
 * (社区派单) already offers tasks to those.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  Forbidden,
  InvalidTransition,
  NotFound,
  ValidationFailed,
  communityOf,
  decideRegistration,
  findService,
  keeps,
  menuFor,
  type Actor,
  type Menu,
  type Registration,
  type ServiceItem,
  type UnitTree,
  type VolunteerKind,
} from '../domain/index.ts';
import { HttpError } from '../http/errors.ts';
import type { Account, Directory } from '../store/directory.ts';
import type { VolunteerStore } from '../store/volunteers.ts';
import type { Accounts } from './accounts.ts';

type UserActor = Extract<Actor, { kind: 'user' }>;

export interface RegistrationInput {
  readonly unitId: string;
  readonly name: string;
  readonly phone: string;
  readonly kind: VolunteerKind;
  readonly employer?: string;
  readonly skills: readonly string[];
  readonly availability: string;
}

export interface DecisionInput {
  readonly decision: 'approve' | 'reject';
  readonly reason?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface VolunteerDeps {
  readonly store: VolunteerStore;
  readonly directory: Directory;
  /** Key of the registration ids (HASH_SECRET): an id names a person without being their phone. */
  readonly hashSecret: string;
}

export class Volunteers {
  constructor(private readonly deps: VolunteerDeps) {}

  /** One registration per community and phone: the same person registering again gets the first one back. */
  idOf(communityId: string, phone: string): string {
    return `R${createHmac('sha256', this.deps.hashSecret).update(`${communityId}|${phone}`).digest('hex').slice(0, 15).toUpperCase()}`;
  }

  /** 报到, within `scope` (a channel's township) when the channel serves one. */
  async register(input: RegistrationInput, source: Registration['source'], now: Date, scope?: string): Promise<{ registration: Registration; created: boolean }> {
    const units = await this.deps.directory.units();
    const community = units.get(input.unitId) && (scope === undefined || units.isWithin(input.unitId, scope)) ? communityOf(units, input.unitId) : undefined;
    if (!community) throw new ValidationFailed('请选择您居住的社区（或其下的小区、楼栋）', [{ path: 'unitId', message: '不是本系统的社区或其下单位' }]);
    const reg: Registration = {
      id: this.idOf(community.id, input.phone),
      communityId: community.id,
      rootId: community.rootId,
      unitId: input.unitId,
      name: input.name.trim(),
      phone: input.phone,
      kind: input.kind,
      ...(input.employer?.trim() ? { employer: input.employer.trim() } : {}),
      skills: input.skills.map((s) => s.trim()),
      availability: input.availability.trim(),
      source,
      status: 'pending',
      at: now.toISOString(),
    };
    return this.deps.store.register(reg);
  }

  /** The registrations a keeper sees: those of the communities in their subtree. */
  async registrations(actor: UserActor, units: UnitTree): Promise<Registration[]> {
    const rootId = units.get(actor.unitId)?.rootId;
    if (rootId === undefined) return [];
    const all = await this.deps.store.registrations(rootId);
    return all.filter((r) => units.isWithin(r.communityId, actor.unitId)).sort((a, b) => b.at.localeCompare(a.at));
  }

  /**
   * 通过 or 退回. Approval creates the volunteer account (or links an existing
   * volunteer account of the same community); a first password generated
   * here is answered once, for the approver to hand over.
   */
  async decide(id: string, input: DecisionInput, actor: UserActor, units: UnitTree, now: Date, accounts: Accounts): Promise<{ registration: Registration; initialPassword?: string }> {
    const rootId = units.get(actor.unitId)?.rootId;
    const reg = rootId === undefined ? undefined : await this.deps.store.registration(rootId, id);
    if (!reg || !units.isWithin(reg.communityId, actor.unitId)) throw new NotFound(`no 报到 ${id} in your jurisdiction`);
    const username = input.username ?? reg.username ?? `v-${reg.id.slice(1, 11).toLowerCase()}`;
    const decision = input.decision === 'approve' ? ({ approve: true, username } as const) : ({ approve: false, reason: input.reason ?? '' } as const);
    const decided = decideRegistration(reg, decision, actor, units, now);
    if (decided instanceof Error) throw decided;
    if (decided === reg) return { registration: reg };
    let initialPassword: string | undefined;
    if (decision.approve) initialPassword = await this.enrol(accounts, decided, username, input.password);
    if (!(await this.deps.store.decide(decided))) {
      const current = await this.deps.store.registration(reg.rootId, reg.id);
      if (current?.status === decided.status) return { registration: current };
      throw new InvalidTransition('this 报到 was decided by someone else just now');
    }
    return { registration: decided, ...(initialPassword !== undefined ? { initialPassword } : {}) };
  }

  /** The volunteer account of an approved registration: created, or an existing one of the same community linked. */
  private async enrol(accounts: Accounts, reg: Registration, username: string, password?: string): Promise<string | undefined> {
    const existing = await this.deps.directory.account(username);
    if (existing) {
      if (existing.role !== 'volunteer' || existing.unitId !== reg.communityId) {
        throw new HttpError(409, 'conflict', `账号 ${username} 已被占用`, [{ path: 'username', message: '已被其他账号占用' }]);
      }
      return undefined;
    }
    const generated = password === undefined ? randomBytes(9).toString('base64url') : undefined;
    const profile: Omit<Account, 'passwordHash'> = { username, displayName: reg.name, role: 'volunteer', unitId: reg.communityId, phone: reg.phone };
    await accounts.create(profile, password ?? (generated as string));
    return generated;
  }

  /** The roster: volunteer accounts in the actor's subtree, each with what their 报到 said. */
  async roster(actor: UserActor, units: UnitTree): Promise<{ account: Account; registration?: Registration }[]> {
    const [accounts, regs] = await Promise.all([this.deps.directory.accounts(), this.registrations(actor, units)]);
    const byUsername = new Map(regs.filter((r) => r.username !== undefined).map((r) => [r.username as string, r]));
    return accounts
      .filter((a) => a.role === 'volunteer' && units.isWithin(a.unitId, actor.unitId))
      .sort((a, b) => a.unitId.localeCompare(b.unitId) || a.displayName.localeCompare(b.displayName))
      .map((account) => ({ account, registration: byUsername.get(account.username) }));
  }

  async menu(unitId: string | undefined): Promise<Menu> {
    return menuFor(await this.deps.directory.units(), unitId, await this.deps.store.menus());
  }

  /** A service by code or name from the menu of `unitId`, as a case records it; a 400 naming `path` when the menu has none such. */
  async service(unitId: string | undefined, codeOrName: string, path = 'service'): Promise<{ code: string; name: string }> {
    const menu = await this.menu(unitId);
    const found = findService(menu, codeOrName);
    if (!found) throw new ValidationFailed(`服务清单中没有“${codeOrName}”`, [{ path, message: `不在服务清单中（可选：${menu.items.map((s) => s.name).join('、')}）` }]);
    return { code: found.code, name: found.name };
  }

  async putMenu(unitId: string, items: readonly ServiceItem[], actor: UserActor, units: UnitTree, now: Date): Promise<Menu> {
    if (!units.get(unitId) || !units.isWithin(unitId, actor.unitId)) throw new NotFound(`no unit ${unitId} in your jurisdiction`);
    if (!keeps(actor, unitId, units)) throw new Forbidden('只有社区及以上的调解员、中心工作人员或管理员可以维护服务清单');
    await this.deps.store.putMenu(unitId, items, actor.id, now.toISOString());
    return { unitId, items };
  }
}
