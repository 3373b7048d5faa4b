/** Everything a function reads from its environment, read once. */
export interface RuntimeConfig {
  readonly tableName: string;
  /** Queue URLs by the topology's queue name. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** SLA_TIME_SCALE: >1 makes every SLA clock run faster (local demos only). */
  readonly timeScale: number;
  /** Keys the reporter index hash so a phone number cannot be read back from it. */
  readonly hashSecret: string;
  /** The sweeper relays effects still pending after this long (the stream had its chance). */
  readonly relayBackstopMs: number;
  /**
   * SWEEP_LEASE_SECONDS: a warm sweeper sends a due case again, at the same version, only this long
   * after it sent it (real time, not the injected clock): the lost message's recovery.
   */
  readonly resendLeaseMs: number;
  /** How long a function uses the unit tree before checking its stamp again (TREE_CHECK_SECONDS). */
  readonly treeCheckMs: number;
  /**
   * How long after a change of the tree its cases are re-indexed (TREE_SETTLE_SECONDS): by then every
   * function has checked the stamp and every request begun with the old tree has ended.
   */
  readonly treeSettleMs: number;
}

export const QUEUE_URL_PREFIX = 'QUEUE_URL_';
/** `SECRET_ARN_<NAME>`: in AWS, the secret <NAME> is read from Secrets Manager at run time (shared/service/secrets.ts). */
export const SECRET_ARN_PREFIX = 'SECRET_ARN_';
/** The attachments bucket's name (set by the CDK stack and the local stack). */
export const ATTACHMENTS_BUCKET_ENV = 'ATTACHMENTS_BUCKET';

/** A secret missing in AWS: the function stops at start rather than run on a local default everyone knows. */
export class MissingSecret extends Error {
  constructor(
    readonly variable: string,
    cause?: unknown,
  ) {
    super(
      cause === undefined
        ? `${variable} is not set: refusing to start with the local default outside local mode`
        : `${variable} could not be read from Secrets Manager: refusing to run without it`,
      { cause },
    );
    this.name = 'MissingSecret';
  }
}

/** In Lambda (AWS_LAMBDA_FUNCTION_NAME is set) a secret must be given; only local mode falls back to its default. */
export function secretFromEnv(env: NodeJS.ProcessEnv, variable: string, localDefault: string): string {
  const value = env[variable];
  if (value) return value;
  if (env.AWS_LAMBDA_FUNCTION_NAME) throw new MissingSecret(variable);
  return localDefault;
}

/** At start, in Lambda: the secret is given, or named by its ARN to be read before each invocation. */
export function requireSecret(env: NodeJS.ProcessEnv, variable: string): void {
  if (env.AWS_LAMBDA_FUNCTION_NAME && !env[variable] && !env[SECRET_ARN_PREFIX + variable]) throw new MissingSecret(variable);
}

const seconds = (raw: string | undefined, fallback: number) => Math.max(0, Number(raw ?? String(fallback)) || 0) * 1000;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const queueUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(QUEUE_URL_PREFIX) && value) queueUrls[key.slice(QUEUE_URL_PREFIX.length).toLowerCase()] = value;
  }
  const timeScale = Number(env.SLA_TIME_SCALE ?? '1');
  requireSecret(env, 'HASH_SECRET');
  return {
    tableName: env.TABLE_NAME ?? 'maodiaotong',
    queueUrls,
    timeScale: Number.isFinite(timeScale) && timeScale > 0 ? timeScale : 1,
    // Read at each use: in AWS it is refreshed from Secrets Manager while the function runs.
    get hashSecret() {
      return secretFromEnv(env, 'HASH_SECRET', 'local-hash-secret');
    },
    relayBackstopMs: seconds(env.RELAY_BACKSTOP_SECONDS, 60),
    // The escalation queue's visibility timeout × its maxReceiveCount (180 s × 5, infra/topology.ts): until then a
    // message sent is still on the queue or being retried; past it, it may have gone to the DLQ, so it is sent again.
    resendLeaseMs: seconds(env.SWEEP_LEASE_SECONDS, 900),
    treeCheckMs: seconds(env.TREE_CHECK_SECONDS, 10),
    // The stamp check (10 s), plus the longest a function runs (the sweeper's 50 s: infra/stack.ts), plus a margin.
    treeSettleMs: seconds(env.TREE_SETTLE_SECONDS, 70),
  };
}
