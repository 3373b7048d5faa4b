/**
 * Operations as synthesized (issue 12.1, 12.5–12.7): the alarms and the metrics they read, where
 * they go, the dashboard, gradual deploys rolled back on them, per-stage settings, queues and
 * concurrency, and the Cognito pool. One synth per stage.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LIVE_ALIAS, MaodiaotongStack, TOKEN_VALIDITY } from '../../infra/stack.ts';
import { FUNCTIONS, QUEUES, VISIBILITY_PER_TIMEOUT, functionList } from '../../infra/topology.ts';
import { PASSWORD_MIN_LENGTH } from '../../shared/domain/registry.ts';
import { retryWindowSeconds } from '../../shared/queue/backoff.ts';
import { mfaRequiredFromEnv } from '../../shared/service/tokens.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

function synth(context: Record<string, unknown>) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new MaodiaotongStack(app, 'Ops');
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, { Type: string; Properties: any; DeletionPolicy?: string }> };
}

const ofType = (resources: Record<string, { Type: string; Properties: any }>, type: string) =>
  Object.values(resources).filter((r) => r.Type === type);

/** An alarm's metric as `Namespace/MetricName`, or the names inside its math expression. */
function metricsOf(alarm: { Properties: any }): string[] {
  const p = alarm.Properties;
  if (p.MetricName) return [`${p.Namespace}/${p.MetricName}`];
  return (p.Metrics as { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[])
    .flatMap((m) => (m.MetricStat ? [`${m.MetricStat.Metric.Namespace}/${m.MetricStat.Metric.MetricName}`] : []));
}

describe('operations in prod', () => {
  const { stack, resources } = synth({
    stage: 'prod',
    alarmEmails: 'duty@township.example,lead@township.example',
    alarmSms: ['+8613800138000'],
    alarmHttps: 'https://robot.township.example/sns',
    callbackUrls: 'https://cases.township.example/admin',
  });
  const topicId = stack.getLogicalId(stack.operations.topic.node.defaultChild as never);
  const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
  const names = Object.keys(stack.operations.alarms).sort();

  it('sends every alarm, and its recovery, to one SSL-only topic with the subscribers from the context', () => {
    expect(alarms).toHaveLength(names.length);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
    const subscriptions = ofType(resources, 'AWS::SNS::Subscription').map((s) => `${s.Properties.Protocol} ${s.Properties.Endpoint}`);
    expect(subscriptions.sort()).toEqual([
      'email duty@township.example',
      'email lead@township.example',
      'https https://robot.township.example/sns',
      'sms +8613800138000',
    ]);
    const policy = ofType(resources, 'AWS::SNS::TopicPolicy')[0]!.Properties.PolicyDocument.Statement[0];
    expect(policy).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('has this list of alarms: DLQs, queue age, each function\'s errors and throttles, the sweeper, the API, DynamoDB, the business signal', () => {
    const fns = functionList().map(([n]) => n);
    const queues = Object.keys(QUEUES);
    expect(names).toEqual(
      [
        ...[...queues, 'relay-stream'].map((q) => `dlq:${q}`),
        ...queues.map((q) => `age:${q}`),
        ...fns.flatMap((f) => [`errors:${f}`, `throttles:${f}`]),
        'sweeper-not-running',
        'api-5xx',
        'api-p99',
        'dynamodb-throttles',
        'dynamodb-system-errors',
        'overdue-at-township',
      ].sort(),
    );
  });

  it('reads these metrics', () => {
    const metrics = new Set(alarms.flatMap(metricsOf));
    expect([...metrics].sort()).toEqual([
      'AWS/ApiGateway/5xx',
      'AWS/ApiGateway/Count',
      'AWS/ApiGateway/Latency',
      'AWS/DynamoDB/ReadThrottleEvents',
      'AWS/DynamoDB/SystemErrors',
      'AWS/DynamoDB/WriteThrottleEvents',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Invocations',
      'AWS/Lambda/Throttles',
      'AWS/SQS/ApproximateAgeOfOldestMessage',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'Maodiaotong/OverdueAtTownship',
    ]);
    const overdue = alarms.find((a) => a.Properties.MetricName === 'OverdueAtTownship')!;
    // Powertools Metrics adds the service dimension to every metric it emits.
    expect(overdue.Properties.Dimensions).toEqual([{ Name: 'service', Value: 'maodiaotong' }]);
    const sweeper = stack.operations.alarms['sweeper-not-running']!.node.defaultChild as never;
    expect(resources[stack.getLogicalId(sweeper)]!.Properties).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching' });
  });

  it('lets the callback queue hold a message for its whole backoff before its age alarms', () => {
    const age = resources[stack.getLogicalId(stack.operations.alarms['age:callback']!.node.defaultChild as never)]!;
    const window = retryWindowSeconds(QUEUES.callback.visibilityTimeoutSeconds, QUEUES.callback.maxReceiveCount);
    expect(age.Properties.Threshold).toBeGreaterThan(window);
    // The design's ~4 h of retries survives the 6× visibility rule.
    expect(window / 3600).toBeGreaterThan(3.5);
    expect(window / 3600).toBeLessThan(5);
  });

  it('draws a dashboard of the same metrics', () => {
    const [dashboard] = ofType(resources, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const metric of ['5xx', 'Latency', 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'ReadThrottleEvents', 'OverdueAtTownship']) {
      expect(body, metric).toContain(metric);
    }
  });

  it('deploys each API function to its live alias by CodeDeploy canary, rolled back on its errors alarm and the API 5xx alarm', () => {
    const http = functionList().filter(([, d]) => d.kind === 'http');
    const aliases = ofType(resources, 'AWS::Lambda::Alias');
    expect(aliases).toHaveLength(http.length);
    for (const a of aliases) expect(a.Properties.Name).toBe(LIVE_ALIAS);
    const groups = ofType(resources, 'AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(http.length);
    const api5xx = stack.getLogicalId(stack.operations.api5xxAlarm.node.defaultChild as never);
    for (const [name] of http) {
      const errors = stack.getLogicalId(stack.operations.functionErrorAlarms[name]!.node.defaultChild as never);
      const group = groups.find((g) => JSON.stringify(g.Properties.AlarmConfiguration).includes(errors));
      expect(group, name).toBeDefined();
      expect(group!.Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes');
      expect(group!.Properties.AlarmConfiguration.Alarms).toEqual([{ Name: { Ref: errors } }, { Name: { Ref: api5xx } }]);
      expect(group!.Properties.AutoRollbackConfiguration.Events.sort()).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST']);
    }
  });

  it('keeps data in prod: table retained with deletion protection, the hash secret with it, a year of logs', () => {
    const [table] = Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(table!.DeletionPolicy).toBe('Retain');
    expect(table!.Properties.DeletionProtectionEnabled).toBe(true);
    const hash = Object.entries(resources).find(([id]) => id.startsWith('HashSecret'))![1];
    expect(hash.DeletionPolicy).toBe('Retain');
    const pool = ofType(resources, 'AWS::Cognito::UserPool')[0]!;
    expect(pool.Properties.DeletionProtection).toBe('ACTIVE');
    for (const g of ofType(resources, 'AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(365);
  });

  it('gives workers a visibility of 6× their timeout and a maxConcurrency, and caps the resident entry points', () => {
    for (const [name, def] of functionList()) {
      if (def.kind !== 'worker') continue;
      expect(QUEUES[def.consumes].visibilityTimeoutSeconds, name).toBeGreaterThanOrEqual(VISIBILITY_PER_TIMEOUT * (def.timeoutSeconds ?? 30));
    }
    const mappings = ofType(resources, 'AWS::Lambda::EventSourceMapping').filter((m) => m.Properties.ScalingConfig);
    expect(mappings.map((m) => m.Properties.ScalingConfig.MaximumConcurrency).sort()).toEqual(
      functionList().flatMap(([, d]) => (d.kind === 'worker' ? [d.maxConcurrency] : [])).sort(),
    );
    const reserved = Object.fromEntries(
      functionList().map(([name]) => [name, resources[stack.getLogicalId(stack.functions[name]!.node.defaultChild as never)]!.Properties.ReservedConcurrentExecutions]),
    );
    expect(Object.fromEntries(Object.entries(reserved).filter(([, v]) => v !== undefined))).toEqual({ intake: 20, track: 20, wechat: 20, sms: 20, open311: 10 });
    expect(FUNCTIONS.actions).not.toHaveProperty('reservedConcurrency');
  });

  it('signs mediators in with 12-character passwords, TOTP offered by the pool and required of officers and admins by every function, 1 h tokens with refresh, and the code grant only', () => {
    const pool = ofType(resources, 'AWS::Cognito::UserPool')[0]!.Properties;
    expect(pool.Policies.PasswordPolicy).toMatchObject({ MinimumLength: PASSWORD_MIN_LENGTH });
    expect(PASSWORD_MIN_LENGTH).toBeGreaterThanOrEqual(12);
    expect(pool.MfaConfiguration).toBe('OPTIONAL');
    expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    const client = ofType(resources, 'AWS::Cognito::UserPoolClient')[0]!.Properties;
    expect(client).toMatchObject({
      IdTokenValidity: TOKEN_VALIDITY.idHours * 60,
      AccessTokenValidity: TOKEN_VALIDITY.accessHours * 60,
      RefreshTokenValidity: TOKEN_VALIDITY.refreshHours * 60,
      AllowedOAuthFlows: ['code'],
      CallbackURLs: ['https://cases.township.example/admin'],
      EnableTokenRevocation: true,
    });
    expect(JSON.stringify(client)).not.toContain('example.com');
    expect(client.AllowedOAuthFlows).not.toContain('implicit');
    // Optional in the pool; required of officers and admins by every function (the API refuses their tokens without TOTP).
    const ours = ofType(resources, 'AWS::Lambda::Function').filter((x) => x.Properties.Environment?.Variables?.AUTH_MODE === 'cognito');
    expect(ours).toHaveLength(functionList().length);
    for (const f of ours) expect(f.Properties.Environment.Variables.MFA_REQUIRED).toBe('on');
    expect(mfaRequiredFromEnv({ AUTH_MODE: 'cognito' })).toBe(true);
    expect(mfaRequiredFromEnv({})).toBe(false);
  });
});

describe('operations in dev (the default)', () => {
  const { resources } = synth({});

  it('lets the stack go with its data, keeps a month of logs, deploys at once, reserves nothing, offers no OAuth', () => {
    const [table] = Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(table!.DeletionPolicy).toBe('Delete');
    expect(table!.Properties.DeletionProtectionEnabled).toBe(false);
    for (const g of ofType(resources, 'AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(30);
    for (const g of ofType(resources, 'AWS::CodeDeploy::DeploymentGroup')) expect(g.Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaAllAtOnce');
    for (const f of ofType(resources, 'AWS::Lambda::Function')) expect(f.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(ofType(resources, 'AWS::SNS::Subscription')).toEqual([]);
    const client = ofType(resources, 'AWS::Cognito::UserPoolClient')[0]!.Properties;
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(client.CallbackURLs).toBeUndefined();
  });

  it('refuses an unknown stage and a plain-http subscriber', () => {
    expect(() => synth({ stage: 'staging' })).toThrow(/stage/);
    expect(() => synth({ alarmHttps: 'http://robot.example/x' })).toThrow(/https/);
  });
});
