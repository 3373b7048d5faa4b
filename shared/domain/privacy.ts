/**
 * The one privacy policy: for every view of a case and every audience, how
 * each personal field is shown. Every read path applies it through
 * `protectCase` / `protectEvent` (shared/service/views.ts), so no view can
 * forget a field; the table itself is what README's "Privacy" section prints
 * and what test/unit/privacy.test.ts walks, view by view and role by role.
 *
 *   full    shown as stored
 *   reveal  masked, and shown in full only on an explicit request
 *           (`?reveal=personal`), which writes one audit entry
 *   masked  shown masked (周**, 138****8000, 110***********1234)
 *   hidden  left out
 *
 * Files follow the same table: `masked` lists a file by what it is (kind,
 * name, size, caption, who and when) without its content; `full` hands out
 * its content (a short-lived presigned URL), which only the `attachment` view
 * does, and each such request writes one audit entry naming the files.
 */
import type { Attachment, MediaRequest } from './attachments.ts';
import type { Actor, CaseEvent, CaseState, Party, Reporter, Session } from './case.ts';
import type { Participant } from './deliberation.ts';
import { fieldDef, ROLE_CODES, type FieldValue, type FieldValues, type Role } from './registry.ts';
import { maskName, maskPhone } from './tracking.ts';

export const PERSONAL_FIELDS = [
  { code: 'reporterName', name: '反映人姓名' },
  { code: 'reporterPhone', name: '反映人电话' },
  { code: 'reporterOpenId', name: '反映人微信 openId' },
  { code: 'partyName', name: '当事人姓名' },
  { code: 'partyPhone', name: '当事人电话' },
  { code: 'partyIdNumber', name: '当事人身份证号' },
  { code: 'partyAddress', name: '当事人住址' },
  { code: 'minutes', name: '调解笔录' },
  { code: 'internalNotes', name: '内部备注、联系记录' },
  { code: 'trackingCode', name: '提取码、验证码' },
  { code: 'attachments', name: '内部附件' },
  { code: 'sharedAttachments', name: '向群众公开的附件' },
  { code: 'participantName', name: '议事参会人姓名' },
  { code: 'householdPhone', name: '联户户主电话' },
  { code: 'volunteerPhone', name: '志愿者电话' },
  { code: 'formPersonal', name: '登记表中的个人信息（家庭情况等）' },
] as const;
export type PersonalField = (typeof PERSONAL_FIELDS)[number]['code'];

/** Where a case is read. `client` is what an API client (12345 hotline, Open311 key) reads of the cases it filed. */
export const VIEWS = [
  { code: 'case', name: '案件页（GET /v1/cases/{id}）' },
  { code: 'timeline', name: '办理记录（/events）' },
  { code: 'list', name: '列表与电话查找' },
  { code: 'export', name: '导出 CSV' },
  { code: 'outbox', name: '通知记录（/v1/outbox）' },
  { code: 'audit', name: '查阅记录（/audit）' },
  { code: 'client', name: '12345 等接口客户端' },
  { code: 'receipt', name: '登记回执（登记时一次）' },
  { code: 'open311', name: 'Open311 公开查询' },
  { code: 'tracking', name: '群众查询（/v1/track）' },
  { code: 'attachment', name: '附件内容（/attachments，每次记入查阅记录）' },
  { code: 'deliberation', name: '议事厅（/v1/deliberations）' },
  { code: 'publicDeliberation', name: '议事结果公示（公开页）' },
  { code: 'household', name: '联户名册（/v1/households）' },
  { code: 'roster', name: '志愿者名册与报到（/v1/volunteers）' },
] as const;
export type View = (typeof VIEWS)[number]['code'];

/** Who reads: a mediator's role, an API client, or the public (a resident with a 提取码, Open311 readers). */
export type Audience = Role | 'client' | 'public';
export const AUDIENCES: readonly Audience[] = [...ROLE_CODES, 'client', 'public'];

export type Visibility = 'full' | 'reveal' | 'masked' | 'hidden';
export type Rules = Readonly<Record<PersonalField, Visibility>>;

const HIDDEN: Rules = {
  reporterName: 'hidden',
  reporterPhone: 'hidden',
  reporterOpenId: 'hidden',
  partyName: 'hidden',
  partyPhone: 'hidden',
  partyIdNumber: 'hidden',
  partyAddress: 'hidden',
  minutes: 'hidden',
  internalNotes: 'hidden',
  trackingCode: 'hidden',
  attachments: 'hidden',
  sharedAttachments: 'hidden',
  participantName: 'hidden',
  householdPhone: 'hidden',
  volunteerPhone: 'hidden',
  formPersonal: 'hidden',
};
const rules = (shown: Partial<Rules>): Rules => ({ ...HIDDEN, ...shown });

