/**
 * What a resident's SMS or WeChat text means, and what we say back. Shared by
 * every text channel so a command works the same whichever way it arrives.
 */
import { CENTERS, STATUSES, type CaseStatus, type CenterCode } from '../domain/registry.ts';
import { normalizeTrackingNo } from '../domain/tracking.ts';

export type ResidentCommand =
  | { readonly kind: 'status'; readonly trackingNo: string }
  | { readonly kind: 'withdraw'; readonly trackingNo: string }
  | { readonly kind: 'help'; readonly reason?: string }
  /** 退订 (or TD): no more 宣传 notices to this phone or WeChat. */
  | { readonly kind: 'unsubscribe' }
  | { readonly kind: 'new'; readonly text: string };

// "cx" only on its own: "cxk..." is a word, not the command.
const STATUS_WORDS = /^(?:查询|cx(?![a-z]))\s*[:：]?\s*(.*)$/is;
const WITHDRAW_WORDS = /^撤回\s*[:：]?\s*(.*)$/s;
const HELP_WORDS = new Set(['帮助', 'help', '?', '菜单']);
// The opt-out words SMS senders in China are bound to honour.
const UNSUBSCRIBE_WORDS = new Set(['退订', 'td', '取消订阅']);
// What an attempt at a tracking number looks like (letters, digits, spaces, dashes).
const NUMBER_ATTEMPT = /^[a-z0-9\s-]+$/i;

export function parseCommand(raw: string): ResidentCommand {
  const text = raw.trim();
  // NFKC folds full-width letters, digits, spaces and ？ to ASCII, as phones type them.
  const folded = text.normalize('NFKC').trim();
  if (folded === '') return { kind: 'help', reason: '内容为空' };
  if (HELP_WORDS.has(folded.toLowerCase())) return { kind: 'help' };
  if (UNSUBSCRIBE_WORDS.has(folded.toLowerCase().replace(/[。.!！\s]+$/u, ''))) return { kind: 'unsubscribe' };

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
  unsubscribed: (): string => '已退订，今后不再向您发送宣传通知。反映问题请直接发送内容。',
} as const;
