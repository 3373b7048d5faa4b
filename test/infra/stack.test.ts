/**
 * CDK assertions on the AWS stack. Expected values come from the topology, so
 * the tests stay right when it grows. Bundling is skipped (no esbuild runs).
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { bundlingOptions, esbuildOptions, EXTERNAL_MODULES } from '../../infra/bundling.ts';
import {
  API_THROTTLE,
  CORS_ALLOW_HEADERS,
  COGNITO_ADMIN_ACTIONS,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  MaodiaotongStack,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
  type Topology,
} from '../../infra/stack.ts';
import { ACCESS_LOG_DAYS } from '../../infra/attachments-bucket.ts';
import {
  BUCKET,
  CHANNEL_SECRETS,
  FUNCTIONS,
  QUEUES,
  TABLE,
  functionList,
  queueUrlEnv,
  type FunctionDef,
  type QueueName,
} from '../../infra/topology.ts';

// Same feature flags as `cdk synth`, so the tests see the template that is deployed.
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

function synth(topology?: Topology, context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new MaodiaotongStack(app, 'Test', topology ? { topology } : {});
  return { stack, template: Template.fromStack(stack) };
}

/** The real topology's stack, synthesised once for every block that reads it (a synth costs seconds). */
let realStack: ReturnType<typeof synth> | undefined;
const real = () => (realStack ??= synth(undefined, { stage: 'prod' }));

type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: any };

const logicalId = (stack: MaodiaotongStack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

const asArray = <T,>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every IAM statement in the template: policies, managed policies, and roles' inline policies. */
function allStatements(template: Template): Statement[] {
  const out: Statement[] = [];
  for (const r of Object.values(template.toJSON().Resources as Record<string, Resource>)) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      out.push(...asArray<Statement>(r.Properties?.PolicyDocument?.Statement));
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of asArray<{ PolicyDocument: { Statement: Statement[] } }>(r.Properties?.Policies)) {
        out.push(...asArray(p.PolicyDocument.Statement));
      }
    }
  }
  return out;
}

/** Allowed actions of the policies attached to one function's role. */
function functionStatements(stack: MaodiaotongStack, template: Template, name: string): Statement[] {
  const fn = stack.functions[name];
  if (!fn?.role) throw new Error(`no function ${name}`);
  const roleId = logicalId(stack, fn.role);
  const out: Statement[] = [];
  for (const r of Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)) {
    const roles = asArray<{ Ref?: string }>(r.Properties?.Roles);
    if (roles.some((ref) => ref.Ref === roleId)) out.push(...asArray<Statement>(r.Properties?.PolicyDocument?.Statement));
  }
  return out.filter((s) => s.Effect === 'Allow');
}

const actionsOf = (statements: Statement[]) => new Set(statements.flatMap((s) => asArray(s.Action)));
const dynamoActions = (statements: Statement[]) => [...actionsOf(statements)].filter((a) => a.startsWith('dynamodb:')).sort();

/** What a stream consumer reads of the table's stream (CDK's grant for the event source). */
const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
const expectedTableActions = (def: FunctionDef): string[] =>
  [
    ...(def.table === 'none' ? [] : def.table === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]),
    ...(def.kind === 'stream' ? STREAM_READ_ACTIONS : []),
  ].sort();

const rateExpression = (minutes: number) => (minutes === 1 ? 'rate(1 minute)' : `rate(${minutes} minutes)`);

const httpFunctions = () =>
  functionList().filter((entry): entry is [typeof entry[0], Extract<FunctionDef, { kind: 'http' }>] => entry[1].kind === 'http');

/** A topology with every function kind and table access level, on the real handler files. */
const FAKE: Topology = {
  table: TABLE,
  queues: {
    escalation: { visibilityTimeoutSeconds: 190, maxReceiveCount: 3 },
    notify: { visibilityTimeoutSeconds: 45, maxReceiveCount: 7 },
    callback: { visibilityTimeoutSeconds: 30, maxReceiveCount: 4 },
    media: { visibilityTimeoutSeconds: 120, maxReceiveCount: 5 },
  },
  functions: {
    api: {
      kind: 'http',
      entry: FUNCTIONS.openapi.entry,
      description: 'catch-all',
      routes: ['$default', 'PATCH /v1/things/{id}'],
      table: 'read',
    },
    worker: {
      kind: 'worker',
      entry: FUNCTIONS.openapi.entry,
      description: 'escalation worker',
      consumes: 'escalation',
      sends: ['notify'],
      batchSize: 7,
      maxBatchingWindowSeconds: 3,
      maxConcurrency: 4,
      table: 'readWrite',
      writes: ['case'],
    },
    sweeper: {
      kind: 'scheduled',
      entry: FUNCTIONS.openapi.entry,
      description: 'sweeper',
      everyMinutes: 5,
      sends: ['escalation'],
      table: 'read',
      memoryMb: 1024,
      timeoutSeconds: 45,
    },
    ticker: {
      kind: 'scheduled',
      entry: FUNCTIONS.openapi.entry,
      description: 'no table',
      everyMinutes: 1,
      table: 'none',
    },
  },
};

