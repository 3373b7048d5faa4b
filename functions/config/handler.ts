/**
 * GET|PUT /v1/config/{name} — the policy a township edits without a deploy:
 * `sla` (limits per centre × level × priority), `risk` (risk terms),
 * `emergency` (紧急求助 signs and the local crisis hotline) and
 * `calendar` (holiday years the calendar library does not know yet; its
 * answer names the years within the next 60 days that nobody entered). Admins
 * read them; only a township's admins change them, since they hold for every
 * unit. A document is validated before it is stored, and every function picks
 * it up within its 30-second policy cache.
 */
import middy from '@middy/core';
import { Forbidden, NotFound, ValidationFailed } from '../../shared/domain/index.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { calendarOverridesSchema, emergencySignsSchema, loadPolicy, riskTermsSchema, slaOverridesSchema } from '../../shared/service/policy.ts';
import { config, directory, forgetPolicy } from '../../shared/service/runtime.ts';
import { lambda } from '../../shared/service/lambda.ts';

const DOCUMENTS = {
  sla: { key: 'SLA', schema: slaOverridesSchema },
  risk: { key: 'RISK', schema: riskTermsSchema },
  calendar: { key: 'CALENDAR', schema: calendarOverridesSchema },
  emergency: { key: 'EMERGENCY', schema: emergencySignsSchema },
} as const;
type Name = keyof typeof DOCUMENTS;

function documentOf(event: ApiEvent) {
  const admin = requireRole(principalOf(event), 'admin');
  const name = event.pathParameters?.name ?? '';
  if (!Object.hasOwn(DOCUMENTS, name)) throw new NotFound(`no configuration "${name}"; there are ${Object.keys(DOCUMENTS).join(', ')}`);
  return { name: name as Name, admin, ...DOCUMENTS[name as Name] };
}

/** How far ahead the calendar looks for years whose holidays are not entered yet. */
const LOOKAHEAD_DAYS = 60;

async function describe(name: Name, key: string): Promise<HttpResult> {
  const policy = await loadPolicy(directory, config.timeScale);
  const { calendar } = policy.timing;
  const now = clock.now();
  const calendarView = {
    knownYears: calendar.knownYears(),
    // Deadlines in these count weekends only until their holidays are entered (the admin page's banner).
    uncoveredYears: calendar.uncoveredYears(now, new Date(now.getTime() + LOOKAHEAD_DAYS * 86_400_000)),
  };
  const effective = { sla: policy.sla, risk: policy.risk, calendar: calendarView, emergency: policy.emergency }[name];
  return json(200, { name, stored: (await directory.config(key)) ?? null, effective });
}

const read = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const doc = documentOf(event);
    return describe(doc.name, doc.key);
  });

const write = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .use(jsonBody())
  .handler(async (event) => {
    const doc = documentOf(event);
    if ((await directory.units()).parent(doc.admin.unitId) !== undefined) {
      throw new Forbidden('the configuration holds for every unit: only an admin of the top unit (the county, or a township with none above it) changes it');
    }
    const value = parseWith(doc.schema, event.json, `the ${doc.name} configuration`);
    if (value instanceof ValidationFailed) throw value;
    await directory.putConfig(doc.key, value);
    directory.invalidate();
    forgetPolicy();
    return describe(doc.name, doc.key);
  });

const run = (event: ApiEvent, context: Parameters<typeof read>[1]) =>
  event.routeKey.startsWith('PUT ') ? write(event, context) : read(event, context);

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
