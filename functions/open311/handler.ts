/**
 * /open311/v2/… — Open311 GeoReport v2: `services`, `services/{code}`,
 * `requests` (GET with filters, POST to file), `requests/{id}`,
 * `tokens/{id}` and `discovery`, each as `.json` or `.xml`; errors in
 * Open311's `[{code, description}]` with the same HTTP status.
 *
 * Filing needs `api_key`: an API key of the hashed API-key scheme whose
 * client may file under source `open311`. Reading is public, as the spec has
 * it, and shows only requests filed through Open311 and nothing about who
 * filed them. Every read is a GetItem or a Query (by id, or the byMonth index
 * for a date range), never a Scan.
 */
import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  CENTER_CODES,
  SERVICE_LEVEL,
  Forbidden,
  NotFound,
  ValidationFailed,
  type CaseState,
  type CenterCode,
  type Unit,
  type UnitTree,
} from '../../shared/domain/index.ts';
import { decodeUtf8, parseForm } from '../../shared/channels/form.ts';
import {
  OPEN311_CONTENT_TYPE,
  discovery,
  open311Status,
  parseOpen311Request,
  renderCreated,
  renderDiscovery,
  renderErrors,
  renderServiceDefinition,
  renderServiceRequests,
  renderServices,
  renderTokens,
  type Open311Format,
  type RequestView,
} from '../../shared/channels/open311.ts';
import { channelIntakeSchema } from '../../shared/contract/intake.ts';
import { chinaMidnight, nextDay, realDay } from '../../shared/contract/days.ts';
import { KEY_ID_MESSAGE, KEY_ID_PATTERN } from '../../shared/contract/fields.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { HttpError, UnsupportedMediaType, toHttpError } from '../../shared/http/errors.ts';
import { bodyBytes, header, idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { requireClientScope } from '../../shared/http/auth.ts';
import { bodyLimit } from '../../shared/http/middleware.ts';
import type { HttpResult } from '../../shared/http/response.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { open311View } from '../../shared/service/views.ts';
import { cases, config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { CaseQueries } from '../../shared/store/case-queries.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { xmlReady } from '../../shared/channels/xml.ts';

export const OPEN311_SOURCE = 'open311';
/** The spec's default window for GET /requests, and the most one answer lists. */
const queries = new CaseQueries(dynamodb, config.tableName, store);
const DEFAULT_DAYS = 90;
const MAX_DAYS = 90;
const MAX_RESULTS = 200;
/** Index entries read per answer at most: the range is also capped, so this bounds the work. */
const MAX_READ = 2000;
const MAX_IDS = 100;
const CHANGESET = '2026-11-26T00:00:00Z';

type Route = { kind: 'services' | 'requests' | 'discovery' } | { kind: 'service' | 'request' | 'token'; id: string };

interface Open311Event extends ApiEvent {
  open311?: { route: Route; format: Open311Format };
}

const DOCUMENT = /^(services|requests|discovery)(?:\.(json|xml))?$/;
const ITEM = /^([^.]+)(?:\.(json|xml))?$/;

/** The document and format of a path; a bad suffix or an unknown document is a 404. */
function routeOf(event: ApiEvent): { route: Route; format: Open311Format } {
  const params = event.pathParameters ?? {};
  if (params.document !== undefined) {
    const m = DOCUMENT.exec(params.document);
    if (!m) throw new HttpError(404, 'not_found', `no Open311 document "${params.document}"`);
    return { route: { kind: m[1] as 'services' | 'requests' | 'discovery' }, format: (m[2] as Open311Format | undefined) ?? 'json' };
  }
  const [kind, raw] =
    params.code !== undefined ? (['service', params.code] as const) : params.id !== undefined && event.rawPath.includes('/tokens/') ? (['token', params.id] as const) : (['request', params.id ?? ''] as const);
  const m = ITEM.exec(raw);
  if (!m) throw new HttpError(404, 'not_found', `no Open311 ${kind} "${raw}"`);
  return { route: { kind, id: m[1] as string }, format: (m[2] as Open311Format | undefined) ?? 'json' };
}

function answer(status: number, body: string, format: Open311Format): HttpResult {
  return { statusCode: status, headers: { 'content-type': OPEN311_CONTENT_TYPE[format], 'cache-control': 'no-store' }, body };
}

/** Open311's error body, in the format the path asked for, with the same status. */
function open311(): MiddlewareObj<Open311Event, HttpResult, Error, Context> {
  return {
    before: async (request) => {
      request.event.open311 = routeOf(request.event);
      if (request.event.open311.format === 'xml') await xmlReady();
    },
    onError: async (request) => {
      const error = toHttpError(request.error);
      if (error.status >= 500) logger.error('Open311 request failed', { error: request.error as Error, path: request.event.rawPath });
      const format = request.event.open311?.format ?? (request.event.rawPath.endsWith('.xml') ? 'xml' : 'json');
      if (format === 'xml') await xmlReady();
      const issues = error.issues?.map((i) => `${i.path}: ${i.message}`) ?? [];
      const description = issues.length > 0 ? `${error.message} (${issues.join('; ')})` : error.message;
      request.response = answer(error.status, renderErrors([{ code: error.status, description }], format), format);
    },
  };
}

/** What Open311 readers see of a request: the privacy policy's public view, without the reporter it leaves empty. */
function view(state: CaseState, units: UnitTree): RequestView {
  const { reporter: _none, ...request } = open311View(state, units);
  return request;
}

function list(value: string | undefined, name: string, max: number): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const items = [...new Set(value.split(',').map((v) => v.trim()).filter(Boolean))];
  if (items.length > max) throw new ValidationFailed(`at most ${max} values of ${name}`, [{ path: name, message: `at most ${max} values` }]);
  return items;
}

/** A W3C date-time (China time without an offset); a bare date is a China day, from its midnight (`end_date`: through its end). */
function dateParam(value: string | undefined, name: 'start_date' | 'end_date'): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const day = realDay(value);
  if (day) return chinaMidnight(name === 'end_date' ? nextDay(day) : day);
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  const ok = m !== null;
  // Without an offset, China time.
  const date = new Date(m && m[3] === undefined ? `${value}+08:00` : value);
  if (!ok || Number.isNaN(date.getTime())) {
    throw new ValidationFailed(`${name} is not a W3C date-time`, [{ path: name, message: 'must be a date-time such as 2026-11-26T09:00:00+08:00' }]);
  }
  return date;
}

