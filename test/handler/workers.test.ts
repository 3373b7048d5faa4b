/** The sweeper and the notifier with DynamoDB and SQS mocked. */
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decide, evolve, type CaseEvent, type CaseState } from '../../shared/domain/index.ts';
import { EMPTY_META, eventItem, stateItem } from '../../shared/store/codec.ts';
import { configFromEnv } from '../../shared/service/config.ts';
import { QUEUES } from '../../infra/topology.ts';
import { clock } from '../../shared/service/clock.ts';
import { ctx, hotline, intake, units } from '../support/domain.ts';
import { context, directoryItems, sqsRecord } from '../support/handler.ts';

vi.hoisted(() => {
  process.env.QUEUE_URL_ESCALATION = 'https://sqs.cn-north-1.amazonaws.com.cn/1/escalation';
  process.env.QUEUE_URL_NOTIFY = 'https://sqs.cn-north-1.amazonaws.com.cn/1/notify';
});

const { handler: sweep } = await import('../../functions/sweeper/handler.ts');
const { handler: notify } = await import('../../functions/notifier/handler.ts');

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const T0 = '2026-11-25T01:00:00Z';
const codec = { units, reporterKey: () => undefined };

function filed(n: number): { state: CaseState; event: CaseEvent } {
  const id = `CASE${String(n).padStart(6, '0')}`;
  const d = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '123456', input: intake() }, ctx(hotline, T0));
  if (!d.ok) throw d.error;
  return { state: evolve(undefined, d.event), event: d.event };
}

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  // The notifier's 重复件 check on a new case: this resident has no earlier cases.
  ddb.on(QueryCommand, { IndexName: 'byReporter' }).resolves({ Items: [] });
  ddb.on(GetItemCommand).resolves({});
  // 议事厅: no publication waiting for its cases, no decision past its day.
  for (const pk of ['TOPIC-FX', 'TOPIC-DUE', 'TEMPLATES']) ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: pk } } }).resolves({ Items: [] });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('sweeper', () => {
  it('sends one escalation message per due case, in batches of ten, and skips cases no longer due', async () => {
    const cases = Array.from({ length: 25 }, (_, i) => filed(i).state);
    const stillFine = { ...filed(99).state, clocks: { ...filed(99).state.clocks!, acceptDueAt: '2030-01-01T00:00:00.000Z', acceptRemindAt: '2030-01-01T00:00:00.000Z', resolveDueAt: '2030-01-01T00:00:00.000Z', resolveRemindAt: '2030-01-01T00:00:00.000Z' } };
    const all = [...cases, stillFine];
    ddb.on(QueryCommand, { IndexName: 'byDue' }).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'byPendingEffects' }).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'byDue', ExpressionAttributeValues: { ':pk': { S: 'D#0' }, ':until': { S: '2026-11-26T00:00:00.000Z|~' } } }).resolves({
      Items: all.map((s) => marshall({ pk: `CASE#${s.id}`, sk: 'STATE', duePk: 'D#0', dueSk: `x|${s.id}` })),
    });
    ddb.on(BatchGetItemCommand).resolves({ Responses: { maodiaotong: all.map((s) => marshall(stateItem(s, EMPTY_META, codec), { removeUndefinedValues: true })) } });
    clock.set(() => new Date('2026-11-26T00:00:00Z'));
    try {
      const result = await sweep({});
      expect(result).toEqual({ due: 26, sent: 25, leased: 0, relayed: 0, stillPending: 0, reindexOwed: 0, reindexed: 0, topicsDelivered: 0, decisionsReminded: 0 });
    } finally {
      clock.reset();
    }
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 10, 5]);
    expect(batches.every((b) => b.QueueUrl === process.env.QUEUE_URL_ESCALATION)).toBe(true);
    const bodies = batches.flatMap((b) => b.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(bodies[0]).toEqual({ caseId: 'CASE000000', version: 1, level: 'building', unitId: 'hp-xf-yg-1', origin: 'sweeper', v: 1 });
    expect(bodies.map((b) => b.caseId)).not.toContain(stillFine.id);
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('costs one query per shard of each sparse index, one of each 议事厅 key, and the unit tree’s stamp, when nothing is due, pending or owed', async () => {
    ddb.on(QueryCommand, { IndexName: 'byDue' }).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'byPendingEffects' }).resolves({ Items: [] });
    expect(await sweep({})).toEqual({ due: 0, sent: 0, leased: 0, relayed: 0, stillPending: 0, reindexOwed: 0, reindexed: 0, topicsDelivered: 0, decisionsReminded: 0 });
    expect(ddb.commandCalls(QueryCommand).filter((c) => c.args[0].input.IndexName === 'byDue')).toHaveLength(4);
    expect(ddb.commandCalls(QueryCommand).filter((c) => c.args[0].input.IndexName === 'byPendingEffects')).toHaveLength(4);
    // 议事厅: one query of the publications' markers and one of the decisions' due keys.
    expect(ddb.commandCalls(QueryCommand).filter((c) => String(c.args[0].input.ExpressionAttributeValues?.[':pk']?.S).startsWith('TOPIC-'))).toHaveLength(2);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(10);
    // Whether a change of the unit tree still owes a re-index: one GetItem of its stamp.
    expect(ddb.commandCalls(GetItemCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: { S: 'TREE' }, sk: { S: 'CURRENT' } }]);
    expect(ddb).not.toHaveReceivedCommand(BatchGetItemCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('holds what it sent, by default, as long as the escalation queue may still be retrying it before its DLQ', () => {
    const { visibilityTimeoutSeconds, maxReceiveCount } = QUEUES.escalation;
    expect(configFromEnv({}).resendLeaseMs).toBe(visibilityTimeoutSeconds * maxReceiveCount * 1000);
    expect(configFromEnv({ SWEEP_LEASE_SECONDS: '2' }).resendLeaseMs).toBe(2000);
  });

  it('within its lease reads only the versions of the cases it sent, and sends again only one that changed since', async () => {
    const [same, changed] = [filed(200).state, filed(201).state];
    ddb.on(QueryCommand, { IndexName: 'byDue' }).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'byPendingEffects' }).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'byDue', ExpressionAttributeValues: { ':pk': { S: 'D#0' } } }).resolves({
      Items: [same, changed].map((s) => marshall({ pk: `CASE#${s.id}`, sk: 'STATE', duePk: 'D#0', dueSk: `x|${s.id}` })),
    });
    // An officer's action on one of them between the sweeps: its message is stale, and the worker drops it.
    let current = [same, changed];
    const item = (s: CaseState) => marshall(stateItem(s, EMPTY_META, codec), { removeUndefinedValues: true });
    ddb.on(BatchGetItemCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: { S: string } }[] }> }) => {
      const asked = new Set(input.RequestItems.maodiaotong!.Keys.map((k) => k.pk.S));
      return { Responses: { maodiaotong: current.filter((s) => asked.has(`CASE#${s.id}`)).map(item) } };
    });
    clock.set(() => new Date('2026-11-26T00:00:00Z'));
    try {
      expect(await sweep({})).toMatchObject({ due: 2, sent: 2, leased: 0 });
      current = [same, { ...changed, version: 2 }];
      ddb.resetHistory();
      sqs.resetHistory();
      expect(await sweep({})).toMatchObject({ due: 2, sent: 1, leased: 1 });
      expect(await sweep({})).toMatchObject({ due: 2, sent: 0, leased: 2 });
    } finally {
      clock.reset();
    }
    const reads = ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems?.maodiaotong);
    const projected = (r: (typeof reads)[number]) => Object.values(r?.ExpressionAttributeNames ?? {});
    // Second sweep: both versions, then the changed case whole; third: the versions alone.
    expect(reads.map(projected)).toEqual([['pk', 'version'], ['state'], ['pk', 'version']]);
    expect(reads[1]?.Keys).toEqual([{ pk: { S: `CASE#${changed.id}` }, sk: { S: 'STATE' } }]);
    const bodies = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(bodies.map((b) => [b.caseId, b.version])).toEqual([[changed.id, 2]]);
  });
});

