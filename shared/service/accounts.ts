/**
 * Accounts and their passwords. The table holds every account's profile (role,
 * unit, disabled), which access decisions read. Passwords live locally as
 * scrypt hashes, and in AWS (AUTH_MODE=cognito) in the Cognito user pool,
 * which also issues the tokens; the profile is mirrored to the user's
 * `custom:unitId` and `custom:role` claims.
 *
 * Sign-in is one flow in both modes, Cognito's: a password, then — for an
 * account with TOTP set up — a SOFTWARE_TOKEN_MFA challenge answered with a
 * code; an officer or admin without TOTP (when MFA is required), or anyone
 * who asks, first gets an MFA_SETUP challenge with the secret to put in an
 * authenticator, answered with its first code. No token is given before the
 * challenge is answered. An hour's ID token is renewed with the refresh token.
 */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  AssociateSoftwareTokenCommand,
  CodeMismatchException,
  CognitoIdentityProviderClient,
  EnableSoftwareTokenMFAException,
  ExpiredCodeException,
  GetUserCommand,
  InitiateAuthCommand,
  NotAuthorizedException,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  UserNotFoundException,
  VerifySoftwareTokenCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomBytes } from 'node:crypto';
import { requiresMfa } from '../domain/index.ts';
import type { Account, Directory } from '../store/directory.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { issueChallengeSession, issueRefreshToken, issueToken, mfaRequiredFromEnv, verifyChallengeSession, verifyRefreshToken, type MfaChallenge } from './tokens.ts';
import { base32Encode, otpauthUri, verifyTotp } from './totp.ts';

export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  /** Renews the token (`POST /v1/auth/refresh`); absent on a renewed session, which keeps the first one. */
  readonly refreshToken?: string;
}

/** A sign-in that needs a TOTP code before any token: the session to answer with, and for MFA_SETUP the secret to set up. */
export interface Challenge {
  readonly challenge: MfaChallenge;
  readonly session: string;
  readonly secretCode?: string;
  readonly otpauthUri?: string;
}

export type LoginOutcome = { readonly session: Session } | { readonly challenge: Challenge };

/** What an authenticator app shows as the account's issuer. */
export const TOTP_ISSUER = '矛调通';

/** Hashing even for an unknown user keeps the timing from telling which usernames exist. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA';

export interface Accounts {
  /** The session, or the challenge to answer first, for valid credentials of an enabled account; else undefined. */
  login(username: string, password: string, now: Date, options?: { setupMfa?: boolean }): Promise<LoginOutcome | undefined>;
  /** The session for a right code to a challenge of this user's sign-in; undefined for a wrong code or a spent session. */
  answer(username: string, session: string, code: string, now: Date): Promise<Session | undefined>;
  /** A new ID token for a refresh token still valid, of an enabled account. */
  refresh(refreshToken: string, now: Date): Promise<Session | undefined>;
  create(account: Omit<Account, 'passwordHash'>, password: string): Promise<Account>;
  update(existing: Account, changes: Partial<Omit<Account, 'passwordHash' | 'username'>>, password?: string): Promise<Account>;
}

/** Whether this account must have TOTP before it is given a token. */
export const mustUseMfa = (account: Pick<Account, 'role'>, mfaRequired: boolean) => mfaRequired && requiresMfa(account.role);

export class LocalAccounts implements Accounts {
  constructor(
    private readonly directory: Directory,
    private readonly mfaRequired: boolean,
  ) {}

  private async session(account: Account, now: Date): Promise<Session> {
    const id = await issueToken({ username: account.username, name: account.displayName, role: account.role, unitId: account.unitId }, now);
    return { ...id, refreshToken: (await issueRefreshToken(account.username, now)).token };
  }

  async login(username: string, password: string, now: Date, options: { setupMfa?: boolean } = {}): Promise<LoginOutcome | undefined> {
    const account = await this.directory.account(username);
    const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
    if (!account || account.disabled || !ok) return undefined;
    if (account.mfa?.secret) return { challenge: { challenge: 'SOFTWARE_TOKEN_MFA', session: await issueChallengeSession(username, 'SOFTWARE_TOKEN_MFA', now) } };
    if (mustUseMfa(account, this.mfaRequired) || options.setupMfa) {
      const secretCode = base32Encode(randomBytes(20));
      return {
        challenge: { challenge: 'MFA_SETUP', session: await issueChallengeSession(username, 'MFA_SETUP', now, secretCode), secretCode, otpauthUri: otpauthUri(TOTP_ISSUER, username, secretCode) },
      };
    }
    return { session: await this.session(account, now) };
  }

