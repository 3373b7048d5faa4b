/**
 * Hostile input on the API and the pages, through the real local stack: the
 * requests an attacker's probe sent that used to crash (malformed %-escapes,
 * Object.prototype names, ids too long for a key, an unknown Open311
 * jurisdiction), control characters in every kind of input, and bodies of the
 * wrong type. Each answers its 4xx with a precise message and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { twilioSignature } from '../../shared/channels/twilio.ts';
import { settledDump, dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack, type Reply } from '../support/stack.ts';
import { SMS_SECRET, TWILIO_TOKEN, aliyunMessage, postWechat, replyFields, wechatText } from '../support/channels.ts';

let stack: LocalStack;
let admin: { headers: Record<string, string> };
let countyAdmin: { headers: Record<string, string> };
let caseId: string;

beforeAll(async () => {
  stack = await startTestStack();
  admin = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
  // The configuration is changed at the top of the tree only.
  countyAdmin = { headers: { authorization: `Bearer ${await login(stack, 'county-admin')}` } };
  caseId = (await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '路灯坏了', location: { unitId: 'hp-xf-yg-1' } } })).body.id;
});
afterAll(() => stack.stop());

const LONG = 'A'.repeat(3000);
const intake = (over: Record<string, unknown>) => ({ source: 'hotline', center: 'voice', description: '路灯坏了', location: { unitId: 'hp-xf-yg-1' }, ...over });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const twilio = (fields: Record<string, string>) => () =>
  call(stack, 'POST', '/webhooks/sms/twilio', {
    raw: form(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${stack.url}/webhooks/sms/twilio`, new URLSearchParams(fields)) },
    key: null,
  });
const open311 = (fields: Record<string, string>, path = '/open311/v2/requests.json') => () =>
  call(stack, 'POST', path, { raw: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' }, key: null });
const as = (options: Parameters<typeof call>[3] = {}) => ({ ...admin, ...options, headers: { ...admin.headers, ...options.headers } });

interface Probe {
  readonly name: string;
  readonly status: number;
  readonly send: () => Promise<Reply>;
  /** The field the answer names (issues[].path), when there is one. */
  readonly names?: string;
}

