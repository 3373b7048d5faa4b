/** Authenticators for the `authenticate` middleware. */
import type { ApiClient, Directory } from '../store/directory.ts';
import { Forbidden, requiresMfa } from '../domain/index.ts';
import { mfaRequired, usernameOf, verifyToken } from '../service/tokens.ts';
import type { Role } from '../domain/index.ts';
import type { Authenticator } from './middleware.ts';

/**
 * The scope an API key needs on each route it may call — the one list, for
 * every route: `cases:write` to file, `cases:read` to read (and then only the
 * cases the key's client filed). A route not listed is not for API keys.
 */
export const CLIENT_SCOPES: Readonly<Record<string, 'cases:read' | 'cases:write'>> = {
  'POST /v1/cases': 'cases:write',
  'GET /v1/cases/{id}': 'cases:read',
  'GET /v1/cases/{id}/events': 'cases:read',
  'POST /v1/cases/{id}/attachments/uploads': 'cases:write',
  'POST /v1/cases/{id}/attachments': 'cases:write',
  'GET /v1/cases/{id}/attachments': 'cases:read',
  'GET /v1/cases/{id}/attachments/{attachmentId}': 'cases:read',
  'POST /open311/v2/{document}': 'cases:write',
};

/** Refuse a client whose key lacks the scope `routeKey` needs (403, naming it). */
export function requireClientScope(client: ApiClient, routeKey: string): void {
  const scope = Object.hasOwn(CLIENT_SCOPES, routeKey) ? CLIENT_SCOPES[routeKey] : undefined;
  if (scope === undefined) throw new Forbidden(`${routeKey} is not for API keys`);
  if (!client.scopes.includes(scope)) throw new Forbidden(`this key lacks the scope ${scope} that ${routeKey} needs`);
}

/** Machine clients (12345 hotline systems): `Authorization: Bearer <api key>`, stored hashed, with the route's scope. */
export function apiKeyAuth(directory: Directory): Authenticator {
  return async (token, event) => {
    // JWTs are for mediators; never look them up as keys.
    if (token.split('.').length === 3) return undefined;
    const client = await directory.apiClient(token);
    if (!client || client.disabled) return undefined;
    requireClientScope(client, event.routeKey);
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
 *
 * An officer or admin without TOTP set up is refused (when MFA is required):
 * Cognito asks every sign-in of a user with TOTP for a code, so an account
 * recorded as set up has only tokens that passed it, and one not set up gets
 * no token that works here (signing in again leads to MFA_SETUP).
 */
export function jwtAuth(directory: Directory, now: () => Date, mfa = mfaRequired): Authenticator {
  return async (token, event) => {
    if (token.split('.').length !== 3) return undefined;
    const checked = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer?.jwt?.claims;
    // API Gateway takes an access token of the client too (its client_id): only ID tokens name the user here.
    if (checked && checked.token_use !== undefined && checked.token_use !== 'id') return undefined;
    const username = checked ? usernameOf(checked) : await verifyToken(token, now());
    if (!username) return undefined;
    const account = await directory.account(username);
    if (!account || account.disabled) return undefined;
    if (mfa && requiresMfa(account.role) && !account.mfa) return undefined;
    return {
      kind: 'user',
      actor: { kind: 'user', id: account.username, name: account.displayName, role: account.role as Role, unitId: account.unitId },
    };
  };
}
