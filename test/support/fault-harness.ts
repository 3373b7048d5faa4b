/**
 * Fault injection over the whole case core (the harness; test/integration/faults/
 * runs it in shards, one process each). Each run, from its seed: random
 * commands (intake, actions with Idempotency-Key retries, timers, 回访,
 * merges) while the DynamoDB and SQS clients fail, answer too late, or crash
 * the process, and SQS duplicates messages and loses deletes. Then recovery —
 * the relay, the sweeper and the workers run until nothing is left — and the
 * promises are checked:
 * - no acknowledged command is lost, and every projection equals the fold of its log;
 * - every event's effects were delivered at least once, and the 12345 receiver
 *   applied each X-MDT-Delivery exactly once, in seq order per case;
 * - every open case has exactly the due timer its state implies, nothing is
 *   left due, and no case escalates twice for one deadline; merges agree.
 * A failing run prints its seed; FAULT_SEED=<n> replays one run, FAULT_RUNS sets how many (in all).
 */
import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { dumpTable } from './dynamo.ts';
import type { Context, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEMO_UNITS, HOTLINE_CLIENT } from '../../infra/local/demo-data.ts';
import { ensureTable } from '../../infra/local/resources.ts';
import { startDynamo } from '../../infra/local/servers.ts';
import { QUEUES } from '../../infra/topology.ts';
import { statusChangeFor, type StatusChange } from '../../shared/channels/callback.ts';
import { OWN, SUB, contribution, counterDelta, counterRowsOf, dueCommand, evolve, type Actor, type CaseEvent, type CaseState, type Command, type Role } from '../../shared/domain/index.ts';
import { effectsOf } from '../../shared/service/effects.ts';
import { EMPTY_META, eventRowFromItem, nextMeta, stateItem, unpackJson } from '../../shared/store/codec.ts';
import { DUE_SHARDS } from '../../shared/store/schema.ts';
import { FakeSqs, FaultPlan, KeyedChance, injectFaults, prng, type Random } from './faults.ts';

const RUNS = Number(process.env.FAULT_RUNS ?? 1000);
const ONLY = process.env.FAULT_SEED === undefined ? undefined : Number(process.env.FAULT_SEED);
export const FAULT_SHARDS = 2;
const TABLE = 'faults';
const QUEUE_URL = (name: string) => `https://sqs.cn-north-1.amazonaws.com.cn/000000000000/${name}`;

const dynamo = await startDynamo();
Object.assign(process.env, {
  AWS_REGION: 'cn-north-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  TABLE_NAME: TABLE,
  QUEUE_URL_ESCALATION: QUEUE_URL('escalation'),
  QUEUE_URL_NOTIFY: QUEUE_URL('notify'),
  QUEUE_URL_CALLBACK: QUEUE_URL('callback'),
  // The sweeper relays whatever is still pending, at once: here it is the stream's only backstop.
  RELAY_BACKSTOP_SECONDS: '0',
});
const { clock } = await import('../../shared/service/clock.ts');
const runtime = await import('../../shared/service/runtime.ts');
const queues = await import('../../shared/service/queues.ts');
type SqsHandler = (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: { itemIdentifier: string }[] } | void>;
const handlers = {
  relay: (await import('../../functions/relay/handler.ts')).handler,
  sweeper: (await import('../../functions/sweeper/handler.ts')).handler,
  escalation: (await import('../../functions/escalation-worker/handler.ts')).handler as SqsHandler,
  notify: (await import('../../functions/notifier/handler.ts')).handler as SqsHandler,
  callback: (await import('../../functions/callback-worker/handler.ts')).handler as SqsHandler,
};
const WORKERS = { escalation: handlers.escalation, notify: handlers.notify, callback: handlers.callback } as const;
type QueueName = keyof typeof WORKERS;

