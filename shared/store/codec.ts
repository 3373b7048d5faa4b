/**
 * How a case's events and projection are laid out as items, and which index
 * keys the projection carries. Pure; the store does the I/O.
 *
 * The projection (STATE) holds the whole folded case except its biggest
 * texts, which stay in the events that brought them (an event item is bounded
 * by the 64 KB request): STATE keeps a reference to that event and, for lists,
 * an excerpt. Everything else in a case is bounded (the contract and
 * CASE_LIMITS), so STATE fits DynamoDB's 400 KB item whatever is typed in, and
 * its write units stay about the same for a case's 2nd and 100th transition.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { awaitedBy, currentDueAt, nextTimerAt, ownTabs, type CaseEvent, type CaseState, type Reporter, type Session, type UnitTree } from '../domain/index.ts';
import { DUE_SHARDS, INDEX_LIST, PK, SK, STATE_SK, eventSk } from './schema.ts';

/** Code points of a spilled text kept in STATE for lists. */
export const EXCERPT_CHARS = 120;
/** A text up to this many UTF-8 bytes stays in STATE; a longer one is kept by reference. */
export const INLINE_TEXT_BYTES = 1024;
/** How long a request's Idempotency-Key is remembered on its case (API.md: at least 24 hours). */
export const REQUEST_MEMORY_MS = 25 * 3600_000;
/** Idempotency keys remembered per case at most (the oldest are forgotten first). */
export const REQUEST_MEMORY_MAX = 100;

export interface CodecContext {
  readonly units: UnitTree;
  /** A keyed hash of the reporter's phone or openId, or undefined when neither is known. */
  readonly reporterKey: (reporter: Reporter) => string | undefined;
}

export type Item = Record<string, unknown>;

/** What an event sets in motion beyond the write itself; the relay delivers it (see shared/service/relay.ts). */
export type EffectKind = 'notify' | 'callback' | 'escalate' | 'merge' | 'fetch';

/** A client's request that produced an event: its Idempotency-Key (scoped to the caller) and the body's hash. */
export interface RequestRecord {
  readonly id: string;
  readonly hash: string;
}

/** Events holding the texts STATE keeps by reference. */
export interface TextRefs {
  readonly description?: number;
  readonly summary?: number;
  readonly agreement?: number;
  /** Session id → the event with its 调解笔录. */
  readonly minutes?: Readonly<Record<string, number>>;
}

export interface RememberedRequest extends RequestRecord {
  readonly seq: number;
  readonly at: string;
}

/** What STATE carries besides the case: where its texts are, and the recent requests that changed it. */
export interface StateMeta {
  readonly texts: TextRefs;
  readonly requests: readonly RememberedRequest[];
}

export const EMPTY_META: StateMeta = { texts: {}, requests: [] };

/** An event as stored, with what the store keeps beside it. */
export interface EventRow {
  readonly event: CaseEvent;
  readonly request?: RequestRecord;
  /** Effects not yet delivered (the marker the relay clears; present, maybe empty, until it has). */
  readonly effects?: readonly EffectKind[];
  /**
   * The status change a 12345 system is told of (JSON), worked out when the
   * event was written, or null when the event is none; undefined for events
   * written before it was kept. The callback worker reads only these.
   */
  readonly change?: string | null;
}

/**
 * The words every case repeats — field names and common values, as the
 * domain's JSON spells them — that an event's and STATE's JSON are deflated
 * against. A plain case's STATE is then under 1 KB: one write unit per
 * transition, not two. Never edit it: stored items inflate with it (its
 * hash is tested); a better one is added as a new format byte.
 */