describe('MaodiaotongStack with the real topology (prod)', () => {
  const { stack, template } = real();
  const resources = template.toJSON().Resources as Record<string, Resource>;

  it('routes every http route key to its own function\'s live alias through a 2.0 Lambda integration', () => {
    const expectedRoutes = httpFunctions().flatMap(([, def]) => def.routes);
    expect(expectedRoutes.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', expectedRoutes.length);

    for (const [name, def] of httpFunctions()) {
      const aliasId = stack.getLogicalId(stack.aliases[name]!.node.defaultChild as CfnResource);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: {
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { Ref: aliasId },
        },
      });
      const integrationIds = Object.keys(integrations);
      expect(integrationIds, `integration of ${name}`).toHaveLength(1);
      for (const routeKey of def.routes) {
        const routes = template.findResources('AWS::ApiGatewayV2::Route', {
          Properties: {
            RouteKey: routeKey,
            Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]] },
          },
        });
        expect(Object.keys(routes), `route ${routeKey} → ${name}`).toHaveLength(1);
      }
    }
  });

  it('allows the API headers in CORS and throttles the $default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowHeaders: Match.arrayWith([...CORS_ALLOW_HEADERS]),
        AllowMethods: Match.arrayWith(
          [...new Set(httpFunctions().flatMap(([, d]) => d.routes.filter((r) => r !== '$default').map((r) => r.split(' ')[0]!)))],
        ),
      }),
    });
    expect(CORS_ALLOW_HEADERS).toEqual(['Authorization', 'Content-Type', 'Idempotency-Key']);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
    expect(API_THROTTLE).toEqual({ burstLimit: 200, rateLimit: 100 });
  });

  it('sends every path outside the contract to one function, which answers the contract\'s 404 body', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: '$default' } });
    expect(Object.keys(routes)).toHaveLength(1);
    expect(httpFunctions().filter(([, d]) => d.routes.includes('$default')).map(([name]) => name)).toEqual(['openapi']);
    const route = Object.values(routes)[0] as Resource;
    expect(route.Properties?.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  it('builds the table from the topology: keys, every GSI with its projection, PITR, on-demand, TTL, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table')) as Resource[];
    expect(table?.DeletionPolicy).toBe('Retain');
    const p = table!.Properties!;
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.timeToLiveAttribute, Enabled: true });
    // SSEEnabled without a key type means the AWS managed key (aws/dynamodb).
    expect(p.SSESpecification).toEqual({ SSEEnabled: true });
    expect(p.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);

    const gsis = p.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(TABLE.indexes.map((i) => i.name).sort());
    for (const index of TABLE.indexes) {
      const gsi = gsis.find((g) => g.IndexName === index.name);
      expect(gsi?.KeySchema, index.name).toEqual([
        { AttributeName: index.pk, KeyType: 'HASH' },
        { AttributeName: index.sk, KeyType: 'RANGE' },
      ]);
      expect(gsi?.Projection, index.name).toEqual(
        index.projection.type === 'INCLUDE'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.attributes] }
          : { ProjectionType: 'KEYS_ONLY' },
      );
    }
    const keyNames = new Set([TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.pk, i.sk])]);
    expect(p.AttributeDefinitions).toHaveLength(keyNames.size);
    for (const name of keyNames) expect(p.AttributeDefinitions).toContainEqual({ AttributeName: name, AttributeType: 'S' });
  });

  it('gives every queue a DLQ with its maxReceiveCount, its visibility timeout and SSL-only access', () => {
    const names = Object.keys(QUEUES) as QueueName[];
    const streams = functionList().filter(([, def]) => def.kind === 'stream').length;
    // Each queue and its DLQ, and for each stream consumer the queue of what its stream gave up on.
    template.resourceCountIs('AWS::SQS::Queue', names.length * 2 + streams);
    for (const name of names) {
      const queueId = logicalId(stack, stack.queues[name]);
      const dlqId = logicalId(stack, stack.deadLetterQueues[name]);
      expect(resources[queueId]?.Properties).toMatchObject({
        VisibilityTimeout: QUEUES[name].visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: QUEUES[name].maxReceiveCount,
        },
      });
      expect(resources[dlqId]?.Properties?.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      expect(resources[dlqId]?.Properties?.RedrivePolicy).toBeUndefined();
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    }
  });

  it('alarms on any visible message in each DLQ', () => {
    const names = Object.keys(QUEUES) as QueueName[];
    for (const name of names) {
      const alarm = {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, stack.deadLetterQueues[name]), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      };
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: alarm })), name).toHaveLength(1);
    }
  });

  it('makes one nodejs22.x arm64 function per topology entry with its memory, timeout, env and log retention', () => {
    const fns = functionList();
    template.resourceCountIs('AWS::Lambda::Function', fns.length);
    for (const r of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) {
      expect(r.Properties?.Runtime).toBe('nodejs22.x');
      expect(r.Properties?.Architectures).toEqual(['arm64']);
      expect(r.Properties?.Handler).toBe('index.handler');
    }
    for (const [name, def] of fns) {
      const fn = stack.functions[name]!;
      const p = resources[logicalId(stack, fn)]!.Properties!;
      expect(p.MemorySize, name).toBe(def.memoryMb ?? DEFAULT_MEMORY_MB);
      expect(p.Timeout, name).toBe(def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[def.kind]);
      const env = p.Environment.Variables as Record<string, unknown>;
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('maodiaotong');
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('Maodiaotong');
      expect(env.POWERTOOLS_LOG_LEVEL).toBe('INFO');
      expect(p.TracingConfig, name).toEqual({ Mode: 'Active' });
      // No secret's value in the configuration, not even as a dynamic reference: only ARNs, read at run time.
      expect(JSON.stringify(env), name).not.toMatch(/resolve:secretsmanager/);
      expect(env.HASH_SECRET, name).toBeUndefined();
      if (def.table === 'none') {
        expect(env.TABLE_NAME, name).toBeUndefined();
        expect(env.SECRET_ARN_HASH_SECRET, name).toBeUndefined();
      } else {
        expect(env.TABLE_NAME, name).toEqual({ Ref: logicalId(stack, stack.table) });
        expect(env.SECRET_ARN_HASH_SECRET, name).toEqual({ Ref: expect.stringMatching(/^HashSecret/) });
      }
      // Secrets Manager is read only by the functions given a secret's ARN, and only for those secrets.
      const arns = Object.keys(env).filter((k) => k.startsWith('SECRET_ARN_'));
      const reads = functionStatements(stack, template, name).filter((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'));
      const byRef = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
      expect(reads.flatMap((st) => asArray(st.Resource)).sort(byRef), name).toEqual(arns.map((k) => env[k]).sort(byRef));
      const queues = new Set<QueueName>([...(def.sends ?? []), ...(def.kind === 'worker' ? [def.consumes] : [])]);
      const queueEnv = Object.keys(env).filter((k) => k.startsWith('QUEUE_URL_')).sort();
      expect(queueEnv, name).toEqual([...queues].map(queueUrlEnv).sort());
      for (const q of queues) expect(env[queueUrlEnv(q)]).toEqual({ Ref: logicalId(stack, stack.queues[q]) });

      const logGroupId = logicalId(stack, fn.logGroup);
      expect(resources[logGroupId]?.Properties?.RetentionInDays).toBe(365);
      // Lambda's START and REPORT lines cost more log bytes than most invocations write: system logs at WARN.
      expect(p.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId }, LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' });
    }
  });

  it('grants no Scan, BatchWriteItem or wildcard action anywhere, and no table write without a LeadingKeys condition', () => {
    const allowed = allStatements(template).filter((s) => s.Effect === 'Allow');
    const actions = actionsOf(allowed);
    expect(actions.size).toBeGreaterThan(0);
    for (const forbidden of ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:*', 'sqs:*', '*']) {
      expect(actions.has(forbidden), forbidden).toBe(false);
    }
    const writes = allowed.filter((s) => asArray(s.Action).some((a) => (TABLE_WRITE_ACTIONS as readonly string[]).includes(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) {
      expect(w.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']?.length, JSON.stringify(w.Action)).toBeGreaterThan(0);
      expect(w.Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.table), 'Arn'] });
    }
    for (const action of actions) {
      if (action.startsWith('dynamodb:') || action.startsWith('sqs:')) expect(action).not.toContain('*');
    }
  });

  /**
   * The grant table (issue 12.4): per function, the item families it may write (as LeadingKeys
   * patterns), the queues it may send to and the secrets it may read. Written out, so a change
   * of any function's reach shows in review.
   */
  const GRANTS: Record<string, { writes: string[]; sends: string[]; secrets: string[] }> = {
    intake: { writes: ['CASE#*'], sends: [], secrets: ['HashSecret'] },
    actions: { writes: ['CASE#*'], sends: [], secrets: ['HashSecret'] },
    auth: { writes: ['LIMIT#*', 'USERS'], sends: [], secrets: ['HashSecret'] },
    outbox: { writes: [], sends: [], secrets: ['HashSecret'] },
    config: { writes: ['CONFIG', 'TEMPLATES'], sends: [], secrets: ['HashSecret'] },
    cases: { writes: ['AUDIT#*', 'CASE#*'], sends: [], secrets: ['HashSecret'] },
    stats: { writes: ['COUNTED#*', 'STATS#*'], sends: [], secrets: ['HashSecret'] },
    deliberation: { writes: ['CASE#*', 'TOPIC#*', 'TOPIC-DUE', 'TOPIC-FX', 'TOPICS#*'], sends: [], secrets: ['HashSecret'] },
    directory: { writes: ['SUPERVISION#*', 'TREE', 'TREE#*', 'UNITS', 'USERS'], sends: [], secrets: ['HashSecret'] },
    track: { writes: ['CASE#*', 'LIMIT#*'], sends: [], secrets: ['HashSecret'] },
    attachments: { writes: ['AUDIT#*', 'CASE#*', 'LIMIT#*'], sends: [], secrets: ['HashSecret'] },
    mediaWorker: { writes: ['CASE#*'], sends: [], secrets: ['HashSecret', 'TwilioAuthTokenSecret', 'WechatAppSecretSecret'] },
    openapi: { writes: [], sends: [], secrets: [] },
    sweeper: {
      writes: ['CASE#*', 'COUNTED#*', 'NOTICE#*', 'STATS#*', 'TOPIC#*', 'TOPIC-DUE', 'TOPIC-FX', 'TOPICS#*', 'TREE', 'TREE#*', 'UNITS'],
      sends: ['callback', 'escalation', 'media', 'notify'],
      secrets: ['HashSecret'],
    },
    // The stream hands the batches it gives up on to its failure queue.
    relay: { writes: ['CASE#*', 'COUNTED#*', 'NOTICE#*', 'STATS#*'], sends: ['RelayStreamFailures', 'callback', 'escalation', 'media', 'notify'], secrets: ['HashSecret'] },
    escalationWorker: { writes: ['CASE#*'], sends: [], secrets: ['HashSecret'] },
    notifier: { writes: ['CASE#*', 'OUTBOX#*'], sends: [], secrets: ['AliyunSmsAccessKeySecretSecret', 'HashSecret', 'TencentSmsSecretKeySecret', 'TwilioAuthTokenSecret', 'WechatAppSecretSecret'] },
    wechat: { writes: ['CASE#*', 'CONTACT#*', 'INBOUND#*', 'LIMIT#*', 'OPTOUT#*', 'VERIFY#*'], sends: [], secrets: ['HashSecret', 'WechatAesKeySecret', 'WechatTokenSecret'] },
    sms: { writes: ['CASE#*', 'CONTACT#*', 'INBOUND#*', 'LIMIT#*', 'OPTOUT#*', 'VERIFY#*'], sends: ['notify'], secrets: ['HashSecret', 'SmsWebhookSecretSecret', 'TwilioAuthTokenSecret'] },
    open311: { writes: ['CASE#*'], sends: [], secrets: ['HashSecret'] },
    callbackWorker: { writes: ['CALLBACK#*', 'CASE#*'], sends: ['callback'], secrets: ['HashSecret'] },
    web: { writes: [], sends: [], secrets: [] },
    volunteers: { writes: ['LIMIT#*', 'SERVICES', 'USERS', 'VOLUNTEERS#*'], sends: [], secrets: ['HashSecret'] },
    households: { writes: ['AUDIT#*', 'CASE#*', 'HH#*', 'HOUSEHOLDS#*', 'LIMIT#*', 'NOTICE#*'], sends: [], secrets: ['HashSecret'] },
  };

  it('grants each function exactly the item families, queues and secrets of the grant table', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack, stack.table), 'Arn'] };
    const queueNames = new Map((Object.keys(stack.queues) as QueueName[]).map((q) => [logicalId(stack, stack.queues[q]), q]));
    const secretName = (ref: unknown) => String((ref as { Ref?: string }).Ref ?? '').replace(/[0-9A-F]{8}$/, '');
    const actual: typeof GRANTS = {};
    for (const [name] of functionList()) {
      const statements = functionStatements(stack, template, name);
      const writes = statements.filter((st) => asArray(st.Action).some((a) => (TABLE_WRITE_ACTIONS as readonly string[]).includes(a)));
      for (const w of writes) {
        expect(asArray(w.Action).sort(), name).toEqual([...TABLE_WRITE_ACTIONS].sort());
        expect(w.Resource, name).toEqual(tableArn);
      }
      actual[name] = {
        writes: writes.flatMap((w) => w.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'] as string[]).sort(),
        sends: statements
          .filter((st) => asArray(st.Action).includes('sqs:SendMessage'))
          .flatMap((st) => asArray(st.Resource).map((r) => {
            const id = (r as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
            return queueNames.get(id) ?? id.replace(/[0-9A-F]{8}$/, '');
          }))
          .sort(),
        secrets: statements
          .filter((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'))
          .flatMap((st) => asArray(st.Resource).map(secretName))
          .sort(),
      };
    }
    expect(actual).toEqual(GRANTS);
    // The entry points anyone on the internet reaches never write accounts, API keys, callbacks or the configuration.
    for (const name of ['intake', 'track', 'wechat', 'sms', 'open311', 'attachments']) {
      for (const privileged of ['USERS', 'APIKEY#*', 'CALLBACKS', 'CONFIG']) expect(GRANTS[name]!.writes, name).not.toContain(privileged);
    }
  });

  it("grants each function exactly its table access, on the table and its indexes", () => {
    const tableId = logicalId(stack, stack.table);
    for (const [name, def] of functionList()) {
      const statements = functionStatements(stack, template, name);
      expect(dynamoActions(statements), name).toEqual(expectedTableActions(def));
      if (def.table === 'none') continue;
      const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
      expect(dynamo.flatMap((s) => asArray(s.Resource)), name).toEqual(
        expect.arrayContaining([
          { 'Fn::GetAtt': [tableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] },
        ]),
      );
    }
    // The real topology has a function without table access; guard that this test covers it.
    expect(functionList().some(([, d]) => d.table === 'none')).toBe(true);
  });

  it('signs mediators in with a Cognito user pool whose tokens carry unit and role, checked by a JWT authorizer on mediator-only routes', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'unitId', AttributeDataType: 'String', Mutable: true }),
        Match.objectLike({ Name: 'role', AttributeDataType: 'String', Mutable: true }),
      ]),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH']),
      GenerateSecret: false,
    });
    const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { AuthorizerType: 'JWT' } });
    expect(Object.keys(authorizers)).toHaveLength(1);
    const authorizerId = Object.keys(authorizers)[0];
    const jwtRoutes = httpFunctions().filter(([, d]) => d.gatewayAuth === 'jwt').flatMap(([, d]) => d.routes);
    const openRoutes = httpFunctions().filter(([, d]) => d.gatewayAuth !== 'jwt').flatMap(([, d]) => d.routes);
    expect(jwtRoutes.length).toBeGreaterThan(0);
    for (const routeKey of jwtRoutes) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    }
    // Public and API-key routes authenticate in the handler.
    for (const routeKey of openRoutes) {
      const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }))[0] as Resource;
      expect(route.Properties?.AuthorizationType ?? 'NONE', routeKey).toBe('NONE');
    }
  });

  it('lets only the account-managing function call Cognito admin APIs, and none of them delete users', () => {
    for (const [name, def] of functionList()) {
      const cognito = [...actionsOf(functionStatements(stack, template, name))].filter((a) => a.startsWith('cognito-idp:'));
      expect(cognito.sort(), name).toEqual(def.kind === 'http' && def.managesAccounts ? [...COGNITO_ADMIN_ACTIONS].sort() : []);
    }
    expect([...actionsOf(allStatements(template))].some((a) => a === 'cognito-idp:AdminDeleteUser' || a === 'cognito-idp:*')).toBe(false);
  });

  it('gives each channel function its secrets\' ARNs (read at run time, never values) and the public URL', () => {
    const withSecrets = functionList().filter(([, def]) => def.secrets?.length);
    expect(withSecrets.map(([name]) => name)).toEqual(expect.arrayContaining(['wechat', 'sms', 'notifier']));
    const used = new Set(withSecrets.flatMap(([, def]) => def.secrets ?? []));
    template.resourceCountIs('AWS::SecretsManager::Secret', 1 + used.size);
    for (const [name, def] of functionList()) {
      const env = resources[logicalId(stack, stack.functions[name]!)]!.Properties!.Environment.Variables as Record<string, unknown>;
      for (const secret of CHANNEL_SECRETS) {
        expect(env[secret], `${name} ${secret}`).toBeUndefined();
        if (def.secrets?.includes(secret)) expect(env[`SECRET_ARN_${secret}`], `${name} ${secret}`).toEqual({ Ref: expect.any(String) });
        else expect(env[`SECRET_ARN_${secret}`], `${name} ${secret}`).toBeUndefined();
      }
      if (def.secrets?.length) expect(JSON.stringify(env.PUBLIC_BASE_URL)).toContain(logicalId(stack, stack.api));
    }
    // The hash key outlives the stack as the table does: a new one would orphan the byReporter index.
    const hash = Object.entries(resources).find(([id, r]) => id.startsWith('HashSecret') && r.Type === 'AWS::SecretsManager::Secret')?.[1] as { DeletionPolicy?: string } | undefined;
    expect(hash?.DeletionPolicy).toBe('Retain');
    // The generated placeholder is 43 letters and digits: a valid EncodingAESKey shape, unknown to anyone.
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 43, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  it('feeds the callback worker from the callback queue, which has its DLQ', () => {
    const worker = FUNCTIONS.callbackWorker;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack, stack.functions.callbackWorker!) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.callback), 'Arn'] },
      BatchSize: worker.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // Status changes reach the callback queue through the effects relay and its backstop (and the worker's own
    // hand-offs), never from a request path.
    expect(FUNCTIONS.relay.sends).toContain('callback');
    expect(FUNCTIONS.sweeper.sends).toContain('callback');
    for (const [name, def] of functionList()) {
      if (!['relay', 'sweeper', 'callbackWorker'].includes(name)) expect(def.sends ?? [], name).not.toContain('callback');
    }
  });

  it('feeds the effects relay from the table stream: new event items with a marker only, bisecting, giving up to a queue', () => {
    const relay = FUNCTIONS.relay;
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (r) => JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: logicalId(stack, stack.functions.relay!) }),
    );
    expect(resources[logicalId(stack, stack.table)]?.Properties?.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.table), 'StreamArn'] },
      BatchSize: relay.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: relay.retryAttempts,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'LATEST',
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { fxPk: { S: [{ exists: true }] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^RelayStreamFailures/), 'Arn'] } } },
    });
  });

  it('outputs the API URL and the table name', () => {
    expect(Object.keys(template.findOutputs('ApiUrl'))).toEqual(['ApiUrl']);
    expect(Object.keys(template.findOutputs('TableName', { Value: { Ref: logicalId(stack, stack.table) } }))).toEqual(['TableName']);
  });
});

