/** Chinese everywhere: zod's zh-CN locale, the contract's own words, every refusal of the domain, and a sheet's lines and columns. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { intakeSchema } from '../../shared/contract/intake.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { chinese } from '../../shared/contract/chinese.ts';
import { csvIssue, levelCode, unitImportSchema, unitsFromCsv } from '../../shared/contract/directory.ts';
import { ValidationFailed } from '../../shared/domain/index.ts';
import { xmlReady } from '../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const CJK = /[\u4e00-\u9fff]/;

describe('messages in Chinese', () => {
  it('zod speaks through its zh-CN locale, the contract through its own words', () => {
    const parsed = parseWith(intakeSchema, { source: 'hotline', center: 'nowhere', description: '', reporter: { phone: '12' }, extra: 1 });
    expect(parsed).toBeInstanceOf(ValidationFailed);
    const issues = (parsed as ValidationFailed).issues;
    expect(issues.length).toBeGreaterThanOrEqual(4);
    for (const issue of issues) expect(issue.message, issue.path).toMatch(CJK);
    expect(issues.find((i) => i.path === 'description')?.message).toBe('不能为空');
    expect(issues.find((i) => i.path === 'reporter.phone')?.message).toBe('电话号码格式不正确');
    expect((parsed as ValidationFailed).message).toMatch(CJK);
  });

  it('has a Chinese rendering of every refusal decide.ts and access.ts can give', () => {
    const sources = ['../../shared/domain/decide.ts', '../../shared/domain/access.ts', '../../shared/domain/units.ts'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'));
    // The literal refusals (template parts filled with a plausible value): invalid('…'), invalidInput(path, '…'), new Forbidden('…'), message: '…'.
    const literals = sources.flatMap((src) =>
      [...src.matchAll(/(?:invalid\(|invalidInput\('[^']*', |new (?:Forbidden|NotFound|InvalidTransition|ValidationFailed)\()(['`])((?:(?!\1).)*)\1/g)].map((m) =>
        (m[2] ?? '').replace(/\$\{[^}]*\}/g, 'pending'),
      ),
    );
    const issueMessages = sources.flatMap((src) => [...src.matchAll(/message: `([^`]*)`/g)].map((m) => (m[1] ?? '').replace(/\$\{[^}]*\}/g, 'building')));
    expect(literals.length).toBeGreaterThan(40);
    const untranslated = [...literals, ...issueMessages].filter((m) => !CJK.test(chinese(m)));
    expect(untranslated).toEqual([]);
  });

  it('leaves Chinese as it is and says an unknown English message unchanged', () => {
    expect(chinese('没有找到该编号')).toBe('没有找到该编号');
    expect(chinese('cannot accept a case that is resolved')).toBe('案件已办结，不能签收');
    expect(chinese('something nobody wrote')).toBe('something nobody wrote');
  });
});

describe('a unit sheet in Chinese', () => {
  it('takes Chinese headers and levels by name, and says where a problem is by line and column', async () => {
    const sheet = await unitsFromCsv('编号,名称,层级,上级编号,联系人,联系电话\nhp-xf-yg-9,9栋,楼栋,hp-xf-yg,联户长 孙红,12345\nhp-xf-yg-8,8栋,building,hp-xf-yg,,\n');
    expect(sheet.units[0]).toMatchObject({ id: 'hp-xf-yg-9', level: 'building', contacts: [{ name: '联户长 孙红', phone: '12345' }] });
    const parsed = parseWith(unitImportSchema, { units: sheet.units });
    expect(parsed).toBeInstanceOf(ValidationFailed);
    const issues = (parsed as ValidationFailed).issues.map((i) => csvIssue(i, sheet.headers));
    expect(issues).toEqual([{ path: 'units.0.contacts.0.phone', message: '电话号码格式不正确', row: 2, column: '联系电话' }]);
    expect([levelCode('小区'), levelCode('镇'), levelCode('街道'), levelCode('镇/街道'), levelCode('compound')]).toEqual(['compound', 'township', 'township', 'township', 'compound']);
  });

  it('names the line and column of a control character', async () => {
    try {
      await unitsFromCsv('id,name,level,parentId\nhp-xf-yg-9,9\u0001栋,building,hp-xf-yg\n');
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationFailed).issues).toEqual([{ path: 'units.0.name', message: '含有控制字符（U+0001），请删除后重试', row: 2, column: 'name' }]);
    }
  });
});
