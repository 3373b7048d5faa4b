/**
 * The queue side of a function: one SQS client per process and the effects
 * relay that sends what events set in motion. Imported only by functions that
 * send, so the others do not carry the SQS client.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueuePublisher } from '../queue/publisher.ts';
import { logger } from './logger.ts';
import { EffectsRelay } from './relay.ts';
import { cases, config, countCase, directory, store } from './runtime.ts';

// fauxqs (and any endpoint override) needs the configured endpoint, not the queue URL's host.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false, cacheMiddleware: true });
// Pure calls of no arguments, as in runtime.ts: a function that only sends (or only reads sqs) carries no relay.
export const publisher = /* @__PURE__ */ (() => new QueuePublisher(sqs, config.queueUrls))();

export const relay = /* @__PURE__ */ (() => new EffectsRelay({
  store,
  cases,
  count: countCase,
  send: (queue, entries) => publisher.sendEach(queue, entries),
  callbackClients: async () => new Set((await directory.callbackProfiles()).keys()),
  onError: (pending, error) =>
    logger.error('effects not relayed; the next pass retries', { caseId: pending.caseId, seq: pending.seq, error: error as Error }),
}))();
