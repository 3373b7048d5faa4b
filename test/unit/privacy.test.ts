/**
 * The privacy policy, walked whole: for every view and every audience, a case
 * with every personal field filled goes through the real view function, and
 * each field is found in full, masked, or not at all — exactly as the table
 * in shared/domain/privacy.ts says. A view an audience has no row for shows it
 * nothing personal.
 */
import { describe, expect, it } from 'vitest';
import {
  AUDIENCES,
  PERSONAL_FIELDS,
  PRIVACY_POLICY,
  VIEWS,
  decide,
  evolve,
  maskAddress,
  maskIdNumber,
  maskName,
  maskOpaque,
  maskPhone,
  MASKED_FORM_TEXT,
  privacyTable,
  protectText,
  rulesFor,
  shownBy,
  withoutCodes,
  type Actor,
  type Audience,
  type CaseEvent,
  type CaseState,
  type Command,
  type PersonalField,
  type TopicCommand,
  type TopicEvent,
  type TopicState,
  type View,
  decideTopic,
  evolveTopic,
} from '../../shared/domain/index.ts';
import { attachmentsView, auditView, caseView, householdView, open311View, outboxView, publicTopicView, publicView, registrationView, timelineView, topicTimelineView, topicView } from '../../shared/service/views.ts';
import { exportRow } from '../../web/src/export.ts';
import type { CaseView } from '../../web/src/api.ts';
import { ctx, hotline, intake, units, user } from '../support/domain.ts';
import { readFileSync } from 'node:fs';

const T0 = '2026-03-02T01:00:00.000Z';
const P = {
  reporterName: '周秀兰',
  reporterPhone: '13912345678',
  reporterOpenId: 'oFixtureOpenId0000123456',
  partyName: '吴建华',
  partyPhone: '13812349876',
  partyIdNumber: '110101199003071234',
  partyAddress: '阳光小区1栋502室东户',
  minutes: '笔录：双方同意各退一步MINUTES',
  internalNotes: '内部备注：当事人情绪激动INTERNAL',
  trackingCode: '987654',
  // A file's content is its object, handed out only as a URL; listed, a file shows what it is (its caption here).
  attachments: 'files.test/cases/CASEPRIV01/AINTERNAL1',
  sharedAttachments: 'files.test/cases/CASEPRIV01/ASHARED01',
  participantName: '郑议事',
  householdPhone: '13712340001',
  volunteerPhone: '13700001111',
  formPersonal: '独居老人，儿子在外地务工FORMPERSONAL',
} as const;
/** What each field looks like masked. */
const MASKED: Record<PersonalField, string> = {
  reporterName: maskName(P.reporterName) as string,
  reporterPhone: maskPhone(P.reporterPhone) as string,
  reporterOpenId: maskOpaque(P.reporterOpenId) as string,
  partyName: maskName(P.partyName) as string,
  partyPhone: maskPhone(P.partyPhone) as string,
  partyIdNumber: maskIdNumber(P.partyIdNumber) as string,
  partyAddress: maskAddress(P.partyAddress) as string,
  minutes: '(never masked)',
  internalNotes: '(never masked)',
  trackingCode: '(never masked: a view that hides a code shows ******)',
  attachments: '内部附件说明INTERNALFILE',
  sharedAttachments: '公开附件说明SHAREDFILE',
  participantName: maskName(P.participantName) as string,
  householdPhone: maskPhone(P.householdPhone) as string,
  volunteerPhone: maskPhone(P.volunteerPhone) as string,
  formPersonal: MASKED_FORM_TEXT,
};

/**
 * A mediation case with every personal field filled, built by the rules themselves. Its form carries 家庭情况,
 * a personal field of 民生保障's form (as a case reclassified from there keeps it), beside its own 纠纷类型.
 */
