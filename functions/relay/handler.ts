/**
 * The effects relay on the table's stream (DynamoDB Streams in AWS; locally a
 * poll of the pending-effects index hands it records of the same shape): for
 * each newly written event that carries effects, delivers them and clears the
 * marker. A record that fails is reported, so Lambda retries from it; the
 * sweeper picks up anything the stream gave up on.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { EffectKind } from '../../shared/store/codec.ts';
import { pendingOfKeys, type PendingEffects } from '../../shared/store/case-store.ts';
import { relay } from '../../shared/service/queues.ts';
import { lambda } from '../../shared/service/lambda.ts';

function pendingOf(record: DynamoDBRecord): PendingEffects | undefined {
  const image = record.dynamodb?.NewImage;
  const pk = image?.pk?.S;
  const sk = image?.sk?.S;
  const effects = image?.fx?.L?.flatMap((v) => (v.S ? [v.S as EffectKind] : []));
  if (!(pk?.startsWith('CASE#') || pk?.startsWith('NOTICE#')) || !sk?.startsWith('EVT#') || !effects) return undefined;
  return pendingOfKeys(pk, sk, effects);
}

const run = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const items = event.Records.flatMap((record) => {
    const pending = pendingOf(record);
    return pending ? [{ record, pending }] : [];
  });
  const { failed } = await relay.relay(items.map((i) => i.pending));
  const failedKeys = new Set(failed.map((p) => `${p.subject ?? 'case'}:${p.caseId}:${p.seq}`));
  return {
    batchItemFailures: items
      .filter((i) => failedKeys.has(`${i.pending.subject ?? 'case'}:${i.pending.caseId}:${i.pending.seq}`))
      .map((i) => ({ itemIdentifier: i.record.dynamodb?.SequenceNumber ?? '' })),
  };
};

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
