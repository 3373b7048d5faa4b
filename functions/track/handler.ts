/**
 * GET /v1/track/{trackingNo}?code= — the resident's own status view. Public:
 * the 提取码 is the credential, so every try takes an attempt per number and
 * per address in one conditional write (a right code gives it back), a wrong
 * code is answered 404 like a number that does not exist, and a sixth wrong
 * one within the window 429. Someone who locks a number out this way does not
 * lock out its resident: the channel they filed from (SMS, WeChat) answers
 * "查询 <编号>" by who they are, not by the code.
 */
import middy from '@middy/core';
import { timingSafeEqual } from 'node:crypto';
import { NotFound, ValidationFailed, normalizeTrackingNo } from '../../shared/domain/index.ts';
import { RateLimited } from '../../shared/http/errors.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { httpErrors } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { AttemptLimiter, type LimitRule } from '../../shared/store/limits.ts';
import { config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { publicView } from '../../shared/service/views.ts';
import { clock } from '../../shared/service/clock.ts';

const PER_NUMBER: LimitRule = { scope: 'track-no', max: 5, windowSeconds: 15 * 60 };
const PER_ADDRESS: LimitRule = { scope: 'track-ip', max: 20, windowSeconds: 15 * 60 };
const limiter = new AttemptLimiter(dynamodb, config.tableName);

const TOO_MANY =
  '查询失败次数过多，请稍后再试；您也可以用提交诉求时的手机短信或微信发送“查询 编号”查看进度 (too many wrong codes; try again later, or text "查询 <number>" from the phone or WeChat you filed with)';

/** Compared in constant time; only the length (six digits, public) can differ quickly. Any characters at all may come in. */
function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const now = clock.now();
    const raw = event.pathParameters?.trackingNo ?? '';
    // A resident may type spaces and dashes; longer or with control characters, it is no number at all.
    if (!/^[\x20-\x7e]{1,128}$/.test(raw)) {
      throw new ValidationFailed('the tracking number must be 1–128 printable ASCII characters', [{ path: 'trackingNo', message: 'must be 1–128 printable ASCII characters' }]);
    }
    const trackingNo = normalizeTrackingNo(raw) ?? raw.slice(0, 32);
    const code = event.queryStringParameters?.code ?? '';
    const checks = [
      { rule: PER_NUMBER, subject: trackingNo },
      { rule: PER_ADDRESS, subject: event.requestContext.http.sourceIp },
    ];
    const attempt = await limiter.take(checks, now);
    if (attempt.wait > 0) throw new RateLimited(attempt.wait, TOO_MANY);
    const loaded = normalizeTrackingNo(raw) ? await store.load(trackingNo) : undefined;
    if (!loaded || !sameCode(code, loaded.state.trackingCode)) {
      throw new NotFound('没有找到该编号，或提取码不正确 (no case with this number and code)');
    }
    await attempt.giveBack();
    const units = await directory.units();
    const into = loaded.state.mergedInto ? await store.load(loaded.state.mergedInto) : undefined;
    if (into) {
      // 并单: the matter is worked in the other case; show its progress, but not its reporter.
      const { reporter: _theirs, ...view } = publicView(into.state, await store.eventsAfter(into.state.id, 0), units);
      return json(200, { ...view, mergedFrom: loaded.state.trackingNo });
    }
    return json(200, publicView(loaded.state, await store.eventsAfter(trackingNo, 0), units));
  });
