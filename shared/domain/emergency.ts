/**
 * Emergency signposting: a resident whose words name violence, a fire, a
 * medical emergency or a self-harm crisis is told, first, the number to call
 * (110, 119, 120, the local crisis hotline) — a case system must never stand
 * between a resident and them. The signs are data, editable by the top unit's
 * admin (configuration `emergency`); the matching is a plain substring test,
 * with per-sign phrases that contain a sign but are not one ("火灾隐患" is a
 * complaint, not a fire; "拨打人民调解热线" contains 打人), so a mediator can
 * predict it.
 */

export const EMERGENCY_SERVICES = [
  { code: 'police', name: '报警', number: '110' },
  { code: 'fire', name: '火警', number: '119' },
  { code: 'medical', name: '急救', number: '120' },
  { code: 'crisis', name: '心理援助热线', number: '12356' },
] as const;
export type EmergencyService = (typeof EMERGENCY_SERVICES)[number]['code'];
export const EMERGENCY_SERVICE_CODES = EMERGENCY_SERVICES.map((s) => s.code) as [EmergencyService, ...EmergencyService[]];

export interface EmergencySign {
  readonly term: string;
  readonly service: EmergencyService;
  /** Phrases containing the term that are not the emergency; the term must appear outside them. */
  readonly unless?: readonly string[];
}

export interface EmergencyPolicy {
  readonly signs: readonly EmergencySign[];
  /** The local mental-health crisis hotline (the national 12356 unless the township sets its own). */
  readonly crisisHotline: string;
}

/** What a resident is told to call, in the order of EMERGENCY_SERVICES. */
export interface Signpost {
  readonly service: EmergencyService;
  readonly name: string;
  readonly number: string;
  /** The signs found in the text. */
  readonly terms: readonly string[];
}

const sign = (service: EmergencyService, terms: readonly string[], unless: Readonly<Record<string, readonly string[]>> = {}): EmergencySign[] =>
  terms.map((term) => (unless[term] ? { term, service, unless: unless[term] } : { term, service }));

export const DEFAULT_EMERGENCY_POLICY: EmergencyPolicy = {
  signs: [
    ...sign('police', ['家暴', '家庭暴力', '打人', '殴打', '持刀', '动刀', '砍人', '杀人', '抢劫', '绑架'], {
      打人: ['打人民', '打人工', '打人社', '打人口'],
    }),
    ...sign('fire', ['着火', '火灾', '起火', '失火', '燃气泄漏', '煤气泄漏'], {
      火灾: ['火灾隐患', '火灾演练', '预防火灾', '防范火灾', '火灾风险'],
    }),
    ...sign('medical', ['晕倒', '昏倒', '昏迷', '流血', '出血', '不省人事', '呼吸困难', '抽搐', '中毒'], {
      出血: ['出血点'],
      中毒: ['中毒性'],
    }),
    ...sign('crisis', ['想不开', '自杀', '轻生', '不想活', '寻死', '跳楼', '割腕']),
  ],
  crisisHotline: EMERGENCY_SERVICES[3].number,
};

/** Width-folded, without spaces: "着 火", "１１０" and "着火" read alike. */
const normalize = (text: string) => text.normalize('NFKC').replace(/\s+/g, '');

function matches(text: string, s: EmergencySign): boolean {
  let rest = text;
  for (const phrase of s.unless ?? []) rest = rest.split(normalize(phrase)).join('|');
  return rest.includes(normalize(s.term));
}

/** The services a text calls for, each with its number and the signs found; empty when none. */
export function signposts(text: string, policy: EmergencyPolicy): Signpost[] {
  const said = normalize(text);
  const found = policy.signs.filter((s) => matches(said, s));
  return EMERGENCY_SERVICES.flatMap((service) => {
    const terms = [...new Set(found.filter((s) => s.service === service.code).map((s) => s.term))];
    if (terms.length === 0) return [];
    const number = service.code === 'crisis' ? policy.crisisHotline : service.number;
    return [{ service: service.code, name: service.name, number, terms }];
  });
}

/** The line that goes first in the reply: "如遇紧急情况，请立即拨打：110（报警）、120（急救）。" */
export function signpostLine(posts: readonly Pick<Signpost, 'name' | 'number'>[]): string {
  return `如遇紧急情况，请立即拨打：${posts.map((p) => `${p.number}（${p.name}）`).join('、')}。`;
}
