/**
 * The AWS stack. Everything it builds comes from `topology.ts`, which the
 * local stack also reads, so the two cannot drift.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  LogGroupLogDestination,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  PayloadFormatVersion,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { AccountRecovery, Mfa, StringAttribute, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LambdaApplication, LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias, ApplicationLogLevel, Architecture, FilterCriteria, FilterRule, LoggingFormat, Runtime, StartingPosition, SystemLogLevel, Tracing, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ITEM_FAMILIES, type IndexDef, type ItemFamily } from '../shared/store/schema.ts';
import { retryWindowSeconds } from '../shared/queue/backoff.ts';
import { PASSWORD_MIN_LENGTH } from '../shared/domain/registry.ts';
import { bundlingOptions } from './bundling.ts';
import { Operations } from './alarms.ts';
import { stageSettings, type StageSettings } from './stages.ts';
import { AttachmentsBucket } from './attachments-bucket.ts';
import { ATTACHMENTS_BUCKET_ENV, SECRET_ARN_PREFIX } from '../shared/service/config.ts';
import { METRICS_NAMESPACE } from '../shared/service/metrics.ts';
import { MEDIA_HOSTS_ENV } from '../shared/media/fetch.ts';
import { FILES_ORIGIN_ENV } from '../web/assets.ts';
import {
  FUNCTIONS,
  QUEUES,
  TABLE,
  VISIBILITY_PER_TIMEOUT,
  functionList,
  queueUrlEnv,
  type FunctionDef,
  type ChannelSecret,
  type QueueDef,
  type QueueName,
} from './topology.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What the stack is built from; tests inject a small one to reach code paths the real topology lacks. */
export interface Topology {
  readonly functions: Readonly<Record<string, FunctionDef>>;
  readonly queues: Readonly<Record<QueueName, QueueDef>>;
  readonly table: {
    readonly partitionKey: string;
    readonly sortKey: string;
    readonly indexes: readonly IndexDef[];
    readonly timeToLiveAttribute: string;
  };
}

export const REAL_TOPOLOGY: Topology = { functions: FUNCTIONS, queues: QUEUES, table: TABLE };

export interface MaodiaotongStackProps extends StackProps {
  readonly topology?: Topology;
  /** Per-stage settings; from the CDK context (`-c stage=…`) when absent. */
  readonly stage?: StageSettings;
}

/** Request paths only ever Get/Query/BatchGet; Scan is left out on purpose. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'] as const;
/**
 * Writes, each limited to the item families the function's topology entry names
 * (`dynamodb:LeadingKeys`). Deletes are of rate-limit windows given back, used
 * verification codes and replaced unit-tree snapshots; events are never deleted
 * because no function that writes CASE# items deletes them (the store has no such call).
 * No batch writes: a BatchWriteItem cannot be limited per item family.
 */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;
/** What account management may do in the user pool: no deletes, no reading passwords. */
export const COGNITO_ADMIN_ACTIONS = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminSetUserPassword',
  'cognito-idp:AdminUpdateUserAttributes',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminEnableUser',
] as const;

export const API_THROTTLE = { burstLimit: 200, rateLimit: 100 } as const;
/**
 * The API's access log line. The route's template, never the raw path (SMS webhooks carry a secret
 * path token, tracking URLs a resident's 提取码), and no caller IP (a resident's personal data).
 */
