/** Bodies of the admin endpoints: unit import (JSON or CSV) and user management. */
import * as z from 'zod/mini';
import './zod.ts';
import { parse } from 'csv-parse/sync';
import { LEVEL_CODES, ROLE_CODES, UNIT_ID_PATTERN, ValidationFailed } from '../domain/index.ts';
import { ourId, phone, text } from './fields.ts';
import { refuseControlChars } from './hygiene.ts';

const contactSchema = z.strictObject({ name: text(1, 50), phone: z.optional(phone), openId: z.optional(z.string().check(z.maxLength(128))) });

export const unitSchema = z.strictObject({
  id: z.string().check(z.regex(UNIT_ID_PATTERN, 'must be lowercase letters, digits and -')),
  name: text(1, 50),
  level: z.enum(LEVEL_CODES),
  parentId: z.optional(ourId),
  contacts: z.optional(z.array(contactSchema).check(z.maxLength(10))),
});

/** 督办 of a unit: what to put right, and by when (a China date). */
export const unitSupervisionSchema = z.strictObject({
  note: text(1, 500),
  until: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, yyyy-mm-dd')),
});

export const unitImportSchema = z.strictObject({ units: z.array(unitSchema).check(z.minLength(1), z.maxLength(5000)) });

/**
 * CSV with a header row: id,name,level,parentId[,contactName,contactPhone].
 * Spreadsheets are how townships keep their unit lists today. Without a
 * contactName column the stored contacts are kept; with one, an empty cell
 * clears them. A cell the export neutralised against formula injection
 * (`'` before `=`, `+`, `-`, `@`, tab or CR) is read back without the `'`,
 * so an exported sheet imports unchanged. Control characters in any cell are
 * refused, naming the row and column.
 */
export function unitsFromCsv(body: string): unknown {
  let rows: Record<string, string>[];
  try {
    rows = parse(body.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new ValidationFailed(`the CSV is not valid: ${(error as Error).message}`, [{ path: '(body)', message: 'is not valid CSV' }]);
  }
  refuseControlChars(rows, 'units');
  const cell = (r: Record<string, string>, column: string) => {
    const value = Object.hasOwn(r, column) ? r[column] : undefined;
    return value !== undefined && /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
  };
  const hasContacts = rows.some((r) => Object.hasOwn(r, 'contactName'));
  return {
    units: rows.map((r) => {
      const parentId = cell(r, 'parentId');
      const contactName = cell(r, 'contactName');
      const contactPhone = cell(r, 'contactPhone');
      return {
        id: cell(r, 'id'),
        name: cell(r, 'name'),
        level: cell(r, 'level'),
        ...(parentId ? { parentId } : {}),
        ...(hasContacts ? { contacts: contactName ? [{ name: contactName, ...(contactPhone ? { phone: contactPhone } : {}) }] : [] } : {}),
      };
    }),
  };
}

const username = z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'must be 3–64 lowercase letters, digits, . _ or -'));
const password = z.string().check(z.minLength(8, 'must be at least 8 characters'), z.maxLength(200));

export const createUserSchema = z.strictObject({
  username,
  displayName: text(1, 50),
  role: z.enum(ROLE_CODES),
  unitId: ourId,
  password,
  phone: z.optional(phone),
});

export const updateUserSchema = z.strictObject({
  displayName: z.optional(text(1, 50)),
  role: z.optional(z.enum(ROLE_CODES)),
  unitId: z.optional(ourId),
  password: z.optional(password),
  phone: z.optional(phone),
  disabled: z.optional(z.boolean()),
});
