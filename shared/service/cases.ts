/**
 * The application service: load, decide, append. Handlers call this; it holds
 * no business rule of its own (those are in shared/domain).
 */
import { createHash } from 'node:crypto';
import {
  InvalidTransition,
  NotFound,
  VersionConflict,
  canRead,
  decide,
  trackingCodeFromBytes,
  trackingNoFromBytes,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Command,
  type IntakeInput,
  type Policy,
  type Reporter,
  type UnitTree,
} from '../domain/index.ts';
import type { CaseStore, Page } from '../store/case-store.ts';

export type RepeatSubject = Pick<CaseState, 'id' | 'reporter' | 'description' | 'location' | 'originUnitId'>;

export interface CaseServiceDeps {
  readonly store: CaseStore;
  readonly units: () => Promise<UnitTree>;
  readonly policy: () => Promise<Policy>;
  readonly clock: () => Date;
  readonly random: (bytes: number) => Uint8Array;
  /** Earlier open cases a new case may repeat (重复件): the same resident, unit and words. */
  readonly findRepeats?: (subject: RepeatSubject, now: Date) => Promise<readonly string[]>;
  /** Ids of a resident's cases, newest first, at most `limit` (the byReporter index). */
  readonly reporterCaseIds?: (reporter: Reporter, limit: number) => Promise<readonly string[]>;
}

/** Cases of one resident read before the jurisdiction filter: a resident with more is shown the newest. */
const REPORTER_CASES_READ = 200;

export type IntakeResult =
  | { readonly state: CaseState; readonly created: true; readonly event: CaseEvent }
  /** The intake replayed an earlier one: its case, unchanged. */
  | { readonly state: CaseState; readonly created: false };

export interface ActResult {
  readonly state: CaseState;
  readonly event: CaseEvent;
}

/** Different matters can hash to the same id; probing a few salts finds a free one deterministically. */
const ID_ATTEMPTS = 5;

export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {}

  private async context(actor: Actor) {
    const [units, policy] = await Promise.all([this.deps.units(), this.deps.policy()]);
    return { now: this.deps.clock(), actor, units, policy };
  }

  /**
   * File a case. With a dedupe key (source+externalId or Idempotency-Key) the
   * id is derived from it, so the conditional put of the first event is itself
   * the idempotency check: two writes, no lookup first.
   */
  async intake(input: IntakeInput, actor: Actor, idempotencyKey?: string): Promise<IntakeResult> {
    // A work-order number is the client's own: two clients sending the same one file two cases.
    // Ids still derive from the pre-0.3 key (no client), so a work order filed before keeps its case;
    // such a case, with the old key, is this client's when it filed it.
    const legacyKey = input.externalId !== undefined ? `ext:${input.source}:${input.externalId}` : undefined;
    const dedupeKey =
      input.externalId !== undefined
        ? `ext:${encodeURIComponent(actor.id)}:${input.source}:${input.externalId}`
        : idempotencyKey !== undefined
          ? `idem:${actor.id}:${idempotencyKey}`
          : undefined;
    const idSeed = legacyKey ?? dedupeKey;
    const ctx = await this.context(actor);
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const id = trackingNoFromBytes(
        idSeed === undefined ? this.deps.random(8) : createHash('sha256').update(`${idSeed}#${attempt}`).digest(),
      );
      const command = { type: 'receive', id, trackingNo: id, trackingCode: trackingCodeFromBytes(this.deps.random(4)), dedupeKey, input } as const;
      const decision = decide(undefined, command, ctx);
      if (!decision.ok) throw decision.error;
      try {
        return { state: await this.deps.store.append(undefined, decision.event), created: true, event: decision.event };
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
        const existing = dedupeKey === undefined ? undefined : await this.deps.store.get(id);
        const mine = existing && (existing.state.dedupeKey === dedupeKey || (existing.state.dedupeKey === legacyKey && existing.state.filedBy === actor.id));
        if (existing && mine) return { state: existing.state, created: false };
      }
    }
    throw new Error(`no free case id after ${ID_ATTEMPTS} attempts`);
  }

  /**
   * Look for 重复件 of a newly received case and flag them on it. Run after
   * intake, off the request path (it reads the resident's recent cases), by the
   * worker that handles the case's first event; running it again changes nothing.
   */
  async flagRepeats(id: string): Promise<readonly string[]> {
    const loaded = this.deps.findRepeats && (await this.deps.store.load(id));
    if (!loaded || !this.deps.findRepeats) return [];
    const repeats = (await this.deps.findRepeats(loaded.state, this.deps.clock())).filter((other) => other !== id);
    if (repeats.length === 0) return [];
    try {
      await this.act(id, { type: 'flag_repeats', caseIds: repeats }, { kind: 'system', id: 'repeat-check' });
    } catch (error) {
      if (!(error instanceof InvalidTransition)) throw error;
    }
    return repeats;
  }

  /** The case as `actor` may see it; NotFound when it does not exist for them. */
  async read(id: string, actor: Actor): Promise<CaseState> {
    const [loaded, units] = await Promise.all([this.deps.store.get(id), this.deps.units()]);
    if (!loaded || !canRead(actor, loaded.state, units)) throw new NotFound(`no case ${id}`);
    return loaded.state;
  }

  /** A resident's cases that `actor` may see, newest first: staff find a caller's cases by phone. */
  async byReporter(reporter: Reporter, actor: Actor): Promise<CaseState[]> {
    if (!this.deps.reporterCaseIds) return [];
    const [ids, units] = await Promise.all([this.deps.reporterCaseIds(reporter, REPORTER_CASES_READ), this.deps.units()]);
    return (await this.deps.store.getMany(ids)).filter((state) => canRead(actor, state, units));
  }

  async timeline(id: string, actor: Actor, cursor?: string, limit?: number): Promise<Page<CaseEvent>> {
    await this.read(id, actor);
    return this.deps.store.events(id, { cursor, limit });
  }

  /**
   * Decide and append one command. With `expectedVersion` a stale caller gets
   * VersionConflict; without it (system commands) one lost race is retried on
   * fresh state, since the rules are checked again there.
   */
  async act(id: string, command: Command, actor: Actor, expectedVersion?: number): Promise<ActResult> {
    for (let attempt = 0; ; attempt++) {
      const loaded = await this.deps.store.load(id);
      const ctx = await this.context(actor);
      if (!loaded) throw new NotFound(`no case ${id}`);
      if (expectedVersion !== undefined && loaded.state.version !== expectedVersion) {
        throw canRead(actor, loaded.state, ctx.units)
          ? new VersionConflict(expectedVersion, loaded.state.version)
          : new NotFound(`no case ${id}`);
      }
      const decision = decide(loaded.state, command, ctx);
      if (!decision.ok) throw decision.error;
      try {
        const state = await this.deps.store.append(loaded.state, decision.event);
        return { state, event: decision.event };
      } catch (error) {
        if (!(error instanceof VersionConflict) || expectedVersion !== undefined || attempt >= 2) throw error;
      }
    }
  }
}
