/**
 * Sign-in and who am I: POST /v1/auth/login (password), POST /v1/auth/challenge
 * (the TOTP code a sign-in asks for: SOFTWARE_TOKEN_MFA, or MFA_SETUP with the
 * secret to set up), POST /v1/auth/refresh (a new hour's token), GET /v1/me.
 * Local accounts (scrypt, the local issuer, local TOTP) or Cognito (AWS): the
 * same flow (shared/service/accounts.ts). Nothing here logs a request body,
 * so a password or code is never written anywhere.
 */
import middy from '@middy/core';
import * as z from 'zod/mini';
import '../../shared/contract/zod.ts';
import { ROLES, label, ValidationFailed } from '../../shared/domain/index.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import { RateLimited, Unauthorized } from '../../shared/http/errors.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { clock } from '../../shared/service/clock.ts';
import { accountsFromEnv } from '../../shared/service/accounts.ts';
import { config, directory, dynamodb, policy } from '../../shared/service/runtime.ts';
import { AttemptLimiter, type LimitRule } from '../../shared/store/limits.ts';
import type { Account } from '../../shared/store/directory.ts';
import { lambda } from '../../shared/service/lambda.ts';

const username = z.lazy(() => z.string().check(z.minLength(1), z.maxLength(64)));
const loginSchema = z.lazy(() => z.strictObject({
  username,
  password: z.string().check(z.minLength(1), z.maxLength(200)),
  /** Set up TOTP at this sign-in (anyone may; officers and admins must). */
  setupMfa: z.optional(z.boolean()),
}));
const challengeSchema = z.lazy(() => z.strictObject({
  username,
  session: z.string().check(z.minLength(1), z.maxLength(4096)),
  code: z.string().check(z.regex(/^\d{6}$/, '验证码是 6 位数字')),
}));
const refreshSchema = z.lazy(() => z.strictObject({ refreshToken: z.string().check(z.minLength(1), z.maxLength(8192)) }));
const PER_ACCOUNT: LimitRule = { scope: 'login-user', max: 10, windowSeconds: 15 * 60 };
const PER_ADDRESS: LimitRule = { scope: 'login-ip', max: 30, windowSeconds: 15 * 60 };
const limiter = new AttemptLimiter(dynamodb, config.tableName);
const accounts = accountsFromEnv(directory);

const userOf = (a: Account) => ({ username: a.username, displayName: a.displayName, role: a.role, unitId: a.unitId });

/** Each try counts against the account and the address; a good one is given back, so only failures count. */
async function attempt(event: ApiEvent, subject: string) {
  const taken = await limiter.take(
    [
      { rule: PER_ACCOUNT, subject },
      { rule: PER_ADDRESS, subject: event.requestContext.http.sourceIp },
    ],
    clock.now(),
  );
  if (taken.wait > 0) throw new RateLimited(taken.wait, '登录失败次数过多，请稍后再试 (too many failed logins)');
  return taken;
}

const endpoint = () => middy<ApiEvent, HttpResult>().use(httpErrors()).use(bodyLimit()).use(jsonBody());

const login = endpoint().handler(async (event) => {
  const body = parseWith(loginSchema, event.json, 'the login');
  if (body instanceof ValidationFailed) throw body;
  const taken = await attempt(event, body.username);
  const outcome = await accounts.login(body.username, body.password, clock.now(), { setupMfa: body.setupMfa ?? false });
  const account = outcome && (await directory.account(body.username));
  if (!outcome || !account) throw new Unauthorized('用户名或密码错误 (wrong username or password)');
  await taken.giveBack();
  // A challenge: no token yet, only what answering it needs.
  if ('challenge' in outcome) return json(200, outcome.challenge);
  return json(200, { ...outcome.session, user: userOf(account) });
});

const challenge = endpoint().handler(async (event) => {
  const body = parseWith(challengeSchema, event.json, 'the code');
  if (body instanceof ValidationFailed) throw body;
  const taken = await attempt(event, body.username);
  const session = await accounts.answer(body.username, body.session, body.code, clock.now());
  const account = session && (await directory.account(body.username));
  if (!session || !account) throw new Unauthorized('验证码错误或已过期，请重新登录 (wrong or expired code)');
  await taken.giveBack();
  return json(200, { ...session, user: userOf(account) });
});

const refresh = endpoint().handler(async (event) => {
  const body = parseWith(refreshSchema, event.json, 'the refresh');
  if (body instanceof ValidationFailed) throw body;
  const session = await accounts.refresh(body.refreshToken, clock.now());
  if (!session) throw new Unauthorized('登录已过期，请重新登录 (session expired)');
  return json(200, session);
});

const me = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const { actor } = principalOf(event);
    if (actor.kind !== 'user') throw new Unauthorized();
    const units = await directory.units();
    const unit = units.get(actor.unitId);
    return json(200, {
      username: actor.id,
      displayName: actor.name,
      role: actor.role,
      roleName: ROLES.find((r) => r.code === actor.role)?.name,
      unit: unit && { id: unit.id, name: unit.name, fullName: unit.fullName, level: unit.level, levelName: label(unit.branchKind, unit.level) },
      canEscalate: unit?.parentId !== undefined,
      // What the page needs to offer only actions that can succeed (a second 延期 at a level cannot).
      limits: { maxExtensionsPerLevel: (await policy()).sla.maxExtensionsPerLevel },
    });
  });

const ROUTES: Readonly<Record<string, typeof me>> = { 'POST /v1/auth/login': login, 'POST /v1/auth/challenge': challenge, 'POST /v1/auth/refresh': refresh };
const run = (event: ApiEvent, context: Parameters<typeof login>[1]) => (ROUTES[event.routeKey] ?? me)(event, context);

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
