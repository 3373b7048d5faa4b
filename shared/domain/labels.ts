/**
 * The names a unit's place goes by, which follow the unit's kind (城市 or 农村):
 * a rural branch says 村 / 小组 / 湾落 where an urban one says 社区 / 小区 / 楼栋.
 * Every page, message and document that names a level asks here, with the
 * kind of the unit concerned (Unit.branchKind), so the two never drift.
 */
import { LEVELS, type LevelCode, type LevelDef } from './registry.ts';
import type { UnitKind } from './units.ts';

/** Words that are not a level's name but still follow the kind. */
const TERMS = {
  /** The statistics' 基层化解率: resolved below the level that dispatches. */
  grassroots: { urban: '小事不出社区', rural: '小事不出村' },
} as const satisfies Record<string, Record<UnitKind, string>>;

export type LabelTerm = LevelCode | keyof typeof TERMS;

export function label(kind: UnitKind | undefined, term: LabelTerm): string {
  if (term in TERMS) return TERMS[term as keyof typeof TERMS][kind ?? 'urban'];
  const level = (LEVELS as readonly LevelDef[]).find((l) => l.code === term);
  if (!level) return term;
  return kind === 'rural' ? (level.ruralName ?? level.name) : level.name;
}
