/**
 * What travels on the queues. An escalation message names the case and the
 * level, unit and version it was at: the worker acts only if the case is still
 * there, so duplicates and late redeliveries change nothing.
 */
import * as z from 'zod/mini';
import '../contract/zod.ts';
import { LEVEL_CODES } from '../domain/index.ts';

export const escalationMessageSchema = z.strictObject({
  caseId: z.string().check(z.minLength(1), z.maxLength(64)),
  version: z.int().check(z.gte(1)),
  level: z.enum(LEVEL_CODES),
  unitId: z.string().check(z.minLength(1)),
  /** Who asked: the sweeper's timer or a transition that requested escalation. */
  origin: z.enum(['sweeper', 'action']),
});
export type EscalationMessage = z.output<typeof escalationMessageSchema>;

export const notifyMessageSchema = z.strictObject({
  caseId: z.string().check(z.minLength(1), z.maxLength(64)),
  seq: z.int().check(z.gte(1)),
});
export type NotifyMessage = z.output<typeof notifyMessageSchema>;
