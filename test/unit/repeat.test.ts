import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_REPEATS, REPEAT_THRESHOLD, bigrams, matterUnit, possibleRepeats, similarity, type RepeatCandidate } from '../../shared/domain/repeat.ts';

const NOW = new Date('2026-11-26T02:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function candidate(overrides: Partial<RepeatCandidate> = {}): RepeatCandidate {
  return {
    id: 'OLD0000001',
    status: 'pending',
    createdAt: daysAgo(3),
    description: '阳光小区1栋楼上装修每天晚上十一点还在用电钻，吵得睡不着',
    location: { unitId: 'hp-xf-yg-1' },
    originUnitId: 'hp-xf-yg-1',
    ...overrides,
  };
}

const probe = { unitId: 'hp-xf-yg-1', description: '阳光小区1栋楼上装修每天晚上十一点还在用电钻，吵得没法睡觉', now: NOW };

describe('character-bigram Jaccard similarity', () => {
  it('is |A∩B| / |A∪B| of adjacent character pairs (known answers)', () => {
    expect([...bigrams('楼道灯坏了')]).toEqual(['楼道', '道灯', '灯坏', '坏了']);
    // {楼道, 道灯, 灯坏, 坏了} vs {楼道, 道灯, 灯不, 不亮}: 2 shared of 6.
    expect(similarity('楼道灯坏了', '楼道灯不亮')).toBeCloseTo(2 / 6, 10);
    expect(similarity('楼道灯坏了', '楼道灯坏了')).toBe(1);
    expect(similarity('楼道灯坏了', '申请低保补贴')).toBe(0);
  });

  it('ignores punctuation, spaces, width and case', () => {
    expect(similarity('楼道灯，坏了！', '楼道灯坏了')).toBe(1);
    expect(similarity('ＡＢＣ灯', 'abc 灯')).toBe(1);
  });

  it('is 0 for an empty or punctuation-only text, and handles one character', () => {
    expect(similarity('', '楼道灯坏了')).toBe(0);
    expect(similarity('。！', '。！')).toBe(0);
    expect(similarity('灯', '灯')).toBe(1);
  });

  it('is symmetric and between 0 and 1', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const s = similarity(a, b);
        expect(s).toBe(similarity(b, a));
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('possibleRepeats (重复件)', () => {
  it('flags an open case of the same resident about the same unit with similar words within 30 days', () => {
    expect(similarity(candidate().description, probe.description)).toBeGreaterThanOrEqual(REPEAT_THRESHOLD);
    expect(possibleRepeats([candidate()], probe)).toEqual(['OLD0000001']);
  });

  it.each([
    ['closed', { status: 'closed' as const }],
    ['resolved', { status: 'resolved' as const }],
    ['withdrawn', { status: 'withdrawn' as const }],
    ['older than 30 days', { createdAt: daysAgo(30.01) }],
    ['about another unit', { location: {}, originUnitId: 'hp-xf-yg-2' }],
    ['in other words', { description: '想咨询一下高龄老人补贴怎么申请' }],
    ['the case itself (a replayed intake)', { id: 'SELF000001' }],
  ])('does not flag a case that is %s', (_name, overrides) => {
    expect(possibleRepeats([candidate(overrides)], { ...probe, id: 'SELF000001' })).toEqual([]);
  });

  it('counts exactly 30 days back and the 0.5 threshold itself', () => {
    expect(possibleRepeats([candidate({ createdAt: daysAgo(30) })], probe)).toEqual(['OLD0000001']);
    // 2 shared bigrams of 4 = 0.5: {ab, bc, cd} vs {ab, bc, ce}.
    expect(similarity('abcd', 'abce')).toBe(0.5);
    expect(possibleRepeats([candidate({ description: 'abcd' })], { ...probe, description: 'abce' })).toEqual(['OLD0000001']);
    expect(possibleRepeats([candidate({ description: 'abcd' })], { ...probe, description: 'abxe' })).toEqual([]);
  });

  it('uses the unit a case was located at, else where it arose', () => {
    expect(matterUnit({ location: { unitId: 'hp-xf-yg-3' }, originUnitId: 'hp' })).toBe('hp-xf-yg-3');
    expect(matterUnit({ location: {}, originUnitId: 'hp' })).toBe('hp');
    expect(possibleRepeats([candidate({ location: { unitId: 'hp-xf-yg-1' }, originUnitId: 'hp' })], probe)).toEqual(['OLD0000001']);
  });

  it('names the newest first, at most five', () => {
    const many = Array.from({ length: 8 }, (_, i) => candidate({ id: `OLD${i}`, createdAt: daysAgo(8 - i) }));
    expect(possibleRepeats(many, probe)).toEqual(['OLD7', 'OLD6', 'OLD5', 'OLD4', 'OLD3']);
    expect(MAX_REPEATS).toBe(5);
  });
});
