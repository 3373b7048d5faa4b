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

/**
 * A tree's records as columns, how a snapshot keeps them: no key repeated
 * for every unit, a parent by its position (-1: none), levels by a table of
 * their own (the registry's order may change), kinds and contacts only where
 * a unit has them.
 */
export interface UnitColumns {
  readonly levels: readonly LevelCode[];
  readonly ids: readonly string[];
  readonly names: readonly string[];
  readonly level: readonly number[];
  readonly parent: readonly number[];
  readonly kinds: readonly (readonly [number, UnitKind])[];
  readonly contacts: readonly (readonly [number, readonly UnitContact[]])[];
}

export function toColumns(records: readonly UnitRecord[]): UnitColumns {
  const position = new Map(records.map((r, i) => [r.id, i]));
  const levels = [...new Set(records.map((r) => r.level))];
  return {
    levels,
    ids: records.map((r) => r.id),
    names: records.map((r) => r.name),
    level: records.map((r) => levels.indexOf(r.level)),
    parent: records.map((r) => (r.parentId === undefined ? -1 : (position.get(r.parentId) ?? -1))),
    kinds: records.flatMap((r, i) => (r.kind === undefined ? [] : [[i, r.kind] as const])),
    contacts: records.flatMap((r, i) => (r.contacts === undefined ? [] : [[i, r.contacts] as const])),
  };
}