/** A jurisdiction_id is one of our townships (镇/街道, under a county or not); any other is Open311's 404. */
function jurisdiction(id: string, units: UnitTree): Unit {
  const unit = KEY_ID_PATTERN.test(id) ? units.get(id) : undefined;
  if (!unit || unit.level !== SERVICE_LEVEL) throw new NotFound(`no jurisdiction "${id.slice(0, 64)}"`);
  return unit;
}

/** A service request id as given: not an id we could store is refused (400), one of ours that does not exist is 404. */
function requestId(id: string, path: string): string {
  if (!KEY_ID_PATTERN.test(id)) throw new ValidationFailed(`${path} ${KEY_ID_MESSAGE}`, [{ path, message: KEY_ID_MESSAGE }]);
  return id;
}

async function searchRequests(event: ApiEvent, units: UnitTree): Promise<CaseState[]> {
  const q = event.queryStringParameters ?? {};
  const ids = list(q.service_request_id, 'service_request_id', MAX_IDS)?.map((id) => requestId(id, 'service_request_id'));
  const codes = list(q.service_code, 'service_code', CENTER_CODES.length);
  const badCode = codes?.find((c) => !(CENTER_CODES as readonly string[]).includes(c));
  if (badCode) throw new ValidationFailed(`unknown service_code "${badCode}"`, [{ path: 'service_code', message: 'must be one of the services' }]);
  const statuses = list(q.status, 'status', 2);
  if (statuses?.some((s) => s !== 'open' && s !== 'closed')) throw new ValidationFailed('status must be open or closed', [{ path: 'status', message: 'must be open or closed' }]);

  let found: CaseState[];
  if (ids) {
    // By id: the projections themselves (BatchGetItem of GetItems).
    found = await store.getMany(ids.filter(isCaseId));
  } else {
    const now = clock.now();
    const end = dateParam(q.end_date, 'end_date') ?? now;
    const start = dateParam(q.start_date, 'start_date') ?? new Date(end.getTime() - DEFAULT_DAYS * 86_400_000);
    if (start >= end) throw new ValidationFailed('start_date must be before end_date', [{ path: 'start_date', message: 'must be before end_date' }]);
    if (end.getTime() - start.getTime() > MAX_DAYS * 86_400_000) {
      throw new ValidationFailed(`the date range may span at most ${MAX_DAYS} days`, [{ path: 'start_date', message: `at most ${MAX_DAYS} days before end_date` }]);
    }
    // Month partitions are the tree root's (the county's, where there is one): a township's are its part of them.
    const within = q.jurisdiction_id ? jurisdiction(q.jurisdiction_id, units) : undefined;
    const roots = within ? [units.get(within.rootId) ?? within] : units.roots();
    const originWithin = within ? (origin: string) => units.isWithin(origin, within.id) : undefined;
    const idsInRange = (
      await Promise.all(roots.map((root) => queries.createdBetween(root.id, start.toISOString(), end.toISOString(), { limit: MAX_READ, ...(originWithin ? { originWithin } : {}) })))
    ).flat();
    found = await store.getMany(idsInRange);
  }
  const shown = found
    .filter((s) => s.source === OPEN311_SOURCE)
    .filter((s) => !codes || codes.includes(s.center))
    .filter((s) => !statuses || statuses.includes(open311Status(s.status)))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
    .slice(0, MAX_RESULTS);
  // Each row is the request itself: Open311's description is the whole text, not a list's excerpt.
  return store.withWholeDescriptions(shown);
}

