/**
 * `npm run bench -- county [--cases N] [--rate R]`: a whole county on this
 * machine. The demo county (枝江市) grows to 8 townships, ~250 communities and
 * villages, ~5,000 compounds and groups and ~50,000 buildings and 湾落,
 * imported through POST /v1/units/import; then a county's busy month of
 * cases (2,000 a day) is filed through the HTTP API at a steady rate and
 * worked as people work them: the 联户长 opens the case, signs for it,
 * sometimes replies, resolves, and the community calls back (回访); where
 * nobody signs for it in time the sweeper moves it up to the compound, whose
 * 网格员 takes it; some are still being worked at the month's end. Meanwhile
 * mediators read 我的待办 and officers the statistics. The stack's clock runs
 * simulated (bench/county-stack.ts), a day in 2000 / R seconds, so the SLA
 * clocks, the sweeper and the statistics' days all see a month. Every figure
 * is printed against its budget.
 */
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { SignJWT } from 'jose';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SweepResult } from '../functions/sweeper/handler.ts';
import { DEMO_UNITS } from '../infra/local/demo-data.ts';
import type { UnitRecord } from '../shared/domain/index.ts';
import { Directory } from '../shared/store/directory.ts';
import { queryAll } from '../shared/store/query.ts';
import { PK, SK } from '../shared/store/schema.ts';
import { COMMUNITIES_PER_TOWNSHIP, SHEET_ROWS, TOWNSHIPS, countySheets } from './county-units.ts';
import { startStackProcess, type StackProcess } from './stack-process.ts';

// ---- what to run -----------------------------------------------------------------------------

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const raw = at >= 0 ? process.argv[at + 1] : process.env[`COUNTY_${name.toUpperCase()}`];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not ${raw}`);
  return value;
}
const CASES = Math.round(option('cases', 60_000));
/**
 * Intakes a second asked of the stack; the month is simulated at this pace. At 100 a second this 2-core
 * machine fell behind within minutes. At 20 it keeps up over 10,000 cases but not over the month
 * (3 December 2026, the relay on its own thread: every intake answered in time, but the residents' work
 * 42,000 steps behind when the last case was filed): the progress lines show both.
 */
const RATE = option('rate', 20);
/** A county's busy month: 60,000 cases over 30 days. */
const CASES_PER_DAY = 2000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Simulated milliseconds per real millisecond: a day's cases take 2000 / RATE seconds. */
const SPEED = (DAY / CASES_PER_DAY) * (RATE / 1000);

// Budgets (this machine: 2 cores shared with the load generator and the stack's workers).
const BUDGET = { list: 1000, stats: 1000, intake: 1000, view: 1000, action: 1000, tree: 200, sweep: 1000, intakeShare: 0.95, import: 20_000 };

// ---- the county --------------------------------------------------------------------------------

const csvOf = (units: readonly UnitRecord[]) =>
  ['id,name,level,parentId,kind', ...units.map((u) => [u.id, u.name, u.level, u.parentId ?? '', u.kind ?? ''].join(','))].join('\n');

// ---- the month's cases -------------------------------------------------------------------------

/** A small, seeded generator: the same county and the same month on every run. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(13);
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
const between = (low: number, high: number) => low + random() * (high - low);

const MATTERS = [
  { center: 'voice', text: ['楼上住户深夜装修，电钻声很大，影响休息。', '小区路灯坏了一个多星期，晚上出行不安全。', '垃圾清运不及时，楼道口堆满了垃圾。', '门口餐馆油烟直排，窗户都不敢开。'], weight: 0.4 },
  { center: 'mediation', text: ['楼上卫生间漏水到我家天花板，对方不愿维修。', '邻居在公共过道堆放杂物，协商不成发生争执。', '工地老板拖欠三个月工资，多次讨要未果。', '宅基地边界与邻居有争议，想请村里调解。'], weight: 0.25 },
  { center: 'guidance', text: ['请问孩子入学需要准备哪些材料？', '想咨询一下新农合报销的政策。', '老人办理高龄补贴应该去哪里申请？'], weight: 0.15 },
  { center: 'welfare', text: ['家里老人独居行动不便，希望有人定期上门看看。', '申请低保的材料交了两个月还没有消息。', '残疾人补贴这个月没有到账。'], weight: 0.12 },
  { center: 'opinion', text: ['建议在小区门口增设一个公交站。', '希望村里修一条通往田间的机耕路。'], weight: 0.08 },
] as const;

type Fate = 'worked' | 'escalated' | 'in_progress';
interface Planned {
  readonly building: string;
  readonly compound: string;
  readonly community: string;
  readonly center: string;
  readonly description: string;
  readonly phone: string;
  readonly fate: Fate;
}

function plan(buildings: readonly UnitRecord[]): Planned[] {
  const phones: string[] = [];
  return Array.from({ length: CASES }, () => {
    const building = pick(buildings);
    const compound = building.parentId!;
    let r = random();
    const matter = MATTERS.find((m) => (r -= m.weight) < 0) ?? MATTERS[0];
    // One resident in twenty calls again about something.
    const phone = phones.length > 0 && random() < 0.05 ? pick(phones) : `139${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
    phones.push(phone);
    const f = random();
    return {
      building: building.id,
      compound,
      community: compound.slice(0, compound.lastIndexOf('-')),
      center: matter.center,
      description: pick(matter.text),
      phone,
      fate: f < 0.75 ? 'worked' : f < 0.85 ? 'escalated' : 'in_progress',
    };
  });
}

