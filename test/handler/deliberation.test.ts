/** The 议事厅 function with DynamoDB mocked: what it writes, what it refuses before writing, and what the public page leaves out. */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { decideTopic, evolveTopic, type TopicCommand, type TopicEvent, type TopicState } from '../../shared/domain/index.ts';
import { issueToken } from '../../shared/service/tokens.ts';
import { units, user } from '../support/domain.ts';
import { apiEvent, context, directoryItems } from '../support/handler.ts';

const { handler } = await import('../../functions/deliberation/handler.ts');
const ddb = mockClient(DynamoDBClient);

const account = { username: 'community-mediator', displayName: '王秀英（社区调解员）', role: 'mediator', unitId: 'hp-xf' };
const auth = async () => ({ authorization: `Bearer ${(await issueToken({ username: account.username, name: account.displayName, role: account.role, unitId: account.unitId }, new Date())).token}` });

/** A topic's log, made by the rules (a published one at `unitId` with a named resident). */
function published(unitId: string): { events: TopicEvent[]; state: TopicState } {
  const actor = user(unitId);
  const events: TopicEvent[] = [];
  let state: TopicState | undefined;
  const at = new Date(Date.now() - 3600_000);
  const step = (c: TopicCommand) => {
    const d = decideTopic(state, c, { now: at, actor, units, today: '2026-01-01' });
    if (!d.ok) throw d.error;
    events.push(d.event);
    state = evolveTopic(state, d.event);
  };
  step({ type: 'raise', id: 'TOPIC1', unitId, title: '停车', description: '车位不够', caseIds: [], cases: [] });
  step({ type: 'schedule', meeting: { kind: 'seven', at: new Date(at.getTime() - 60_000).toISOString(), place: '议事厅', host: '王秀英' } });
  step({ type: 'hold', participants: [{ name: '周秀兰', role: 'resident' }, { name: '刘志刚', role: 'deputy' }], minutes: '同意划线' });
  step({ type: 'agree', ids: ['d1'], decisions: [{ text: '划停车线', owner: '物业', dueDate: '2030-01-01', practical: true }] });
  step({ type: 'publish', result: '划停车线', resolvesCases: false });
  return { events, state: state as TopicState };
}

beforeEach(() => {
  ddb.reset();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(GetItemCommand, { Key: { pk: { S: 'USERS' }, sk: { S: `USER#${account.username}` } } }).resolves({ Item: marshall({ pk: 'USERS', sk: `USER#${account.username}`, ...account }) });
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  ddb.on(PutItemCommand).resolves({});
});

describe('POST /v1/deliberations', () => {
  it('refuses a topic without a title, naming it, and writes nothing', async () => {
    const reply = await handler(apiEvent('POST /v1/deliberations', { headers: await auth(), body: { unitId: 'hp-xf', title: '', description: '积水' } }), context);
    expect(reply.statusCode).toBe(400);
    expect(JSON.parse(reply.body ?? '').error.issues.map((i: { path: string }) => i.path)).toEqual(['title']);
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('refuses a unit outside the subtree (400 on unitId) and writes nothing', async () => {
    const reply = await handler(apiEvent('POST /v1/deliberations', { headers: await auth(), body: { unitId: 'hp-hx', title: '积水', description: '积水' } }), context);
    expect(reply.statusCode).toBe(400);
    expect(JSON.parse(reply.body ?? '').error.issues[0].path).toBe('unitId');
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('raises: the first event put only if absent, then the township list entry', async () => {
    const reply = await handler(apiEvent('POST /v1/deliberations', { headers: await auth(), body: { unitId: 'hp-xf', title: '积水', description: '院子积水' } }), context);
    expect(reply.statusCode, reply.body).toBe(201);
    const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[0]?.Item?.sk).toEqual({ S: 'EVT#0000000001' });
    expect(puts[0]?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(puts[1]?.Item?.pk).toEqual({ S: 'TOPICS#hp' });
    expect(JSON.parse(reply.body ?? '')).toMatchObject({ status: 'raised', source: 'mediator', unitId: 'hp-xf' });
  });
});

describe('a topic elsewhere', () => {
  it('is not found for a mediator of another community, and nothing is written', async () => {
    const { events } = published('hp-hx');
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TOPIC#TOPIC1' } } }).resolves({ Items: events.map((event) => marshall({ pk: 'TOPIC#TOPIC1', sk: `EVT#${event.seq}`, event }, { removeUndefinedValues: true })) });
    const reply = await handler(
      apiEvent('POST /v1/deliberations/{id}/actions', { headers: await auth(), pathParameters: { id: 'TOPIC1' }, body: { type: 'cancel', reason: 'x', expectedVersion: 5 } }),
      context,
    );
    expect(reply.statusCode).toBe(404);
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });
});

describe('GET /v1/public/units/{unitId}/deliberations', () => {
  it('answers without a credential, with counts by capacity and no names or minutes', async () => {
    const { state } = published('hp-xf');
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TOPICS#hp' } } }).resolves({ Items: [marshall({ pk: 'TOPICS#hp', sk: 'TOPIC#TOPIC1', topic: state, version: state.version }, { removeUndefinedValues: true })] });
    const reply = await handler(apiEvent('GET /v1/public/units/{unitId}/deliberations', { headers: {}, pathParameters: { unitId: 'hp-xf' } }), context);
    expect(reply.statusCode).toBe(200);
    expect(reply.body).not.toContain('周秀兰');
    expect(reply.body).not.toContain('同意划线');
    expect(JSON.parse(reply.body ?? '').items[0]).toMatchObject({ participantCount: 2, participantsByRole: { resident: 1, deputy: 1 }, result: '划停车线' });
    expect(reply.headers['cache-control']).toBe('public, max-age=60');
  });

  it('answers 404 for a unit that does not exist', async () => {
    const reply = await handler(apiEvent('GET /v1/public/units/{unitId}/deliberations', { headers: {}, pathParameters: { unitId: 'nowhere' } }), context);
    expect(reply.statusCode).toBe(404);
  });
});
