/**
 * Risk signs in a resident's words (violence, self-harm, wage arrears of many
 * workers, crowds gathering…). The list is data, editable in the table; the
 * matching is a plain substring test so that a mediator can predict it.
 */
import { RISK_CODES, type RiskLevel } from './registry.ts';
import type { Risk } from './case.ts';

export interface RiskTerm {
  readonly term: string;
  readonly level: RiskLevel;
}

export interface RiskPolicy {
  readonly terms: readonly RiskTerm[];
}

export const DEFAULT_RISK_POLICY: RiskPolicy = {
  terms: [
    { term: '自杀', level: 'red' },
    { term: '轻生', level: 'red' },
    { term: '不想活', level: 'red' },
    { term: '跳楼', level: 'red' },
    { term: '杀人', level: 'red' },
    { term: '动刀', level: 'red' },
    { term: '持刀', level: 'red' },
    { term: '纵火', level: 'red' },
    { term: '同归于尽', level: 'red' },
    { term: '打人', level: 'orange' },
    { term: '殴打', level: 'orange' },
    { term: '暴力', level: 'orange' },
    { term: '家暴', level: 'orange' },
    { term: '集体欠薪', level: 'orange' },
    { term: '农民工工资', level: 'orange' },
    { term: '讨薪', level: 'orange' },
    { term: '聚集', level: 'orange' },
    { term: '围堵', level: 'orange' },
    { term: '堵路', level: 'orange' },
    { term: '群体', level: 'orange' },
    { term: '拉横幅', level: 'orange' },
    { term: '上访', level: 'yellow' },
    { term: '威胁', level: 'yellow' },
    { term: '报复', level: 'yellow' },
    { term: '燃气泄漏', level: 'yellow' },
  ],
};

export function riskRank(level: RiskLevel): number {
  return RISK_CODES.length - RISK_CODES.indexOf(level);
}

/** The highest-ranked level among matched terms and an explicit flag from the hotline. */
export function assessRisk(text: string, policy: RiskPolicy, flagged?: RiskLevel): Risk | undefined {
  const matched = policy.terms.filter((t) => text.includes(t.term));
  const fromText = matched.reduce<RiskLevel | undefined>(
    (best, t) => (best === undefined || riskRank(t.level) > riskRank(best) ? t.level : best),
    undefined,
  );
  if (flagged !== undefined && (fromText === undefined || riskRank(flagged) >= riskRank(fromText))) {
    return { level: flagged, terms: matched.map((t) => t.term), source: 'hotline' };
  }
  if (fromText === undefined) return undefined;
  return { level: fromText, terms: matched.map((t) => t.term), source: 'text' };
}

/** Red and orange matters start at (or jump to) the community with an immediate alert. */
export function isSerious(risk: Risk | undefined): boolean {
  return risk !== undefined && riskRank(risk.level) >= riskRank('orange');
}
