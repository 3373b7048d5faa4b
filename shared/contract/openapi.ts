/**
 * The OpenAPI 3.1 document served at GET /openapi.json. Request bodies come
 * from the same zod schemas the handlers validate with, and the centre and
 * level lists from the registry, so the document cannot drift from the code.
 */
import { CENTERS, LEVELS, STATUS_CODES } from '../domain/index.ts';
import { intakeSchema } from './intake.ts';
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

export function openApiDocument(serverUrl?: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: '矛调通 API',
      version: '1.0.0',
      description:
        'Grassroots dispute mediation and grievance cases. Centres: ' +
        CENTERS.map((c) => `${c.code} (${c.name})`).join(', ') +
        '. Levels, bottom to top: ' +
        LEVELS.map((l) => `${l.code} (${l.name})`).join(' → ') +
        '.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key issued to a hotline system' },
      },
      schemas: {
        Intake: z.toJSONSchema(intakeSchema, { io: 'input', unrepresentable: 'any' }),
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
        Case: {
          type: 'object',
          required: ['id', 'version', 'status', 'level', 'unitId', 'originUnitId', 'center', 'description', 'trackingNo'],
          properties: {
            id: { type: 'string' },
            version: { type: 'integer', description: 'Number of events; send it back as expectedVersion' },
            trackingNo: { type: 'string', description: "The resident's 回执 number (no 0/O/1/I)" },
            trackingCode: { type: 'string', description: '提取码, returned to the filing client only' },
            status: { enum: STATUS_CODES },
            level: { enum: LEVELS.map((l) => l.code) },
            center: { enum: CENTERS.map((c) => c.code) },
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
        post: {
          summary: 'File a case (受理)',
          security: [{ apiKey: [] }],
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
              description: 'The same source+externalId (or Idempotency-Key) was filed before: the existing case',
              content: { 'application/json': { schema: ref('Case') } },
            },
            ...ERRORS,
          },
        },
      },
      '/v1/cases/{id}': {
        get: {
          summary: 'Read a case',
          security: [{ apiKey: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The case', content: { 'application/json': { schema: ref('Case') } } }, ...ERRORS },
        },
      },
      '/v1/cases/{id}/events': {
        get: {
          summary: 'The timeline of a case, oldest first',
          security: [{ apiKey: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
          ],
          responses: { '200': { description: '{ items, cursor }' }, ...ERRORS },
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
            '429': errorResponse('rate_limited: too many wrong codes'),
          },
        },
      },
    },
  };
}
