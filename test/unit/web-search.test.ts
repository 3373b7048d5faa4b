/** The admin page's search box: which words lead to a case page and which to the phone search. */
import { describe, expect, it } from 'vitest';
import { Problem } from '../../web/src/labels.ts';
import { searchTarget } from '../../web/src/pages/search.tsx';

describe('searchTarget', () => {
  it.each([
    ['223E4KM3FA', '#/case/223E4KM3FA'],
    ['223e 4km3-fa', '#/case/223E4KM3FA'],
    ['138 0013 8000', '#/search?phone=13800138000'],
    ['+86 138-0013-8000', '#/search?phone=%2B8613800138000'],
    ['(027) 8700-0000', '#/search?phone=02787000000'],
  ])('%s → %s', (input, target) => {
    expect(searchTarget(input)).toBe(target);
  });

  it.each(['', '幸福社区', '223E4KM3F', '223E4KM3FO', '1234'])('refuses %j in Chinese', (input) => {
    expect(() => searchTarget(input)).toThrow(Problem);
    expect(() => searchTarget(input)).toThrow('请输入 10 位案件编号，或反映人的电话号码');
  });
});
