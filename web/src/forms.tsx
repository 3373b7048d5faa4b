/**
 * A centre's own form (registry `fields`) on the page: the inputs of 登记, the
 * values read back from them, and the lines of the case page. Everything here
 * is made from the declarations, so a centre added to the registry brings its
 * form with it.
 */
import { CENTERS, fieldDef, type CenterDef, type FieldDef, type FieldValue, type FieldValues } from '../../shared/domain/registry.ts';
import { MASKED_FORM_TEXT } from '../../shared/domain/privacy.ts';

/** The name an input of the form has (`fields.<code>`, the path the server names in an issue). */
export const inputName = (field: Pick<FieldDef, 'code'>) => `fields.${field.code}`;

/** Text longer than this gets a text area. */
const LONG_TEXT = 100;

/** The control of one field (a plain function, not a component: the form is its elements, as a test reads them). */
function control(field: FieldDef, value?: FieldValue) {
  const name = inputName(field);
  const required = field.required === true;
  // A personal value the page was shown masked is not put back into the form (sent as it is, it would overwrite the real one).
  const masked = value === MASKED_FORM_TEXT;
  const current = value === undefined || masked ? undefined : String(value);
  const placeholder = masked ? '已填写（已隐去），不修改请留空' : undefined;
  switch (field.type) {
    case 'choice':
      return (
        <select name={name} required={required}>
          <option value="">{required ? '请选择' : '不填'}</option>
          {field.choices.map((c) => (
            <option key={c} value={c} selected={c === current}>
              {c}
            </option>
          ))}
        </select>
      );
    case 'text': {
      const max = field.maxChars ?? LONG_TEXT;
      const text = { name, required: required && !masked, maxLength: max, defaultValue: current, placeholder };
      return max > LONG_TEXT ? <textarea {...text} rows={3} /> : <input {...text} />;
    }
    case 'number':
      return <input name={name} type="number" inputMode="decimal" required={required} min={field.min ?? 0} max={field.max} step="any" defaultValue={current} />;
  }
}

/** The inputs of a centre's form, one labelled control per declared field, filled with `values` (补充信息's current ones). */
export function CenterFields({ center, values }: { center: Pick<CenterDef, 'name' | 'fields'>; values?: FieldValues }) {
  if (center.fields.length === 0) return null;
  return (
    <fieldset class="center-fields">
      <legend>{center.name}登记项</legend>
      {center.fields.map((f) => (
        <label key={f.code}>
          {f.label}
          {f.type === 'number' && f.unit ? `（${f.unit}）` : ''}
          {f.required ? null : <small class="muted">（选填）</small>}
          {control(f, values?.[f.code])}
          {f.hint && <small class="muted">{f.hint}</small>}
        </label>
      ))}
    </fieldset>
  );
}

/** The values typed into a centre's form: blanks left out, numbers as numbers (a number the input cannot read is sent as typed, for the server to name). */
export function readFields(form: FormData, center: Pick<CenterDef, 'fields'>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of center.fields) {
    const raw = String(form.get(inputName(f)) ?? '').trim();
    if (raw === '') continue;
    out[f.code] = f.type === 'number' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

/**
 * 补充信息's request from the form filled with the case's values: each field
 * that now reads differently, `null` for one emptied; a masked personal field
 * left blank is left as it is.
 */
export function readFieldChanges(form: FormData, center: Pick<CenterDef, 'fields'>, current: FieldValues | undefined): Record<string, FieldValue | null> {
  const typed = readFields(form, center);
  const out: Record<string, FieldValue | null> = {};
  for (const f of center.fields) {
    const before = current?.[f.code];
    const after = typed[f.code];
    if (after === undefined) {
      if (before !== undefined && before !== MASKED_FORM_TEXT) out[f.code] = null;
    } else if (after !== before) out[f.code] = after;
  }
  return out;
}

/** A 补充信息 entry of the timeline: each field that changed, by its label (a personal one as the server masked it). */
export function describeFieldChanges(changes: readonly { code: string; from?: FieldValue; to?: FieldValue }[]): string {
  const parts = changes.map((c) => {
    const field = CENTERS.flatMap((x): readonly FieldDef[] => x.fields).find((f) => f.code === c.code);
    const value = (v: FieldValue | undefined) => (v === undefined ? '（空）' : shown(field, v));
    return c.from === undefined ? `${field?.label ?? c.code}：${value(c.to)}` : `${field?.label ?? c.code}：${value(c.from)} → ${value(c.to)}`;
  });
  return `补充信息：${parts.join('；')}`;
}

/** A field's value as the page shows it: a number with its unit. */
function shown(field: FieldDef | undefined, value: FieldValue): string {
  return field?.type === 'number' && typeof value === 'number' ? `${value.toLocaleString('zh-CN')}${field.unit ? ` ${field.unit}` : ''}` : String(value);
}

/**
 * A case's form as lines (label, value), in the order its centre declares
 * them; a field of another centre (a case reclassified keeps what it was filed
 * with) follows, named by its own declaration.
 */
export function fieldLines(center: string, fields: FieldValues | undefined, centers: readonly CenterDef[] = CENTERS): { code: string; label: string; value: string }[] {
  const values = fields ?? {};
  const own = centers.find((c) => c.code === center)?.fields.map((f) => f.code) ?? [];
  const codes = [...own.filter((code) => code in values), ...Object.keys(values).filter((code) => !own.includes(code))];
  return codes.map((code) => {
    const field = fieldDef(center, code, centers);
    return { code, label: field?.label ?? code, value: shown(field, values[code] as FieldValue) };
  });
}

/** The case page's part: the form as filed. */
export function FieldList({ center, fields }: { center: string; fields: FieldValues | undefined }) {
  const lines = fieldLines(center, fields);
  if (lines.length === 0) return null;
  return (
    <>
      {lines.map((l) => (
        <div class="field" key={l.code}>
          <dt>{l.label}</dt>
          <dd data-field={l.code}>{l.value}</dd>
        </div>
      ))}
    </>
  );
}

/** A form field's label for an error's path (`fields.amount` → 争议金额), whichever centre declares it. */
export function fieldLabelOfPath(path: string): string | undefined {
  const code = /^fields\.(.+)$/.exec(path)?.[1];
  return code === undefined ? undefined : CENTERS.flatMap((c): readonly FieldDef[] => c.fields).find((f) => f.code === code)?.label;
}

/** The export's columns of the forms: every field no centre marks personal (the export view shows nothing personal), once by code. */
export function exportFields(centers: readonly CenterDef[] = CENTERS): FieldDef[] {
  const seen = new Set<string>();
  return centers.flatMap((c): readonly FieldDef[] => c.fields).filter((f) => {
    if (f.personal || seen.has(f.code)) return false;
    seen.add(f.code);
    return true;
  });
}