function fixture(): { state: CaseState; events: CaseEvent[] } {
  const mediator = user('hp-xf-yg-1', 'liaison');
  const events: CaseEvent[] = [];
  let state: CaseState | undefined;
  const step = (command: Command, actor: Actor = mediator) => {
    const d = decide(state, command, ctx(actor, T0));
    if (!d.ok) throw d.error;
    events.push(d.event);
    state = evolve(state, d.event);
  };
  const party = { name: P.partyName, role: 'applicant' as const, phone: P.partyPhone, idNumber: P.partyIdNumber, address: P.partyAddress };
  step(
    {
      type: 'receive',
      id: 'CASEPRIV01',
      trackingNo: 'CASEPRIV01',
      trackingCode: P.trackingCode,
      input: intake({
        center: 'mediation',
        reporter: { name: P.reporterName, phone: P.reporterPhone, openId: P.reporterOpenId },
        parties: [party],
        fields: { disputeType: '邻里', household: P.formPersonal },
      }),
    },
    hotline,
  );
  step({ type: 'accept' });
  step({ type: 'add_party', party: { name: '钱二', role: 'respondent' } });
  step({ type: 'note', visibility: 'internal', text: P.internalNotes });
  step({ type: 'contact', channel: 'phone', summary: `${P.internalNotes}（电话）` });
  step({ type: 'schedule_session', sessionId: 's1', at: '2026-03-03T02:00:00.000Z', place: '社区调解室', mediators: ['王秀英'] });
  step({ type: 'record_minutes', sessionId: 's1', content: P.minutes });
  step({
    type: 'record_agreement',
    agreement: { parties: [party, { name: '钱二', role: 'respondent' }], facts: '漏水', terms: ['修好'], performance: { method: '当面', deadline: '2026-04-01' }, signedAt: T0, mediator: '王秀英' },
  });
  const file = { kind: 'image', mediaType: 'image/jpeg', size: 1000, sha256: 'a'.repeat(64), name: '现场.jpg', purpose: 'evidence', origin: 'upload' } as const;
  step({ type: 'attach', attachment: { ...file, id: 'AINTERNAL1', visibility: 'internal', caption: MASKED.attachments } });
  step({ type: 'attach', attachment: { ...file, id: 'ASHARED01', visibility: 'shared', caption: MASKED.sharedAttachments } });
  return { state: state as CaseState, events };
}

const { state, events } = fixture();

/** A published 议事 on the case, a named resident at the table. */
function topicFixture(): { topic: TopicState; topicEvents: TopicEvent[] } {
  const convener = user('hp-xf', 'mediator');
  const topicEvents: TopicEvent[] = [];
  let topic: TopicState | undefined;
  const step = (command: TopicCommand, at = T0) => {
    const d = decideTopic(topic, command, { now: new Date(at), actor: convener, units, today: '2026-03-02' });
    if (!d.ok) throw d.error;
    topicEvents.push(d.event);
    topic = evolveTopic(topic, d.event);
  };
  step({ type: 'raise', id: 'TPRIV', unitId: 'hp-xf', title: '漏水', description: '楼上漏水', caseIds: [state.id], cases: [{ id: state.id, unitId: state.unitId, status: 'in_progress' }] });
  step({ type: 'schedule', meeting: { kind: 'seven', at: T0, place: '议事厅', host: '王秀英' } });
  step({ type: 'hold', participants: [{ name: P.participantName, role: 'resident' }], minutes: '同意维修' });
  step({ type: 'agree', ids: ['d1'], decisions: [{ text: '维修', owner: '物业', dueDate: '2026-03-10', practical: true }] });
  step({ type: 'publish', result: '维修', resolvesCases: true });
  return { topic: topic as TopicState, topicEvents };
}
const { topic, topicEvents } = topicFixture();

/** The JSON a view gives `audience` (`reveal`: the request asked for the fields shown on request). */
async function render(view: View, audience: Audience, reveal: boolean): Promise<string> {
  switch (view) {
    case 'attachment':
      return JSON.stringify(await attachmentsView(state, audience, async (caseId, a) => ({ url: `https://files.test/cases/${caseId}/${a.id}?X-Amz-Signature=s`, expiresAt: T0 })));
    case 'case':
      return JSON.stringify(caseView(state, units, { view: 'case', audience, reveal }));
    case 'timeline':
      return JSON.stringify(timelineView(events, audience));
    case 'list':
      return JSON.stringify(caseView(state, units, { view: 'list', audience }));
    case 'export':
      // The worst input the export could get: the case with every field in full.
      return JSON.stringify(exportRow(caseView(state, units, { view: 'client', audience: 'client' }) as unknown as CaseView, (id) => id));
    case 'outbox':
      return JSON.stringify(
        [
          { channel: 'sms', to: P.reporterPhone, recipientName: P.reporterName, text: `【矛调通】您的诉求已受理，编号 CASEPRIV01，提取码 ${P.trackingCode}。` },
          { channel: 'wechat', to: P.reporterOpenId, recipientName: P.reporterName, text: `【矛调通】验证码 ${P.trackingCode}，10分钟内有效。` },
        ].map((m) => outboxView({ at: T0, caseId: state.id, seq: 1, n: 0, topic: 'receipt', status: 'sent', ...m }, audience)),
      );
    case 'audit':
      return JSON.stringify(
        auditView({ at: T0, username: 'u', role: 'officer', unitId: 'hp', what: 'reporter_search', caseId: state.id, caseIds: [state.id], phone: maskPhone(P.reporterPhone) }, audience),
      );
    case 'client':
      return JSON.stringify([caseView(state, units, { view: 'client', audience }), timelineView(events, audience)]);
    case 'receipt':
      return JSON.stringify(caseView(state, units, { view: 'receipt', audience }));
    case 'open311':
      return JSON.stringify(open311View(state, units));
    case 'tracking':
      return JSON.stringify(publicView(state, events, units));
    case 'deliberation':
      return JSON.stringify([topicView(topic, units, audience), topicTimelineView(topicEvents, audience)]);
    case 'publicDeliberation':
      return JSON.stringify(publicTopicView(topic, units));
    case 'household':
      return JSON.stringify(
        householdView({ id: 'HH1', unitId: 'hp-xf-yg-1', liaisonId: 'building-mediator', address: '阳光小区1栋101', head: '周家', phone: P.householdPhone, people: 3, updatedAt: T0 }, audience, reveal),
      );
    case 'roster':
      return JSON.stringify(
        registrationView(
          { id: 'R1', communityId: 'hp-xf', rootId: 'hp', unitId: 'hp-xf', name: '李志愿', phone: P.volunteerPhone, kind: 'party_member', skills: ['水电'], availability: '周末', source: 'web', status: 'pending', at: T0 },
          units,
          audience,
        ),
      );
  }
}

