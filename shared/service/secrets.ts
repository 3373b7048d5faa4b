/**
 * Secrets read at run time. In AWS a function gets `SECRET_ARN_<NAME>` (the
 * secret's ARN, never its value); before each invocation the `lambda()`
 * wrapper reads them through Powertools Parameters, cached for
 * SECRET_MAX_AGE_SECONDS, into `process.env[<NAME>]`, where the code reads
 * them as it does locally. So a `put-secret-value` is seen within that time
 * without a deploy. Locally there are no ARNs and the environment's values
 * stand. A secret that cannot be read fails the invocation (fail closed).
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { MissingSecret, SECRET_ARN_PREFIX } from './config.ts';

/** How long a value read from Secrets Manager is used before it is read again. */
export const SECRET_MAX_AGE_SECONDS = 300;

export type SecretReader = (arn: string) => Promise<unknown>;

// Loaded at the first read, not at import: its client is a chunk of its own (infra/bundling.ts), off the import time of every function.
let provider: Promise<SecretsProvider> | undefined;
async function secretsProvider(): Promise<SecretsProvider> {
  const [{ SecretsProvider }, { SecretsManagerClient }] = await Promise.all([
    import('@aws-lambda-powertools/parameters/secrets'),
    import('@aws-sdk/client-secrets-manager'),
  ]);
  return new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
}
const readFromSecretsManager: SecretReader = async (arn) => {
  provider ??= secretsProvider();
  return (await provider).get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
};

/** Bumped whenever a secret's value changes, so what was built from the old one is rebuilt (`perSecrets`). */
let generation = 0;

/**
 * The `SECRET_ARN_<NAME>` entries of `env`, found once per environment: they are set at deploy time, and
 * enumerating process.env (a call into the runtime per variable) before every invocation was a cost of its own.
 */
const arnsOf = new WeakMap<NodeJS.ProcessEnv, [string, string | undefined][]>();
function secretArns(env: NodeJS.ProcessEnv): [string, string | undefined][] {
  let arns = arnsOf.get(env);
  if (!arns) {
    arns = Object.entries(env).filter(([key, arn]) => key.startsWith(SECRET_ARN_PREFIX) && arn);
    arnsOf.set(env, arns);
  }
  return arns;
}

/** Reads every `SECRET_ARN_<NAME>` of `env` into `env[<NAME>]`; throws MissingSecret for one that is empty or unreadable. */
export async function refreshSecrets(env: NodeJS.ProcessEnv = process.env, read: SecretReader = readFromSecretsManager): Promise<void> {
  const wanted = secretArns(env);
  if (wanted.length === 0) return;
  const values = await Promise.all(
    wanted.map(async ([key, arn]) => {
      const name = key.slice(SECRET_ARN_PREFIX.length);
      const value = await read(arn!).catch((error: unknown) => {
        throw new MissingSecret(name, error);
      });
      if (typeof value !== 'string' || value === '') throw new MissingSecret(name);
      return [name, value] as const;
    }),
  );
  for (const [name, value] of values) {
    if (env[name] === value) continue;
    env[name] = value;
    generation++;
  }
}

/** `build()` once, and again after a secret changed: for what is made from secrets (signers, channel settings). */
export function perSecrets<T>(build: () => T): () => T {
  let built: { generation: number; value: T } | undefined;
  return () => {
    if (built?.generation !== generation) built = { generation, value: build() };
    return built.value;
  };
}
