/** The body of POST /v1/templates and PUT /v1/templates/{id}: a 常用语, or the wording of a message to residents. */
import * as z from 'zod/mini';
import './zod.ts';
import { CENTER_CODES, PHRASE_ACTION_CODES, RESIDENT_MESSAGE_KINDS } from '../domain/index.ts';
import { ourId, text } from './fields.ts';

export const TEMPLATE_LIMITS = { title: 30, text: 500 } as const;

export const templateSchema = z.lazy(() => z.strictObject({
  unitId: ourId,
  title: text(1, TEMPLATE_LIMITS.title),
  text: text(1, TEMPLATE_LIMITS.text),
  action: z.optional(z.enum(PHRASE_ACTION_CODES)),
  center: z.optional(z.enum(CENTER_CODES)),
  message: z.optional(z.enum(RESIDENT_MESSAGE_KINDS)),
  aliyunTemplateCode: z.optional(z.string().check(z.regex(/^SMS_\d{1,20}$/, '须为阿里云短信模板编号，如 SMS_154950909'))),
  tencentTemplateId: z.optional(z.string().check(z.regex(/^\d{1,20}$/, '须为腾讯云短信模板 ID（数字），如 1234567'))),
}));
