/**
 * Counts the AWS requests a piece of work causes, as AWS bills them: a
 * middleware on the SDK clients (DynamoDB calls with their consumed read and
 * write units, table and indexes apart; SQS requests) and a wrapper on the
 * functions' handlers (invocations and their duration). Each AWS call is
 * charged to the function whose invocation made it; calls made outside any
 * invocation (the local stack's stand-ins for what AWS does for free, such as
 * reading the table's stream) are kept apart and not priced.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** DynamoDB operations that take ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Capacity {
  readonly CapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
  readonly LocalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

export interface Units {
  wru: number;
  indexWru: number;
  rru: number;
  indexRru: number;
}

/** Writes of one kind (a function's operation on an item family), as `Counts.dynamodb.writes` keeps them. */
export interface WriteKind {
  calls: number;
  wru: number;
  indexWru: number;
}

export interface Counts {
  /**
   * Invocations by function: their summed wall time (ms), and of it the time spent waiting for AWS
   * (calls in parallel counted once) in how many waits — so the duration can be priced at AWS's
   * latency rather than a local server's.
   */
  readonly invocations: Record<string, { count: number; ms: number; waitMs: number; waits: number }>;
  /** DynamoDB calls by operation, and the units consumed: write (WRU) and read (RRU), table and indexes apart; also by function. */
  readonly dynamodb: Units & { calls: Record<string, number>; byFunction: Record<string, Units>; writes: Record<string, WriteKind> };
  /** SQS requests by operation; receives that found no message are polling, counted apart. */
  readonly sqs: { requests: Record<string, number>; emptyReceives: number; messagesSent: number };
  /** Other services' requests (Secrets Manager, S3, Cognito…) by `Service.Operation`. */
  readonly other: Record<string, number>;
  /** Bytes the functions wrote to their log (CloudWatch Logs ingests them; EMF metrics are log lines too). */
  readonly logBytes: number;
  /** AWS calls made outside any invocation: not billed in AWS (local stand-ins), not priced. */
  readonly outside: number;
}

const empty = (): Counts => ({
  invocations: {},
  dynamodb: { calls: {}, wru: 0, indexWru: 0, rru: 0, indexRru: 0, byFunction: {}, writes: {} },
  sqs: { requests: {}, emptyReceives: 0, messagesSent: 0 },
  other: {},
  logBytes: 0,
  outside: 0,
});

const bump = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

/** The smallest part of an AWS SDK v3 client the meter needs. */
export interface MeteredClient {
  readonly middlewareStack: {
    add(middleware: (next: (args: any) => Promise<any>, context: any) => (args: any) => Promise<any>, options: { step: 'initialize'; name: string; override: boolean }): void;
  };
}

/** An invocation in progress: the AWS calls it is waiting for. */
interface Running {
  readonly name: string;
  inFlight: number;
  since: number;
  waitMs: number;
  waits: number;
}

export class AwsMeter {
  private readonly current = new AsyncLocalStorage<Running>();
  private counts = empty();

  /**
   * Count every request `client` sends from now on. `billedOutside`: its calls are billed even when no
   * function makes them (Lambda's SQS pollers, which the local stack's poller stands in for).
   */
  attach<C extends MeteredClient>(client: C, options: { billedOutside?: boolean } = {}): C {
    client.middlewareStack.add(
      (next, context: { clientName?: string; commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
        const service = String(context.clientName ?? '').replace(/Client$/, '');
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const running = this.current.getStore();
        const billed = options.billedOutside === true || running !== undefined;
        const measured = service === 'DynamoDB' && CAPACITY_OPERATIONS.has(operation);
        if (running && running.inFlight++ === 0) running.since = performance.now();
        let output: unknown;
        try {
          output = await next(measured ? { ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } } : args);
        } finally {
          if (running && --running.inFlight === 0) {
            running.waitMs += performance.now() - running.since;
            running.waits++;
          }
        }
        if (!billed) {
          this.counts = { ...this.counts, outside: this.counts.outside + 1 };
          return output;
        }
        const o = (output as { output?: Record<string, unknown> }).output ?? {};
        if (service === 'DynamoDB') this.dynamodb(running?.name ?? '(event source)', operation, args.input, o.ConsumedCapacity as Capacity | Capacity[] | undefined);
        else if (service === 'SQS') this.sqs(operation, args.input, o);
        else bump(this.counts.other, `${service}.${operation}`);
        return output;
      },
      // Before the SDK's own steps, so the added ReturnConsumedCapacity is serialized.
      { step: 'initialize', name: 'awsMeter', override: true },
    );
    // A client built with cacheMiddleware keeps each command's resolved stack: drop it, so the meter is in the next one.
    Reflect.deleteProperty(client, 'handlers');
    return client;
  }

