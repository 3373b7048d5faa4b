/**
 * 我的待办 as a work queue: which tabs a case shows in, and for which unit.
 * Pure; the store writes what these say into the index keys of the case's
 * projection, so each tab is one Query (see shared/store/schema.ts):
 *
 * - the unit holding an open case sees it under 待签收 or 办理中, and also
 *   退回件 (returned to it), 重办件 (reopened, or 不满意 at 回访) and 督办件
 *   (under 督办, by the timer at the top or ordered by a person);
 * - another unit awaits some cases: the level above an extension request
 *   (待我审批), the dispatcher's parent a case returned the last allowed time
 *   (待我审批: it decides where the case goes), and the level above the
 *   resolving unit a resolved case's 回访 (待回访);
 * - township officers and leaders also watch every open case below them:
 *   风险件 (a risk level is set) and 超期件 (past its deadline).
 */
import type { CaseState } from './case.ts';
import { currentDueAt } from './decide.ts';
import type { UnitTree } from './units.ts';

export const WORK_TABS = [
  { code: 'pending', name: '待签收' },
  { code: 'in_progress', name: '办理中' },
  { code: 'approval', name: '待我审批' },
  { code: 'follow_up', name: '待回访' },
  { code: 'returned', name: '退回件' },
  { code: 'reopened', name: '重办件' },
  { code: 'supervised', name: '督办件' },
  { code: 'risk', name: '风险件' },
  { code: 'overdue', name: '超期件' },
] as const;
export type WorkTab = (typeof WORK_TABS)[number]['code'];
export const WORK_TAB_CODES = WORK_TABS.map((t) => t.code) as [WorkTab, ...WorkTab[]];

/** Tabs of the unit holding a case (the byUnitQueue index), and of the unit awaiting it (byAwaiting). */
export const OWN_TABS: readonly WorkTab[] = ['pending', 'in_progress', 'returned', 'reopened', 'supervised'];
export const AWAITED_TABS: readonly WorkTab[] = ['approval', 'follow_up'];
/** Tabs over every open case below the user's unit (byWatch), for those who oversee: officers and leaders. */
export const WATCH_TABS: readonly WorkTab[] = ['risk', 'overdue'];

const OPEN = new Set(['pending', 'in_progress']);

/** Why a case is awaited by a unit other than through its own queue. */
export type AwaitedFor = 'extension' | 'return_decision' | 'follow_up';

/** The tabs a case shows in at the unit holding it; none once it is no longer open. */
export function ownTabs(state: CaseState): WorkTab[] {
  if (!OPEN.has(state.status)) return [];
  const stay = state.stays.at(-1);
  const tabs: WorkTab[] = [state.status === 'pending' ? 'pending' : 'in_progress'];
  if (stay?.reason === 'return') tabs.push('returned');
  if (stay?.reason === 'reopen' || stay?.reason === 'dissatisfied') tabs.push('reopened');
  if (state.supervision !== undefined || state.supervisionOrder !== undefined) tabs.push('supervised');
  return tabs;
}

export interface Awaited {
  readonly unitId: string;
  readonly for: AwaitedFor;
  /** What the awaiting unit's deadline is: the case's own, or the 回访's. */
  readonly dueAt: string;
  readonly tab: WorkTab;
}

/** The unit (other than through its own queue) that must act on a case next, if any. */
export function awaitedBy(state: CaseState, units: UnitTree): Awaited | undefined {
  const due = currentDueAt(state) ?? state.clocks?.resolveDueAt;
  if (OPEN.has(state.status)) {
    const parent = units.parent(state.unitId);
    if (state.extensionRequest && parent) return { unitId: parent.id, for: 'extension', dueAt: state.clocks?.resolveDueAt ?? state.extensionRequest.requestedAt, tab: 'approval' };
    if (state.status === 'pending' && state.stays.at(-1)?.reason === 'return_limit') {
      return { unitId: state.unitId, for: 'return_decision', dueAt: due ?? state.updatedAt, tab: 'approval' };
    }
    return undefined;
  }
  const r = state.resolution;
  if ((state.status === 'resolved' || state.status === 'closed') && r && !(state.followUp && state.followUp.at >= r.at)) {
    const unitId = units.parent(r.unitId)?.id ?? r.unitId;
    return { unitId, for: 'follow_up', dueAt: r.followUpDueAt ?? r.at, tab: 'follow_up' };
  }
  return undefined;
}

/** Overdue, or close to it: under two hours left, or in the last fifth of the time since the clock started. */
export function deadlineMarks(dueAt: string | undefined, startedAt: string | undefined, now: Date): { overdue: boolean; nearDeadline: boolean } {
  if (dueAt === undefined) return { overdue: false, nearDeadline: false };
  const left = Date.parse(dueAt) - now.getTime();
  const span = startedAt === undefined ? 0 : Date.parse(dueAt) - Date.parse(startedAt);
  return { overdue: left < 0, nearDeadline: left >= 0 && (left < 2 * 3_600_000 || left < span / 5) };
}
