/**
 * STATE's case and an event's JSON are stored deflated against a fixed
 * dictionary (shared/store/codec.ts): what is packed comes back whole, items
 * written before as JSON text still read, and the dictionary never changes
 * under stored items.
 */
import { describe, expect, it } from 'vitest';
import { CASE_DICTIONARY_1_SHA256, eventFromItem, eventItem, itemBytes, packJson, stateFromItem, unpackJson } from '../../shared/store/codec.ts';
import type { CaseEvent } from '../../shared/domain/index.ts';

const noted: CaseEvent = {
  type: 'noted',
  data: { visibility: 'public', text: '已联系双方，周五上门查看漏水情况。' },
  seq: 3,
  at: '2026-12-02T17:27:41.002Z',
  actor: { kind: 'user', id: 'compound-mediator', name: '李建国', role: 'mediator', unitId: 'hp-xf-yg' },
};

describe('stored JSON', () => {
  it('packs to fewer bytes and unpacks to the same value, 4-byte characters included', () => {
    const value = { ...noted, data: { ...noted.data, text: `${noted.data.text}𠀋`.repeat(40) } };
    const packed = packJson(value);
    expect(packed[0]).toBe(1);
    expect(packed.length).toBeLessThan(Buffer.byteLength(JSON.stringify(value)));
    expect(unpackJson(packed)).toEqual(value);
  });

  it('reads items written before packing, whose JSON is text', () => {
    const legacy = { ...eventItem('ABC', { event: noted }), event: JSON.stringify(noted) };
    expect(eventFromItem(legacy)).toEqual(noted);
    const state = { id: 'ABC', version: 1, followUps: [] };
    expect(stateFromItem({ state: JSON.stringify(state) }).state).toEqual(state);
    expect(stateFromItem({ state: packJson(state) }).state).toEqual(state);
  });

  it('refuses bytes of an unknown format', () => {
    expect(() => unpackJson(Uint8Array.of(2, 0))).toThrow(TypeError);
  });

  it('counts packed bytes as DynamoDB sizes a binary attribute', () => {
    const packed = packJson(noted);
    expect(itemBytes({ event: packed })).toBe('event'.length + packed.length);
  });

  it('keeps the dictionary stored items were deflated against', () => {
    expect(CASE_DICTIONARY_1_SHA256).toBe('55389f5749e3ef6cb0e565c89d7a9d5f053eed8286d1ba9c694589ec087262e4');
  });
});