// The harness reads the table through its own client: what it sees is never faulted.
const clean = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const plan = new FaultPlan({ fail: 0.03, timeoutAfterSuccess: 0.03, crash: 0.02 });
const sqs = new FakeSqs(QUEUES, (url) => url.slice(url.lastIndexOf('/') + 1), { duplicate: 0.05, lostDelete: 0.03 });
// Before the clients' first call: they cache each command's middleware stack when it is first sent.
injectFaults(runtime.dynamodb.middlewareStack, plan, 'dynamodb');
injectFaults(queues.sqs.middlewareStack, plan, 'sqs');
sqs.install(queues.sqs.middlewareStack);
await ensureTable(clean, TABLE);
await runtime.directory.putUnits(DEMO_UNITS);
vi.spyOn(console, 'log').mockImplementation(() => undefined);

/** The 12345 system: applies each X-MDT-Delivery once, refuses sometimes, and notes anything out of order. */
const receiver = {
  chance: new KeyedChance(0),
  applied: new Map<string, StatusChange[]>(),
  bodies: new Map<string, string>(),
  problems: [] as string[],
  refusals: 0,
  server: undefined as Server | undefined,
};
receiver.server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (receiver.chance.roll(String(req.headers['x-mdt-delivery'])) < 0.05) {
      receiver.refusals++;
      res.writeHead(503).end();
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const delivery = String(req.headers['x-mdt-delivery']);
    const change = JSON.parse(body) as StatusChange;
    const seen = receiver.bodies.get(delivery);
    if (seen === undefined) {
      const applied = receiver.applied.get(change.caseId) ?? [];
      if ((applied.at(-1)?.seq ?? 0) >= (change.seq ?? 0)) receiver.problems.push(`${delivery} applied after seq ${applied.at(-1)?.seq}`);
      receiver.applied.set(change.caseId, [...applied, change]);
      receiver.bodies.set(delivery, body);
    } else if (JSON.parse(seen).status !== change.status) {
      receiver.problems.push(`${delivery} sent again with another status`);
    }
    res.writeHead(200).end();
  });
});
await new Promise<void>((done) => receiver.server!.listen(0, '127.0.0.1', done));
const address = receiver.server.address();
const CALLBACK_URL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/12345`;
await runtime.directory.putApiClient('faults-hotline-key', { ...HOTLINE_CLIENT, callbackUrl: CALLBACK_URL, callbackSecret: 'faults-secret' });

afterAll(async () => {
  clock.reset();
  await new Promise<void>((done) => receiver.server!.close(() => done()));
  clean.destroy();
  await dynamo.stop();
});

const context = { functionName: 'faults', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const hotline: Actor = { kind: 'client', id: HOTLINE_CLIENT.name, source: 'hotline', rootUnitId: HOTLINE_CLIENT.rootUnitId };
const staff = (unitId: string, role: Role = 'mediator'): Actor => ({ kind: 'user', id: `${role}@${unitId}`, name: `${role}@${unitId}`, role, unitId });
const parentOf = (unitId: string) => DEMO_UNITS.find((u) => u.id === unitId)?.parentId;

/** Run one "process": a crash does not outlive it, and whatever it throws is its own business. */
async function invocation<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  plan.restart();
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

async function pendingRecords(): Promise<DynamoDBStreamEvent> {
  const items = [];
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    const page = await clean.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byPendingEffects',
        KeyConditionExpression: 'fxPk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': `FX#${shard}` }),
      }),
    );
    items.push(...(page.Items ?? []));
  }
  return {
    Records: items.map((image, n) => ({
      eventName: 'INSERT',
      dynamodb: { Keys: { pk: image.pk!, sk: image.sk! } as never, NewImage: image as never, SequenceNumber: String(n) },
    })),
  };
}

/** DynamoDB Streams: the new images of events with pending effects (the stream itself is not faulted). */
async function stream(random: Random): Promise<void> {
  const event = await pendingRecords();
  if (event.Records.length === 0) return;
  const batch = { Records: event.Records.filter(() => random.chance(0.8)) };
  await invocation(() => handlers.relay(batch.Records.length > 0 ? batch : event));
}

