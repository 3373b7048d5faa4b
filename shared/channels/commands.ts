/**
 * What a resident's SMS or WeChat text means, and what we say back. Shared by
 * every text channel so a command works the same whichever way it arrives.
 */
import { CENTERS, STATUSES, type CaseStatus, type CenterCode } from '../domain/registry.ts';
import { normalizeTrackingNo } from '../domain/tracking.ts';
import { VOLUNTEER_KINDS, type Menu, type VolunteerKind } from '../domain/volunteers.ts';

export type ResidentCommand =
  | { readonly kind: 'status'; readonly trackingNo: string }
  | { readonly kind: 'withdraw'; readonly trackingNo: string }
  | { readonly kind: 'help'; readonly reason?: string }
  /** 退订 (or TD): no more 宣传 notices to this phone or WeChat. */
  | { readonly kind: 'unsubscribe' }
  /** 点单 alone: the menu of the resident's community. */
  | { readonly kind: 'menu' }
  /** 点单 <number or service name> <words>: an order; `choice` is checked against the menu by the caller. */
  | { readonly kind: 'order'; readonly choice: string; readonly words: string }
  /** 报到 姓名 社区 特长1、特长2 服务时间 [身份]: `place` is matched to a unit by the caller. */
  | { readonly kind: 'register'; readonly name: string; readonly place: string; readonly skills: readonly string[]; readonly availability: string; readonly volunteerKind: VolunteerKind }
  /** 报到 not in its format: the answer says the format. */
  | { readonly kind: 'registerFormat'; readonly reason?: string }
  | { readonly kind: 'new'; readonly text: string };

// "cx" only on its own: "cxk..." is a word, not the command.
const STATUS_WORDS = /^(?:查询|cx(?![a-z]))\s*[:：]?\s*(.*)$/is;
const WITHDRAW_WORDS = /^撤回\s*[:：]?\s*(.*)$/s;
const HELP_WORDS = new Set(['帮助', 'help', '?', '菜单']);
// The opt-out words SMS senders in China are bound to honour.
const UNSUBSCRIBE_WORDS = new Set(['退订', 'td', '取消订阅']);
// What an attempt at a tracking number looks like (letters, digits, spaces, dashes).
const NUMBER_ATTEMPT = /^[a-z0-9\s-]+$/i;

// 点单 / 报到 only as a word of their own: "报到处排队太久" is a matter, not the command.
const ORDER_WORDS = /^点单(?:\s*[:：]\s*|\s+|$|(?=\d))(.*)$/s;
const REGISTER_WORDS = /^报到(?:\s*[:：]\s*|\s+|$)(.*)$/s;
const SKILL_SEPARATORS = /[、,，/;；]+/;
/** What the 报到 form allows (shared/contract/volunteers.ts), so a message passes where the page would. */
export const REGISTER_LIMITS = { name: 30, place: 60, skill: 20, skills: 10, availability: 200 } as const;
const KIND_WORDS: ReadonlyMap<string, VolunteerKind> = new Map([
  ...VOLUNTEER_KINDS.map((k) => [k.name, k.code] as const),
  ['群众', 'resident'],
]);

/** `报到 张三 阳光社区 水电维修、陪诊 周末全天 [党员|干部|群众]`; the 身份 defaults to 党员. */
function parseRegister(rest: string): ResidentCommand {
  const words = rest.split(/\s+/).filter(Boolean);
  if (words.length === 0) return { kind: 'registerFormat' };
  const last = words.at(-1) as string;
  const volunteerKind = KIND_WORDS.get(last);
  if (volunteerKind !== undefined) words.pop();
  const [name, place, skillText, ...time] = words;
  const availability = time.join(' ');
  if (name === undefined || place === undefined || skillText === undefined || availability === '') return { kind: 'registerFormat', reason: '内容不全' };
  const skills = skillText.split(SKILL_SEPARATORS).filter(Boolean);
  const L = REGISTER_LIMITS;
  if ([...name].length > L.name) return { kind: 'registerFormat', reason: `姓名不超过${L.name}字` };
  if ([...place].length > L.place) return { kind: 'registerFormat', reason: `社区名称不超过${L.place}字` };
  if (skills.length === 0 || skills.length > L.skills || skills.some((x) => [...x].length > L.skill)) {
    return { kind: 'registerFormat', reason: `特长写1至${L.skills}项，每项不超过${L.skill}字，用顿号分隔` };
  }
  if ([...availability].length > L.availability) return { kind: 'registerFormat', reason: `服务时间不超过${L.availability}字` };
  return { kind: 'register', name, place, skills, availability, volunteerKind: volunteerKind ?? 'party_member' };
}