const CASE_DICTIONARY_1 = Buffer.from(
  [
    '"type":"escalation_requested","data":{"reason":"","note":""}"type":"escalated","data":{"fromLevel":"","fromUnitId":"","toLevel":"community","toUnitId":"","reason":"manual"',
    '"type":"returned","type":"reminded","data":{"clock":"accept"}"type":"supervised","type":"session_scheduled","type":"agreement_recorded","type":"closed","type":"dispatched"',
    '"escalationPending":{"reason":"manual","note":"","requestedAt":""},"risk":{"level":"high","terms":[]},"attachments":[],"mergedFrom":[],"township","grid","building","sms","wechat","open311","visit","call"',
    '{"type":"received","data":{"id":"","trackingNo":"","trackingCode":"","source":"hotline","externalId":"","dedupeKey":"ext:hotline-12345:hotline:","filedBy":"hotline-12345","center":"mediation","title":"","description":"",',
    '"priority":"normal","reporter":{"name":"","phone":""},"location":{"unitId":"","address":""},"parties":[],"unitId":"","level":"compound","originUnitId":"","originLevel":"compound","routing":"unit",',
    '"clocks":{"startedAt":"","resolveDueAt":"","resolveRemindAt":"","resolveBasis":"working","acceptReminded":false,"resolveReminded":false,"acceptDueAt":"","acceptRemindAt":"","acceptBasis":"working"}},',
    '"seq":1,"at":"","actor":{"kind":"client","id":"hotline-12345","source":"hotline","rootUnitId":""}}',
    '{"type":"accepted","data":{"byVolunteer":false},"seq":2,"at":"","actor":{"kind":"user","id":"","name":"","role":"mediator","unitId":""}}',
    '{"type":"noted","data":{"visibility":"public","text":""}{"type":"followed_up","data":{"satisfaction":"satisfied"}',
    '{"type":"resolved","data":{"outcome":"resolved","summary":"","onTime":true,"followUpDueAt":"T09:30:00.000Z"},"seq":4,"at":"","actor":{"kind":"user","id":"-mediator","name":"","role":"mediator","unitId":""}}',
    '{"id":"","trackingNo":"","trackingCode":"","source":"hotline","externalId":"","dedupeKey":"ext:hotline-12345:hotline:","filedBy":"hotline-12345","center":"mediation","title":"","description":"",',
    '"priority":"normal","reporter":{"name":"","phone":""},"location":{"unitId":""},"parties":[],"unitId":"","level":"compound","originUnitId":"","originLevel":"compound",',
    '"clocks":{"startedAt":"","resolveDueAt":"","resolveRemindAt":"","resolveBasis":"working","acceptReminded":false,"resolveReminded":false,"acceptDueAt":"","acceptRemindAt":"","acceptBasis":"working"},',
    '"version":1,"status":"pending","status":"in_progress","createdAt":"","updatedAt":"","returns":0,"escalations":0,"extensionsAtLevel":0,',
    '"stays":[{"level":"compound","unitId":"","enteredAt":"","reason":"intake","acceptedAt":"","leftAt":""}],"sessions":[],"followUps":[],"acceptedAt":"",',
    '"resolution":{"outcome":"resolved","summary":"","at":"","level":"compound","unitId":"","onTime":true,"by":"","followUpDueAt":"T09:30:00.000Z"},',
    '"followUps":[{"satisfaction":"satisfied","at":""}],"followUp":{"satisfaction":"satisfied","at":""}}',
  ].join(''),
);
/** What `CASE_DICTIONARY_1` must hash to (sha256, hex): a test holds it to this. */
export const CASE_DICTIONARY_1_SHA256 = createHash('sha256').update(CASE_DICTIONARY_1).digest('hex');

/** JSON as stored: format byte 1, then the text deflated against CASE_DICTIONARY_1. */
export function packJson(value: unknown): Uint8Array {
  const deflated = deflateRawSync(JSON.stringify(value), { level: 9, dictionary: CASE_DICTIONARY_1 });
  return Buffer.concat([Buffer.of(1), deflated]);
}

