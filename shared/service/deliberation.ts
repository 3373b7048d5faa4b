/**
 * 议事厅 as an application service: load the topic's log, decide, append.
 * Publishing records the result on every linked case (record_deliberation,
 * issued by the system for whoever published); that effect is relayed from
 * the log — marked before the event is written, delivered at once, and
 * redelivered by the sweeper until every case has it — so a crash cannot lose
 * it and a repeat cannot double it (a case records a deliberation once).
 * A decision past its day is reminded the same way: the sweeper's reminder
 * is marked before it is written and its notify message (topic, seq) sent
 * until sent, so the unit hears of it at least once and the notifier's outbox
 * keeps a repeat from reaching anyone twice.
 */
import { createHash } from 'node:crypto';
import {
  IdempotencyKeyReused,
  InvalidTransition,
  NotFound,
  VersionConflict,
  canReadTopic,
  decideTopic,
  deliberationStats,
  evolveTopic,
  nextTopicDue,
  overdueDecisions,
  type Actor,
  type DeliberationStats,
  type LinkedCase,
  type TopicCommand,
  type TopicEvent,
  type TopicState,
  type UnitTree,
} from '../domain/index.ts';
import type { LoadedTopic, TopicMarker, TopicRequest, TopicStore } from '../store/topic-store.ts';
import type { CaseService } from './cases.ts';

export interface DeliberationDeps {
  readonly topics: TopicStore;
  readonly cases: CaseService;
  readonly units: () => Promise<UnitTree>;
  readonly clock: () => Date;
  /** Today in China (yyyy-mm-dd). */
  readonly today: (now: Date) => string;
  readonly random: (bytes: number) => Uint8Array;
}

/** What a person asks: the command without what the service fills in (ids, the cases as the actor sees them). */
export type TopicRequestBody =
  | { readonly type: 'raise'; readonly unitId: string; readonly title: string; readonly description: string; readonly caseIds: readonly string[] }
  | { readonly type: 'link_cases'; readonly caseIds: readonly string[] }
  | Exclude<TopicCommand, { type: 'raise' | 'link_cases' | 'agree' }>
  | { readonly type: 'agree'; readonly decisions: Extract<TopicCommand, { type: 'agree' }>['decisions'] };

/** Sends a notify message about a topic's event (the sweeper's queue). */
export type TopicNotify = (message: { readonly topicId: string; readonly seq: number }) => Promise<void>;

export interface TopicResult {
  readonly state: TopicState;
  readonly event?: TopicEvent;
  readonly replayed?: boolean;
}

