/**
 * A channel payload we refuse. It is a ValidationFailed, so anything thrown
 * from a codec reaches the sender as a 400 (a client error is never a 5xx).
 */
import { ValidationFailed, type Issue } from '../domain/errors.ts';

export class BadPayload extends ValidationFailed {
  override readonly name: string = 'BadPayload';
  constructor(message: string, issues: readonly Issue[] = [{ path: '(body)', message }]) {
    super(message, issues);
  }
}
