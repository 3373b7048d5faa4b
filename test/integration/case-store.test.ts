/**
 * The event store against a real dynalite server: optimistic concurrency,
 * crash healing, idempotent intake.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionConflict, decide, type Actor, type CaseEvent } from '../../shared/domain/index.ts';
import { CaseService } from '../../shared/service/cases.ts';
import { CaseStore } from '../../shared/store/case-store.ts';
import { EXCERPT_CHARS, eventItem, stateFromItem } from '../../shared/store/codec.ts';
import { ctx, hotline, intake, policy, units, user } from '../support/domain.ts';
import { startTable, type TestTable } from '../support/dynamo.ts';

let table: TestTable;
let store: CaseStore;
let service: CaseService;
const liaison = user('hp-xf-yg-1', 'liaison');

beforeAll(async () => {
  table = await startTable();
  store = new CaseStore(table.db, table.tableName, () => ({ units, reporterKey: (r) => r.phone }));
  service = new CaseService({
    store,
    units: async () => units,
    policy: async () => policy,
    clock: () => new Date('2026-11-25T02:00:00Z'),
    random: (n) => randomBytes(n),
  });
});
afterAll(() => table.stop());

async function eventSeqs(id: string): Promise<number[]> {
  const result = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
      ExpressionAttributeValues: marshall({ ':pk': `CASE#${id}`, ':evt': 'EVT#' }),
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((i) => Number(unmarshall(i).seq));
}

async function stateVersion(id: string): Promise<number | undefined> {
  const result = await table.db.send(
    new GetItemCommand({ TableName: table.tableName, Key: marshall({ pk: `CASE#${id}`, sk: 'STATE' }), ConsistentRead: true }),
  );
  return result.Item ? Number(unmarshall(result.Item).version) : undefined;
}

describe('case store on dynalite', () => {
  it('20 concurrent commands on one version: exactly one wins, 19 get version_conflict', async () => {
    const { state } = await service.intake(intake({ externalId: 'RACE-1' }), hotline);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        service.act(state.id, { type: 'note', visibility: 'internal', text: `note ${i}` }, liaison, state.version),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const o of lost) expect(o.reason).toBeInstanceOf(VersionConflict);
    expect(await eventSeqs(state.id)).toEqual([1, 2]);
    expect(await stateVersion(state.id)).toBe(2);
  });

  it('20 concurrent commands that retry: a gap-free log with one event per version', async () => {
    const { state } = await service.intake(intake({ externalId: 'RACE-2' }), hotline);
    const system: Actor = { kind: 'system', id: 'test' };
    // Writers that do not pin a version retry a lost race on fresh state (at most 3 tries each).
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => service.act(state.id, { type: 'remind', clock: 'accept' }, system)),
    );
    const seqs = await eventSeqs(state.id);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await stateVersion(state.id)).toBe(seqs.length);
    const loaded = await store.load(state.id);
    expect(loaded?.state.version).toBe(seqs.length);
    // Rejections are only lost races or the rule refusing a second reminder, never a corrupted log.
    for (const o of outcomes) if (o.status === 'rejected') expect(['VersionConflict', 'InvalidTransition']).toContain((o.reason as Error).constructor.name);
  });

  it('a crash between the event put and the projection update heals on the next read', async () => {
    const { state } = await service.intake(intake({ externalId: 'CRASH-1' }), hotline);
    const d = decide(state, { type: 'accept' }, ctx(liaison, '2026-11-25T02:10:00Z'));
    if (!d.ok) throw d.error;
    // The writer dies after putting EVT#2: STATE stays at version 1.
    await table.db.send(new PutItemCommand({ TableName: table.tableName, Item: marshall(eventItem(state.id, { event: d.event })) }));
    expect(await stateVersion(state.id)).toBe(1);
    const loaded = await store.load(state.id);
    expect(loaded?.repaired).toBe(true);
    expect(loaded?.state).toMatchObject({ version: 2, status: 'in_progress' });
    expect(await stateVersion(state.id)).toBe(2);
  });

  it('a crash before the first projection heals on the next write and keeps the log gap-free', async () => {
    const d = decide(
      undefined,
      { type: 'receive', id: 'CRASH00002', trackingNo: 'CRASH00002', trackingCode: '111111', input: intake() },
      ctx(hotline, '2026-11-25T02:00:00Z'),
    );
    if (!d.ok) throw d.error;
    await table.db.send(new PutItemCommand({ TableName: table.tableName, Item: marshall(eventItem('CRASH00002', { event: d.event })) }));
    expect(await stateVersion('CRASH00002')).toBeUndefined();
    const { state } = await service.act('CRASH00002', { type: 'accept' }, liaison);
    expect(state.version).toBe(2);
    expect(await eventSeqs('CRASH00002')).toEqual([1, 2]);
    expect(await stateVersion('CRASH00002')).toBe(2);
  });

  it('a replayed intake returns the same case, by externalId and by Idempotency-Key, even after a crash', async () => {
    const first = await service.intake(intake({ externalId: 'REPLAY-1' }), hotline);
    const again = await service.intake(intake({ externalId: 'REPLAY-1', description: '换了说法' }), hotline);
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, state: { id: first.state.id, description: first.state.description } });

    const keyed = await service.intake(intake(), hotline, 'key-1');
    const keyedAgain = await service.intake(intake(), hotline, 'key-1');
    const otherClient = await service.intake(intake(), { ...hotline, id: 'another-client' }, 'key-1');
    expect(keyedAgain.state.id).toBe(keyed.state.id);
    expect(otherClient.state.id).not.toBe(keyed.state.id);

    // The first intake died after its event: the replay heals and answers with that case.
    const before = await service.intake(intake({ externalId: 'REPLAY-2' }), hotline);
    await table.db.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: marshall({ pk: `CASE#${before.state.id}`, sk: 'STATE' }),
      }),
    );
    const healed = await service.intake(intake({ externalId: 'REPLAY-2' }), hotline);
    expect(healed).toMatchObject({ created: false, state: { id: before.state.id, version: 1 } });
    expect(await stateVersion(before.state.id)).toBe(1);
  });

  it('keeps only an excerpt of a long description in the projection, and reads the whole back', async () => {
    const long = '长'.repeat(4000);
    const { state } = await service.intake(intake({ externalId: 'LONG-1', description: long }), hotline);
    const raw = await table.db.send(new GetItemCommand({ TableName: table.tableName, Key: marshall({ pk: `CASE#${state.id}`, sk: 'STATE' }) }));
    expect(stateFromItem(unmarshall(raw.Item ?? {})).state.description).toBe(`${'长'.repeat(EXCERPT_CHARS)}…`);
    expect((await store.load(state.id))?.state.description).toBe(long);
  });

  it('pages the timeline and refuses a cursor for another case', async () => {
    const { state } = await service.intake(intake({ externalId: 'PAGE-1' }), hotline);
    let s = state;
    for (let i = 0; i < 4; i++) s = (await service.act(s.id, { type: 'note', visibility: 'internal', text: `n${i}` }, liaison)).state;
    const page1 = await store.events(s.id, { limit: 2 });
    const page2 = await store.events(s.id, { limit: 2, cursor: page1.cursor });
    const page3 = await store.events(s.id, { limit: 2, cursor: page2.cursor });
    expect([...page1.items, ...page2.items, ...page3.items].map((e: CaseEvent) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await expect(store.events('OTHERCASE1', { cursor: page1.cursor })).rejects.toThrow(/cursor/);
  });
});
