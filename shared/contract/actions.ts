/** The body of POST /v1/cases/{id}/actions: one schema per action type. */
import * as z from 'zod/mini';
import './zod.ts';
import { MESSAGES } from './messages.ts';
import { CENTER_CODES, CONTACT_CHANNEL_CODES, OUTCOME_CODES, PERFORMANCE_CODES, RISK_CODES, SATISFACTION_CODES } from '../domain/index.ts';
import { isoDateTime, ourId, text } from './fields.ts';
import { locationSchema, partySchema } from './intake.ts';

const version = z.lazy(() => z.int().check(z.gte(1)));
const action = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), expectedVersion: version, ...shape });

const agreementSchema = z.lazy(() => z.strictObject({
  parties: z.array(partySchema).check(z.minLength(2), z.maxLength(20)),
  facts: text(1, 4000),
  terms: z.array(text(1, 1000)).check(z.minLength(1), z.maxLength(30)),
  performance: z.strictObject({
    method: text(1, 500),
    deadline: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, MESSAGES.date)),
  }),
  signedAt: z.optional(isoDateTime),
}));

export const actionSchema = z.lazy(() => z.discriminatedUnion('type', [
  action('accept', {}),
  action('note', { visibility: z._default(z.enum(['internal', 'public']), 'internal'), text: text(1, 2000) }),
  action('contact', { channel: z.enum(CONTACT_CHANNEL_CODES), summary: text(1, 1000) }),
  action('dispatch', {
    toUnitId: z.optional(ourId),
    toVolunteerId: z.optional(ourId),
    note: z.optional(text(0, 500)),
  }),
  action('decline', { reason: text(1, 500) }),
  action('recall', { reason: text(1, 500) }),
  action('return', { reason: text(1, 500) }),
  action('escalate', { reason: text(1, 500) }),
  action('extend_request', { reason: text(1, 500), until: isoDateTime }),
  action('extend_decide', { approved: z.boolean(), comment: z.optional(text(0, 500)) }),
  action('add_party', { party: partySchema }),
  action('schedule_session', { at: isoDateTime, place: text(1, 200), mediators: z.array(text(1, 50)).check(z.minLength(1), z.maxLength(10)) }),
  action('record_minutes', { sessionId: ourId, content: text(1, 20000) }),
  action('record_agreement', { agreement: agreementSchema }),
  action('record_performance', { performance: z.enum(PERFORMANCE_CODES), note: text(1, 1000) }),
  action('resolve', { outcome: z.enum(OUTCOME_CODES), summary: text(1, 2000) }),
  action('follow_up', { satisfaction: z.enum(SATISFACTION_CODES), comment: z.optional(text(0, 1000)) }),
  action('reopen', { reason: text(1, 500) }),
  action('merge', { intoCaseId: ourId }),
  action('withdraw', { reason: text(1, 500) }),
  action('close', { reason: z.optional(text(0, 500)) }),
  action('reclassify', { center: z.enum(CENTER_CODES) }),
  /** 补充信息: the case's centre's fields to fill in or correct (`null` empties one), each checked against the declaration by the handler. */
  action('set_fields', { fields: z.record(z.string(), z.nullable(z.union([z.string(), z.number()]))) }),
  action('locate', { location: locationSchema }),
  action('flag_risk', { level: z.enum(RISK_CODES), note: z.optional(text(0, 500)) }),
  action('order_supervision', { note: text(1, 500), until: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, MESSAGES.date)) }),
]));

export type ActionBody = z.output<typeof actionSchema>;
/** The action types, listed rather than read from the schema, whose importers would then build it at start (test/unit/contract.test.ts checks they agree). */
export const ACTION_TYPES = [
  'accept', 'note', 'contact', 'dispatch', 'decline', 'recall', 'return', 'escalate', 'extend_request', 'extend_decide', 'add_party',
  'schedule_session', 'record_minutes', 'record_agreement', 'record_performance', 'resolve', 'follow_up', 'reopen', 'merge', 'withdraw',
  'close', 'reclassify', 'set_fields', 'locate', 'flag_risk', 'order_supervision',
] as const satisfies readonly ActionBody['type'][];
