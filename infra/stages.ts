/**
 * Per-stage settings, from the CDK context: `-c stage=dev|prod` (dev when
 * absent), `-c region=…`, and who hears the alarms (`alarmEmails`,
 * `alarmSms`, `alarmHttps`: a list, or a comma-separated string on the
 * command line). Everything that differs between a try-out stack and the one
 * a township relies on is here, so the stack reads one object.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

export const STAGE_NAMES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface StageSettings {
  readonly name: StageName;
  /** Lambda and API access logs. */
  readonly logRetention: RetentionDays;
  /** Of what holds residents' data (table, secrets, user pool, bucket): kept in prod even when the stack goes. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** Reserved concurrency per function (prod only: a dev account's default pool of 10 cannot hold reservations). */
  readonly reserveConcurrency: boolean;
  /** Gradual deploys of the API functions (prod); dev shifts at once. */
  readonly gradualDeploys: boolean;
  readonly alarmEmails: readonly string[];
  readonly alarmSms: readonly string[];
  readonly alarmHttps: readonly string[];
  /** Where the Cognito hosted UI may send a signed-in mediator back to (none: no hosted-UI flow at all). */
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  /** Powertools log level of the functions: `-c logLevel=DEBUG` for a closer look; INFO by default. */
  readonly logLevel: string;
}

/** A context value given as a list (cdk.json) or a comma-separated string (`-c alarmEmails=a@x,b@y`). */
export function contextList(node: Node, key: string): string[] {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  throw new Error(`context "${key}" must be a list or a comma-separated string`);
}

export function stageSettings(node: Node): StageSettings {
  const raw: unknown = node.tryGetContext('stage') ?? 'dev';
  if (!STAGE_NAMES.includes(raw as StageName)) throw new Error(`context "stage" must be one of ${STAGE_NAMES.join(', ')}, not "${String(raw)}"`);
  const name = raw as StageName;
  const prod = name === 'prod';
  const https = contextList(node, 'alarmHttps');
  for (const url of [...https, ...contextList(node, 'callbackUrls'), ...contextList(node, 'logoutUrls')]) {
    if (!url.startsWith('https://') && !url.startsWith('http://localhost')) throw new Error(`"${url}" is not an https:// URL`);
  }
  const logLevel: unknown = node.tryGetContext('logLevel') ?? 'INFO';
  return {
    name,
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    reserveConcurrency: prod,
    gradualDeploys: prod,
    alarmEmails: contextList(node, 'alarmEmails'),
    alarmSms: contextList(node, 'alarmSms'),
    alarmHttps: https,
    callbackUrls: contextList(node, 'callbackUrls'),
    logoutUrls: contextList(node, 'logoutUrls'),
    logLevel: String(logLevel).toUpperCase(),
  };
}

/**
 * The region from `-c region=…`. Without it the stack is region-agnostic (the
 * template says AWS::Region, and deploys where the CLI is pointed), rather than
 * baking in whatever region the synthesizing machine defaults to.
 */
export function regionOf(node: Node): string | undefined {
  const region: unknown = node.tryGetContext('region');
  return typeof region === 'string' && region ? region : undefined;
}
