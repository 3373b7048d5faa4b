/**
 * A form per centre, as data (issue 17.1): each centre's fields are declared in
 * the registry, and the intake schema, the OpenAPI document, the 登记 form's
 * inputs, the case page's lines and the CSV export are made from them. A sixth
 * centre declared here brings its own form to all of them.
 */
import { isValidElement, type VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { centerFieldsSchema, channelIntakeSchema, intakeSchema, intakeSchemaFor } from '../../shared/contract/intake.ts';
import { DEMO_CASES } from '../../infra/local/demo-data.ts';
import { openApiDocument } from '../../shared/contract/openapi.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { CENTERS, decide, evolve, formsTable, ValidationFailed, type Actor, type CenterDef, type FieldDef } from '../../shared/domain/index.ts';
import { ctx, intake } from '../support/domain.ts';
import { CenterFields, exportFields, fieldLabelOfPath, fieldLines, inputName, readFields } from '../../web/src/forms.tsx';
import { EXPORT_COLUMNS, exportRow } from '../../web/src/export.ts';
import type { CaseView } from '../../web/src/api.ts';
import { readFileSync } from 'node:fs';

const body = (center: string, fields?: Record<string, unknown>) => ({ source: 'hotline', center, description: '一件事', ...(fields ? { fields } : {}) });

/** The issues a schema finds in a body (none: it is accepted). */
function issues(schema: Parameters<typeof parseWith>[0], value: unknown): { path: string; message: string }[] {
  const parsed = parseWith(schema, value);
  return parsed instanceof ValidationFailed ? [...parsed.issues] : [];
}

/** A value each kind of field refuses. */
const badValue = (f: FieldDef): unknown => (f.type === 'choice' ? '不在选项中' : f.type === 'number' ? -1 : '');
/** A value each kind of field takes. */
const goodValue = (f: FieldDef): string | number => (f.type === 'choice' ? f.choices[0] : f.type === 'number' ? f.max : '某处');

/** A sixth centre, declared as the registry's five are. */
const LEGAL = {
  code: 'legal',
  name: '法律援助',
  description: '法律援助申请',
  keywords: ['律师'],
  fields: [
    { code: 'caseNo', label: '法院案号', type: 'text', required: true, maxChars: 40 },
    { code: 'stage', label: '诉讼阶段', type: 'choice', choices: ['立案前', '一审', '二审', '执行'] },
  ],
} as const satisfies CenterDef;
const SIX = [...CENTERS, LEGAL];

describe('the registry declares a form per centre', () => {
  const form = (code: string) => CENTERS.find((c) => c.code === code)?.fields.map((f) => f.label);

  it('with the defaults of issue 17', () => {
    expect(form('mediation')).toEqual(['纠纷类型', '争议金额']);
    expect(form('welfare')).toEqual(['求助类别', '家庭情况']);
    expect(form('voice')).toEqual(['问题位置', '持续时间']);
    expect(form('guidance')).toEqual(['咨询领域']);
    expect(form('opinion')).toEqual(['涉及事项']);
    const disputeType = CENTERS.find((c) => c.code === 'mediation')?.fields[0];
    expect(disputeType?.type === 'choice' && disputeType.choices).toEqual(['邻里', '婚姻家庭', '物业', '劳资', '土地', '其他']);
  });

  it('is the table README prints', () => {
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(formsTable());
    expect(formsTable(SIX)).toContain('| 法律援助 `legal` | `caseNo`: 法院案号 (text, required) · `stage`: 诉讼阶段 (立案前 / 一审 / 二审 / 执行) |');
  });

  it('marks 家庭情况 personal, and only it', () => {
    expect(CENTERS.flatMap((c): readonly FieldDef[] => c.fields).filter((f) => f.personal === true).map((f) => f.label)).toEqual(['家庭情况']);
  });
});

describe('the intake schema follows the declarations', () => {
  const cases = CENTERS.flatMap((c) => (c.fields as readonly FieldDef[]).map((f) => ({ name: `${c.code}.${f.code}`, center: c.code, field: f })));

  it.each(cases)('$name: takes a good value, refuses a bad one naming the field', ({ center, field }) => {
    expect(issues(intakeSchema, body(center, { [field.code]: goodValue(field) }))).toEqual([]);
    const found = issues(intakeSchema, body(center, { [field.code]: badValue(field) }));
    expect(found.map((i) => i.path)).toEqual([`fields.${field.code}`]);
  });

  it('refuses a field the centre does not declare, by its own path — another centre\'s too', () => {
    expect(issues(intakeSchema, body('mediation', { colour: '红', household: '独居' }))).toEqual([
      { path: 'fields.colour', message: '民事调解的登记表没有这一项' },
      { path: 'fields.household', message: '民事调解的登记表没有这一项' },
    ]);
    expect(issues(intakeSchema, body('welfare', { household: '独居' }))).toEqual([]);
  });

  it('refuses a value of the wrong kind (a number typed as text, text for a choice)', () => {
    expect(issues(intakeSchema, body('mediation', { amount: '300' })).map((i) => i.path)).toEqual(['fields.amount']);
    expect(issues(intakeSchema, body('mediation', { disputeType: true })).map((i) => i.path)).toEqual(['fields.disputeType']);
  });

  it('takes the demo cases\' forms (npm start seeds them without the schema)', () => {
    const filled = DEMO_CASES.filter((d) => d.fields !== undefined);
    expect(filled.length).toBeGreaterThan(0);
    for (const demo of filled) {
      const center = CENTERS.find((c) => c.code === demo.center) as CenterDef;
      expect(issues(centerFieldsSchema(center), demo.fields), demo.externalId).toEqual([]);
    }
  });

  it('names the field beside the other problems of the body', () => {
    expect(issues(intakeSchema, { ...body('voice', { duration: '很久' }), description: '' }).map((i) => i.path)).toEqual(['description', 'fields.duration']);
  });
});

describe('a sixth centre declared in a test', () => {
  const schema = intakeSchemaFor(SIX);

  it('is unknown to the registry\'s schema', () => {
    expect(issues(intakeSchema, body('legal', { caseNo: '(2026)鄂0583民初1号' })).map((i) => i.path)).toEqual(['center']);
  });

  it('gets its form in the intake schema: its fields, its required field, nothing else', () => {
    expect(issues(schema, body('legal', { caseNo: '(2026)鄂0583民初1号', stage: '一审' }))).toEqual([]);
    expect(issues(schema, body('legal', { stage: '一审' })).map((i) => i.path)).toEqual(['fields.caseNo']);
    expect(issues(schema, body('legal')).map((i) => i.path)).toEqual(['fields.caseNo']);
    expect(issues(schema, body('legal', { caseNo: '1', stage: '再审' })).map((i) => i.path)).toEqual(['fields.stage']);
    expect(issues(schema, body('legal', { caseNo: '1', disputeType: '邻里' }))).toEqual([{ path: 'fields.disputeType', message: '法律援助的登记表没有这一项' }]);
    // The five keep theirs.
    expect(issues(schema, body('mediation', { disputeType: '邻里' }))).toEqual([]);
  });

  it('files from a channel that cannot ask without its required field, still checking what is sent', () => {
    const channel = intakeSchemaFor(SIX, { required: false });
    expect(issues(channel, body('legal'))).toEqual([]);
    expect(issues(channel, body('legal', { stage: '再审' })).map((i) => i.path)).toEqual(['fields.stage']);
    expect(issues(channelIntakeSchema, body('mediation', { nope: 1 })).map((i) => i.path)).toEqual(['fields.nope']);
  });

  it('gets its form in the OpenAPI document', () => {
    const doc = openApiDocument(undefined, SIX);
    const intake = doc.components.schemas.Intake as { properties: Record<string, unknown>; allOf: { if: unknown; then: { properties: { fields: Record<string, unknown> }; required?: string[] } }[] };
    const branch = intake.allOf.find((b) => JSON.stringify(b.if) === JSON.stringify({ properties: { center: { const: 'legal' } }, required: ['center'] }));
    expect(branch?.then.required).toEqual(['fields']);
    const fields = branch?.then.properties.fields as { properties: Record<string, { title: string; enum?: string[]; maxLength?: number }>; required: string[]; additionalProperties: boolean };
    expect(fields.properties.caseNo?.title).toBe('法院案号');
    expect(fields.properties.stage).toMatchObject({ title: '诉讼阶段', enum: ['立案前', '一审', '二审', '执行'] });
    expect(fields.required).toEqual(['caseNo']);
    expect(fields.additionalProperties).toBe(false);
    expect((intake.properties.center as { enum: string[] }).enum).toContain('legal');
    expect((doc.components.schemas.Case.properties.center as { enum: string[] }).enum).toContain('legal');
    // The registry's own document has no such centre, and every one of its five has a branch.
    const own = openApiDocument().components.schemas.Intake as typeof intake;
    expect(own.allOf.map((b) => JSON.stringify(b.if))).not.toContain(JSON.stringify(branch?.if));
    expect(own.allOf).toHaveLength(CENTERS.length);
  });

  it('gets its form on the 登记 page: a labelled control per field, required where declared', () => {
    const controls = elements(CenterFields({ center: LEGAL })).filter((e) => typeof e.props.name === 'string');
    expect(controls.map((e) => [e.type, e.props.name, e.props.required])).toEqual([
      ['input', 'fields.caseNo', true],
      ['select', 'fields.stage', false],
    ]);
    const stage = controls[1] as VNode<{ children: unknown }>;
    expect(elements(stage).filter((e) => e.type === 'option').map((e) => e.props.value)).toEqual(['', '立案前', '一审', '二审', '执行']);
    expect(text(CenterFields({ center: LEGAL }))).toContain('法院案号');
    expect(text(CenterFields({ center: LEGAL }))).toContain('诉讼阶段');
  });

  it('is read back from the form and shown on the case page by its labels', () => {
    const typed = new FormData();
    typed.set(inputName({ code: 'caseNo' }), ' (2026)鄂0583民初1号 ');
    typed.set(inputName({ code: 'stage' }), '');
    expect(readFields(typed, LEGAL)).toEqual({ caseNo: '(2026)鄂0583民初1号' });
    expect(fieldLines('legal', { stage: '一审', caseNo: 'X1' }, SIX)).toEqual([
      { code: 'caseNo', label: '法院案号', value: 'X1' },
      { code: 'stage', label: '诉讼阶段', value: '一审' },
    ]);
  });
});

describe('the case keeps its form', () => {
  const resident: Actor = { kind: 'resident', id: 'sms:13900000001', channel: 'sms', rootUnitId: 'hp' };
  const file = (input: ReturnType<typeof intake>, actor: Actor = resident) => {
    const d = decide(undefined, { type: 'receive', id: 'CFORM1', trackingNo: 'CFORM1', trackingCode: '123456', input }, ctx(actor, '2026-03-02T01:00:00.000Z'));
    if (!d.ok) throw d.error;
    return { event: d.event, state: evolve(undefined, d.event) };
  };

  it('in its first event and its state, as filed', () => {
    const { event, state } = file(intake({ center: 'mediation', fields: { disputeType: '土地', amount: 20000 } }));
    expect(event.type === 'received' && event.data.fields).toEqual({ disputeType: '土地', amount: 20000 });
    expect(state.fields).toEqual({ disputeType: '土地', amount: 20000 });
  });

  it('and a channel that cannot ask files without one (no empty form is kept)', () => {
    expect(file(intake({ center: 'mediation' })).state.fields).toBeUndefined();
    expect(file(intake({ center: 'mediation', fields: {} })).state.fields).toBeUndefined();
  });
});

describe('the page and the export', () => {
  it('reads a number as a number and shows it with its unit', () => {
    const mediation = CENTERS.find((c) => c.code === 'mediation') as CenterDef;
    const typed = new FormData();
    typed.set('fields.disputeType', '物业');
    typed.set('fields.amount', '12000');
    expect(readFields(typed, mediation)).toEqual({ disputeType: '物业', amount: 12000 });
    expect(fieldLines('mediation', { amount: 12000, disputeType: '物业' })).toEqual([
      { code: 'disputeType', label: '纠纷类型', value: '物业' },
      { code: 'amount', label: '争议金额', value: '12,000 元' },
    ]);
  });

  it('names a form field by its label in an error', () => {
    expect(fieldLabelOfPath('fields.amount')).toBe('争议金额');
    expect(fieldLabelOfPath('description')).toBeUndefined();
  });

  it('exports a column per field, none for a personal one, and a personal value never', () => {
    const columns = exportFields().map((f) => f.label);
    expect(columns).toContain('纠纷类型');
    expect(columns).not.toContain('家庭情况');
    expect(EXPORT_COLUMNS).toContain('争议金额（元）');
    const row = (c: Partial<CaseView>) => exportRow({ ...SAMPLE, ...c } as CaseView, (id) => id);
    const at = (label: string) => EXPORT_COLUMNS.indexOf(label as (typeof EXPORT_COLUMNS)[number]);
    const mediation = row({ center: 'mediation', fields: { disputeType: '劳资', amount: 5000 } });
    expect(mediation[at('纠纷类型')]).toBe('劳资');
    expect(mediation[at('争议金额（元）')]).toBe('5000');
    expect(mediation).toHaveLength(EXPORT_COLUMNS.length);
    // 家庭情况 handed over in full (a client's view) still stays out of the row.
    const welfare = row({ center: 'welfare', fields: { helpType: '低保', household: '独居老人HOUSEHOLD' } });
    expect(welfare[at('求助类别')]).toBe('低保');
    expect(welfare.join('|')).not.toContain('HOUSEHOLD');
  });
});

const SAMPLE = {
  trackingNo: 'C1',
  source: 'hotline',
  createdAt: '2026-03-02T01:00:00.000Z',
  title: '事',
  description: '事',
  originUnitId: 'hp',
  unitId: 'hp',
  levelName: '镇/街道',
  status: 'pending',
  escalations: 0,
} as unknown as CaseView;

/** Every element of a rendered tree (the vnode itself first). */
function elements(node: unknown): VNode<Record<string, unknown>>[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (!isValidElement(node)) return [];
  const vnode = node as VNode<Record<string, unknown>>;
  return [vnode, ...elements(vnode.props.children)];
}

/** The text of a rendered tree. */
function text(node: unknown): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(text).join('');
  return isValidElement(node) ? text((node as VNode<{ children?: unknown }>).props.children) : '';
}
