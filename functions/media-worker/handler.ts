/**
 * The media worker: for each message (an event that asked for files) it
 * fetches every file still pending from its provider — allow-listed hosts, no
 * internal addresses, 10 MB, a deadline — checks and cleans it, keeps it and
 * records it on the case. A provider that fails for now is retried by the
 * queue; on the last receive, and for what will never work (a host not
 * allowed, a type not taken, too big), the file is recorded as failed, so the
 * case does not wait for it for ever and the resident is told. Partial batch
 * failures let the rest of a batch through; what keeps failing ends in the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { ATTACHMENT_LIMITS, type Actor } from '../../shared/domain/index.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { mediaAllowList } from '../../shared/media/fetch.ts';
import { MediaFetcher } from '../../shared/media/providers.ts';
import { WechatAccessToken } from '../../shared/notify/channel.ts';
import { mediaMessageSchema } from '../../shared/queue/messages.ts';
import { AttachmentService } from '../../shared/service/attachments.ts';
import { files } from '../../shared/service/files.ts';
import { cases, store } from '../../shared/service/runtime.ts';
import { QUEUES } from '../../infra/topology.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { perSecrets } from '../../shared/service/secrets.ts';

const env = process.env;
const processor = new BatchProcessor(EventType.SQS);
const system: Actor = { kind: 'system', id: 'media-worker' };
/** One provider's answer, redirects included, may take this long. */
const FETCH_TIMEOUT_MS = 20_000;

/** Its fetcher holds the providers' secrets: made again when one changes. */
const service = perSecrets(
  () =>
    new AttachmentService({
  cases,
  store,
  files,
  fetcher: new MediaFetcher({
    allow: mediaAllowList(env),
    maxBytes: ATTACHMENT_LIMITS.maxBytes,
    timeoutMs: FETCH_TIMEOUT_MS,
    wechat: env.WECHAT_APP_ID && env.WECHAT_APP_SECRET ? new WechatAccessToken(env.WECHAT_APP_ID, env.WECHAT_APP_SECRET, fetch, env.WECHAT_API_BASE || undefined) : undefined,
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
        ? { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, base: env.TWILIO_API_BASE || 'https://api.twilio.com' }
        : undefined,
  }),
    }),
);

async function fetchFiles(record: SQSRecord): Promise<void> {
  const message = parseWith(mediaMessageSchema, JSON.parse(record.body) as unknown, 'the media message');
  if (message instanceof Error) throw message;
  const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
  await service().fetchRequested(message.caseId, message.seq, system, receives >= QUEUES.media.maxReceiveCount);
}

const run = (event: SQSEvent, context: Context) => processPartialResponse(event, fetchFiles, processor, { context });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