/** The case's items as the store reads them: its events, and the projection with the newest event. */
function mockCase(state: CaseState, event: CaseEvent) {
  const evt = marshall(eventItem(state.id, { event }), { removeUndefinedValues: true });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CASE#${state.id}` } } }).resolves({ Items: [evt] });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CASE#${state.id}` } }, ScanIndexForward: false }).resolves({
    Items: [marshall(stateItem(state, EMPTY_META, codec), { removeUndefinedValues: true }), evt],
  });
}

describe('notifier', () => {
  const record = (body: unknown, id = 'm1') => sqsRecord(body, { id, queue: 'notify' });


  it('records and sends each message of an event once; a redelivery sends nothing again', async () => {
    const { state, event } = filed(1);
    mockCase(state, event);
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const result = await notify({ Records: [record({ caseId: state.id, seq: 1 })] }, context);
    expect(result.batchItemFailures).toEqual([]);
    const claims = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    // The 联户长 of 1栋 (the unit's contact) and the resident's receipt.
    expect(claims.map((c) => c.Item?.topic?.S)).toEqual(['new_case', 'receipt']);
    expect(claims.map((c) => c.Item?.to?.S)).toEqual(['13800000001', '13800138000']);
    expect(claims.every((c) => c.ConditionExpression === 'attribute_not_exists(#pk) OR #status <> :sent')).toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
    expect(log).toHaveBeenCalledTimes(2);

    log.mockClear();
    ddb.on(PutItemCommand).rejects(new (await import('@aws-sdk/client-dynamodb')).ConditionalCheckFailedException({ message: 'sent', $metadata: {} }));
    await notify({ Records: [record({ caseId: state.id, seq: 1 })] }, context);
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });

  it('fails only the record whose message cannot be recorded or sent, so SQS retries it and then parks it in the DLQ', async () => {
    const good = filed(2);
    const bad = filed(3);
    for (const { state, event } of [good, bad]) {
      mockCase(state, event);
    }
    ddb.on(PutItemCommand).callsFake((input: { Item: { caseId: { S: string } } }) => {
      if (input.Item.caseId.S === bad.state.id) throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      return {};
    });
    ddb.on(UpdateItemCommand).resolves({});
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const result = await notify(
      { Records: [record({ caseId: good.state.id, seq: 1 }, 'good'), record({ caseId: bad.state.id, seq: 1 }, 'bad'), { ...record({}, 'poison'), body: 'not json' }] },
      context,
    );
    log.mockRestore();
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['bad', 'poison']);
  });
});
