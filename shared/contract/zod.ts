/**
 * zod's tree-shakable "mini" build with only its Chinese messages (the zh-CN
 * locale, imported alone: the full build carries every locale and would
 * triple each Lambda bundle). Modules import `* as z from 'zod/mini'`
 * themselves (re-exporting the namespace would defeat tree-shaking) and this
 * module once, for the messages; the contract's own rules say theirs from
 * MESSAGES (messages.ts). A schema at module scope is `z.lazy`: built at its
 * first parse, not at import, so a cold start builds only what its request
 * checks (building every one at import was a large share of the import time).
 */
import * as z from 'zod/mini';
import zhCN from 'zod/v4/locales/zh-CN.js';
import { ValidationFailed, type Issue } from '../domain/index.ts';
import { MESSAGES } from './messages.ts';

z.config(zhCN());

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
  // `what` names the request for a developer's log; the message is for the person who filled in the form.
  void what;
  return new ValidationFailed(issues.length === 1 && first ? MESSAGES.invalid(first.path, first.message) : MESSAGES.problems(issues.length), issues);
}
