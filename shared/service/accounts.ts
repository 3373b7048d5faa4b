/**
 * Accounts and their passwords. The table holds every account's profile (role,
 * unit, disabled), which access decisions read. Passwords live locally as
 * scrypt hashes, and in AWS (AUTH_MODE=cognito) in the Cognito user pool,
 * which also issues the tokens; the profile is mirrored to the user's
 * `custom:unitId` and `custom:role` claims.
 */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Account, Directory } from '../store/directory.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { issueToken } from './tokens.ts';

export interface Session {
  readonly token: string;
  readonly expiresAt: string;
}

/** Hashing even for an unknown user keeps the timing from telling which usernames exist. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA';

export interface Accounts {
  /** A session for valid credentials of an enabled account, else undefined. */
  login(username: string, password: string, now: Date): Promise<Session | undefined>;
  create(account: Omit<Account, 'passwordHash'>, password: string): Promise<Account>;
  update(existing: Account, changes: Partial<Omit<Account, 'passwordHash' | 'username'>>, password?: string): Promise<Account>;
}

export class LocalAccounts implements Accounts {
  constructor(private readonly directory: Directory) {}

  async login(username: string, password: string, now: Date): Promise<Session | undefined> {
    const account = await this.directory.account(username);
    const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
    if (!account || account.disabled || !ok) return undefined;
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

export class CognitoAccounts implements Accounts {
  constructor(
    private readonly directory: Directory,
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly poolId: string,
    private readonly clientId: string,
  ) {}

  async login(username: string, password: string): Promise<Session | undefined> {
    const account = await this.directory.account(username);
    if (!account || account.disabled) return undefined;
    try {
      const result = await this.cognito.send(
        new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: this.clientId, AuthParameters: { USERNAME: username, PASSWORD: password } }),
      );
      const auth = result.AuthenticationResult;
      if (!auth?.IdToken) return undefined;
      return { token: auth.IdToken, expiresAt: new Date(Date.now() + (auth.ExpiresIn ?? 3600) * 1000).toISOString() };
    } catch (error) {
      if (error instanceof NotAuthorizedException || error instanceof UserNotFoundException) return undefined;
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
    return new CognitoAccounts(directory, new CognitoIdentityProviderClient({}), poolId, clientId);
  }
  return new LocalAccounts(directory);
}
