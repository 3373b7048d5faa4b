/**
 * Several townships: a matter that names no place goes to the township of the
 * channel account it came through (WECHAT_TOWNSHIP, SMS_TOWNSHIPS, an API
 * client's rootUnitId) — and with several townships and no such setting the
 * system refuses to start rather than guess.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_UNITS } from '../../infra/local/demo-data.ts';
import { ensureTable } from '../../infra/local/resources.ts';
import { startDynamo, type LocalServer } from '../../infra/local/servers.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { UnitTree, type UnitRecord } from '../../shared/domain/index.ts';
import { channelConfigFromEnv, parseTownships, townshipProblems } from '../../shared/service/channel-config.ts';
import { Directory } from '../../shared/store/directory.ts';
import { postTwilio, postWechat, replyFields, wechatText } from '../support/channels.ts';
import { dropTable, localClient, sharedDynamoEndpoint, uniqueTableName } from '../support/dynamo.ts';
import { call } from '../support/stack.ts';

const LIUHE: UnitRecord[] = [
  { id: 'lh', name: '柳河镇', level: 'township' },
  { id: 'lh-an', name: '安宁社区', level: 'community', parentId: 'lh' },
  { id: 'lh-an-1', name: '安宁小区', level: 'compound', parentId: 'lh-an' },
  { id: 'lh-an-1-1', name: '1栋', level: 'building', parentId: 'lh-an-1' },
];

let dynamo: LocalServer | undefined;
let endpoint: string;
let tableName: string;
let stack: LocalStack | undefined;

beforeAll(async () => {
  const shared = sharedDynamoEndpoint();
  endpoint = shared ?? (dynamo = await startDynamo()).endpoint;
  tableName = shared ? uniqueTableName('townships') : 'townships';
  const db = localClient(endpoint);
  await ensureTable(db, tableName);
  await new Directory(db, tableName).putUnits([...DEMO_UNITS, ...LIUHE]);
  db.destroy();
});
afterAll(async () => {
  await stack?.stop();
  delete process.env.WECHAT_TOWNSHIP;
  delete process.env.SMS_TOWNSHIPS;
  if (dynamo) await dynamo.stop();
  else await dropTable(endpoint, tableName);
});

describe('several townships', () => {
  it('refuses to start while a channel names no township, saying which setting is missing', async () => {
    // Emptied, not unset: the local stack's defaults (the demo county's 和平街道) fill only what is unset.
    process.env.WECHAT_TOWNSHIP = '';
    process.env.SMS_TOWNSHIPS = '';
    const start = startLocalStack({ port: 0, dynamodbEndpoint: endpoint, tableName, workers: false, seedCases: false });
    await expect(start).rejects.toThrow(/refusing to start/);
    const message = await start.catch((error: Error) => error.message);
    expect(message).toContain('there are 3 townships (hp, wa, lh): set WECHAT_TOWNSHIP');
    expect(message).toContain('set SMS_TOWNSHIPS');
  });

  it('routes a matter without a place to the township of the account it came through', async () => {
    process.env.WECHAT_TOWNSHIP = 'lh';
    process.env.SMS_TOWNSHIPS = '+14155550100=hp, *=lh';
    stack = await startLocalStack({ port: 0, dynamodbEndpoint: endpoint, tableName, workers: false, seedCases: false });
    const runtime = await import('../../shared/service/runtime.ts');
    const unitOf = async (receipt: string) => (await runtime.store.load(/编号 ([2-9A-HJ-NP-Z]{10})/.exec(receipt)?.[1] ?? ''))?.state.unitId;

    const wechat = replyFields((await postWechat(stack, wechatText('oTownship01', '我想反映一个情况，请工作人员联系我'))).text).Content ?? '';
    expect(await unitOf(wechat)).toBe('lh');
    // An address is looked up in the account's own township.
    const placed = replyFields((await postWechat(stack, wechatText('oTownship02', '安宁小区1栋门口积水'))).text).Content ?? '';
    expect(await unitOf(placed)).toBe('lh-an-1-1');

    const sms = async (to: string, body: string) =>
      /<Message>([^<]*)<\/Message>/.exec((await postTwilio(stack!, { MessageSid: `SMtownship${to}${Date.now()}`, From: '+8613712340101', To: to, Body: body })).text)?.[1] ?? '';
    expect(await unitOf(await sms('+14155550100', '有个问题想咨询'))).toBe('hp');
    expect(await unitOf(await sms('+14155550199', '有个问题想咨询一下'))).toBe('lh');

    // An API client with a township files there; one without gets a 400 asking for a place, never a guess.
    const hotline = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '没有地址的工单' } });
    expect([hotline.status, hotline.body.unitId]).toEqual([201, 'hp']);
    await runtime.directory.putApiClient('no-township-key', { name: 'no-township', sources: ['hotline'], scopes: ['cases:write', 'cases:read'] });
    const unplaced = await call(stack, 'POST', '/v1/cases', { key: 'no-township-key', body: { source: 'hotline', center: 'voice', description: '没有地址的工单' } });
    expect(unplaced.status, unplaced.text).toBe(400);
    expect(unplaced.body.error.issues[0].path).toBe('location');
    const placedByClient = await call(stack, 'POST', '/v1/cases', { key: 'no-township-key', body: { source: 'hotline', center: 'voice', description: '有地址的工单', location: { address: '安宁小区1栋' } } });
    expect([placedByClient.status, placedByClient.body.unitId]).toEqual([201, 'lh-an-1-1']);
  });
});

describe('the settings', () => {
  const tree = new UnitTree([...DEMO_UNITS, ...LIUHE]);

  it('name a township for each account: numbers are read like phones, and a bad entry is refused', () => {
    expect([...parseTownships(' +86 106-9000-1 = hp ,*=lh')]).toEqual([['+8610690001', 'hp'], ['*', 'lh']]);
    expect(() => parseTownships('10690001')).toThrow(/SMS_TOWNSHIPS/);
    expect(() => parseTownships('10690001=Not A Unit')).toThrow(/SMS_TOWNSHIPS/);
  });

  it('are checked against the tree: one township needs none, a township named must exist', () => {
    const config = channelConfigFromEnv({ WECHAT_TOKEN: 't', SMS_WEBHOOK_SECRET: 's' });
    expect(townshipProblems(new UnitTree(LIUHE), config, [{ name: 'hotline' }])).toEqual([]);
    // The county is not a township: a channel may not name it.
    expect(townshipProblems(tree, channelConfigFromEnv({ WECHAT_TOKEN: 't', WECHAT_TOWNSHIP: 'zj' }), [])).toContain('WECHAT_TOWNSHIP names "zj", which is not a township (hp, wa, lh)');
    expect(townshipProblems(tree, config, [{ name: 'hotline', rootUnitId: 'hp' }, { name: 'city' }])).toEqual([
      'there are 3 townships (hp, wa, lh): set WECHAT_TOWNSHIP to the one the WeChat account serves',
      'there are 3 townships (hp, wa, lh): set SMS_TOWNSHIPS (number=township, or *=township) for the numbers residents text',
      'there are 3 townships (hp, wa, lh): API client city names none (its rootUnitId)',
    ]);
    const wrong = channelConfigFromEnv({ WECHAT_TOKEN: 't', WECHAT_TOWNSHIP: 'hp-xf', SMS_WEBHOOK_SECRET: 's', SMS_TOWNSHIPS: '*=lh' });
    expect(townshipProblems(tree, wrong)).toEqual(['WECHAT_TOWNSHIP names "hp-xf", which is not a township (hp, wa, lh)']);
  });
});
