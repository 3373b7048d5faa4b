/**
 * POST /v1/cases/{id}/actions — a mediator works a case: one action, checked
 * against expectedVersion. With an Idempotency-Key header a retry of the same
 * request answers the first result.
 */
import middy from '@middy/core';
import { createHash, randomUUID } from 'node:crypto';
import { centerDef, ValidationFailed, type Actor, type Command, type VolunteerAccount } from '../../shared/domain/index.ts';
import { fieldsPatchIssues } from '../../shared/contract/intake.ts';
import { MESSAGES } from '../../shared/contract/messages.ts';
import { actionSchema, type ActionBody } from '../../shared/contract/actions.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import { bodyBytes, idParam, idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { clock } from '../../shared/service/clock.ts';
import { cases, directory } from '../../shared/service/runtime.ts';
import { caseView } from '../../shared/service/views.ts';
import { lambda } from '../../shared/service/lambda.ts';

/** The account a task would go to, as the domain checks it (undefined when there is none). */
async function volunteerAccount(username: string): Promise<VolunteerAccount | undefined> {
  const account = await directory.account(username);
  return account && { id: account.username, role: account.role, unitId: account.unitId, disabled: account.disabled === true };
}

/** The API's snake_case action → the domain command (ids, defaults and the volunteer's account filled in here). */
async function toCommand(body: ActionBody, mediator: string): Promise<Command> {
  switch (body.type) {
    case 'dispatch':
      if ((body.toUnitId === undefined) === (body.toVolunteerId === undefined)) {
        throw new ValidationFailed('dispatch needs exactly one of toUnitId and toVolunteerId', [
          { path: 'toUnitId', message: 'give toUnitId or toVolunteerId' },
        ]);
      }
      return {
        type: 'dispatch',
        toUnitId: body.toUnitId,
        toVolunteerId: body.toVolunteerId,
        volunteer: body.toVolunteerId === undefined ? undefined : await volunteerAccount(body.toVolunteerId),
        note: body.note,
      };
    case 'schedule_session':
      return { type: 'schedule_session', sessionId: randomUUID().slice(0, 8), at: body.at, place: body.place, mediators: body.mediators };
    case 'record_agreement':
      return {
        type: 'record_agreement',
        agreement: { ...body.agreement, signedAt: body.agreement.signedAt ?? clock.now().toISOString(), mediator },
      };
    case 'merge':
      return { type: 'merge', intoCaseId: body.intoCaseId };
    default: {
      const { expectedVersion: _v, ...command } = body;
      return command as Command;
    }
  }
}

/**
 * 补充信息's values against the form of the case's centre, as 登记 checks them.
 * The version the caller expects is the one decided on (a stale one is the
 * 409 that follows), so the centre checked against is the case's.
 */
async function checkFields(id: string, fields: unknown, expectedVersion: number, actor: Actor): Promise<void> {
  const current = await cases.read(id, actor);
  if (current.version !== expectedVersion) return;
  const issues = fieldsPatchIssues(centerDef(current.center), fields);
  const first = issues[0];
  if (first) throw new ValidationFailed(issues.length === 1 ? MESSAGES.invalid(first.path, first.message) : MESSAGES.problems(issues.length), issues);
}

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .use(jsonBody())
  .handler(async (event) => {
    const { actor } = principalOf(event);
    const id = idParam(event, 'id', 'case');
    const key = idempotencyKey(event);
    const body = parseWith(actionSchema, event.json, 'the action');
    if (body instanceof ValidationFailed) throw body;
    if (body.type === 'set_fields') await checkFields(id, body.fields, body.expectedVersion, actor);
    const command = await toCommand(body, actor.kind === 'user' ? actor.name : '');
    // "The same request" is the same body bytes for the same case.
    const request = key === undefined ? undefined : { key, hash: createHash('sha256').update(`${id}\n`).update(bodyBytes(event)).digest('base64url') };
    const { state, event: appended, replayed } = await cases.act(id, command, actor, body.expectedVersion, request);
    const units = await directory.units();
    // The answer is the case page's view, personal fields masked: to see them, the page asks (and is audited).
    const audience = actor.kind === 'user' ? actor.role : 'public';
    return json(200, { ...caseView(state, units, { view: 'case', audience }), lastEvent: { seq: appended.seq, type: appended.type } }, replayed ? { 'idempotent-replayed': 'true' } : {});
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
