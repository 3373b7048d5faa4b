/**
 * 双报到 and 群众点单 in the domain: whose menu a unit uses, who decides a
 * 报到 and how, and the statistics of orders (点单 → 派单 → 接单 → 办结 → 群众确认)
 * counted from the case's own events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SERVICES,
  communityOf,
  computeStats,
  decide,
  decideRegistration,
  evolve,
  findService,
  menuFor,
  type Actor,
  type CaseState,
  type Command,
  type Registration,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, units, user } from '../support/domain.ts';

const T0 = new Date('2026-03-02T01:00:00.000Z');

const reg = (over: Partial<Registration> = {}): Registration => ({
  id: 'R1',
  communityId: 'hp-xf',
  rootId: 'hp',
  unitId: 'hp-xf-yg-1',
  name: '刘洋',
  phone: '13900000031',
  kind: 'party_member',
  skills: ['水电维修'],
  availability: '周末',
  source: 'web',
  status: 'pending',
  at: T0.toISOString(),
  ...over,
});

describe('the service menu', () => {
  const kept = new Map([
    ['hp-xf', [{ code: 'tutoring', name: '四点半课堂' }]],
    ['hp', [{ code: 'errand', name: '代办' }]],
  ]);

  it('is the nearest kept at the unit or above it, else the default', () => {
    expect(menuFor(units, 'hp-xf-yg-1', kept)).toEqual({ unitId: 'hp-xf', items: kept.get('hp-xf') });
    expect(menuFor(units, 'hp-hx', kept)).toEqual({ unitId: 'hp', items: kept.get('hp') });
    expect(menuFor(units, 'hp-xf', new Map())).toEqual({ items: DEFAULT_SERVICES });
    expect(menuFor(units, undefined, kept)).toEqual({ items: DEFAULT_SERVICES });
  });

  it('finds a service by its code or by the name a resident types', () => {
    const menu = { items: DEFAULT_SERVICES };
    expect(findService(menu, 'escort')?.name).toBe('陪诊');
    expect(findService(menu, ' 陪诊 ')?.code).toBe('escort');
    expect(findService(menu, '理发')).toBeUndefined();
  });
});

describe('a 报到', () => {
  it('is made with the community of the unit where one lives', () => {
    expect(communityOf(units, 'hp-xf-yg-1')?.id).toBe('hp-xf');
    expect(communityOf(units, 'hp-xf')?.id).toBe('hp-xf');
    expect(communityOf(units, 'hp')).toBeUndefined();
    expect(communityOf(units, 'nowhere')).toBeUndefined();
  });

  it('is approved by the community or above, with the account it gets', () => {
    const done = decideRegistration(reg(), { approve: true, username: 'v-1' }, user('hp-xf'), units, T0);
    expect(done).toMatchObject({ status: 'approved', username: 'v-1', decidedBy: 'mediator@hp-xf', decidedAt: T0.toISOString() });
    expect(decideRegistration(reg(), { approve: true, username: 'v-1' }, user('hp', 'officer'), units, T0)).toMatchObject({ status: 'approved' });
  });

  it('is not decided by a compound below, another community, a 联户长, a leader or a volunteer', () => {
    for (const actor of [user('hp-xf-yg'), user('hp-hx'), user('hp-xf', 'liaison'), user('hp', 'leader'), user('hp-xf', 'volunteer')]) {
      expect(decideRegistration(reg(), { approve: true, username: 'v-1' }, actor, units, T0)).toMatchObject({ code: 'forbidden' });
    }
  });

  it('is refused only with a reason, and once decided stays so: the same decision again is a replay', () => {
    expect(decideRegistration(reg(), { approve: false, reason: ' ' }, user('hp-xf'), units, T0)).toMatchObject({ code: 'validation_failed', issues: [{ path: 'reason' }] });
    const approved = reg({ status: 'approved', username: 'v-1' });
    expect(decideRegistration(approved, { approve: true, username: 'v-1' }, user('hp-xf'), units, T0)).toBe(approved);
    expect(decideRegistration(approved, { approve: false, reason: '重复' }, user('hp-xf'), units, T0)).toMatchObject({ code: 'invalid_transition' });
  });
});

describe('the statistics of orders', () => {
  const volunteer = user('hp-xf', 'volunteer', 'v-1');
  const community = user('hp-xf');
  const above = user('hp', 'officer');
  const resident: Actor = { kind: 'resident', id: 'track', channel: 'web' };
  type Step = 'offer' | 'decline' | 'take' | 'resolve' | 'confirm' | 'dissatisfied';

  /** A case (an order or not) worked through `steps`, each applied only when the rules allow it. */
  function play(ordered: boolean, steps: readonly Step[]): CaseState {
    const service = ordered ? { service: { code: 'escort', name: '陪诊' } } : {};
    let state: CaseState | undefined;
    const run = (command: Command, actor: Actor) => {
      const d = decide(state, command, ctx(actor, T0));
      if (d.ok) state = evolve(state, d.event);
    };
    run({ type: 'receive', id: 'C1', trackingNo: 'C1', trackingCode: '1234', input: intake({ location: { unitId: 'hp-xf' }, ...service }) }, hotline);
    run({ type: 'accept' }, community);
    const account = { id: 'v-1', role: 'volunteer', unitId: 'hp-xf', disabled: false };
    for (const step of steps) {
      if (step === 'offer') run({ type: 'dispatch', toVolunteerId: 'v-1', volunteer: account }, community);
      if (step === 'decline') run({ type: 'decline', reason: '没空' }, volunteer);
      if (step === 'take') run({ type: 'accept' }, volunteer);
      if (step === 'resolve') run({ type: 'resolve', outcome: 'resolved', summary: '已陪同复查' }, state?.assignment?.state === 'accepted' ? volunteer : community);
      if (step === 'confirm') run({ type: 'follow_up', satisfaction: 'satisfied' }, resident);
      if (step === 'dissatisfied') run({ type: 'follow_up', satisfaction: 'dissatisfied' }, above);
    }
    return state as CaseState;
  }

  const range = { from: '2026-03-01', to: '2026-03-31' };

  it('counts 点单, 派单, 接单, done by a volunteer and the resident\'s confirmation', () => {
    const s = computeStats(
      [
        play(true, ['offer', 'take', 'resolve', 'confirm']),
        play(true, ['offer', 'decline', 'offer', 'take', 'resolve']),
        play(true, []),
        play(false, ['offer', 'take']),
      ],
      range,
    ).services;
    expect(s).toEqual({
      ordered: 3,
      offered: 4,
      taken: 3,
      takeRate: { numerator: 3, denominator: 4, rate: 0.75 },
      done: 2,
      doneByVolunteers: 2,
      confirmationRate: { numerator: 1, denominator: 2, rate: 0.5 },
      byService: { escort: 3 },
    });
  });

  it('property: taken never exceeds offered, confirmed never exceeds done, done never exceeds ordered', () => {
    const step = fc.constantFrom<Step>('offer', 'decline', 'take', 'resolve', 'confirm', 'dissatisfied');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(step, { maxLength: 8 })), { maxLength: 6 }), (cases) => {
        const s = computeStats(cases.map(([ordered, steps]) => play(ordered, steps)), range).services;
        expect(s.taken).toBeLessThanOrEqual(s.offered);
        expect(s.done).toBeLessThanOrEqual(s.ordered);
        expect(s.doneByVolunteers).toBeLessThanOrEqual(s.done);
        expect(s.confirmationRate.numerator).toBeLessThanOrEqual(s.done);
        expect(s.ordered).toBe(cases.filter(([ordered]) => ordered).length);
      }),
      { numRuns: 200 },
    );
  });
});
