/**
 * The OpenAPI 3.1 document served at GET /openapi.json. Request bodies come
 * from the same zod schemas the handlers validate with, and the centre and
 * level lists from the registry, so the document cannot drift from the code.
 */
import { ACTION_TYPES } from './actions.ts';
import { CENTERS, LEVELS, OUTCOME_CODES, PERFORMANCE_CODES, REGISTER_SOURCES, SATISFACTION_CODES, STATUS_CODES, WORK_TABS, type CenterDef } from '../domain/index.ts';
import { unitSupervisionSchema } from './directory.ts';
import { menuSchema, registrationDecisionSchema, registrationSchema } from './volunteers.ts';
import { templateSchema } from './templates.ts';
import { householdImportSchema, householdUpdateSchema, noticeSchema, visitSchema } from './households.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, STATUS_EVENTS, TIMESTAMP_HEADER } from '../channels/callback.ts';
import { centerFieldsSchema, intakeSchemaFor } from './intake.ts';
import { raiseSchema, topicActionSchema } from './deliberation.ts';
import { MEETING_KINDS, PARTICIPANT_ROLES, TOPIC_STATUSES } from '../domain/index.ts';
import { completeUploadSchema, uploadRequestSchema } from './attachments.ts';
import { ATTACHMENT_LIMITS, ATTACHMENT_PURPOSE_CODES, MEDIA_TYPE_CODES } from '../domain/index.ts';
import * as z from 'zod/mini';
import './zod.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const ERRORS = {
  '400': errorResponse('validation_failed: the request is not valid; `issues` says where'),
  '401': errorResponse('unauthorized: missing or wrong credential'),
  '403': errorResponse('forbidden: the credential may not do this'),
  '404': errorResponse('not_found'),
  '413': errorResponse('payload_too_large: body over 64 KB'),
  '415': errorResponse('unsupported_media_type: send application/json'),
};
const PRIVACY =
  'What a case shows of its reporter, parties, minutes, notes and 提取码 is the privacy policy of shared/domain/privacy.ts (README, "Privacy"): ' +
  'an API client reads back the reporter and 提取码 of the cases it filed, never the mediation record; mediators see personal details masked ' +
  'until they ask with `reveal=personal`.';

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodMiniType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** A centre's form as JSON Schema: the zod schema the intake checks with, each field titled by its label. */
function formJsonSchema(center: CenterDef): JsonSchema {
  const schema = jsonSchema(centerFieldsSchema(center));
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const f of center.fields) {
    const notes = [f.type === 'number' && f.unit ? `单位：${f.unit}` : '', f.personal ? '个人信息（按隐私规则显示，不导出）' : ''].filter(Boolean);
    properties[f.code] = { ...properties[f.code], title: f.label, ...(notes.length > 0 ? { description: notes.join('；') } : {}) };
  }
  return { ...schema, properties };
}

