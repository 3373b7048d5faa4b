/** AUTH_MODE=cognito (AWS): login through Cognito, API Gateway's JWT claims trusted, accounts mirrored to the pool. */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  AssociateSoftwareTokenCommand,
  CodeMismatchException,
  CognitoIdentityProviderClient,
  GetUserCommand,
  InitiateAuthCommand,
  NotAuthorizedException,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEvent, context, directoryItems } from '../support/handler.ts';

vi.hoisted(() => {
  Object.assign(process.env, { AUTH_MODE: 'cognito', COGNITO_USER_POOL_ID: 'cn-north-1_pool', COGNITO_CLIENT_ID: 'client-1', AWS_REGION: 'cn-north-1' });
});

const { handler: auth } = await import('../../functions/auth/handler.ts');
const { handler: directoryFn } = await import('../../functions/directory/handler.ts');

const ddb = mockClient(DynamoDBClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const account = (username: string, role: string, unitId: string, extra: Record<string, unknown> = {}) =>
  marshall({ pk: 'USERS', sk: `USER#${username}`, username, displayName: username, role, unitId, passwordHash: '', ...extra });

beforeEach(() => {
  ddb.reset();
  cognito.reset();
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  ddb.on(GetItemCommand).callsFake((input: { Key: { sk: { S: string } } }) => {
    const sk = input.Key.sk.S;
    if (sk === 'USER#admin') return { Item: account('admin', 'admin', 'hp', { mfa: { enrolledAt: '2026-01-01T00:00:00.000Z' } }) };
    if (sk === 'USER#new-admin') return { Item: account('new-admin', 'admin', 'hp') };
    if (sk === 'USER#liaison') return { Item: account('liaison', 'liaison', 'hp-xf-yg-1') };
    if (sk === 'USER#officer') return { Item: account('officer', 'officer', 'hp', { mfa: { enrolledAt: '2026-01-01T00:00:00.000Z' } }) };
    return {};
  });
  ddb.on(BatchGetItemCommand).resolves({ Responses: {} });
  ddb.on(PutItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
});

describe('login through Cognito', () => {
  it('returns the Cognito ID token for good credentials', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: 'header.payload.signature', ExpiresIn: 3600 } });
    const res = await auth(apiEvent('POST /v1/auth/login', { body: { username: 'liaison', password: 'secret-password' } }), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toMatchObject({ token: 'header.payload.signature', user: { username: 'liaison', role: 'liaison', unitId: 'hp-xf-yg-1' } });
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-1',
      AuthParameters: { USERNAME: 'liaison', PASSWORD: 'secret-password' },
    });
  });

  it('answers 401 for a wrong password and counts the failure', async () => {
    cognito.on(InitiateAuthCommand).rejects(new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} }));
    const res = await auth(apiEvent('POST /v1/auth/login', { body: { username: 'liaison', password: 'wrong' } }), context);
    expect(res.statusCode).toBe(401);
    expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
  });

  it('trusts the claims API Gateway checked, and reads role and unit from the account', async () => {
    const event = apiEvent('GET /v1/me', { headers: { authorization: 'Bearer a.b.c' } });
    (event.requestContext as unknown as Record<string, unknown>).authorizer = { jwt: { claims: { 'cognito:username': 'liaison', 'custom:role': 'admin' }, scopes: null } };
    const res = await auth(event, context);
    expect(res.statusCode).toBe(200);
    // The claim says admin; the account says liaison, and the account wins.
    expect(JSON.parse(res.body ?? '')).toMatchObject({ username: 'liaison', role: 'liaison' });
  });

  it('refuses a token it cannot verify when API Gateway did not check it', async () => {
    const res = await auth(apiEvent('GET /v1/me', { headers: { authorization: 'Bearer not.a.token' } }), context);
    expect(res.statusCode).toBe(401);
  });
});