/** Those who work cases: contact details on request, the mediation record in full (notes are events: see the timeline). */
const STAFF_CASE = rules({
  reporterName: 'reveal',
  reporterPhone: 'reveal',
  partyName: 'full',
  partyPhone: 'reveal',
  partyIdNumber: 'reveal',
  partyAddress: 'reveal',
  minutes: 'full',
  attachments: 'masked',
  sharedAttachments: 'masked',
  formPersonal: 'reveal',
});
const STAFF_TIMELINE = rules({
  reporterName: 'masked',
  reporterPhone: 'masked',
  partyName: 'full',
  partyPhone: 'masked',
  partyIdNumber: 'masked',
  partyAddress: 'masked',
  minutes: 'full',
  internalNotes: 'full',
  attachments: 'masked',
  sharedAttachments: 'masked',
  formPersonal: 'masked',
});
/** Leaders read and supervise; they never need a party's ID number, nor a household's circumstances in full. */
const LEADER_CASE = { ...STAFF_CASE, partyIdNumber: 'hidden', formPersonal: 'masked' } as const satisfies Rules;
const LEADER_TIMELINE = { ...STAFF_TIMELINE, partyIdNumber: 'hidden' } as const satisfies Rules;
/** A volunteer on a task: who asked and how to reach them, the sessions they sit in; nothing about the parties beyond their names. */
const VOLUNTEER_CASE = rules({ reporterName: 'reveal', reporterPhone: 'reveal', partyName: 'full', minutes: 'full', sharedAttachments: 'masked' });
const VOLUNTEER_TIMELINE = rules({ reporterName: 'masked', reporterPhone: 'masked', partyName: 'full', minutes: 'full', sharedAttachments: 'masked' });
const LIST = rules({ reporterName: 'masked', reporterPhone: 'masked', partyName: 'masked' });
const NOTHING = HIDDEN;
/** Phones as the outbox shows them: masked, whoever they belong to; never a code. */
const OUTBOX = rules({ reporterName: 'masked', reporterPhone: 'masked', reporterOpenId: 'masked' });
/** The audit names who looked, and a searched phone only masked. */
const AUDIT = rules({ reporterPhone: 'masked' });
/** A 12345 system told us the reporter and reads them back, with the 提取码 it reads out to the caller; never the mediation record. */
const CLIENT = rules({ reporterName: 'full', reporterPhone: 'full', partyName: 'full', trackingCode: 'full', sharedAttachments: 'masked', formPersonal: 'full' });
const TRACKING = rules({ reporterName: 'masked', reporterPhone: 'masked', sharedAttachments: 'masked' });
/** Files' content: inside the jurisdiction all of them; a volunteer, the filing hotline and the resident only those shared. */
const ALL_FILES = rules({ attachments: 'full', sharedAttachments: 'full' });
const SHARED_FILES = rules({ sharedAttachments: 'full' });
/** A roster: its 联户长 and those above ask to see a household's phone (each time audited); leaders see it masked. */
const HOUSEHOLD_STAFF = rules({ householdPhone: 'reveal' });
const HOUSEHOLD_LEADER = rules({ householdPhone: 'masked' });
/** 志愿者名册: those who keep the roster call volunteers; others see who serves, not how to reach them. */
const ROSTER_KEEPER = rules({ volunteerPhone: 'full' });
const ROSTER_READER = rules({ volunteerPhone: 'masked' });
/** 登记: the 回执 the registrar reads out or prints for the resident, once, in the answer to the registration. */
/** 议事厅: those who convene and read meetings see who sat at the table; the public page says only how many, and in what capacity. */
const DELIBERATION = rules({ participantName: 'full' });
const RECEIPT = rules({ reporterName: 'masked', reporterPhone: 'masked', partyName: 'full', trackingCode: 'full' });

