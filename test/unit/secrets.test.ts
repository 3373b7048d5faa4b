import { describe, expect, it, vi } from 'vitest';
import { MissingSecret, configFromEnv, secretFromEnv } from '../../shared/service/config.ts';

describe('secrets fail closed outside local mode', () => {
  it('in Lambda a missing HASH_SECRET stops the configuration with the variable named', () => {
    expect(() => configFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'intake' })).toThrow(MissingSecret);
    expect(() => configFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'intake' })).toThrow(/HASH_SECRET is not set/);
    expect(() => configFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'intake', HASH_SECRET: '' })).toThrow(MissingSecret);
  });

  it('in Lambda a given secret is used, and locally the documented default', () => {
    expect(configFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'intake', HASH_SECRET: 'from-secrets-manager' }).hashSecret).toBe('from-secrets-manager');
    expect(configFromEnv({}).hashSecret).toBe('local-hash-secret');
    expect(secretFromEnv({}, 'JWT_SECRET', 'local-default')).toBe('local-default');
  });

  it('a function without Cognito and without JWT_SECRET fails at import in Lambda, not at the first forged token', async () => {
    vi.resetModules();
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'auth');
    vi.stubEnv('AUTH_MODE', '');
    vi.stubEnv('JWT_SECRET', '');
    try {
      await expect(import('../../shared/service/tokens.ts')).rejects.toThrow(/JWT_SECRET is not set/);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('with Cognito no local signing key is needed', async () => {
    vi.resetModules();
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'cases');
    vi.stubEnv('AUTH_MODE', 'cognito');
    vi.stubEnv('COGNITO_USER_POOL_ID', 'cn-north-1_pool');
    vi.stubEnv('AWS_REGION', 'cn-north-1');
    vi.stubEnv('JWT_SECRET', '');
    try {
      const tokens = await import('../../shared/service/tokens.ts');
      await expect(tokens.issueToken({ username: 'a', name: 'a', role: 'admin', unitId: 'x' }, new Date())).rejects.toThrow(/Cognito/);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe('secrets named by ARN (read from Secrets Manager at run time)', () => {
  it('an ARN lets the function start, and the secret is refused until it has been read', () => {
    const env: NodeJS.ProcessEnv = { AWS_LAMBDA_FUNCTION_NAME: 'intake', SECRET_ARN_HASH_SECRET: 'arn:aws-cn:secretsmanager:cn-north-1:1:secret:h' };
    const config = configFromEnv(env);
    expect(() => config.hashSecret).toThrow(/HASH_SECRET is not set/);
    env.HASH_SECRET = 'read-at-run-time';
    expect(config.hashSecret).toBe('read-at-run-time');
  });

  it('refreshSecrets puts each value in the environment, and what was built from a secret is rebuilt only when one changes', async () => {
    const { perSecrets, refreshSecrets } = await import('../../shared/service/secrets.ts');
    const env: NodeJS.ProcessEnv = { SECRET_ARN_WECHAT_TOKEN: 'arn:w', OTHER: 'x' };
    const stored: Record<string, string> = { 'arn:w': 'token-1' };
    const read = vi.fn(async (arn: string) => stored[arn]);
    let builds = 0;
    const signer = perSecrets(() => `${env.WECHAT_TOKEN}#${++builds}`);
    await refreshSecrets(env, read);
    expect(signer()).toBe('token-1#1');
    await refreshSecrets(env, read);
    expect(signer()).toBe('token-1#1');
    stored['arn:w'] = 'token-2';
    await refreshSecrets(env, read);
    expect(signer()).toBe('token-2#2');
    expect(read).toHaveBeenCalledWith('arn:w');
    await expect(refreshSecrets({ SECRET_ARN_SMS_WEBHOOK_SECRET: 'arn:s' }, async () => undefined)).rejects.toThrow(/SMS_WEBHOOK_SECRET is not set/);
  });
});
