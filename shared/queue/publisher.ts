/** Sending to the topology's queues, in batches of ten (SQS's limit). */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { versioned } from './messages.ts';

const BATCH = 10;

export class QueuePublisher {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: Readonly<Record<string, string>>,
  ) {}

  /** Send every body; throws if any could not be sent after SQS's own retries. */
  async send(queue: string, bodies: readonly object[]): Promise<void> {
    const url = this.urls[queue];
    if (!url) throw new Error(`no URL configured for queue ${queue}`);
    for (let i = 0; i < bodies.length; i += BATCH) {
      const chunk = bodies.slice(i, i + BATCH);
      const result = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((body, n) => ({ Id: String(n), MessageBody: JSON.stringify(versioned(body)) })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`${result.Failed.length} of ${chunk.length} messages to ${queue} failed: ${result.Failed[0]?.Message ?? ''}`);
      }
    }
  }

  /**
   * Send each body, in batches; answers the keys of those that could not be
   * sent (a whole batch that failed counts each of its entries).
   */
  async sendEach(queue: string, entries: readonly { readonly key: string; readonly body: object }[]): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const url = this.urls[queue];
    if (!url) throw new Error(`no URL configured for queue ${queue}`);
    const failed = new Set<string>();
    for (let i = 0; i < entries.length; i += BATCH) {
      const chunk = entries.slice(i, i + BATCH);
      try {
        const result = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((entry, n) => ({ Id: String(n), MessageBody: JSON.stringify(versioned(entry.body)) })),
          }),
        );
        for (const f of result.Failed ?? []) failed.add(chunk[Number(f.Id)]?.key ?? '');
      } catch {
        for (const entry of chunk) failed.add(entry.key);
      }
    }
    return failed;
  }
}
