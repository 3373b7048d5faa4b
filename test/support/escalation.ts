/** Helpers for tests that drive the escalation ladder on the local stack. */
import type { Context, SQSEvent } from 'aws-lambda';
import type { LocalStack } from '../../infra/local/stack.ts';
import { sqsRecord } from './handler.ts';
import { call, timeline } from './stack.ts';

export const workerContext = { functionName: 'escalationWorker', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** File a plain case at a building through the hotline API. */
export async function fileCase(stack: LocalStack, unitId = 'hp-xf-yg-1') {
  const reply = await call(stack, 'POST', '/v1/cases', {
    body: { source: 'hotline', center: 'voice', description: '路灯坏了', reporter: { phone: '13800138000' }, location: { unitId } },
  });
  if (reply.status !== 201) throw new Error(reply.text);
  return reply.body as { id: string; version: number; level: string; unitId: string; acceptDueAt: string };
}

export const readCase = async (stack: LocalStack, id: string) => (await call(stack, 'GET', `/v1/cases/${id}`)).body;

export const escalations = async (stack: LocalStack, id: string) => (await timeline(stack, id)).filter((e) => e.type === 'escalated');

/** An SQS event as Lambda's event source mapping builds it; a string body is sent as is. */
export function sqsEvent(bodies: unknown[]): SQSEvent {
  return { Records: bodies.map((body, i) => sqsRecord(body, { id: `m${i}`, queue: 'escalation' })) };
}
