/**
 * zod's tree-shakable "mini" build with only the English messages: the full
 * build carries every locale and would triple each Lambda bundle. Modules
 * import `* as z from 'zod/mini'` themselves (re-exporting the namespace would
 * defeat tree-shaking) and this module once, for the messages.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ValidationFailed, type Issue } from '../domain/index.ts';

z.config(en());

export function issuesOf(error: z.core.$ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(body)',
    message: i.message,
  }));
}

/** Parse or return a ValidationFailed naming every problem. */
export function parseWith<T extends z.ZodMiniType>(schema: T, value: unknown, what = 'the request'): z.output<T> | ValidationFailed {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const first = issues[0];
  return new ValidationFailed(
    issues.length === 1 && first ? `${what} is not valid: ${first.path}: ${first.message}` : `${what} is not valid (${issues.length} problems)`,
    issues,
  );
}
