/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/): the services
 * list (one service per centre, straight from the registry), the POST
 * form mapped onto our intake body, and the request and error documents in
 * JSON and XML.
 */
import * as z from 'zod/mini';
import { phone, text } from '../contract/fields.ts';
import type { intakeSchema } from '../contract/intake.ts';
import { issuesOf } from '../contract/zod.ts';
import { CENTER_CODES, CENTERS, OPEN_STATUSES, PRIORITIES, PRIORITY_CODES, centerDef, type CaseStatus, type CenterCode, type FieldDef, type FieldValue } from '../domain/registry.ts';
import { BadPayload } from './errors.ts';
import { buildXml, type BuildTree } from './xml.ts';

export type Open311Format = 'json' | 'xml';

export const OPEN311_CONTENT_TYPE: Record<Open311Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

const SERVICE_GROUP = '五个中心';

export interface Open311Service {
  readonly service_code: CenterCode;
  readonly service_name: string;
  readonly description: string;
  readonly metadata: true;
  readonly type: 'realtime';
  /** Comma-separated, as the spec has it. */
  readonly keywords: string;
  readonly group: string;
}

export function services(): Open311Service[] {
  return CENTERS.map((c) => ({
    service_code: c.code,
    service_name: c.name,
    description: c.description,
    metadata: true,
    type: 'realtime',
    keywords: c.keywords.join(', '),
    group: SERVICE_GROUP,
  }));
}

export interface Open311Attribute {
  readonly variable: true;
  readonly code: string;
  readonly datatype: 'singlevaluelist' | 'string' | 'number';
  readonly required: boolean;
  readonly datatype_description: string;
  readonly order: number;
  readonly description: string;
  readonly values: readonly { readonly key: string; readonly name: string }[];
}

export interface Open311ServiceDefinition {
  readonly service_code: CenterCode;
  readonly attributes: readonly Open311Attribute[];
}

/**
 * A centre's form field as an attribute. Never required: Open311 files without
 * a form, as SMS and WeChat do (a required field is asked at 补充信息).
 */
function fieldAttribute(f: FieldDef, order: number): Open311Attribute {
  const common = { variable: true, code: f.code, required: false, order, description: f.type === 'number' && f.unit ? `${f.label}（${f.unit}）` : f.label } as const;
  switch (f.type) {
    case 'choice':
      return { ...common, datatype: 'singlevaluelist', datatype_description: '选择一项', values: f.choices.map((c: string) => ({ key: c, name: c })) };
    case 'text':
      return { ...common, datatype: 'string', datatype_description: `最多 ${f.maxChars ?? 100} 个字`, values: [] };
    case 'number':
      return { ...common, datatype: 'number', datatype_description: `${f.min ?? 0}–${f.max} 的数`, values: [] };
  }
}

/** Every centre's urgency, then the centre's own form (registry `fields`). */
export function serviceDefinition(code: CenterCode): Open311ServiceDefinition {
  return {
    service_code: code,
    attributes: [
      {
        variable: true,
        code: 'priority',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: '选择一项',
        order: 1,
        description: '紧急程度',
        values: PRIORITIES.map((p) => ({ key: p.code, name: p.name })),
      },
      ...centerDef(code).fields.map((f, i) => fieldAttribute(f, i + 2)),
    ],
  };
}

function decimal(min: number, max: number) {
  return z.pipe(
    z.pipe(z.string().check(z.regex(/^-?\d{1,3}(\.\d{1,12})?$/, 'must be a decimal number')), z.transform(Number)),
    z.number().check(z.gte(min), z.lte(max)),
  );
}

const postSchema = z.lazy(() => z
  .object({
    api_key: z.optional(z.string()),
    jurisdiction_id: z.optional(z.string()),
    service_code: z.enum(CENTER_CODES, 'must be one of the services'),
    description: text(1, 4000),
    lat: z.optional(decimal(-90, 90)),
    long: z.optional(decimal(-180, 180)),
    address_string: z.optional(text(0, 200)),
    email: z.optional(z.email('is not a valid email address')),
    first_name: z.optional(text(0, 25)),
    last_name: z.optional(text(0, 25)),
    phone: z.optional(phone),
    media_url: z.optional(z.httpUrl('must be an http(s) URL')),
    // The rest of the attributes are the centre's form, checked by the intake schema.
    attribute: z.optional(z.looseObject({ priority: z.optional(z.enum(PRIORITY_CODES, 'must be normal or urgent')) })),
  })
  .check(
    z.refine((f) => (f.lat === undefined) === (f.long === undefined), { message: 'lat and long go together', path: ['long'] }),
    // The spec requires a location: a point or an address.
    z.refine((f) => f.lat !== undefined || f.address_string !== undefined, {
      message: 'a location is required: lat and long, or address_string',
      path: ['address_string'],
    }),
  ));