export function parseCommand(raw: string): ResidentCommand {
  const text = raw.trim();
  // NFKC folds full-width letters, digits, spaces and ？ to ASCII, as phones type them.
  const folded = text.normalize('NFKC').trim();
  if (folded === '') return { kind: 'help', reason: '内容为空' };
  if (HELP_WORDS.has(folded.toLowerCase())) return { kind: 'help' };
  if (UNSUBSCRIBE_WORDS.has(folded.toLowerCase().replace(/[。.!！\s]+$/u, ''))) return { kind: 'unsubscribe' };

  const order = ORDER_WORDS.exec(folded);
  if (order) {
    const rest = (order[1] ?? '').trim();
    if (rest === '') return { kind: 'menu' };
    const numbered = /^(\d+)[.、]?\s*(.*)$/s.exec(rest);
    const [choice, words] = numbered ? [numbered[1] as string, numbered[2] as string] : [rest.split(/\s/, 1)[0] as string, rest.slice(rest.split(/\s/, 1)[0]?.length ?? 0)];
    return { kind: 'order', choice, words: words.trim() };
  }
  const register = REGISTER_WORDS.exec(folded);
  if (register) return parseRegister((register[1] ?? '').trim());

  for (const [pattern, kind] of [
    [STATUS_WORDS, 'status'],
    [WITHDRAW_WORDS, 'withdraw'],
  ] as const) {
    const match = pattern.exec(folded);
    if (!match) continue;
    const rest = (match[1] ?? '').trim();
    if (rest === '') return { kind: 'help', reason: '请在指令后附上编号' };
    // "查询低保政策" is a question, not a command: only a number-like rest is one.
    if (!NUMBER_ATTEMPT.test(rest)) break;
    const trackingNo = normalizeTrackingNo(rest);
    if (trackingNo === undefined) return { kind: 'help', reason: `编号“${rest}”不正确` };
    return { kind, trackingNo };
  }
  return { kind: 'new', text };
}

/**
 * Which centre a text most likely belongs to: the one with the most keyword
 * occurrences, ties to the earlier centre in the registry, and 民声收集
 * (the catch-all for complaints) when nothing matches.
 */
export function guessCenter(text: string): CenterCode {
  let best: CenterCode = 'voice';
  let bestHits = 0;
  for (const center of CENTERS) {
    const hits = center.keywords.reduce((n, word) => n + text.split(word).length - 1, 0);
    if (hits > bestHits) {
      best = center.code;
      bestHits = hits;
    }
  }
  return best;
}

const HOW_TO = '回复“查询 编号”查看进度，回复“撤回 编号”撤回诉求。';

export const replies = {
  receipt: (trackingNo: string, trackingCode: string): string =>
    `您的诉求已受理，编号 ${trackingNo}，提取码 ${trackingCode}。请妥善保存，${HOW_TO}`,
  status: (trackingNo: string, status: CaseStatus): string =>
    `编号 ${trackingNo} 当前状态：${STATUSES.find((s) => s.code === status)?.name ?? status}。`,
  withdrawn: (trackingNo: string): string => `编号 ${trackingNo} 的诉求已撤回。`,
  notFound: (trackingNo: string): string => `未找到编号 ${trackingNo} 的诉求，请核对后重试。`,
  help: (reason?: string): string => `${reason ? `${reason}。` : ''}直接发送您要反映的问题即可登记诉求；${HOW_TO}`,
  askForBuilding: (): string => '请回复您所在的小区和楼栋，例如：阳光小区3栋',
  /** The menu as numbered lines, and how to order. */
  menu: (menu: Menu, reason?: string): string =>
    [
      ...(reason ? [reason] : []),
      '可点单的服务：',
      ...menu.items.map((item, i) => `${i + 1}. ${item.name}${item.description ? `（${item.description}）` : ''}`),
      '回复“点单 序号 说明”即可点单，例如：点单 1 周二上午需要帮忙。',
    ].join('\n'),
  registerFormat: (reason?: string): string =>
    `${reason ? `${reason}。` : ''}报到格式：报到 姓名 居住社区 特长（多项用顿号分隔） 可服务时间 [党员/干部/群众]，例如：报到 张三 幸福社区 水电维修、陪诊 周末全天 党员`,
  registered: (name: string, community: string, again: boolean): string =>
    again ? `${name}，您已向${community}报到过，请等待社区审核。` : `${name}，您已向${community}报到，社区审核通过后将联系您。`,
  registerNeedsPhone: (): string => '报到需要核实您的手机号：请先回复“手机号 您的手机号”完成绑定，再发送报到信息。',
  registerNoCommunity: (place: string): string => `未找到社区“${place}”，请写您居住的社区名称，例如：报到 张三 幸福社区 水电维修 周末全天`,
  unsubscribed: (): string => '已退订，今后不再向您发送宣传通知。反映问题请直接发送内容。',
} as const;
