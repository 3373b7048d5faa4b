/**
 * Domain errors: small named classes carrying a stable snake_case code that the
 * HTTP layer maps to a status. Decisions return them; nothing deep inside throws.
 */
export interface Issue {
  readonly path: string;
  readonly message: string;
  /** For a CSV upload: the line of the file (the header is line 1) and the column as its header names it. */
  readonly row?: number;
  readonly column?: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class ValidationFailed extends DomainError {
  readonly code = 'validation_failed';
  constructor(
    message: string,
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
  }
}

export class NotFound extends DomainError {
  readonly code = 'not_found';
}

export class Forbidden extends DomainError {
  readonly code = 'forbidden';
}

export class InvalidTransition extends DomainError {
  readonly code = 'invalid_transition';
}

export class VersionConflict extends DomainError {
  readonly code = 'version_conflict';
  constructor(
    readonly expected: number,
    /** Unknown when another writer won the race for the next version. */
    readonly actual?: number,
  ) {
    super(
      actual === undefined
        ? `the case changed after version ${expected}; reload it and try again`
        : `expected version ${expected} but the case is at version ${actual}`,
    );
  }
}

/** An Idempotency-Key sent again with a different request: the first request's result stands. */
export class IdempotencyKeyReused extends DomainError {
  readonly code = 'idempotency_key_reused';
}