/** A stored JSON attribute back: packed bytes, or the text items written before packing held. */
export function unpackJson(stored: unknown): unknown {
  if (typeof stored === 'string') return JSON.parse(stored);
  if (!(stored instanceof Uint8Array) || stored[0] !== 1) throw new TypeError('not a stored JSON value');
  return JSON.parse(inflateRawSync(stored.subarray(1), { dictionary: CASE_DICTIONARY_1 }).toString('utf8'));
}

/** What `change` holds for an event that is no status change. */
const NO_CHANGE = '-';

export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function effectsKey(caseId: string, event: Pick<CaseEvent, 'seq' | 'at'>) {
  return { fxPk: `FX#${dueShard(caseId)}`, fxSk: `${event.at}|${caseId}|${String(event.seq).padStart(10, '0')}` };
}

/** Longest text kept for keyword search (the intake's title, description and work-order number fit). */
export const SEARCH_TEXT_CHARS = 4200;

/** Text as search compares it: Latin letters in lower case, runs of space as one. */
export const searchable = (text: string) => text.toLowerCase().replace(/\s+/g, ' ');

/**
 * The bySearch keys of a case's first event: its words, under the township
 * and month it was received in. The event never changes, so neither do they.
 */
export function searchKeys(event: CaseEvent, units: UnitTree): Item {
  if (event.type !== 'received') return {};
  const d = event.data;
  const rootId = units.get(d.unitId)?.rootId ?? d.unitId;
  const text = [...searchable([d.title, d.description, d.externalId ?? ''].join(' '))].slice(0, SEARCH_TEXT_CHARS).join('');
  return { searchPk: `S#${rootId}#${event.at.slice(0, 7)}`, searchSk: `${event.at}|${d.id}`, searchText: text };
}

export function eventItem(caseId: string, row: EventRow, units?: UnitTree): Item {
  const { event } = row;
  const item: Item = { [PK]: `CASE#${caseId}`, [SK]: eventSk(event.seq), seq: event.seq, type: event.type, at: event.at, event: packJson(event) };
  if (units) Object.assign(item, searchKeys(event, units));
  if (row.request) item.rq = JSON.stringify(row.request);
  if (row.change !== undefined) item.cb = row.change ?? NO_CHANGE;
  if (row.effects) Object.assign(item, { fx: [...row.effects] }, effectsKey(caseId, event));
  return item;
}

export function eventRowFromItem(item: Item): EventRow {
  const event = unpackJson(item.event) as CaseEvent;
  const request = typeof item.rq === 'string' ? (JSON.parse(item.rq) as RequestRecord) : undefined;
  const effects = Array.isArray(item.fx) ? (item.fx as EffectKind[]) : undefined;
  const change = typeof item.cb === 'string' ? (item.cb === NO_CHANGE ? null : item.cb) : undefined;
  return { event, ...(request ? { request } : {}), ...(effects ? { effects } : {}), ...(change !== undefined ? { change } : {}) };
}

export function eventFromItem(item: Item): CaseEvent {
  return unpackJson(item.event) as CaseEvent;
}

export function dueShard(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % DUE_SHARDS;
}

const OPEN = new Set(['pending', 'in_progress']);

