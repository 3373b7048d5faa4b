import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFound, ValidationFailed, type Actor } from '../domain/index.ts';
import type { ApiClient } from '../store/directory.ts';
import { KEY_ID_MESSAGE, KEY_ID_PATTERN } from '../contract/fields.ts';
import { MESSAGES } from '../contract/messages.ts';

/** The API Gateway v2 event as handlers see it after the middlewares. */
export interface ApiEvent extends APIGatewayProxyEventV2 {
  /** The parsed JSON body (jsonBody middleware). */
  json?: unknown;
  /** Who is calling (authenticate middleware). */
  principal?: Principal;
}

export type Principal =
  | { readonly kind: 'client'; readonly actor: Extract<Actor, { kind: 'client' }>; readonly client: ApiClient }
  | { readonly kind: 'user'; readonly actor: Extract<Actor, { kind: 'user' }> };

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** The `Idempotency-Key` header (API.md: 1–128 printable ASCII characters), if sent. */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const key = header(event, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationFailed('the Idempotency-Key header is not valid', [
      { path: 'Idempotency-Key', message: KEY_ID_MESSAGE },
    ]);
  }
  return key;
}

/** Body bytes as received (API Gateway base64-encodes what it deems binary). */
export function bodyBytes(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** Ids are short and plain; anything else cannot name a case or account, so it is "not found" before any lookup. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A path id: not 1–128 printable ASCII characters is a bad request (400),
 * refused at the edge before anything is looked up; printable but not the
 * shape of our ids, "not found".
 */
export function idParam(event: APIGatewayProxyEventV2, name: string, what: string): string {
  const value = event.pathParameters?.[name] ?? '';
  if (!KEY_ID_PATTERN.test(value)) throw new ValidationFailed(`the ${what} id ${KEY_ID_MESSAGE}`, [{ path: name, message: KEY_ID_MESSAGE }]);
  if (!ID_PATTERN.test(value)) throw new NotFound(`no ${what} ${value.slice(0, 64)}`);
  return value;
}

/** A `true`/`false` query parameter; absent or empty is false, anything else a 400 naming it. */
export function flagParam(event: APIGatewayProxyEventV2, name: string): boolean {
  const raw = event.queryStringParameters?.[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ValidationFailed(`${name} must be true or false`, [{ path: name, message: MESSAGES.trueOrFalse }]);
}
