/** AUTH_MODE=cognito (AWS): login through Cognito, API Gateway's JWT claims trusted, accounts mirrored to the pool. */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
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
    if (sk === 'USER#admin') return { Item: account('admin', 'admin', 'hp') };
    if (sk === 'USER#liaison') return { Item: account('liaison', 'liaison', 'hp-xf-yg-1') };
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