const SYSTEM: Actor = { kind: 'system', id: 'deliberation' };
const REMINDER: Actor = { kind: 'system', id: 'sweeper' };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export class DeliberationService {
  constructor(private readonly deps: DeliberationDeps) {}

  private rootOf(units: UnitTree, unitId: string): string {
    return units.get(unitId)?.rootId ?? unitId;
  }

  /** The cases named, as the actor sees them (undefined where they do not exist for them). */
  private async casesFor(ids: readonly string[], actor: Actor): Promise<(LinkedCase | undefined)[]> {
    return Promise.all(
      ids.map(async (id) => {
        try {
          const c = await this.deps.cases.read(id, actor);
          return { id: c.id, unitId: c.unitId, status: c.status };
        } catch (error) {
          if (error instanceof NotFound) return undefined;
          throw error;
        }
      }),
    );
  }

  async read(id: string, actor: Actor): Promise<LoadedTopic> {
    const [loaded, units] = await Promise.all([this.deps.topics.load(id), this.deps.units()]);
    if (!loaded || !canReadTopic(actor, loaded.state, units)) throw new NotFound('没有这个议题');
    return loaded;
  }

  /** Raise a topic. With an Idempotency-Key its id is derived from it, so a retry finds the first one. */
  async raise(body: Extract<TopicRequestBody, { type: 'raise' }>, actor: Actor, request?: TopicRequest): Promise<TopicResult> {
    const id = request ? `T${createHash('sha256').update(`${actor.id}#${request.key}`).digest('hex').slice(0, 12).toUpperCase()}` : `T${hex(this.deps.random(6)).toUpperCase()}`;
    if (request) {
      const existing = await this.deps.topics.load(id);
      if (existing) return this.replay(existing, 1, request);
    }
    const cases = await this.casesFor(body.caseIds, actor);
    const command: TopicCommand = { ...body, id, cases };
    try {
      return await this.decideAndAppend(undefined, command, actor, request);
    } catch (error) {
      // A concurrent copy of this request won the race for the id.
      if (error instanceof VersionConflict && request) {
        const existing = await this.deps.topics.load(id);
        if (existing) return this.replay(existing, 1, request);
      }
      throw error;
    }
  }

  async act(id: string, body: Exclude<TopicRequestBody, { type: 'raise' }>, actor: Actor, expectedVersion: number | undefined, request?: TopicRequest): Promise<TopicResult> {
    const loaded = await this.read(id, actor);
    if (request) {
      const seq = [...loaded.requests].find(([, r]) => r.key === request.key)?.[0];
      if (seq !== undefined) return this.replay(loaded, seq, request);
    }
    if (expectedVersion !== undefined && loaded.state.version !== expectedVersion) throw new VersionConflict(expectedVersion, loaded.state.version);
    let command: TopicCommand;
    if (body.type === 'link_cases') command = { ...body, cases: await this.casesFor(body.caseIds, actor) };
    else if (body.type === 'agree') command = { ...body, ids: body.decisions.map((_d, i) => `d${loaded.state.decisions.length + i + 1}`) };
    else command = body;
    const result = await this.decideAndAppend(loaded.state, command, actor, request);
    if (result.event?.type === 'published') await this.deliver({ rootId: this.rootOf(await this.deps.units(), result.state.unitId), topicId: id, seq: result.event.seq });
    return result;
  }

  private replay(loaded: LoadedTopic, seq: number, request: TopicRequest): TopicResult {
    const first = loaded.requests.get(seq);
    if (!first || first.key !== request.key) return { state: loaded.state, replayed: true };
    if (first.hash !== request.hash) throw new IdempotencyKeyReused('这个 Idempotency-Key 已用于另一个请求');
    return { state: loaded.state, event: loaded.events.find((e) => e.seq === seq), replayed: true };
  }

  private async decideAndAppend(before: TopicState | undefined, command: TopicCommand, actor: Actor, request?: TopicRequest): Promise<TopicResult> {
    const units = await this.deps.units();
    const now = this.deps.clock();
    const decision = decideTopic(before, command, { now, actor, units, today: this.deps.today(now) });
    if (!decision.ok) throw decision.error;
    const after = evolveTopic(before, decision.event);
    await this.deps.topics.append(before, after, decision.event, this.rootOf(units, after.unitId), {
      ...(request ? { request } : {}),
      relay: decision.event.type === 'published' && after.caseIds.length > 0,
    });
    return { state: after, event: decision.event };
  }

  /**
   * Record a publication on its linked cases, or send a reminder's notify
   * message, then clear its marker. Every case either records it now or had
   * it already; a failure leaves the marker for the sweeper's next pass. A
   * reminder's marker waits for the sweeper (`notify`): only it sends.
   */
  async deliver(marker: TopicMarker, notify?: TopicNotify): Promise<void> {
    const loaded = await this.deps.topics.load(marker.topicId);
    const event = loaded?.events.find((e) => e.seq === marker.seq);
    if (loaded && event?.type === 'decision_reminded') {
      if (!notify) return;
      await notify({ topicId: marker.topicId, seq: marker.seq });
      await this.deps.topics.clearMarker(marker);
      return;
    }
    if (!loaded || event?.type !== 'published') {
      await this.deps.topics.clearMarker(marker);
      return;
    }
    const { state } = loaded;
    for (const caseId of state.caseIds) {
      try {
        await this.deps.cases.act(
          caseId,
          { type: 'record_deliberation', deliberationId: state.id, title: state.title, result: event.data.result, resolves: event.data.resolvesCases, by: event.actor.id },
          SYSTEM,
        );
      } catch (error) {
        // Recorded before (a redelivery), or the case has since been withdrawn or merged: nothing more to do for it.
        if (!(error instanceof InvalidTransition)) throw error;
      }
    }
    await this.deps.topics.repair(state, marker.rootId);
    await this.deps.topics.clearMarker(marker);
  }

  /** The sweeper's pass: publications not yet on their cases, and decisions past their day, each reminded to its unit. */
  async sweep(notify: TopicNotify): Promise<{ delivered: number; reminded: number; failed: number }> {
    let delivered = 0;
    let reminded = 0;
    let failed = 0;
    for (const marker of await this.deps.topics.markers()) {
      try {
        await this.deliver(marker, notify);
        delivered += 1;
      } catch {
        failed += 1;
      }
    }
    const now = this.deps.clock();
    const today = this.deps.today(now);
    const dueKeys = await this.deps.topics.due(today);
    const units = dueKeys.length > 0 ? await this.deps.units() : undefined;
    for (const due of dueKeys) {
      try {
        const loaded = await this.deps.topics.load(due.topicId);
        if (!loaded) {
          await this.deps.topics.dropDue(due.key);
          continue;
        }
        let state = loaded.state;
        for (const d of overdueDecisions(state, today)) {
          const decision = decideTopic(state, { type: 'remind', decisionId: d.id }, { now, actor: REMINDER, units: units!, today });
          if (!decision.ok) continue;
          const after = evolveTopic(state, decision.event);
          await this.deps.topics.append(state, after, decision.event, due.rootId, { relay: true });
          state = after;
          reminded += 1;
          await this.deliver({ rootId: due.rootId, topicId: state.id, seq: decision.event.seq }, notify);
        }
        // Whatever the topic's due key is now, this one is spent.
        if (!due.key.startsWith(`${nextTopicDue(state) ?? ''}#`)) await this.deps.topics.dropDue(due.key);
      } catch {
        failed += 1;
      }
    }
    return { delivered, reminded, failed };
  }

  /** Topics the actor can see under `unitId` (default: their unit), newest first. */
  async list(actor: Actor, unitId: string, filter: { status?: string } = {}): Promise<TopicState[]> {
    const units = await this.deps.units();
    if (actor.kind === 'user' && !units.isWithin(unitId, actor.unitId)) throw new NotFound(`没有单位 ${unitId}`);
    const topics = await this.deps.topics.list(this.rootOf(units, unitId));
    return topics.filter((t) => units.isWithin(t.unitId, unitId) && canReadTopic(actor, t, units) && (filter.status === undefined || t.status === filter.status));
  }

  /** A unit's published results (公示), for everyone. */
  async published(unitId: string): Promise<TopicState[]> {
    const units = await this.deps.units();
    if (!units.get(unitId)) throw new NotFound(`没有单位 ${unitId}`);
    const topics = await this.deps.topics.list(this.rootOf(units, unitId));
    return topics.filter((t) => units.isWithin(t.unitId, unitId) && (t.status === 'published' || t.status === 'done'));
  }

  async stats(actor: Actor, unitId: string, from: string, to: string): Promise<DeliberationStats & { readonly byUnit: readonly ({ unitId: string } & DeliberationStats)[] }> {
    const units = await this.deps.units();
    const topics = await this.list(actor, unitId);
    const today = this.deps.today(this.deps.clock());
    const byUnit = units.children(unitId).map((child) => ({
      unitId: child.id,
      ...deliberationStats(topics.filter((t) => units.isWithin(t.unitId, child.id)), from, to, today),
    }));
    return { ...deliberationStats(topics, from, to, today), byUnit };
  }
}