export const PRIVACY_POLICY: Readonly<Record<View, Partial<Record<Audience, Rules>>>> = {
  case: { liaison: STAFF_CASE, mediator: STAFF_CASE, officer: STAFF_CASE, admin: STAFF_CASE, leader: LEADER_CASE, volunteer: VOLUNTEER_CASE },
  timeline: {
    liaison: STAFF_TIMELINE,
    mediator: STAFF_TIMELINE,
    officer: STAFF_TIMELINE,
    admin: STAFF_TIMELINE,
    leader: LEADER_TIMELINE,
    volunteer: VOLUNTEER_TIMELINE,
    client: CLIENT,
  },
  list: { liaison: LIST, mediator: LIST, officer: LIST, admin: LIST, leader: LIST, volunteer: LIST },
  export: { liaison: NOTHING, mediator: NOTHING, officer: NOTHING, admin: NOTHING, leader: NOTHING, volunteer: NOTHING },
  outbox: { admin: OUTBOX },
  audit: { officer: AUDIT, admin: AUDIT, leader: AUDIT },
  client: { client: CLIENT },
  receipt: { liaison: RECEIPT, mediator: RECEIPT, officer: RECEIPT, admin: RECEIPT },
  open311: { public: NOTHING },
  tracking: { public: TRACKING },
  deliberation: { liaison: DELIBERATION, mediator: DELIBERATION, officer: DELIBERATION, admin: DELIBERATION, leader: DELIBERATION },
  publicDeliberation: { public: NOTHING },
  roster: { liaison: ROSTER_READER, mediator: ROSTER_KEEPER, officer: ROSTER_KEEPER, admin: ROSTER_KEEPER, leader: ROSTER_READER },
  attachment: { liaison: ALL_FILES, mediator: ALL_FILES, officer: ALL_FILES, admin: ALL_FILES, leader: ALL_FILES, volunteer: SHARED_FILES, client: SHARED_FILES, public: SHARED_FILES },
  household: { liaison: HOUSEHOLD_STAFF, mediator: HOUSEHOLD_STAFF, officer: HOUSEHOLD_STAFF, admin: HOUSEHOLD_STAFF, leader: HOUSEHOLD_LEADER },
};

export function audienceOf(actor: Actor): Audience {
  switch (actor.kind) {
    case 'user':
      return actor.role;
    case 'client':
      return 'client';
    default:
      return 'public';
  }
}

/** The rules of a view for an audience; a view the audience has no row for shows it nothing personal. */
export function rulesFor(view: View, audience: Audience): Rules {
  return PRIVACY_POLICY[view][audience] ?? HIDDEN;
}

export type Shown = Readonly<Record<PersonalField, Exclude<Visibility, 'reveal'>>>;

/** What a request sees: `reveal` fields in full when it asked for them, masked otherwise. */
export function shownBy(r: Rules, reveal: boolean): Shown {
  return Object.fromEntries(PERSONAL_FIELDS.map(({ code }) => [code, r[code] === 'reveal' ? (reveal ? 'full' : 'masked') : r[code]])) as Shown;
}

/** The personal fields of a case that a reveal shows in full (those with a value): what the audit entry records. */
export function revealedFields(state: Pick<CaseState, 'reporter' | 'parties' | 'agreement' | 'center' | 'fields'>, r: Rules): PersonalField[] {
  const parties = [...state.parties, ...(state.agreement?.parties ?? [])];
  const has: Record<PersonalField, boolean> = {
    reporterName: Boolean(state.reporter.name),
    reporterPhone: Boolean(state.reporter.phone),
    reporterOpenId: Boolean(state.reporter.openId),
    partyName: parties.some((p) => p.name),
    partyPhone: parties.some((p) => p.phone),
    partyIdNumber: parties.some((p) => p.idNumber),
    partyAddress: parties.some((p) => p.address),
    minutes: false,
    internalNotes: false,
    trackingCode: false,
    attachments: false,
    sharedAttachments: false,
    participantName: false,
    householdPhone: false,
    volunteerPhone: false,
    formPersonal: Object.keys(state.fields ?? {}).some((code) => isPersonalFormField(state.center, code)),
  };
  return PERSONAL_FIELDS.map((f) => f.code).filter((code) => r[code] === 'reveal' && has[code]);
}

export function maskIdNumber(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  return id.length > 7 ? `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}` : '****';
}

/** The first third of an address, enough to tell the compound, not the door. */
export function maskAddress(address: string | undefined): string | undefined {
  if (address === undefined || address.length === 0) return address;
  const chars = [...address];
  return `${chars.slice(0, Math.ceil(chars.length / 3)).join('')}***`;
}

/** What a masked personal form field shows: that it was filled in, not what it says (free text has no safe part). */
export const MASKED_FORM_TEXT = '（已隐去）';

/** Whether a form field is personal; one no centre declares any more is treated as personal. */
export function isPersonalFormField(center: string, code: string): boolean {
  const def = fieldDef(center, code);
  return def === undefined || def.personal === true;
}