const probes: Probe[] = [
  // Malformed %-escapes in a path parameter
  { name: 'POST /v1/cases/%E4%B8%ZZ/actions', status: 400, names: 'id', send: () => call(stack, 'POST', '/v1/cases/%E4%B8%ZZ/actions', as({ body: { type: 'accept', expectedVersion: 1 } })) },
  { name: 'GET /v1/cases/%E4%B8%ZZ/events', status: 400, names: 'id', send: () => call(stack, 'GET', '/v1/cases/%E4%B8%ZZ/events', as()) },
  { name: 'PATCH /v1/users/%E4%ZZ', status: 400, names: 'username', send: () => call(stack, 'PATCH', '/v1/users/%E4%ZZ', as({ body: { disabled: true } })) },
  { name: 'GET /v1/track/%FF', status: 400, names: 'trackingNo', send: () => call(stack, 'GET', '/v1/track/%FF?code=1', { key: null }) },
  { name: 'PUT /v1/config/%C0%AF', status: 400, names: 'name', send: () => call(stack, 'PUT', '/v1/config/%C0%AF', as({ body: {} })) },
  // Names that are Object.prototype members
  ...['__proto__', 'constructor', 'toString', 'hasOwnProperty'].flatMap((name) => [
    { name: `GET /v1/config/${name}`, status: 404, send: () => call(stack, 'GET', `/v1/config/${name}`, as()) },
    { name: `PUT /v1/config/${name}`, status: 404, send: () => call(stack, 'PUT', `/v1/config/${name}`, as({ body: { terms: [] } })) },
    { name: `GET /admin/${name}`, status: 404, send: () => call(stack, 'GET', `/admin/${name}`, { key: null }) },
    { name: `GET /track/${name}`, status: 404, send: () => call(stack, 'GET', `/track/${name}`, { key: null }) },
  ]),
  // Ids used as keys: 1–128 printable ASCII, checked at the edge
  { name: 'a 3,000-character case id', status: 400, names: 'id', send: () => call(stack, 'GET', `/v1/cases/${LONG}`, as()) },
  { name: 'a 3,000-character WeChat MsgId', status: 400, names: 'MsgId', send: () => postWechat(stack, wechatText('oLongMsgId', '你好', LONG)) },
  { name: 'a WeChat MsgId with a space', status: 400, names: 'MsgId', send: () => postWechat(stack, wechatText('oSpaceMsgId', '你好', '12 34')) },
  { name: 'a 3,000-character Twilio MessageSid', status: 400, names: 'MessageSid', send: twilio({ MessageSid: LONG, From: '+8613900000001', Body: 'x' }) },
  { name: 'a 3,000-character Open311 service_request_id', status: 400, names: 'service_request_id', send: () => call(stack, 'GET', `/open311/v2/requests.json?service_request_id=${LONG}`, { key: null }) },
  { name: 'a 3,000-character Open311 request path', status: 400, names: 'service_request_id', send: () => call(stack, 'GET', `/open311/v2/requests/${LONG}.json`, { key: null }) },
  { name: 'a 3,000-character Idempotency-Key', status: 400, names: 'Idempotency-Key', send: () => call(stack, 'POST', '/v1/cases', { body: intake({}), headers: { 'idempotency-key': LONG } }) },
  { name: 'a dispatch to a volunteer id that is not printable ASCII', status: 400, names: 'toVolunteerId', send: () => call(stack, 'POST', `/v1/cases/${caseId}/actions`, as({ body: { type: 'dispatch', expectedVersion: 1, toVolunteerId: '志愿者 甲' } })) },
  { name: 'a merge into a 3,000-character case id', status: 400, names: 'intoCaseId', send: () => call(stack, 'POST', `/v1/cases/${caseId}/actions`, as({ body: { type: 'merge', expectedVersion: 1, intoCaseId: LONG } })) },
  // An Open311 jurisdiction that is not ours
  { name: 'GET /open311/v2/requests.json?jurisdiction_id=nowhere', status: 404, send: () => call(stack, 'GET', '/open311/v2/requests.json?jurisdiction_id=nowhere', { key: null }) },
  { name: 'GET /open311/v2/services.xml?jurisdiction_id=hp-xf (not a township)', status: 404, send: () => call(stack, 'GET', '/open311/v2/services.xml?jurisdiction_id=hp-xf', { key: null }) },
  { name: 'POST an Open311 request for jurisdiction_id=nowhere', status: 404, send: open311({ api_key: 'local-open311-key', jurisdiction_id: 'nowhere', service_code: 'voice', description: 'x', address_string: 'a' }) },
  // C0 control characters, in every kind of input
  { name: 'JSON: NUL in a description', status: 400, names: 'description', send: () => call(stack, 'POST', '/v1/cases', { body: intake({ description: '路灯\u0000坏了' }) }) },
  { name: 'JSON: ESC in a reporter name', status: 400, names: 'reporter.name', send: () => call(stack, 'POST', '/v1/cases', { body: intake({ reporter: { name: '周\u001b[31m' } }) }) },
  { name: 'JSON: a lone CR in a party name', status: 400, names: 'parties.0.name', send: () => call(stack, 'POST', '/v1/cases', { body: intake({ parties: [{ name: '张\r三', role: 'applicant' }] }) }) },
  { name: 'JSON: BEL in a key', status: 400, names: 'reporter."\\u0007"', send: () => call(stack, 'POST', '/v1/cases', { body: intake({ reporter: { '\u0007': 'x' } }) }) },
  { name: 'JSON: a control character in a note', status: 400, names: 'text', send: () => call(stack, 'POST', `/v1/cases/${caseId}/actions`, as({ body: { type: 'note', expectedVersion: 1, text: '备注\u0001' } })) },
  { name: 'JSON: a control character in a login', status: 400, names: 'username', send: () => call(stack, 'POST', '/v1/auth/login', { body: { username: 'admin\u0000', password: 'x' }, key: null }) },
  { name: 'JSON: a control character in an account', status: 400, names: 'displayName', send: () => call(stack, 'POST', '/v1/users', as({ body: { username: 'ctl-user', displayName: '新\u0008人', role: 'mediator', unitId: 'hp-xf', password: 'a-long-password' } })) },
  { name: 'JSON: a control character in a risk term', status: 400, names: 'terms.0.term', send: () => call(stack, 'PUT', '/v1/config/risk', { ...countyAdmin, body: { terms: [{ term: '跳\u0000楼', level: 'red' }] } }) },
  { name: 'JSON: a control character in a unit import', status: 400, names: 'units.0.name', send: () => call(stack, 'POST', '/v1/units/import', as({ body: { units: [{ id: 'hp-xf-yg-9', name: '9\u0000栋', level: 'building', parentId: 'hp-xf-yg' }] } })) },
  { name: 'CSV: a control character in a cell', status: 400, names: 'units.0.name', send: () => call(stack, 'POST', '/v1/units/import', as({ raw: 'id,name,level,parentId\nhp-xf-yg-9,9\u0001栋,building,hp-xf-yg', headers: { 'content-type': 'text/csv' } })) },
  { name: 'form: NUL in an Open311 description', status: 400, send: open311({ api_key: 'local-open311-key', service_code: 'voice', description: '井盖\u0000丢了', address_string: 'a' }) },
  { name: 'form: a control character in a Twilio Body', status: 400, names: 'Body', send: twilio({ MessageSid: 'SMctl1', From: '+8613900000001', Body: '你好\u0007' }) },
  { name: 'JSON: a control character in an Aliyun SMS', status: 400, names: '0.content', send: () => call(stack, 'POST', `/webhooks/sms/aliyun/${SMS_SECRET}`, { body: [aliyunMessage('13900000001', '你好\u0002')], key: null }) },
  { name: 'JSON: a control character in a Tencent SMS', status: 400, names: 'text', send: () => call(stack, 'POST', `/webhooks/sms/tencent/${SMS_SECRET}`, { body: { mobile: '13900000001', nationcode: '86', text: '你好\u0003', time: 1 }, key: null }) },
  { name: 'XML: a character reference to a control character in WeChat Content', status: 400, names: 'Content', send: () => postWechat(stack, wechatText('oCtl', '路灯&#1;坏了').replace('<![CDATA[路灯&#1;坏了]]>', '路灯&#1;坏了')) },
  // Content types: only what each route documents
  { name: 'POST /v1/users as text/csv', status: 415, send: () => call(stack, 'POST', '/v1/users', as({ raw: 'username,displayName\nx,y', headers: { 'content-type': 'text/csv' } })) },
  { name: 'PATCH /v1/users/{username} as text/csv', status: 415, send: () => call(stack, 'PATCH', '/v1/users/volunteer', as({ raw: 'disabled\ntrue', headers: { 'content-type': 'text/csv' } })) },
  { name: 'POST /v1/cases as application/merge-patch+json', status: 415, send: () => call(stack, 'POST', '/v1/cases', { raw: JSON.stringify(intake({})), headers: { 'content-type': 'application/merge-patch+json' } }) },
  { name: 'POST /v1/auth/login as a form', status: 415, send: () => call(stack, 'POST', '/v1/auth/login', { raw: 'username=admin&password=local-pass', headers: { 'content-type': 'application/x-www-form-urlencoded' }, key: null }) },
  { name: 'POST /webhooks/wechat as JSON', status: 415, send: () => call(stack, 'POST', '/webhooks/wechat?timestamp=1&nonce=1&signature=x', { raw: '{}', headers: { 'content-type': 'application/json' }, key: null }) },
];

