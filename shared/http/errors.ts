/** HTTP errors and the one error body of API.md. */
import { DomainError, type Issue } from '../domain/index.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: readonly Issue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class Unauthorized extends HttpError {
  constructor(message = 'a valid Authorization: Bearer credential is required') {
    super(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer' });
  }
}

export class PayloadTooLarge extends HttpError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `the body is larger than ${limit} bytes`);
  }
}

export class UnsupportedMediaType extends HttpError {
  constructor(expected: string, got: string | undefined) {
    super(415, 'unsupported_media_type', `expected Content-Type ${expected}, got ${got ?? 'none'}`);
  }
}

export class RateLimited extends HttpError {
  constructor(retryAfterSeconds: number, message = 'too many attempts; try again later') {
    super(429, 'rate_limited', message, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}

const STATUS_OF_CODE: Record<string, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  version_conflict: 409,
  invalid_transition: 422,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
};

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly issues?: readonly Issue[] };
}

/** Map anything thrown to a status and body; unknown errors are a 500 that says nothing internal. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) {
    const issues = 'issues' in error ? (error.issues as readonly Issue[]) : undefined;
    return new HttpError(STATUS_OF_CODE[error.code] ?? 400, error.code, error.message, issues?.length ? issues : undefined);
  }
  return new HttpError(500, 'internal_error', 'something went wrong on our side; the request may be retried');
}

/**
 * The body of every error, its words in Chinese (contract/chinese.ts, loaded at
 * the first error: its table of patterns is no part of a cold start): codes and
 * paths as they are.
 */
export async function errorBody(error: HttpError): Promise<ErrorBody> {
  const { chinese } = await import('../contract/chinese.ts');
  const issues = error.issues?.map((i) => ({ ...i, message: chinese(i.message) }));
  return { error: { code: error.code, message: chinese(error.message), ...(issues ? { issues } : {}) } };
}
