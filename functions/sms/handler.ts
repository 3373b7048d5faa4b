/**
 * POST /webhooks/sms/twilio and POST /webhooks/sms/{aliyun|tencent}/{secret}
 * — residents' text messages from three SMS providers, turned into cases,
 * status answers or actions exactly like WeChat messages.
 *
 * Twilio signs its requests (X-Twilio-Signature over PUBLIC_BASE_URL + path
 * + query and the form); it gets its answer as TwiML. Aliyun and Tencent sign
 * nothing: the path carries SMS_WEBHOOK_SECRET (a wrong one answers 404, as if
 * there were no such route) and SMS_ALLOWED_IPS may restrict where they call
 * from; they get their own acknowledgement body, and the answer to the
 * resident goes out by SMS through the notifier. Each provider message is
 * handled once (by its message id); a batch is checked whole before any of it
 * is handled.
 */
import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import '../../shared/contract/zod.ts';
import { ValidationFailed, type Issue } from '../../shared/domain/index.ts';
import { phone } from '../../shared/contract/fields.ts';
import { safeEqual } from '../../shared/channels/checks.ts';
import { decodeUtf8, parseForm } from '../../shared/channels/form.ts';
import {
  ALIYUN_ACK,
  TENCENT_ACK,
  fromTwilio,
  parseAliyunUplink,
  parseTencentReply,
  smsDedupeKey,
  type InboundSms,
} from '../../shared/channels/sms.ts';
import { parseTwilioForm, twimlEmpty, twimlMessage, verifyTwilioSignature } from '../../shared/channels/twilio.ts';
import { BadSignature, ChannelNotConfigured } from '../../shared/http/channel.ts';
import { HttpError, UnsupportedMediaType, errorBody, toHttpError } from '../../shared/http/errors.ts';
import { bodyBytes, header, type ApiEvent } from '../../shared/http/event.ts';
import { bodyLimit } from '../../shared/http/middleware.ts';
import { json, text, type HttpResult } from '../../shared/http/response.ts';
import type { ReplyMessage } from '../../shared/queue/messages.ts';
import { isAllowed } from '../../shared/service/channel-config.ts';
import { channelConfig, residents, townshipFor } from '../../shared/service/channel-runtime.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { publisher } from '../../shared/service/queues.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { xmlReady } from '../../shared/channels/xml.ts';

const XML = 'text/xml; charset=utf-8';

const mediaType = (event: ApiEvent) => header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();

/** As if there were no such route: says nothing about which part was wrong. */
const noSuchWebhook = () => new HttpError(404, 'not_found', 'no such webhook');

/** Errors in the body each provider reads: Aliyun `{code,msg}`, Tencent `{result,errmsg}`, else API.md's. */
function providerErrors(): MiddlewareObj<ApiEvent, HttpResult, Error, Context> {
  return {
    onError: async (request) => {
      const error = toHttpError(request.error);
      if (error.status >= 500) logger.error('SMS webhook failed', { error: request.error as Error, path: request.event.rawPath });
      const provider = request.event.pathParameters?.provider;
      const known = error.status !== 404;
      const body =
        known && provider === 'aliyun'
          ? { code: error.status, msg: error.message }
          : known && provider === 'tencent'
            ? { result: error.status, errmsg: error.message }
            : await errorBody(error);
      request.response = json(error.status, body, error.headers);
    },
  };
}

/** Every sender must be a phone number we could answer; checked for the whole batch before anything is written. */
function checkSenders(messages: readonly InboundSms[], field: string): void {
  const issues: Issue[] = [];
  messages.forEach((m, i) => {
    if (!z.safeParse(phone, m.from).success) issues.push({ path: messages.length > 1 ? `[${i}].${field}` : field, message: 'is not a valid phone number' });
  });
  if (issues.length > 0) throw new ValidationFailed(`the sender is not a valid phone number (${issues.map((i) => i.path).join(', ')})`, issues);
}

