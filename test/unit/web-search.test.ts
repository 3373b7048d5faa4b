/** The admin page's search box: which words lead to a case page and which to the phone search. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRACKING_ALPHABET, TRACKING_LENGTH } from '../../shared/domain/tracking.ts';
import { Problem } from '../../web/src/labels.ts';
import { searchTarget } from '../../web/src/pages/search.tsx';

describe('searchTarget', () => {
  it.each([
    ['223E4KM3FA', '#/case/223E4KM3FA'],
    ['223e 4km3-fa', '#/case/223E4KM3FA'],
    ['138 0013 8000', '#/search?phone=13800138000'],
    ['+86 138-0013-8000', '#/search?phone=13800138000'],
    ['(027) 8700-0000', '#/search?phone=02787000000'],
    // Anything else is looked for as words (and as a 12345 work-order number).
    ['幸福社区', `#/search?q=${encodeURIComponent('幸福社区')}`],
    ['12345-20261126-0001', '#/search?q=12345-20261126-0001'],
    ['223E4KM3F', '#/search?q=223E4KM3F'],
    ['1234', '#/search?q=1234'],
  ])('%s → %s', (input, target) => {
    expect(searchTarget(input)).toBe(target);
  });

  it.each(['', '   '])('refuses %j in Chinese', (input) => {
    expect(() => searchTarget(input)).toThrow(Problem);
    expect(() => searchTarget(input)).toThrow('请输入案件编号、电话、12345 工单号或关键词');
  });

  it('property: a tracking number however spaced or cased opens its case; a mobile number searches by phone, other digits by words', () => {
    const trackingNo = fc.string({ unit: fc.constantFrom(...TRACKING_ALPHABET), minLength: TRACKING_LENGTH, maxLength: TRACKING_LENGTH }).filter((no) => /[A-Z]/.test(no));
    fc.assert(
      fc.property(trackingNo, fc.boolean(), fc.nat({ max: TRACKING_LENGTH }), (no, lower, gap) => {
        const typed = `${no.slice(0, gap)} ${no.slice(gap)}`;
        expect(searchTarget(lower ? typed.toLowerCase() : typed)).toBe(`#/case/${no}`);
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...'3456789'), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 9, maxLength: 9 }), (second, rest) => {
        const mobile = `1${second}${rest}`;
        expect(searchTarget(mobile)).toBe(`#/search?phone=${mobile}`);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 6 }), (digits) => {
        expect(searchTarget(digits)).toBe(`#/search?q=${digits}`);
      }),
    );
  });
});