export const API_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  route: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationMs: '$context.integrationLatency',
  bytes: '$context.responseLength',
  integrationError: '$context.integrationErrorMessage',
} as const;
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'] as const;
export const DEFAULT_MEMORY_MB = 512;
/** Plain channel settings a function with channel secrets also gets, from the CDK context `channels`. */
export const CHANNEL_SETTINGS = [
  'WECHAT_APP_ID',
  'WECHAT_TOWNSHIP',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_FROM',
  'SMS_ALLOWED_IPS',
  'SMS_TOWNSHIPS',
  'PUBLIC_BASE_URL',
  // Outbound SMS: the provider of this deployment, its account and signature, and the approved templates per message kind.
  'SMS_PROVIDER',
  'ALIYUN_SMS_ACCESS_KEY_ID',
  'ALIYUN_SMS_SIGN_NAME',
  'TENCENT_SMS_SECRET_ID',
  'TENCENT_SMS_SDK_APP_ID',
  'TENCENT_SMS_SIGN_NAME',
  'TENCENT_SMS_REGION',
  'SMS_TEMPLATES',
] as const;
export const DEFAULT_TIMEOUT_SECONDS = { http: 10, scheduled: 10, worker: 30, stream: 30 } as const;
/** The alias API Gateway invokes; CodeDeploy shifts it from one published version to the next. */
export const LIVE_ALIAS = 'live';
/** Mediators' tokens: an hour, then the refresh token (a working day) gets a new one. */
export const TOKEN_VALIDITY = { idHours: 1, accessHours: 1, refreshHours: 12 } as const;

/** The IAM condition that keeps a write to the given item families. */
export function leadingKeysCondition(families: readonly ItemFamily[]): Record<string, Record<string, string[]>> {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': families.flatMap((f) => [...ITEM_FAMILIES[f]]) } };
}