/** A case id is short and plain; anything else names no request (and could pass DynamoDB's 2,048-byte key limit). */
const isCaseId = (id: string) => /^[\w-]{1,64}$/.test(id);

async function one(id: string): Promise<CaseState> {
  const loaded = isCaseId(requestId(id, 'service_request_id')) ? await store.load(id) : undefined;
  if (!loaded || loaded.state.source !== OPEN311_SOURCE) throw new NotFound(`no service request ${id}`);
  return loaded.state;
}

async function file(event: Open311Event, format: Open311Format): Promise<HttpResult> {
  const type = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaType('application/x-www-form-urlencoded', header(event, 'content-type'));
  const form = parseForm(decodeUtf8(bodyBytes(event)));
  // Who asks comes first: nothing about the request is looked at for a caller without a key.
  const apiKey = form.get('api_key');
  if (!apiKey) throw new HttpError(403, 'forbidden', 'api_key is required to create a service request');
  const client = await directory.apiClient(apiKey);
  if (!client || client.disabled) throw new HttpError(403, 'forbidden', 'invalid api_key');
  requireClientScope(client, event.routeKey);
  if (!client.sources.includes(OPEN311_SOURCE)) throw new Forbidden('this api_key may not create Open311 service requests');
  const named = form.get('jurisdiction_id');
  if (named) jurisdiction(named, await directory.units());
  const submission = parseOpen311Request(form);
  const body = parseWith(channelIntakeSchema, submission.intake, 'the service request');
  // A form field came as attribute[code]: the error names it so.
  if (body instanceof ValidationFailed) throw new ValidationFailed(body.message.replace(/^fields\.([^：]+)/, 'attribute[$1]'), body.issues.map((i) => ({ ...i, path: i.path.replace(/^fields\.(.+)$/, 'attribute[$1]') })));
  const actor = { kind: 'client' as const, id: client.name, source: OPEN311_SOURCE, rootUnitId: client.rootUnitId };
  // Open311's service_code names a centre; a 点单 service is not part of its request.
  const { service: _service, ...input } = body;
  const result = await cases.intake(input, actor, idempotencyKey(event));
  const { state } = result;
  const notice = `诉求已受理，编号 ${state.trackingNo}，提取码 ${state.trackingCode}（凭编号和提取码查询进度）`;
  return answer(result.created ? 201 : 200, renderCreated(state.id, notice, format), format);
}

const run = middy<Open311Event, HttpResult>()
  .use(open311())
  .use(bodyLimit())
  .handler(async (event) => {
    const { route, format } = event.open311 ?? routeOf(event);
    const post = event.requestContext.http.method === 'POST';
    // Every Open311 call may name its jurisdiction; one that is not ours is a 404 whatever the document.
    const named = event.queryStringParameters?.jurisdiction_id;
    if (named !== undefined && named !== '') jurisdiction(named, await directory.units());
    if (post && route.kind !== 'requests') throw new HttpError(404, 'not_found', 'only requests can be POSTed');
    switch (route.kind) {
      case 'services':
        return answer(200, renderServices(format), format);
      case 'service': {
        const code = route.id as CenterCode;
        if (!(CENTER_CODES as readonly string[]).includes(code)) throw new NotFound(`no service "${route.id}"`);
        return answer(200, renderServiceDefinition(code, format), format);
      }
      case 'discovery': {
        const scheme = header(event, 'x-forwarded-proto') ?? 'https';
        return answer(200, renderDiscovery(discovery(`${scheme}://${event.requestContext.domainName}/open311/v2/`, CHANGESET), format), format);
      }
      case 'requests': {
        if (post) return file(event, format);
        const units = await directory.units();
        const found = await searchRequests(event, units);
        return answer(200, renderServiceRequests(found.map((s) => view(s, units)), format), format);
      }
      case 'request': {
        const [state, units] = await Promise.all([one(route.id), directory.units()]);
        return answer(200, renderServiceRequests([view(state, units)], format), format);
      }
      case 'token': {
        const state = await one(route.id);
        return answer(200, renderTokens([{ token: route.id, service_request_id: state.id }], format), format);
      }
    }
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