describe('hostile input: a precise 4xx, never a 5xx, nothing written', () => {
  it.each(probes)('$name → $status', async ({ status, send, names }) => {
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const reply = await send();
    expect(reply.status).toBe(status);
    expect(reply.text.length).toBeGreaterThan(0);
    // The API's error body names the field in `issues`; Open311's and the SMS providers' own shapes, in their text.
    if (names !== undefined && reply.body?.error) expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toContain(names);
    else if (names !== undefined) expect(reply.text).toContain(names);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('an unknown Open311 jurisdiction gets Open311’s own 404 body, in the format asked for', async () => {
    const json = await call(stack, 'GET', '/open311/v2/requests.json?jurisdiction_id=nowhere', { key: null });
    expect(json.body).toEqual([{ code: 404, description: 'no jurisdiction "nowhere"' }]);
    const xml = await call(stack, 'GET', '/open311/v2/requests.xml?jurisdiction_id=nowhere', { key: null });
    expect(xml.text).toContain('<errors><error><code>404</code><description>no jurisdiction &quot;nowhere&quot;</description></error></errors>');
    const ours = await call(stack, 'GET', '/open311/v2/requests.json?jurisdiction_id=hp', { key: null });
    expect(ours.status).toBe(200);
  });

  it('says what was wrong: the control character and where', async () => {
    const reply = await call(stack, 'POST', '/v1/cases', { body: { title: '标题\u001f', ...intake({ description: '路灯\u0000坏了' }) } });
    expect(reply.body.error.message).toBe('以下字段含有控制字符：title, description');
    expect(reply.body.error.issues).toEqual([
      { path: 'title', message: '含有控制字符（U+001F），请删除后重试' },
      { path: 'description', message: '含有控制字符（U+0000），请删除后重试' },
    ]);
  });

  it('keeps tabs, newlines and Windows line ends: they are text', async () => {
    const reply = await call(stack, 'POST', '/v1/cases', { body: intake({ description: '第一行\n\t第二行\r\n第三行' }) });
    expect(reply.status).toBe(201);
    expect(reply.body.description).toBe('第一行\n\t第二行\r\n第三行');
  });

  it('a resident’s message that is a prototype member’s name is a matter like any other', async () => {
    for (const text of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const reply = await postWechat(stack, wechatText(`oProto${text.length}`, text));
      expect(reply.status).toBe(200);
      expect(replyFields(reply.text).Content).toContain('您的诉求已受理');
    }
  });
});
