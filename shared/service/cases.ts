/**
 * The application service: load, decide, append. Handlers call this; it holds
 * no business rule of its own (those are in shared/domain).
 */
import { createHash } from 'node:crypto';
import {
  IdempotencyKeyReused,
  InvalidTransition,
  NotFound,
  VersionConflict,
  canRead,
  decide,
  evolve,
  fold,
  trackingCodeFromBytes,
  trackingNoFromBytes,
  uncoveredYearsOf,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Command,
  type IntakeInput,
  type Policy,
  type Reporter,
  type UnitTree,
} from '../domain/index.ts';
import type { CaseStore, Loaded, Page } from '../store/case-store.ts';
import type { RequestRecord } from '../store/codec.ts';
import { effectsOf } from './effects.ts';
import { encodeStatusChange, statusChangeFor } from '../channels/callback.ts';

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
  /** An event's deadlines were counted over years with no holiday data (weekends only). */
  readonly onCalendarGap?: (years: readonly number[], caseId: string) => void;
  /** An event was appended (once per event written): the business metrics. */
  readonly onAppended?: (event: CaseEvent, after: CaseState) => void;
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
  /** The same request (Idempotency-Key and body) was answered before: this is that answer. */
  readonly replayed?: boolean;
}

/** A caller's request, for Idempotency-Key: `key` as sent, `hash` of what was asked. */
export interface RequestKey {
  readonly key: string;
  readonly hash: string;
}

/** Different matters can hash to the same id; probing a few salts finds a free one deterministically. */
const ID_ATTEMPTS = 5;
/** A system command that loses a race is decided again on the fresh state, this many times. */
const SYSTEM_RETRIES = 3;
const MERGE: Actor = { kind: 'system', id: 'merge' };

