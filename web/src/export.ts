/**
 * 辖区案件 as rows for the monthly report. The privacy policy's `export` view
 * shows no personal field to anyone, so no column reads one: not the
 * reporter, not the parties, not the minutes or notes, not a form's personal
 * fields (test/unit/privacy.test.ts feeds it a case with every field in full
 * and finds none of them). The centres' forms add a column per field.
 */
import type { CaseView } from './api.ts';
import { isoChinaTime } from './format.ts';
import { exportFields } from './forms.tsx';
import { CENTERS, nameOf, OUTCOMES, RISK_LEVELS, SATISFACTIONS, SOURCES, STATUSES } from './labels.ts';
import { isPersonalFormField } from '../../shared/domain/privacy.ts';

const FORM_FIELDS = exportFields();

export const EXPORT_COLUMNS = [
  '编号', '12345工单号', '受理时间', '来源', '中心', '诉求', '内容摘要', '发生单位', '当前单位', '当前层级', '状态',
  '期限', '超时', '上报次数', '风险', '办结时间', '办结结果', '回访满意度',
  ...FORM_FIELDS.map((f) => (f.type === 'number' && f.unit ? `${f.label}（${f.unit}）` : f.label)),
] as const;

/** One row per case for the monthly report; the reporter's details stay out of the file. */
export function exportRow(c: CaseView, unitName: (id: string) => string): string[] {
  return [
    c.trackingNo,
    // The hotline's work-order number, so the sheet can be matched with the 12345 system's.
    c.source === 'hotline' ? (c.externalId ?? '') : '',
    isoChinaTime(c.createdAt),
    nameOf(SOURCES, c.source),
    nameOf(CENTERS, c.center),
    c.title,
    c.description,
    unitName(c.originUnitId),
    c.unitName ?? c.unitId,
    c.levelName,
    nameOf(STATUSES, c.status),
    c.dueAt ? isoChinaTime(c.dueAt) : '',
    c.overdue ? '是' : '',
    String(c.escalations),
    c.risk ? nameOf(RISK_LEVELS, c.risk.level) : '',
    c.resolution ? isoChinaTime(c.resolution.at) : '',
    c.resolution ? nameOf(OUTCOMES, c.resolution.outcome) : '',
    c.followUp ? nameOf(SATISFACTIONS, c.followUp.satisfaction) : '',
    // A field personal in the case's own centre stays out, whatever the view handed over.
    ...FORM_FIELDS.map((f) => {
      const value = c.fields[f.code];
      return value === undefined || isPersonalFormField(c.center, f.code) ? '' : String(value);
    }),
  ];
}

