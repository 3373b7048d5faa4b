/**
 * Finding 重复件 candidates for every intake path (hotline, WeChat, SMS,
 * Open311): the resident's recent cases by the byReporter index — a Query per
 * known identity (phone and/or openId), never a Scan — then the pure rule of
 * shared/domain/repeat.ts on their projections.
 */
import type { Reporter } from '../domain/index.ts';
import type { RepeatSubject } from './cases.ts';
import { REPEAT_WINDOW_DAYS, matterUnit, possibleRepeats } from '../domain/repeat.ts';
import type { CaseStore } from '../store/case-store.ts';
import type { ChannelStore } from '../store/channel-store.ts';
import { EXCERPT_CHARS } from '../store/codec.ts';

/** Recent cases read per identity: a resident with more in 30 days is compared with the newest. */
const CANDIDATES_PER_KEY = 10;

export interface RepeatFinderDeps {
  readonly channels: ChannelStore;
  readonly store: CaseStore;
  readonly reporterKey: (reporter: Reporter) => string | undefined;
}

/** Every index key a reporter's earlier cases may be under (phone first, then openId). */
export function reporterKeys(reporter: Reporter, key: (reporter: Reporter) => string | undefined): string[] {
  const keys = [
    reporter.phone !== undefined ? key({ phone: reporter.phone }) : undefined,
    reporter.openId !== undefined ? key({ openId: reporter.openId }) : undefined,
  ];
  return [...new Set(keys.filter((k): k is string => k !== undefined))];
}

export function repeatFinder(deps: RepeatFinderDeps) {
  return async (received: RepeatSubject, now: Date): Promise<string[]> => {
    const keys = reporterKeys(received.reporter, deps.reporterKey);
    if (keys.length === 0) return [];
    const since = new Date(now.getTime() - REPEAT_WINDOW_DAYS * 86_400_000).toISOString();
    const ids = [...new Set((await Promise.all(keys.map((k) => deps.channels.reporterCaseIds(k, since, CANDIDATES_PER_KEY)))).flat())];
    if (ids.length === 0) return [];
    // The projections keep an excerpt of a long description; compare like with like.
    const head = (text: string) => [...text].slice(0, EXCERPT_CHARS).join('');
    const candidates = (await deps.store.getMany(ids)).map((c) => ({ ...c, description: head(c.description) }));
    const description = head(received.description);
    return possibleRepeats(candidates, {
      id: received.id,
      unitId: matterUnit({ location: received.location, originUnitId: received.originUnitId }),
      description,
      now,
    });
  };
}
