/**
 * Fuzzing every route of the local gateway (fast-check): random methods,
 * paths (hostile segments included: malformed %-escapes, prototype names,
 * 3,000-character ids), query parameters, headers (credentials of several
 * kinds, every content type) and bodies (JSON, forms, CSV, XML, invalid
 * UTF-8). Two properties: never a 5xx, and a 4xx writes nothing — except the
 * attempt counters a refusal exists to keep (LIMIT# items: failed logins,
 * wrong 提取码).
 */
import fc from 'fast-check';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { FUNCTIONS } from '../../infra/topology.ts';
import { dumpTable } from '../support/dynamo.ts';
import { login, startTestStack } from '../support/stack.ts';

/** Runs of the property: each is one request. */
const RUNS = 1500;

let stack: LocalStack;
const credentials: string[] = ['', 'Bearer ', 'Bearer local-hotline-key', 'Bearer local-open311-key', 'Bearer not-a-key', 'Basic YWRtaW46eA==', 'Bearer a.b.c'];
let caseId = 'NOSUCHCASE';
let trackingNo = 'NOSUCHCASE';

beforeAll(async () => {
  stack = await startTestStack();
  for (const user of ['admin', 'community-mediator', 'volunteer', 'leader']) credentials.push(`Bearer ${await login(stack, user)}`);
  const filed = await fetch(`${stack.url}/v1/cases`, {
    method: 'POST',
    headers: { authorization: 'Bearer local-hotline-key', 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'hotline', center: 'mediation', description: '邻里纠纷', reporter: { name: '周女士', phone: '13800138000' }, location: { unitId: 'hp-xf-yg-1' } }),
  });
  const body = (await filed.json()) as { id: string; trackingNo: string };
  caseId = body.id;
  trackingNo = body.trackingNo;
});
afterAll(() => stack.stop());

/** Every route the gateway serves: the topology's, and the catch-all. */
const ROUTES = Object.values(FUNCTIONS).flatMap((f) => (f.kind === 'http' ? [...f.routes] : []));

const HOSTILE_SEGMENTS = ['%E4%B8%ZZ', '%ZZ', '%', '%00', '%C0%AF', '%FF%FE', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '.', '..', 'A'.repeat(3000), '%E4%B8%AD%E6%96%87', '%F0%9F%98%80', '%20', 'null', 'undefined', '-1', '0'];
/** The requests, built once the stack's case and tokens exist (their ids are among the segments). */
function requests() {
  // Mostly segments a route knows (so requests get past routing into the handlers), often hostile, sometimes anything.
  const segment = () =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(caseId, trackingNo, 'hp-xf', 'sla', 'risk', 'calendar', 'twilio', 'aliyun', 'tencent', 'local-sms-secret', 'volunteer', 'admin', 'requests.json', 'requests.xml', 'services.xml', 'discovery.json', 'voice', 'index.html') },
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent) },
    );

  const PARAM_NAMES = ['scope', 'status', 'center', 'level', 'phone', 'limit', 'cursor', 'code', 'reveal', 'date', 'unitId', 'from', 'to', 'risk', 'overdue', 'dryRun', 'jurisdiction_id', 'service_request_id', 'service_code', 'start_date', 'end_date', 'timestamp', 'nonce', 'signature', 'msg_signature', 'encrypt_type', 'echostr', 'openid', '__proto__', 'constructor'];
  const query = fc.array(fc.tuple(fc.constantFrom(...PARAM_NAMES), fc.oneof(segment(), fc.constantFrom('true', 'personal', 'subtree', 'mine', '13800138000', 'aes', '2026-13-45', '1', '500', '99999'))), { maxLength: 4 });

  const CONTENT_TYPES = [undefined, 'application/json', 'application/json; charset=utf-8', 'text/csv', 'text/xml', 'application/xml', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/merge-patch+json', '', ';;', 'application/json; charset=gbk'];

  const jsonBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          source: fc.constantFrom('hotline', 'open311', 'sms', '__proto__'),
          externalId: fc.string({ maxLength: 200 }),
          center: fc.constantFrom('voice', 'mediation', 'nope'),
          description: fc.string({ maxLength: 100 }),
          type: fc.constantFrom('accept', 'note', 'dispatch', 'merge', 'record_agreement', 'resolve', 'constructor'),
          expectedVersion: fc.oneof(fc.integer(), fc.constant(1), fc.double()),
          text: fc.string({ unit: 'binary', maxLength: 50 }),
          intoCaseId: fc.oneof(fc.constant(caseId), fc.string({ maxLength: 300 })),
          units: fc.array(fc.record({ id: fc.string({ maxLength: 20 }), name: fc.string({ maxLength: 10 }), level: fc.constantFrom('building', 'compound', 'community', 'township'), parentId: fc.constantFrom('hp', 'hp-xf', 'hp-hx-jy', 'nowhere') }), { maxLength: 3 }),
          username: fc.string({ maxLength: 70 }),
          password: fc.string({ maxLength: 20 }),
          reporter: fc.record({ name: fc.string({ maxLength: 60 }), phone: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }),
          terms: fc.array(fc.record({ term: fc.string({ maxLength: 25 }), level: fc.constantFrom('red', 'yellow') }), { maxLength: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );
  const formBody = fc
    .dictionary(fc.constantFrom('api_key', 'service_code', 'description', 'address_string', 'lat', 'long', 'MessageSid', 'From', 'Body', 'phone', 'attribute[priority]', 'jurisdiction_id', '__proto__', 'constructor'), fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('local-open311-key', 'voice', '+8613800138000', '30.5')))
    .map((d) => new URLSearchParams(d).toString());
  const rawBody = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom('%E4%B8', 'a=%ZZ&b=1', '[{"phone_number":"139', 'id,name,level,parentId\nhp-x,"unclosed', '<xml><Content>&#1;</Content></xml>', '<!DOCTYPE x [<!ENTITY e "e">]><xml/>', ''),
    fc.string({ maxLength: 80 }).map((s) => `<xml><ToUserName>gh</ToUserName><FromUserName>o${s}</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>${s}</Content><MsgId>${s}</MsgId></xml>`),
  );
  const body = fc.oneof(jsonBody, formBody, rawBody, fc.uint8Array({ maxLength: 64 }), fc.constant(undefined));

  const request = fc.record({
    route: fc.constantFrom(...ROUTES),
    // Now and then another method than the route's.
    otherMethod: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') }),
    segments: fc.array(segment(), { minLength: 3, maxLength: 3 }),
    extra: fc.array(segment(), { maxLength: 2 }),
    query,
    // An index into `credentials` (filled in beforeAll): the mediators' tokens, the API keys, and garbage.
    authorization: fc.nat({ max: 10 }),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    idempotencyKey: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) }),
    body,
  });
  return request;
}

