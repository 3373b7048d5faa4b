import { describe, expect, it } from 'vitest';
import { STATUS_EVENTS, deliveryId, statusChangeFor } from '../../../shared/channels/callback.ts';
import { decide, evolve, type CaseState, type Command, type Actor } from '../../../shared/domain/index.ts';
import { ctx, hotline, intake, user } from '../../support/domain.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const at = (h: number) => new Date(Date.parse('2026-11-25T01:00:00Z') + h * 3600_000).toISOString();

/** Apply commands in order, returning the change each event would push. */
function run(steps: [Actor, Command][], unitId = 'hp-xf-yg-1') {
  const input = intake({ externalId: 'WO-1', location: { unitId } });
  const received = decide(undefined, { type: 'receive', id: 'CASE1', trackingNo: 'CASE1', trackingCode: '123456', input }, ctx(hotline, at(0)));
  if (!received.ok) throw received.error;
  let state: CaseState = evolve(undefined, received.event);
  const changes = [statusChangeFor(received.event, state)];
  steps.forEach(([actor, command], i) => {
    const d = decide(state, command, ctx(actor, at(i + 1)));
    if (!d.ok) throw d.error;
    state = evolve(state, d.event);
    changes.push(statusChangeFor(d.event, state));
  });
  return changes;
}

const liaison = user('hp-xf-yg-1');
const compound = user('hp-xf-yg');

describe('statusChangeFor: what a 12345 system is told', () => {
  it('tells 签收, 办理中 (public replies), 办结, 回访结果 and 归档, not the intake or internal notes', () => {
    const changes = run([
      [liaison, { type: 'accept' }],
      [liaison, { type: 'note', visibility: 'internal', text: '内部备注' }],
      [liaison, { type: 'note', visibility: 'public', text: '已联系物业' }],
      [liaison, { type: 'resolve', outcome: 'resolved', summary: '已修好' }],
      [compound, { type: 'follow_up', satisfaction: 'satisfied' }],
      [liaison, { type: 'close' }],
    ]);
    expect(changes[0]).toBeUndefined();
    expect(changes[2]).toBeUndefined();
    expect(changes.filter(Boolean)).toEqual([
      expect.objectContaining({ event: 'accepted', status: 'in_progress', seq: 2 }),
      expect.objectContaining({ event: 'in_progress', detail: '已联系物业', seq: 4 }),
      expect.objectContaining({ event: 'resolved', status: 'resolved', outcome: 'resolved', detail: '已修好', seq: 5 }),
      expect.objectContaining({ event: 'followed_up', satisfaction: 'satisfied', seq: 6 }),
      expect.objectContaining({ event: 'closed', status: 'closed', seq: 7 }),
    ]);
    expect(changes[1]).toEqual({
      event: 'accepted',
      caseId: 'CASE1',
      externalId: 'WO-1',
      trackingNo: 'CASE1',
      status: 'in_progress',
      at: at(1),
      seq: 2,
      level: 'building',
      unitId: 'hp-xf-yg-1',
    });
  });

  it('tells 派单 and 退回 with its reason (not a reclassification), and a withdrawal', () => {
    const changes = run(
      [
        [compound, { type: 'reclassify', center: 'mediation' }],
        [compound, { type: 'dispatch', toUnitId: 'hp-xf-yg-1', note: '请联户长处理' }],
        [liaison, { type: 'return', reason: '不属于本楼栋' }],
      ],
      'hp-xf-yg',
    );
    expect(changes[1]).toBeUndefined();
    expect(changes[2]).toMatchObject({ event: 'dispatched', detail: '请联户长处理', unitId: 'hp-xf-yg-1', level: 'building' });
    expect(changes[3]).toMatchObject({ event: 'returned', detail: '不属于本楼栋', unitId: 'hp-xf-yg', status: 'pending' });
    const withdrawn = run([[{ kind: 'resident', id: 'sms', channel: 'sms' }, { type: 'withdraw', reason: '已自行解决' }]]);
    expect(withdrawn[1]).toMatchObject({ event: 'withdrawn', status: 'withdrawn', detail: '已自行解决' });
  });

  it('uses only the codec’s event names, and one delivery id per case and seq', () => {
    const changes = run([
      [liaison, { type: 'accept' }],
      [liaison, { type: 'resolve', outcome: 'partial', summary: '部分解决' }],
      [compound, { type: 'follow_up', satisfaction: 'dissatisfied' }],
    ]);
    for (const c of changes.filter(Boolean)) expect(STATUS_EVENTS).toContain(c!.event);
    expect(changes[3]).toMatchObject({ event: 'followed_up', satisfaction: 'dissatisfied', status: 'pending' });
    expect(deliveryId('CASE1', 4)).toBe('CASE1:4');
  });
});
