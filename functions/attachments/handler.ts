/**
 * Files on a case. Upload in three steps, none of which passes the file
 * through a function's request path:
 *
 *   POST /v1/cases/{id}/attachments/uploads  {name, mediaType, size} → 201 a presigned PUT (10 minutes,
 *        for exactly `size` bytes) and an `uploadId` signed for this case and caller; nothing is written.
 *   PUT  <url>                                the file, straight to the bucket.
 *   POST /v1/cases/{id}/attachments           {uploadId, caption?, visibility?, purpose?} → 201 the file,
 *        checked by its content, its location removed, kept and recorded (two table writes); the same
 *        upload again answers 200 with the same file.
 *
 * The resident: GET /v1/track/{trackingNo}/attachments?code= answers the files
 * shared with them (the 提取码 is the credential, checked as for the status
 * view), audited the same way.
 *
 * Reading: GET /v1/cases/{id}/attachments[/{attachmentId}] answers the files
 * the privacy policy lets the caller have, each with a 5-minute presigned URL,
 * and records one audit entry naming them. Mediators by jurisdiction (a
 * volunteer, the shared ones of their task); API clients the cases they filed.
 */
import middy from '@middy/core';
import {
  ATTACHMENT_LIMITS,
  NotFound,
  ValidationFailed,
  audienceOf,
  type Actor,
  type AttachedData,
} from '../../shared/domain/index.ts';
import { DECLARABLE_TYPES, completeUploadSchema, uploadRequestSchema } from '../../shared/contract/attachments.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { apiKeyAuth, jwtAuth } from '../../shared/http/auth.ts';
import { UnsupportedMediaType } from '../../shared/http/errors.ts';
import { idParam, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { tooLarge } from '../../shared/media/content.ts';
import { fileKey, uploadKey } from '../../shared/media/storage.ts';
import { clock } from '../../shared/service/clock.ts';
import { attachments, files, uploadTokens } from '../../shared/service/files.ts';
import { cases, config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { attachmentsView } from '../../shared/service/views.ts';
import { AuditTrail } from '../../shared/store/audit.ts';
import { AttemptLimiter } from '../../shared/store/limits.ts';
import { openTracked } from '../../shared/service/tracked.ts';
import { lambda } from '../../shared/service/lambda.ts';

const audit = new AuditTrail(dynamodb, config.tableName);
const limiter = new AttemptLimiter(dynamodb, config.tableName);

/** What the case would record if this upload were completed: enough for the rules to say now whether it may be. */
const probe = (size: number): AttachedData => ({
  id: 'probe',
  kind: 'document',
  mediaType: 'application/pdf',
  size,
  sha256: '',
  name: 'probe.pdf',
  visibility: 'internal',
  purpose: 'evidence',
  origin: 'upload',
});

const originOf = (actor: Actor) => (actor.kind === 'client' ? 'hotline' : 'upload');

async function requestUpload(event: ApiEvent, id: string, actor: Actor): Promise<HttpResult> {
  const body = parseWith(uploadRequestSchema, event.json, 'the upload');
  if (body instanceof ValidationFailed) throw body;
  if (!(DECLARABLE_TYPES as readonly string[]).includes(body.mediaType.toLowerCase())) {
    throw new UnsupportedMediaType(`one of ${DECLARABLE_TYPES.join(', ')} (photos, recordings and PDF)`, body.mediaType);
  }
  if (body.size > ATTACHMENT_LIMITS.maxBytes) throw tooLarge(body.size);
  const state = await cases.read(id, actor);
  // The rules of `attach` (who, which state, the 20-file limit) are asked before anything is uploaded.
  await cases.check(state, { type: 'attach', attachment: probe(body.size) }, actor);
  const mediaType = body.mediaType.toLowerCase();
  const { token, claim } = uploadTokens().issue({ caseId: id, by: actor.id, mediaType, size: body.size, name: body.name }, clock.now());
  const upload = await files.uploadUrl(uploadKey(id, claim.uploadId), mediaType, body.size);
  return json(201, { uploadId: token, ...upload, maxBytes: ATTACHMENT_LIMITS.maxBytes });
}

async function completeUpload(event: ApiEvent, id: string, actor: Actor): Promise<HttpResult> {
  const body = parseWith(completeUploadSchema, event.json, 'the attachment');
  if (body instanceof ValidationFailed) throw body;
  const state = await cases.read(id, actor);
  const claim = uploadTokens().verify(body.uploadId, id, actor.id, clock.now());
  const { uploadId: _token, ...facts } = body;
  const result = await attachments.completeUpload(state, claim, { ...facts, origin: originOf(actor) }, actor);
  const file = result.state.attachments?.find((a) => a.id === claim.uploadId);
  return json(result.created ? 201 : 200, { attachment: file, version: result.state.version }, { location: `/v1/cases/${id}/attachments/${claim.uploadId}` });
}

/** The files' content for those who may have it, with one audit entry for the request. */
async function read(id: string, actor: Actor, only?: string): Promise<HttpResult> {
  const state = await cases.read(id, actor);
  const items = await attachmentsView(state, audienceOf(actor), (caseId, a) => files.downloadUrl(fileKey(caseId, a.id), a), only);
  if (only !== undefined && items.length === 0) throw new NotFound(`no attachment ${only} on this case`);
  if (items.length > 0 && actor.kind !== 'system') {
    await audit.record({
      at: clock.now().toISOString(),
      caseId: id,
      username: actor.id,
      role: actor.kind === 'user' ? actor.role : actor.kind,
      unitId: actor.kind === 'user' ? actor.unitId : actor.kind === 'client' ? (actor.rootUnitId ?? '') : '',
      what: 'attachment_view',
      attachmentIds: items.map((a) => a.id),
    });
  }
  return json(200, only === undefined ? { items } : items[0]);
}

const auth = () => authenticate(apiKeyAuth(directory), jwtAuth(directory, clock.now));

const write = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(auth())
  .use(jsonBody())
  .handler(async (event) => {
    const { actor } = principalOf(event);
    const id = idParam(event, 'id', 'case');
    return event.routeKey === 'POST /v1/cases/{id}/attachments/uploads' ? requestUpload(event, id, actor) : completeUpload(event, id, actor);
  });

const readFiles = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(auth())
  .handler(async (event) => {
    const { actor } = principalOf(event);
    const id = idParam(event, 'id', 'case');
    const only = event.routeKey === 'GET /v1/cases/{id}/attachments/{attachmentId}' ? idParam(event, 'attachmentId', 'attachment') : undefined;
    return read(id, actor, only);
  });

/** The resident's shared files, on the 提取码. */
const residentFiles = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const now = clock.now();
    const { state } = await openTracked(event, { limiter, store, now });
    const items = await attachmentsView(state, 'public', (caseId, a) => files.downloadUrl(fileKey(caseId, a.id), a));
    if (items.length > 0) {
      await audit.record({ at: now.toISOString(), caseId: state.id, username: 'resident', role: 'public', unitId: '', what: 'attachment_view', attachmentIds: items.map((a) => a.id) });
    }
    return json(200, { items });
  });

const run = (event: ApiEvent, context: Parameters<typeof write>[1]) =>
  event.routeKey === 'GET /v1/track/{trackingNo}/attachments'
    ? residentFiles(event, context)
    : event.routeKey.startsWith('POST ')
      ? write(event, context)
      : readFiles(event, context);

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
