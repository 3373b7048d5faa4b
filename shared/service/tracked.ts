/**
 * A resident's way into their case: the tracking number and its 提取码, the
 * only credential of the public tracking routes (the status view, and the
 * files shared with them). Every try takes an attempt per number and per
 * address in one conditional write (a right code gives it back); a wrong code
 * answers 404 like a number that does not exist, and a sixth wrong one within
 * the window 429. Someone who locks a number out this way does not lock out
 * its resident: the channel they filed from answers "查询 <编号>" by who they
 * are, not by the code.
 */
import { timingSafeEqual } from 'node:crypto';
import { NotFound, ValidationFailed, normalizeTrackingNo } from '../domain/index.ts';
import { RateLimited } from '../http/errors.ts';
import type { ApiEvent } from '../http/event.ts';
import type { CaseStore, Loaded } from '../store/case-store.ts';
import type { AttemptLimiter, LimitRule } from '../store/limits.ts';

const PER_NUMBER: LimitRule = { scope: 'track-no', max: 5, windowSeconds: 15 * 60 };
const PER_ADDRESS: LimitRule = { scope: 'track-ip', max: 20, windowSeconds: 15 * 60 };

const TOO_MANY =
  '查询失败次数过多，请稍后再试；您也可以用提交诉求时的手机短信或微信发送“查询 编号”查看进度 (too many wrong codes; try again later, or text "查询 <number>" from the phone or WeChat you filed with)';

/** Compared in constant time; only the length (six digits, public) can differ quickly. Any characters at all may come in. */
function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The case `{trackingNo}` and `?code=` open, or the 400, 404 or 429 the request gets. */
export async function openTracked(event: ApiEvent, deps: { readonly limiter: AttemptLimiter; readonly store: CaseStore; readonly now: Date }): Promise<Loaded> {
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
  const attempt = await deps.limiter.take(checks, deps.now);
  if (attempt.wait > 0) throw new RateLimited(attempt.wait, TOO_MANY);
  const loaded = normalizeTrackingNo(raw) ? await deps.store.load(trackingNo) : undefined;
  if (!loaded || !sameCode(code, loaded.state.trackingCode)) {
    throw new NotFound('没有找到该编号，或提取码不正确 (no case with this number and code)');
  }
  await attempt.giveBack();
  return loaded;
}
