/**
 * Fault injection for the case core: a middleware on the AWS SDK clients that
 * makes any call fail, succeed and then time out, or "crash" the process
 * (that call and every later one fail until the harness starts a new
 * invocation), and an in-memory SQS behind the real SQS client with
 * at-least-once delivery, visibility timeouts, redrive to a DLQ, duplicates
 * and lost deletes.
 */
import type { MiddlewareStack } from '@smithy/types';
import { createHash } from 'node:crypto';

const md5 = (body: string) => createHash('md5').update(body).digest('hex');

/** A seeded PRNG (mulberry32): the same seed replays the same run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
export type Random = ReturnType<typeof prng>;

/** FNV-1a: a stable 32-bit number for a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Chances decided by what is asked rather than by the order of asking, so a
 * run replays the same faults even where calls run concurrently: the n-th time
 * a given key is rolled is always the same roll for a given seed.
 */
export class KeyedChance {
  private readonly counts = new Map<string, number>();
  constructor(private seed: number) {}
  reset(seed: number): void {
    this.seed = seed;
    this.counts.clear();
  }
  roll(key: string): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return prng(hash(`${this.seed}|${key}|${n}`)).next();
  }
}

export class Crash extends Error {
  override readonly name = 'Crash';
}
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
}
export class InjectedTimeout extends Error {
  override readonly name = 'TimeoutError';
}

export type FaultKind = 'fail' | 'timeoutAfterSuccess' | 'crash';

export interface FaultRates {
  readonly fail: number;
  readonly timeoutAfterSuccess: number;
  readonly crash: number;
}

/** What the harness decides for each call, and what it injected. */
export class FaultPlan {
  enabled = false;
  crashed = false;
  readonly injected: Record<FaultKind, number> = { fail: 0, timeoutAfterSuccess: 0, crash: 0 };
  calls = 0;
  readonly chance = new KeyedChance(0);

  constructor(readonly rates: FaultRates) {}

  /** A new process (Lambda invocation or client request): a crash does not outlive it. */
  restart(): void {
    this.crashed = false;
  }

  decide(key: string): FaultKind | undefined {
    if (!this.enabled) return undefined;
    this.calls++;
    const roll = this.chance.roll(key);
    const { fail, timeoutAfterSuccess, crash } = this.rates;
    const kind: FaultKind | undefined =
      roll < crash ? 'crash' : roll < crash + fail ? 'fail' : roll < crash + fail + timeoutAfterSuccess ? 'timeoutAfterSuccess' : undefined;
    if (kind) this.injected[kind]++;
    return kind;
  }
}

/** Wraps every call of a client: before it (fail, crash before) or after it (timeout, crash after). */
export function injectFaults(stack: MiddlewareStack<any, any>, plan: FaultPlan, name: string): void {
  stack.add(
    (next, context) => async (args) => {
      if (plan.crashed) throw new Crash(`${name}: the process is gone`);
      const key = `${name}:${String(context.commandName)}:${callSubject(args.input as Record<string, any>)}`;
      const fault = plan.decide(key);
      if (fault === 'fail') throw new InjectedFailure(`${name}: injected failure`);
      // A crash before or after the call reaches the server, at random.
      if (fault === 'crash' && plan.chance.roll(`${key}:when`) < 0.5) {
        plan.crashed = true;
        throw new Crash(`${name}: crashed before the call`);
      }
      const output = await next(args);
      if (fault === 'crash') {
        plan.crashed = true;
        throw new Crash(`${name}: crashed after the call`);
      }
      if (fault === 'timeoutAfterSuccess') throw new InjectedTimeout(`${name}: no answer (it was applied)`);
      return output;
    },
    { step: 'initialize', name: `faults-${name}`, priority: 'high' },
  );
}

/** What a call is about: its item key, partition or queue (and body), so concurrent calls keep their own rolls. */
function callSubject(input: Record<string, any>): string {
  const key = input.Key ?? input.Item;
  if (key) return `${key.pk?.S ?? ''}|${key.sk?.S ?? ''}`;
  const values = input.ExpressionAttributeValues as Record<string, { S?: string }> | undefined;
  if (values) return `${String(input.IndexName ?? '')}|${values[':pk']?.S ?? ''}`;
  if (input.RequestItems) return JSON.stringify(input.RequestItems).slice(0, 200);
  return `${String(input.QueueUrl ?? '')}|${JSON.stringify(input.Entries ?? input.MessageBody ?? input.ReceiptHandle ?? '').slice(0, 200)}`;
}

interface Message {
  readonly id: string;
  readonly body: string;
  visibleAt: number;
  receives: number;
  receipt: string;
}

