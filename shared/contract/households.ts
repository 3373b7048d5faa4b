/** Bodies of the 联户 routes: the roster import (JSON or CSV), a household's edit, a visit, a 宣传 notice. */
import * as z from 'zod/mini';
import './zod.ts';
import { CENTER_CODES, DUTIES, DUTY_CODES, NOTICE_KIND_CODES, ValidationFailed, type Issue } from '../domain/index.ts';
import { MESSAGES } from './messages.ts';
import { ourId, phone, text } from './fields.ts';
import { controlCharIssues } from './hygiene.ts';

/** How many people live in a household: a sheet gives it as text. */
const people = z.lazy(() => z.pipe(
  z.transform((v: unknown) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v)),
  z.int(MESSAGES.people).check(z.gte(1, MESSAGES.people), z.lte(50, MESSAGES.people)),
));
const householdId = z.lazy(() => z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, MESSAGES.householdId)));

export const householdSchema = z.lazy(() => z.strictObject({
  /** Absent: derived from the building and the address, so a sheet imported again updates the same households. */
  id: z.optional(householdId),
  unitId: ourId,
  /** The 联户长's username; a 联户长 importing their own roster may leave it out. */
  liaisonId: z.optional(ourId),
  address: text(1, 100),
  head: text(1, 50),
  phone: z.optional(phone),
  people,
  notes: z.optional(text(0, 200)),
}));
export type HouseholdInput = z.output<typeof householdSchema>;

export const householdImportSchema = z.lazy(() => z.strictObject({ households: z.array(householdSchema).check(z.minLength(1), z.maxLength(2000)) }));

/** A change on the page: what is given changes; `phone: null` or `notes: null` clears it. The building stays. */
export const householdUpdateSchema = z.lazy(() => z
  .strictObject({
    liaisonId: z.optional(ourId),
    address: z.optional(text(1, 100)),
    head: z.optional(text(1, 50)),
    phone: z.optional(z.nullable(phone)),
    people: z.optional(people),
    notes: z.optional(z.nullable(text(0, 200))),
  })
  .check(z.refine((b) => Object.keys(b).length > 0, { message: MESSAGES.nothingToChange, path: ['(body)'] })));

export const visitSchema = z.lazy(() => z
  .strictObject({
    date: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, MESSAGES.date)),
    summary: text(1, 1000),
    duty: z.enum(DUTY_CODES, { message: MESSAGES.duty }),
    /** 就地化解: the 联户长 settled the matter there. */
    settled: z._default(z.boolean(MESSAGES.trueOrFalse), false),
    /** Raise a case from the visit in the same step: the household's head reports it, at their building, source `visit`. */
    raiseCase: z.optional(z.strictObject({ center: z.enum(CENTER_CODES), title: z.optional(text(0, 100)) })),
  })
  .check(z.refine((v) => !(v.settled && v.raiseCase), { message: MESSAGES.settledOrRaised, path: ['raiseCase'] })));

export const noticeSchema = z.lazy(() => z.strictObject({
  unitId: ourId,
  kind: z.enum(NOTICE_KIND_CODES),
  text: text(1, 300),
}));

/** The columns of the household sheet, and the Chinese headers a 联户长's own sheet may use. */
export const HOUSEHOLD_COLUMNS = {
  id: ['id', '户编号', '编号'],
  unitId: ['unitId', '楼栋编号', '湾落编号', '单位编号'],
  liaisonId: ['liaisonId', '联户长账号', '联户长'],
  address: ['address', '地址', '住址', '门牌'],
  head: ['head', '户主', '户主姓名'],
  phone: ['phone', '电话', '联系电话', '户主电话'],
  people: ['people', '人数', '家庭人数'],
  notes: ['notes', '备注', '情况'],
} as const;
type HouseholdColumn = keyof typeof HOUSEHOLD_COLUMNS;

