/** The bodies of the 议事厅 routes (POST /v1/deliberations and its actions). */
import * as z from 'zod/mini';
import './zod.ts';
import { MESSAGES } from './messages.ts';
import { MEETING_KIND_CODES, PARTICIPANT_ROLE_CODES, TOPIC_LIMITS } from '../domain/index.ts';
import { isoDateTime, ourId, text } from './fields.ts';
import { realDay } from './days.ts';

const version = z.lazy(() => z.int().check(z.gte(1)));
const day = z.lazy(() => z.string().check(z.refine((v) => realDay(v) !== undefined, MESSAGES.date)));
const caseIds = () => z.array(ourId).check(z.maxLength(TOPIC_LIMITS.cases));

export const raiseSchema = z.lazy(() => z.strictObject({
  unitId: ourId,
  title: text(1, 100),
  description: text(1, TOPIC_LIMITS.text),
  caseIds: z._default(caseIds(), []),
}));

const action = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), expectedVersion: version, ...shape });

export const topicActionSchema = z.lazy(() => z.discriminatedUnion('type', [
  action('link_cases', { caseIds: caseIds().check(z.minLength(1)) }),
  action('schedule', {
    meeting: z.strictObject({ kind: z.enum(MEETING_KIND_CODES), at: isoDateTime, place: text(1, 200), host: text(1, 50) }),
  }),
  action('hold', {
    participants: z
      .array(z.strictObject({ name: text(1, 50), role: z.enum(PARTICIPANT_ROLE_CODES) }))
      .check(z.minLength(1), z.maxLength(TOPIC_LIMITS.participants)),
    minutes: text(1, TOPIC_LIMITS.minutes),
  }),
  action('agree', {
    decisions: z
      .array(z.strictObject({ text: text(1, 500), owner: text(1, 50), dueDate: day, practical: z._default(z.boolean(), false) }))
      .check(z.minLength(1), z.maxLength(TOPIC_LIMITS.decisions)),
  }),
  action('publish', { result: text(1, TOPIC_LIMITS.text), resolvesCases: z._default(z.boolean(), true) }),
  action('complete_decision', { decisionId: ourId, note: text(1, 500) }),
  action('cancel', { reason: text(1, 500) }),
]));

export type RaiseBody = z.output<typeof raiseSchema>;
export type TopicActionBody = z.output<typeof topicActionSchema>;
/** Listed rather than read from the schema, like ACTION_TYPES (test/unit/contract.test.ts checks they agree). */
export const TOPIC_ACTION_TYPES = ['link_cases', 'schedule', 'hold', 'agree', 'publish', 'complete_decision', 'cancel'] as const satisfies readonly TopicActionBody['type'][];