export interface QueueSpec {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/**
 * SQS in memory, answering the real client's commands (a middleware that
 * never calls the network). Time is the harness's own seconds counter.
 */
export class FakeSqs {
  now = 0;
  private seq = 0;
  readonly queues = new Map<string, Message[]>();
  readonly dlq = new Map<string, Message[]>();
  /** Every body ever accepted, per queue (for "sent at least once"). */
  readonly sent = new Map<string, string[]>();
  /** Bodies whose processing succeeded and whose message was deleted, per queue. */
  readonly consumed = new Map<string, string[]>();
  duplicates = 0;
  lostDeletes = 0;
  dlqMoves = 0;

  readonly chance = new KeyedChance(0);

  constructor(
    private readonly specs: Readonly<Record<string, QueueSpec>>,
    private readonly nameOf: (url: string) => string,
    readonly rates: { readonly duplicate: number; readonly lostDelete: number },
  ) {}

  install(stack: MiddlewareStack<any, any>): void {
    stack.add(
      () => async (args: { input: Record<string, any> }) => ({ output: this.answer(args.input), response: {} }),
      { step: 'initialize', name: 'fake-sqs', priority: 'low' },
    );
  }

  private enqueue(queue: string, body: string, delaySeconds = 0): void {
    const list = this.queues.get(queue) ?? [];
    const copies = this.chance.roll(`dup:${queue}:${body}`) < this.rates.duplicate ? 2 : 1;
    if (copies === 2) this.duplicates++;
    for (let i = 0; i < copies; i++) list.push({ id: `m${++this.seq}`, body, visibleAt: this.now + delaySeconds, receives: 0, receipt: '' });
    this.queues.set(queue, list);
    this.sent.set(queue, [...(this.sent.get(queue) ?? []), body]);
  }

  private answer(input: Record<string, any>): unknown {
    const queue = this.nameOf(String(input.QueueUrl));
    const spec = this.specs[queue];
    if (!spec) throw new Error(`no queue ${String(input.QueueUrl)}`);
    if (Array.isArray(input.Entries)) {
      for (const e of input.Entries as { Id: string; MessageBody: string; DelaySeconds?: number }[]) this.enqueue(queue, e.MessageBody, e.DelaySeconds);
      return {
        Successful: (input.Entries as { Id: string; MessageBody: string }[]).map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: md5(e.MessageBody) })),
        Failed: [],
      };
    }
    if (typeof input.MessageBody === 'string') {
      this.enqueue(queue, input.MessageBody, input.DelaySeconds as number | undefined);
      return { MessageId: 'x', MD5OfMessageBody: md5(input.MessageBody) };
    }
    if (typeof input.ReceiptHandle === 'string') {
      const message = (this.queues.get(queue) ?? []).find((m) => m.receipt === input.ReceiptHandle);
      if (message) message.visibleAt = this.now + Number(input.VisibilityTimeout);
      return {};
    }
    return {
      Attributes: {
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:dlq', maxReceiveCount: spec.maxReceiveCount }),
      },
    };
  }

  /** Receive like Lambda's poller: visible messages, each hidden for the visibility timeout; past maxReceiveCount to the DLQ. */
  receive(queue: string, max: number): Message[] {
    const spec = this.specs[queue]!;
    const list = this.queues.get(queue) ?? [];
    const out: Message[] = [];
    for (const m of [...list]) {
      if (out.length >= max) break;
      if (m.visibleAt > this.now) continue;
      if (m.receives >= spec.maxReceiveCount) {
        list.splice(list.indexOf(m), 1);
        this.dlq.set(queue, [...(this.dlq.get(queue) ?? []), m]);
        this.dlqMoves++;
        continue;
      }
      m.receives++;
      m.receipt = `${m.id}#${m.receives}`;
      m.visibleAt = this.now + spec.visibilityTimeoutSeconds;
      out.push(m);
    }
    return out;
  }

  /** A processed message is deleted, unless the delete is lost (it comes back after its visibility timeout). */
  delete(queue: string, message: Message): void {
    this.consumed.set(queue, [...(this.consumed.get(queue) ?? []), message.body]);
    if (this.chance.roll(`lost:${queue}:${message.body}`) < this.rates.lostDelete) {
      this.lostDeletes++;
      return;
    }
    const list = this.queues.get(queue) ?? [];
    const at = list.indexOf(message);
    if (at >= 0) list.splice(at, 1);
  }

  /** What an operator does when the DLQ alarm fires: move the messages back. */
  redrive(): number {
    let moved = 0;
    for (const [queue, messages] of this.dlq) {
      for (const m of messages) this.enqueue(queue, m.body);
      moved += messages.length;
    }
    this.dlq.clear();
    return moved;
  }

  pending(): number {
    return [...this.queues.values()].reduce((n, l) => n + l.length, 0) + [...this.dlq.values()].reduce((n, l) => n + l.length, 0);
  }

  reset(): void {
    this.queues.clear();
    this.dlq.clear();
    this.sent.clear();
    this.consumed.clear();
  }
}
