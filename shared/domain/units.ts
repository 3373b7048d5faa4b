/**
 * The unit tree ([county >] township > community > compound > building) and the ladder a
 * case climbs. Built from plain records and checked once; every lookup is a map
 * read.
 */
import { LEVEL_CODES, SERVICE_LEVEL, isOptionalLevel, isReferralOnly, levelRank, type LevelCode } from './registry.ts';
import { ValidationFailed, type Issue } from './errors.ts';

export interface UnitContact {
  readonly name: string;
  readonly phone?: string;
  readonly openId?: string;
}

/** 城市 (社区 / 小区 / 楼栋) or 农村 (村 / 小组 / 湾落): which names the unit's levels go by (labels.ts). */
export const UNIT_KINDS = [
  { code: 'urban', name: '城市' },
  { code: 'rural', name: '农村' },
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number]['code'];
export const UNIT_KIND_CODES = UNIT_KINDS.map((k) => k.code) as [UnitKind, ...UnitKind[]];

export interface UnitRecord {
  readonly id: string;
  readonly name: string;
  readonly level: LevelCode;
  readonly parentId?: string;
  /** Set where a branch starts; the units below inherit it (urban when nothing above says). */
  readonly kind?: UnitKind;
  readonly contacts?: readonly UnitContact[];
}

export interface Unit extends UnitRecord {
  /** Materialized path of ids, `/root/…/id/`: a subtree is a path prefix. */
  readonly path: string;
  readonly rootId: string;
  /** Names from the township (or the root) down, e.g. 和平街道 幸福社区 阳光小区 3栋. */
  readonly fullName: string;
  /** Its own kind, else its nearest ancestor's, else urban. */
  readonly branchKind: UnitKind;
}

export const UNIT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class UnitTree {
  private readonly byId = new Map<string, Unit>();
  private readonly childIds = new Map<string, string[]>();

  /** Throws ValidationFailed listing every problem when the records do not form a valid tree. */
  constructor(records: readonly UnitRecord[]) {
    const issues: Issue[] = [];
    const raw = new Map<string, UnitRecord>();
    records.forEach((r, i) => {
      if (!UNIT_ID_PATTERN.test(r.id)) issues.push({ path: `[${i}].id`, message: `invalid unit id "${r.id}"` });
      if (raw.has(r.id)) issues.push({ path: `[${i}].id`, message: `duplicate unit id "${r.id}"` });
      if (!LEVEL_CODES.includes(r.level)) issues.push({ path: `[${i}].level`, message: `unknown level "${r.level}"` });
      if (!r.name.trim()) issues.push({ path: `[${i}].name`, message: 'name is empty' });
      if (r.kind !== undefined && !UNIT_KIND_CODES.includes(r.kind)) issues.push({ path: `[${i}].kind`, message: `unknown kind "${r.kind}"` });
      raw.set(r.id, r);
    });
    records.forEach((r, i) => {
      if (!LEVEL_CODES.includes(r.level)) return;
      if (r.parentId === undefined) {
        if (!parentLevels(r.level).includes(undefined)) {
          issues.push({ path: `[${i}].parentId`, message: `a ${r.level} unit needs a parent` });
        }
        return;
      }
      const parent = raw.get(r.parentId);
      if (!parent) {
        issues.push({ path: `[${i}].parentId`, message: `unknown parent "${r.parentId}"` });
      } else if (!parentLevels(r.level).includes(parent.level)) {
        const allowed = parentLevels(r.level).filter((l): l is LevelCode => l !== undefined);
        issues.push({
          path: `[${i}].parentId`,
          message: `the parent of a ${r.level} must be a ${allowed.length > 0 ? allowed.join(' or ') : 'nothing'}, not a ${parent.level}`,
        });
      }
    });
    if (issues.length > 0) throw new ValidationFailed('the unit tree is not valid', issues);

    // Levels strictly rise towards the root, so there are no cycles and this terminates.
    const build = (id: string): Unit => {
      const known = this.byId.get(id);
      if (known) return known;
      const r = raw.get(id) as UnitRecord;
      const parent = r.parentId === undefined ? undefined : build(r.parentId);
      const unit: Unit = {
        ...r,
        path: `${parent?.path ?? '/'}${r.id}/`,
        rootId: parent?.rootId ?? r.id,
        // Names start at the township: the county above is the whole deployment, and residents' texts stay short.
        fullName: parent && !isReferralOnly(parent.level) ? `${parent.fullName} ${r.name}` : r.name,
        branchKind: r.kind ?? parent?.branchKind ?? 'urban',
      };
      this.byId.set(id, unit);
      if (parent) this.childIds.set(parent.id, [...(this.childIds.get(parent.id) ?? []), id]);
      return unit;
    };
    for (const r of records) build(r.id);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): Unit[] {
    return [...this.byId.values()];
  }

  get(id: string): Unit | undefined {
    return this.byId.get(id);
  }

  parent(id: string): Unit | undefined {
    const parentId = this.byId.get(id)?.parentId;
    return parentId === undefined ? undefined : this.byId.get(parentId);
  }

  children(id: string): Unit[] {
    return (this.childIds.get(id) ?? []).map((c) => this.byId.get(c) as Unit);
  }

  roots(): Unit[] {
    return this.all().filter((u) => u.parentId === undefined);
  }

  /** The units channels serve and unplaced matters go to (SERVICE_LEVEL: the townships), under a county or not. */
  townships(): Unit[] {
    return this.all().filter((u) => u.level === SERVICE_LEVEL);
  }

  /** Whether a timer may move a case on from this unit: there is a level above, and not one reached only by referral. */
  timerCanClimb(id: string): boolean {
    const parent = this.parent(id);
    return parent !== undefined && !isReferralOnly(parent.level);
  }

  /** True when `id` is `ancestorId` or lies below it. */
  isWithin(id: string, ancestorId: string): boolean {
    const unit = this.byId.get(id);
    const ancestor = this.byId.get(ancestorId);
    return unit !== undefined && ancestor !== undefined && unit.path.startsWith(ancestor.path);
  }

  /** The nearest unit at `level` on the way up from `id` (itself included). */
  ancestorAt(id: string, level: LevelCode): Unit | undefined {
    for (let u = this.byId.get(id); u; u = u.parentId === undefined ? undefined : this.byId.get(u.parentId)) {
      if (u.level === level) return u;
    }
    return undefined;
  }

  /**
   * The most specific unit whose name (with its ancestors' names optional)
   * appears in free text such as an address, searched under `withinId`.
   * Longest name wins so that "3栋" inside "阳光小区3栋" picks the building.
   */
  matchAddress(text: string, withinId?: string): Unit | undefined {
    const compact = text.replace(/\s+/g, '');
    let best: Unit | undefined;
    let bestScore = 0;
    for (const unit of this.byId.values()) {
      if (withinId !== undefined && !this.isWithin(unit.id, withinId)) continue;
      if (!compact.includes(unit.name.replace(/\s+/g, ''))) continue;
      // A building named "3栋" is ambiguous on its own: it counts only when its compound is named too.
      const parent = this.parent(unit.id);
      const needsParent = unit.level === LEVEL_CODES[0] && parent !== undefined;
      if (needsParent && !compact.includes(parent.name.replace(/\s+/g, ''))) continue;
      const score = levelScore(unit.level) * 1000 + unit.name.length;
      if (score > bestScore) {
        best = unit;
        bestScore = score;
      }
    }
    return best;
  }
}