/** Powertools' log level as Lambda's log filter names it (Powertools' CRITICAL and SILENT: Lambda's FATAL). */
function applicationLogLevel(level: string): ApplicationLogLevel {
  const lambdaLevels: readonly string[] = Object.values(ApplicationLogLevel);
  if (lambdaLevels.includes(level)) return level as ApplicationLogLevel;
  if (level === 'CRITICAL' || level === 'SILENT') return ApplicationLogLevel.FATAL;
  throw new Error(`context "logLevel" must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT, not "${level}"`);
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

/** `"GET /v1/cases/{id}"` or `"$default"` → the API Gateway route key. */
export function parseRouteKey(routeKey: string): HttpRouteKey {
  if (routeKey === '$default') return HttpRouteKey.DEFAULT;
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  const method = match?.[1];
  if (!match || !method || !Object.values(HttpMethod).includes(method as HttpMethod)) {
    throw new Error(`route key "${routeKey}" is not "METHOD /path" or "$default"`);
  }
  return HttpRouteKey.with(match[2]!, method as HttpMethod);
}

export class MaodiaotongStack extends Stack {
  readonly table: Table;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly queues: Readonly<Record<QueueName, Queue>>;
  readonly deadLetterQueues: Readonly<Record<QueueName, Queue>>;
  readonly functions: Readonly<Record<string, NodejsFunction>>;
  /** The `live` alias of each API function, which the routes invoke. */
  readonly aliases: Readonly<Record<string, Alias>>;
  readonly api: HttpApi;
  readonly settings: StageSettings;
  /** Route keys behind the JWT authorizer; the others authenticate in their handler. */
  readonly jwtRoutes: ReadonlySet<string>;
  /** Where each stream consumer's given-up batches go, by `<function>-stream`. */
  readonly streamFailureQueues: Readonly<Record<string, Queue>>;
  readonly operations: Operations;
  readonly stage: HttpStage;
  /** Made when a function touches files. */
  readonly attachments?: AttachmentsBucket;

  constructor(scope: Construct, id: string, props: MaodiaotongStackProps = {}) {
    super(scope, id, props);
    const topology = props.topology ?? REAL_TOPOLOGY;
    const settings = props.stage ?? stageSettings(this.node);
    this.settings = settings;
    const functionDefs: [string, FunctionDef][] = props.topology
      ? Object.entries(topology.functions)
      : functionList();

    this.table = this.buildTable(topology.table, functionDefs.some(([, def]) => def.kind === 'stream'), settings);

    const queues: Partial<Record<QueueName, Queue>> = {};
    const dlqs: Partial<Record<QueueName, Queue>> = {};
    for (const [name, def] of Object.entries(topology.queues) as [QueueName, QueueDef][]) {
      const dlq = new Queue(this, `${pascal(name)}Dlq`, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      queues[name] = new Queue(this, `${pascal(name)}Queue`, {
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      dlqs[name] = dlq;
    }
    this.queues = queues as Record<QueueName, Queue>;
    this.deadLetterQueues = dlqs as Record<QueueName, Queue>;
    const queueOf = (name: QueueName): Queue => {
      const queue = this.queues[name];
      if (!queue) throw new Error(`the topology names queue "${name}" but does not define it`);
      return queue;
    };

    const httpMethods = new Set<CorsHttpMethod>([CorsHttpMethod.OPTIONS]);
    for (const [, def] of functionDefs) {
      if (def.kind !== 'http') continue;
      for (const routeKey of def.routes) {
        const method = routeKey.split(' ')[0] as CorsHttpMethod;
        if (Object.values(CorsHttpMethod).includes(method)) httpMethods.add(method);
      }
    }
    this.api = new HttpApi(this, 'Api', {
      description: '矛调通 case API',
      // The stage is made below, because only an explicit stage takes throttling.
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: ['*'],
        allowHeaders: [...CORS_ALLOW_HEADERS],
        allowMethods: [...httpMethods],
        maxAge: Duration.days(1),
      },
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...API_THROTTLE },
      accessLogSettings: {
        destination: new LogGroupLogDestination(
          new LogGroup(this, 'ApiAccessLogs', { retention: settings.logRetention, removalPolicy: settings.removalPolicy }),
        ),
        format: AccessLogFormat.custom(JSON.stringify(API_ACCESS_LOG_FIELDS)),
      },
    });

    // Mediators sign in to Cognito; their unit and role travel as claims, and the
    // HTTP API's JWT authorizer checks the ID token on mediator-only routes.
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      customAttributes: { unitId: new StringAttribute({ mutable: true }), role: new StringAttribute({ mutable: true }) },
      // NIST SP 800-63B: length, not composition rules (the admin page's form asks for the same).
      passwordPolicy: {
        minLength: PASSWORD_MIN_LENGTH,
        requireSymbols: false,
        requireUppercase: false,
        requireLowercase: false,
        requireDigits: false,
        tempPasswordValidity: Duration.days(3),
      },
      // TOTP only (no SMS codes); optional in the pool, since Cognito cannot require it per group: the sign-in
      // flow and the API hold officers and admins to it (MFA_REQUIRED, shared/service/accounts.ts, README).
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.NONE,
      removalPolicy: settings.removalPolicy,
      deletionProtection: settings.deletionProtection,
    });
    this.userPoolClient = this.userPool.addClient('AdminPage', {
      authFlows: { userPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(TOKEN_VALIDITY.idHours),
      accessTokenValidity: Duration.hours(TOKEN_VALIDITY.accessHours),
      refreshTokenValidity: Duration.hours(TOKEN_VALIDITY.refreshHours),
      // The page signs in through the API, not the hosted UI: OAuth only when callback URLs are configured,
      // and then the code grant alone (no implicit flow, no placeholder URL).
      ...(settings.callbackUrls.length > 0
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
              callbackUrls: [...settings.callbackUrls],
              ...(settings.logoutUrls.length > 0 ? { logoutUrls: [...settings.logoutUrls] } : {}),
            },
          }
        : { disableOAuth: true }),
    });
    const mediators = new HttpJwtAuthorizer('Mediators', `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`, {
      jwtAudience: [this.userPoolClient.userPoolClientId],
    });

    // Keys the reporter index's hash: generated once per deployment, never in the repository.
    // Kept exactly as long as the table (the stage's removal policy): a new key would orphan every byReporter entry.
    const hashSecret = new Secret(this, 'HashSecret', {
      description: 'HMAC key for the reporter index (phone/openId hashes)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
    });

    // Channel secrets (WeChat token and AES key, Twilio token, the SMS path token...): one Secret each,
    // made only when a function reads it, generated random until an operator puts the provider's value in,
    // so an unconfigured channel accepts nothing. Never in the repository or the template.
    const channelSecrets = new Map<ChannelSecret, Secret>();
    const channelSecret = (name: ChannelSecret): Secret => {
      let secret = channelSecrets.get(name);
      if (!secret) {
        secret = new Secret(this, `${pascal(name.toLowerCase())}Secret`, {
          description: `${name} for the resident channels; replace the generated value with the provider's`,
          // 43 letters and digits is also a valid WeChat EncodingAESKey.
          generateSecretString: { passwordLength: 43, excludePunctuation: true, includeSpace: false },
        });
        channelSecrets.set(name, secret);
      }
      return secret;
    };
    // Settings that are not secret (the WeChat appid, Twilio's account and number, the SMS allow list,
    // the public URL behind a custom domain) come from the CDK context `channels`.
    const channelSettings = (this.node.tryGetContext('channels') ?? {}) as Partial<Record<(typeof CHANNEL_SETTINGS)[number], string>>;

    // ---- attachments (issue 16): one private bucket; each function's access from the topology ----
    const attachments = functionDefs.some(([, def]) => def.bucket !== undefined)
      ? new AttachmentsBucket(this, 'Attachments', {
          // The pages that upload and show files are served by this API (or a custom domain given as `attachments.allowedOrigins`).
          allowedOrigins: (this.node.tryGetContext('attachments')?.allowedOrigins as string[] | undefined) ?? [this.api.apiEndpoint],
        })
      : undefined;
    this.attachments = attachments;
    // Hosts files may be fetched from beyond the providers' own (a 12345 system's file server), from the CDK context.
    const mediaHosts = this.node.tryGetContext('attachments')?.allowedHosts as string | undefined;

    const functions: Record<string, NodejsFunction> = {};
    const aliases: Record<string, Alias> = {};
    const streamFailures: Record<string, Queue> = {};
    const jwtRoutes = new Set<string>();
    const seenRoutes = new Set<string>();
    for (const [name, def] of functionDefs) {
      const id = `${pascal(name)}Fn`;
      const consumed = def.kind === 'worker' ? def.consumes : undefined;
      // Secrets by ARN, read at run time (shared/service/secrets.ts): never a value in the function's configuration.
      const readsSecrets: [string, Secret][] = [];
      const environment: Record<string, string> = {
        POWERTOOLS_SERVICE_NAME: 'maodiaotong',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // `-c logLevel=DEBUG` for a closer look; INFO by default.
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        AUTH_MODE: 'cognito',
        // Officers and admins sign in with TOTP; the pool only offers it (Cognito cannot require it per group).
        MFA_REQUIRED: 'on',
        COGNITO_USER_POOL_ID: this.userPool.userPoolId,
        COGNITO_CLIENT_ID: this.userPoolClient.userPoolClientId,
      };
      if (def.table !== 'none') {
        environment.TABLE_NAME = this.table.tableName;
        readsSecrets.push(['HASH_SECRET', hashSecret]);
      }
      for (const queue of new Set([...(def.sends ?? []), ...(consumed ? [consumed] : [])])) {
        environment[queueUrlEnv(queue)] = queueOf(queue).queueUrl;
      }
      if (def.secrets?.length) {
        for (const name of def.secrets) readsSecrets.push([name, channelSecret(name)]);
        for (const name of CHANNEL_SETTINGS) {
          const value = channelSettings[name];
          if (value) environment[name] = value;
        }
        // Twilio signs the public URL it calls: the API's own unless a custom domain is configured.
        environment.PUBLIC_BASE_URL ??= this.api.apiEndpoint;
      }
      if (def.bucket && attachments) environment[ATTACHMENTS_BUCKET_ENV] = attachments.bucket.bucketName;
      if (def.mediaHosts && mediaHosts) environment[MEDIA_HOSTS_ENV] = mediaHosts;
      // Presigned URLs are virtual-hosted: the bucket's regional name is where the pages fetch files from.
      if (def.showsFiles && attachments) environment[FILES_ORIGIN_ENV] = `https://${attachments.bucket.bucketRegionalDomainName}`;
      for (const [name, secret] of readsSecrets) environment[SECRET_ARN_PREFIX + name] = secret.secretArn;
      const timeoutSeconds = def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[def.kind];

      const fn = new NodejsFunction(this, id, {
        entry: path.join(REPO_ROOT, def.entry),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        description: def.description,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: def.memoryMb ?? DEFAULT_MEMORY_MB,
        timeout: Duration.seconds(timeoutSeconds),
        environment,
        bundling: bundlingOptions(def.entry, def.files),
        logGroup: new LogGroup(this, `${id}Logs`, { retention: settings.logRetention, removalPolicy: settings.removalPolicy }),
        tracing: Tracing.ACTIVE,
        // Lambda's own START and REPORT lines (~400 bytes an invocation, more than most invocations log) are
        // system logs at INFO: kept out at WARN, where timeouts and crashes still log. Duration, errors and
        // throttles are AWS/Lambda metrics either way. Application logs at Powertools' level, so the two agree.
        loggingFormat: LoggingFormat.JSON,
        systemLogLevelV2: SystemLogLevel.WARN,
        applicationLogLevelV2: applicationLogLevel(settings.logLevel),
        ...(settings.reserveConcurrency && def.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: def.reservedConcurrency } : {}),
      });
      for (const [, secret] of readsSecrets) secret.grantRead(fn);
      functions[name] = fn;

      if (def.table !== 'none') this.table.grant(fn, ...TABLE_READ_ACTIONS);
      if (def.table === 'readWrite') {
        if (!def.writes?.length) throw new Error(`function "${name}" writes the table but names no item families (writes)`);
        // On the table only: indexes are never written directly.
        fn.addToRolePolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: [...TABLE_WRITE_ACTIONS],
            resources: [this.table.tableArn],
            conditions: leadingKeysCondition(def.writes),
          }),
        );
      } else if (def.writes?.length) {
        throw new Error(`function "${name}" names item families to write but its table access is "${def.table}"`);
      }
      for (const queue of def.sends ?? []) queueOf(queue).grantSendMessages(fn);
      if (def.kind === 'http' && def.managesAccounts) this.userPool.grant(fn, ...COGNITO_ADMIN_ACTIONS);
      if (def.bucket && attachments) attachments.grant(fn, def.bucket);

      switch (def.kind) {
        case 'http': {
          // Routes invoke the alias; a deploy publishes a version and shifts the alias to it (gradually in prod).
          const alias = new Alias(this, `${id}Live`, { aliasName: LIVE_ALIAS, version: fn.currentVersion });
          aliases[name] = alias;
          const integration = new HttpLambdaIntegration(`${id}Integration`, alias, {
            payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
          });
          for (const routeKey of def.routes) {
            if (seenRoutes.has(routeKey)) throw new Error(`route "${routeKey}" is served by two functions`);
            seenRoutes.add(routeKey);
            if (def.gatewayAuth === 'jwt') jwtRoutes.add(routeKey);
            new HttpRoute(this, `Route ${routeKey.replaceAll('/', '|')}`, {
              httpApi: this.api,
              routeKey: parseRouteKey(routeKey),
              integration,
              ...(def.gatewayAuth === 'jwt' ? { authorizer: mediators } : {}),
            });
          }
          break;
        }
        case 'worker': {
          const queue = queueOf(def.consumes);
          const visibility = topology.queues[def.consumes].visibilityTimeoutSeconds;
          // A batch Lambda retries after a throttle must not be redelivered meanwhile: AWS asks for 6 × the timeout.
          if (visibility < VISIBILITY_PER_TIMEOUT * timeoutSeconds) {
            throw new Error(
              `queue "${def.consumes}" visibility timeout ${visibility}s is less than ${VISIBILITY_PER_TIMEOUT} × worker "${name}" timeout ${timeoutSeconds}s`,
            );
          }
          fn.addEventSource(
            new SqsEventSource(queue, {
              batchSize: def.batchSize,
              maxBatchingWindow: Duration.seconds(def.maxBatchingWindowSeconds),
              reportBatchItemFailures: true,
              maxConcurrency: def.maxConcurrency,
            }),
          );
          break;
        }
        case 'stream': {
          // What the stream gives up on goes here (alarmed); the sweeper relays those events anyway.
          const failures = new Queue(this, `${pascal(name)}StreamFailures`, {
            retentionPeriod: Duration.days(14),
            encryption: QueueEncryption.SQS_MANAGED,
            enforceSSL: true,
          });
          streamFailures[`${name}-stream`] = failures;
          fn.addEventSource(
            new DynamoEventSource(this.table, {
              startingPosition: StartingPosition.LATEST,
              batchSize: def.batchSize,
              maxBatchingWindow: Duration.seconds(def.maxBatchingWindowSeconds),
              retryAttempts: def.retryAttempts,
              bisectBatchOnError: true,
              reportBatchItemFailures: true,
              onFailure: new SqsDlq(failures),
              // Only new event items that carry effects wake the relay.
              filters: [
                FilterCriteria.filter({
                  eventName: FilterRule.isEqual('INSERT'),
                  dynamodb: { NewImage: { fxPk: { S: FilterRule.exists() } } },
                }),
              ],
            }),
          );
          break;
        }
        case 'scheduled': {
          new Rule(this, `${pascal(name)}Schedule`, {
            description: `Runs ${name} every ${def.everyMinutes} minute(s)`,
            schedule: Schedule.rate(Duration.minutes(def.everyMinutes)),
            // A missed run is not retried: the next one, minutes later, finds the same work.
            targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
          });
          break;
        }
      }
    }
    this.functions = functions;
    this.aliases = aliases;
    this.jwtRoutes = jwtRoutes;
    this.streamFailureQueues = streamFailures;

    const callback = topology.queues.callback;
    this.operations = new Operations(this, 'Operations', {
      stage: settings,
      api: this.api,
      table: this.table,
      queues: Object.fromEntries(
        (Object.keys(this.queues) as QueueName[]).map((name) => [
          name,
          {
            queue: this.queues[name],
            // The callback worker holds a message back for its whole retry window by design.
            ...(name === 'callback' ? { maxAgeSeconds: retryWindowSeconds(callback.visibilityTimeoutSeconds, callback.maxReceiveCount) + 15 * 60 } : {}),
          },
        ]),
      ),
      deadLetterQueues: { ...this.deadLetterQueues, ...streamFailures },
      functions,
      ...(functions.sweeper ? { sweeper: functions.sweeper as IFunction } : {}),
    });

    // Gradual deploys of the API functions, rolled back when the function's errors or the API's 5xx alarm fires.
    if (Object.keys(aliases).length > 0) {
      const application = new LambdaApplication(this, 'Deploys');
      for (const [name, alias] of Object.entries(aliases)) {
        new LambdaDeploymentGroup(this, `${pascal(name)}Deploy`, {
          application,
          alias,
          deploymentConfig: settings.gradualDeploys ? LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES : LambdaDeploymentConfig.ALL_AT_ONCE,
          alarms: [this.operations.functionErrorAlarms[name]!, this.operations.api5xxAlarm],
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        });
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The single DynamoDB table' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Cognito user pool of the mediators' });
    if (attachments) new CfnOutput(this, 'AttachmentsBucketName', { value: attachments.bucket.bucketName, description: 'Private bucket of case attachments' });
  }

  private buildTable(def: Topology['table'], streamed: boolean, settings: StageSettings): Table {
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    const table = new Table(this, 'Table', {
      partitionKey: key(def.partitionKey),
      sortKey: key(def.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: def.timeToLiveAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: settings.removalPolicy,
      deletionProtection: settings.deletionProtection,
      // New images feed the effects relay.
      ...(streamed ? { stream: StreamViewType.NEW_IMAGE } : {}),
    });
    for (const index of def.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: key(index.pk),
        sortKey: key(index.sk),
        ...(index.projection.type === 'INCLUDE'
          ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection.attributes] }
          : { projectionType: ProjectionType.KEYS_ONLY }),
      });
    }
    return table;
  }
}