/** Lambda's SQS poller: a batch, then deletes for what succeeded; a crash or throw leaves it all. */
async function consume(queue: QueueName, batchSize = 10): Promise<number> {
  const messages = sqs.receive(queue, batchSize);
  if (messages.length === 0) return 0;
  const event: SQSEvent = {
    Records: messages.map((m) => ({
      messageId: m.id,
      receiptHandle: m.receipt,
      body: m.body,
      attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:cn-north-1:000000000000:${queue}`,
      awsRegion: 'cn-north-1',
    })),
  };
  const result = await invocation(() => WORKERS[queue](event, context));
  if (!result.ok) return messages.length;
  const failed = new Set((result.value?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  for (const m of messages) if (!failed.has(m.id)) sqs.delete(queue, m);
  return messages.length;
}

interface Ack {
  readonly caseId: string;
  readonly seq: number;
  readonly type: string;
}

interface RunResult {
  readonly violations: string[];
  readonly commands: number;
  readonly acks: number;
}

/** What a run leaves behind goes (the directory stays): the next run starts from an empty case table. */
async function clearCases(): Promise<void> {
  const keep = /^(UNITS|TREE|APIKEY#|CALLBACKS)/;
  let start: Record<string, never> | undefined;
  const keys: Record<string, unknown>[] = [];
  do {
    const page = await clean.send(new ScanCommand({ TableName: TABLE, ProjectionExpression: 'pk, sk', ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) if (!keep.test(item.pk?.S ?? '')) keys.push(item);
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  for (let i = 0; i < keys.length; i += 25) {
    let requests: unknown[] | undefined = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (requests?.length) {
      const out: { UnprocessedItems?: Record<string, unknown[]> } = await clean.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests as never } }));
      requests = out.UnprocessedItems?.[TABLE];
    }
  }
}

async function loadClean(id: string): Promise<{ events: CaseEvent[]; rows: Record<string, unknown>[]; state?: Record<string, unknown> }> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await clean.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': `CASE#${id}` }), ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  const rows = items.filter((i) => String(i.sk).startsWith('EVT#'));
  return { events: rows.map((r) => eventRowFromItem(r).event), rows, state: items.find((i) => i.sk === 'STATE') };
}

/** The command a person would try next on this case (or undefined). */
function nextCommand(random: Random, state: CaseState, others: readonly CaseState[]): { command: Command; actor: Actor } | undefined {
  const here = staff(state.unitId);
  switch (state.status) {
    case 'pending':
      return random.pick([
        { command: { type: 'accept' }, actor: here },
        { command: { type: 'note', visibility: 'public', text: '已收到，正在联系' }, actor: here },
        { command: { type: 'escalate', reason: '需要上级协调' }, actor: here },
      ] satisfies { command: Command; actor: Actor }[]);
    case 'in_progress': {
      const target = others.find((o) => o.id !== state.id && (o.status === 'pending' || o.status === 'in_progress'));
      return random.pick([
        { command: { type: 'resolve', outcome: 'resolved', summary: '已处理完毕' }, actor: here },
        { command: { type: 'note', visibility: 'internal', text: '电话回访当事人' }, actor: here },
        { command: { type: 'escalate', reason: '需要上级协调' }, actor: here },
        // A photo the mediator uploaded (the file itself is in S3; the case records what it is).
        { command: { type: 'attach', attachment: { id: `U${random.int(1, 1e9)}`, kind: 'image', mediaType: 'image/jpeg', size: 2048, sha256: 'a'.repeat(64), name: '现场.jpg', visibility: 'shared', purpose: 'evidence', origin: 'upload' } } as Command, actor: here },
        ...(target ? [{ command: { type: 'merge', intoCaseId: target.id } as Command, actor: here }] : []),
      ]);
    }
    case 'resolved':
      return random.pick([
        { command: { type: 'follow_up', satisfaction: random.pick(['satisfied', 'dissatisfied'] as const) }, actor: here },
        { command: { type: 'close' }, actor: here },
      ] satisfies { command: Command; actor: Actor }[]);
    case 'merged': {
      const above = parentOf(state.unitId);
      return above ? { command: { type: 'reopen', reason: '误并，恢复办理' }, actor: staff(above) } : undefined;
    }
    default:
      return undefined;
  }
}

async function run(seed: number): Promise<RunResult> {
  const random = prng(seed);
  plan.chance.reset(seed);
  sqs.chance.reset(seed);
  receiver.chance.reset(seed);
  receiver.applied.clear();
  receiver.bodies.clear();
  receiver.problems.length = 0;
  sqs.reset();
  sqs.now = 0;
  plan.enabled = false;
  await clearCases();
  let now = new Date('2026-11-23T01:00:00Z').getTime();
  clock.set(() => new Date(now));

  const acks: Ack[] = [];
  const ids: string[] = [];
  let commands = 0;
  plan.enabled = true;
  const steps = random.int(6, 14);
  for (let step = 0; step < steps; step++) {
    const roll = random.next();
    if (roll < 0.2 || ids.length === 0) {
      commands++;
      const input = {
        source: 'hotline',
        externalId: `F${seed}-${step}`,
        center: 'voice' as const,
        description: `阳光小区1栋楼道灯坏了（${step}）`,
        priority: 'normal' as const,
        reporter: { name: '周女士', phone: '13800138000' },
        location: { unitId: 'hp-xf-yg-1' },
        parties: [],
      };
      // A hotline retries a work order it got no answer for, with the same number.
      for (let attempt = 0; attempt < 3; attempt++) {
        const filed = await invocation(() => runtime.cases.intake(input, hotline));
        if (filed.ok) {
          ids.push(filed.value.state.id);
          acks.push({ caseId: filed.value.state.id, seq: 1, type: 'received' });
          break;
        }
      }
    } else if (roll < 0.65) {
      const states = (await runtime.store.getMany(ids).catch(() => [])) as CaseState[];
      const state = states.length > 0 ? random.pick(states) : undefined;
      const next = state && nextCommand(random, state, states);
      if (!state || !next) continue;
      commands++;
      const request = { key: `k${step}`, hash: JSON.stringify(next.command) };
      // The page retries a submit it got no answer for, with the same Idempotency-Key.
      for (let attempt = 0; attempt < 3; attempt++) {
        const done = await invocation(() => runtime.cases.act(state.id, next.command, next.actor, state.version, request));
        if (done.ok) {
          acks.push({ caseId: state.id, seq: done.value.event.seq, type: done.value.event.type });
          break;
        }
        if (!(done.error instanceof Error) || !/injected|Crash|no answer|gone/.test(`${done.error.name} ${done.error.message}`)) break;
      }
    } else if (roll < 0.75) {
      now += random.int(1, 30) * 3600_000;
    } else if (roll < 0.82) {
      await invocation(() => handlers.sweeper({}));
    } else if (roll < 0.9) {
      await stream(random);
    } else {
      sqs.now += random.int(0, 120);
      await consume(random.pick(['escalation', 'notify', 'callback'] as const), random.int(1, 10));
    }
  }

  // Recovery: no more faults; the stream, the sweeper and the workers run until nothing is left.
  plan.enabled = false;
  plan.restart();
  for (let pass = 0; pass < 100; pass++) {
    await stream(prng(pass));
    const swept = await handlers.sweeper({});
    let moved = swept.sent + swept.relayed + sqs.redrive();
    for (const queue of ['escalation', 'notify', 'callback'] as const) {
      // Past every visibility timeout and delay: what is left in a queue is due again.
      sqs.now += 3600;
      for (let n = 0; n < 50 && (await consume(queue)) > 0; n++) moved++;
    }
    if (moved === 0 && sqs.pending() === 0) break;
  }
  return { violations: await check(new Date(now), acks), commands, acks: acks.length };
}

async function check(now: Date, acks: readonly Ack[]): Promise<string[]> {
  const violations: string[] = [];
  const units = await runtime.directory.units();
  // Every page: the counters' rows make the table larger than one Scan page.
  const items = await dumpTable(clean, TABLE);
  const caseIds = [...new Set(items.map((i) => i.pk as string).filter((pk) => pk.startsWith('CASE#')).map((pk) => pk.slice(5)))];
  // Messages carry a schema version (and may carry more fields): what was notified is the case and seq in each.
  const notified = new Set(
    (sqs.consumed.get('notify') ?? []).map((body) => {
      const { caseId, seq } = JSON.parse(body) as { caseId?: string; seq?: number };
      return JSON.stringify({ caseId, seq });
    }),
  );
  const states = new Map<string, CaseState>();

  for (const id of caseIds) {
    const { events, rows, state: raw } = await loadClean(id);
    const say = (what: string) => violations.push(`case ${id}: ${what}`);
    if (events.some((e, i) => e.seq !== i + 1)) say(`log not gap-free: ${events.map((e) => e.seq).join(',')}`);
    if (rows.some((r) => r.fx !== undefined || r.fxPk !== undefined)) say('effects still pending after recovery');
    // The projection equals the fold of the log, index keys and all.
    let state: CaseState | undefined;
    let meta = EMPTY_META;
    const keys = new Set<string>();
    for (const row of rows) {
      const parsed = eventRowFromItem(row);
      state = evolve(state, parsed.event);
      meta = nextMeta(meta, parsed, state);
      if (parsed.request) {
        if (keys.has(parsed.request.id)) say(`request ${parsed.request.id} applied twice`);
        keys.add(parsed.request.id);
      }
      const effects = effectsOf(parsed.event, state, units);
      if (effects.includes('notify') && !notified.has(JSON.stringify({ caseId: id, seq: parsed.event.seq }))) {
        say(`event ${parsed.event.seq} (${parsed.event.type}) was never notified`);
      }
    }
    if (!state) continue;
    states.set(id, state);
    if (!raw) say('no projection');
    else {
      const expected = stateItem(state, meta, { units, reporterKey: runtime.reporterKey });
      const cleaned = Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined));
      // JSON attributes compare as values (the order of keys carries no meaning).
      const value = (v: unknown) => (v instanceof Uint8Array || (typeof v === 'string' && v.startsWith('{')) ? unpackJson(v) : v);
      const differs = [...new Set([...Object.keys(cleaned), ...Object.keys(raw)])].filter((k) => !isDeepStrictEqual(value(cleaned[k]), value(raw[k])));
      if (differs.length > 0) say(`projection differs from the fold of the log in ${differs.map((k) => `${k}: ${JSON.stringify(raw[k])?.slice(0, 300)} ≠ ${JSON.stringify(cleaned[k])?.slice(0, 300)}`).join('; ')}`);
    }
    const due = dueCommand(state, now, units);
    if (due) say(`still due after recovery: ${due.type}`);
    // One escalation per deadline: a stay ends with at most one escalation, has at most one reminder per clock.
    let stay: CaseEvent[] = [];
    for (const event of events) {
      if (event.type === 'escalated' && stay.some((e) => e.type === 'escalated')) say(`escalated twice from one stay (seq ${event.seq})`);
      if (event.type === 'reminded' && stay.some((e) => e.type === 'reminded' && e.data.clock === event.data.clock)) say(`reminded twice (seq ${event.seq})`);
      if (event.type === 'supervised') {
        const last = [...stay].reverse().find((e) => e.type === 'supervised');
        const expected = last?.type === 'supervised' ? last.data.alert + 1 : undefined;
        if (expected !== undefined && event.data.alert !== expected) say(`supervised alert ${event.data.alert} after ${expected - 1}`);
      }
      stay.push(event);
      if (['escalated', 'dispatched_to_unit', 'returned', 'reopened', 'resolved', 'followed_up'].includes(event.type)) stay = [];
    }
    // The 12345 system applied exactly its status changes, once each, in order.
    let folded: CaseState | undefined;
    const changes: number[] = [];
    for (const event of events) {
      folded = evolve(folded, event);
      if (statusChangeFor(event, folded)) changes.push(event.seq);
    }
    const applied = (receiver.applied.get(id) ?? []).map((c) => c.seq ?? 0);
    if (JSON.stringify(applied) !== JSON.stringify(changes)) say(`12345 applied [${applied.join(',')}], the log has changes [${changes.join(',')}]`);
  }
  for (const [id, state] of states) {
    if (state.mergedInto !== undefined && !states.get(state.mergedInto)?.mergedFrom?.includes(id)) violations.push(`case ${id}: merged into ${state.mergedInto}, which does not list it`);
    for (const from of state.mergedFrom ?? []) if (states.get(from)?.mergedInto !== id) violations.push(`case ${id}: lists ${from}, which is not merged into it`);
  }
  // The statistics counters equal a recount of the cases as they are.
  const counted = items.filter((item) => String(item.pk).startsWith('STATS#')).map((item) => ({
    unitId: String(item.pk).slice('STATS#'.length),
    day: String(item.sk),
    counts: Object.fromEntries(Object.entries(item).filter(([k]) => k.startsWith(SUB) || k.startsWith(OWN)) as [string, number][]),
  }));
  const recount = [...states.values()].flatMap((state) => counterRowsOf(contribution(state), units));
  for (const row of counterDelta(recount, counted)) violations.push(`statistics counters of ${row.unitId} on ${row.day} differ from a recount by ${JSON.stringify(row.counts)}`);
  for (const ack of acks) {
    const { events } = await loadClean(ack.caseId);
    if (events[ack.seq - 1]?.type !== ack.type) violations.push(`case ${ack.caseId}: acknowledged ${ack.type} at seq ${ack.seq} is not in the log`);
  }
  violations.push(...receiver.problems);
  return violations;
}

/** Runs this shard's seeds (seed ≡ shard mod FAULT_SHARDS) and checks every one. */
export function faultShard(shard: number): void {
  describe(`the case core under faults (shard ${shard + 1} of ${FAULT_SHARDS})`, () => {
    const all = ONLY === undefined ? Array.from({ length: RUNS }, (_, i) => i + 1) : [ONLY];
    const seeds = all.filter((seed) => ONLY !== undefined || seed % FAULT_SHARDS === shard);
    it(`keeps its promises over ${seeds.length} seeded runs of random commands, faults and redeliveries`, { timeout: 900_000 }, async () => {
      let commands = 0;
      let acks = 0;
      const failures: string[] = [];
      for (const seed of seeds) {
        const result = await run(seed);
        commands += result.commands;
        acks += result.acks;
        if (result.violations.length > 0) failures.push(`seed ${seed} (replay: FAULT_SEED=${seed}): ${result.violations.slice(0, 5).join('; ')}`);
        if (failures.length >= 3) break;
      }
      process.stdout.write(
        `fault injection (shard ${shard + 1}/${FAULT_SHARDS}): ${seeds.length} runs, ${commands} commands (${acks} acknowledged), ${plan.calls} faultable calls; injected ` +
          `${plan.injected.fail} failures, ${plan.injected.timeoutAfterSuccess} timeouts after success, ${plan.injected.crash} crashes; ` +
          `SQS ${sqs.duplicates} duplicates, ${sqs.lostDeletes} lost deletes, ${sqs.dlqMoves} DLQ moves; 12345 receiver ${receiver.refusals} refusals; ` +
          `violations: ${failures.length}\n`,
      );
      expect(failures).toEqual([]);
      // Not vacuous: the runs did real work (most commands went through) under every kind of fault.
      if (ONLY === undefined) {
        expect(acks / commands).toBeGreaterThan(0.8);
        for (const kind of ['fail', 'timeoutAfterSuccess', 'crash'] as const) expect(plan.injected[kind], kind).toBeGreaterThan(seeds.length / 10);
      }
    });
  });
}
