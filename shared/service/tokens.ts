/**
 * Mediator tokens. Locally a JWT issuer (HS256, JWT_SECRET) signs for the
 * seeded accounts; the claims carry the user's unit and role.
 */
import { SignJWT, jwtVerify, errors } from 'jose';
import { ROLE_CODES, type Role } from '../domain/index.ts';

export interface UserClaims {
  readonly username: string;
  readonly name: string;
  readonly role: Role;
  readonly unitId: string;
}

const ISSUER = 'maodiaotong-local';
const AUDIENCE = 'maodiaotong';
export const TOKEN_TTL_SECONDS = 12 * 3600;

const secret = () => new TextEncoder().encode(process.env.JWT_SECRET ?? 'local-jwt-secret-change-me');

export async function issueToken(claims: UserClaims, now: Date): Promise<{ token: string; expiresAt: string }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ name: claims.name, role: claims.role, unitId: claims.unitId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.username)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TOKEN_TTL_SECONDS)
    .sign(secret());
  return { token, expiresAt: new Date((issuedAt + TOKEN_TTL_SECONDS) * 1000).toISOString() };
}

/** The claims of a valid token, or undefined (expired, forged, malformed). */
export async function verifyToken(token: string, now: Date): Promise<UserClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, secret(), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    });
    const role = payload.role as Role;
    if (typeof payload.sub !== 'string' || !ROLE_CODES.includes(role) || typeof payload.unitId !== 'string') return undefined;
    return { username: payload.sub, name: String(payload.name ?? payload.sub), role, unitId: payload.unitId };
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}
