/** What the channel webhooks share: query values, the replay window, plain-text answers. */
import { ValidationFailed } from '../domain/index.ts';
import { HttpError } from './errors.ts';
import type { ApiEvent } from './event.ts';

/** A webhook whose signature (or path secret, or origin) does not check out. */
export class BadSignature extends HttpError {
  constructor(message: string, status: 401 | 403 = 401) {
    super(status, status === 401 ? 'unauthorized' : 'forbidden', message);
  }
}

/** The channel is not set up here (no secret configured): as if the route did not exist. */
export class ChannelNotConfigured extends HttpError {
  constructor(channel: string, why?: string) {
    super(404, 'not_found', `the ${channel} channel is not configured${why ? `: ${why}` : ''}`);
  }
}

export function query(event: ApiEvent, name: string): string | undefined {
  return event.queryStringParameters?.[name];
}

export function requireQuery<const N extends readonly string[]>(event: ApiEvent, ...names: N): { [K in keyof N]: string } {
  const missing = names.filter((n) => query(event, n) === undefined || query(event, n) === '');
  if (missing.length > 0) {
    throw new ValidationFailed(`missing query parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, missing.map((path) => ({ path, message: 'is required' })));
  }
  return names.map((n) => query(event, n) as string) as { [K in keyof N]: string };
}
