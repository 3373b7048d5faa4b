import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TRACKING_ALPHABET,
  UnitTree,
  ValidationFailed,
  fromColumns,
  toColumns,
  type UnitRecord,
  assessRisk,
  DEFAULT_RISK_POLICY,
  label,
  maskName,
  maskPhone,
  normalizeTrackingNo,
  trackingCodeFromBytes,
  trackingNoFromBytes,
} from '../../shared/domain/index.ts';
import { DEMO_UNITS } from '../../infra/local/demo-data.ts';
import { units } from '../support/domain.ts';

describe('unit tree', () => {
  it('materializes paths so a subtree is a prefix', () => {
    expect(units.get('hp-xf-yg-1')?.path).toBe('/zj/hp/hp-xf/hp-xf-yg/hp-xf-yg-1/');
    expect(units.isWithin('hp-xf-yg-1', 'hp-xf')).toBe(true);
    expect(units.isWithin('hp-hx-jy-1', 'hp-xf')).toBe(false);
    expect(units.parent('hp-xf-yg')?.id).toBe('hp-xf');
    expect(units.parent('hp')?.id).toBe('zj');
    expect(units.parent('zj')).toBeUndefined();
    expect(units.ancestorAt('hp-xf-yg-1', 'community')?.id).toBe('hp-xf');
  });

  it('a branch is urban or rural: a unit takes its kind from the nearest ancestor that says, and its levels are named by it', () => {
    expect(units.get('wa-gms-1-wj')).toMatchObject({ branchKind: 'rural', fullName: '问安镇 关庙山村 一组 王家湾' });
    expect(units.get('zj')?.fullName).toBe('枝江市');
    expect(units.get('hp-xf-yg-1')?.branchKind).toBe('urban');
    expect(units.get('zj')?.branchKind).toBe('urban');
    const rural = units.get('wa-gms-1-wj')?.branchKind;
    expect((['building', 'compound', 'community', 'township', 'county'] as const).map((l) => label(rural, l))).toEqual(['湾落', '小组', '村', '镇', '县/市']);
    expect((['building', 'compound', 'community'] as const).map((l) => label('urban', l))).toEqual(['楼栋', '小区', '社区']);
    expect([label('rural', 'grassroots'), label('urban', 'grassroots')]).toEqual(['小事不出村', '小事不出社区']);
    // A county over townships: they are the units channels serve, and a township may still be a root (the county level is optional).
    expect(units.townships().map((u) => u.id).sort()).toEqual(['hp', 'wa']);
    expect(new UnitTree([{ id: 't', name: 'T', level: 'township' }]).townships().map((u) => u.id)).toEqual(['t']);
    expect(() => new UnitTree([{ id: 't', name: 'T', level: 'township', kind: 'suburban' as 'urban' }])).toThrow(ValidationFailed);
  });

  it('matches an address to the most specific unit, needing the compound for a bare building name', () => {
    expect(units.matchAddress('阳光小区 2栋 301')?.id).toBe('hp-xf-yg-2');
    expect(units.matchAddress('2栋301')).toBeUndefined();
    expect(units.matchAddress('柳湾村民小组上湾')?.id).toBe('hp-hx-lw-1');
    expect(units.matchAddress('和谐社区附近')?.id).toBe('hp-hx');
  });

  it('refuses a tree whose levels do not step one at a time, naming every problem', () => {
    let error: unknown;
    try {
      new UnitTree([
        { id: 't', name: 'T', level: 'township' },
        { id: 'b', name: 'B', level: 'building', parentId: 't' },
        { id: 'x', name: 'X', level: 'compound', parentId: 'missing' },
        { id: 'Bad Id', name: 'Y', level: 'community', parentId: 't' },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['[3].id', '[1].parentId', '[2].parentId']);
  });
});

describe('unit tree kept as columns (a snapshot)', () => {
  it('property: in any order of records, the columns give back the records and the same tree, every unit after its parent', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...DEMO_UNITS], { minLength: DEMO_UNITS.length }), (shuffled: UnitRecord[]) => {
        const columns = toColumns(shuffled);
        expect(fromColumns(columns)).toEqual(shuffled);
        const checked = new UnitTree(columns, { checked: true });
        const built = new UnitTree(shuffled);
        const all = checked.all();
        expect(all).toEqual(built.all());
        expect(all).toHaveLength(DEMO_UNITS.length);
        const seen = new Set<string>();
        for (const u of all) {
          if (u.parentId !== undefined) expect(seen.has(u.parentId), `${u.id} after its parent`).toBe(true);
          seen.add(u.id);
          expect(u.path).toBe(`${checked.parent(u.id)?.path ?? '/'}${u.id}/`);
          expect(checked.children(u.id)).toEqual(all.filter((c) => c.parentId === u.id));
        }
        expect(checked.matchAddress('阳光小区 2栋 301')?.id).toBe('hp-xf-yg-2');
        expect(checked.townships().map((u) => u.id).sort()).toEqual(['hp', 'wa']);
      }),
      { numRuns: 30 },
    );
  });

  it('columns not marked checked are checked as records are', () => {
    const columns = toColumns([...DEMO_UNITS, { id: 'hp-xf-yg-x', name: 'X', level: 'compound', parentId: 'hp-xf-yg' }]);
    expect(() => new UnitTree(columns)).toThrow(ValidationFailed);
  });
});

describe('tracking number and code', () => {
  it('property: numbers use only the unambiguous alphabet and survive how residents type them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 32 }), (bytes) => {
        const no = trackingNoFromBytes(bytes);
        expect(no).toHaveLength(10);
        expect([...no].every((c) => TRACKING_ALPHABET.includes(c))).toBe(true);
        expect(no).not.toMatch(/[01OI]/);
        const typed = `${no.slice(0, 4).toLowerCase()}-${no.slice(4)} `;
        expect(normalizeTrackingNo(typed)).toBe(no);
      }),
    );
  });

  it('property: the 提取码 is six digits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        expect(trackingCodeFromBytes(b)).toMatch(/^\d{6}$/);
      }),
    );
  });

  it('refuses what cannot be a number', () => {
    expect(normalizeTrackingNo('ABC')).toBeUndefined();
    expect(normalizeTrackingNo('O1O1O1O1O1')).toBeUndefined();
  });

  it('masks phones and names for lists and the public view', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+8613812345678')).toBe('138****5678');
    expect(maskName('张三丰')).toBe('张**');
  });
});

describe('risk terms', () => {
  it('takes the most serious level among the matched terms', () => {
    expect(assessRisk('他威胁要动刀', DEFAULT_RISK_POLICY)).toEqual({ level: 'red', terms: ['动刀', '威胁'], source: 'text' });
    expect(assessRisk('楼道灯坏了', DEFAULT_RISK_POLICY)).toBeUndefined();
  });

  it('keeps a hotline flag unless the text is more serious', () => {
    expect(assessRisk('有人跳楼', DEFAULT_RISK_POLICY, 'yellow')?.level).toBe('red');
    expect(assessRisk('普通', DEFAULT_RISK_POLICY, 'orange')?.level).toBe('orange');
  });
});