const excerpt = (text: string) => {
  const chars = [...text];
  return chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS).join('')}…` : text;
};

const spills = (text: string) => utf8Bytes(text) > INLINE_TEXT_BYTES;

/** The meta after `row` (whose event made `after`): texts it brought, the request that caused it. */
export function nextMeta(meta: StateMeta, row: EventRow, after: CaseState): StateMeta {
  const { event } = row;
  let texts: TextRefs = meta.texts;
  const set = (field: 'description' | 'summary' | 'agreement', keep: boolean) => {
    const { [field]: _old, ...rest } = texts;
    texts = keep ? { ...rest, [field]: event.seq } : rest;
  };
  switch (event.type) {
    case 'received':
      set('description', spills(after.description));
      break;
    case 'resolved':
      set('summary', spills(event.data.summary));
      break;
    case 'deliberation_recorded':
      // Its summary is bounded and kept inline; an earlier resolution's spilled one no longer applies.
      if (event.data.resolves) set('summary', false);
      break;
    case 'agreement_recorded':
      set('agreement', spills(JSON.stringify(event.data)));
      break;
    case 'minutes_recorded':
      texts = { ...texts, minutes: { ...texts.minutes, [event.data.sessionId]: event.seq } };
      break;
  }
  const oldest = new Date(new Date(event.at).getTime() - REQUEST_MEMORY_MS).toISOString();
  let requests = meta.requests.filter((r) => r.at >= oldest);
  if (row.request) requests = [...requests, { ...row.request, seq: event.seq, at: event.at }].slice(-REQUEST_MEMORY_MAX);
  return { texts, requests };
}

/** The case as STATE stores it: referenced texts replaced by excerpts (lists read these), or left out. */
export function slim(state: CaseState, texts: TextRefs): CaseState {
  const minutes = texts.minutes ?? {};
  const sessions: Session[] = state.sessions.map((s) => {
    if (minutes[s.id] === undefined) return s;
    const { minutes: _text, ...rest } = s;
    return rest;
  });
  return {
    ...state,
    description: texts.description !== undefined ? excerpt(state.description) : state.description,
    sessions,
    agreement: texts.agreement !== undefined ? undefined : state.agreement,
    resolution:
      state.resolution && texts.summary !== undefined
        ? { ...state.resolution, summary: excerpt(state.resolution.summary) }
        : state.resolution,
  };
}

/** The seqs of the events `rehydrate` needs. */
export function textSources(texts: TextRefs): number[] {
  const seqs = [texts.description, texts.summary, texts.agreement, ...Object.values(texts.minutes ?? {})];
  return [...new Set(seqs.filter((s): s is number => s !== undefined))];
}

/** Put the referenced texts back from their events. */
export function rehydrate(state: CaseState, texts: TextRefs, events: ReadonlyMap<number, CaseEvent>): CaseState {
  const from = <T extends CaseEvent['type']>(seq: number | undefined, type: T) => {
    const event = seq === undefined ? undefined : events.get(seq);
    if (seq !== undefined && event?.type !== type) throw new Error(`case ${state.id}: event ${seq} is not the ${type} its projection names`);
    return event as Extract<CaseEvent, { type: T }> | undefined;
  };
  const received = from(texts.description, 'received');
  const resolved = from(texts.summary, 'resolved');
  const agreement = from(texts.agreement, 'agreement_recorded');
  const minutes = texts.minutes ?? {};
  return {
    ...state,
    description: received ? received.data.description : state.description,
    resolution: state.resolution && resolved ? { ...state.resolution, summary: resolved.data.summary } : state.resolution,
    agreement: agreement ? agreement.data : state.agreement,
    sessions: state.sessions.map((s) => {
      const recorded = from(minutes[s.id], 'minutes_recorded');
      return recorded ? { ...s, minutes: recorded.data.content } : s;
    }),
  };
}

/** What a case's tree-derived keys are computed from (all of it readable off those keys, too). */
export interface PathSubject {
  readonly id: string;
  readonly unitId: string;
  readonly originUnitId: string;
  readonly createdAt: string;
}

/**
 * The keys that follow the unit tree: materialized paths of the case's unit
 * and of where it arose, and the partitions of its township. A move in the
 * tree changes them, and the re-index (shared/service/reindex.ts) rewrites them.
 * A case is in the byMonth partition of the township where it arose.
 */
export function pathKeys(c: PathSubject, units: UnitTree) {
  const unit = units.get(c.unitId);
  const origin = units.get(c.originUnitId);
  const unitPath = unit?.path ?? `/${c.unitId}/`;
  const rootId = unit?.rootId ?? c.unitId;
  return {
    unitPath,
    originPath: origin?.path ?? unitPath,
    treePk: `T#${rootId}`,
    treeSk: `${unitPath}|${c.createdAt}|${c.id}`,
    monthPk: `M#${origin?.rootId ?? rootId}#${c.createdAt.slice(0, 7)}`,
  };
}

