/** Authenticators for the `authenticate` middleware. */
import type { Directory } from '../store/directory.ts';
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
