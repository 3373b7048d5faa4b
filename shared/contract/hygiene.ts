/**
 * Text hygiene for every input (JSON, forms, CSV, channel messages): C0
 * control characters other than tab and newline are refused, with the field
 * named. A CR is a newline only as part of CRLF (Windows line ends); a lone
 * CR, a NUL or an escape sequence is not text anyone typed.
 */
import { ValidationFailed, type Issue } from '../domain/index.ts';
import { MESSAGES } from './messages.ts';

const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]|\r(?!\n)/;

const codeOf = (s: string) => {
  const found = CONTROL.exec(s)?.[0] ?? '';
  return `U+${(found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
};

const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

/** Every string (and object key) under `value` holding a control character, by its path. */
export function controlCharIssues(value: unknown, path = ''): Issue[] {
  if (typeof value === 'string') {
    return CONTROL.test(value) ? [{ path: path || '(body)', message: MESSAGES.control(codeOf(value)) }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => controlCharIssues(v, join(path, i)));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(CONTROL.test(k) ? [{ path: join(path, JSON.stringify(k)), message: MESSAGES.controlName(codeOf(k)) }] : []),
      ...controlCharIssues(v, join(path, k)),
    ]);
  }
  return [];
}

/** Throw a 400 naming every field that holds a control character. */
export function refuseControlChars(value: unknown, path = ''): void {
  const issues = controlCharIssues(value, path);
  if (issues.length === 0) return;
  const fields = [...new Set(issues.map((i) => i.path))];
  throw new ValidationFailed(`control characters are not allowed in ${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''}`, issues);
}
