/**
 * Secrets read at run time: in AWS a function is given the secret's ARN, and
 * the lambda() wrapper reads the value from Secrets Manager (cached 5 min)
 * before each invocation. Shown on the SMS webhook, whose path carries
 * SMS_WEBHOOK_SECRET: a put-secret-value is honoured without a deploy, and a
 * secret that cannot be read fails the invocation rather than run without it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEvent, context } from '../support/handler.ts';

const SMS_ARN = 'arn:aws-cn:secretsmanager:cn-north-1:1:secret:SmsWebhookSecret-abc';
const HASH_ARN = 'arn:aws-cn:secretsmanager:cn-north-1:1:secret:HashSecret-def';

vi.hoisted(() => {
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'sms';
  process.env.SECRET_ARN_SMS_WEBHOOK_SECRET = 'arn:aws-cn:secretsmanager:cn-north-1:1:secret:SmsWebhookSecret-abc';
  process.env.SECRET_ARN_HASH_SECRET = 'arn:aws-cn:secretsmanager:cn-north-1:1:secret:HashSecret-def';
  delete process.env.SMS_WEBHOOK_SECRET;
  delete process.env.HASH_SECRET;
  process.env.QUEUE_URL_NOTIFY = 'https://sqs.cn-north-1.amazonaws.com.cn/1/notify';
});

const secrets = mockClient(SecretsManagerClient);
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
// Imported only now: the functions start with nothing but the ARNs (fail closed would stop them otherwise).
const { handler: sms } = await import('../../functions/sms/handler.ts');

/** A call to the Aliyun uplink with `secret` in its path; its body is not JSON, so one past the secret check answers 400. */
const call = (secret: string) =>
  sms(apiEvent('POST /webhooks/sms/{provider}/{secret}', { body: 'not json', pathParameters: { provider: 'aliyun', secret } }), context);

const stored = (values: Record<string, string>) =>
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({ SecretString: values[input.SecretId] }));

beforeEach(() => {
  ddb.reset();
  sqs.reset();
});

afterAll(() => {
  vi.useRealTimers();
  for (const name of ['AWS_LAMBDA_FUNCTION_NAME', 'SECRET_ARN_SMS_WEBHOOK_SECRET', 'SECRET_ARN_HASH_SECRET', 'SMS_WEBHOOK_SECRET', 'HASH_SECRET']) {
    delete process.env[name];
  }
});

describe('secrets read from Secrets Manager at run time', () => {
  it('a secret that cannot be read fails the invocation, naming it, before anything is touched', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(call('anything')).rejects.toThrow(/could not be read from Secrets Manager/);
    secrets.reset();
    stored({ [SMS_ARN]: '', [HASH_ARN]: 'hash-1' });
    await expect(call('anything')).rejects.toThrow(/SMS_WEBHOOK_SECRET is not set/);
    expect(ddb.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('the value in Secrets Manager is the one checked, read once for many invocations', async () => {
    secrets.reset();
    stored({ [SMS_ARN]: 'first-secret', [HASH_ARN]: 'hash-1' });
    expect((await call('first-secret')).statusCode).toBe(400);
    expect((await call('wrong')).statusCode).toBe(404);
    expect((await call('first-secret')).statusCode).toBe(400);
    expect(secrets.commandCalls(GetSecretValueCommand, { SecretId: SMS_ARN })).toHaveLength(1);
  });

  it('put-secret-value takes effect within five minutes, with no deploy', async () => {
    secrets.reset();
    stored({ [SMS_ARN]: 'second-secret', [HASH_ARN]: 'hash-1' });
    // Still cached: the old value stands for now.
    expect((await call('first-secret')).statusCode).toBe(400);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5 * 60_000 + 1000 });
    expect((await call('second-secret')).statusCode).toBe(400);
    expect((await call('first-secret')).statusCode).toBe(404);
    expect(secrets.commandCalls(GetSecretValueCommand, { SecretId: SMS_ARN })).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand, { SecretId: HASH_ARN })).toHaveLength(1);
  });
});
