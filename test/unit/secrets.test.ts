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