describe('TOTP for officers and admins (MFA_REQUIRED is on with Cognito)', () => {
  const body = (res: { body?: string }) => JSON.parse(res.body ?? '') as Record<string, unknown>;
  const withClaims = (username: string) => {
    const event = apiEvent('GET /v1/me', { headers: { authorization: 'Bearer a.b.c' } });
    (event.requestContext as unknown as Record<string, unknown>).authorizer = { jwt: { claims: { 'cognito:username': username, token_use: 'id' }, scopes: null } };
    return event;
  };

  it('gives an admin without TOTP no token: an MFA_SETUP challenge with the secret to set up', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: 'id.token.x', AccessToken: 'access.token.x', RefreshToken: 'refresh-x', ExpiresIn: 3600 } });
    cognito.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'SECRETCODE234' });
    const res = await auth(apiEvent('POST /v1/auth/login', { body: { username: 'new-admin', password: 'secret-password' } }), context);
    expect(res.statusCode).toBe(200);
    const reply = body(res);
    expect(reply).toMatchObject({ challenge: 'MFA_SETUP', secretCode: 'SECRETCODE234' });
    expect(reply.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=SECRETCODE234/);
    expect(reply).not.toHaveProperty('token');
    expect(res.body).not.toContain('id.token.x');
    expect(cognito).toHaveReceivedCommandWith(AssociateSoftwareTokenCommand, { AccessToken: 'access.token.x' });
  });

  it('sets TOTP up with the first right code, records it on the account, and only then gives the token', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: 'id.token.x', AccessToken: 'access.token.x', RefreshToken: 'refresh-x', ExpiresIn: 3600 } });
    cognito.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'SECRETCODE234' });
    const { session } = body(await auth(apiEvent('POST /v1/auth/login', { body: { username: 'new-admin', password: 'secret-password' } }), context));
    cognito.on(GetUserCommand).resolves({ Username: 'new-admin', UserAttributes: [] });
    cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS' });
    cognito.on(SetUserMFAPreferenceCommand).resolves({});
    cognito.on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' }).resolves({ AuthenticationResult: { IdToken: 'id.after.setup', ExpiresIn: 3600 } });
    const res = await auth(apiEvent('POST /v1/auth/challenge', { body: { username: 'new-admin', session, code: '123456' } }), context);
    expect(res.statusCode).toBe(200);
    expect(body(res)).toMatchObject({ token: 'id.after.setup', refreshToken: 'refresh-x', user: { username: 'new-admin' } });
    expect(cognito).toHaveReceivedCommandWith(VerifySoftwareTokenCommand, { AccessToken: 'access.token.x', UserCode: '123456' });
    expect(cognito).toHaveReceivedCommandWith(SetUserMFAPreferenceCommand, { AccessToken: 'access.token.x', SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
    const put = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item).find((i) => i?.sk?.S === 'USER#new-admin');
    expect(put?.mfa?.M?.enrolledAt?.S).toBeDefined();
  });

  it('refuses a wrong setup code, and a session held for another user', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: 'id.token.x', AccessToken: 'access.token.x', RefreshToken: 'refresh-x' } });
    cognito.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'SECRETCODE234' });
    const { session } = body(await auth(apiEvent('POST /v1/auth/login', { body: { username: 'new-admin', password: 'secret-password' } }), context));
    cognito.on(GetUserCommand).resolves({ Username: 'new-admin', UserAttributes: [] });
    cognito.on(VerifySoftwareTokenCommand).rejects(new CodeMismatchException({ message: 'Code mismatch', $metadata: {} }));
    expect((await auth(apiEvent('POST /v1/auth/challenge', { body: { username: 'new-admin', session, code: '000000' } }), context)).statusCode).toBe(401);
    expect((await auth(apiEvent('POST /v1/auth/challenge', { body: { username: 'officer', session, code: '000000' } }), context)).statusCode).toBe(401);
    expect(cognito).not.toHaveReceivedCommand(SetUserMFAPreferenceCommand);
    expect(ddb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.sk?.S?.startsWith('USER#'))).toHaveLength(0);
  });

  it('answers Cognito\'s SOFTWARE_TOKEN_MFA challenge with the code', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'cognito-session' });
    const asked = await auth(apiEvent('POST /v1/auth/login', { body: { username: 'officer', password: 'secret-password' } }), context);
    expect(body(asked)).toEqual({ challenge: 'SOFTWARE_TOKEN_MFA', session: 'cognito-session' });
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: { IdToken: 'id.with.mfa', RefreshToken: 'refresh-y', ExpiresIn: 3600 } });
    const res = await auth(apiEvent('POST /v1/auth/challenge', { body: { username: 'officer', session: 'cognito-session', code: '654321' } }), context);
    expect(body(res)).toMatchObject({ token: 'id.with.mfa', refreshToken: 'refresh-y' });
    expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, {
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: 'cognito-session',
      ChallengeResponses: { USERNAME: 'officer', SOFTWARE_TOKEN_MFA_CODE: '654321' },
    });
  });

  it('refuses an admin\'s ID token until TOTP is recorded, takes an officer\'s who has it, and never an access token', async () => {
    expect((await auth(withClaims('new-admin'), context)).statusCode).toBe(401);
    expect((await auth(withClaims('officer'), context)).statusCode).toBe(200);
    const access = withClaims('officer');
    (access.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, unknown> } } }).authorizer.jwt.claims.token_use = 'access';
    expect((await auth(access, context)).statusCode).toBe(401);
  });

  it('renews the ID token with the refresh token, and answers 401 when Cognito refuses it', async () => {
    cognito.on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'refresh-y' } }).resolves({ AuthenticationResult: { IdToken: 'id.renewed', ExpiresIn: 3600 } });
    const res = await auth(apiEvent('POST /v1/auth/refresh', { body: { refreshToken: 'refresh-y' } }), context);
    expect(res.statusCode).toBe(200);
    expect(body(res)).toMatchObject({ token: 'id.renewed' });
    expect(Date.parse(body(res).expiresAt as string)).toBeGreaterThan(Date.now() + 3500_000);
    cognito.on(InitiateAuthCommand).rejects(new NotAuthorizedException({ message: 'Refresh Token has been revoked', $metadata: {} }));
    expect((await auth(apiEvent('POST /v1/auth/refresh', { body: { refreshToken: 'revoked' } }), context)).statusCode).toBe(401);
  });

  it('refuses a code that is not six digits, naming the field', async () => {
    const res = await auth(apiEvent('POST /v1/auth/challenge', { body: { username: 'officer', session: 's', code: '12ab' } }), context);
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({ error: { issues: [{ path: 'code' }] } });
  });
});

