/**
 * Cost counted, not guessed: the AWS requests of a case's life, counted by
 * bench/meter.ts on the SDK clients of the local stack (the functions' own
 * code, on Amazon DynamoDB Local, which sizes items in UTF-8 and reports index
 * units), priced with bench/prices.ts, and the fixed monthly floor counted from
 * the synthesized prod stack.
 *
 * `npx tsx bench/cost.ts` prints this section alone; `npm run bench` runs it
 * with the others. The lifecycles run in a child process of their own (the
 * local stack sets the environment its functions read).
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { lambdaContext } from '../infra/local/lambda-context.ts';
import { itemBytes } from '../shared/store/codec.ts';
import { AwsMeter, type Counts } from './meter.ts';
import { billedMs, costOf, monthlyFloor, type Inventory, type LifecycleCost } from './pricing.ts';

/** One lifecycle: the HTTP requests a case's life makes, and what they set in motion. */
interface Step {
  readonly who: string;
  readonly method: 'GET' | 'POST';
  readonly path: (id: string) => string;
  readonly body?: Record<string, unknown>;
}

/** Plain: filed by 12345 at a compound, 签收, a public reply (公开答复), 化解, 回访 by the community above. */
const PLAIN: readonly Step[] = [
  { who: 'compound-mediator', method: 'GET', path: (id) => `/v1/cases/${id}` },
  { who: 'compound-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'accept' } },
  { who: 'compound-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'note', visibility: 'public', text: '已联系双方，周五上门查看漏水情况。' } },
  { who: 'compound-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'resolve', outcome: 'resolved', summary: '双方达成协议，楼上负责维修。' } },
  { who: 'community-mediator', method: 'GET', path: (id) => `/v1/cases/${id}` },
  { who: 'community-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'follow_up', satisfaction: 'satisfied' } },
];

/** Escalated twice: the compound and then the community ask to escalate (上报); the township resolves; 回访 by the county. */
const ESCALATED: readonly (Step | { readonly awaitUnit: string })[] = [
  { who: 'compound-mediator', method: 'GET', path: (id) => `/v1/cases/${id}` },
  { who: 'compound-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'accept' } },
  { who: 'compound-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'escalate', reason: '双方分歧大，需社区协调' } },
  { awaitUnit: 'hp-xf' },
  { who: 'community-mediator', method: 'GET', path: (id) => `/v1/cases/${id}` },
  { who: 'community-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'accept' } },
  { who: 'community-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'escalate', reason: '涉及物业，需街道协调' } },
  { awaitUnit: 'hp' },
  { who: 'township-mediator', method: 'GET', path: (id) => `/v1/cases/${id}` },
  { who: 'township-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'accept' } },
  { who: 'township-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'note', visibility: 'public', text: '街道已约物业和双方周五现场协调。' } },
  { who: 'township-mediator', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'resolve', outcome: 'resolved', summary: '物业维修，双方和解。' } },
  { who: 'county-officer', method: 'GET', path: (id) => `/v1/cases/${id}` },
  { who: 'county-officer', method: 'POST', path: (id) => `/v1/cases/${id}/actions`, body: { type: 'follow_up', satisfaction: 'satisfied' } },
];

const RUNS = 3;

export interface CostFigures {
  /** Counts per lifecycle, averaged over RUNS; the API requests each makes. */
  readonly plain: { counts: Counts; apiRequests: number };
  readonly escalated: { counts: Counts; apiRequests: number };
  /** One run of the sweeper (every minute in AWS), averaged. */
  readonly sweep: Counts;
  /** A plain case's items in the table, in UTF-8 bytes plus DynamoDB's 100 bytes per item (its index copies not included). */
  readonly caseBytes: number;
}

/** In the child: run the lifecycles on a local stack and count them. */
async function measure(): Promise<CostFigures> {
  // As deployed: the functions log at INFO and write their metrics (EMF lines, which CloudWatch ingests as logs).
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_SERVICE_NAME: 'maodiaotong' });
  const meter = new AwsMeter();
  meter.captureLogs(process.stdout);
  meter.captureLogs(process.stderr);
  // The 12345 system's end of the status callbacks.
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const { startLocalStack } = await import('../infra/local/stack.ts');
  const stack = await startLocalStack({
    port: 0,
    dynamodbBackend: 'dynamodb-local',
    seedCases: false,
    workers: true,
    // The sweeper runs every minute whatever happens: the floor's, not a case's.
    sweepIntervalMs: 3_600_000,
    relayIntervalMs: 100,
    hotlineCallback: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`, secret: 'bench-callback-secret' },
    wrapHandler: (name, handler) => meter.invocations(name, handler),
  });
  try {
    const runtime = await import('../shared/service/runtime.ts');
    const { sqs } = await import('../shared/service/queues.ts');
    meter.attach(runtime.dynamodb);
    meter.attach(sqs);
    // Lambda's pollers receive and delete on the customer's bill; the local poller stands in for them.
    meter.attach(stack.sqs, { billedOutside: true });

    const http = async (method: string, path: string, authorization: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const tokens = new Map<string, string>();
    for (const who of new Set([...PLAIN, ...ESCALATED].flatMap((s) => ('who' in s ? [s.who] : [])))) {
      tokens.set(who, `Bearer ${String((await http('POST', '/v1/auth/login', '', { username: who, password: stack.password })).token)}`);
    }
    /** Until nothing has run for a while: every effect relayed, every message handled. */
    const settle = async () => {
      let last = -1;
      let quietSince = Date.now();
      while (Date.now() - quietSince < 3000) {
        await new Promise((r) => setTimeout(r, 250));
        const now = meter.invocationCount();
        if (now !== last) quietSince = Date.now();
        last = now;
      }
    };
    let filed = 0;
    let lastPlainId = '';
    const lifecycle = async (steps: readonly (Step | { readonly awaitUnit: string })[]) => {
      filed++;
      const intake = await http('POST', '/v1/cases', `Bearer ${stack.hotlineKey}`, {
        source: 'hotline',
        externalId: `12345-COST-${process.pid}-${filed}`,
        center: 'mediation',
        description: '楼上卫生间漏水到我家天花板，多次协商未果，对方不愿意维修和赔偿。',
        reporter: { name: '吴先生', phone: '13912345602' },
        location: { unitId: 'hp-xf-yg' },
      });
      const id = String(intake.id);
      let version = Number(intake.version);
      let requests = 1;
      for (const step of steps) {
        if ('awaitUnit' in step) {
          // Read beside the functions (not counted): the escalation worker moves the case up.
          for (let i = 0; i < 200 && (await runtime.store.load(id))?.state.unitId !== step.awaitUnit; i++) await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const reply = await http(step.method, step.path(id), tokens.get(step.who) ?? '', step.body && { ...step.body, expectedVersion: version });
        version = Number(reply.version ?? version);
        requests++;
      }
      await settle();
      if (steps === PLAIN) lastPlainId = id;
      return requests;
    };
    // Warm-up (cold starts, the unit tree and the policy loaded), not counted.
    await lifecycle(PLAIN);
    await lifecycle(ESCALATED);
    meter.take();
    const average = async (steps: Parameters<typeof lifecycle>[0]) => {
      const runs: Counts[] = [];
      let apiRequests = 0;
      for (let i = 0; i < RUNS; i++) {
        apiRequests = await lifecycle(steps);
        runs.push(meter.take());
      }
      return { counts: averageCounts(runs), apiRequests };
    };
    const plain = await average(PLAIN);
    const escalated = await average(ESCALATED);
    const sweeper = await stack.handlerOf<(event: unknown, context: unknown) => Promise<unknown>>('sweeper');
    const sweeps: Counts[] = [];
    for (let i = 0; i < RUNS; i++) {
      await sweeper({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString() }, lambdaContext('sweeper'));
      sweeps.push(meter.take());
    }
    const items = await queryAll(stack.dynamodb, { TableName: stack.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `CASE#${lastPlainId}` } } });
    const caseBytes = items.reduce((n, item) => n + itemBytes(unmarshall(item)) + 100, 0);
    return { plain, escalated, sweep: averageCounts(sweeps), caseBytes };
  } finally {
    await stack.stop();
    receiver.close();
  }
}

async function queryAll(db: DynamoDBClient, input: QueryCommandInput) {
  const items: Record<string, AttributeValue>[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** The mean of each figure over the runs (a figure a run lacks counts as 0). */
function averageCounts(runs: readonly Counts[]): Counts {
  type Tree = { [key: string]: number | Tree };
  const mean = (trees: readonly Tree[]): Tree => {
    const out: Tree = {};
    for (const key of new Set(trees.flatMap((t) => Object.keys(t)))) {
      const values = trees.map((t) => t[key]);
      const sample = values.find((v) => v !== undefined);
      out[key] = typeof sample === 'number' ? values.reduce<number>((n, v) => n + Number(v ?? 0), 0) / trees.length : mean(values.map((v) => (v ?? {}) as Tree));
    }
    return out;
  };
  return mean(runs as unknown as Tree[]) as unknown as Counts;
}

/** In the parent: run the child and take its figures. */
function measureInChild(): Promise<CostFigures> {
  return new Promise((done, fail) => {
    const child = fork(fileURLToPath(import.meta.url), ['--measure'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let errors = '';
    let figures: CostFigures | undefined;
    child.stderr?.on('data', (d: Buffer) => {
      errors = (errors + d.toString()).slice(-8192);
    });
    child.on('message', (m) => {
      figures = m as CostFigures;
    });
    child.on('exit', (code) => (figures && code === 0 ? done(figures) : fail(new Error(`the cost run failed (exit ${code}):\n${errors}`))));
  });
}

const usd = (n: number, digits = 4) => `$${n.toFixed(digits)}`;
const per1000 = (c: LifecycleCost) => c.total * 1000;

/** The section `npm run bench` prints. */
export async function costSection(): Promise<void> {
  const [figures, inventory] = await Promise.all([measureInChild(), import('./inventory.ts').then((m) => m.prodInventory())]);
  const plain = costOf(figures.plain.counts, figures.plain.apiRequests, inventory.platformLogs);
  const escalated = costOf(figures.escalated.counts, figures.escalated.apiRequests, inventory.platformLogs);
  const sweep = costOf(figures.sweep, 0, inventory.platformLogs);
  print(plain, escalated, sweep, inventory, figures);
}

function print(plain: LifecycleCost, escalated: LifecycleCost, sweep: LifecycleCost, inventory: Inventory, figures: CostFigures) {
  console.log(
    `Cost counted (bench/meter.ts on the functions' SDK clients, local stack on Amazon DynamoDB Local; mean of ${RUNS} lifecycles each; AWS list prices from bench/prices.ts, us-east-1, no free tier)`,
  );
  console.log('  plain: 12345 files at a compound, the mediator opens it, 签收, 公开答复, 化解; the community opens it and does the 回访');
  console.log('  escalated twice: the same, 上报 by the compound and by the community (the escalation worker moves it), the township resolves, 回访 by the county');
  const rows: [string, LifecycleCost][] = [
    ['plain', plain],
    ['escalated twice', escalated],
  ];
  console.log(`  ${'per lifecycle'.padEnd(17)} ${'API'.padStart(4)} ${'invocations'.padStart(11)} ${'GB-s'.padStart(6)} ${'WRU'.padStart(5)} ${'idx WRU'.padStart(7)} ${'RRU'.padStart(5)} ${'idx RRU'.padStart(7)} ${'SQS'.padStart(5)} ${'log KB'.padStart(6)}`);
  for (const [name, c] of rows) {
    const u = c.units;
    console.log(
      `  ${name.padEnd(17)} ${String(u.apiRequests).padStart(4)} ${u.invocations.toFixed(1).padStart(11)} ${u.gbSeconds.toFixed(3).padStart(6)} ${u.wru.toFixed(1).padStart(5)} ${u.indexWru.toFixed(1).padStart(7)} ${u.rru.toFixed(1).padStart(5)} ${u.indexRru.toFixed(1).padStart(7)} ${u.sqsRequests.toFixed(1).padStart(5)} ${(u.logBytes / 1024).toFixed(1).padStart(6)}`,
    );
  }
  for (const [name, f] of [['plain', figures.plain], ['escalated twice', figures.escalated]] as const) {
    const inv = Object.entries(f.counts.invocations).map(([k, v]) => `${k} ${fmt(v.count)}×${billedMs(v)} ms`).join(', ');
    const units = Object.entries(f.counts.dynamodb.byFunction)
      .map(([k, u]) => `${k} ${fmt(u.wru)}+${fmt(u.indexWru)} WRU ${fmt(u.rru + u.indexRru)} RRU`)
      .join(', ');
    const calls = Object.entries(f.counts.dynamodb.calls).map(([k, v]) => `${fmt(v)} ${k}`).join(' + ');
    const sqs = Object.entries(f.counts.sqs.requests).map(([k, v]) => `${fmt(v)} ${k}`).join(' + ');
    console.log(`  ${name}: invocations ${inv}`);
    console.log(`  ${' '.repeat(name.length)}  DynamoDB ${calls}; SQS ${sqs} (${fmt(f.counts.sqs.messagesSent)} messages)`);
    console.log(`  ${' '.repeat(name.length)}  units by function: ${units}`);
  }
  // Which writes cost what: the place to look first when the DynamoDB figure moves.
  console.log('  plain, writes by function, operation and item family (key prefixes), per lifecycle: calls, table + index WRU');
  const writes = Object.entries(figures.plain.counts.dynamodb.writes).sort(([a, x], [b, y]) => y.wru + y.indexWru - (x.wru + x.indexWru) || a.localeCompare(b));
  for (const [kind, w] of writes) console.log(`    ${kind.padEnd(52)} ${fmt(w.calls).padStart(5)}× ${fmt(w.wru).padStart(5)} + ${fmt(w.indexWru).padEnd(5)}`);
  console.log(`  ${'per 1,000'.padEnd(17)} ${'API Gw'.padStart(8)} ${'Lambda'.padStart(8)} ${'DynamoDB'.padStart(8)} ${'SQS'.padStart(8)} ${'Logs'.padStart(8)} ${'X-Ray'.padStart(8)} ${'total'.padStart(8)}`);
  for (const [name, c] of rows) {
    const p = c.parts;
    console.log(
      `  ${name.padEnd(17)} ${[p.api, p.lambda, p.dynamodb, p.sqs, p.logs, p.xray, c.total].map((v) => usd(v * 1000).padStart(8)).join(' ')}`,
    );
  }
  console.log('  monthly, by cases a month (plain lifecycles; the floor: what the stack costs standing, and what keeping the cases\' traces, logs and items adds)');
  for (const cases of [300, 833_000]) {
    const floor = monthlyFloor(inventory, cases, plain, sweep, figures.caseBytes);
    const items = floor.items.map((i) => `${i.what} ${usd(i.usd, 2)}`).join(', ');
    console.log(`  ${cases.toLocaleString('en').padStart(9)} cases   floor ${usd(floor.total, 2)} + cases ${usd(cases * plain.total, 2)} = ${usd(floor.total + cases * plain.total, 2)}`);
    console.log(`              floor: ${items}`);
  }
  // README "A province on paper" starts from these.
  const year = 10_000_000;
  const provinceFloor = monthlyFloor(inventory, year / 12, plain, sweep, figures.caseBytes).total * 12;
  console.log(
    `  a province, 10,000,000 cases a year: requests ${dollars(year * plain.total)} (all plain) to ${dollars(year * escalated.total)} (all escalated twice) + floor ${dollars(provinceFloor)}; per case ${fmt(plain.units.wru + plain.units.indexWru)}–${fmt(escalated.units.wru + escalated.units.indexWru)} WRU, ${fmt(plain.units.invocations)}–${fmt(escalated.units.invocations)} invocations, ${fmt(plain.units.sqsRequests)}–${fmt(escalated.units.sqsRequests)} SQS requests, ${(figures.caseBytes / 1024).toFixed(1)} KB stored`,
  );
  const figure = per1000(plain);
  console.log(`cost per 1,000 plain lifecycles  ${usd(figure, 3)}   ${figure <= 0.05 ? 'ok  ' : 'MISS'} target ≤ $0.05 (escalated twice ${usd(per1000(escalated), 3)})`);
}

const dollars = (n: number) => `$${Math.round(n).toLocaleString('en')}`;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

if (process.argv.includes('--measure')) {
  const figures = await measure();
  process.send?.(figures);
  process.disconnect?.();
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await costSection();
}
