/**
 * The case core's promises on a real local DynamoDB: what was written reads
 * back whole after any number of actions; every event's effects are recorded
 * with it and relayed at least once; a request retried with its
 * Idempotency-Key answers the first result; no item can outgrow DynamoDB's
 * 400 KB; two opposite merges cannot both win.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTACHMENT_LIMITS,
  CASE_LIMITS,
  IdempotencyKeyReused,
  InvalidTransition,
  VersionConflict,
  fold,
  nextTimerAt,
  type Actor,
  type CaseState,
  type Command,
  type Party,
} from '../../shared/domain/index.ts';
import { CaseService } from '../../shared/service/cases.ts';
import { EffectsRelay } from '../../shared/service/relay.ts';
import { CaseStore } from '../../shared/store/case-store.ts';
import { EXCERPT_CHARS, REQUEST_MEMORY_MAX, itemBytes, nextMeta, stateFromItem, stateItem, type StateMeta } from '../../shared/store/codec.ts';
import { StatCounters } from '../../shared/store/stat-counters.ts';
import { DUE_SHARDS } from '../../shared/store/schema.ts';
import { hotline, intake, policy, units, user } from '../support/domain.ts';
import { startTable, type TestTable } from '../support/dynamo.ts';

let table: TestTable;
let store: CaseStore;
let service: CaseService;
let now = new Date('2026-11-25T02:00:00Z');
const sent: { queue: string; body: unknown }[] = [];
let relay: EffectsRelay;

const liaison = user('hp-xf-yg-1', 'liaison');
const compound = user('hp-xf-yg', 'mediator');

beforeAll(async () => {
  table = await startTable();
  store = new CaseStore(table.db, table.tableName, () => ({ units, reporterKey: (r) => r.phone }));
  service = new CaseService({ store, units: async () => units, policy: async () => policy, clock: () => now, random: (n) => randomBytes(n) });
  relay = new EffectsRelay({
    store,
    cases: service,
    count: (state) => new StatCounters(table.db, table.tableName).count(state, units),
    send: async (queue, entries) => {
      for (const e of entries) sent.push({ queue, body: e.body });
      return new Set();
    },
    callbackClients: async () => new Set([hotline.id]),
  });
});
afterAll(() => table.stop());

async function stateRow(id: string) {
  const got = await table.db.send(new GetItemCommand({ TableName: table.tableName, Key: marshall({ pk: `CASE#${id}`, sk: 'STATE' }), ConsistentRead: true }));
  return got.Item ? unmarshall(got.Item) : undefined;
}

async function pendingFor(id: string) {
  const all = (await Promise.all(Array.from({ length: DUE_SHARDS }, (_, s) => store.pendingEffects(s, '9999')))).flat();
  return all.filter((p) => p.caseId === id);
}

const act = (id: string, command: Command, actor: Actor = liaison) => service.act(id, command, actor);

describe('whole text, always', () => {
  it('a 480-character description reads back whole after later actions; STATE keeps an excerpt for lists', async () => {
    const description = '楼上住户深夜拖动家具、跺脚，噪音持续'.repeat(30).slice(0, 480);
    const { state } = await service.intake(intake({ externalId: 'WHOLE-1', description }), hotline);
    await act(state.id, { type: 'note', visibility: 'internal', text: '已联系' });
    await act(state.id, { type: 'accept' });
    const loaded = await store.load(state.id);
    expect(loaded?.state.description).toBe(description);
    expect([...loaded!.state.description]).toHaveLength(480);
    const row = await stateRow(state.id);
    expect([...stateFromItem(row!).state.description]).toHaveLength(EXCERPT_CHARS + 1);
    // Lists read STATE: they get the excerpt, never presented as the whole.
    expect((await store.getMany([state.id]))[0]?.description).toMatch(/…$/);
  });

  it('minutes, an agreement and a summary at their limits read back byte for byte, from every later state', async () => {
    const { state } = await service.intake(intake({ externalId: 'WHOLE-2', center: 'mediation', description: '邻里漏水纠纷' }), hotline);
    await act(state.id, { type: 'accept' });
    const minutes = '调解笔录：甲方称𠀀"漏水"\\n已三月。'.repeat(1200).slice(0, 20000);
    await act(state.id, { type: 'schedule_session', sessionId: 's1', at: '2026-11-26T02:00:00Z', place: '调解室', mediators: ['李'] });
    await act(state.id, { type: 'record_minutes', sessionId: 's1', content: minutes });
    const parties: Party[] = [
      { name: '甲', role: 'applicant' },
      { name: '乙', role: 'respondent' },
    ];
    const agreement = {
      parties,
      facts: '事实'.repeat(2000),
      terms: Array.from({ length: 30 }, (_, i) => `第${i + 1}条：${'赔'.repeat(990)}`),
      performance: { method: '转账', deadline: '2026-12-31' },
      signedAt: now.toISOString(),
      mediator: '李',
    };
    await act(state.id, { type: 'record_agreement', agreement });
    const summary = '双方和解'.repeat(500);
    await act(state.id, { type: 'resolve', outcome: 'resolved', summary });
    await act(state.id, { type: 'note', visibility: 'internal', text: '归档前备注' });
    const { state: read } = (await store.load(state.id))!;
    expect(read.sessions[0]?.minutes).toBe(minutes);
    expect(read.agreement).toEqual(agreement);
    expect(read.resolution?.summary).toBe(summary);
    const row = await stateRow(state.id);
    expect(itemBytes(row!)).toBeLessThan(8 * 1024);
    expect(JSON.parse(String(row!.texts))).toMatchObject({ summary: expect.any(Number), agreement: expect.any(Number), minutes: { s1: expect.any(Number) } });
  });

  it('heals a projection lost after a text-carrying event, with the text whole', async () => {
    const { state } = await service.intake(intake({ externalId: 'WHOLE-3', description: '长'.repeat(2000) }), hotline);
    await table.db.send(new DeleteItemCommand({ TableName: table.tableName, Key: marshall({ pk: `CASE#${state.id}`, sk: 'STATE' }) }));
    const { state: after } = await act(state.id, { type: 'note', visibility: 'internal', text: '补记' });
    expect(after.description).toBe('长'.repeat(2000));
    expect((await store.load(after.id))?.state.description).toBe('长'.repeat(2000));
  });
});

describe('effects are part of the write', () => {
  it('the intake event carries its effects; the relay sends them and clears the marker', async () => {
    sent.length = 0;
    const { state } = await service.intake(intake({ externalId: 'FX-1' }), hotline);
    expect((await pendingFor(state.id)).map((p) => p.effects)).toEqual([['notify']]);
    const { relayed, failed } = await relay.relay(await pendingFor(state.id));
    expect({ relayed, failed }).toEqual({ relayed: 1, failed: [] });
    expect(sent).toEqual([{ queue: 'notify', body: { caseId: state.id, seq: 1 } }]);
    expect(await pendingFor(state.id)).toEqual([]);
  });

  it('a process that died after the event write: the relay repairs STATE (and its due timer) and sends what was due', async () => {
    sent.length = 0;
    const { state } = await service.intake(intake({ externalId: 'FX-2' }), hotline);
    await relay.relay(await pendingFor(state.id));
    await act(state.id, { type: 'accept' });
    // The crash: the accept event is stored, STATE is not.
    const stale = stateFromItem((await stateRow(state.id))!);
    await act(state.id, { type: 'escalate', reason: '双方分歧大' });
    await table.db.send(new PutItemCommand({ TableName: table.tableName, Item: marshall(staleRow(stale.state, stale.meta), { removeUndefinedValues: true }) }));
    expect(Number((await stateRow(state.id))?.version)).toBe(2);
    sent.length = 0;
    await relay.relay(await pendingFor(state.id));
    const row = await stateRow(state.id);
    expect(Number(row?.version)).toBe(3);
    const whole = (await store.load(state.id))!.state;
    expect(row?.dueSk).toBe(`${nextTimerAt(whole, units)}|${state.id}`);
    expect(sent).toContainEqual({ queue: 'escalation', body: { caseId: state.id, version: 3, level: 'building', unitId: 'hp-xf-yg-1', origin: 'relay' } });
    expect(sent).toContainEqual({ queue: 'callback', body: { caseId: state.id, seq: 2 } });
    expect(await pendingFor(state.id)).toEqual([]);
  });

  it('a replayed intake finds the first one\'s effects still pending until the relay has sent them', async () => {
    const first = await service.intake(intake({ externalId: 'FX-3' }), hotline);
    const again = await service.intake(intake({ externalId: 'FX-3' }), hotline);
    expect(again.created).toBe(false);
    expect(await pendingFor(first.state.id)).toHaveLength(1);
  });
});

/** The STATE item as it was at `state`, for simulating a lost projection write. */
const staleRow = (state: CaseState, meta: StateMeta) => stateItem(state, meta, { units, reporterKey: (r) => r.phone });