export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {}

  private async context(actor: Actor) {
    const [units, policy] = await Promise.all([this.deps.units(), this.deps.policy()]);
    return { now: this.deps.clock(), actor, units, policy };
  }

  /** Append with the effects the event sets in motion recorded on it (delivered by the relay). */
  private async append(previous: Loaded | undefined, event: CaseEvent, units: UnitTree, request?: RequestRecord): Promise<Loaded> {
    const after = evolve(previous?.state, event);
    const effects = effectsOf(event, after, units);
    const change = statusChangeFor(event, after);
    const loaded = await this.deps.store.append(previous, event, { effects, change: change ? encodeStatusChange(change) : null, ...(request ? { request } : {}) });
    this.deps.onAppended?.(event, after);
    if (this.deps.onCalendarGap) {
      const years = uncoveredYearsOf(event, (await this.deps.policy()).timing.calendar);
      if (years.length > 0) this.deps.onCalendarGap(years, after.id);
    }
    return loaded;
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
        const { state } = await this.append(undefined, decision.event, ctx.units);
        return { state, created: true, event: decision.event };
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
        const existing = dedupeKey === undefined ? undefined : await this.deps.store.load(id);
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
    const [loaded, units] = await Promise.all([this.deps.store.load(id), this.deps.units()]);
    if (!loaded || !canRead(actor, loaded.state, units)) throw new NotFound(`no case ${id}`);
    return loaded.state;
  }

  /** Whether `actor` could apply `command` to the case now (DomainError if not); nothing is written. */
  async check(state: CaseState, command: Command, actor: Actor): Promise<void> {
    const decision = decide(state, command, await this.context(actor));
    if (!decision.ok) throw decision.error;
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
   * VersionConflict; without it (system commands) a lost race is decided
   * again on fresh state, since the rules are checked again there. With a
   * `request` key, the same request again answers the first result, and the
   * same key with another request is IdempotencyKeyReused.
   */
  async act(id: string, command: Command, actor: Actor, expectedVersion?: number, request?: RequestKey): Promise<ActResult> {
    const record = request && { id: `${actor.id}:${request.key}`, hash: request.hash };
    for (let attempt = 0; ; attempt++) {
      const loaded = await this.deps.store.load(id);
      const ctx = await this.context(actor);
      if (!loaded) throw new NotFound(`no case ${id}`);
      const answered = record && (await this.answered(loaded, record));
      if (answered) return answered;
      if (expectedVersion !== undefined && loaded.state.version !== expectedVersion) {
        throw canRead(actor, loaded.state, ctx.units)
          ? new VersionConflict(expectedVersion, loaded.state.version)
          : new NotFound(`no case ${id}`);
      }
      try {
        if (command.type === 'merge') return await this.merge(loaded, command.intoCaseId, actor, record);
        const decision = decide(loaded.state, command, ctx);
        if (!decision.ok) throw decision.error;
        const { state } = await this.append(loaded, decision.event, ctx.units, record);
        return { state, event: decision.event };
      } catch (error) {
        // A lost race: a concurrent copy of this very request may have won it (answered on the next pass).
        const retry = error instanceof VersionConflict && (record !== undefined || expectedVersion === undefined) && attempt < SYSTEM_RETRIES;
        if (!retry) throw error;
        if (expectedVersion !== undefined) {
          const fresh = await this.deps.store.load(id);
          const again = fresh && (await this.answered(fresh, record!));
          if (again) return again;
          throw error;
        }
      }
    }
  }

  /** The first answer to a request already applied to this case, if it was. */
  private async answered(loaded: Loaded, record: RequestRecord): Promise<ActResult | undefined> {
    const first = loaded.meta.requests.find((r) => r.id === record.id);
    if (!first) return undefined;
    if (first.hash !== record.hash) {
      throw new IdempotencyKeyReused('this Idempotency-Key was used for a different request on this case; use a new key');
    }
    const id = loaded.state.id;
    if (first.seq === loaded.state.version) {
      const row = await this.deps.store.eventRow(id, first.seq);
      if (row) return { state: loaded.state, event: row.event, replayed: true };
    }
    const history = await this.deps.store.eventsUpTo(id, first.seq);
    const state = fold(history);
    const event = history.at(-1);
    if (!state || !event) throw new Error(`case ${id}: the events of request ${record.id} are missing`);
    return { state, event, replayed: true };
  }

  /**
   * 并单, without transactions yet never both ways: of two cases, the one with
   * the smaller id is always written first, conditional on the version read.
   * So of A→B and B→A tried together exactly one wins, and no cycle of merges
   * can close. When the target goes first it records `absorbed` (a
   * reservation); the source's `merged` follows, here or — if this process
   * dies — from the relay (the `merge` effect), through `reconcileMerge`.
   */
  private async merge(source: Loaded, intoCaseId: string, actor: Actor, record?: RequestRecord): Promise<ActResult> {
    const ctx = await this.context(actor);
    for (let attempt = 0; ; attempt++) {
      const target = intoCaseId === source.state.id ? source : await this.deps.store.load(intoCaseId);
      const into = target && canRead(actor, target.state, ctx.units) ? target.state : undefined;
      const reserved = into?.mergedFrom?.includes(source.state.id) === true;
      const decision = decide(source.state, { type: 'merge', intoCaseId, into, reserved }, ctx);
      if (!decision.ok) throw decision.error;
      if (source.state.id < intoCaseId || reserved) {
        const { state } = await this.append(source, decision.event, ctx.units, record);
        // If this fails the relay runs it again, from the marker on the merged event.
        await this.reconcileMerge(source.state.id, decision.event).catch(() => undefined);
        return { state, event: decision.event };
      }
      const absorb = decide(target!.state, { type: 'absorb', fromCaseId: source.state.id, by: actor.id }, await this.context(MERGE));
      if (!absorb.ok) throw absorb.error;
      try {
        await this.append(target!, absorb.event, ctx.units);
      } catch (error) {
        // The target changed since it was read: read it again and decide again.
        if (error instanceof VersionConflict && attempt < SYSTEM_RETRIES) continue;
        throw error;
      }
      try {
        const { state } = await this.append(source, decision.event, ctx.units, record);
        return { state, event: decision.event };
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
        // The source changed since it was read: complete or undo the reservation as the relay would.
        await this.reconcileMerge(intoCaseId, absorb.event);
        const now = await this.deps.store.load(source.state.id);
        const last = now?.state.mergedInto === intoCaseId ? await this.deps.store.eventRow(source.state.id, now.state.version) : undefined;
        if (now && last) return { state: now.state, event: last.event };
        throw error;
      }
    }
  }

  /**
   * Bring the two sides of a merge into agreement after `event` (the `merge`
   * effect; idempotent, and safe to run concurrently with itself):
   * - `merged` A→B: B lists A (if A is still merged into B);
   * - `absorbed` on B from A: A is merged into B if its own rules still allow,
   *   else the reservation is cancelled — decided on A alone, so two runs agree;
   * - `reopened` A, out of B: B no longer lists A.
   */
  async reconcileMerge(caseId: string, event: CaseEvent): Promise<void> {
    for (let attempt = 0; attempt <= SYSTEM_RETRIES; attempt++) {
      try {
        if (event.type === 'merged') return await this.linkAbsorbed(caseId, event.data.intoCaseId);
        if (event.type === 'absorbed') return await this.completeReservation(event.data.fromCaseId, caseId);
        if (event.type === 'reopened' && event.data.unmergedFrom !== undefined) return await this.unlink(caseId, event.data.unmergedFrom);
        return;
      } catch (error) {
        if (!(error instanceof VersionConflict) || attempt === SYSTEM_RETRIES) throw error;
      }
    }
  }

  private async linkAbsorbed(fromId: string, intoId: string): Promise<void> {
    const [from, into] = await Promise.all([this.deps.store.load(fromId), this.deps.store.load(intoId)]);
    if (!from || !into || from.state.mergedInto !== intoId || into.state.mergedFrom?.includes(fromId)) return;
    await this.systemAppend(into, { type: 'absorb', fromCaseId: fromId });
  }

  private async completeReservation(fromId: string, intoId: string): Promise<void> {
    const [from, into] = await Promise.all([this.deps.store.load(fromId), this.deps.store.load(intoId)]);
    if (!from || !into || from.state.mergedInto === intoId || !into.state.mergedFrom?.includes(fromId)) return;
    const ctx = await this.context(MERGE);
    const merged = decide(from.state, { type: 'merge', intoCaseId: intoId, into: into.state, reserved: true }, ctx);
    if (merged.ok) {
      await this.append(from, merged.event, ctx.units);
      return;
    }
    await this.systemAppend(into, { type: 'cancel_absorb', fromCaseId: fromId, reason: merged.error.message });
  }

  private async unlink(fromId: string, intoId: string): Promise<void> {
    const [from, into] = await Promise.all([this.deps.store.load(fromId), this.deps.store.load(intoId)]);
    if (!from || !into || from.state.mergedInto === intoId || !into.state.mergedFrom?.includes(fromId)) return;
    await this.systemAppend(into, { type: 'cancel_absorb', fromCaseId: fromId, reason: '该案已重新办理' });
  }

  private async systemAppend(loaded: Loaded, command: Command): Promise<void> {
    const ctx = await this.context(MERGE);
    const decision = decide(loaded.state, command, ctx);
    if (!decision.ok) throw decision.error;
    await this.append(loaded, decision.event, ctx.units);
  }
}