/** The intake body: `fields` is the form of the centre named, one `if center … then fields …` branch per centre. */
function intakeJsonSchema(centers: readonly CenterDef[]): JsonSchema {
  const schema = z.toJSONSchema(intakeSchemaFor(centers), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema>;
  return {
    ...schema,
    properties: {
      ...properties,
      fields: {
        type: 'object',
        description:
          "The centre's own form, declared in the registry: which fields depends on `center` (the allOf branches below). A value a field does not allow, " +
          'or a field the centre does not declare, is 400 with the issue at `fields.<code>`; a required field missing is 400 too. ' +
          centers.map((c) => `${c.code}: ${c.fields.map((f) => `${f.code} (${f.label}${f.required ? ', required' : ''})`).join(', ') || 'none'}`).join('; ') +
          '.',
      },
    },
    allOf: centers.map((c) => ({
      if: { properties: { center: { const: c.code } }, required: ['center'] },
      then: { properties: { fields: formJsonSchema(c) }, ...(c.fields.some((f) => f.required) ? { required: ['fields'] } : {}) },
    })),
  };
}

/** The document; `centers` are the registry's (a test passes one more to see the document follow). */
export function openApiDocument(serverUrl?: string, centers: readonly CenterDef[] = CENTERS) {
  return {
    openapi: '3.1.0',
    info: {
      title: '矛调通 API',
      version: '1.0.0',
      description:
        'Grassroots dispute mediation and grievance cases. Centres: ' +
        centers.map((c) => `${c.code} (${c.name})`).join(', ') +
        '. Levels, bottom to top: ' +
        LEVELS.map((l) => `${l.code} (${l.name})`).join(' → ') +
        '.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key issued to a hotline system, with scopes: `cases:write` to file (POST /v1/cases, Open311 POST requests), `cases:read` to read ' +
            '(GET /v1/cases/{id} and its events) — and then only the cases its own client filed. A key lacking the scope a route needs is 403.',
        },
        mediator: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A mediator\'s token from POST /v1/auth/login (Cognito in AWS); the user works cases of their unit\'s subtree only.',
        },
      },
      schemas: {
        Intake: intakeJsonSchema(centers),
        UploadRequest: z.toJSONSchema(uploadRequestSchema, { io: 'input', unrepresentable: 'any' }),
        CompleteUpload: z.toJSONSchema(completeUploadSchema, { io: 'input', unrepresentable: 'any' }),
        Attachment: {
          type: 'object',
          description: 'A file on a case, as the case records it: checked by its content (never its name), a photo without its location.',
          required: ['id', 'kind', 'mediaType', 'size', 'sha256', 'name', 'visibility', 'purpose', 'origin', 'at', 'by'],
          properties: {
            id: { type: 'string' },
            kind: { enum: ['image', 'audio', 'document'] },
            mediaType: { enum: MEDIA_TYPE_CODES, description: 'What the content is (magic bytes)' },
            size: { type: 'integer', maximum: ATTACHMENT_LIMITS.maxBytes, description: 'Bytes as stored' },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Of the bytes stored' },
            name: { type: 'string', maxLength: ATTACHMENT_LIMITS.nameChars, description: 'Cleaned: no path, the extension of what it is' },
            caption: { type: 'string', maxLength: ATTACHMENT_LIMITS.captionChars },
            visibility: { enum: ['internal', 'shared'], description: 'shared: the resident sees it on the tracking page, and the filing client reads it' },
            purpose: { enum: ATTACHMENT_PURPOSE_CODES },
            origin: { enum: ['upload', 'wechat', 'sms', 'hotline'] },
            locationRemoved: { type: 'boolean', description: 'EXIF GPS (or XMP) was found and removed before storing' },
            at: { type: 'string', format: 'date-time' },
            by: { type: 'string' },
            url: { type: 'string', description: 'Only from the /attachments routes: a presigned GET, valid 5 minutes (inline for photos, attachment otherwise)' },
            expiresAt: { type: 'string', format: 'date-time' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', examples: ['validation_failed'] },
                message: { type: 'string' },
                issues: {
                  type: 'array',
                  items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
                },
              },
            },
          },
        },
        StatusChange: {
          type: 'object',
          description:
            'A change of a case filed by a 12345 system, POSTed to its callbackUrl. One per case event that changes what the hotline ' +
            'should show; `seq` increases per case, so apply a change only if its seq is above the last one applied.',
          required: ['event', 'caseId', 'trackingNo', 'status', 'at', 'seq'],
          properties: {
            event: { enum: [...STATUS_EVENTS] },
            caseId: { type: 'string' },
            externalId: { type: 'string', description: 'Your work-order number, as filed' },
            trackingNo: { type: 'string' },
            status: { enum: STATUS_CODES },
            at: { type: 'string', format: 'date-time' },
            seq: { type: 'integer', minimum: 2 },
            level: { enum: LEVELS.map((l) => l.code) },
            unitId: { type: 'string' },
            detail: { type: 'string', description: 'Reason, summary, reply text or comment, as the event has it' },
            outcome: { enum: OUTCOME_CODES, description: 'With resolved' },
            satisfaction: { enum: SATISFACTION_CODES, description: 'With followed_up (回访结果)' },
          },
        },
        Case: {
          type: 'object',
          required: ['id', 'version', 'status', 'level', 'unitId', 'originUnitId', 'center', 'description', 'trackingNo'],
          properties: {
            id: { type: 'string' },
            version: { type: 'integer', description: 'Number of events; send it back as expectedVersion' },
            trackingNo: { type: 'string', description: "The resident's 回执 number (no 0/O/1/I)" },
            trackingCode: { type: 'string', description: '提取码, returned to the filing client only' },
            reporter: {
              type: 'object',
              description: 'Masked (周**, 138****8000) for mediators unless revealed; in full for the client that filed the case',
              properties: { name: { type: 'string' }, phone: { type: 'string' } },
            },
            parties: {
              type: 'array',
              description: "Each party's phone, ID number and address masked unless revealed; to an API client only names and roles",
              items: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' }, phone: { type: 'string' }, idNumber: { type: 'string' }, address: { type: 'string' } } },
            },
            revealed: { type: 'boolean', description: 'Whether the fields shown only on request are in full (the request asked reveal=personal)' },
            status: { enum: STATUS_CODES },
            level: { enum: LEVELS.map((l) => l.code) },
            center: { enum: centers.map((c) => c.code) },
            fields: {
              type: 'object',
              description:
                "The centre's form as filed (Intake's `fields`). Personal ones (家庭情况) follow the privacy policy: in full to the client that filed them, " +
                'masked for mediators unless revealed, never in lists or exports.',
              additionalProperties: { type: ['string', 'number'] },
            },
            unitId: { type: 'string' },
            originUnitId: { type: 'string' },
            description: { type: 'string' },
            dueAt: { type: ['string', 'null'], format: 'date-time' },
          },
        },
      },
    },
    paths: {
      '/v1/cases': {
        get: {
          summary: 'Lists for mediators: 我的待办 (scope=mine, by tab), 辖区案件 (scope=subtree), a caller\'s cases (phone=), or a search by words (q=)',
          description:
            'Every list is a Query on an index, never a Scan, bounded and paged by cursor. tab: ' + WORK_TABS.map((t) => t.code).join('|') +
            ' (see GET /v1/queue). q: up to 5 words (100 characters) matched in the title, description and 12345 work-order number of cases received in [from, to) ' +
            '(default the last year), newest first, within the caller\'s jurisdiction, with status, center, level, risk and overdue; a 12345 work-order number is also looked up directly. ' +
            'Items carry overdue, nearDeadline and, for a resolved case awaiting its 回访, followUpDueAt.',
          security: [{ mediator: [] }],
          parameters: ['scope', 'tab', 'q', 'phone', 'unitId', 'status', 'center', 'level', 'risk', 'overdue', 'from', 'to', 'limit', 'cursor'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: '{items, cursor}' }, ...ERRORS },
        },
        post: {
          summary: 'File a case (受理) — or, signed in as a mediator, 联户长 or officer, register one for a resident (登记)',
          description:
            `With a mediator's token the source is one of ${REGISTER_SOURCES.join(', ')} (来访, 来电, 走访), there is no externalId, the unit (default: the registrar's own) ` +
            'lies in the registrar\'s subtree, and the answer is the 回执 view: the case with its trackingCode (once; the case page does not show it again). ' +
            'With a phone, the resident gets the 回执 by SMS as well. An Idempotency-Key makes a retry file one case. ' +
            `Files may come by URL (\`attachments\`, at most ${ATTACHMENT_LIMITS.perCase}): only from hosts on the allow-list (MEDIA_ALLOWED_HOSTS and the channels' own), ` +
            'else 400 naming the URL; they are fetched after the answer by the media worker (10 MB, by content type, location removed), and the case shows ' +
            '`pendingAttachments` until they are in. A file that cannot be fetched is recorded on the timeline as `media_failed`. Files can also be uploaded ' +
            'to the case afterwards: POST /v1/cases/{id}/attachments/uploads.',
          security: [{ apiKey: [] }, { mediator: [] }],
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 128 },
              description: 'Replays with the same key return the first case (200) instead of a new one',
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('Intake') } } },
          responses: {
            '201': { description: 'Created', content: { 'application/json': { schema: ref('Case') } } },
            '200': {
              description: 'This client filed the same source+externalId (or Idempotency-Key) before: the existing case. Another client’s work order of the same number is its own case.',
              content: { 'application/json': { schema: ref('Case') } },
            },
            ...ERRORS,
          },
        },
      },
      '/v1/cases/{id}': {
        get: {
          summary: 'Read a case',
          description: `${PRIVACY} Each request that reveals writes one entry in the case's 查阅记录 (GET /v1/cases/{id}/audit); a masked read writes none.`,
          security: [{ apiKey: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 }, description: 'Longer than 128 or not printable ASCII: 400' },
            {
              name: 'reveal',
              in: 'query',
              required: false,
              schema: { enum: ['personal'] },
              description: "Mediators: show the reporter's and parties' contact details and ID numbers in full, as the policy allows the role; recorded in the audit trail",
            },
          ],
          responses: { '200': { description: 'The case', content: { 'application/json': { schema: ref('Case') } } }, ...ERRORS },
        },
      },
      '/v1/queue': {
        get: {
          summary: '我的待办: the signed-in user\'s tabs with their counts, and any 督办 their unit is under',
          description:
            'Tabs: ' + WORK_TABS.map((t) => `${t.code} (${t.name})`).join(', ') + '. risk and overdue are for township officers and leaders (open cases anywhere below them). ' +
            'Each count comes with how many are overdue and 临期; every count is read from an index (a Query per index), never a Scan. List a tab with GET /v1/cases?scope=mine&tab=<tab>.',
          security: [{ mediator: [] }],
          responses: { '200': { description: '{unitId, tabs: [{tab, name, count, overdue, nearDeadline, capped?}], supervision: [{unitId, note, until, byName, at}]}' }, ...ERRORS },
        },
      },
      '/v1/board': {
        get: {
          summary: '红黄牌: the units below a unit ranked by how they keep their deadlines',
          description:
            'Per unit directly below unitId (default: the user\'s): open, overdueNow, nearDeadline (now), missed and worstDelayDays (deadlines missed in [from, to), in working days to 办结 or now), ' +
            'received and onTimeRate (按期办结率, as in /v1/stats), card red (a case beyond redDays working days past a deadline, default 2) / yellow (any 超期 or 临期) / green, and any 督办 the unit is under.',
          security: [{ mediator: [] }],
          parameters: [
            { name: 'unitId', in: 'query', schema: { type: 'string' } },
            { name: 'from', in: 'query', schema: { type: 'string' } },
            { name: 'to', in: 'query', schema: { type: 'string' } },
            { name: 'redDays', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 30 } },
          ],
          responses: { '200': { description: '{unit, from, to, redAfterDays, capped, rows}' }, ...ERRORS },
        },
      },
      '/v1/units/{id}/supervision': {
        put: {
          summary: '督办 of a unit by a township officer or a leader: a note and the date by which to put things right (replaces the order in force)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(unitSupervisionSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: 'The order' }, ...ERRORS },
        },
        delete: {
          summary: 'Lift the 督办 of a unit (kept, marked lifted, as the record of what was asked)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The order, with liftedAt and liftedBy' }, ...ERRORS },
        },
      },
      '/v1/households': {
        get: {
          summary: "联户: the households under a unit the caller may see (a 联户长: only their own), each with its open matters (its head's open cases by phone) and this month's visits",
          description: 'The phone follows the privacy policy (view `household`): masked unless `reveal=personal`, which writes one audit entry per household shown.',
          security: [{ mediator: [] }],
          parameters: [
            { name: 'unitId', in: 'query', schema: { type: 'string' }, description: 'Default: the caller\'s unit' },
            { name: 'reveal', in: 'query', schema: { enum: ['personal'] } },
          ],
          responses: { '200': { description: '{unitId, month, items: [household + unitName, liaisonName, openCases, visitsThisMonth, lastVisit]}' }, ...ERRORS },
        },
      },
      '/v1/households/import': {
        post: {
          summary: 'Import households (JSON {households:[…]} or CSV 户编号,楼栋编号,联户长账号,地址,户主,电话,人数,备注): all rows or none; errors name 第 n 行 and the column',
          description: 'A row without 户编号 gets one from its building and address, so the same sheet imported again changes nothing. A household keeps its building. `?dryRun=true` answers the same and writes nothing.',
          security: [{ mediator: [] }],
          parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'boolean' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: z.toJSONSchema(householdImportSchema, { io: 'input', unrepresentable: 'any' }) }, 'text/csv': { schema: { type: 'string' } } },
          },
          responses: { '200': { description: '{dryRun, imported, created, updated, unchanged}' }, ...ERRORS },
        },
      },
      '/v1/households/stats': {
        get: {
          summary: 'Roster statistics of a month: households, households visited, visits, matters collected, settled on the spot (就地化解) — in all, per 联户长 and per building',
          security: [{ mediator: [] }],
          parameters: [
            { name: 'unitId', in: 'query', schema: { type: 'string' } },
            { name: 'month', in: 'query', schema: { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, description: 'China month; default this one' },
          ],
          responses: { '200': { description: '{unitId, month, total, byLiaison, byUnit}' }, ...ERRORS },
        },
      },
      '/v1/households/{id}': {
        put: {
          summary: 'Change a household on the page (its 联户长, or those above; a 联户长 does not hand it to another)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(householdUpdateSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: 'The household (phone masked)' }, ...ERRORS },
        },
      },
      '/v1/households/{id}/visits': {
        post: {
          summary: '走访: log a visit (date, what was discussed, one of the six duties, settled on the spot); with raiseCase, a case in the same step — the head as reporter, their building as unit, source visit',
          description: 'With an Idempotency-Key the same visit is answered again (200) and raises the same case, never a second.',
          security: [{ mediator: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(visitSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '201': { description: '{visit, case?}' }, '200': { description: 'The same request again: the first answer' }, ...ERRORS },
        },
      },
      '/v1/notices': {
        post: {
          summary: '宣传: a notice (policy, safety, a meeting) to the households of a unit by SMS, recorded in the outbox; a phone that replied 退订 is skipped',
          description: `At most 3 a day per unit (429). Sent by the relay and the notifier, not on the request. With an Idempotency-Key a retry answers the same notice (200).`,
          security: [{ mediator: [] }],
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(noticeSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '201': { description: '{id, unitId, kind, text, at, households}' }, '200': { description: 'The same request again' }, ...ERRORS },
        },
      },
      '/v1/volunteers/registrations': {
        post: {
          summary: '双报到: a party member or cadre registers with the community where they live (public)',
          description:
            'unitId is the community, or a unit below it (where they live). One registration per community and phone: sending it again answers the first with 200 ' +
            '(status tells whether it was decided). At most 30 per address an hour (429). The answer never carries the phone back.',
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(registrationSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '201': { description: '{id, status: pending, communityId, communityName, name, at}' }, '200': { description: 'The same person and community registered before' }, '429': errorResponse('rate_limited'), ...ERRORS },
        },
        get: {
          summary: 'The registrations of the communities in the user\'s subtree, newest first (?status=pending|approved|rejected)',
          description: 'The phone is the privacy policy\'s `volunteerPhone` in the `roster` view: in full for those who keep the roster (mediators, officers, admins), masked for others.',
          security: [{ mediator: [] }],
          parameters: [{ name: 'status', in: 'query', schema: { enum: ['pending', 'approved', 'rejected'] } }],
          responses: { '200': { description: '{items}' }, ...ERRORS },
        },
      },
      '/v1/volunteers/registrations/{id}/decision': {
        post: {
          summary: '通过 (approve) or 退回 (reject, with a reason) a 报到; approval puts them on the roster as a volunteer account at the community',
          description:
            'By a mediator, officer or admin whose subtree holds the community. Approval creates the account `username` (default v-<id>) with `password`, or a generated one ' +
            'answered once as initialPassword; an existing volunteer account of the same community is linked instead (another account of that name is 409). ' +
            'The same decision again answers the registration as it is; the other one is 422.',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(registrationDecisionSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: 'The registration, with username (and initialPassword once)' }, '409': errorResponse('conflict: the username is another account'), '422': errorResponse('invalid_transition: decided otherwise already'), ...ERRORS },
        },
      },
      '/v1/volunteers': {
        get: {
          summary: 'The volunteer roster of the user\'s subtree: each volunteer account with what its 报到 said (skills, availability)',
          description: 'Dispatch to one with POST /v1/cases/{id}/actions {type: dispatch, toVolunteerId} (社区派单); they accept (接单), work and resolve it.',
          security: [{ mediator: [] }],
          responses: { '200': { description: '{items: [{username, displayName, unitId, unitName, disabled, registration?}]}' }, ...ERRORS },
        },
      },
      '/v1/services': {
        get: {
          summary: '群众点单: the service menu of a unit (public) — the nearest kept at it or above it, else the default — and the communities to choose from',
          description: 'A case asks for a service with `service` (a code of this menu) at intake, or a resident texts 点单 <服务> <what is needed>.',
          parameters: [{ name: 'unitId', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: '{unitId (whose menu; null: the default), isDefault, items: [{code, name, description?}], communities: [{id, name, fullName, rootId}]}' }, ...ERRORS },
        },
      },
      '/v1/services/{unitId}': {
        put: {
          summary: 'Keep the service menu of a unit (a community, or a township for all below it without their own)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'unitId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(menuSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: '{unitId, items}' }, ...ERRORS },
        },
      },
      '/v1/templates': {
        get: {
          summary: '常用语 and the wording of messages to residents in force at a unit: those kept there and at every unit above it',
          description:
            'Without unitId: those in force at the caller\'s unit, and for an admin also those kept below it. Each item carries unitName and ' +
            'editable (an admin whose subtree holds its unit). A 常用语 has action and/or center; a wording has message (its kind) and may carry ' +
            'aliyunTemplateCode and tencentTemplateId, the SMS providers\' approved templates, whose parameters are the kind\'s placeholders in order.',
          security: [{ mediator: [] }],
          parameters: [{ name: 'unitId', in: 'query', schema: { type: 'string' }, description: 'A unit in the caller\'s subtree or above the caller (a case\'s unit)' }],
          responses: { '200': { description: '{items: [{id, unitId, unitName, title, text, action?, center?, message?, aliyunTemplateCode?, tencentTemplateId?, editable, updatedAt, updatedBy}]}' }, ...ERRORS },
        },
        post: {
          summary: 'Keep a 常用语 or a wording at a unit (admins of the unit or above)',
          description:
            'Placeholders are {name}: a 常用语 may hold {trackingNo}, {unit}, {deadline}; a wording those of its kind (README, "Reply templates"), and ' +
            'its required ones. An unknown placeholder is 400 naming it; a unit outside the admin\'s subtree 403; a second wording of the same ' +
            'message, unit and centre 409. Nothing is written on a refusal.',
          security: [{ mediator: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(templateSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '201': { description: 'The template, with its id' }, '409': errorResponse('conflict: the unit already words this message for this centre'), ...ERRORS },
        },
      },
      '/v1/templates/{id}': {
        put: {
          summary: 'Change a template (the admin\'s subtree holds its unit before and after)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(templateSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: 'The template' }, '409': errorResponse('conflict: the unit already words this message for this centre'), ...ERRORS },
        },
        delete: {
          summary: 'Delete a template (admins of its unit or above)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{id, deleted: true}' }, ...ERRORS },
        },
      },
      '/v1/cases/{id}/actions': {
        post: {
          summary: 'Work a case: one action (签收, 派单, 回复, 办结, 回访, 并单…) against the version the caller saw',
          description:
            'The body is {"type": <action>, "expectedVersion": n, …the action\'s fields}. A stale expectedVersion is 409 version_conflict; ' +
            'an action the state does not allow is 422 invalid_transition. With an Idempotency-Key, a retry of the same request (same key, ' +
            'same body, same case) answers the first result — the same event and version, with the header Idempotent-Replayed: true — for at ' +
            'least 24 hours (the case remembers its last 100 keys; a request sent again after a key is forgotten is a new one); the same key ' +
            'with another body is 422 idempotency_key_reused. A key belongs to the user who sent it.',
          security: [{ mediator: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } },
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
              description: 'One per submission (the admin page sends a new one for each, and the same one when it retries); 1–128 printable ASCII, else 400',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['type', 'expectedVersion'],
                  properties: {
                    type: { enum: [...ACTION_TYPES] },
                    expectedVersion: { type: 'integer', minimum: 1 },
                    performance: {
                      enum: PERFORMANCE_CODES,
                      description:
                        'With record_performance (履行回访, on a case with a recorded agreement): 已履行 / 部分履行 / 未履行, with a note (1–1000); 未履行 reopens a resolved case at its unit',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'The case after the action, with lastEvent {seq, type}',
              headers: { 'Idempotent-Replayed': { description: '"true" when this answers a retry of a request already applied', schema: { type: 'string' } } },
              content: { 'application/json': { schema: ref('Case') } },
            },
            ...ERRORS,
          },
        },
      },
      '/v1/cases/{id}/events': {
        get: {
          summary: 'The timeline of a case, oldest first',
          description: `${PRIVACY} The timeline never reveals: the intake's reporter and parties are masked, internal notes and contacts are for staff only.`,
          security: [{ apiKey: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
          ],
          responses: { '200': { description: '{ items, cursor }' }, ...ERRORS },
        },
      },
      '/v1/cases/{id}/attachments/uploads': {
        post: {
          summary: 'Ask to upload a file to a case (step 1 of 3): a presigned PUT for exactly `size` bytes',
          description:
            `Mediators in the case's jurisdiction (not leaders), or the API client that filed it (cases:write). Nothing is written. The answer's \`url\` takes one PUT ` +
            `of the file with the answer's \`headers\` within 10 minutes; then complete it with POST /v1/cases/{id}/attachments and the \`uploadId\`. ` +
            `415 for a type that is not a photo (JPEG, PNG, WebP, HEIC), a recording (AMR, MP3, M4A) or a PDF; 413 over ${ATTACHMENT_LIMITS.maxBytes} bytes; ` +
            `422 when the case has ${ATTACHMENT_LIMITS.perCase} files (those still being fetched count) or is closed.`,
          security: [{ mediator: [] }, { apiKey: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('UploadRequest') } } },
          responses: {
            '201': { description: '{uploadId, url, method: "PUT", headers, expiresAt, maxBytes}' },
            ...ERRORS,
            '413': errorResponse(`payload_too_large: the file is over ${ATTACHMENT_LIMITS.maxBytes} bytes`),
            '415': errorResponse('unsupported_media_type: not a photo, recording or PDF'),
            '422': errorResponse('invalid_transition: the case holds its 20 files, or takes none in its state'),
          },
        },
      },
      '/v1/cases/{id}/attachments': {
        post: {
          summary: 'Complete an upload (step 3 of 3): the file is checked by its content, cleaned, kept and recorded',
          description:
            'The type is read from the content (magic bytes); a photo loses its location (EXIF GPS, XMP) before it is kept; the case records who, when, ' +
            'kind, size, SHA-256, name, caption and visibility as one `attached` event. The same uploadId again answers 200 with the same file. ' +
            'An uploadId of another case or caller, or made up, is 400; one whose file never arrived (its URL expired) 404; a refused file is not kept.',
          security: [{ mediator: [] }, { apiKey: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CompleteUpload') } } },
          responses: {
            '201': { description: '{attachment, version}', content: { 'application/json': { schema: { type: 'object', properties: { attachment: ref('Attachment'), version: { type: 'integer' } } } } } },
            '200': { description: 'This upload was completed before: the same file' },
            ...ERRORS,
            '413': errorResponse('payload_too_large: the file that arrived is over 10 MB'),
            '415': errorResponse('unsupported_media_type: the content is not a photo, recording or PDF, or a photo whose metadata cannot be cleaned'),
          },
        },
        get: {
          summary: "The files the caller may have, each with a 5-minute link; one entry in the case's 查阅记录 per request",
          description: 'Inside the jurisdiction every file; a volunteer on the task and the client that filed the case the shared ones only. ' + PRIVACY,
          security: [{ mediator: [] }, { apiKey: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } }],
          responses: { '200': { description: '{items: Attachment[] with url}' }, ...ERRORS },
        },
      },
      '/v1/cases/{id}/attachments/{attachmentId}': {
        get: {
          summary: 'One file with a 5-minute link (audited)',
          security: [{ mediator: [] }, { apiKey: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } },
            { name: 'attachmentId', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } },
          ],
          responses: { '200': { description: 'The file', content: { 'application/json': { schema: ref('Attachment') } } }, ...ERRORS },
        },
      },
      '/v1/track/{trackingNo}/attachments': {
        get: {
          summary: 'The files shared with the resident, with 5-minute links (public; the 提取码 is the credential; audited)',
          parameters: [
            { name: 'trackingNo', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'code', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': { description: '{items}' }, '404': errorResponse('No such number, or the code is wrong'), '429': errorResponse('rate_limited, as for the status view') },
        },
      },
      '/v1/track/{trackingNo}': {
        get: {
          summary: "The resident's status view (public; the 提取码 is the credential)",
          parameters: [
            { name: 'trackingNo', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'code', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'Status, masked reporter, public timeline' },
            '404': errorResponse('No such number, or the code is wrong'),
            '429': errorResponse('rate_limited: 5 wrong codes per number (20 per address) in 15 minutes; the SMS or WeChat the case came from still answers "查询 <编号>"'),
          },
        },
      },
      '/v1/track/{trackingNo}/follow-up': {
        post: {
          summary: "The resident's 回访: 满意, 基本满意 or 不满意 for the current 办结, once; 不满意 reopens the case and it goes up a level",
          description: 'The 提取码 is in the body (not the URL). Wrong codes count towards the same limit as GET. A case not resolved, or already rated for this 办结, is 422.',
          parameters: [{ name: 'trackingNo', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['code', 'satisfaction'], properties: { code: { type: 'string' }, satisfaction: { enum: SATISFACTION_CODES }, comment: { type: 'string', maxLength: 500 } } } } } },
          responses: { '200': { description: 'The resident\'s view after it' }, '404': errorResponse('No such number, or the code is wrong'), '422': errorResponse('Not resolved, or already rated'), '429': errorResponse('rate_limited') },
        },
      },
      '/v1/track/{trackingNo}/messages': {
        post: {
          summary: 'What the resident adds to their matter (shown to the mediators, and to the unit by a message); at most 10 an hour per number',
          parameters: [{ name: 'trackingNo', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['code', 'text'], properties: { code: { type: 'string' }, text: { type: 'string', minLength: 1, maxLength: 1000 } } } } } },
          responses: { '200': { description: 'The resident\'s view after it' }, '404': errorResponse('No such number, or the code is wrong'), '429': errorResponse('rate_limited') },
        },
      },
      '/v1/deliberations': {
        post: {
          summary: '议事厅: raise a topic (议题) at a unit in your subtree — by a mediator, a 联户长, or from cases (caseIds: open cases under the unit, as you see them)',
          description:
            'An Idempotency-Key makes a retry answer the first topic (200). Meeting kinds: ' + MEETING_KINDS.map((k) => `${k.code} (${k.name})`).join(', ') + '. ' +
            'Statuses: ' + TOPIC_STATUSES.map((t) => `${t.code} (${t.name})`).join(', ') + '. Participants\' names follow the privacy policy (views deliberation / publicDeliberation).',
          security: [{ mediator: [] }],
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(raiseSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '201': { description: 'The topic' }, '200': { description: 'The same Idempotency-Key: the first topic' }, ...ERRORS },
        },
        get: {
          summary: '议事厅: the topics under a unit (default: yours), newest first',
          security: [{ mediator: [] }],
          parameters: ['unitId', 'status'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: '{items: [topic]}' }, ...ERRORS },
        },
      },
      '/v1/deliberations/{id}': {
        get: {
          summary: '议事厅: a topic with its record (events)',
          security: [{ mediator: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The topic and its events' }, ...ERRORS },
        },
      },
      '/v1/deliberations/{id}/actions': {
        post: {
          summary: '议事厅: schedule the meeting, record it (participants, minutes), agree decisions (共识: owner, due date, 实事), publish (公示), complete a decision, cancel',
          description:
            'Checked against expectedVersion (409 when stale, 422 when not allowed now). publish with resolvesCases records the result on every linked case ' +
            '(its timeline: deliberation_recorded) and resolves those still open; their residents are told by SMS/WeChat. Decisions past their day are marked by the sweeper (remindedAt). ' +
            'Participant roles: ' + PARTICIPANT_ROLES.map((r) => `${r.code} (${r.name})`).join(', ') + '. An Idempotency-Key makes a retry answer the first result.',
          security: [{ mediator: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(topicActionSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '200': { description: 'The topic after the action' }, '409': errorResponse('version_conflict'), '422': errorResponse('invalid_transition'), ...ERRORS },
        },
      },
      '/v1/stats/deliberations': {
        get: {
          summary: '议事厅 statistics under a unit over [from, to): meetings held, participants, matters settled (published), linked cases resolved, 实事 done, decisions open and overdue; a row per unit below',
          security: [{ mediator: [] }],
          parameters: ['unitId', 'from', 'to'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: '{unitId, from, to, meetings, participants, settled, casesResolved, practicalDone, decisionsOpen, decisionsOverdue, byUnit}' }, ...ERRORS },
        },
      },
      '/v1/public/units/{unitId}/deliberations': {
        get: {
          summary: '议事结果公示: a unit\'s published results, for anyone (no names of participants, no minutes, no cases)',
          parameters: [{ name: 'unitId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{unitId, unitName, items}' }, '404': errorResponse('no such unit') },
        },
      },
      '/webhooks/wechat': {
        get: { summary: 'WeChat Official Account URL check (signature, or msg_signature in safe mode)', responses: { '200': { description: 'echostr' }, '401': errorResponse('bad signature or a timestamp outside ±300 s') } },
        post: {
          summary: 'WeChat messages, plaintext or encrypt_type=aes: a passive reply in WeChat XML',
          responses: {
            '200': { description: 'reply XML, or "success"' },
            '400': errorResponse('malformed, unsafe or non-UTF-8 XML, padding other than WeChat’s 32-byte PKCS#7, a control character in a field, a MsgId over 128 characters'),
            '401': errorResponse('bad signature or stale timestamp'),
            '413': errorResponse('body over 64 KB'),
            '415': errorResponse('Content-Type other than text/xml or application/xml'),
          },
        },
      },
      '/webhooks/sms/twilio': {
        post: { summary: 'Twilio incoming SMS (X-Twilio-Signature over PUBLIC_BASE_URL + path): TwiML reply', responses: { '200': { description: 'TwiML' }, '403': errorResponse('bad signature') } },
      },
      '/webhooks/sms/{provider}/{secret}': {
        post: {
          summary: 'Aliyun uplink (JSON array) or Tencent reply callback; the path carries SMS_WEBHOOK_SECRET',
          parameters: [
            { name: 'provider', in: 'path', required: true, schema: { enum: ['aliyun', 'tencent'] } },
            { name: 'secret', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': { description: '{"code":0,"msg":"接收成功"} or {"result":0,"errmsg":"OK"}' }, '404': errorResponse('wrong secret (as if no such route)') },
        },
      },
      '/open311/v2/{document}': {
        get: {
          summary: 'Open311 GeoReport v2: services, requests, discovery (.json or .xml)',
          parameters: [
            { name: 'document', in: 'path', required: true, schema: { type: 'string', examples: ['services.json', 'requests.xml'] } },
            { name: 'jurisdiction_id', in: 'query', required: false, schema: { type: 'string' }, description: 'A township of this service; any other is [{code:404, description}]' },
          ],
          responses: { '200': { description: 'The document' }, '404': { description: '[{code:404, description}] — unknown document or jurisdiction_id' } },
        },
        post: { summary: 'Open311 POST requests (form-encoded, api_key)', parameters: [{ name: 'document', in: 'path', required: true, schema: { type: 'string', examples: ['requests.json'] } }], responses: { '201': { description: '[{service_request_id, service_notice}]' }, '403': { description: '[{code:403, description}] — no or invalid api_key' } } },
      },
    },
    webhooks: {
      statusChange: {
        post: {
          summary: 'A status change pushed to a 12345 system (two-way sync)',
          description:
            `Signed: ${SIGNATURE_HEADER} = "sha256=" + hex HMAC-SHA256(callbackSecret, ${TIMESTAMP_HEADER} + "." + body); reject a timestamp more than 300 s from your clock. ` +
            `${DELIVERY_HEADER} = "<caseId>:<seq>" is the same on every retry: drop a delivery you have already applied. Any 2xx acknowledges it and it is never sent again; ` +
            'a case\'s changes come in seq order (a change is sent only once the one before it was acknowledged); ' +
            'anything else (or no answer within 10 s) is retried with backoff, doubling from a minute to an hour, for about four hours, then parked for an operator.',
          parameters: [
            { name: TIMESTAMP_HEADER, in: 'header', required: true, schema: { type: 'string', description: 'Unix seconds' } },
            { name: SIGNATURE_HEADER, in: 'header', required: true, schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' } },
            { name: DELIVERY_HEADER, in: 'header', required: true, schema: { type: 'string', examples: ['C26V9XQGBV:3'] } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('StatusChange') } } },
          responses: { '2XX': { description: 'Acknowledged: never sent again' }, default: { description: 'Not acknowledged: retried' } },
        },
      },
    },
  };
}