  async answer(username: string, session: string, code: string, now: Date): Promise<Session | undefined> {
    const pending = await verifyChallengeSession(session, now);
    const account = await this.directory.account(username);
    if (!pending || pending.username !== username || !account || account.disabled) return undefined;
    if (pending.challenge === 'SOFTWARE_TOKEN_MFA') {
      return account.mfa?.secret && verifyTotp(account.mfa.secret, code, now) ? this.session(account, now) : undefined;
    }
    if (!pending.secretCode || !verifyTotp(pending.secretCode, code, now)) return undefined;
    const enrolled = { ...account, mfa: { enrolledAt: now.toISOString(), secret: pending.secretCode } };
    await this.directory.putAccount(enrolled);
    return this.session(enrolled, now);
  }

  async refresh(refreshToken: string, now: Date): Promise<Session | undefined> {
    const username = await verifyRefreshToken(refreshToken, now);
    const account = username === undefined ? undefined : await this.directory.account(username);
    if (!account || account.disabled) return undefined;
    return issueToken({ username: account.username, name: account.displayName, role: account.role, unitId: account.unitId }, now);
  }

  async create(profile: Omit<Account, 'passwordHash'>, password: string): Promise<Account> {
    const account = { ...profile, passwordHash: await hashPassword(password) };
    await this.directory.putAccount(account);
    return account;
  }

  async update(existing: Account, changes: Partial<Omit<Account, 'passwordHash' | 'username'>>, password?: string): Promise<Account> {
    const account = { ...existing, ...changes, ...(password ? { passwordHash: await hashPassword(password) } : {}) };
    await this.directory.putAccount(account);
    return account;
  }
}

/** Cognito's answer to a wrong code, a spent session or a refresh token revoked: the sign-in fails (401). */
const refused = (error: unknown) =>
  error instanceof NotAuthorizedException ||
  error instanceof UserNotFoundException ||
  error instanceof CodeMismatchException ||
  error instanceof ExpiredCodeException ||
  error instanceof EnableSoftwareTokenMFAException;

/**
 * Our MFA_SETUP session in AWS: the pool offers TOTP without requiring it
 * (Cognito cannot require it per group), so a password sign-in of an officer
 * or admin without TOTP succeeds at Cognito; its tokens are held back and
 * travel, opaque, as the challenge's session: the access token to set up and
 * verify the software token, the refresh token for the ID token given once
 * the first code is right. An ID token of such an account is refused by the
 * API until then (jwtAuth).
 */
const SETUP_PREFIX = 'setup.';
const setupSession = (auth: AuthenticationResultType) => SETUP_PREFIX + Buffer.from(JSON.stringify({ a: auth.AccessToken, r: auth.RefreshToken })).toString('base64url');
function fromSetupSession(session: string): { a: string; r: string } | undefined {
  if (!session.startsWith(SETUP_PREFIX)) return undefined;
  try {
    const held = JSON.parse(Buffer.from(session.slice(SETUP_PREFIX.length), 'base64url').toString('utf8')) as { a?: unknown; r?: unknown };
    return typeof held.a === 'string' && typeof held.r === 'string' ? { a: held.a, r: held.r } : undefined;
  } catch {
    return undefined;
  }
}

export class CognitoAccounts implements Accounts {
  constructor(
    private readonly directory: Directory,
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly poolId: string,
    private readonly clientId: string,
    private readonly mfaRequired: boolean,
  ) {}

  private session(auth: AuthenticationResultType | undefined, now: Date, refreshToken = auth?.RefreshToken): Session | undefined {
    if (!auth?.IdToken) return undefined;
    return { token: auth.IdToken, expiresAt: new Date(now.getTime() + (auth.ExpiresIn ?? 3600) * 1000).toISOString(), ...(refreshToken ? { refreshToken } : {}) };
  }