/** The id of the last unit of a materialized path (`/hp/hp-xf/` → `hp-xf`). */
export const lastUnitOf = (path: string): string => path.split('/').filter(Boolean).at(-1) ?? '';

export function stateItem(state: CaseState, meta: StateMeta, ctx: CodecContext): Item {
  const dueAt = currentDueAt(state);
  const timerAt = nextTimerAt(state, ctx.units);
  const reporterKey = ctx.reporterKey(state.reporter);
  const item: Item = {
    [PK]: `CASE#${state.id}`,
    [SK]: STATE_SK,
    version: state.version,
    state: packJson(slim(state, meta.texts)),
    status: state.status,
    center: state.center,
    level: state.level,
    priority: state.priority,
    riskLevel: state.risk?.level,
    createdAt: state.createdAt,
    dueAt,
    ...pathKeys(state, ctx.units),
    monthSk: `${state.createdAt}|${state.id}`,
  };
  if (Object.keys(meta.texts).length > 0) item.texts = JSON.stringify(meta.texts);
  if (meta.requests.length > 0) item.requests = JSON.stringify(meta.requests);
  if (state.clocks) item.clockStart = state.clocks.startedAt;
  if (OPEN.has(state.status)) {
    item.queuePk = `Q#${state.unitId}`;
    item.queueSk = `${dueAt ?? '~'}|${state.id}`;
    item.work = `|${ownTabs(state).join('|')}|`;
    item.watchPk = `W#${ctx.units.get(state.unitId)?.rootId ?? state.unitId}`;
    item.watchSk = `${state.risk ? 'R' : 'N'}${dueAt ?? '~'}|${state.id}`;
  }
  const awaited = awaitedBy(state, ctx.units);
  if (awaited) {
    item.awaitPk = `A#${awaited.unitId}`;
    item.awaitSk = `${awaited.dueAt}|${state.id}`;
    item.awaitFor = awaited.for;
    item.awaitFrom = awaited.for === 'follow_up' ? state.resolution?.at : state.clocks?.startedAt;
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
  /** As stored: referenced texts are excerpts or left out (see `slim`). */
  readonly state: CaseState;
  readonly meta: StateMeta;
}

export function stateFromItem(item: Item): StoredState {
  const stored = unpackJson(item.state) as CaseState;
  // A projection written before 0.4 kept only the last 回访: it is the one known without refolding the log.
  const state: CaseState = stored.followUps
    ? stored
    : { ...stored, followUps: stored.followUp ? [{ satisfaction: stored.followUp.satisfaction, at: stored.followUp.at }] : [] };
  const texts = typeof item.texts === 'string' ? (JSON.parse(item.texts) as TextRefs) : {};
  const requests = typeof item.requests === 'string' ? (JSON.parse(item.requests) as RememberedRequest[]) : [];
  return { state, meta: { texts, requests } };
}

/**
 * An item's size as DynamoDB counts it: attribute names and string values in
 * UTF-8 bytes, numbers about one byte per two digits, lists and maps with
 * their overhead. Write units are ⌈size / 1 KB⌉, read units ⌈size / 4 KB⌉.
 * (dynalite counts strings in UTF-16 units, so its ConsumedCapacity is low
 * for Chinese text.)
 */
export function itemBytes(item: Item): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += utf8Bytes(name) + valueBytes(value);
  }
  return total;
}

function valueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8Bytes(value);
  // Binary (the unit tree's packed parts, deflated case JSON) counts its bytes.
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/[.-]/g, '').replace(/^0+/, '').length;
    return Math.ceil(digits / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce<number>((n, v) => n + 1 + valueBytes(v), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value as Item).reduce((n, [k, v]) => (v === undefined ? n : n + 1 + utf8Bytes(k) + valueBytes(v)), 0);
  }
  return 0;
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