describe('accounts mirrored to the user pool', () => {
  const asAdmin = (routeKey: string, body: unknown, pathParameters?: Record<string, string>) => {
    const event = apiEvent(routeKey, { body, headers: { authorization: 'Bearer a.b.c' }, pathParameters });
    (event.requestContext as unknown as Record<string, unknown>).authorizer = { jwt: { claims: { 'cognito:username': 'admin' }, scopes: null } };
    return event;
  };

  it('creates the Cognito user with unit and role claims and a permanent password; the table keeps no password', async () => {
    const res = await directoryFn(
      asAdmin('POST /v1/users', { username: 'new-liaison', displayName: '新联户长', role: 'liaison', unitId: 'hp-xf-yg-2', password: 'long-enough-pw' }),
      context,
    );
    expect(res.statusCode).toBe(201);
    expect(cognito).toHaveReceivedCommandWith(AdminCreateUserCommand, {
      UserPoolId: 'cn-north-1_pool',
      Username: 'new-liaison',
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'name', Value: '新联户长' },
        { Name: 'custom:role', Value: 'liaison' },
        { Name: 'custom:unitId', Value: 'hp-xf-yg-2' },
      ],
    });
    expect(cognito).toHaveReceivedCommandWith(AdminSetUserPasswordCommand, { Username: 'new-liaison', Password: 'long-enough-pw', Permanent: true });
    const put = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(put?.passwordHash?.S).toBe('');
  });

  it('disables the Cognito user when the account is disabled', async () => {
    const res = await directoryFn(asAdmin('PATCH /v1/users/{username}', { disabled: true }, { username: 'liaison' }), context);
    expect(res.statusCode).toBe(200);
    expect(cognito).toHaveReceivedCommandWith(AdminDisableUserCommand, { UserPoolId: 'cn-north-1_pool', Username: 'liaison' });
    expect(cognito).toHaveReceivedCommand(AdminUpdateUserAttributesCommand);
  });
});