/** The concrete path of a route key with its parameters filled in; `$default` gets an arbitrary path. */
function pathOf(routeKey: string, segments: string[], extra: string[]): { method: string; path: string } {
  if (routeKey === '$default') return { method: 'GET', path: `/${[...segments, ...extra].join('/')}` };
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  let i = 0;
  const path = template.replace(/\{(\w+)(\+?)\}/g, (_m, _name: string, greedy: string) => {
    const value = segments[i++ % segments.length] ?? 'x';
    return greedy ? [value, ...extra].join('/') : value;
  });
  return { method, path };
}

/** The table without the attempt counters a refusal may count (and the clock-driven TTLs in them). */
const snapshot = async () => JSON.stringify((await dumpTable(stack.dynamodb, stack.tableName)).filter((item) => !String(item.pk).startsWith('LIMIT#')));

describe('fuzzing every route of the local gateway', () => {
  it(`${RUNS} random requests: never a 5xx, never a write on a 4xx`, { timeout: 600_000 }, async () => {
    const hits = new Map<string, number>(ROUTES.map((r) => [r, 0]));
    const statuses = new Map<number, number>();
    let baseline = await snapshot();
    await fc.assert(
      fc.asyncProperty(requests(), async (r) => {
        const { method: routeMethod, path } = pathOf(r.route, r.segments, r.extra);
        const method = r.otherMethod ?? routeMethod;
        const qs = r.query.length ? `?${r.query.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
        const headers: Record<string, string> = {};
        const auth = credentials[r.authorization];
        if (auth) headers.authorization = auth;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey.replace(/[^\x20-\x7e]/g, '?');
        const withBody = method !== 'GET' && method !== 'HEAD' && r.body !== undefined;
        const response = await fetch(`${stack.url}${path}${qs}`, { method, headers, body: withBody ? (r.body as string | Uint8Array<ArrayBuffer>) : undefined });
        const text = await response.text();
        hits.set(r.route, (hits.get(r.route) ?? 0) + 1);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, `${method} ${path.slice(0, 200)}${qs.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
        const after = await snapshot();
        if (response.status >= 400) expect(after === baseline, `${method} ${path.slice(0, 200)} answered ${response.status} and wrote`).toBe(true);
        baseline = after;
      }),
      { numRuns: RUNS },
    );
    const summary = { runs: RUNS, routes: ROUTES.length, hits: Object.fromEntries(hits), statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)) };
    await mkdir('test-artifacts', { recursive: true });
    await writeFile('test-artifacts/fuzz-summary.json', `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`[fuzz] ${RUNS} requests over ${ROUTES.length} routes; fewest hits on a route: ${Math.min(...hits.values())}; statuses ${JSON.stringify(summary.statuses)}`);
    for (const [route, count] of hits) expect(count, route).toBeGreaterThanOrEqual(5);
  });
});