/** A case's form as a view shows it: personal fields as `formPersonal` says, the rest as filed. */
export function protectFields(center: string, fields: FieldValues | undefined, s: Shown): FieldValues | undefined {
  if (fields === undefined) return undefined;
  const shown = Object.entries(fields).flatMap(([code, value]): [string, string | number][] => {
    if (!isPersonalFormField(center, code) || s.formPersonal === 'full') return [[code, value]];
    return s.formPersonal === 'masked' ? [[code, MASKED_FORM_TEXT]] : [];
  });
  return shown.length > 0 ? Object.fromEntries(shown) : undefined;
}

/** An opaque id (a WeChat openId) cut to its ends. */
export function maskOpaque(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  return id.length > 8 ? `${id.slice(0, 4)}***${id.slice(-4)}` : '***';
}

function apply(shown: Exclude<Visibility, 'reveal'>, value: string | undefined, mask: (v: string | undefined) => string | undefined): string | undefined {
  if (value === undefined || shown === 'hidden') return undefined;
  return shown === 'full' ? value : mask(value);
}

/** Fields left undefined are dropped from the object, so a hidden field is absent, not `null`. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function protectReporter(reporter: Reporter, s: Shown): Reporter {
  return defined({
    name: apply(s.reporterName, reporter.name, maskName),
    phone: apply(s.reporterPhone, reporter.phone, maskPhone),
    openId: apply(s.reporterOpenId, reporter.openId, maskOpaque),
  });
}

/** A party as shown; its role is always there (a hidden name still says who the party is in the matter). */
export function protectParty(party: Party, s: Shown): Partial<Party> & Pick<Party, 'role'> {
  return defined({
    name: apply(s.partyName, party.name, maskName),
    role: party.role,
    phone: apply(s.partyPhone, party.phone, maskPhone),
    idNumber: apply(s.partyIdNumber, party.idNumber, maskIdNumber),
    address: apply(s.partyAddress, party.address, maskAddress),
  });
}

/** How a file's visibility maps to the policy's field. */
const fileField = (a: Pick<Attachment, 'visibility'>): PersonalField => (a.visibility === 'shared' ? 'sharedAttachments' : 'attachments');

/** The files a view lists (`masked` or `full`): internal and shared ones each as the policy says. */
export function visibleAttachments<T extends Pick<Attachment, 'visibility'>>(files: readonly T[] | undefined, s: Shown): T[] {
  return (files ?? []).filter((a) => s[fileField(a)] !== 'hidden');
}

/** A requested file as a timeline shows it: what it is, never where it is fetched from (provider URLs carry credentials). */
function describeRequest({ source, ...rest }: MediaRequest) {
  return { ...rest, from: source.kind };
}

/** The personal parts of a case as a view shows them; everything else as it is. */
export function protectCase(state: CaseState, s: Shown) {
  const { trackingCode, reporter, parties, sessions, agreement, attachments, fields, ...rest } = state;
  const files = visibleAttachments(attachments, s);
  const form = protectFields(state.center, fields, s);
  return {
    ...rest,
    ...(files.length > 0 ? { attachments: files } : {}),
    ...(form ? { fields: form } : {}),
    ...(s.trackingCode === 'full' ? { trackingCode } : {}),
    reporter: protectReporter(reporter, s),
    parties: parties.map((p) => protectParty(p, s)),
    sessions: sessions.map(({ minutes, ...session }): Session => (s.minutes === 'full' ? { ...session, minutes } : session)),
    ...(agreement ? { agreement: { ...agreement, parties: agreement.parties.map((p) => protectParty(p, s)) } } : {}),
  };
}

