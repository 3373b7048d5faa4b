/** Authenticators for the `authenticate` middleware. */
import type { Directory } from '../store/directory.ts';
import { usernameOf, verifyToken } from '../service/tokens.ts';
import type { Role } from '../domain/index.ts';
import type { Authenticator } from './middleware.ts';

/** Machine clients (12345 hotline systems): `Authorization: Bearer <api key>`, stored hashed. */
export function apiKeyAuth(directory: Directory): Authenticator {
  return async (token) => {
    // JWTs are for mediators; never look them up as keys.
    if (token.split('.').length === 3) return undefined;
    const client = await directory.apiClient(token);
    if (!client || client.disabled) return undefined;
    return {
      kind: 'client',
      client,
      actor: { kind: 'client', id: client.name, source: client.sources[0] ?? 'api', rootUnitId: client.rootUnitId },
    };
  };
}

/**
 * Mediators: `Authorization: Bearer <JWT>`. In AWS the HTTP API's JWT
 * authorizer has already checked the token on mediator-only routes and hands
 * over its claims; elsewhere the token is verified here. The token proves
 * who; the account says what they are now, so a disabled account or a moved
 * user takes effect without waiting for tokens to expire.
 */
export function jwtAuth(directory: Directory, now: () => Date): Authenticator {
  return async (token, event) => {
    if (token.split('.').length !== 3) return undefined;
    const checked = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer?.jwt?.claims;
    const username = checked ? usernameOf(checked) : await verifyToken(token, now());
    if (!username) return undefined;
    const account = await directory.account(username);
    if (!account || account.disabled) return undefined;
    return {
      kind: 'user',
      actor: { kind: 'user', id: account.username, name: account.displayName, role: account.role as Role, unitId: account.unitId },
    };
  };
}