  /** `handler`, counted as invocations of `functionName`; the AWS calls it makes are charged to it. */
  invocations<H extends (...args: never[]) => Promise<unknown>>(functionName: string, handler: H): H {
    return (async (...args: Parameters<H>) => {
      const started = performance.now();
      const running: Running = { name: functionName, inFlight: 0, since: 0, waitMs: 0, waits: 0 };
      try {
        return await this.current.run(running, () => handler(...args));
      } finally {
        const entry = (this.counts.invocations[functionName] ??= { count: 0, ms: 0, waitMs: 0, waits: 0 });
        entry.count++;
        entry.ms += performance.now() - started;
        entry.waitMs += running.waitMs;
        entry.waits += running.waits;
      }
    }) as H;
  }

  /**
   * Count what invocations write to `stream` as their log (and keep it off the stream); what is
   * written outside an invocation passes through.
   */
  captureLogs(stream: { write: (...args: any[]) => boolean }): void {
    const write = stream.write.bind(stream);
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (this.current.getStore() === undefined) return write(chunk, ...rest);
      this.counts = { ...this.counts, logBytes: this.counts.logBytes + Buffer.byteLength(chunk) };
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    };
  }

  /** What was counted since the last take, and start again from zero. */
  take(): Counts {
    const taken = this.counts;
    this.counts = empty();
    return taken;
  }

  /** Invocations so far (to see when a piece of work has settled). */
  invocationCount(): number {
    return Object.values(this.counts.invocations).reduce((n, i) => n + i.count, 0);
  }

  private dynamodb(functionName: string, operation: string, input: Record<string, unknown>, consumed: Capacity | Capacity[] | undefined) {
    const d = this.counts.dynamodb;
    bump(d.calls, operation);
    const f = (d.byFunction[functionName] ??= { wru: 0, indexWru: 0, rru: 0, indexRru: 0 });
    const write = WRITE_OPERATIONS.has(operation);
    const kind = write ? (d.writes[`${functionName} ${operation} ${familiesOf(operation, input)}`] ??= { calls: 0, wru: 0, indexWru: 0 }) : undefined;
    if (kind) kind.calls++;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      const indexes = [...Object.values(c.GlobalSecondaryIndexes ?? {}), ...Object.values(c.LocalSecondaryIndexes ?? {})].reduce((n, i) => n + (i.CapacityUnits ?? 0), 0);
      // Without a table figure (an index-only Query), the total is the indexes'.
      const table = c.Table?.CapacityUnits ?? (c.CapacityUnits ?? 0) - indexes;
      for (const u of kind ? [d, f, kind] : [d, f]) {
        if (write) {
          u.wru += table;
          u.indexWru += indexes;
        } else if ('rru' in u) {
          u.rru += table;
          u.indexRru += indexes;
        }
      }
    }
  }

  private sqs(operation: string, input: Record<string, unknown>, output: Record<string, unknown>) {
    const s = this.counts.sqs;
    if (operation === 'ReceiveMessage' && !(output.Messages as unknown[] | undefined)?.length) {
      s.emptyReceives++;
      return;
    }
    bump(s.requests, operation);
    if (operation === 'SendMessage') s.messagesSent++;
    if (operation === 'SendMessageBatch') s.messagesSent += (input.Entries as unknown[] | undefined)?.length ?? 0;
  }
}

type Key = Record<string, { S?: string } | undefined>;

/**
 * The item family a key names: its partition key's prefix and its sort key's
 * (`CASE#…`/`EVT#…` → `CASE·EVT`; a sort key that is a date or an id, `…`).
 */
function familyOf(key: Key | undefined): string {
  const prefix = (v: string | undefined) => /^[A-Z][A-Z-]*/.exec(v ?? '')?.[0] ?? '…';
  return `${prefix(key?.pk?.S)}·${prefix(key?.sk?.S)}`;
}

/** The families a write touches, once each, in the order written (a batch or transaction names several). */
function familiesOf(operation: string, input: Record<string, unknown>): string {
  type One = { Item?: Key; Key?: Key };
  const keys: (Key | undefined)[] = [];
  if (operation === 'BatchWriteItem') {
    for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, { PutRequest?: One; DeleteRequest?: One }[]>)) {
      for (const r of requests) keys.push(r.PutRequest?.Item ?? r.DeleteRequest?.Key);
    }
  } else if (operation === 'TransactWriteItems') {
    for (const t of (input.TransactItems ?? []) as Record<string, One | undefined>[]) {
      const one = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck;
      keys.push(one?.Item ?? one?.Key);
    }
  } else {
    keys.push(((input as One).Item ?? (input as One).Key));
  }
  return [...new Set(keys.map(familyOf))].join('+');
}