/**
 * The levels a unit's parent may have: the next one up, and past it while the
 * levels passed are optional; `undefined` when it may have none (nothing above
 * it but optional levels).
 */
function parentLevels(level: LevelCode): (LevelCode | undefined)[] {
  const out: (LevelCode | undefined)[] = [];
  for (let rank = levelRank(level) + 1; ; rank++) {
    const above = LEVEL_CODES[rank];
    out.push(above);
    if (above === undefined || !isOptionalLevel(above)) return out;
  }
}

/** Lower levels are more specific. */
function levelScore(level: LevelCode): number {
  return LEVEL_CODES.length - levelRank(level);
}

/** A unit whose place in the tree changed: where it was (its cases are indexed under that path until re-indexed). */
export interface MovedUnit {
  readonly unitId: string;
  readonly rootId: string;
  readonly path: string;
}

/**
 * The units whose path differs between two trees, topmost only (a moved
 * compound's buildings move with it and are under its old path).
 */
export function movedUnits(before: UnitTree, after: UnitTree): MovedUnit[] {
  const moved = before.all().filter((u) => {
    const now = after.get(u.id);
    return now !== undefined && now.path !== u.path;
  });
  return moved
    .filter((u) => !moved.some((other) => other.id !== u.id && u.path.startsWith(other.path)))
    .map((u) => ({ unitId: u.id, rootId: u.rootId, path: u.path }));
}

/**
 * The records with a level filled in where the tree skips it (`npm run
 * migrate -- insert-level <code>`): under each unit with children below that
 * level, one new unit of it (id `<parent>-<code>`, named after the parent),
 * which takes those children. Admins then split or rename them by import.
 * Records already through it come back unchanged.
 */
export function insertLevel(records: readonly UnitRecord[], level: LevelCode, levelName: string): { records: UnitRecord[]; added: UnitRecord[] } {
  const rank = levelRank(level);
  const byId = new Map(records.map((r) => [r.id, r]));
  const ids = new Set(byId.keys());
  const added = new Map<string, UnitRecord>();
  const out = records.map((r) => {
    const parent = r.parentId === undefined ? undefined : byId.get(r.parentId);
    if (!parent || levelRank(r.level) >= rank || levelRank(parent.level) <= rank) return r;
    let unit = added.get(parent.id);
    if (!unit) {
      const base = `${parent.id}-${level}`.slice(0, 60);
      let id = base;
      for (let n = 2; ids.has(id); n++) id = `${base}${n}`;
      ids.add(id);
      unit = { id, name: `${parent.name}${levelName}`.slice(0, 50), level, parentId: parent.id };
      added.set(parent.id, unit);
    }
    return { ...r, parentId: unit.id };
  });
  return { records: [...out, ...added.values()], added: [...added.values()] };
}
