/**
 * Pure rules of a resident's conversation on WeChat or SMS, beyond the
 * commands of commands.ts: who owns a case, a phone number told to link
 * WeChat with SMS, a 回访 answer, and the texts we send back.
 */
import type { CaseState } from '../domain/case.ts';
import { OPEN_STATUSES, type Satisfaction } from '../domain/registry.ts';
import { maskPhone } from '../domain/tracking.ts';

/** Who wrote: a WeChat openId, a phone number, or both once linked. */
export interface ResidentIdentity {
  readonly openId?: string;
  readonly phone?: string;
}

/** A resident may query, withdraw or locate only a case they reported (same openId or same phone). */
export function isReporter(state: Pick<CaseState, 'reporter'>, who: ResidentIdentity): boolean {
  return (
    (who.openId !== undefined && state.reporter.openId === who.openId) ||
    (who.phone !== undefined && state.reporter.phone === who.phone)
  );
}

const PHONE_LINK = /^(?:绑定|手机号码|手机号|手机|电话)?[:：]?(1[3-9]\d{9})$/;

/** A WeChat text that is only a mainland mobile number (optionally after 绑定/手机号/电话): the number. */
export function phoneToLink(text: string): string | undefined {
  const compact = text.normalize('NFKC').replace(/[\s-]/g, '');
  return PHONE_LINK.exec(compact)?.[1];
}

/** Digits of a phone-link code, and how long it lives and how often it may be tried. */
export const VERIFICATION = { digits: 6, validMinutes: 10, maxTries: 5 } as const;

const CODE_REPLY = /^(验证码|验证|校验码)?[:：]?(\d{6})$/;

/**
 * The answer to "reply with the code": `验证码 123456` (said so) or a bare
 * `123456` (which counts only while a code is pending, else it is a matter
 * like any other text).
 */
export function verificationCodeOf(text: string): { readonly code: string; readonly said: boolean } | undefined {
  const m = CODE_REPLY.exec(text.normalize('NFKC').replace(/[\s-]/g, ''));
  return m?.[2] === undefined ? undefined : { code: m[2], said: m[1] !== undefined };
}

const ADDRESS_NOISE = /[\s\p{P}\p{S}]/gu;
const ADDRESS_LEAD = /^(?:我家在|我家住|我住在|我住|住在|我在|在|位于|地址[是为]?)/;
const HOUSE_NUMBER = /[0-9一二三四五六七八九十百零〇]+(?:号楼|号|室|单元|楼|层|门|户|栋|幢|座)?/g;

/**
 * Whether a text is only an address naming these units (e.g. "阳光小区3栋", "我住阳光小区3栋2单元502"):
 * the answer to "which building?", not a new matter that happens to mention a place.
 */
export function isAddressOnly(text: string, unitNames: readonly string[]): boolean {
  let rest = text.normalize('NFKC').replace(ADDRESS_NOISE, '');
  for (const name of [...unitNames].sort((a, b) => b.length - a.length)) rest = rest.replace(name.replace(ADDRESS_NOISE, ''), '');
  rest = rest.replace(ADDRESS_LEAD, '').replace(HOUSE_NUMBER, '');
  return rest.length <= 2;
}

const SATISFACTION_WORDS: Readonly<Record<string, Satisfaction>> = {
  满意: 'satisfied',
  非常满意: 'satisfied',
  基本满意: 'basically_satisfied',
  不满意: 'dissatisfied',
};

