/**
 * Units and accounts. Everyone signed in reads the unit tree of their
 * township and the accounts in their subtree (to dispatch to a volunteer);
 * admins import units (JSON or CSV) and create, change or disable accounts in
 * their subtree.
 */
import middy from '@middy/core';
import { Forbidden, NotFound, label, ROLES, SUPERVISOR_ROLES, UnitTree, ValidationFailed, movedUnits, type Issue, type UnitRecord } from '../../shared/domain/index.ts';
import { createUserSchema, csvIssue, unitImportSchema, unitSupervisionSchema, unitsFromCsv, updateUserSchema } from '../../shared/contract/directory.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import { HttpError } from '../../shared/http/errors.ts';
import { flagParam, idParam, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, bodyText, httpErrors, parseJson, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { accountsOnFirstUse } from '../../shared/service/accounts-on-first-use.ts';
import { config, directory, dynamodb, policy, reindexer } from '../../shared/service/runtime.ts';
import type { Account } from '../../shared/store/directory.ts';
import { UnitSupervision } from '../../shared/store/supervision.ts';
import { lambda } from '../../shared/service/lambda.ts';

const supervision = new UnitSupervision(dynamodb, config.tableName);

/**
 * The one jurisdiction check for changes to the unit tree: a unit may be
 * created or changed only if the caller's subtree holds where it is (before)
 * and where it goes (after), and its old and new parents — so nothing is
 * pulled into a subtree from outside, pushed out of it, or hung under a
 * parent the caller does not hold. Each refused unit is named.
 */
function outsideJurisdiction(changed: readonly UnitRecord[], existing: ReadonlyMap<string, UnitRecord>, before: UnitTree, after: UnitTree, root: string): Issue[] {
  return changed.flatMap((u) => {
    const old = existing.get(u.id);
    const problems = [
      old && !before.isWithin(u.id, root) && `is now outside ${root}`,
      old?.parentId !== undefined && !before.isWithin(old.parentId, root) && `its parent ${old.parentId} is outside ${root}`,
      !after.isWithin(u.id, root) && `would be outside ${root}`,
      u.parentId !== undefined && !after.isWithin(u.parentId, root) && `its new parent ${u.parentId} is outside ${root}`,
    ].filter((p): p is string => typeof p === 'string');
    return problems.length > 0 ? [{ path: `units.${u.id}`, message: problems.join('; ') }] : [];
  });
}

/** Whether an imported row would change the stored unit (a re-import of the same sheet writes nothing). */
const sameUnit = (a: UnitRecord, b: UnitRecord | undefined): boolean =>
  b !== undefined &&
  a.name === b.name &&
  a.level === b.level &&
  (a.parentId ?? '') === (b.parentId ?? '') &&
  a.kind === b.kind &&
  contactsKey(a) === contactsKey(b);

const contactsKey = (u: UnitRecord): string => JSON.stringify((u.contacts ?? []).map((c) => [c.name, c.phone ?? '', c.openId ?? '']));

const publicAccount = ({ passwordHash: _hash, mfa, ...account }: Account) => ({
  ...account,
  // Whether TOTP is set up; its secret never leaves the table.
  mfa: mfa !== undefined,
  roleName: ROLES.find((r) => r.code === account.role)?.name,
  disabled: account.disabled ?? false,
});

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit(1024 * 1024))
  .use(authenticate(jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const principal = principalOf(event);
    if (principal.kind !== 'user') throw new NotFound('no such route for API clients');
    const actor = principal.actor;
    const units = await directory.units();
    const mine = units.get(actor.unitId);
    if (!mine) throw new NotFound('your unit no longer exists');

    switch (event.routeKey) {
      case 'GET /v1/units': {
        const tree = units.all().filter((u) => u.rootId === mine.rootId);
        const stamp = await directory.trees.stamp();
        return json(200, {
          items: tree
            .sort((a, b) => a.path.localeCompare(b.path))
            .map((u) => ({ ...u, levelName: label(u.branchKind, u.level), inMyJurisdiction: units.isWithin(u.id, actor.unitId) })),
          version: stamp.version,
          // Cases still following units that moved: each change of the tree's job, and how far it got.
          reindex: await reindexer.progress(stamp),
        });
      }
      case 'POST /v1/units/import': {
        requireRole(principal, 'admin');
        const { type, text } = bodyText(event, 'json', 'csv');
        const sheet = type === 'csv' ? await unitsFromCsv(text) : undefined;
        // A problem in a sheet is told by its line and column, as the sheet has them.
        const located = (error: ValidationFailed) => (sheet ? new ValidationFailed(error.message, error.issues.map((i) => csvIssue(i, sheet.headers))) : error);
        const parsed = parseWith(unitImportSchema, sheet ? { units: sheet.units } : parseJson(text), 'the unit import');
        if (parsed instanceof ValidationFailed) throw located(parsed);
        const dryRun = flagParam(event, 'dryRun');
        // The import is one change of the tree in force now: based on its version, written whole or not at all.
        const base = await directory.treeSnapshot();
        const before = new UnitTree(base.records);
        const existing = new Map<string, UnitRecord>(base.records.map((u) => [u.id, u]));
        // A row without contacts keeps the stored ones (a sheet without contact columns must not erase them).
        // Nor does a row without a kind change the stored one.
        const rows = parsed.units.map((u) => {
          const stored = existing.get(u.id);
          return {
            ...u,
            ...(u.contacts === undefined && stored?.contacts ? { contacts: stored.contacts } : {}),
            ...(u.kind === undefined && stored?.kind ? { kind: stored.kind } : {}),
          };
        });
        const merged = new Map(existing);
        for (const unit of rows) merged.set(unit.id, unit);
        const created = rows.filter((u) => !existing.has(u.id));
        const updated = rows.filter((u) => existing.has(u.id) && !sameUnit(u, existing.get(u.id)));
        const changed = [...created, ...updated];
        const relevelled = updated.filter((u) => u.level !== existing.get(u.id)?.level);
        if (relevelled.length > 0) {
          throw new ValidationFailed(
            `a unit keeps its level (its cases are worked at it): ${relevelled.map((u) => u.id).join(', ')}; add a new unit instead`,
            relevelled.map((u) => ({ path: `units.${u.id}.level`, message: `cannot change from ${existing.get(u.id)?.level} to ${u.level}` })),
          );
        }
        // The whole tree after the import must be valid, or nothing is written; its problems are told by the imported rows.
        const records = [...merged.values()];
        let tree: UnitTree;
        try {
          tree = new UnitTree(records);
        } catch (error) {
          if (!(error instanceof ValidationFailed)) throw error;
          const rowOf = new Map(rows.map((u, i) => [u.id, i]));
          throw located(
            new ValidationFailed(
              error.message,
              error.issues.map((issue) => {
                const m = issue.path.match(/^\[(\d+)\]\.(\w+)$/);
                const row = m ? rowOf.get(records[Number(m[1])]?.id ?? '') : undefined;
                return row === undefined || !m ? issue : { ...issue, path: `units.${row}.${m[2]}` };
              }),
            ),
          );
        }
        const refused = outsideJurisdiction(changed, existing, before, tree, actor.unitId);
        if (refused.length > 0) {
          throw new HttpError(403, 'forbidden', `units outside your jurisdiction (${actor.unitId}): ${refused.map((r) => r.path.slice('units.'.length)).join(', ')}`, refused);
        }
        const moved = movedUnits(before, tree).map((m) => m.unitId);
        const version = changed.length === 0 || dryRun ? base.stamp.version : (await directory.replaceTree(base, [...merged.values()])).version;
        return json(200, {
          dryRun,
          imported: changed.length,
          units: tree.size,
          created: created.map((u) => u.id),
          updated: updated.map((u) => u.id),
          unchanged: rows.length - changed.length,
          // Cases under a moved unit follow it in the background (GET /v1/units shows the progress).
          moved,
          version,
        });
      }
      case 'PUT /v1/units/{id}/supervision':
      case 'DELETE /v1/units/{id}/supervision': {
        // 督办 of a unit: by township officers and leaders, over a unit below their own.
        if (!SUPERVISOR_ROLES.includes(actor.role)) throw new Forbidden('only township officers and leaders put a unit under 督办');
        const id = idParam(event, 'id', 'unit');
        const target = units.get(id);
        if (!target || !units.isWithin(id, actor.unitId)) throw new NotFound(`no unit ${id} in your jurisdiction`);
        if (id === actor.unitId) throw new Forbidden('a unit is put under 督办 by one above it');
        const now = clock.now();
        const current = (await supervision.active(target.rootId)).find((o) => o.unitId === id);
        if (event.routeKey.startsWith('DELETE')) {
          if (!current) throw new NotFound(`unit ${id} is not under 督办`);
          await supervision.order({ ...current, liftedAt: now.toISOString(), liftedBy: actor.id });
          return json(200, { ...current, liftedAt: now.toISOString(), liftedBy: actor.id });
        }
        const { text } = bodyText(event, 'json');
        const parsed = parseWith(unitSupervisionSchema, parseJson(text), 'the 督办');
        if (parsed instanceof ValidationFailed) throw parsed;
        const today = (await policy()).timing.calendar.localDate(now);
        if (parsed.until < today) throw new ValidationFailed('until must be today or later', [{ path: 'until', message: 'must be today or later' }]);
        const order = { unitId: id, rootId: target.rootId, note: parsed.note, until: parsed.until, at: now.toISOString(), by: actor.id, byName: actor.name, byUnitId: actor.unitId };
        await supervision.order(order);
        return json(200, order);
      }
      case 'GET /v1/users': {
        const q = event.queryStringParameters ?? {};
        const inSubtree = (await directory.accounts()).filter((a) => units.isWithin(a.unitId, actor.unitId));
        // Mediators see the volunteers they can dispatch to; admins manage everyone.
        const visible = actor.role === 'admin' ? inSubtree : inSubtree.filter((a) => a.role === 'volunteer' || a.username === actor.id);
        return json(200, {
          items: visible
            .filter((a) => (!q.role || a.role === q.role) && (!q.unitId || a.unitId === q.unitId))
            .map((a) => (actor.role === 'admin' ? publicAccount(a) : { username: a.username, displayName: a.displayName, role: a.role, unitId: a.unitId })),
        });
      }
      case 'POST /v1/users': {
        requireRole(principal, 'admin');
        const { text } = bodyText(event, 'json');
        const parsed = parseWith(createUserSchema, parseJson(text), 'the account');
        if (parsed instanceof ValidationFailed) throw parsed;
        if (!units.get(parsed.unitId) || !units.isWithin(parsed.unitId, actor.unitId)) {
          throw new ValidationFailed(`unknown unit "${parsed.unitId}"`, [{ path: 'unitId', message: 'is not a unit in your jurisdiction' }]);
        }
        if (await directory.account(parsed.username)) throw new HttpError(409, 'conflict', `the username "${parsed.username}" is taken`);
        const { password, ...profile } = parsed;
        return json(201, publicAccount(await (await accountsOnFirstUse()).create(profile, password)));
      }
      case 'PATCH /v1/users/{username}': {
        requireRole(principal, 'admin');
        const username = idParam(event, 'username', 'account');
        const existing = await directory.account(username);
        if (!existing || !units.isWithin(existing.unitId, actor.unitId)) throw new NotFound(`no account ${username}`);
        const { text } = bodyText(event, 'json');
        const parsed = parseWith(updateUserSchema, parseJson(text), 'the change');
        if (parsed instanceof ValidationFailed) throw parsed;
        if (parsed.unitId !== undefined && (!units.get(parsed.unitId) || !units.isWithin(parsed.unitId, actor.unitId))) {
          throw new ValidationFailed(`unknown unit "${parsed.unitId}"`, [{ path: 'unitId', message: 'is not a unit in your jurisdiction' }]);
        }
        if (username === actor.id && (parsed.disabled || (parsed.role && parsed.role !== 'admin'))) {
          throw new ValidationFailed('you cannot disable yourself or give up your own admin role', [{ path: 'disabled', message: 'not for your own account' }]);
        }
        const { password, ...changes } = parsed;
        return json(200, publicAccount(await (await accountsOnFirstUse()).update(existing, changes, password)));
      }
      default:
        throw new NotFound(`no route ${event.routeKey}`);
    }
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