  async login(username: string, password: string, now: Date, options: { setupMfa?: boolean } = {}): Promise<LoginOutcome | undefined> {
    const account = await this.directory.account(username);
    if (!account || account.disabled) return undefined;
    try {
      const result = await this.cognito.send(
        new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: this.clientId, AuthParameters: { USERNAME: username, PASSWORD: password } }),
      );
      if (result.ChallengeName === 'SOFTWARE_TOKEN_MFA' && result.Session) return { challenge: { challenge: 'SOFTWARE_TOKEN_MFA', session: result.Session } };
      const auth = result.AuthenticationResult;
      if (!auth?.IdToken) return undefined;
      if (!mustUseMfa(account, this.mfaRequired) && !options.setupMfa) return { session: this.session(auth, now)! };
      if (!auth.AccessToken) return undefined;
      const associated = await this.cognito.send(new AssociateSoftwareTokenCommand({ AccessToken: auth.AccessToken }));
      if (!associated.SecretCode) return undefined;
      return { challenge: { challenge: 'MFA_SETUP', session: setupSession(auth), secretCode: associated.SecretCode, otpauthUri: otpauthUri(TOTP_ISSUER, username, associated.SecretCode) } };
    } catch (error) {
      if (refused(error)) return undefined;
      throw error;
    }
  }

  async answer(username: string, session: string, code: string, now: Date): Promise<Session | undefined> {
    const account = await this.directory.account(username);
    if (!account || account.disabled) return undefined;
    try {
      const held = fromSetupSession(session);
      if (!held) {
        const result = await this.cognito.send(
          new RespondToAuthChallengeCommand({ ClientId: this.clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: session, ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code } }),
        );
        // Set up before this table recorded it (another path, or a crash after Cognito's answer): recorded now.
        if (result.AuthenticationResult && !account.mfa) await this.recordMfa(account, now);
        return this.session(result.AuthenticationResult, now);
      }
      // The held tokens are the sign-in of the user named, or nobody's.
      const user = await this.cognito.send(new GetUserCommand({ AccessToken: held.a }));
      if (user.Username !== username) return undefined;
      const verified = await this.cognito.send(new VerifySoftwareTokenCommand({ AccessToken: held.a, UserCode: code, FriendlyDeviceName: TOTP_ISSUER }));
      if (verified.Status !== 'SUCCESS') return undefined;
      // Preferred: from now on Cognito asks every sign-in of this user for a code.
      await this.cognito.send(new SetUserMFAPreferenceCommand({ AccessToken: held.a, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
      await this.recordMfa(account, now);
      const renewed = await this.cognito.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: this.clientId, AuthParameters: { REFRESH_TOKEN: held.r } }));
      return this.session(renewed.AuthenticationResult, now, held.r);
    } catch (error) {
      if (refused(error)) return undefined;
      throw error;
    }
  }

  private async recordMfa(account: Account, now: Date): Promise<void> {
    await this.directory.putAccount({ ...account, mfa: { enrolledAt: now.toISOString() } });
  }

  async refresh(refreshToken: string, now: Date): Promise<Session | undefined> {
    try {
      const result = await this.cognito.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: this.clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } }));
      // The refresh token stays the one given at sign-in (no rotation): the session's 12 h count from there.
      return this.session(result.AuthenticationResult, now, undefined);
    } catch (error) {
      if (refused(error)) return undefined;
      throw error;
    }
  }

  private attributes(a: Pick<Account, 'displayName' | 'role' | 'unitId'>) {
    return [
      { Name: 'name', Value: a.displayName },
      { Name: 'custom:role', Value: a.role },
      { Name: 'custom:unitId', Value: a.unitId },
    ];
  }

  async create(profile: Omit<Account, 'passwordHash'>, password: string): Promise<Account> {
    await this.cognito.send(
      new AdminCreateUserCommand({ UserPoolId: this.poolId, Username: profile.username, MessageAction: 'SUPPRESS', UserAttributes: this.attributes(profile) }),
    );
    await this.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: this.poolId, Username: profile.username, Password: password, Permanent: true }));
    // The table keeps the profile only; Cognito keeps the password.
    const account = { ...profile, passwordHash: '' };
    await this.directory.putAccount(account);
    return account;
  }

  async update(existing: Account, changes: Partial<Omit<Account, 'passwordHash' | 'username'>>, password?: string): Promise<Account> {
    const account = { ...existing, ...changes };
    await this.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: this.poolId, Username: existing.username, UserAttributes: this.attributes(account) }));
    if (changes.disabled !== undefined && changes.disabled !== (existing.disabled ?? false)) {
      const Command = changes.disabled ? AdminDisableUserCommand : AdminEnableUserCommand;
      await this.cognito.send(new Command({ UserPoolId: this.poolId, Username: existing.username }));
    }
    if (password) {
      await this.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: this.poolId, Username: existing.username, Password: password, Permanent: true }));
    }
    await this.directory.putAccount(account);
    return account;
  }
}

export function accountsFromEnv(directory: Directory, env: NodeJS.ProcessEnv = process.env): Accounts {
  if (env.AUTH_MODE === 'cognito') {
    const poolId = env.COGNITO_USER_POOL_ID;
    const clientId = env.COGNITO_CLIENT_ID;
    if (!poolId || !clientId) throw new Error('AUTH_MODE=cognito needs COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID');
    return new CognitoAccounts(directory, new CognitoIdentityProviderClient({}), poolId, clientId, mfaRequiredFromEnv(env));
  }
  return new LocalAccounts(directory, mfaRequiredFromEnv(env));
}
