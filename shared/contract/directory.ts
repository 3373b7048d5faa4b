/** Bodies of the admin endpoints: unit import (JSON or CSV) and user management. */
import * as z from 'zod/mini';
import './zod.ts';
import { LEVELS, LEVEL_CODES, PASSWORD_MIN_LENGTH, ROLE_CODES, UNIT_ID_PATTERN, UNIT_KINDS, UNIT_KIND_CODES, ValidationFailed, type Issue, type LevelDef } from '../domain/index.ts';
import { MESSAGES } from './messages.ts';
import { ourId, phone, text } from './fields.ts';
import { controlCharIssues } from './hygiene.ts';

const contactSchema = z.lazy(() => z.strictObject({ name: text(1, 50), phone: z.optional(phone), openId: z.optional(z.string().check(z.maxLength(128))) }));

export const unitSchema = z.lazy(() => z.strictObject({
  id: z.string().check(z.regex(UNIT_ID_PATTERN, MESSAGES.unitId)),
  name: text(1, 50),
  // By its code or its Chinese name: 小区 is compound.
  level: z.pipe(z.transform((v: unknown) => (typeof v === 'string' ? levelCode(v) : v)), z.enum(LEVEL_CODES)),
  parentId: z.optional(ourId),
  // urban/rural, or 城市/农村 as a township's sheet says it; left out, the unit follows its parent's branch.
  kind: z.optional(z.pipe(z.transform((v: unknown) => (typeof v === 'string' ? kindCode(v) : v)), z.enum(UNIT_KIND_CODES, MESSAGES.unitKind))),
  contacts: z.optional(z.array(contactSchema).check(z.maxLength(10))),
}));

/** 督办 of a unit: what to put right, and by when (a China date). */
export const unitSupervisionSchema = z.lazy(() => z.strictObject({
  note: text(1, 500),
  until: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, MESSAGES.date)),
}));

export const unitImportSchema = z.lazy(() => z.strictObject({ units: z.array(unitSchema).check(z.minLength(1), z.maxLength(5000)) }));

/** The columns of the unit sheet, and the Chinese headers a township's own sheet may use for them. */
export const UNIT_COLUMNS = {
  id: ['id', '编号', '单位编号'],
  name: ['name', '名称', '单位名称'],
  level: ['level', '层级'],
  parentId: ['parentId', '上级编号', '上级单位编号'],
  kind: ['kind', '类型'],
  contactName: ['contactName', '联系人'],
  contactPhone: ['contactPhone', '联系电话', '联系人电话'],
} as const;
type UnitColumn = keyof typeof UNIT_COLUMNS;

/** A level by its code or its Chinese name (小区, 社区; 镇, 街道 or 镇/街道), urban or rural (小组, 村, 湾落). */
export function levelCode(cell: string | undefined): string | undefined {
  if (cell === undefined) return undefined;
  // A rural sheet names its levels 村 / 小组 / 湾落 (labels.ts).
  const byName = (LEVELS as readonly LevelDef[]).find((l) => l.name === cell || l.name.split('/').includes(cell) || l.ruralName === cell);
  return byName?.code ?? cell;
}

/** A unit kind by its code or its Chinese name (城市, 农村). */
function kindCode(cell: string): string {
  return UNIT_KINDS.find((k) => k.name === cell)?.code ?? cell;
}

/**
 * Where a problem with an imported row is, as the person who made the sheet
 * sees it: the line of the file (the header is line 1) and the column under
 * the header they gave it. Paths are of the import body (`units.3.contacts.0.phone`).
 */
export function csvIssue(issue: Issue, headers: ReadonlyMap<UnitColumn, string>): Issue {
  const m = issue.path.match(/^units\.(\d+)(?:\.(\w+))?(?:\.\d+\.(\w+))?/);
  if (!m) return issue;
  const field = m[2] === 'contacts' ? (m[3] === 'phone' ? 'contactPhone' : 'contactName') : (m[2] as UnitColumn | undefined);
  const column = field ? (headers.get(field) ?? field) : undefined;
  return { ...issue, row: Number(m[1]) + 2, ...(column ? { column } : {}) };
}