/** How a field appears in a view's output. */
function seen(out: string, field: PersonalField): 'full' | 'masked' | 'hidden' {
  if (out.includes(P[field])) return 'full';
  if (out.includes(MASKED[field])) return 'masked';
  return 'hidden';
}

describe('the privacy table, walked whole', () => {
  // Every cell of the table: the views each audience is served (the routes refuse the others).
  const cells = VIEWS.flatMap(({ code: view }) => AUDIENCES.filter((audience) => PRIVACY_POLICY[view][audience] !== undefined).map((audience) => ({ view, audience })));

  it.each(cells)('$view × $audience', async ({ view, audience }) => {
    const rules = rulesFor(view, audience);
    const plain = await render(view, audience, false);
    const revealed = await render(view, audience, true);
    for (const { code } of PERSONAL_FIELDS) {
      const rule = rules[code];
      expect({ field: code, seen: seen(plain, code) }).toEqual({ field: code, seen: rule === 'reveal' ? 'masked' : rule });
      expect({ field: code, revealed: seen(revealed, code) }).toEqual({ field: code, revealed: rule === 'reveal' ? 'full' : rule });
    }
  });

  it('gives an audience a view has no row for nothing personal', async () => {
    expect(PRIVACY_POLICY.outbox.volunteer).toBeUndefined();
    const out = await render('outbox', 'volunteer', true);
    for (const { code } of PERSONAL_FIELDS) expect(seen(out, code)).toBe('hidden');
  });

  it('masks only what can be masked: minutes, notes and codes are shown or left out', () => {
    for (const view of Object.values(PRIVACY_POLICY)) {
      for (const rules of Object.values(view)) {
        for (const field of ['minutes', 'internalNotes', 'trackingCode'] as const) expect(['full', 'hidden']).toContain(rules[field]);
      }
    }
  });

  it('is the table README prints', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(privacyTable());
  });
});

describe('masks and codes', () => {
  it.each([
    ['周秀兰', maskName('周秀兰'), '周**'],
    ['13912345678', maskPhone('13912345678'), '139****5678'],
    ['110101199003071234', maskIdNumber('110101199003071234'), '110***********1234'],
    ['阳光小区1栋502室', maskAddress('阳光小区1栋502室'), '阳光小区***'],
    ['oFixtureOpenId', maskOpaque('oFixtureOpenId'), 'oFix***enId'],
  ])('%s → %s', (_raw, masked, expected) => {
    expect(masked).toBe(expected);
  });

  it('cuts 提取码 and 验证码 out of every message text that carries one', () => {
    const hidden = shownBy(rulesFor('outbox', 'admin'), false);
    expect(protectText('编号 C26V9XQGBV，提取码 555263。请妥善保存', hidden)).toBe('编号 C26V9XQGBV，提取码 ******。请妥善保存');
    expect(protectText('【矛调通】验证码 123456，10分钟内有效', hidden)).toBe('【矛调通】验证码 ******，10分钟内有效');
    expect(withoutCodes('提取码：0042 与 验证码为123456')).toBe('提取码：****** 与 验证码为******');
    expect(protectText('编号 C26V9XQGBV，提取码 555263。', shownBy(rulesFor('client', 'client'), false))).toContain('555263');
  });
});