async function handleAll(messages: readonly InboundSms[]) {
  // Every number's township is known before any of the batch is handled.
  const townships = await Promise.all(messages.map((sms) => townshipFor('sms', sms.to)));
  const out = [];
  for (const [i, sms] of messages.entries()) {
    const township = townships[i];
    const handled = await residents.handle({
      sender: { channel: 'sms', provider: sms.provider, phone: sms.from, ...(township !== undefined ? { township } : {}) },
      key: smsDedupeKey(sms),
      message: { kind: 'text', text: sms.text, ...(sms.mediaUrls ? { media: sms.mediaUrls.map((url) => ({ kind: 'twilio' as const, url })) } : {}) },
    });
    out.push({ sms, handled });
  }
  return out;
}

async function twilio(event: ApiEvent): Promise<HttpResult> {
  const authToken = channelConfig().twilioAuthToken;
  if (!authToken) throw new ChannelNotConfigured('Twilio');
  if (mediaType(event) !== 'application/x-www-form-urlencoded') {
    throw new UnsupportedMediaType('application/x-www-form-urlencoded', header(event, 'content-type'));
  }
  const form = parseForm(decodeUtf8(bodyBytes(event)));
  const signature = header(event, 'x-twilio-signature');
  const base = channelConfig().publicBaseUrl ?? `https://${event.requestContext.domainName}`;
  const url = `${base}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  if (!signature || !verifyTwilioSignature(authToken, url, form, signature)) {
    throw new BadSignature('X-Twilio-Signature does not match', 403);
  }
  const sms = fromTwilio(parseTwilioForm(form), clock.now());
  checkSenders([sms], 'From');
  const [result] = await handleAll([sms]);
  const reply = result?.handled.reply;
  return text(200, reply === undefined ? twimlEmpty() : twimlMessage(reply), XML);
}

async function unsigned(event: ApiEvent): Promise<HttpResult> {
  const provider = event.pathParameters?.provider;
  const secret = event.pathParameters?.secret ?? '';
  if (provider !== 'aliyun' && provider !== 'tencent') throw noSuchWebhook();
  const expected = channelConfig().smsWebhookSecret;
  if (!expected) throw new ChannelNotConfigured('SMS');
  if (!safeEqual(secret, expected)) throw noSuchWebhook();
  if (!isAllowed(channelConfig().smsAllowedIps, event.requestContext.http.sourceIp)) {
    throw new BadSignature(`calls from ${event.requestContext.http.sourceIp} are not allowed`, 403);
  }
  const type = mediaType(event);
  if (type !== undefined && type !== 'application/json') throw new UnsupportedMediaType('application/json', header(event, 'content-type'));
  const body = decodeUtf8(bodyBytes(event));
  const now = clock.now();
  const messages = provider === 'aliyun' ? parseAliyunUplink(body, now) : [parseTencentReply(body)];
  checkSenders(messages, provider === 'aliyun' ? 'phone_number' : 'mobile');
  const results = await handleAll(messages);
  // The resident's answer goes out by SMS; a retry re-queues it and the outbox (keyed by the message) sends it once.
  const replies: { reply: ReplyMessage }[] = results.flatMap(({ sms, handled }) =>
    handled.reply === undefined
      ? []
      : [{ reply: { channel: 'sms' as const, to: sms.from, text: handled.reply, ref: `sms:${smsDedupeKey(sms)}`, at: handled.at, ...(handled.caseId ? { caseId: handled.caseId } : {}) } }],
  );
  await publisher.send('notify', replies);
  return json(200, provider === 'aliyun' ? ALIYUN_ACK : TENCENT_ACK);
}

const run = middy<ApiEvent, HttpResult>()
  .use(providerErrors())
  .use(bodyLimit())
  .handler(async (event) => {
    if (event.routeKey !== 'POST /webhooks/sms/twilio') return unsigned(event);
    await xmlReady(); // TwiML replies: only Twilio's route loads the XML library.
    return twilio(event);
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