const FIELD_NAMES: Record<HouseholdColumn, string> = { id: '户编号', unitId: '楼栋编号', liaisonId: '联户长账号', address: '地址', head: '户主', phone: '电话', people: '人数', notes: '备注' };

/**
 * A problem with a row as the person who made the sheet sees it: 第 n 行 (the
 * header is line 1) and the column under its header, in the message too.
 */
export function householdCsvIssue(issue: Issue, headers: ReadonlyMap<HouseholdColumn, string>): Issue {
  const m = issue.path.match(/^households\.(\d+)(?:\.(\w+))?/);
  if (!m) return issue;
  const field = m[2] as HouseholdColumn | undefined;
  const column = field ? (headers.get(field) ?? FIELD_NAMES[field] ?? field) : undefined;
  const row = Number(m[1]) + 2;
  return { ...issue, row, ...(column ? { column } : {}), message: `第 ${row} 行${column ? `「${column}」` : ''}：${issue.message}` };
}

/** A JSON row's problem, in the same words: 第 n 条. */
export function householdJsonIssue(issue: Issue): Issue {
  const m = issue.path.match(/^households\.(\d+)(?:\.(\w+))?/);
  if (!m) return issue;
  const field = m[2] as HouseholdColumn | undefined;
  return { ...issue, message: `第 ${Number(m[1]) + 1} 条${field ? `「${FIELD_NAMES[field] ?? field}」` : ''}：${issue.message}` };
}

/**
 * CSV with a header row, in English or Chinese: 户编号,楼栋编号,联户长账号,地址,户主,电话,人数,备注
 * (户编号 and 联户长账号 may be left out). Control characters are refused
 * naming the row and column; a cell an export neutralised against formula
 * injection (`'` before `=`, `+`, `-`, `@`) is read back without the `'`.
 */
export async function householdsFromCsv(body: string): Promise<{ households: unknown[]; headers: Map<HouseholdColumn, string> }> {
  // Loaded on the first sheet only (its own chunk in the bundle): every other request of the function does without it.
  const { parse } = await import('csv-parse/sync');
  let rows: Record<string, string>[];
  try {
    rows = parse(body.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new ValidationFailed(`the CSV is not valid: ${(error as Error).message}`, [{ path: '(body)', message: MESSAGES.notCsv }]);
  }
  const headers = new Map<HouseholdColumn, string>();
  const first = rows[0] ?? {};
  for (const [column, names] of Object.entries(HOUSEHOLD_COLUMNS) as [HouseholdColumn, readonly string[]][]) {
    const given = names.find((n) => Object.hasOwn(first, n));
    if (given !== undefined) headers.set(column, given);
  }
  const control = rows.flatMap((r, i) =>
    Object.entries(r).flatMap(([header, value]) => {
      const [issue] = controlCharIssues(value, header);
      return issue ? [{ ...issue, path: `households.${i}.${header}`, row: i + 2, column: header, message: `第 ${i + 2} 行「${header}」：${issue.message}` }] : [];
    }),
  );
  if (control.length > 0) throw new ValidationFailed('control characters are not allowed in the sheet', control);
  const cell = (r: Record<string, string>, column: HouseholdColumn) => {
    const header = headers.get(column);
    const value = header !== undefined && Object.hasOwn(r, header) ? r[header] : undefined;
    if (value === undefined || value === '') return undefined;
    return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
  };
  return {
    headers,
    households: rows.map((r) =>
      Object.fromEntries(
        (Object.keys(HOUSEHOLD_COLUMNS) as HouseholdColumn[]).flatMap((column) => {
          const value = cell(r, column);
          // Required columns stay present when empty, so the problem is named; optional ones are left out.
          const required = column === 'unitId' || column === 'address' || column === 'head' || column === 'people';
          return value !== undefined ? [[column, value]] : required ? [[column, '']] : [];
        }),
      ),
    ),
  };
}

/** The duty's name, for labels. */
export const dutyName = (code: string): string => DUTIES.find((d) => d.code === code)?.name ?? code;
