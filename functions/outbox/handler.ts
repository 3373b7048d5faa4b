/**
 * GET /v1/outbox?date=yyyy-mm-dd — the messages sent to people that China day, for
 * admins: those about cases in their jurisdiction, and, for an admin of a
 * township, also those tied to no case (answers to residents' queries).
 * Phones and openIds are shown masked and codes (提取码, 验证码) never, as the
 * privacy policy has it for this view.
 */
import middy from '@middy/core';
import { ValidationFailed, chinaDay } from '../../shared/domain/index.ts';
import { realDay } from '../../shared/contract/days.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, httpErrors, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { config, directory, dynamodb } from '../../shared/service/runtime.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { outboxView } from '../../shared/service/views.ts';
import { lambda } from '../../shared/service/lambda.ts';

const outbox = new Outbox(dynamodb, config.tableName);

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const admin = requireRole(principalOf(event), 'admin');
    const query = event.queryStringParameters ?? {};
    const date = query.date === undefined ? chinaDay(clock.now().toISOString()) : realDay(query.date);
    if (date === undefined) throw new ValidationFailed('date must be a China day, yyyy-mm-dd', [{ path: 'date', message: 'must be a date, yyyy-mm-dd' }]);
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidationFailed('limit must be 1–500', [{ path: 'limit', message: 'must be an integer from 1 to 500' }]);
    }
    const [page, units] = await Promise.all([outbox.list(date, { limit, cursor: query.cursor }), directory.units()]);
    const mine = admin.unitId;
    const atTop = units.parent(mine) === undefined;
    // A page may hold fewer than `limit` items once other jurisdictions' are left out; the cursor still goes on.
    const items = page.items.filter((e) => (e.unitId === undefined ? atTop : units.isWithin(e.unitId, mine)));
    return json(200, { date, items: items.map((e) => outboxView(e, admin.role)), cursor: page.cursor ?? null });
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
