/**
 * The local stand-in for the table's DynamoDB stream: dynalite has none, so the
 * pending-effects index gives the same new images, handed to the relay as
 * stream records. Used by the stack's timer and by the relay's own thread.
 */
import type { CaseStore } from '../../shared/store/case-store.ts';
import { DUE_SHARDS, eventSk } from '../../shared/store/schema.ts';

/**
 * Events whose effects are pending, as the DynamoDB stream records of their insert (keys and the marker): at most
 * a batch, as Lambda's stream mapping hands them, so one invocation stays short and a backlog drains batch by batch;
 * taken from the shards in turn, so none waits behind another.
 */
export async function pendingStreamRecords(store: CaseStore, batchSize: number): Promise<{ Records: unknown[] }> {
  const shards = Array.from({ length: DUE_SHARDS }, (_, i) => i);
  const byShard = await Promise.all(shards.map((s) => store.pendingEffects(s, END_OF_TIME, batchSize)));
  const pending = Array.from({ length: batchSize }, (_, i) => byShard.map((items) => items[i])).flat().filter((p) => p !== undefined).slice(0, batchSize);
  return {
    Records: pending.map((p, n) => {
      const keys = { pk: { S: `${p.subject === 'notice' ? 'NOTICE' : 'CASE'}#${p.caseId}` }, sk: { S: eventSk(p.seq) } };
      return {
        eventID: `local-${n}`,
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        dynamodb: { Keys: keys, NewImage: { ...keys, fx: { L: p.effects.map((e) => ({ S: e })) } }, SequenceNumber: String(n), StreamViewType: 'NEW_IMAGE' },
      };
    }),
  };
}

/** Injected clocks may run ahead of the wall clock; the stand-in takes what is pending, whatever its time. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';
