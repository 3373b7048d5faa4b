/**
 * GET|PUT /v1/config/{name} — the policy a township edits without a deploy:
 * `sla` (limits per centre × level × priority), `risk` (risk terms),
 * `emergency` (紧急求助 signs and the local crisis hotline) and
 * `calendar` (holiday years the calendar library does not know yet; its
 * answer names the years within the next 60 days that nobody entered). Admins
 * read them; only a township's admins change them, since they hold for every
 * unit. A document is validated before it is stored, and every function picks
 * it up within its 30-second policy cache.
 *
 * /v1/templates — reply templates (常用语) and the wording of the notifier's
 * messages to residents, kept per unit and inherited below it. Everyone signed
 * in reads those in force at a unit of theirs; an admin changes those kept at
 * their unit or below it (the subtree holds where a template is and where it
 * goes), and sees those too.
 */
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import { clashingTemplate, Forbidden, NotFound, templateProblems, ValidationFailed, type Actor, type Template, type UnitTree } from '../../shared/domain/index.ts';
import { templateSchema } from '../../shared/contract/templates.ts';
import { HttpError } from '../../shared/http/errors.ts';
import { idParam } from '../../shared/http/event.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { calendarOverridesSchema, emergencySignsSchema, loadPolicy, riskTermsSchema, slaOverridesSchema } from '../../shared/service/policy.ts';
import { config, directory, forgetPolicy, templates } from '../../shared/service/runtime.ts';
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

function userOf(event: ApiEvent): Actor & { kind: 'user' } {
  const principal = principalOf(event);
  if (principal.kind !== 'user') throw new NotFound('no such route for API clients');
  return principal.actor as Actor & { kind: 'user' };
}

const templateView = (t: Template, units: UnitTree, actor: Actor & { kind: 'user' }) => ({
  ...t,
  unitName: units.get(t.unitId)?.fullName ?? t.unitId,
  editable: actor.role === 'admin' && units.isWithin(t.unitId, actor.unitId),
});

/** The one jurisdiction check for templates: the admin's subtree holds the unit (before and after a change). */
function requireJurisdiction(units: UnitTree, actor: Actor & { kind: 'user' }, unitIds: readonly string[]): void {
  const outside = [...new Set(unitIds)].filter((id) => !units.isWithin(id, actor.unitId));
  if (outside.length > 0) {
    throw new Forbidden(`单位 ${outside.map((id) => units.get(id)?.fullName ?? id).join('、')} 不在您的管辖范围内：模板只能由所属单位及其上级单位的管理员修改`);
  }
}

/** The body checked whole: its fields, its binding and placeholders, its unit. Nothing is written on a problem. */
async function templateInput(event: ApiEvent, units: UnitTree) {
  const parsed = parseWith(templateSchema, event.json, 'the template');
  if (parsed instanceof ValidationFailed) throw parsed;
  const issues = templateProblems(parsed);
  if (!units.get(parsed.unitId)) issues.unshift({ path: 'unitId', message: `没有单位 ${parsed.unitId}` });
  if (issues.length > 0) throw new ValidationFailed(issues.length === 1 ? `${issues[0]?.path}：${issues[0]?.message}` : `模板有 ${issues.length} 处错误`, issues);
  return parsed;
}

async function templateRoute(event: ApiEvent): Promise<HttpResult> {
  const actor = userOf(event);
  const units = await directory.units();
  if (event.routeKey === 'GET /v1/templates') {
    const unitId = event.queryStringParameters?.unitId;
    // Read as stored: an admin sees their change at once (the notifier keeps its copy 30 s).
    const all = await templates.read();
    let items: Template[];
    if (unitId !== undefined) {
      // A case's unit: in the caller's subtree, or above them (a volunteer's task at the community that dispatched it).
      if (!units.get(unitId) || !(units.isWithin(unitId, actor.unitId) || units.isWithin(actor.unitId, unitId))) throw new NotFound(`no unit ${unitId} in your jurisdiction`);
      items = all.filter((t) => units.isWithin(unitId, t.unitId));
    } else {
      items = all.filter((t) => units.isWithin(actor.unitId, t.unitId) || (actor.role === 'admin' && units.isWithin(t.unitId, actor.unitId)));
    }
    const path = (t: Template) => units.get(t.unitId)?.path ?? '';
    items.sort((a, b) => path(a).localeCompare(path(b)) || a.title.localeCompare(b.title, 'zh'));
    return json(200, { items: items.map((t) => templateView(t, units, actor)) });
  }
  requireRole(principalOf(event), 'admin');
  const at = clock.now().toISOString();
  if (event.routeKey === 'POST /v1/templates') {
    const input = await templateInput(event, units);
    requireJurisdiction(units, actor, [input.unitId]);
    const clash = clashingTemplate(await templates.read(), input);
    if (clash) throw new HttpError(409, 'conflict', `${units.get(input.unitId)?.fullName ?? input.unitId}已有这条通知的措辞（${clash.title}，${clash.id}）：请修改它`);
    const template: Template = { ...input, id: randomUUID(), updatedAt: at, updatedBy: actor.id };
    await templates.put(template, 'create');
    return json(201, templateView(template, units, actor));
  }
  const id = idParam(event, 'id', 'template');
  const stored = await templates.read();
  const existing = stored.find((t) => t.id === id);
  // One the caller cannot even see is not there for them.
  if (!existing || !(units.isWithin(actor.unitId, existing.unitId) || units.isWithin(existing.unitId, actor.unitId))) throw new NotFound(`no template ${id}`);
  if (event.routeKey === 'DELETE /v1/templates/{id}') {
    requireJurisdiction(units, actor, [existing.unitId]);
    if (!(await templates.delete(id))) throw new NotFound(`no template ${id}`);
    return json(200, { id, deleted: true });
  }
  const input = await templateInput(event, units);
  requireJurisdiction(units, actor, [existing.unitId, input.unitId]);
  const clash = clashingTemplate(stored, input, id);
  if (clash) throw new HttpError(409, 'conflict', `${units.get(input.unitId)?.fullName ?? input.unitId}已有这条通知的措辞（${clash.title}，${clash.id}）：请修改它`);
  const template: Template = { ...input, id, updatedAt: at, updatedBy: actor.id };
  if (!(await templates.put(template, 'replace'))) throw new NotFound(`no template ${id}`);
  return json(200, templateView(template, units, actor));
}

/** Reads and deletes carry no body; creating and changing a template take JSON. */
const templateReads = middy<ApiEvent, HttpResult>().use(httpErrors()).use(authenticate(jwtAuth(directory, clock.now))).handler(templateRoute);
const templateWrites = middy<ApiEvent, HttpResult>().use(httpErrors()).use(bodyLimit()).use(authenticate(jwtAuth(directory, clock.now))).use(jsonBody()).handler(templateRoute);

const run = (event: ApiEvent, context: Parameters<typeof read>[1]) =>
  event.routeKey.includes('/v1/templates')
    ? (/^(POST|PUT) /.test(event.routeKey) ? templateWrites : templateReads)(event, context)
    : event.routeKey.startsWith('PUT ') ? write(event, context) : read(event, context);

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
