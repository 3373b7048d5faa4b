/**
 * Random case histories for property tests: a case received at a random time
 * and place, then steps that most often reach a resolution and 回访 (often
 * more than one), with 退回, escalations, reopening, moves between units,
 * withdrawal and merging among them — each command decided on the case as the
 * step before left it, so every history is one the domain allows.
 */
import fc from 'fast-check';
import {
  OUTCOME_CODES,
  SATISFACTION_CODES,
  decide,
  evolve,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Command,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from './domain.ts';

export const T0 = Date.parse('2026-11-01T00:00:00+08:00');
const MINUTE = 60_000;
// Where the hotline (和平街道's) may file: the township and below (its manual referrals still reach the county above).
export const unitIds = units.all().filter((u) => units.isWithin(u.id, 'hp')).map((u) => u.id);

type Step =
  | { readonly kind: 'accept' | 'escalate' | 'close' | 'withdraw' | 'merge' | 'return' | 'timer' }
  | { readonly kind: 'dispatch' | 'reassign'; readonly pick: number }
  | { readonly kind: 'resolve'; readonly outcome: (typeof OUTCOME_CODES)[number] }
  | { readonly kind: 'follow_up'; readonly satisfaction: (typeof SATISFACTION_CODES)[number] }
  | { readonly kind: 'reopen' };

// Weighted so that most histories reach a resolution, 回访 (often more than one) and some moves between.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'accept' } as const) },
  { weight: 6, arbitrary: fc.nat(50).map((pick) => ({ kind: 'dispatch', pick }) as const) },
  { weight: 6, arbitrary: fc.nat(50).map((pick) => ({ kind: 'reassign', pick }) as const) },
  { weight: 4, arbitrary: fc.constant({ kind: 'return' } as const) },
  { weight: 4, arbitrary: fc.constant({ kind: 'escalate' } as const) },
  { weight: 6, arbitrary: fc.constant({ kind: 'timer' } as const) },
  { weight: 18, arbitrary: fc.constantFrom(...OUTCOME_CODES).map((outcome) => ({ kind: 'resolve', outcome }) as const) },
  { weight: 18, arbitrary: fc.constantFrom(...SATISFACTION_CODES).map((satisfaction) => ({ kind: 'follow_up', satisfaction }) as const) },
  { weight: 6, arbitrary: fc.constant({ kind: 'reopen' } as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'close' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'merge' } as const) },
);

export const history = fc.record({
  receivedAfterMinutes: fc.integer({ min: 0, max: 45 * 24 * 60 }),
  at: fc.oneof(fc.constantFrom(...unitIds), fc.constant(undefined)),
  steps: fc.array(fc.tuple(step, fc.integer({ min: 1, max: 2 * 24 * 60 })), { minLength: 4, maxLength: 30 }),
});

export type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

type Move = (s: CaseState) => [Command, Actor] | undefined;

const at = (s: CaseState) => user(s.unitId, units.get(s.unitId)?.level === 'building' ? 'liaison' : 'mediator');
const below =
  (pick: number): Move =>
  (s) => {
    const targets = unitIds.filter((id) => id !== s.unitId && units.isWithin(id, s.unitId));
    return targets.length === 0 ? undefined : [{ type: 'dispatch', toUnitId: targets[pick % targets.length] }, at(s)];
  };
const escalate: Move[] = [(s) => [{ type: 'escalate', reason: '调解不成' }, at(s)], () => [{ type: 'move_up', reason: 'manual' }, system]];

/** The commands a step stands for, each decided on the case as the one before left it. */
function movesFor(st: Step): Move[] {
  switch (st.kind) {
    case 'accept':
      return [(s) => [{ type: 'accept' }, at(s)]];
    case 'dispatch':
      return [below(st.pick)];
    case 'reassign':
      // Up a level, then down to another unit: "where it arose" stays, and a sibling may resolve it.
      return [...escalate, below(st.pick)];
    case 'return':
      return [(s) => [{ type: 'return', reason: '不属于本单位' }, at(s)]];
    case 'escalate':
      return escalate;
    case 'timer':
      // What the sweeper finds due: a requested escalation (不满意 asks for one), or a deadline passed.
      return [(s) => [{ type: 'move_up', reason: s.escalationPending?.reason ?? 'overdue' }, system]];
    case 'resolve':
      return [(s) => [{ type: 'accept' }, at(s)], (s) => [{ type: 'resolve', outcome: st.outcome, summary: '已办理' }, at(s)]];
    case 'follow_up':
      return [(s) => [{ type: 'follow_up', satisfaction: st.satisfaction }, at(s)]];
    case 'reopen':
      return [
        (s) => {
          const parent = units.parent(s.unitId);
          return parent ? [{ type: 'reopen', reason: '群众再次反映' }, user(parent.id)] : undefined;
        },
      ];
    case 'close':
      return [(s) => [{ type: 'close' }, at(s)]];
    case 'withdraw':
      return [(s) => [{ type: 'withdraw', reason: '群众撤回' }, at(s)]];
    case 'merge':
      return [(s) => [{ type: 'merge', intoCaseId: 'OTHERCASE1', into: { status: 'pending', unitId: s.unitId } }, at(s)]];
  }
}

/** Play a history: the events decide accepts, at the times given. */
export function play(id: string, h: History): CaseEvent[] {
  let now = T0 + h.receivedAfterMinutes * MINUTE;
  const input = intake(h.at ? { location: { unitId: h.at } } : { location: { address: '某处' } });
  const first = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '000000', input }, ctx(hotline, new Date(now)));
  if (!first.ok) throw first.error;
  const events: CaseEvent[] = [first.event];
  let state = evolve(undefined, first.event);
  for (const [st, minutes] of h.steps) {
    now += minutes * MINUTE;
    for (const move of movesFor(st)) {
      const next = move(state);
      const d = next && decide(state, next[0], ctx(next[1], new Date(now)));
      if (!d?.ok) continue;
      events.push(d.event);
      state = evolve(state, d.event);
    }
  }
  return events;
}