describe('idempotent commands', () => {
  it('the same key and body answers the first event and version; another body with the key is refused', async () => {
    const { state } = await service.intake(intake({ externalId: 'IDEM-1' }), hotline);
    const request = { key: 'submit-8f2c', hash: 'h1' };
    const first = await service.act(state.id, { type: 'note', visibility: 'internal', text: '一次' }, liaison, 1, request);
    const retry = await service.act(state.id, { type: 'note', visibility: 'internal', text: '一次' }, liaison, 1, request);
    expect(retry).toMatchObject({ replayed: true, event: { seq: first.event.seq }, state: { version: first.state.version } });
    await act(state.id, { type: 'accept' });
    const later = await service.act(state.id, { type: 'note', visibility: 'internal', text: '一次' }, liaison, 1, request);
    expect(later).toMatchObject({ replayed: true, event: { seq: 2, type: 'noted' }, state: { version: 2 } });
    await expect(service.act(state.id, { type: 'note', visibility: 'internal', text: '另一条' }, liaison, 3, { key: 'submit-8f2c', hash: 'h2' })).rejects.toThrow(
      IdempotencyKeyReused,
    );
    // Another user's identical key is their own.
    const other = await service.act(state.id, { type: 'note', visibility: 'internal', text: '一次' }, compound, 3, request);
    expect(other.replayed).toBeUndefined();
    expect((await store.events(state.id)).items.map((e) => e.type)).toEqual(['received', 'noted', 'accepted', 'noted']);
  });

  it('a key is answered from the record for 24 hours; a write after 25 hours forgets it, and the same request is then a new one', async () => {
    const start = now;
    try {
      const { state } = await service.intake(intake({ externalId: 'IDEM-24H' }), hotline);
      const request = { key: 'submit-24h', hash: 'h24' };
      const note: Command = { type: 'note', visibility: 'internal', text: '已约双方周五面谈' };
      const first = await service.act(state.id, note, liaison, 1, request);
      // 23 hours on, after another write to the case: still the first answer, nothing written.
      now = new Date(start.getTime() + 23 * 3600_000);
      await act(state.id, { type: 'accept' });
      const replay = await service.act(state.id, note, liaison, 1, request);
      expect(replay).toMatchObject({ replayed: true, event: { seq: first.event.seq }, state: { version: first.state.version } });
      // Past 25 hours the key is still answered until the case is written again (STATE drops it then) ...
      now = new Date(start.getTime() + 25 * 3600_000 + 60_000);
      expect((await service.act(state.id, note, liaison, 1, request)).replayed).toBe(true);
      await act(state.id, { type: 'note', visibility: 'internal', text: '第二天补记' });
      expect((await store.load(state.id))!.meta.requests.map((r) => r.id)).not.toContain(`${liaison.id}:submit-24h`);
      // ... and then the same request is a new one: the page's stale expectedVersion makes it a 409, without it a second note.
      await expect(service.act(state.id, note, liaison, 1, request)).rejects.toThrow(VersionConflict);
      const again = await service.act(state.id, note, liaison, undefined, request);
      expect(again.replayed).toBeUndefined();
      expect((await store.events(state.id)).items.map((e) => e.type)).toEqual(['received', 'noted', 'accepted', 'noted', 'noted']);
    } finally {
      now = start;
    }
  });

  it('a case remembers its last hundred keys: the oldest is forgotten first, even within 24 hours', async () => {
    const { state } = await service.intake(intake({ externalId: 'IDEM-CAP' }), hotline);
    const received = (await store.events(state.id)).items[0]!;
    let meta: StateMeta = { texts: {}, requests: [] };
    for (let seq = 2; seq <= REQUEST_MEMORY_MAX + 2; seq++) {
      const event = { ...received, seq, at: new Date(now.getTime() + seq * 1000).toISOString() };
      meta = nextMeta(meta, { event, request: { id: `u:key-${seq}`, hash: 'h' } }, state);
    }
    expect(meta.requests).toHaveLength(REQUEST_MEMORY_MAX);
    expect(meta.requests[0]!.id).toBe('u:key-3');
    expect(meta.requests.at(-1)!.id).toBe(`u:key-${REQUEST_MEMORY_MAX + 2}`);
  });

  it('ten concurrent copies of one request write one event', async () => {
    const { state } = await service.intake(intake({ externalId: 'IDEM-2' }), hotline);
    const request = { key: 'double-click', hash: 'same' };
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => service.act(state.id, { type: 'accept' }, liaison, 1, request)),
    );
    expect(results.every((r) => r.status === 'fulfilled' && r.value.event.seq === 2)).toBe(true);
    expect((await store.events(state.id)).items).toHaveLength(2);
  });
});