/** The 回访 answer the resolution notice asks for ("满意""基本满意""不满意"), or undefined. */
export function satisfactionOf(text: string): Satisfaction | undefined {
  const compact = text.normalize('NFKC').replace(/[\s。.!！"“”]/g, '');
  return Object.hasOwn(SATISFACTION_WORDS, compact) ? SATISFACTION_WORDS[compact] : undefined;
}

/** The case a 回访 answer is about: the newest resolved or closed one not yet followed up since it was resolved. */
export function awaitingFollowUp<T extends Pick<CaseState, 'status' | 'resolution' | 'followUp' | 'updatedAt'>>(cases: readonly T[]): T | undefined {
  return [...cases]
    .filter(
      (c) =>
        (c.status === 'resolved' || c.status === 'closed') &&
        c.resolution !== undefined &&
        (c.followUp === undefined || c.followUp.at < c.resolution.at),
    )
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
}

/** The newest open case among `cases`. */
export function newestOpen<T extends Pick<CaseState, 'status' | 'createdAt'>>(cases: readonly T[]): T | undefined {
  return [...cases].filter((c) => OPEN_STATUSES.includes(c.status)).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
}

export const residentReplies = {
  welcome: (): string => '欢迎关注！直接发送您要反映的问题即可登记诉求；回复“查询 编号”查看进度，回复“撤回 编号”撤回诉求。',
  unsupported: (): string => '暂时只能接收文字、图片、语音和位置消息。请用文字描述您要反映的问题。',
  mediaAdded: (trackingNo: string): string => `已收到，文件将添加到诉求 ${trackingNo}。`,
  mediaFiled: (): string => '已收到您发来的文件。请再发一段文字，说明您要反映的问题。',
  mediaRefused: (): string => '抱歉，这个文件无法接收（只能接收照片、录音和 PDF，每个不超过10MB）。请用文字描述您要反映的问题。',
  tooManyFiles: (trackingNo: string, max: number): string => `诉求 ${trackingNo} 最多可添加 ${max} 个文件，已经满了。如需补充，请用文字说明。`,
  cannotAddFiles: (trackingNo: string, statusName: string): string => `诉求 ${trackingNo} 当前状态：${statusName}，不能再添加文件。`,
  tooLong: (max: number): string => `内容过长，请分条发送，每条不超过${max}字。`,
  located: (trackingNo: string, place: string): string => `已记录诉求 ${trackingNo} 的位置：${place}。`,
  stillNeedBuilding: (place: string): string => `已记录：${place}。请再回复您所在的楼栋，例如：阳光小区3栋`,
  noOpenCase: (): string => '您目前没有在办的诉求。请先用文字描述您要反映的问题，再发送位置。',
  cannotWithdraw: (trackingNo: string, statusName: string): string => `编号 ${trackingNo} 当前状态：${statusName}，无法撤回。`,
  phoneLinked: (phone: string): string => `已绑定手机号 ${maskPhone(phone) ?? ''}。您通过短信和微信反映的诉求将合并查看。`,
  codeSent: (phone: string): string =>
    `验证码已通过短信发送至 ${maskPhone(phone) ?? ''}，请在${VERIFICATION.validMinutes}分钟内回复“验证码 六位数字”完成绑定。绑定前，这个号码不能查询或撤回任何诉求。`,
  codeSms: (code: string): string => `【矛调通】验证码 ${code}，${VERIFICATION.validMinutes}分钟内有效，用于在微信中绑定本手机号。如非本人操作，请勿告诉他人并忽略本短信。`,
  codeWrong: (left: number): string => (left > 0 ? `验证码不正确，还可以再试 ${left} 次。` : '验证码不正确，本次验证码已失效，请重新发送手机号获取新的验证码。'),
  codeExpired: (): string => '验证码已失效或尝试次数已用完，请重新发送手机号获取新的验证码。',
  tooManyCodes: (minutes: number): string => `获取验证码过于频繁，请 ${minutes} 分钟后再试。`,
  thanks: (trackingNo: string): string => `感谢您对诉求 ${trackingNo} 的评价。`,
  alreadyRated: (trackingNo: string): string => `诉求 ${trackingNo} 已收到您的评价，无需重复评价。`,
  reopened: (trackingNo: string): string => `已收到您的评价，诉求 ${trackingNo} 将重新办理。`,
  nothingToRate: (): string => '没有待评价的诉求。直接发送您要反映的问题即可登记诉求。',
} as const;
