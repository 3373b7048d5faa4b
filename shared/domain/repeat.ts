/**
 * 重复件: a new matter from the same resident, about the same unit, with
 * similar words, within a window, is flagged as a possible repeat of the
 * earlier open case(s) for a mediator to merge (never merged silently).
 * Pure: the caller finds the resident's recent cases (by the byReporter index)
 * and passes them in.
 */
import type { CaseState } from './case.ts';
import { OPEN_STATUSES } from './registry.ts';

/** How far back an earlier matter counts. */
export const REPEAT_WINDOW_DAYS = 30;
/** Character-bigram Jaccard similarity at or above which two texts are "similar". */
export const REPEAT_THRESHOLD = 0.5;
/** At most this many earlier cases are named, most recent first. */
export const MAX_REPEATS = 5;

// Whitespace, punctuation and symbols say nothing about what the matter is.
const NOISE = /[\s\p{P}\p{S}]/gu;

/** The set of adjacent character pairs of a text, after NFKC, lower-casing and dropping punctuation. */
export function bigrams(text: string): Set<string> {
  const chars = [...text.normalize('NFKC').toLowerCase().replace(NOISE, '')];
  const out = new Set<string>();
  if (chars.length === 1) out.add(chars[0] as string);
  for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  return out;
}

/** |A ∩ B| / |A ∪ B| of the two texts' bigram sets; 0 when either has none. */
export function similarity(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.size === 0 || y.size === 0) return 0;
  let shared = 0;
  for (const g of x) if (y.has(g)) shared++;
  return shared / (x.size + y.size - shared);
}

/** Where a matter is about: the unit it was located at, else the unit it arose at. */
export function matterUnit(state: Pick<CaseState, 'location' | 'originUnitId'>): string {
  return state.location.unitId ?? state.originUnitId;
}

export interface RepeatProbe {
  /** The new case's own id (a replayed intake must not flag itself). */
  readonly id?: string;
  readonly unitId: string;
  readonly description: string;
  readonly now: Date;
}

export type RepeatCandidate = Pick<CaseState, 'id' | 'status' | 'createdAt' | 'description' | 'location' | 'originUnitId'>;

/**
 * The earlier cases the probe may repeat: still open, created within the
 * window, about the same unit, and similar in words. Most recent first.
 */
export function possibleRepeats(candidates: readonly RepeatCandidate[], probe: RepeatProbe): string[] {
  const since = new Date(probe.now.getTime() - REPEAT_WINDOW_DAYS * 86_400_000).toISOString();
  return candidates
    .filter(
      (c) =>
        c.id !== probe.id &&
        OPEN_STATUSES.includes(c.status) &&
        c.createdAt >= since &&
        matterUnit(c) === probe.unitId &&
        similarity(c.description, probe.description) >= REPEAT_THRESHOLD,
    )
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    .slice(0, MAX_REPEATS)
    .map((c) => c.id);
}