describe('the item budget', () => {
  it('a case with every field at its maximum stays under 400 KB per item, counted in UTF-8', async () => {
    const astral = (n: number) => '𠀀'.repeat(n);
    const party = (i: number): Party => ({ name: `${i}${astral(49)}`, role: 'third_party', phone: '13800138000', idNumber: '11010519491231002X', address: astral(200) });
    const { state } = await service.intake(
      intake({
        externalId: 'BIG-1',
        title: astral(100),
        description: astral(4000),
        reporter: { name: astral(50), phone: '13800138000', openId: 'o'.repeat(128) },
        location: { unitId: 'hp-xf-yg-1', address: astral(200), lat: 30.123456, lng: 111.123456 },
        parties: Array.from({ length: 20 }, (_, i) => party(i)),
      }),
      hotline,
    );
    const id = state.id;
    await act(id, { type: 'accept' });
    for (let i = 20; i < CASE_LIMITS.parties; i++) await act(id, { type: 'add_party', party: party(i) });
    await expect(act(id, { type: 'add_party', party: party(99) })).rejects.toThrow(InvalidTransition);
    // STATE keeps no minutes, only a reference per session: their length does not count towards it. One at the
    // limit puts the largest event item and reads back whole; twenty there would check nothing more, yet every
    // later action would read them all back (the test took 8 s alone and timed out on a loaded machine).
    const minutes = (i: number) => (i === 0 ? astral(20000) : `第${i}次调解笔录`);
    for (let i = 0; i < CASE_LIMITS.sessions; i++) {
      await act(id, { type: 'schedule_session', sessionId: `s${i}`, at: '2026-11-26T02:00:00Z', place: astral(200), mediators: Array.from({ length: 10 }, () => astral(50)) });
      await act(id, { type: 'record_minutes', sessionId: `s${i}`, content: minutes(i) });
    }
    const due = (await store.load(id))!.state.clocks!.resolveDueAt;
    await act(id, { type: 'extend_request', reason: astral(500), until: new Date(new Date(due).getTime() + 3600_000).toISOString() });
    await act(id, { type: 'escalate', reason: astral(500) });
    const row = await stateRow(id);
    const bytes = itemBytes(row!);
    expect(bytes).toBeLessThan(400 * 1024);
    // The store wrote it, and it reads back whole.
    const loaded = (await store.load(id))!.state;
    expect(loaded.sessions.map((s) => s.minutes)).toEqual(Array.from({ length: CASE_LIMITS.sessions }, (_, i) => minutes(i)));
    expect(Object.keys(JSON.parse(String(row!.texts)).minutes)).toHaveLength(CASE_LIMITS.sessions);
    expect(loaded.description).toBe(astral(4000));

    // What no test run reaches quickly, at its bound too: a stay per event a person may add (and the
    // timers' last climb), the most remembered Idempotency-Keys, repeats and merges at their caps.
    const longId = 'u'.repeat(64);
    const worst: CaseState = {
      ...loaded,
      stays: Array.from({ length: CASE_LIMITS.events + 3 }, () => ({
        level: 'community', unitId: longId, enteredAt: now.toISOString(), reason: 'return_limit', acceptedAt: now.toISOString(), leftAt: now.toISOString(),
      })),
      possibleRepeatOf: Array.from({ length: 10 }, (_, i) => `R${String(i).padStart(9, '0')}`),
      mergedFrom: Array.from({ length: CASE_LIMITS.mergedFrom + 5 }, (_, i) => `M${String(i).padStart(9, '0')}`),
      // Files at their cap, every text of each at its limit (names and captions in 4-byte characters).
      attachments: Array.from({ length: CASE_LIMITS.attachments }, (_, i) => ({
        id: `U${String(i).padStart(16, 'x')}`,
        kind: 'document' as const,
        mediaType: 'application/pdf' as const,
        size: ATTACHMENT_LIMITS.maxBytes,
        sha256: 'f'.repeat(64),
        name: `${astral(ATTACHMENT_LIMITS.nameChars - 4)}.pdf`,
        caption: astral(ATTACHMENT_LIMITS.captionChars),
        visibility: 'internal' as const,
        purpose: 'agreement' as const,
        origin: 'hotline' as const,
        locationRemoved: true,
        ref: `${CASE_LIMITS.events}.${i}`,
        at: now.toISOString(),
        by: astral(50),
      })),
    };
    const meta = (await store.load(id))!.meta;
    const requests = Array.from({ length: REQUEST_MEMORY_MAX }, (_, i) => ({ id: `${'a'.repeat(64)}:${'k'.repeat(128)}`, hash: 'h'.repeat(43), seq: i + 1, at: now.toISOString() }));
    const item = stateItem(worst, { ...meta, requests }, { units, reporterKey: () => 'r'.repeat(43) });
    console.log(`[item budget] worst-case STATE item: ${(itemBytes(item) / 1024).toFixed(0)} KB`);
    expect(itemBytes(item)).toBeLessThan(400 * 1024);
    await table.db.send(new PutItemCommand({ TableName: table.tableName, Item: marshall(item, { removeUndefinedValues: true }) }));
    expect(stateFromItem((await stateRow(id))!).state.stays).toHaveLength(CASE_LIMITS.events + 3);
    expect(stateFromItem((await stateRow(id))!).state.attachments).toHaveLength(CASE_LIMITS.attachments);
    // Some fifty actions, each reading and writing items of a few hundred KB: ~7 s alone on dynalite, several
    // times that on DynamoDB Local or a loaded machine. The bound is the case's size, not slowness of the code.
  }, 120_000);
});

