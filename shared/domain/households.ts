/**
 * 联户: the households a 联户长 links, their 走访 (visits), and the 宣传
 * notices sent to a unit's households. Pure: records, who may see them, and
 * the statistics folded from them. Who sees them is in access.ts.
 */

/** The six duties of a 联户长; a visit is filed under one of them. */
export const DUTIES = [
  { code: 'policy', name: '政策法规宣传员' },
  { code: 'opinion', name: '社情民意收集员' },
  { code: 'dispute', name: '矛盾纠纷排解员' },
  { code: 'safety', name: '社会治安防范员' },
  { code: 'civility', name: '文明新风倡导员' },
  { code: 'building', name: '共同缔造带动员' },
] as const;
export type Duty = (typeof DUTIES)[number]['code'];
export const DUTY_CODES = DUTIES.map((d) => d.code) as [Duty, ...Duty[]];

/** Notes a roster keeps on a household, as 联户长 write them. */
export const HOUSEHOLD_TAGS = ['独居老人', '困难户', '留守儿童', '残疾人', '重点关注'] as const;

export interface Household {
  readonly id: string;
  /** The 楼栋 / 湾落 the household lives in. */
  readonly unitId: string;
  /** The 联户长 (account username) who links it. */
  readonly liaisonId: string;
  readonly address: string;
  readonly head: string;
  readonly phone?: string;
  readonly people: number;
  readonly notes?: string;
  readonly updatedAt: string;
}

export interface Visit {
  readonly id: string;
  readonly householdId: string;
  readonly unitId: string;
  readonly liaisonId: string;
  /** China date of the visit (yyyy-mm-dd). */
  readonly date: string;
  readonly summary: string;
  readonly duty: Duty;
  /** 就地化解: the matter met on the visit was settled there by the 联户长. */
  readonly settled: boolean;
  /** The case raised from the visit, if one was. */
  readonly caseId?: string;
  readonly at: string;
}

/** A notice goes out at most this many times a day per unit: households are not to be flooded. */
export const NOTICE_DAILY_LIMIT = 3;
export const NOTICE_KINDS = [
  { code: 'policy', name: '政策宣传' },
  { code: 'safety', name: '安全提示' },
  { code: 'meeting', name: '会议通知' },
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number]['code'];
export const NOTICE_KIND_CODES = NOTICE_KINDS.map((k) => k.code) as [NoticeKind, ...NoticeKind[]];

/** The text a household receives: the kind, the words, and how to stop them (退订 is honoured by the channels). */
export function noticeText(kind: NoticeKind, unitName: string, text: string): string {
  const name = NOTICE_KINDS.find((k) => k.code === kind)?.name ?? '通知';
  return `【${unitName}${name}】${text} 回复“退订”不再接收。`;
}

export interface LiaisonStats {
  readonly liaisonId: string;
  /** Households on the roster. */
  readonly households: number;
  /** Households visited at least once in the month. */
  readonly householdsVisited: number;
  readonly visits: number;
  /** Matters met on visits: raised as cases or settled on the spot. */
  readonly matters: number;
  /** Of those, settled on the spot by the 联户长 (就地化解). */
  readonly settled: number;
}

export interface HouseholdStats {
  readonly month: string;
  readonly total: Omit<LiaisonStats, 'liaisonId'>;
  readonly byLiaison: readonly LiaisonStats[];
  /** The same per building. */
  readonly byUnit: readonly (Omit<LiaisonStats, 'liaisonId'> & { readonly unitId: string })[];
}

const isMatter = (v: Pick<Visit, 'settled' | 'caseId'>) => v.settled || v.caseId !== undefined;

function tally(households: readonly Pick<Household, 'id'>[], visits: readonly Visit[]): Omit<LiaisonStats, 'liaisonId'> {
  return {
    households: households.length,
    householdsVisited: new Set(visits.map((v) => v.householdId)).size,
    visits: visits.length,
    matters: visits.filter(isMatter).length,
    settled: visits.filter((v) => v.settled).length,
  };
}

/** Statistics of a month (`yyyy-mm`, China dates) over a set of households and their visits. */
export function householdStats(month: string, households: readonly Household[], allVisits: readonly Visit[]): HouseholdStats {
  const ids = new Set(households.map((h) => h.id));
  const visits = allVisits.filter((v) => v.date.startsWith(`${month}-`) && ids.has(v.householdId));
  const group = <K extends string>(key: (x: Pick<Household, 'unitId' | 'liaisonId'>) => K) => {
    const keys = [...new Set([...households.map(key), ...visits.map(key)])].sort();
    return keys.map((k) => ({
      k,
      ...tally(
        households.filter((h) => key(h) === k),
        visits.filter((v) => key(v) === k),
      ),
    }));
  };
  return {
    month,
    total: tally(households, visits),
    byLiaison: group((x) => x.liaisonId).map(({ k, ...t }) => ({ liaisonId: k, ...t })),
    byUnit: group((x) => x.unitId).map(({ k, ...t }) => ({ unitId: k, ...t })),
  };
}