/** An event as a view shows it, or undefined when the whole event is one the view hides (an internal note). */
export function protectEvent(event: CaseEvent, s: Shown): CaseEvent | undefined {
  switch (event.type) {
    case 'noted':
      return event.data.visibility === 'internal' && s.internalNotes !== 'full' ? undefined : event;
    case 'contacted':
      return s.internalNotes === 'full' ? event : undefined;
    case 'fields_set': {
      // A personal field's change says that it changed, its values as `formPersonal` says (hidden: neither).
      const changes = event.data.changes.map((c) => {
        if (!isPersonalFormField(event.data.center, c.code) || s.formPersonal === 'full') return c;
        const mask = (v: FieldValue | undefined) => (v === undefined || s.formPersonal !== 'masked' ? undefined : MASKED_FORM_TEXT);
        return { code: c.code, ...(mask(c.from) ? { from: mask(c.from) } : {}), ...(mask(c.to) ? { to: mask(c.to) } : {}) };
      });
      return { ...event, data: { ...event.data, changes } };
    }
    case 'received': {
      const { trackingCode, reporter, parties, media, fields, ...data } = event.data;
      const files = visibleAttachments(media, s);
      const form = protectFields(data.center, fields, s);
      return {
        ...event,
        data: {
          ...data,
          ...(form ? { fields: form } : {}),
          ...(s.trackingCode === 'full' ? { trackingCode } : {}),
          reporter: protectReporter(reporter, s),
          parties: parties.map((p) => protectParty(p, s)),
          ...(files.length > 0 ? { media: files.map(describeRequest) } : {}),
        },
      } as CaseEvent;
    }
    case 'media_requested': {
      const files = visibleAttachments(event.data.media, s);
      return files.length === 0 ? undefined : ({ ...event, data: { media: files.map(describeRequest) } } as unknown as CaseEvent);
    }
    case 'attached':
      return s[fileField(event.data)] === 'hidden' ? undefined : event;
    case 'media_failed':
      // Which file failed says nothing personal; those who see files see it.
      return s.attachments === 'hidden' && s.sharedAttachments === 'hidden' ? undefined : event;
    case 'party_added':
      return { ...event, data: protectParty(event.data, s) } as CaseEvent;
    case 'agreement_recorded':
      return { ...event, data: { ...event.data, parties: event.data.parties.map((p) => protectParty(p, s)) } } as CaseEvent;
    case 'minutes_recorded':
      return s.minutes === 'full' ? event : ({ ...event, data: { sessionId: event.data.sessionId } } as CaseEvent);
    default:
      return event;
  }
}

/** A topic (议事) as a view shows it: participants' names by the policy, their capacity always. */
export function protectTopic<T extends { readonly participants: readonly Participant[] }>(topic: T, s: Shown): Omit<T, 'participants'> & { participants: { name?: string; role: Participant['role'] }[] } {
  return { ...topic, participants: topic.participants.map((p) => defined({ name: apply(s.participantName, p.name, maskName), role: p.role })) };
}

/** Codes in a message (提取码 in a 回执, 验证码 in a phone check) are credentials: a view that hides them shows `******`. */
const CODE_IN_TEXT = /(提取码|验证码)([\s:：为是]*)(\d{4,8})/g;

export function protectText(text: string, s: Shown): string {
  return s.trackingCode === 'full' ? text : text.replace(CODE_IN_TEXT, (_m, word: string, sep: string) => `${word}${sep}******`);
}

/** A message as it may be kept: its codes cut out (the outbox stores what it sent this way; the code went to the person only). */
export function withoutCodes(text: string): string {
  return protectText(text, shownBy(HIDDEN, false));
}

/** A household of a roster as the view shows it: its phone as the rules say, the rest as kept (the 联户长 knows the door). */
export function protectHousehold<T extends { readonly phone?: string }>(household: T, s: Shown): T {
  return defined({ ...household, phone: apply(s.householdPhone, household.phone, maskPhone) });
}

/** A volunteer's phone as the roster view shows it. */
export function protectVolunteerPhone(phone: string | undefined, s: Shown): string | undefined {
  return apply(s.volunteerPhone, phone, maskPhone);
}

/** A phone or an openId a message went to, as the view shows it. */
export function protectAddress(to: string, channel: string, s: Shown): string | undefined {
  return channel === 'wechat' ? apply(s.reporterOpenId, to, maskOpaque) : apply(s.reporterPhone, to, maskPhone);
}

/** The table as README prints it: one row per view and audience that has one, one column per field. */
export function privacyTable(): string {
  const cell: Record<Visibility, string> = { full: 'full', reveal: 'reveal', masked: 'masked', hidden: '—' };
  const head = `| view | audience | ${PERSONAL_FIELDS.map((f) => `${f.name} \`${f.code}\``).join(' | ')} |`;
  const rule = `|${' --- |'.repeat(PERSONAL_FIELDS.length + 2)}`;
  const rows = VIEWS.flatMap(({ code: view }) =>
    AUDIENCES.flatMap((audience) => {
      const r = PRIVACY_POLICY[view][audience];
      return r ? [`| ${view} | ${audience} | ${PERSONAL_FIELDS.map((f) => cell[r[f.code]]).join(' | ')} |`] : [];
    }),
  );
  return [head, rule, ...rows].join('\n');
}