// ---- measuring -----------------------------------------------------------------------------------

class Timings {
  private readonly ms = new Map<string, number[]>();
  private readonly failures = new Map<string, Map<number, number>>();
  add(kind: string, ms: number) {
    let list = this.ms.get(kind);
    if (!list) this.ms.set(kind, (list = []));
    list.push(ms);
  }
  fail(kind: string, status: number) {
    const byStatus = this.failures.get(kind) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.failures.set(kind, byStatus);
  }
  of(kind: string) {
    const sorted = [...(this.ms.get(kind) ?? [])].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
  }
  failed(kind: string) {
    return [...(this.failures.get(kind) ?? new Map<number, number>())].map(([s, n]) => `${n}×${s}`).join(' ');
  }
}

const timings = new Timings();

interface Reply {
  readonly status: number;
  readonly body: { id?: string; version?: number; status?: string; unitId?: string; error?: { code: string; message: string } };
}

async function call(kind: string, url: string, init: { method?: string; token: string; body?: unknown; type?: string }): Promise<Reply> {
  const began = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      // A call unanswered after a minute counts as failed (status 0) rather than holding the run.
      signal: AbortSignal.timeout(60_000),
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token}`, ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}) },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
    text = await response.text();
  } catch {
    timings.fail(kind, 0);
    return { status: 0, body: {} };
  }
  timings.add(kind, performance.now() - began);
  if (response.status >= 400) timings.fail(kind, response.status);
  return { status: response.status, body: text ? (JSON.parse(text) as Reply['body']) : {} };
}

/** At most `n` calls at once; the rest wait their turn (a mediator's day is not a flood). */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const kb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (n: number) => `${Math.round(n)} ms`;
const mark = (ok: boolean) => (ok ? 'ok  ' : 'MISS');

// ---- the run -----------------------------------------------------------------------------------

export async function countyBench(): Promise<void> {
  const days = CASES / CASES_PER_DAY;
  console.log(`矛调通 county bench — ${new Date().toISOString()} — ${CASES.toLocaleString('en')} cases (${days.toFixed(1)} days of a county's busy month, 2,000 a day) at ${RATE} intakes/s asked; the stack's clock runs ${Math.round(SPEED).toLocaleString('en')}× (a day in ${(DAY / SPEED / 1000).toFixed(0)} s)\n`);
  // The month starts now (the seed's demo data is dated from the wall clock) and runs into the coming weeks.
  const simulatedStart = Date.now();
  const stack = await startStackProcess(
    {
      COUNTY_CLOCK_START: new Date(simulatedStart).toISOString(),
      COUNTY_CLOCK_RATE: '1',
      // Swept by bench/county-stack.ts instead, and timed there.
      SWEEP_INTERVAL_MS: '2000000000',
      // The sweeper relays what the stream left pending a minute: a minute of real time, as in AWS, not of the simulated clock (70 ms at 864×).
      RELAY_BACKSTOP_SECONDS: String(Math.round(60 * SPEED)),
      JWT_SECRET: JWT_SECRET_TEXT,
      // The relay on a thread of its own, as in AWS on a Lambda of its own: on the timer it shared the requests' thread,
      // fell behind by minutes in the month, and the sweeper's backstop did its work inside the sweeps.
      LOCAL_RELAY_THREAD: 'on',
    },
    { entry: resolve(import.meta.dirname, 'county-stack.ts') },
  );
  const db = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // A long run stopped early (Ctrl-C, timeout) takes its stack with it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
  try {
    await run(stack, db, simulatedStart);
  } finally {
    db.destroy();
    await stack.stop();
  }
}

const JWT_SECRET_TEXT = randomBytes(24).toString('base64url');

/** A token as the local issuer signs it (shared/service/tokens.ts), valid for the whole simulated run: a login per mediator would only time scrypt. */
async function tokenFor(account: { username: string; displayName: string; role: string; unitId: string }, issuedAt: number): Promise<string> {
  return new SignJWT({ name: account.displayName, role: account.role, unitId: account.unitId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(account.username)
    .setIssuer('maodiaotong-local')
    .setAudience('maodiaotong')
    .setIssuedAt(Math.floor(issuedAt / 1000))
    .setExpirationTime(Math.floor((issuedAt + 400 * DAY) / 1000))
    .sign(new TextEncoder().encode(JWT_SECRET_TEXT));
}

async function batchPut(db: DynamoDBClient, table: string, items: Record<string, unknown>[]): Promise<void> {
  const requests: WriteRequest[] = items.map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } }));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests.length) {
        let chunk: WriteRequest[] | undefined = requests.slice(next, (next += 25));
        while (chunk?.length) chunk = (await db.send(new BatchWriteItemCommand({ RequestItems: { [table]: chunk } }))).UnprocessedItems?.[table];
      }
    }),
  );
}

async function run(stack: StackProcess, db: DynamoDBClient, simulatedStart: number): Promise<void> {
  const base = stack.url;
  // ---- the tree, through the import endpoint, one township's sheet at a time
  const login = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'county-admin', password: 'local-pass' }) });
  const { token: admin } = (await login.json()) as { token: string };
  const sheets = countySheets();
  const imports: number[] = [];
  for (const sheet of sheets) {
    const began = performance.now();
    const reply = await call('import', `${base}/v1/units/import`, { method: 'POST', token: admin, body: csvOf(sheet.units), type: 'text/csv' });
    if (reply.status !== 200) throw new Error(`importing ${sheet.township} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    imports.push(performance.now() - began);
  }
  const all = [...DEMO_UNITS, ...sheets.flatMap((s) => s.units)];
  const count = (level: string) => all.filter((u) => u.level === level).length;
  console.log(
    `County: ${count('township')} townships, ${count('community').toLocaleString('en')} communities and villages, ${count('compound').toLocaleString('en')} compounds and groups, ${count('building').toLocaleString('en')} buildings and 湾落 (${all.length.toLocaleString('en')} units), imported as ${sheets.length} CSV sheets through POST /v1/units/import in ${ms(imports.reduce((a, b) => a + b, 0))}`,
  );

  // ---- who works the cases: accounts as the README's first-admin step puts them, tokens from the local issuer
  const buildings = all.filter((u) => u.level === 'building' && u.id.includes('-c'));
  const month = plan(buildings);
  const directory = new Directory(db, stack.tableName);
  const hotlineKey = `county-hotline-${randomBytes(8).toString('hex')}`;
  await directory.putApiClient(hotlineKey, { name: 'hotline-county', sources: ['hotline'], scopes: ['cases:write', 'cases:read'], rootUnitId: 'zj' });
  const accounts = new Map<string, { username: string; displayName: string; role: string; unitId: string }>();
  const person = (role: string, unitId: string) => {
    const username = `${role.slice(0, 1)}-${unitId}`;
    if (!accounts.has(username)) accounts.set(username, { username, displayName: `${role} ${unitId}`, role, unitId });
    return username;
  };
  for (const c of month) {
    if (c.fate !== 'escalated') person('liaison', c.building);
    else person('mediator', c.compound);
    person('mediator', c.community);
  }
  for (const t of TOWNSHIPS) person('officer', t.id);
  person('officer', 'zj');
  await batchPut(db, stack.tableName, [...accounts.values()].map((a) => ({ [PK]: 'USERS', [SK]: `USER#${a.username}`, ...a, passwordHash: '' })));
  const tokens = new Map<string, string>();
  for (const a of accounts.values()) tokens.set(a.username, await tokenFor(a, simulatedStart));
  const tokenOf = (username: string) => tokens.get(username)!;
  console.log(`People: ${accounts.size.toLocaleString('en')} accounts (联户长 of the buildings that get cases, 网格员, community mediators, township and county officers); the county's 12345 hotline files the cases\n`);

  // ---- the month
  await stack.ask({ type: 'rate', rate: SPEED });
  await stack.ask({ type: 'sweep', everyMs: 1000 });
  const act = limiter(48);
  let finished = 0;
  const later = (simulatedMs: number, task: () => Promise<unknown>) =>
    new Promise<void>((done) =>
      setTimeout(
        () =>
          void act(task)
            .catch((error: unknown) => console.error('action failed', error))
            .finally(() => {
              finished++;
              done();
            }),
        simulatedMs / SPEED,
      ),
    );
  const work: Promise<void>[] = [];
  const outcomes = { accepted: 0, replied: 0, resolved: 0, followedUp: 0, reopened: 0, escalatedThenWorked: 0, lostToTheTimer: 0 };

  const view = async (id: string, username: string) => (await call('case view', `${base}/v1/cases/${id}`, { token: tokenOf(username) })).body;
  const action = async (id: string, username: string, version: number, body: Record<string, unknown>): Promise<Reply> => {
    let reply = await call('action', `${base}/v1/cases/${id}/actions`, { method: 'POST', token: tokenOf(username), body: { ...body, expectedVersion: version } });
    // A system event (a repeat flagged, a reminder) came first: look again, as the page would.
    if (reply.status === 409) reply = await call('action', `${base}/v1/cases/${id}/actions`, { method: 'POST', token: tokenOf(username), body: { ...body, expectedVersion: (await view(id, username)).version } });
    return reply;
  };
  const resolveAndCallBack = async (id: string, c: Planned, username: string, version: number) => {
    let v = version;
    if (random() < 0.4) {
      const note = await action(id, username, v, { type: 'note', visibility: 'public', text: '已上门了解情况，正在协调处理，请耐心等待。' });
      if (note.status !== 200) return;
      outcomes.replied++;
      v = note.body.version!;
    }
    const r = random();
    const outcome = r < 0.85 ? 'resolved' : r < 0.95 ? 'partial' : 'unresolvable';
    const resolved = await action(id, username, v, { type: 'resolve', outcome, summary: '经协调，双方达成一致，问题已处理。' });
    if (resolved.status !== 200) return;
    outcomes.resolved++;
    work.push(
      later(between(2 * HOUR, 24 * HOUR), async () => {
        const mediator = person('mediator', c.community);
        const state = await view(id, mediator);
        if (state.version === undefined) return;
        const s = random();
        const satisfaction = s < 0.85 ? 'satisfied' : s < 0.95 ? 'basically_satisfied' : 'dissatisfied';
        const done = await action(id, mediator, state.version!, { type: 'follow_up', satisfaction, comment: '电话回访' });
        if (done.status === 200) outcomes.followedUp++;
        if (done.status === 200 && satisfaction === 'dissatisfied') outcomes.reopened++;
      }),
    );
  };
  const workCase = (id: string, c: Planned) => {
    if (c.fate === 'escalated') {
      // Nobody at the building signs for it: after the 签收 limit the sweeper moves it up, and the compound's 网格员 finds it.
      let tries = 0;
      const look = async (): Promise<void> => {
        const username = person('mediator', c.compound);
        const state = await view(id, username);
        if (state.version === undefined) return;
        if (state.unitId !== c.compound || state.status !== 'pending') {
          if (++tries < 8) work.push(later(3 * HOUR, look));
          return;
        }
        const accepted = await action(id, username, state.version!, { type: 'accept' });
        if (accepted.status !== 200) return;
        outcomes.escalatedThenWorked++;
        work.push(later(between(1 * HOUR, 8 * HOUR), () => resolveAndCallBack(id, c, username, accepted.body.version!)));
      };
      work.push(later(6 * HOUR, look));
      return;
    }
    work.push(
      later(between(10 * MINUTE, 90 * MINUTE), async () => {
        const username = person('liaison', c.building);
        const state = await view(id, username);
        const accepted = state.version === undefined ? undefined : await action(id, username, state.version, { type: 'accept' });
        if (accepted?.status !== 200) {
          outcomes.lostToTheTimer++;
          return;
        }
        outcomes.accepted++;
        if (c.fate === 'worked') work.push(later(between(1 * HOUR, 8 * HOUR), () => resolveAndCallBack(id, c, username, accepted.body.version!)));
      }),
    );
  };

  // Mediators open 我的待办 and officers the statistics while the month goes on.
  const townships = TOWNSHIPS.map((t) => t.id);
  const communities = [...new Set(month.map((c) => c.community))];
  let reading = true;
  const readers = (async () => {
    while (reading) {
      const community = person('mediator', pick(communities));
      await call('我的待办 counts', `${base}/v1/queue`, { token: tokenOf(community) });
      await call('我的待办 tab', `${base}/v1/cases?scope=mine&tab=follow_up&limit=50`, { token: tokenOf(community) });
      const officer = person('officer', pick(townships));
      await call('我的待办 tab', `${base}/v1/cases?scope=mine&tab=${pick(['pending', 'overdue', 'risk'])}&limit=50`, { token: tokenOf(officer) });
      if (random() < 0.2) await call('statistics (30 days, during the month)', `${base}/v1/stats?unitId=${pick(townships)}`, { token: tokenOf(person('officer', 'zj')) });
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const intake = limiter(64);
  const filing: Promise<void>[] = [];
  const began = performance.now();
  let filed = 0;
  let answered = 0;
  let intakeFailed = 0;
  // Asked at the rate; answered shows whether the stack keeps up (the rest wait their turn in `intake`), until the last is answered.
  const report = setInterval(() => console.log(`  … ${filed.toLocaleString('en')} asked, ${answered.toLocaleString('en')} answered in ${((performance.now() - began) / 1000).toFixed(0)} s`), 15_000);
  while (filed < CASES) {
    const due = Math.min(CASES, Math.floor(((performance.now() - began) / 1000) * RATE));
    for (; filed < due; filed++) {
      const c = month[filed]!;
      filing.push(
        intake(async () => {
          const reply = await call('intake', `${base}/v1/cases`, {
            method: 'POST',
            token: hotlineKey,
            body: { source: 'hotline', center: c.center, description: c.description, reporter: { phone: c.phone }, location: { unitId: c.building } },
          });
          answered++;
          if (reply.status !== 201) intakeFailed++;
          else workCase(reply.body.id!, c);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(filing);
  clearInterval(report);
  const filingSeconds = (performance.now() - began) / 1000;
  // The month's last cases are worked and called back (their timers are at most a few simulated days away).
  const progress = setInterval(() => console.log(`  … ${finished.toLocaleString('en')} of ${work.length.toLocaleString('en')} steps of work done`), 15_000);
  for (let settled = 0; settled < work.length; ) {
    const batch = work.slice(settled);
    settled = work.length;
    await Promise.all(batch);
  }
  clearInterval(progress);
  reading = false;
  await readers;
  console.log(`  … the month's cases worked in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  const monthSeconds = (performance.now() - began) / 1000;
  const { now: monthEnd } = await stack.ask<{ now: number }>({ type: 'rate', rate: 1 });
  const { sweeps } = await stack.ask<{ sweeps: (SweepResult & { ms: number; atSeconds: number })[] }>({ type: 'sweeps' });
  // The statistics are read once the relay has delivered the month's events (until then a read sums the cases).
  let pending = Infinity;
  for (let i = 0; i < 90 && pending > 0; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    ({ pending } = await stack.ask<{ pending: number }>({ type: 'pending' }));
  }
  const relayDrainSeconds = (performance.now() - began) / 1000 - monthSeconds;

  console.log(`  … the relay: ${pending} events pending after ${relayDrainSeconds.toFixed(0)} s; copying a year of counters`);
  // ---- a year of counters: the month's rows, repeated over the eleven months before it (item by item, tokens included)
  const chinaDay = (t: number) => new Date(t + 8 * HOUR).toISOString().slice(0, 10);
  const today = chinaDay(monthEnd);
  const yearAgo = chinaDay(monthEnd - 364 * DAY);
  const township = 'mjd';
  const statsUnits = ['zj', ...townships, ...all.filter((u) => u.parentId === township).map((u) => u.id)];
  let copied = 0;
  for (const unit of statsUnits) {
    const rows = await queryAll(db, { TableName: stack.tableName, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': PK }, ExpressionAttributeValues: marshall({ ':pk': `STATS#${unit}` }) });
    if (rows.length === 0) continue;
    const first = Date.parse(`${String(rows[0]![SK])}T00:00:00Z`);
    const earlier: Record<string, unknown>[] = [];
    for (let d = 0, day = first - DAY; chinaDay(day - 8 * HOUR) >= yearAgo; d++, day -= DAY) {
      earlier.push({ ...rows[d % rows.length]!, [SK]: chinaDay(day - 8 * HOUR) });
    }
    await batchPut(db, stack.tableName, earlier);
    copied += earlier.length;
  }

  // ---- reads at the month's end, on the whole month's data
  const REPEAT = 10;
  const repeat = async (kind: string, url: string, username: string) => {
    console.log(`  … ${kind}`);
    for (let i = 0; i < REPEAT; i++) {
      const reply = await call(kind, url, { token: tokenOf(username) });
      if (reply.status !== 200) throw new Error(`${kind} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
  };
  const from30 = chinaDay(monthEnd - 29 * DAY);
  const county = person('officer', 'zj');
  const officer = person('officer', township);
  await repeat(`township statistics 30 days`, `${base}/v1/stats?unitId=${township}&from=${from30}&to=${today}`, officer);
  await repeat(`township statistics 365 days`, `${base}/v1/stats?unitId=${township}&from=${yearAgo}&to=${today}`, officer);
  await repeat(`county statistics 30 days`, `${base}/v1/stats?unitId=zj&from=${from30}&to=${today}`, county);
  await repeat(`county statistics 365 days`, `${base}/v1/stats?unitId=zj&from=${yearAgo}&to=${today}`, county);
  await repeat('township 我的待办 counts', `${base}/v1/queue`, officer);
  await repeat('township 超期件 tab', `${base}/v1/cases?scope=mine&tab=overdue&limit=50`, officer);
  await repeat('county 风险件 tab', `${base}/v1/cases?scope=mine&tab=risk&limit=50`, county);

  // ---- the unit tree as a cold function loads it, and what it holds in memory
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const loads: { ms: number; bytes: number }[] = [];
  for (let i = 0; i < 5; i++) {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const t = performance.now();
    const tree = await new Directory(db, stack.tableName).units();
    const loadMs = performance.now() - t;
    gc();
    loads.push({ ms: loadMs, bytes: process.memoryUsage().heapUsed - heapBefore });
    if (tree.size !== all.length) throw new Error(`the tree loaded ${tree.size} units, not ${all.length}`);
  }
  loads.sort((a, b) => a.ms - b.ms);
  const treeLoad = loads[Math.floor(loads.length / 2)]!;
  const dataBytes = Number(execFileSync('du', ['-sb', resolve(stack.dataDir, 'dynamodb')]).toString().split(/\s/)[0]);

  // ---- the table
  const line = (what: string, figure: string, ok: boolean, budget: string) => console.log(`  ${what.padEnd(46)} ${figure.padEnd(34)} ${mark(ok)} ${budget}`);
  const p99 = (kind: string, budget: number, note = '') => {
    const t = timings.of(kind);
    const failed = timings.failed(kind);
    line(kind, `p50 ${ms(t.p50)}  p99 ${ms(t.p99)}  (${t.n.toLocaleString('en')})`, t.p99 <= budget, `p99 ≤ ${budget} ms${note}${failed ? `; failed: ${failed}` : ''}`);
  };
  const sweepMs = sweeps.map((s) => s.ms).sort((a, b) => a - b);
  const sent = sweeps.reduce((n, s) => n + s.sent, 0);
  const rate = (CASES - intakeFailed) / filingSeconds;
  console.log(`The month: ${CASES.toLocaleString('en')} cases filed in ${filingSeconds.toFixed(0)} s, worked until ${monthSeconds.toFixed(0)} s, the relay caught up ${relayDrainSeconds.toFixed(0)} s later`);
  console.log(
    `  what people did: ${outcomes.accepted.toLocaleString('en')} signed for by the 联户长, ${outcomes.escalatedThenWorked.toLocaleString('en')} signed for by the 网格员 after the sweeper moved them up, ${outcomes.lostToTheTimer.toLocaleString('en')} moved up before the 联户长 came; ${outcomes.replied.toLocaleString('en')} replies, ${outcomes.resolved.toLocaleString('en')} resolved, ${outcomes.followedUp.toLocaleString('en')} 回访 (${outcomes.reopened} 不满意, reopened)`,
  );
  console.log(`\nCounty figures (${CASES.toLocaleString('en')} cases; budgets for this 2-core machine)`);
  line('sustained intake rate', `${rate.toFixed(0)} cases/s (asked ${RATE})`, rate >= BUDGET.intakeShare * RATE, `≥ ${BUDGET.intakeShare * 100} % of the rate asked${intakeFailed ? `; ${intakeFailed} failed` : ''}`);
  p99('intake', BUDGET.intake);
  p99('case view', BUDGET.view);
  p99('action', BUDGET.action, ' (accept, reply, resolve, 回访)');
  p99('我的待办 counts', BUDGET.list, ' (community mediators, during the month)');
  p99('我的待办 tab', BUDGET.list, ' (待回访, township 待签收/超期件/风险件, during the month)');
  p99('statistics (30 days, during the month)', BUDGET.stats);
  p99('township 我的待办 counts', BUDGET.list, ' (at the month\'s end)');
  p99('township 超期件 tab', BUDGET.list);
  p99('county 风险件 tab', BUDGET.list);
  p99('township statistics 30 days', BUDGET.stats, ` (${township}, ${COMMUNITIES_PER_TOWNSHIP} villages below)`);
  p99('township statistics 365 days', BUDGET.stats);
  p99('county statistics 30 days', BUDGET.stats, ' (8 townships below)');
  p99('county statistics 365 days', BUDGET.stats);
  const sweepP99 = sweepMs[Math.min(sweepMs.length - 1, Math.floor(0.99 * sweepMs.length))] ?? NaN;
  line('sweep (every simulated 3 h)', `p50 ${ms(sweepMs[Math.floor(sweepMs.length / 2)] ?? NaN)}  p99 ${ms(sweepP99)}  (${sweeps.length})`, sweepP99 <= BUDGET.sweep, `p99 ≤ ${BUDGET.sweep} ms; ${sent.toLocaleString('en')} timer messages sent`);
  // What the slowest sweeps did: timers, the relay's backstop, re-indexing, 议事厅.
  for (const { ms: took, atSeconds, ...did } of [...sweeps].sort((a, b) => b.ms - a.ms).slice(0, 3)) {
    console.log(`    a slow sweep: ${ms(took)} at ${atSeconds.toFixed(0)} s: ${Object.entries(did).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`);
  }
  line('unit tree load (cold, Directory.units)', `${ms(treeLoad.ms)}, ${kb(treeLoad.bytes)} heap`, treeLoad.ms <= BUDGET.tree, `≤ ${BUDGET.tree} ms (median of 5; ${all.length.toLocaleString('en')} units)`);
  line(`unit import, ${sheets.length} sheets of ≤ ${SHEET_ROWS} rows`, `${ms(Math.max(...imports))} the slowest`, Math.max(...imports) <= BUDGET.import, `≤ ${BUDGET.import / 1000} s a sheet`);
  line("dynalite's data on disk", kb(dataBytes), true, `(${copied.toLocaleString('en')} counter rows of the 11 months before copied in; no budget: size reported)`);
  console.log(`county statistics 365 days  ${Math.round(timings.of('county statistics 365 days').p50)} ms`);
}