export type IntakeInput = z.input<typeof intakeSchema>;

export interface Open311Submission {
  /** Ready for the intake schema (which the handler still applies). */
  readonly intake: IntakeInput;
  readonly apiKey?: string;
  /** Open311 fields our intake has no place for; the handler may note them. */
  readonly email?: string;
  readonly mediaUrl?: string;
}

/** Form fields as a plain object: `attribute[code]` grouped, empty values dropped, first value wins. */
function formObject(form: URLSearchParams): Record<string, unknown> {
  // Maps, so a field named __proto__ or constructor is a field like any other.
  const out = new Map<string, unknown>();
  const attribute = new Map<string, string>();
  for (const [key, value] of form) {
    if (value === '') continue;
    const attr = /^attribute\[([^\]]+)\]$/.exec(key)?.[1];
    if (attr !== undefined) {
      if (!attribute.has(attr)) attribute.set(attr, value);
    } else if (!out.has(key)) out.set(key, value);
  }
  if (attribute.size > 0) out.set('attribute', Object.fromEntries(attribute));
  return Object.fromEntries(out);
}

const CJK = /^[\u3400-\u9fff]+$/u;

/** 姓 + 名 for Chinese names (last_name is the family name), "first last" otherwise. */
function fullName(first?: string, last?: string): string | undefined {
  const parts = [first?.trim(), last?.trim()].filter((p): p is string => !!p);
  if (parts.length === 0) return undefined;
  return parts.every((p) => CJK.test(p)) ? [...parts].reverse().join('') : parts.join(' ');
}

/** POST /requests (application/x-www-form-urlencoded) onto our intake body. */
export function parseOpen311Request(body: string | URLSearchParams): Open311Submission {
  const form = typeof body === 'string' ? new URLSearchParams(body) : body;
  const result = z.safeParse(postSchema, formObject(form));
  if (!result.success) {
    const issues = issuesOf(result.error);
    const first = issues[0];
    throw new BadPayload(first ? `the service request is not valid: ${first.path}: ${first.message}` : 'the service request is not valid', issues);
  }
  const f = result.data;
  const name = fullName(f.first_name, f.last_name);
  const { priority, ...attributes } = f.attribute ?? {};
  // A form value arrives as text; a number field's is read as a number (one that is not stays text, for the schema to name).
  const fields = Object.fromEntries(
    Object.entries(attributes).map(([code, raw]): [string, FieldValue] => {
      const value = String(raw);
      const number = centerDef(f.service_code).fields.find((d) => d.code === code)?.type === 'number' && Number.isFinite(Number(value));
      return [code, number ? Number(value) : value];
    }),
  );
  return {
    intake: {
      source: 'open311',
      center: f.service_code,
      description: f.description,
      priority: priority ?? 'normal',
      ...(Object.keys(fields).length > 0 ? { fields } : {}),
      reporter: { ...(name ? { name } : {}), ...(f.phone ? { phone: f.phone } : {}) },
      location: {
        ...(f.address_string ? { address: f.address_string } : {}),
        ...(f.lat !== undefined && f.long !== undefined ? { lat: f.lat, lng: f.long } : {}),
      },
    },
    ...(f.api_key ? { apiKey: f.api_key } : {}),
    ...(f.email ? { email: f.email } : {}),
    ...(f.media_url ? { mediaUrl: f.media_url } : {}),
  };
}

/** What we know of a case, for GET /requests. */
export interface RequestView {
  readonly id: string;
  readonly status: CaseStatus;
  readonly statusNotes?: string;
  readonly center: CenterCode;
  readonly description: string;
  readonly requestedAt: string;
  readonly updatedAt: string;
  readonly expectedAt?: string;
  readonly address?: string;
  readonly lat?: number;
  readonly lng?: number;
}

