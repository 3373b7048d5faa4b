/**
 * Mediator tokens. Locally a JWT issuer (HS256, JWT_SECRET) signs for the
 * seeded accounts. In AWS (AUTH_MODE=cognito) Cognito issues ID tokens; the
 * HTTP API's JWT authorizer checks them on mediator-only routes, and routes
 * that also serve API clients verify them here against the pool's JWKS.
 */
import { randomUUID } from 'node:crypto';
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
/**
 * Local tokens. Cognito's last an hour, renewed for 12 h (infra/stack.ts
 * TOKEN_VALIDITY); locally the ID token keeps its 12 h, because demos and
 * tests move the server's clock by hours with a token in hand, and the
 * refresh token renews it for a day. The page renews either before it ends.
 */
export const TOKEN_TTL_SECONDS = 12 * 3600;
export const REFRESH_TTL_SECONDS = 24 * 3600;
/** A sign-in waiting for its TOTP code (the challenge's session). */
const CHALLENGE_TTL_SECONDS = 5 * 60;
/** Each kind of local token is for one use only: its audience, so an ID token is never taken for a refresh token. */
const REFRESH_AUDIENCE = 'maodiaotong-refresh';
const CHALLENGE_AUDIENCE = 'maodiaotong-mfa';

/**
 * Officers and admins must sign in with TOTP (MFA_REQUIRED, `on` by default
 * in AWS — the stack sets it — and `off` by default locally, so the demo's
 * accounts sign in with a password alone; README "Sign-in").
 */
export function mfaRequiredFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env.MFA_REQUIRED?.toLowerCase();
  if (value === 'on') return true;
  if (value === 'off') return false;
  if (value !== undefined) throw new Error(`MFA_REQUIRED must be on or off, not "${env.MFA_REQUIRED}"`);
  return env.AUTH_MODE === 'cognito';
}
export const mfaRequired = mfaRequiredFromEnv(process.env);

const cognitoPool = process.env.AUTH_MODE === 'cognito' ? process.env.COGNITO_USER_POOL_ID : undefined;
const cognitoIssuer = cognitoPool && `https://cognito-idp.${process.env.AWS_REGION ?? ''}.amazonaws.com/${cognitoPool}`;
let cognitoKeys: JWTVerifyGetKey | undefined;

// Read at start: in Lambda without Cognito a missing JWT_SECRET stops the function rather than sign with the local default.
const localKey = cognitoIssuer ? undefined : new TextEncoder().encode(secretFromEnv(process.env, 'JWT_SECRET', 'local-jwt-secret-change-me'));
const secret = () => {
  if (!localKey) throw new Error('tokens are issued by Cognito in this deployment');
  return localKey;
};

export function issueToken(claims: UserClaims, now: Date): Promise<{ token: string; expiresAt: string }> {
  return signLocal(claims.username, AUDIENCE, TOKEN_TTL_SECONDS, now, { name: claims.name, role: claims.role, unitId: claims.unitId });
}

async function signLocal(subject: string, audience: string, ttl: number, now: Date, claims: Record<string, unknown> = {}): Promise<{ token: string; expiresAt: string }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const { SignJWT } = await loadJose();
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    // Each token its own, even two issued in the same second (a renewal right after sign-in is a new token).
    .setJti(randomUUID())
    .setExpirationTime(issuedAt + ttl)
    .sign(secret());
  return { token, expiresAt: new Date((issuedAt + ttl) * 1000).toISOString() };
}

async function verifyLocal(token: string, audience: string, now: Date): Promise<JWTPayload | undefined> {
  const { errors, jwtVerify } = await loadJose();
  try {
    const { payload } = await jwtVerify(token, secret(), { issuer: LOCAL_ISSUER, audience, algorithms: ['HS256'], currentDate: now });
    return payload;
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}

/** A local refresh token: renews the ID token until 12 h after sign-in. */
export const issueRefreshToken = (username: string, now: Date) => signLocal(username, REFRESH_AUDIENCE, REFRESH_TTL_SECONDS, now);

export async function verifyRefreshToken(token: string, now: Date): Promise<string | undefined> {
  return (await verifyLocal(token, REFRESH_AUDIENCE, now))?.sub;
}

export type MfaChallenge = 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP';

/** A local challenge's session: whose sign-in, which challenge, and for MFA_SETUP the secret being set up. */
export async function issueChallengeSession(username: string, challenge: MfaChallenge, now: Date, secretCode?: string): Promise<string> {
  return (await signLocal(username, CHALLENGE_AUDIENCE, CHALLENGE_TTL_SECONDS, now, { challenge, ...(secretCode ? { secretCode } : {}) })).token;
}

export async function verifyChallengeSession(token: string, now: Date): Promise<{ username: string; challenge: MfaChallenge; secretCode?: string } | undefined> {
  const payload = await verifyLocal(token, CHALLENGE_AUDIENCE, now);
  if (!payload?.sub || (payload.challenge !== 'SOFTWARE_TOKEN_MFA' && payload.challenge !== 'MFA_SETUP')) return undefined;
  return { username: payload.sub, challenge: payload.challenge, ...(typeof payload.secretCode === 'string' ? { secretCode: payload.secretCode } : {}) };
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
    const payload = await verifyLocal(token, AUDIENCE, now);
    return payload && usernameOf(payload);
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}
