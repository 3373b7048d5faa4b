/**
 * 双报到 and 群众点单's menu. Public: a party member's or cadre's 报到 with the
 * community where they live (idempotent by community and phone, limited per
 * address), and a community's service menu with the communities to choose
 * from. Signed in: the registrations to decide and the decision (approval
 * creates the volunteer account), the roster, and keeping a menu.
 */
import middy from '@middy/core';
import { LEVELS, NotFound, ROSTER_KEEPERS, ValidationFailed, type Registration, type UnitTree } from '../../shared/domain/index.ts';
import { menuSchema, registrationDecisionSchema, registrationSchema } from '../../shared/contract/volunteers.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import { RateLimited } from '../../shared/http/errors.ts';
import { idParam, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { accountsOnFirstUse } from '../../shared/service/accounts-on-first-use.ts';
import { config, directory, dynamodb, volunteers } from '../../shared/service/runtime.ts';
import { registrationView } from '../../shared/service/views.ts';
import { AttemptLimiter, type LimitRule } from '../../shared/store/limits.ts';
import { lambda } from '../../shared/service/lambda.ts';

const limiter = new AttemptLimiter(dynamodb, config.tableName);
/** 报到 from one address per hour: a community hall's shared connection registers a few dozen, not thousands. */
const REGISTRATIONS_PER_ADDRESS: LimitRule = { scope: 'baodao-ip', max: 30, windowSeconds: 3600 };
const STATUSES = ['pending', 'approved', 'rejected'] as const;

/** The communities one may 报到 with (public: the names of the units, nothing else). */
const communities = (units: UnitTree) =>
  units
    .all()
    .filter((u) => u.level === 'community')
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((u) => ({ id: u.id, name: u.name, fullName: u.fullName, rootId: u.rootId }));

const register = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(jsonBody())
  .handler(async (event) => {
    const body = parseWith(registrationSchema, event.json, 'the 报到');
    if (body instanceof ValidationFailed) throw body;
    const now = clock.now();
    const attempt = await limiter.take([{ rule: REGISTRATIONS_PER_ADDRESS, subject: event.requestContext.http.sourceIp }], now);
    if (attempt.wait > 0) throw new RateLimited(attempt.wait, '报到过于频繁，请稍后再试');
    const { registration, created } = await volunteers.register(body, 'web', now);
    // The public answer says it was received and where; never the stored phone back.
    return json(created ? 201 : 200, publicRegistration(registration, await directory.units()));
  });

const publicRegistration = (r: Registration, units: UnitTree) => ({
  id: r.id,
  status: r.status,
  communityId: r.communityId,
  communityName: units.get(r.communityId)?.fullName,
  name: r.name,
  at: r.at,
});

const menu = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const unitId = event.queryStringParameters?.unitId || undefined;
    const units = await directory.units();
    if (unitId !== undefined && !units.get(unitId)) throw new ValidationFailed(`unknown unit "${unitId}"`, [{ path: 'unitId', message: '不是本系统的单位' }]);
    const found = await volunteers.menu(unitId);
    return json(200, { unitId: found.unitId ?? null, isDefault: found.unitId === undefined, items: found.items, communities: communities(units) });
  });

async function staffRoute(event: ApiEvent): Promise<HttpResult> {
  const principal = principalOf(event);
  const units = await directory.units();
  const now = clock.now();
  switch (event.routeKey) {
    case 'GET /v1/volunteers': {
      const actor = requireRole(principal, 'liaison', 'mediator', 'officer', 'leader', 'admin');
      const rows = await volunteers.roster(actor, units);
      return json(200, {
        items: rows.map(({ account, registration }) => ({
          username: account.username,
          displayName: account.displayName,
          unitId: account.unitId,
          unitName: units.get(account.unitId)?.fullName,
          disabled: account.disabled ?? false,
          ...(registration ? { registration: registrationView(registration, units, actor.role) } : {}),
        })),
      });
    }
    case 'GET /v1/volunteers/registrations': {
      const actor = requireRole(principal, ...ROSTER_KEEPERS, 'leader', 'liaison');
      const status = event.queryStringParameters?.status;
      if (status !== undefined && status !== '' && !(STATUSES as readonly string[]).includes(status)) {
        throw new ValidationFailed(`status must be one of ${STATUSES.join(', ')}`, [{ path: 'status', message: `须为 ${STATUSES.join('、')} 之一` }]);
      }
      const regs = (await volunteers.registrations(actor, units)).filter((r) => !status || r.status === status);
      return json(200, { items: regs.map((r) => registrationView(r, units, actor.role)) });
    }
    case 'POST /v1/volunteers/registrations/{id}/decision': {
      const actor = requireRole(principal, ...ROSTER_KEEPERS);
      const id = idParam(event, 'id', '报到');
      const body = parseWith(registrationDecisionSchema, event.json, 'the decision');
      if (body instanceof ValidationFailed) throw body;
      const { registration, initialPassword } = await volunteers.decide(id, body, actor, units, now, await accountsOnFirstUse());
      return json(200, { ...registrationView(registration, units, actor.role), ...(initialPassword !== undefined ? { initialPassword } : {}) });
    }
    case 'PUT /v1/services/{unitId}': {
      const actor = requireRole(principal, ...ROSTER_KEEPERS);
      const unitId = idParam(event, 'unitId', 'unit');
      const body = parseWith(menuSchema, event.json, 'the menu');
      if (body instanceof ValidationFailed) throw body;
      const kept = await volunteers.putMenu(unitId, body.items, actor, units, now);
      const unit = units.get(unitId);
      return json(200, { ...kept, unitName: unit?.fullName, levelName: LEVELS.find((l) => l.code === unit?.level)?.name });
    }
    default:
      throw new NotFound(`no route ${event.routeKey}`);
  }
}

/** Signed-in routes; those that take a body (the decision, a menu) read it as JSON. */
const staff = (withBody: boolean) => {
  const chain = middy<ApiEvent, HttpResult>().use(httpErrors()).use(bodyLimit()).use(authenticate(jwtAuth(directory, clock.now)));
  return (withBody ? chain.use(jsonBody()) : chain).handler(staffRoute);
};
const staffRead = staff(false);
const staffWrite = staff(true);

const run = (event: ApiEvent, context: Parameters<typeof staffRead>[1]) => {
  switch (event.routeKey) {
    case 'POST /v1/volunteers/registrations':
      return register(event, context);
    case 'GET /v1/services':
      return menu(event, context);
    case 'POST /v1/volunteers/registrations/{id}/decision':
    case 'PUT /v1/services/{unitId}':
      return staffWrite(event, context);
    default:
      return staffRead(event, context);
  }
};

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
