/** Fixtures for pure domain tests: the demo tree, a fixed calendar, actors. */
import {
  DEFAULT_EMERGENCY_POLICY,
  DEFAULT_RISK_POLICY,
  UnitTree,
  WorkingCalendar,
  calendarData,
  defaultSlaPolicy,
  type Actor,
  type DecideContext,
  type IntakeInput,
  type Policy,
  type Role,
} from '../../shared/domain/index.ts';
import { DEMO_UNITS } from '../../infra/local/demo-data.ts';

export const units = new UnitTree(DEMO_UNITS);
export const calendar = new WorkingCalendar(calendarData());
export const policy: Policy = {
  sla: defaultSlaPolicy(),
  risk: DEFAULT_RISK_POLICY,
  emergency: DEFAULT_EMERGENCY_POLICY,
  timing: { calendar, timeScale: 1 },
};

export const system: Actor = { kind: 'system', id: 'sweeper' };
export const hotline: Actor = { kind: 'client', id: 'hotline-12345', source: 'hotline', rootUnitId: 'hp' };

export function user(unitId: string, role: Role = 'mediator', id = `${role}@${unitId}`): Extract<Actor, { kind: 'user' }> {
  return { kind: 'user', id, name: id, role, unitId };
}

export function ctx(actor: Actor, now: Date | string): DecideContext {
  return { now: typeof now === 'string' ? new Date(now) : now, actor, units, policy };
}

export function intake(overrides: Partial<IntakeInput> = {}): IntakeInput {
  return {
    source: 'hotline',
    center: 'voice',
    description: '楼道灯坏了',
    priority: 'normal',
    reporter: { name: '张三', phone: '13800138000' },
    location: { unitId: 'hp-xf-yg-1' },
    parties: [],
    ...overrides,
  };
}
