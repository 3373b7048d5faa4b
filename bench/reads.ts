/**
 * Costs that follow the work, not the data: what the notifier and the 12345
 * callback worker read for one new event of a case with 10 events, and of one
 * with 100 (10× the history). Both should read about the same.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalStack } from '../infra/local/stack.ts';

export interface ReadFigures {
  readonly events: number;
  readonly notifier: { calls: number; items: number };
  readonly callback: { calls: number; items: number };
}

type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

const record = (queue: string, body: unknown) => ({
  messageId: `m-${Math.random()}`,
  receiptHandle: 'rh',
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'bench', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: `arn:aws:sqs:cn-north-1:000000000000:${queue}`,
  awsRegion: 'cn-north-1',
});

export async function readsPerEvent(): Promise<ReadFigures[]> {
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/12345`;
  const stack = await startLocalStack({ port: 0, seedCases: false, workers: false, hotlineCallback: { url, secret: 'bench-secret' } });
  try {
    const runtime = await import('../shared/service/runtime.ts');
    const notifier = await stack.handlerOf<SqsHandler>('notifier');
    const callbacks = await stack.handlerOf<SqsHandler>('callbackWorker');
    const hotline = { kind: 'client', id: 'hotline-12345', source: 'hotline', rootUnitId: 'hp' } as const;
    const liaison = { kind: 'user', id: 'bench', name: '演示', role: 'liaison', unitId: 'hp-xf-yg-1' } as const;
    const counted = { calls: 0, items: 0 };
    const send = runtime.dynamodb.send.bind(runtime.dynamodb) as (command: { constructor: { name: string } }) => Promise<unknown>;
    (runtime.dynamodb as { send: unknown }).send = async (command: { constructor: { name: string } }) => {
      const output = (await send(command)) as { Items?: unknown[]; Item?: unknown; Responses?: Record<string, unknown[]> };
      if (/^(Get|Query|BatchGet)/.test(command.constructor.name)) {
        counted.calls++;
        counted.items += output.Items?.length ?? (output.Item ? 1 : 0) + Object.values(output.Responses ?? {}).reduce((n, r) => n + r.length, 0);
      }
      return output;
    };
    const measure = async (run: () => Promise<unknown>) => {
      counted.calls = 0;
      counted.items = 0;
      await run();
      return { ...counted };
    };
    const out: ReadFigures[] = [];
    for (const events of [10, 100]) {
      const { state } = await runtime.cases.intake(
        { source: 'hotline', externalId: `BENCH-READS-${events}-${Date.now()}`, center: 'voice', description: '路灯坏了', priority: 'normal', reporter: { phone: '13800138000' }, location: { unitId: 'hp-xf-yg-1' }, parties: [] },
        hotline,
      );
      let version = state.version;
      for (let i = version; i < events - 1; i++) version = (await runtime.cases.act(state.id, { type: 'note', visibility: 'public', text: `第${i}次答复` }, liaison)).state.version;
      // The hotline has the case's changes so far; then one more event arrives.
      await callbacks({ Records: [record('callback', { caseId: state.id, seq: version })] } as SQSEvent, {} as Context);
      const last = await runtime.cases.act(state.id, { type: 'note', visibility: 'public', text: '已派人维修' }, liaison);
      const notify = await measure(() => notifier({ Records: [record('notify', { caseId: state.id, seq: last.event.seq })] } as SQSEvent, {} as Context));
      const callback = await measure(() => callbacks({ Records: [record('callback', { caseId: state.id, seq: last.event.seq })] } as SQSEvent, {} as Context));
      out.push({ events: last.event.seq, notifier: notify, callback });
    }
    (runtime.dynamodb as { send: unknown }).send = send;
    return out;
  } finally {
    await stack.stop();
    await new Promise<void>((done) => receiver.close(() => done()));
  }
}
