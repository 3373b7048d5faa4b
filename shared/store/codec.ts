/**
 * How a case's events and projection are laid out as items, and which index
 * keys the projection carries. Pure; the store does the I/O.
 */
import { currentDueAt, nextTimerAt, type CaseEvent, type CaseState, type Reporter, type UnitTree } from '../domain/index.ts';
import { DUE_SHARDS, INDEX_LIST, PK, SK, STATE_SK, eventSk } from './schema.ts';

/** The full description lives in the intake event; the projection keeps an excerpt so its size stays small. */
export const DESCRIPTION_EXCERPT = 200;

export interface CodecContext {
  readonly units: UnitTree;
  /** A keyed hash of the reporter's phone or openId, or undefined when neither is known. */
  readonly reporterKey: (reporter: Reporter) => string | undefined;
}

export type Item = Record<string, unknown>;

export function eventItem(caseId: string, event: CaseEvent): Item {
  return { [PK]: `CASE#${caseId}`, [SK]: eventSk(event.seq), seq: event.seq, type: event.type, at: event.at, event: JSON.stringify(event) };
}

export function eventFromItem(item: Item): CaseEvent {
  return JSON.parse(String(item.event)) as CaseEvent;
}

export function dueShard(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % DUE_SHARDS;
}

const OPEN = new Set(['pending', 'in_progress']);

export function stateItem(state: CaseState, ctx: CodecContext): Item {
  const unit = ctx.units.get(state.unitId);
  const origin = ctx.units.get(state.originUnitId);
  const unitPath = unit?.path ?? `/${state.unitId}/`;
  const rootId = unit?.rootId ?? state.unitId;
  const dueAt = currentDueAt(state);
  const timerAt = nextTimerAt(state, ctx.units);
  const reporterKey = ctx.reporterKey(state.reporter);
  const chars = [...state.description];
  const stored: CaseState & { descriptionTruncated?: boolean } =
    chars.length > DESCRIPTION_EXCERPT
      ? { ...state, description: chars.slice(0, DESCRIPTION_EXCERPT).join(''), descriptionTruncated: true }
      : state;
  const item: Item = {
    [PK]: `CASE#${state.id}`,
    [SK]: STATE_SK,
    version: state.version,
    state: JSON.stringify(stored),
    status: state.status,
    center: state.center,
    level: state.level,
    priority: state.priority,
    riskLevel: state.risk?.level,
    createdAt: state.createdAt,
    dueAt,
    unitPath,
    originPath: origin?.path ?? unitPath,
    treePk: `T#${rootId}`,
    treeSk: `${unitPath}|${state.createdAt}|${state.id}`,
    monthPk: `M#${rootId}#${state.createdAt.slice(0, 7)}`,
    monthSk: `${state.createdAt}|${state.id}`,
  };
  if (OPEN.has(state.status)) {
    item.queuePk = `Q#${state.unitId}`;
    item.queueSk = `${dueAt ?? '~'}|${state.id}`;
  }
  if (timerAt !== undefined) {
    item.duePk = `D#${dueShard(state.id)}`;
    item.dueSk = `${timerAt}|${state.id}`;
  }
  if (reporterKey !== undefined) {
    item.reporterPk = `R#${reporterKey}`;
    item.reporterSk = `${state.createdAt}|${state.id}`;
  }
  return item;
}

export interface StoredState {
  readonly state: CaseState;
  /** The projection keeps only an excerpt; the intake event has the rest. */
  readonly descriptionTruncated: boolean;
}

export function stateFromItem(item: Item): StoredState {
  const { descriptionTruncated, ...state } = JSON.parse(String(item.state)) as CaseState & {
    descriptionTruncated?: boolean;
  };
  return { state, descriptionTruncated: descriptionTruncated === true };
}

/**
 * Index writes DynamoDB performs when `before` becomes `after`: an entry that
 * appears or disappears costs one, a key change two (delete + put), a change
 * of a projected attribute one.
 */
export function indexWrites(before: Item | undefined, after: Item): Record<string, number> {
  const out: Record<string, number> = {};
  for (const index of INDEX_LIST) {
    const had = before !== undefined && before[index.pk] !== undefined && before[index.sk] !== undefined;
    const has = after[index.pk] !== undefined && after[index.sk] !== undefined;
    let writes = 0;
    if (had && has) {
      const keyChanged = before[index.pk] !== after[index.pk] || before[index.sk] !== after[index.sk];
      const projected = index.projection.type === 'INCLUDE' ? index.projection.attributes : [];
      writes = keyChanged ? 2 : projected.some((a) => before[a] !== after[a]) ? 1 : 0;
    } else if (had || has) {
      writes = 1;
    }
    out[index.name] = writes;
  }
  return out;
}
