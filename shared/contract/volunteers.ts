/** Bodies of 双报到 (registration and its decision) and of a community's service menu. */
import * as z from 'zod/mini';
import './zod.ts';
import { MENU_LIMITS, VOLUNTEER_KIND_CODES } from '../domain/index.ts';
import { ourId, phone, slug, text } from './fields.ts';
import { password, username } from './directory.ts';

export const registrationSchema = z.lazy(() => z.strictObject({
  /** The community where they live, or a unit below it. */
  unitId: ourId,
  name: text(1, 30),
  phone,
  kind: z._default(z.enum(VOLUNTEER_KIND_CODES), 'party_member'),
  employer: z.optional(text(0, 100)),
  skills: z.array(text(1, 20)).check(z.minLength(1, '请至少填写一项特长'), z.maxLength(10)),
  availability: text(1, 200),
}));

export const registrationDecisionSchema = z.lazy(() => z.strictObject({
  decision: z.enum(['approve', 'reject']),
  reason: z.optional(text(0, 200)),
  /** The volunteer account to create or link (default: one named after the registration). */
  username: z.optional(username),
  /** A new account's first password (default: one generated and answered once). */
  password: z.optional(password),
}));

const serviceSchema = z.lazy(() => z.strictObject({ code: slug(32), name: text(1, 20), description: z.optional(text(0, 100)) }));

export const menuSchema = z.lazy(() => z.strictObject({
  items: z
    .array(serviceSchema)
    .check(
      z.minLength(1, '服务清单至少一项'),
      z.maxLength(MENU_LIMITS.items),
      z.refine((items) => new Set(items.map((i) => i.code)).size === items.length, { message: '服务编号不能重复' }),
      z.refine((items) => new Set(items.map((i) => i.name)).size === items.length, { message: '服务名称不能重复' }),
    ),
}));