export function fromColumns(columns: UnitColumns): UnitRecord[] {
  const kinds = new Map(columns.kinds);
  const contacts = new Map(columns.contacts);
  return columns.ids.map((id, i) => {
    const r: Mutable<UnitRecord> = { id, name: columns.names[i] as string, level: columns.levels[columns.level[i] as number] as LevelCode };
    const parent = columns.parent[i] as number;
    if (parent >= 0) r.parentId = columns.ids[parent];
    const kind = kinds.get(i);
    if (kind !== undefined) r.kind = kind;
    const unitContacts = contacts.get(i);
    if (unitContacts !== undefined) r.contacts = unitContacts;
    return r;
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A unit's object (its path, full name, kind) is made when first asked for:
 * a cold function loads a county's 50,000 units and looks at a handful.
 */
export class UnitTree {
  private readonly columns: UnitColumns;
  private readonly position = new Map<string, number>();
  private readonly made: (Unit | undefined)[];
  private readonly kindAt: ReadonlyMap<number, UnitKind>;
  private readonly contactsAt: ReadonlyMap<number, readonly UnitContact[]>;
  /** Positions with every unit after its parent (records may list a child first). */
  private ordered?: Int32Array;
  /** Each position's children, in that order. */
  private childrenAt?: Map<number, number[]>;

  /**
   * Throws ValidationFailed listing every problem when the records do not
   * form a valid tree. `checked`: records a tree was already checked from (a
   * stored snapshot), taken without checking them again.
   */
  constructor(records: readonly UnitRecord[] | UnitColumns, options: { readonly checked?: boolean } = {}) {
    const columns = Array.isArray(records) ? toColumns(records as readonly UnitRecord[]) : (records as UnitColumns);
    if (options.checked !== true) assertTree(Array.isArray(records) ? (records as readonly UnitRecord[]) : fromColumns(columns));
    this.columns = columns;
    columns.ids.forEach((id, i) => this.position.set(id, i));
    this.made = new Array<Unit | undefined>(columns.ids.length);
    this.kindAt = new Map(columns.kinds);
    this.contactsAt = new Map(columns.contacts);
  }

  /** The unit at a position, made (with its ancestors) the first time. Levels strictly rise towards the root, so this terminates. */
  private at(i: number): Unit {
    const known = this.made[i];
    if (known) return known;
    const c = this.columns;
    const p = c.parent[i] as number;
    const parent = p >= 0 ? this.at(p) : undefined;
    const id = c.ids[i] as string;
    const name = c.names[i] as string;
    const kind = this.kindAt.get(i);
    const contacts = this.contactsAt.get(i);
    const unit = { id, name, level: c.levels[c.level[i] as number] as LevelCode } as Mutable<Unit>;
    if (parent) unit.parentId = parent.id;
    if (kind !== undefined) unit.kind = kind;
    if (contacts !== undefined) unit.contacts = contacts;
    unit.path = `${parent?.path ?? '/'}${id}/`;
    unit.rootId = parent?.rootId ?? id;
    // Names start at the township: the county above is the whole deployment, and residents' texts stay short.
    unit.fullName = parent && !isReferralOnly(parent.level) ? `${parent.fullName} ${name}` : name;
    unit.branchKind = kind ?? parent?.branchKind ?? 'urban';
    this.made[i] = unit;
    return unit;
  }

  private order(): Int32Array {
    if (this.ordered) return this.ordered;
    const parents = this.columns.parent;
    const placed = new Uint8Array(parents.length);
    const order = new Int32Array(parents.length);
    let n = 0;
    const place = (i: number) => {
      if (placed[i]) return;
      placed[i] = 1;
      const p = parents[i] as number;
      if (p >= 0) place(p);
      order[n++] = i;
    };
    for (let i = 0; i < parents.length; i++) place(i);
    return (this.ordered = order);
  }

  private childPositions(i: number): readonly number[] {
    if (!this.childrenAt) {
      const children = new Map<number, number[]>();
      for (const c of this.order()) {
        const p = this.columns.parent[c] as number;
        if (p < 0) continue;
        const siblings = children.get(p);
        if (siblings) siblings.push(c);
        else children.set(p, [c]);
      }
      this.childrenAt = children;
    }
    return this.childrenAt.get(i) ?? [];
  }

  private where(test: (i: number) => boolean): Unit[] {
    const out: Unit[] = [];
    for (const i of this.order()) if (test(i)) out.push(this.at(i));
    return out;
  }

  get size(): number {
    return this.columns.ids.length;
  }

  all(): Unit[] {
    return this.where(() => true);
  }

  get(id: string): Unit | undefined {
    const i = this.position.get(id);
    return i === undefined ? undefined : this.at(i);
  }

  parent(id: string): Unit | undefined {
    const i = this.position.get(id);
    const p = i === undefined ? -1 : (this.columns.parent[i] as number);
    return p >= 0 ? this.at(p) : undefined;
  }

  children(id: string): Unit[] {
    const i = this.position.get(id);
    return i === undefined ? [] : this.childPositions(i).map((c) => this.at(c));
  }

  roots(): Unit[] {
    return this.where((i) => (this.columns.parent[i] as number) < 0);
  }

  /** The units channels serve and unplaced matters go to (SERVICE_LEVEL: the townships), under a county or not. */
  townships(): Unit[] {
    const c = this.columns;
    return this.where((i) => c.levels[c.level[i] as number] === SERVICE_LEVEL);
  }

  /** Whether a timer may move a case on from this unit: there is a level above, and not one reached only by referral. */
  timerCanClimb(id: string): boolean {
    const parent = this.parent(id);
    return parent !== undefined && !isReferralOnly(parent.level);
  }

  /** True when `id` is `ancestorId` or lies below it. */
  isWithin(id: string, ancestorId: string): boolean {
    const unit = this.get(id);
    const ancestor = this.get(ancestorId);
    return unit !== undefined && ancestor !== undefined && unit.path.startsWith(ancestor.path);
  }

  /** The nearest unit at `level` on the way up from `id` (itself included). */
  ancestorAt(id: string, level: LevelCode): Unit | undefined {
    for (let u = this.get(id); u; u = this.parent(u.id)) {
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
    for (const i of this.order()) {
      // By the name first: only the few units named in the text are made.
      if (!compact.includes((this.columns.names[i] as string).replace(/\s+/g, ''))) continue;
      const unit = this.at(i);
      if (withinId !== undefined && !this.isWithin(unit.id, withinId)) continue;
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

/** Throws ValidationFailed listing every problem when the records do not form a valid tree. */
function assertTree(records: readonly UnitRecord[]): void {
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