/**
 * CSV with a header row: id,name,level,parentId[,kind,contactName,contactPhone]
 * (or the same in Chinese: 编号,名称,层级,上级编号,类型,联系人,联系电话); a level
 * by its code or its name, a kind by its code or 城市/农村.
 * Spreadsheets are how townships keep their unit lists today. Without a
 * contactName column the stored contacts are kept; with one, an empty cell
 * clears them. A cell the export neutralised against formula injection
 * (`'` before `=`, `+`, `-`, `@`, tab or CR) is read back without the `'`,
 * so an exported sheet imports unchanged. Control characters in any cell are
 * refused, naming the row and column.
 */
export async function unitsFromCsv(body: string): Promise<{ units: unknown[]; headers: Map<UnitColumn, string> }> {
  // Loaded on the first import only (its own chunk in the bundle): every other request of the function does without it.
  const { parse } = await import('csv-parse/sync');
  let rows: Record<string, string>[];
  try {
    rows = parse(body.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new ValidationFailed(`the CSV is not valid: ${(error as Error).message}`, [{ path: '(body)', message: MESSAGES.notCsv }]);
  }
  const headers = new Map<UnitColumn, string>();
  const first = rows[0] ?? {};
  for (const [column, names] of Object.entries(UNIT_COLUMNS) as [UnitColumn, readonly string[]][]) {
    const given = names.find((n) => Object.hasOwn(first, n));
    if (given !== undefined) headers.set(column, given);
  }
  // Control characters refused naming the line and the column, as the sheet has them.
  const control = rows.flatMap((r, i) =>
    Object.entries(r).flatMap(([header, value]) => {
      const [issue] = controlCharIssues(value, header);
      return issue ? [{ ...issue, path: `units.${i}.${header}`, row: i + 2, column: header }] : [];
    }),
  );
  if (control.length > 0) throw new ValidationFailed(`control characters are not allowed in the sheet`, control);
  const cell = (r: Record<string, string>, column: UnitColumn) => {
    const header = headers.get(column);
    const value = header !== undefined && Object.hasOwn(r, header) ? r[header] : undefined;
    return value !== undefined && /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
  };
  const hasContacts = headers.has('contactName');
  return {
    headers,
    units: rows.map((r) => {
      const parentId = cell(r, 'parentId');
      const kind = cell(r, 'kind');
      const contactName = cell(r, 'contactName');
      const contactPhone = cell(r, 'contactPhone');
      return {
        id: cell(r, 'id'),
        name: cell(r, 'name'),
        level: levelCode(cell(r, 'level')),
        ...(parentId ? { parentId } : {}),
        ...(kind ? { kind } : {}),
        ...(hasContacts ? { contacts: contactName ? [{ name: contactName, ...(contactPhone ? { phone: contactPhone } : {}) }] : [] } : {}),
      };
    }),
  };
}

export const username = z.lazy(() => z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, MESSAGES.username)));
export const password = z.lazy(() => z.string().check(z.minLength(PASSWORD_MIN_LENGTH, MESSAGES.password), z.maxLength(200)));

export const createUserSchema = z.lazy(() => z.strictObject({
  username,
  displayName: text(1, 50),
  role: z.enum(ROLE_CODES),
  unitId: ourId,
  password,
  phone: z.optional(phone),
}));

export const updateUserSchema = z.lazy(() => z.strictObject({
  displayName: z.optional(text(1, 50)),
  role: z.optional(z.enum(ROLE_CODES)),
  unitId: z.optional(ourId),
  password: z.optional(password),
  phone: z.optional(phone),
  disabled: z.optional(z.boolean()),
}));