describe('the attachments bucket (issue 16)', () => {
  const { stack, template } = real();
  const bucketId = logicalId(stack, stack.attachments!.bucket);
  const logsId = logicalId(stack, stack.attachments!.accessLogs);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const s3Statements = (name: string) => functionStatements(stack, template, name).filter((st) => asArray(st.Action).some((a) => a.startsWith('s3:')));
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}*`]] });

  it('is private, encrypted, versioned, logged, retained, with lifecycle rules and CORS for presigned uploads', () => {
    const bucket = resources[bucketId]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    const p = bucket.Properties!;
    expect(p.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'attachments/' });
    const rules = p.LifecycleConfiguration.Rules as Record<string, any>[];
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'expire-unchecked-uploads', Prefix: BUCKET.uploadPrefix, ExpirationInDays: BUCKET.uploadExpiryDays, Status: 'Enabled' }),
        expect.objectContaining({ Id: 'abort-incomplete-multipart', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        expect.objectContaining({ Id: 'expire-old-versions', NoncurrentVersionExpiration: { NoncurrentDays: BUCKET.noncurrentVersionDays } }),
        expect.objectContaining({ Id: 'files-to-infrequent-access', Prefix: BUCKET.filePrefix, Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: BUCKET.infrequentAccessDays }] }),
      ]),
    );
    // Nothing a case keeps is ever expired by a rule.
    expect(rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => r.Prefix)).toEqual([BUCKET.uploadPrefix]);
    const [cors] = p.CorsConfiguration.CorsRules as Record<string, any>[];
    expect(cors).toMatchObject({ AllowedMethods: ['PUT', 'GET', 'HEAD'], AllowedHeaders: ['content-type'] });
    expect(JSON.stringify(cors!.AllowedOrigins)).toContain(logicalId(stack, stack.api));
  });

  it('refuses anything but TLS 1.2+ by its bucket policy, as its access-log bucket does', () => {
    for (const id of [bucketId, logsId]) {
      const policy = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: id } } })) as Resource[];
      const denies = (policy[0]?.Properties?.PolicyDocument.Statement as Record<string, any>[]).filter((st) => st.Effect === 'Deny');
      expect(denies.map((d) => d.Condition)).toEqual(
        expect.arrayContaining([{ Bool: { 'aws:SecureTransport': 'false' } }, { NumericLessThan: { 's3:TlsVersion': 1.2 } }]),
      );
    }
    const logs = resources[logsId]!.Properties!;
    expect(logs.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(logs.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(ACCESS_LOG_DAYS);
  });

  it('grants each function its topology access to objects only — no listing, no bucket-wide action — and the bucket name only to them', () => {
    for (const [name, def] of functionList()) {
      const statements = s3Statements(name);
      const env = resources[logicalId(stack, stack.functions[name]!)]!.Properties!.Environment.Variables as Record<string, unknown>;
      if (!def.bucket) {
        expect(statements, name).toEqual([]);
        expect(env.ATTACHMENTS_BUCKET, name).toBeUndefined();
        continue;
      }
      expect(env.ATTACHMENTS_BUCKET, name).toEqual({ Ref: bucketId });
      const granted = statements.flatMap((st) => asArray(st.Action).flatMap((a) => asArray(st.Resource).map((r) => `${a} ${JSON.stringify(r)}`))).sort();
      const expected = [
        `s3:GetObject ${JSON.stringify(objects(BUCKET.filePrefix))}`,
        ...(def.bucket === 'readWrite'
          ? [
              `s3:GetObject ${JSON.stringify(objects(BUCKET.uploadPrefix))}`,
              `s3:PutObject ${JSON.stringify(objects(BUCKET.filePrefix))}`,
              `s3:PutObject ${JSON.stringify(objects(BUCKET.uploadPrefix))}`,
              `s3:DeleteObject ${JSON.stringify(objects(BUCKET.uploadPrefix))}`,
            ]
          : []),
      ].sort();
      expect(granted, name).toEqual(expected);
    }
    expect(functionList().filter(([, d]) => d.bucket).map(([n]) => n).sort()).toEqual(['attachments', 'mediaWorker']);
  });

  it('feeds the media worker from its queue, with a DLQ, and gives the fetchers the allow-list from the context', () => {
    const fnId = logicalId(stack, stack.functions.mediaWorker!);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.media), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const queue = resources[logicalId(stack, stack.queues.media)]!.Properties!;
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(QUEUES.media.maxReceiveCount);
    expect(QUEUES.media.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(2 * FUNCTIONS.mediaWorker.timeoutSeconds);
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], attachments: { allowedHosts: 'files.12345.example.cn' } } });
    const withHosts = new MaodiaotongStack(app, 'Hosts');
    const t = Template.fromStack(withHosts).toJSON().Resources as Record<string, Resource>;
    for (const [name, def] of functionList()) {
      const env = t[withHosts.getLogicalId(withHosts.functions[name]!.node.defaultChild as CfnResource)]!.Properties!.Environment.Variables as Record<string, unknown>;
      expect(env.MEDIA_ALLOWED_HOSTS, name).toBe(def.mediaHosts ? 'files.12345.example.cn' : undefined);
    }
  });
});

describe('MaodiaotongStack with an injected topology (worker, scheduled, read-only)', () => {
  const { stack, template } = synth(FAKE);
  const resources = template.toJSON().Resources as Record<string, Resource>;

  it('maps the worker to its queue with batch size, window and partial batch failures', () => {
    const workers = Object.entries(FAKE.functions).filter(([, d]) => d.kind === 'worker');
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', workers.length);
    for (const [name, def] of workers) {
      if (def.kind !== 'worker') continue;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack, stack.functions[name]!) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues[def.consumes]), 'Arn'] },
        BatchSize: def.batchSize,
        MaximumBatchingWindowInSeconds: def.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const p = resources[logicalId(stack, stack.functions[name]!)]!.Properties!;
      expect(p.Timeout).toBe(DEFAULT_TIMEOUT_SECONDS.worker);
      expect(Object.keys(p.Environment.Variables).filter((k) => k.startsWith('QUEUE_URL_')).sort()).toEqual(
        [...new Set([def.consumes, ...(def.sends ?? [])])].map(queueUrlEnv).sort(),
      );
      const actions = actionsOf(functionStatements(stack, template, name));
      for (const a of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) expect(actions.has(a), a).toBe(true);
    }
  });

  it('runs each scheduled function from an EventBridge rate rule', () => {
    const scheduled = Object.entries(FAKE.functions).filter(([, d]) => d.kind === 'scheduled');
    template.resourceCountIs('AWS::Events::Rule', scheduled.length);
    for (const [name, def] of scheduled) {
      if (def.kind !== 'scheduled') continue;
      const fnId = logicalId(stack, stack.functions[name]!);
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: rateExpression(def.everyMinutes),
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
      const p = resources[fnId]!.Properties!;
      expect(p.MemorySize).toBe(def.memoryMb ?? DEFAULT_MEMORY_MB);
      expect(p.Timeout).toBe(def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS.scheduled);
    }
  });

  it('uses the injected queue settings', () => {
    for (const [name, def] of Object.entries(FAKE.queues) as [QueueName, (typeof FAKE.queues)[QueueName]][]) {
      expect(resources[logicalId(stack, stack.queues[name])]?.Properties).toMatchObject({
        VisibilityTimeout: def.visibilityTimeoutSeconds,
        RedrivePolicy: { maxReceiveCount: def.maxReceiveCount },
      });
    }
  });

  it('grants read-only functions no writes, table-less functions no DynamoDB, and senders only SendMessage', () => {
    const levels = new Set(Object.values(FAKE.functions).map((d) => d.table));
    expect(levels).toEqual(new Set(['none', 'read', 'readWrite']));
    for (const [name, def] of Object.entries(FAKE.functions)) {
      const statements = functionStatements(stack, template, name);
      const dynamo = dynamoActions(statements);
      expect(dynamo, name).toEqual(expectedTableActions(def));
      if (def.table !== 'readWrite') {
        expect(dynamo).not.toContain('dynamodb:PutItem');
        expect(dynamo).not.toContain('dynamodb:UpdateItem');
        expect(dynamo).not.toContain('dynamodb:DeleteItem');
      }
      if (def.table === 'none') expect(dynamo).toEqual([]);

      const consumed = def.kind === 'worker' ? def.consumes : undefined;
      for (const s of statements) {
        for (const action of asArray(s.Action).filter((a) => a.startsWith('sqs:'))) {
          // Only a consumer may receive; only the queues it sends to may be written.
          if (action === 'sqs:SendMessage') {
            const targets = asArray(s.Resource).map((r) => JSON.stringify(r));
            for (const q of def.sends ?? []) {
              expect(targets, `${name} sends to ${q}`).toContain(
                JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.queues[q]), 'Arn'] }),
              );
            }
          }
          if (action === 'sqs:ReceiveMessage') expect(consumed, `${name} receives`).toBeDefined();
        }
      }
      if (!def.sends?.length) expect(actionsOf(statements).has('sqs:SendMessage'), name).toBe(false);
    }
    const forbidden = ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:*', 'sqs:*', '*'];
    const all = actionsOf(allStatements(template).filter((s) => s.Effect === 'Allow'));
    for (const a of forbidden) expect(all.has(a), a).toBe(false);
  });

  it('supports the $default route key', () => {
    for (const routeKey of ['$default', 'PATCH /v1/things/{id}']) {
      expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } })), routeKey).toHaveLength(1);
    }
  });

  it('refuses topologies that cannot deploy', () => {
    const worker = FAKE.functions.worker as Extract<FunctionDef, { kind: 'worker' }>;
    expect(() =>
      synth({ ...FAKE, functions: { ...FAKE.functions, worker: { ...worker, timeoutSeconds: 600 } } }),
    ).toThrow(/visibility timeout/);
    // 6 × the worker's timeout, not just 1 ×.
    expect(() =>
      synth({ ...FAKE, queues: { ...FAKE.queues, escalation: { visibilityTimeoutSeconds: 179, maxReceiveCount: 3 } } }),
    ).toThrow(/less than 6 × worker "worker" timeout 30s/);
    expect(() =>
      synth({ ...FAKE, functions: { ...FAKE.functions, worker: { ...worker, writes: undefined } as FunctionDef } }),
    ).toThrow(/names no item families/);
    expect(() =>
      synth({
        ...FAKE,
        functions: { ...FAKE.functions, twin: { ...FAKE.functions.api!, description: 'twin' } as FunctionDef },
      }),
    ).toThrow(/served by two functions/);
    expect(() =>
      synth({
        ...FAKE,
        functions: { bad: { kind: 'http', entry: FUNCTIONS.openapi.entry, description: 'x', table: 'none', routes: ['GET cases'] } },
      }),
    ).toThrow(/route key/);
  });
});

describe('bundling options', () => {
  it('are the same for CDK and for plain esbuild, with the AWS SDK bundled', () => {
    const cdk = bundlingOptions('functions/x/handler.ts');
    const raw = esbuildOptions('in.ts', 'out');
    expect(cdk.externalModules).toEqual([...EXTERNAL_MODULES]);
    expect(raw.external).toEqual([...EXTERNAL_MODULES]);
    expect(raw).toMatchObject({
      entryPoints: { index: 'in.ts' },
      outdir: 'out',
      // Lazily imported code in files of its own (CDK's single --outfile cannot: the hook below rebuilds with these options).
      splitting: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: cdk.target,
      minify: cdk.minify,
      sourcemap: cdk.sourceMap,
      sourcesContent: cdk.sourcesContent,
      mainFields: cdk.mainFields,
      banner: { js: cdk.banner },
    });
    expect(cdk.format).toBe('esm');
    expect(cdk.target).toBe('node20');
    expect(cdk.banner).toContain('createRequire(import.meta.url)');
    // The SDK clients themselves must be in the bundle, only credential sources outside it.
    for (const ext of EXTERNAL_MODULES) expect(ext).not.toMatch(/client-|\*/);
  });

  it('rebuild the asset with the shared options, its chunks and the function\'s files beside it', () => {
    const hooks = bundlingOptions('functions/web/handler.ts', ['web/dist/assets.json']).commandHooks;
    expect(hooks?.afterBundling('/repo', '/asset')).toEqual([
      'cd "/repo" && node --import tsx infra/bundle-function.ts "/asset" "functions/web/handler.ts" "web/dist/assets.json"',
    ]);
    expect(hooks?.beforeBundling('/repo', '/asset')).toEqual([]);
    expect(bundlingOptions('functions/cases/handler.ts').commandHooks?.afterBundling('/repo', '/asset')).toEqual([
      'cd "/repo" && node --import tsx infra/bundle-function.ts "/asset" "functions/cases/handler.ts"',
    ]);
    expect(FUNCTIONS.web.files).toEqual(['web/dist/assets.json']);
  });
});
