/**
 * 联户: a 联户长's roster of households (imported by sheet, edited on the
 * page), their 走访 — from which a case is raised in one step — the roster's
 * statistics, and 宣传 notices to a unit's households (delivered by the relay
 * and the notifier). A 联户长 sees only their own households; those above a
 * building see its households; a household's phone follows the privacy policy.
 */
import middy from '@middy/core';
import { createHash, randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import {
  Forbidden,
  IdempotencyKeyReused,
  LEVELS,
  NOTICE_DAILY_LIMIT,
  NotFound,
  OPEN_STATUSES,
  ValidationFailed,
  canEditHousehold,
  canSeeHousehold,
  canSendNotice,
  householdStats,
  noticeText,
  rulesFor,
  type Actor,
  type Household,
  type Issue,
  type UnitTree,
  type Visit,
} from '../../shared/domain/index.ts';
import {
  householdCsvIssue,
  householdImportSchema,
  householdJsonIssue,
  householdUpdateSchema,
  householdsFromCsv,
  noticeSchema,
  visitSchema,
  type HouseholdInput,
} from '../../shared/contract/households.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import { HttpError, RateLimited } from '../../shared/http/errors.ts';
import { flagParam, idParam, idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, bodyText, httpErrors, parseJson, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { clock } from '../../shared/service/clock.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { cases, config, directory, dynamodb, policy } from '../../shared/service/runtime.ts';
import { caseView, householdView } from '../../shared/service/views.ts';
import { AuditTrail } from '../../shared/store/audit.ts';
import { HouseholdStore, type Notice } from '../../shared/store/households.ts';
import { AttemptLimiter } from '../../shared/store/limits.ts';

const store = new HouseholdStore(dynamodb, config.tableName);
const audit = new AuditTrail(dynamodb, config.tableName);
const limiter = new AttemptLimiter(dynamodb, config.tableName);
/** Households live at the bottom level (楼栋 / 湾落). */
const BOTTOM = LEVELS[0]?.code;
/** Building partitions read at once for a roster above a building. */
const READS_AT_ONCE = 8;
/** Counted by China's day (from 00:00 Asia/Shanghai), the day a 联户长 and the households live by. */
const NOTICE_RULE = { scope: 'notice', max: NOTICE_DAILY_LIMIT, windowSeconds: 86_400, offsetSeconds: 8 * 3600 } as const;

type User = Extract<Actor, { kind: 'user' }>;

function revealParam(event: ApiEvent): boolean {
  const raw = event.queryStringParameters?.reveal;
  if (raw === undefined || raw === '') return false;
  if (raw === 'personal') return true;
  throw new ValidationFailed('reveal must be personal', [{ path: 'reveal', message: '只能为 personal' }]);
}

/** The unit a request is about: `?unitId=` within the caller's jurisdiction, or their own. */
function unitParam(event: ApiEvent, actor: User, units: UnitTree): string {
  const id = event.queryStringParameters?.unitId || actor.unitId;
  if (!units.get(id) || !units.isWithin(id, actor.unitId)) throw new NotFound(`no unit ${id} in your jurisdiction`);
  return id;
}

/** The buildings under a unit (itself, if it is one). */
const buildingsUnder = (units: UnitTree, unitId: string): string[] =>
  units
    .all()
    .filter((u) => u.level === BOTTOM && units.isWithin(u.id, unitId))
    .map((u) => u.id);

/** The households under `unitId` the actor may see, and their visits since `since`. */
async function roster(actor: User, units: UnitTree, unitId: string, since?: string): Promise<{ households: Household[]; visits: Visit[] }> {
  const limit = pLimit(READS_AT_ONCE);
  const parts = await Promise.all(buildingsUnder(units, unitId).map((b) => limit(() => store.roster(b, since))));
  const households = parts.flatMap((p) => p.households).filter((h) => canSeeHousehold(actor, h, units));
  const ids = new Set(households.map((h) => h.id));
  return { households, visits: parts.flatMap((p) => p.visits).filter((v) => ids.has(v.householdId)) };
}

/** A household by id as the actor may see it, or NotFound (another's household does not exist for them). */
async function visible(actor: User, units: UnitTree, id: string): Promise<Household> {
  const household = await store.get(id);
  if (!household || !canSeeHousehold(actor, household, units)) throw new NotFound(`no household ${id}`);
  return household;
}

/** An id for a household the sheet gives none: from its building and address, so a re-import finds it again. */
const derivedId = (unitId: string, address: string) =>
  `H${createHash('sha256').update(`${unitId}|${address.trim()}`).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 15)}`;

const idOf = (actor: User, key: string | undefined, prefix: string) =>
  key === undefined ? `${prefix}${randomBytes(10).toString('hex').toUpperCase()}` : `${prefix}${createHash('sha256').update(`${actor.id}|${key}`).digest('hex').slice(0, 20).toUpperCase()}`;

const sameHousehold = (a: Household, b: Household | undefined) =>
  b !== undefined && (['unitId', 'liaisonId', 'address', 'head', 'phone', 'people', 'notes'] as const).every((k) => (a[k] ?? '') === (b[k] ?? ''));

/** Whether `liaisonId` is a 联户长 over the building: an account with that role whose unit holds it. */
async function liaisonProblem(liaisonId: string, unitId: string, units: UnitTree): Promise<string | undefined> {
  const account = await directory.account(liaisonId);
  if (!account || account.role !== 'liaison' || account.disabled) return `没有联户长账号 ${liaisonId}`;
  if (!units.isWithin(unitId, account.unitId)) return `联户长 ${liaisonId} 不负责该楼栋`;
  return undefined;
}

async function importRows(actor: User, units: UnitTree, rows: readonly HouseholdInput[], now: string) {
  const issues: Issue[] = [];
  const problem = (i: number, field: string, message: string) => issues.push({ path: `households.${i}.${field}`, message });
  const seen = new Map<string, number>();
  const wanted: Household[] = rows.map((row, i) => {
    const unit = units.get(row.unitId);
    if (!unit || !units.isWithin(row.unitId, actor.unitId)) problem(i, 'unitId', `单位 ${row.unitId} 不在您的辖区内`);
    else if (unit.level !== BOTTOM) problem(i, 'unitId', `${unit.name} 不是楼栋或湾落`);
    const liaisonId = row.liaisonId ?? (actor.role === 'liaison' ? actor.id : undefined);
    if (liaisonId === undefined) problem(i, 'liaisonId', '请填写联户长账号');
    else if (actor.role === 'liaison' && liaisonId !== actor.id) problem(i, 'liaisonId', '联户长只能导入自己联系的户');
    const id = row.id ?? derivedId(row.unitId, row.address);
    const twin = seen.get(id);
    if (twin !== undefined) problem(i, 'id', `与第 ${twin + 1} 条是同一户`);
    seen.set(id, i);
    return { id, unitId: row.unitId, liaisonId: liaisonId ?? '', address: row.address, head: row.head, people: row.people, updatedAt: now, ...(row.phone ? { phone: row.phone } : {}), ...(row.notes ? { notes: row.notes } : {}) };
  });
  const liaisonChecks = new Map<string, Promise<string | undefined>>();
  await Promise.all(
    wanted.map(async (h, i) => {
      if (!h.liaisonId || issues.some((x) => x.path.startsWith(`households.${i}.unitId`))) return;
      const key = `${h.liaisonId}|${h.unitId}`;
      if (!liaisonChecks.has(key)) liaisonChecks.set(key, liaisonProblem(h.liaisonId, h.unitId, units));
      const found = await liaisonChecks.get(key);
      if (found) problem(i, 'liaisonId', found);
    }),
  );
  // What is stored now: rows already on a roster keep their building, and only their editors change them.
  const existing = new Map<string, Household>();
  const buildings = [...new Set(wanted.map((h) => h.unitId).filter((u) => units.get(u)))];
  const limit = pLimit(READS_AT_ONCE);
  for (const part of await Promise.all(buildings.map((b) => limit(() => store.roster(b))))) for (const h of part.households) existing.set(h.id, h);
  const elsewhere = await store.buildingsOf(wanted.map((h) => h.id).filter((id) => !existing.has(id)));
  wanted.forEach((h, i) => {
    const moved = elsewhere.get(h.id);
    if (moved !== undefined) problem(i, 'unitId', `该户已登记在 ${units.get(moved)?.fullName ?? moved}，不能改到别的楼栋`);
    const old = existing.get(h.id);
    if (old && !canEditHousehold(actor, old, units)) problem(i, 'id', '该户由其他联户长联系，您不能修改');
  });
  const sorted = issues.sort((a, b) => Number(a.path.split('.')[1]) - Number(b.path.split('.')[1]));
  return { wanted, existing, issues: sorted };
}

/** The open matters of a household: its head's cases (by phone) the actor may see, still open. */
async function openMatters(actor: User, household: Household) {
  if (!household.phone) return [];
  const found = await cases.byReporter({ phone: household.phone }, actor);
  return found
    .filter((c) => OPEN_STATUSES.includes(c.status))
    .map((c) => ({ id: c.id, trackingNo: c.trackingNo, status: c.status, center: c.center, title: c.title ?? [...c.description].slice(0, 30).join(''), createdAt: c.createdAt }));
}

const monthOf = (date: string) => date.slice(0, 7);

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit(512 * 1024))
  .use(authenticate(jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const principal = principalOf(event);
    if (principal.kind !== 'user') throw new NotFound('no such route for API clients');
    const actor = principal.actor;
    const units = await directory.units();
    const now = clock.now();
    const today = (await policy()).timing.calendar.localDate(now);

    switch (event.routeKey) {
      case 'GET /v1/households': {
        if (actor.role === 'volunteer') throw new Forbidden('volunteers keep no roster');
        const unitId = unitParam(event, actor, units);
        const reveal = revealParam(event);
        const { households, visits } = await roster(actor, units, unitId, `${monthOf(today)}-01`);
        const limit = pLimit(READS_AT_ONCE);
        const matters = new Map(await Promise.all(households.map((h) => limit(async () => [h.id, await openMatters(actor, h)] as const))));
        const shown = rulesFor('household', actor.role).householdPhone;
        const revealed = reveal && shown === 'reveal' ? households.filter((h) => h.phone !== undefined).map((h) => h.id) : [];
        if (revealed.length > 0) {
          await audit.recordHouseholds(revealed, { at: now.toISOString(), username: actor.id, role: actor.role, unitId: actor.unitId, what: 'household_phone', fields: ['householdPhone'] });
        }
        const liaisons = new Map((await directory.accounts()).filter((a) => a.role === 'liaison').map((a) => [a.username, a.displayName]));
        return json(200, {
          unitId,
          month: monthOf(today),
          items: households
            .sort((a, b) => a.unitId.localeCompare(b.unitId) || a.address.localeCompare(b.address, 'zh'))
            .map((h) => ({
              ...householdView(h, actor.role, reveal),
              unitName: units.get(h.unitId)?.fullName,
              liaisonName: liaisons.get(h.liaisonId),
              openCases: matters.get(h.id) ?? [],
              visitsThisMonth: visits.filter((v) => v.householdId === h.id).length,
              lastVisit: visits.filter((v) => v.householdId === h.id).sort((a, b) => b.date.localeCompare(a.date))[0]?.date,
            })),
        });
      }
      case 'POST /v1/households/import': {
        if (actor.role === 'volunteer' || actor.role === 'leader') throw new Forbidden('only 联户长, mediators, officers and admins import households');
        const { type, text } = bodyText(event, 'json', 'csv');
        const sheet = type === 'csv' ? await householdsFromCsv(text) : undefined;
        const locate = (list: readonly Issue[]) => list.map((i) => (sheet ? householdCsvIssue(i, sheet.headers) : householdJsonIssue(i)));
        const parsed = parseWith(householdImportSchema, sheet ? { households: sheet.households } : parseJson(text), 'the household import');
        if (parsed instanceof ValidationFailed) throw new ValidationFailed(parsed.message, locate(parsed.issues));
        const dryRun = flagParam(event, 'dryRun');
        const { wanted, existing, issues } = await importRows(actor, units, parsed.households, now.toISOString());
        if (issues.length > 0) {
          const located = locate(issues);
          throw new ValidationFailed(`${located.length} 处错误，未导入任何户：${located[0]?.message ?? ''}`, located);
        }
        const created = wanted.filter((h) => !existing.has(h.id));
        const updated = wanted.filter((h) => existing.has(h.id) && !sameHousehold(h, existing.get(h.id)));
        if (!dryRun) await store.putMany([...created, ...updated]);
        return json(200, {
          dryRun,
          imported: created.length + updated.length,
          created: created.map((h) => h.id),
          updated: updated.map((h) => h.id),
          unchanged: wanted.length - created.length - updated.length,
        });
      }
      case 'PUT /v1/households/{id}': {
        const household = await visible(actor, units, idParam(event, 'id', 'household'));
        if (!canEditHousehold(actor, household, units)) throw new Forbidden('your role may not change a roster');
        const parsed = parseWith(householdUpdateSchema, parseJson(bodyText(event, 'json').text), 'the household');
        if (parsed instanceof ValidationFailed) throw parsed;
        if (parsed.liaisonId !== undefined && parsed.liaisonId !== household.liaisonId) {
          if (actor.role === 'liaison') throw new ValidationFailed('a 联户长 does not hand a household over', [{ path: 'liaisonId', message: '联户长不能把户转给他人，请联系社区' }]);
          const found = await liaisonProblem(parsed.liaisonId, household.unitId, units);
          if (found) throw new ValidationFailed(found, [{ path: 'liaisonId', message: found }]);
        }
        const { phone, notes, ...rest } = parsed;
        const { phone: oldPhone, notes: oldNotes, ...kept } = household;
        const next: Household = {
          ...kept,
          ...rest,
          ...((phone === undefined ? oldPhone : phone) ? { phone: (phone === undefined ? oldPhone : phone) as string } : {}),
          ...((notes === undefined ? oldNotes : notes) ? { notes: (notes === undefined ? oldNotes : notes) as string } : {}),
          updatedAt: now.toISOString(),
        };
        await store.putMany([next]);
        return json(200, householdView(next, actor.role));
      }
      case 'POST /v1/households/{id}/visits': {
        const household = await visible(actor, units, idParam(event, 'id', 'household'));
        if (!canEditHousehold(actor, household, units)) throw new Forbidden('your role may not log a visit');
        const parsed = parseWith(visitSchema, parseJson(bodyText(event, 'json').text), 'the visit');
        if (parsed instanceof ValidationFailed) throw parsed;
        if (parsed.date > today) throw new ValidationFailed('the visit is in the future', [{ path: 'date', message: '走访日期不能晚于今天' }]);
        const key = idempotencyKey(event);
        const visit: Visit = {
          id: idOf(actor, key, 'V'),
          householdId: household.id,
          unitId: household.unitId,
          liaisonId: household.liaisonId,
          date: parsed.date,
          summary: parsed.summary,
          duty: parsed.duty,
          settled: parsed.settled,
          at: now.toISOString(),
        };
        const created = await store.addVisit(visit);
        const stored = created ? visit : await store.visit(visit.unitId, visit.date, visit.id);
        if (!stored || stored.householdId !== household.id || stored.summary !== visit.summary) {
          throw new IdempotencyKeyReused('this Idempotency-Key was used for another visit');
        }
        let raised: unknown;
        if (parsed.raiseCase) {
          // The same visit raises the same case however often it is sent: the id derives from the visit.
          const result = await cases.intake(
            {
              source: 'visit',
              center: parsed.raiseCase.center,
              ...(parsed.raiseCase.title ? { title: parsed.raiseCase.title } : {}),
              description: parsed.summary,
              priority: 'normal',
              reporter: { name: household.head, ...(household.phone ? { phone: household.phone } : {}) },
              location: { unitId: household.unitId, address: household.address },
              parties: [],
            },
            actor,
            `visit:${visit.id}`,
          );
          if (stored.caseId !== result.state.id) await store.linkCase(stored, result.state.id);
          raised = caseView(result.state, units, { view: 'receipt', audience: actor.role });
        }
        const caseId = (raised as { id?: string } | undefined)?.id ?? stored.caseId;
        return json(created ? 201 : 200, { visit: { ...stored, ...(caseId ? { caseId } : {}) }, ...(raised ? { case: raised } : {}) });
      }
      case 'GET /v1/households/stats': {
        if (actor.role === 'volunteer') throw new Forbidden('volunteers keep no roster');
        const unitId = unitParam(event, actor, units);
        const month = event.queryStringParameters?.month || monthOf(today);
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new ValidationFailed('month must be yyyy-mm', [{ path: 'month', message: '须为月份，格式 yyyy-mm' }]);
        const { households, visits } = await roster(actor, units, unitId, `${month}-01`);
        const stats = householdStats(month, households, visits);
        const liaisons = new Map((await directory.accounts()).map((a) => [a.username, a.displayName]));
        return json(200, {
          unitId,
          ...stats,
          byLiaison: stats.byLiaison.map((s) => ({ ...s, liaisonName: liaisons.get(s.liaisonId) })),
          byUnit: stats.byUnit.map((s) => ({ ...s, unitName: units.get(s.unitId)?.fullName })),
        });
      }
      case 'POST /v1/notices': {
        const parsed = parseWith(noticeSchema, parseJson(bodyText(event, 'json').text), 'the notice');
        if (parsed instanceof ValidationFailed) throw parsed;
        const unit = units.get(parsed.unitId);
        if (!unit || !units.isWithin(parsed.unitId, actor.unitId)) throw new ValidationFailed(`unknown unit ${parsed.unitId}`, [{ path: 'unitId', message: '不在您的辖区内' }]);
        if (!canSendNotice(actor, parsed.unitId, units)) throw new Forbidden('your role may not send notices');
        const key = idempotencyKey(event);
        const hash = createHash('sha256').update(JSON.stringify(parsed)).digest('hex');
        const id = idOf(actor, key, 'N');
        const earlier = key === undefined ? undefined : await store.notice(id);
        const answer = (n: Notice, status: number) => json(status, { id: n.id, unitId: n.unitId, kind: n.kind, text: n.text, at: n.at, households: n.householdIds.length });
        if (earlier) {
          if (earlier.hash !== hash) throw new IdempotencyKeyReused('this Idempotency-Key was used for another notice');
          return answer(earlier, 200);
        }
        const { households } = await roster(actor, units, parsed.unitId);
        const reached = households.filter((h) => h.phone !== undefined);
        if (reached.length === 0) throw new ValidationFailed('no household of the unit has a phone', [{ path: 'unitId', message: '该单位没有登记了电话的联户' }]);
        const attempt = await limiter.take([{ rule: NOTICE_RULE, subject: parsed.unitId }], now);
        if (attempt.wait > 0) throw new RateLimited(attempt.wait, `每个单位每天最多发送 ${NOTICE_DAILY_LIMIT} 条宣传通知`);
        const notice: Notice = {
          id,
          unitId: parsed.unitId,
          kind: parsed.kind,
          text: noticeText(parsed.kind, unit.name, parsed.text),
          at: now.toISOString(),
          by: actor.id,
          byName: actor.name,
          householdIds: reached.map((h) => h.id).sort(),
          hash,
        };
        if (!(await store.addNotice(notice))) {
          // The same key sent twice at once: the other request wrote it.
          await attempt.giveBack();
          const other = await store.notice(id);
          if (!other || other.hash !== hash) throw new IdempotencyKeyReused('this Idempotency-Key was used for another notice');
          return answer(other, 200);
        }
        return answer(notice, 201);
      }
      default:
        throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
    }
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
