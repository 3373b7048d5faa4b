/** Queue messages across a deploy: old and new code read each other's messages. */
import { describe, expect, it } from 'vitest';
import { parseWith } from '../../shared/contract/zod.ts';
import { ValidationFailed } from '../../shared/domain/index.ts';
import {
  MESSAGE_VERSION,
  callbackMessageSchema,
  escalationMessageSchema,
  mediaMessageSchema,
  notifyMessageSchema,
  versioned,
} from '../../shared/queue/messages.ts';
import { retryWindowSeconds, backoffSeconds } from '../../shared/queue/backoff.ts';

describe('queue messages', () => {
  const escalation = { caseId: 'c1', version: 3, level: 'community', unitId: 'u1', origin: 'sweeper' } as const;

  it('carry their schema version, and one without a version (older code) still reads', () => {
    expect(versioned(escalation)).toEqual({ ...escalation, v: MESSAGE_VERSION });
    expect(parseWith(escalationMessageSchema, escalation)).toEqual(escalation);
    expect(parseWith(escalationMessageSchema, versioned(escalation))).toEqual({ ...escalation, v: MESSAGE_VERSION });
  });

  it('read past fields newer code added, and drop them', () => {
    const newer = { ...versioned({ caseId: 'c1', seq: 4 }), v: MESSAGE_VERSION + 1, priority: 'high' };
    for (const schema of [callbackMessageSchema, mediaMessageSchema, notifyMessageSchema]) {
      expect(parseWith(schema, newer)).toEqual({ caseId: 'c1', seq: 4, v: MESSAGE_VERSION + 1 });
    }
    const reply = { reply: { channel: 'sms', to: '13800138000', text: '收到', ref: 'in-1', at: '2026-01-01T00:00:00Z', tone: 'warm' }, v: 1 };
    expect(parseWith(notifyMessageSchema, reply)).toEqual({ v: 1, reply: { channel: 'sms', to: '13800138000', text: '收到', ref: 'in-1', at: '2026-01-01T00:00:00Z' } });
  });

  it('still refuse what they need and lack', () => {
    expect(parseWith(callbackMessageSchema, { caseId: 'c1', v: 1 })).toBeInstanceOf(ValidationFailed);
    expect(parseWith(escalationMessageSchema, { ...escalation, level: 'galaxy' })).toBeInstanceOf(ValidationFailed);
  });
});

describe('callback retry window', () => {
  it('sums the backoff of every receive before the DLQ', () => {
    expect(retryWindowSeconds(60, 4)).toBe(backoffSeconds(60, 1) + backoffSeconds(60, 2) + backoffSeconds(60, 3));
    expect(retryWindowSeconds(60, 1)).toBe(0);
  });
});
