/** POST /v1/auth/login and GET /v1/me — local accounts, scrypt-hashed, tokens from the local issuer. */
import middy from '@middy/core';
import * as z from 'zod/mini';
import '../../shared/contract/zod.ts';
import { LEVELS, ROLES, ValidationFailed } from '../../shared/domain/index.ts';
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
import { lambda } from '../../shared/service/lambda.ts';

const loginSchema = z.strictObject({
  username: z.string().check(z.minLength(1), z.maxLength(64)),
  password: z.string().check(z.minLength(1), z.maxLength(200)),
});
const PER_ACCOUNT: LimitRule = { scope: 'login-user', max: 10, windowSeconds: 15 * 60 };
const PER_ADDRESS: LimitRule = { scope: 'login-ip', max: 30, windowSeconds: 15 * 60 };
const limiter = new AttemptLimiter(dynamodb, config.tableName);
const accounts = accountsFromEnv(directory);

const login = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(jsonBody())
  .handler(async (event) => {
    const body = parseWith(loginSchema, event.json, 'the login');
    if (body instanceof ValidationFailed) throw body;
    const now = clock.now();
    const checks = [
      { rule: PER_ACCOUNT, subject: body.username },
      { rule: PER_ADDRESS, subject: event.requestContext.http.sourceIp },
    ];
    // One conditional write per rule takes the attempt; a good login gives it back, so only failures count.
    const attempt = await limiter.take(checks, now);
    if (attempt.wait > 0) throw new RateLimited(attempt.wait, '登录失败次数过多，请稍后再试 (too many failed logins)');
    const session = await accounts.login(body.username, body.password, now);
    const account = session && (await directory.account(body.username));
    if (!session || !account) throw new Unauthorized('用户名或密码错误 (wrong username or password)');
    await attempt.giveBack();
    return json(200, { ...session, user: { username: account.username, displayName: account.displayName, role: account.role, unitId: account.unitId } });
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
      unit: unit && { id: unit.id, name: unit.name, fullName: unit.fullName, level: unit.level, levelName: LEVELS.find((l) => l.code === unit.level)?.name },
      canEscalate: unit?.parentId !== undefined,
      // What the page needs to offer only actions that can succeed (a second 延期 at a level cannot).
      limits: { maxExtensionsPerLevel: (await policy()).sla.maxExtensionsPerLevel },
    });
  });

const run = (event: ApiEvent, context: Parameters<typeof login>[1]) =>
  event.routeKey === 'POST /v1/auth/login' ? login(event, context) : me(event, context);

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
