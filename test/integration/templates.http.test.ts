/**
 * 常用语 and the wording of residents' messages through HTTP: who reads which
 * (inherited down the tree), who may change which (the admin's subtree holds
 * it), bad input refused whole with nothing written, and a changed wording
 * changing the message the notifier sends the resident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { chinaDay } from '../../shared/domain/index.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { settledDump } from '../support/dynamo.ts';
import { call, login, startTestStack, waitFor } from '../support/stack.ts';

let stack: LocalStack;
const as: Record<string, { headers: Record<string, string> }> = {};

beforeAll(async () => {
  stack = await startTestStack({ workers: true });
  for (const who of ['admin', 'county-admin', 'building-mediator', 'community-mediator', 'village-mediator']) {
    as[who] = { headers: { authorization: `Bearer ${await login(stack, who)}` } };
  }
  // A community's own admin, below the township's.
  const created = await call(stack, 'POST', '/v1/users', { ...as.admin, body: { username: 'xf-admin', displayName: '社区管理员', role: 'admin', unitId: 'hp-xf', password: 'xf-admin-pass-12' } });
  expect(created.status, created.text).toBe(201);
  as['xf-admin'] = { headers: { authorization: `Bearer ${await login(stack, 'xf-admin', 'xf-admin-pass-12')}` } };
});
afterAll(() => stack.stop());

type TemplateView = { id: string; unitId: string; title: string; text: string; editable: boolean; message?: string; action?: string; center?: string };
const list = async (who: string, unitId?: string) => {
  const reply = await call(stack, 'GET', `/v1/templates${unitId ? `?unitId=${unitId}` : ''}`, as[who]);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items as TemplateView[];
};
const create = (who: string, body: unknown) => call(stack, 'POST', '/v1/templates', { ...as[who], body });
const change = (who: string, id: string, body: unknown) => call(stack, 'PUT', `/v1/templates/${id}`, { ...as[who], body });
const remove = (who: string, id: string) => call(stack, 'DELETE', `/v1/templates/${id}`, as[who]);

describe('常用语 kept per unit', () => {
  it('are read where they are in force: the unit’s own and its ancestors’, never a sibling’s', async () => {
    const building = (await list('building-mediator')).map((t) => t.id);
    expect(building).toEqual(expect.arrayContaining(['demo-return-scope', 'demo-note-verifying', 'demo-resolve-mediated', 'demo-note-grid']));
    expect(building).not.toContain('demo-wa-accepted');
    const village = (await list('village-mediator', 'wa-gms-1-wj')).map((t) => t.id);
    expect(village).toEqual(expect.arrayContaining(['demo-return-scope', 'demo-wa-accepted']));
    expect(village).not.toContain('demo-note-verifying');
    // Someone else's unit is not theirs to ask about.
    expect((await call(stack, 'GET', '/v1/templates?unitId=hp-hx', as['building-mediator'])).status).toBe(404);
    // The township's admin sees what is above (not editable) and what is theirs and below (editable).
    const admin = await list('admin');
    expect(admin.find((t) => t.id === 'demo-return-scope')?.editable).toBe(false);
    expect(admin.find((t) => t.id === 'demo-note-grid')?.editable).toBe(true);
  });

  it('are created, changed and deleted by an admin of the unit or above, and by no one else', async () => {
    const made = await create('xf-admin', { unitId: 'hp-xf-yg', title: '已联系物业', text: '{unit}已联系物业，{deadline}前修复（编号 {trackingNo}）。', action: 'note' });
    expect(made.status, made.text).toBe(201);
    const id = made.body.id as string;
    expect((await list('building-mediator', 'hp-xf-yg-1')).find((t) => t.id === id)?.text).toBe('{unit}已联系物业，{deadline}前修复（编号 {trackingNo}）。');

    // The township's admin is above: may change it; the community's admin may move it within the community only.
    expect((await change('admin', id, { unitId: 'hp-xf-yg', title: '已联系物业', text: '已联系物业。', action: 'note' })).status).toBe(200);
    const moveOut = await change('xf-admin', id, { unitId: 'hp', title: '已联系物业', text: '已联系物业。', action: 'note' });
    expect(moveOut.status, moveOut.text).toBe(403);
    expect(moveOut.body.error.message).toContain('和平街道');
    // A template of the township is not the community admin's, nor the county's the township admin's.
    for (const [who, tid] of [['xf-admin', 'demo-resolve-onsite'], ['admin', 'demo-return-scope']] as const) {
      expect((await change(who, tid, { unitId: 'hp-xf', title: 'x', text: 'x', action: 'note' })).status).toBe(403);
      expect((await remove(who, tid)).status).toBe(403);
    }
    expect((await create('admin', { unitId: 'zj', title: 'x', text: 'x', action: 'note' })).status).toBe(403);
    // Mediators read but do not keep templates.
    expect((await create('community-mediator', { unitId: 'hp-xf', title: 'x', text: 'x', action: 'note' })).status).toBe(403);
    expect((await remove('community-mediator', id)).status).toBe(403);
    // A template that is not there.
    expect((await remove('admin', 'no-such-template')).status).toBe(404);

    expect((await remove('xf-admin', id)).body).toEqual({ id, deleted: true });
    expect((await list('building-mediator')).map((t) => t.id)).not.toContain(id);
    expect((await remove('xf-admin', id)).status).toBe(404);
  });

  it('refuses bad input with 400 naming the field — unknown placeholders by name — and writes nothing', async () => {
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const good = { unitId: 'hp-xf', title: '回复', text: '您好，{trackingNo}', action: 'note' };
    for (const [body, path, words] of [
      [{ ...good, text: '您好 {name}，{phone} {unit}' }, 'text', ['{name}', '{phone}']],
      [{ ...good, text: '' }, 'text', []],
      [{ ...good, title: '长'.repeat(31) }, 'title', []],
      [{ ...good, unitId: 'nowhere' }, 'unitId', ['nowhere']],
      [{ ...good, action: 'fly' }, 'action', []],
      [{ ...good, action: undefined }, 'action', []],
      [{ ...good, center: 'space' }, 'center', []],
      [{ ...good, aliyunTemplateCode: 'SMS_1' }, 'aliyunTemplateCode', []],
      [{ ...good, extra: 1 }, '(body)', []],
      [{ unitId: 'hp-xf', title: '回执', message: 'receipt', text: '已受理 {trackingNo}' }, 'text', ['{trackingCode}']],
      [{ unitId: 'hp-xf', title: '回执', message: 'receipt', text: '{trackingNo}{trackingCode}', tencentTemplateId: 'abc' }, 'tencentTemplateId', []],
      [{ unitId: 'hp-xf', title: '回执', message: 'bogus', text: '{trackingNo}' }, 'message', []],
    ] as const) {
      const reply = await create('admin', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('validation_failed');
      const issue = (reply.body.error.issues as { path: string; message: string }[]).find((i) => i.path === path);
      expect(issue, `${JSON.stringify(body)} → ${reply.text}`).toBeDefined();
      for (const word of words) expect(issue?.message).toContain(word);
    }
    // A change refused the same way leaves the template as it was.
    expect((await change('admin', 'demo-note-grid', { ...good, text: '{who}' })).status).toBe(400);
    expect(await settledDump(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe("the wording of residents' messages", () => {
  const outbox = () => new Outbox(stack.dynamodb, stack.tableName);
  const residentTexts = async (caseId: string) => (await outbox().list(chinaDay(new Date().toISOString()), { limit: 500 })).items.filter((m) => m.caseId === caseId && m.topic === 'status').map((m) => m.text);

  async function fileAndAccept(description: string): Promise<{ id: string; trackingNo: string; texts: string[] }> {
    const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description, reporter: { name: '周女士', phone: '13800138077' }, location: { unitId: 'hp-xf-yg-1' } } });
    expect(filed.status, filed.text).toBe(201);
    const accepted = await call(stack, 'POST', `/v1/cases/${filed.body.id}/actions`, { ...as['building-mediator'], body: { type: 'accept', expectedVersion: filed.body.version } });
    expect(accepted.status, accepted.text).toBe(200);
    const texts = await waitFor('the resident told it was accepted', async () => {
      const found = await residentTexts(filed.body.id);
      return found.length > 0 ? found : undefined;
    });
    return { id: filed.body.id, trackingNo: filed.body.trackingNo, texts };
  }

  it('a township changes, without a deploy, what the resident is sent', async () => {
    const plain = await fileAndAccept('楼道灯坏了，晚上很黑。');
    expect(plain.texts).toEqual([`【矛调通】您的诉求 ${plain.trackingNo} 已签收，正在办理。`]);

    const made = await create('admin', { unitId: 'hp', title: '签收通知', message: 'accepted', text: '【和平街道】诉求 {trackingNo} 已由{unit}签收。', aliyunTemplateCode: 'SMS_154950909', tencentTemplateId: '1234567' });
    expect(made.status, made.text).toBe(201);
    // One wording per message, unit and centre.
    expect((await create('admin', { unitId: 'hp', title: '又一条', message: 'accepted', text: '{trackingNo}' })).status).toBe(409);
    const worded = await fileAndAccept('楼下垃圾桶满了没人清。');
    expect(worded.texts).toEqual([`【和平街道】诉求 ${worded.trackingNo} 已由和平街道 幸福社区 阳光小区 1栋签收。`]);

    expect((await change('admin', made.body.id, { unitId: 'hp', title: '签收通知', message: 'accepted', text: '【和平街道】{trackingNo} 已签收，请耐心等待。' })).status).toBe(200);
    const rewritten = await fileAndAccept('小区门口路灯不亮。');
    expect(rewritten.texts).toEqual([`【和平街道】${rewritten.trackingNo} 已签收，请耐心等待。`]);

    expect((await remove('admin', made.body.id)).status).toBe(200);
    const back = await fileAndAccept('电梯按钮失灵。');
    expect(back.texts).toEqual([`【矛调通】您的诉求 ${back.trackingNo} 已签收，正在办理。`]);
  });
});
