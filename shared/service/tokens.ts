/**
 * Mediator tokens. Locally a JWT issuer (HS256, JWT_SECRET) signs for the
 * seeded accounts. In AWS (AUTH_MODE=cognito) Cognito issues ID tokens; the
 * HTTP API's JWT authorizer checks them on mediator-only routes, and routes
 * that also serve API clients verify them here against the pool's JWKS.
 */
import { secretFromEnv } from './config.ts';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';

// jose, and the JWKS whose creation loads Node's fetch (undici), only when a token is issued or checked:
// a cold start of a function serving API keys or the gateway-checked routes pays for neither.
let jose: Promise<typeof import('jose')> | undefined;
const loadJose = () => (jose ??= import('jose'));

export interface UserClaims {
  readonly username: string;
  readonly name: string;
  readonly role: string;
  readonly unitId: string;
}

const LOCAL_ISSUER = 'maodiaotong-local';
const AUDIENCE = 'maodiaotong';
export const TOKEN_TTL_SECONDS = 12 * 3600;

const cognitoPool = process.env.AUTH_MODE === 'cognito' ? process.env.COGNITO_USER_POOL_ID : undefined;
const cognitoIssuer = cognitoPool && `https://cognito-idp.${process.env.AWS_REGION ?? ''}.amazonaws.com/${cognitoPool}`;
let cognitoKeys: JWTVerifyGetKey | undefined;

// Read at start: in Lambda without Cognito a missing JWT_SECRET stops the function rather than sign with the local default.
const localKey = cognitoIssuer ? undefined : new TextEncoder().encode(secretFromEnv(process.env, 'JWT_SECRET', 'local-jwt-secret-change-me'));
const secret = () => {
  if (!localKey) throw new Error('tokens are issued by Cognito in this deployment');
  return localKey;
};

export async function issueToken(claims: UserClaims, now: Date): Promise<{ token: string; expiresAt: string }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const { SignJWT } = await loadJose();
  const token = await new SignJWT({ name: claims.name, role: claims.role, unitId: claims.unitId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.username)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TOKEN_TTL_SECONDS)
    .sign(secret());
  return { token, expiresAt: new Date((issuedAt + TOKEN_TTL_SECONDS) * 1000).toISOString() };
}

/** The username in claims API Gateway's JWT authorizer has already checked, or that we check here. */
export function usernameOf(claims: JWTPayload | Record<string, unknown>): string | undefined {
  const name = claims['cognito:username'] ?? claims.sub;
  return typeof name === 'string' && name ? name : undefined;
}

/** The username of a valid token, or undefined (expired, forged, malformed, wrong issuer). */
export async function verifyToken(token: string, now: Date): Promise<string | undefined> {
  const { createRemoteJWKSet, errors, jwtVerify } = await loadJose();
  try {
    if (cognitoIssuer) {
      cognitoKeys ??= createRemoteJWKSet(new URL(`${cognitoIssuer}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(token, cognitoKeys, {
        issuer: cognitoIssuer,
        audience: process.env.COGNITO_CLIENT_ID,
        currentDate: now,
      });
      return payload.token_use === 'id' ? usernameOf(payload) : undefined;
    }
    const { payload } = await jwtVerify(token, secret(), {
      issuer: LOCAL_ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    });
    return usernameOf(payload);
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}
