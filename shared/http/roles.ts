import { Forbidden, type Role } from '../domain/index.ts';
import type { Principal } from './event.ts';

/** The user behind a request, if their role is one of `roles`. */
export function requireRole(principal: Principal, ...roles: Role[]): Extract<Principal, { kind: 'user' }>['actor'] {
  if (principal.kind !== 'user' || !roles.includes(principal.actor.role)) {
    throw new Forbidden(`this needs one of the roles: ${roles.join(', ')}`);
  }
  return principal.actor;
}