describe('merges', () => {
  const pair = async (n: number) => {
    const a = (await service.intake(intake({ externalId: `MERGE-${n}-A`, description: `漏水 ${n}` }), hotline)).state;
    const b = (await service.intake(intake({ externalId: `MERGE-${n}-B`, description: `漏水 ${n}` }), hotline)).state;
    return [a, b] as const;
  };

  it('of A→B and B→A tried together exactly one wins, whichever id is smaller', async () => {
    for (let n = 0; n < 8; n++) {
      const [a, b] = await pair(n);
      const results = await Promise.allSettled([
        service.act(a.id, { type: 'merge', intoCaseId: b.id }, liaison, a.version),
        service.act(b.id, { type: 'merge', intoCaseId: a.id }, liaison, b.version),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won, `pair ${n}`).toHaveLength(1);
      // The loser either lost the race for the same version or, deciding later, found its target merged.
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason instanceof VersionConflict || /merged/.test(String(r.reason))).toBe(true);
      }
      const [sa, sb] = [(await store.load(a.id))!.state, (await store.load(b.id))!.state];
      const merged = sa.status === 'merged' ? sa : sb;
      const live = merged === sa ? sb : sa;
      expect(merged.mergedInto).toBe(live.id);
      expect(live.status).toBe('pending');
      expect(live.mergedFrom).toEqual([merged.id]);
    }
  });

  it('a case merged away is reopened by the level above, and its target no longer lists it', async () => {
    const [a, b] = await pair(100);
    await service.act(a.id, { type: 'merge', intoCaseId: b.id }, liaison, a.version);
    await expect(act(a.id, { type: 'reopen', reason: '误并' }, liaison)).rejects.toThrow();
    const reopened = await act(a.id, { type: 'reopen', reason: '误并，恢复办理' }, compound);
    expect(reopened.state).toMatchObject({ status: 'pending', mergedInto: undefined });
    expect(reopened.event).toMatchObject({ type: 'reopened', data: { unmergedFrom: b.id } });
    await relay.relay(await pendingFor(a.id));
    expect((await store.load(b.id))!.state.mergedFrom).toBeUndefined();
    // And it can be worked again.
    await act(a.id, { type: 'accept' }, liaison);
  });

  it('a reservation whose source can no longer be merged is cancelled on the target', async () => {
    const [a, b] = await pair(101);
    const [low, high] = a.id < b.id ? [a, b] : [b, a];
    // The target (smaller id) records the reservation first; the source is withdrawn before its side is written.
    await service.act(low.id, { type: 'absorb', fromCaseId: high.id }, { kind: 'system', id: 'merge' });
    await service.act(high.id, { type: 'withdraw', reason: '居民撤回' }, { kind: 'resident', id: 'sms', channel: 'sms' });
    await relay.relay(await pendingFor(low.id));
    const target = (await store.load(low.id))!.state;
    expect(target.mergedFrom).toBeUndefined();
    expect((await store.events(low.id)).items.at(-1)).toMatchObject({ type: 'absorb_cancelled', data: { fromCaseId: high.id } });
    expect((await store.load(high.id))!.state.status).toBe('withdrawn');
  });

  it('the projection of every case here equals the fold of its log', async () => {
    const sample = (await service.intake(intake({ externalId: 'FOLD-1' }), hotline)).state;
    await act(sample.id, { type: 'accept' });
    await service.act(sample.id, { type: 'escalate', reason: '需要上级协调' }, liaison);
    const history = (await store.events(sample.id, { limit: 500 })).items;
    expect((await store.load(sample.id))!.state).toEqual(fold(history));
  });
});