export interface Open311ServiceRequest {
  readonly service_request_id: string;
  readonly status: 'open' | 'closed';
  readonly status_notes: string | null;
  readonly service_name: string;
  readonly service_code: CenterCode;
  readonly description: string;
  readonly requested_datetime: string;
  readonly updated_datetime: string;
  readonly expected_datetime: string | null;
  readonly address: string | null;
  readonly lat: number | null;
  readonly long: number | null;
}

/** Open311 knows two states: a case still being worked is open, anything else closed. */
export function open311Status(status: CaseStatus): 'open' | 'closed' {
  return OPEN_STATUSES.includes(status) ? 'open' : 'closed';
}

export function toServiceRequest(view: RequestView): Open311ServiceRequest {
  return {
    service_request_id: view.id,
    status: open311Status(view.status),
    status_notes: view.statusNotes ?? null,
    service_name: centerDef(view.center).name,
    service_code: view.center,
    description: view.description,
    requested_datetime: view.requestedAt,
    updated_datetime: view.updatedAt,
    expected_datetime: view.expectedAt ?? null,
    address: view.address ?? null,
    lat: view.lat ?? null,
    long: view.lng ?? null,
  };
}

export interface Open311Error {
  readonly code: number;
  readonly description: string;
}

/** JSON is the bare array; XML wraps each item in `<item>` under `<root>` (null fields become empty elements). */
function render(format: Open311Format, root: string, item: string, items: readonly object[]): string {
  if (format === 'json') return JSON.stringify(items);
  return buildXml({ [root]: { [item]: items as readonly BuildTree[] } }, { declaration: true });
}

export function renderServices(format: Open311Format): string {
  return render(format, 'services', 'service', services());
}

export function renderServiceDefinition(code: CenterCode, format: Open311Format): string {
  const definition = serviceDefinition(code);
  if (format === 'json') return JSON.stringify(definition);
  const attributes = definition.attributes.map((a) => ({ ...a, values: { value: a.values } }));
  return buildXml({ service_definition: { service_code: code, attributes: { attribute: attributes } } }, { declaration: true });
}

export function renderServiceRequests(views: readonly RequestView[], format: Open311Format): string {
  return render(format, 'service_requests', 'request', views.map(toServiceRequest));
}

/** The answer to a successful POST: the new request's id and a notice for the resident. */
export function renderCreated(id: string, notice: string, format: Open311Format): string {
  return render(format, 'service_requests', 'request', [{ service_request_id: id, service_notice: notice, account_id: null }]);
}

export function renderErrors(errors: readonly Open311Error[], format: Open311Format): string {
  return render(format, 'errors', 'error', errors);
}

/** GET /tokens/{token}: we create requests at once, so a token is the request's own id. */
export function renderTokens(pairs: readonly { readonly token: string; readonly service_request_id: string }[], format: Open311Format): string {
  return render(format, 'service_requests', 'request', pairs.map((p) => ({ service_request_id: p.service_request_id, token: p.token })));
}

export interface Open311Discovery {
  readonly changeset: string;
  readonly contact: string;
  readonly key_service: string;
  readonly endpoints: readonly { readonly specification: string; readonly url: string; readonly changeset: string; readonly type: 'production' | 'test'; readonly formats: readonly string[] }[];
}

/** GET /discovery: where the GeoReport v2 endpoint is and which formats it speaks. */
export function discovery(baseUrl: string, changeset: string): Open311Discovery {
  return {
    changeset,
    contact: '矛调通 — 所在街道矛调中心',
    key_service: 'API keys are issued by the township administrator (api_key = an API key with the open311 source)',
    endpoints: [
      {
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: baseUrl,
        changeset,
        type: 'production',
        formats: [OPEN311_CONTENT_TYPE.json.split(';')[0] as string, OPEN311_CONTENT_TYPE.xml.split(';')[0] as string],
      },
    ],
  };
}

export function renderDiscovery(doc: Open311Discovery, format: Open311Format): string {
  if (format === 'json') return JSON.stringify(doc);
  const endpoints = doc.endpoints.map((e) => ({ ...e, formats: { format: e.formats } }));
  return buildXml({ discovery: { ...doc, endpoints: { endpoint: endpoints } } }, { declaration: true });
}
