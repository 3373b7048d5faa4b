/**
 * middy middlewares, each with one job. Order in a handler:
 * httpErrors → bodyLimit → authenticate → jsonBody → handler.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { HttpError, PayloadTooLarge, Unauthorized, UnsupportedMediaType, errorBody, toHttpError } from './errors.ts';
import { bodyBytes, header, type ApiEvent, type Principal } from './event.ts';
import { json, type HttpResult } from './response.ts';
import { ValidationFailed } from '../domain/index.ts';
import { refuseControlChars } from '../contract/hygiene.ts';
import { logger } from '../service/logger.ts';

type Middleware = MiddlewareObj<ApiEvent, HttpResult, Error, Context>;

export const MAX_BODY_BYTES = 64 * 1024;

/** Every failure becomes the API.md error body; a 5xx is logged, its cause never shown. */
export function httpErrors(): Middleware {
  return {
    onError: async (request) => {
      const error = toHttpError(request.error);
      if (error.status >= 500) {
        logger.error('request failed', { error: request.error as Error, routeKey: request.event.routeKey });
      }
      request.response = json(error.status, await errorBody(error), error.headers);
    },
  };
}

/** Refuse oversized bodies before anything reads them. */
export function bodyLimit(maxBytes = MAX_BODY_BYTES): Middleware {
  return {
    before: (request) => {
      const body = request.event.body;
      if (body === undefined || body === null) return;
      // A base64 body decodes to about 3/4 of its length; no need to decode to know.
      const size = request.event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
      if (size > maxBytes) throw new PayloadTooLarge(maxBytes);
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The media type of the request body, lower case, without parameters. */
export function mediaTypeOf(event: ApiEvent): string | undefined {
  return header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
}

const MEDIA_TYPES = { json: 'application/json', csv: 'text/csv' } as const;

/** The body as text, in one of the media types the route documents (415 otherwise, 400 if not UTF-8). */
export function bodyText<T extends keyof typeof MEDIA_TYPES>(event: ApiEvent, ...accepted: T[]): { type: T; text: string } {
  const media = mediaTypeOf(event);
  const type = accepted.find((t) => media === MEDIA_TYPES[t]);
  if (!type) throw new UnsupportedMediaType(accepted.map((t) => MEDIA_TYPES[t]).join(' or '), header(event, 'content-type'));
  try {
    return { type, text: utf8.decode(bodyBytes(event)) };
  } catch {
    throw new ValidationFailed('the body is not valid UTF-8', [{ path: '(body)', message: 'is not valid UTF-8' }]);
  }
}

/** Parse JSON text, refusing control characters in it (400 with the parser's reason otherwise). */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'unreadable';
    throw new ValidationFailed(`the body is not valid JSON: ${detail}`, [{ path: '(body)', message: 'is not valid JSON' }]);
  }
  refuseControlChars(value);
  return value;
}

/** Require a JSON body (`application/json`, the only type these routes document) and parse it into `event.json`. */
export function jsonBody(): Middleware {
  return {
    before: (request) => {
      const { text } = bodyText(request.event, 'json');
      if (text.length === 0) throw new ValidationFailed('a JSON body is required', [{ path: '(body)', message: 'is empty' }]);
      request.event.json = parseJson(text);
    },
  };
}

export type Authenticator = (token: string, event: ApiEvent) => Promise<Principal | undefined>;

/** Resolve `Authorization: Bearer …` to a principal with the first authenticator that knows it. */
export function authenticate(...authenticators: Authenticator[]): Middleware {
  return {
    before: async (request) => {
      const value = header(request.event, 'authorization');
      const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
      if (!match?.[1]) throw new Unauthorized();
      for (const authenticator of authenticators) {
        const principal = await authenticator(match[1], request.event);
        if (principal) {
          request.event.principal = principal;
          return;
        }
      }
      throw new Unauthorized('the credential is not valid');
    },
  };
}

export function principalOf(event: ApiEvent): Principal {
  if (!event.principal) throw new HttpError(500, 'internal_error', 'handler used without authenticate');
  return event.principal;
}
