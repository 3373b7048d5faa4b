/**
 * cdk-nag (AwsSolutions and Serverless packs): what the stack knowingly does
 * differently from the rules, each acknowledged on the narrowest construct
 * that carries it, with the reason. test/infra/nag.test.ts requires every
 * other finding to be fixed; `npm run synth` runs the same packs.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { BUCKET } from './topology.ts';
import type { MaodiaotongStack } from './stack.ts';

export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

/** Stack-wide: true of every function, role or policy the finding names. */
export function stackAcknowledgements(stack: MaodiaotongStack): Acknowledgement[] {
  const table = stack.getLogicalId(stack.table.node.defaultChild as never);
  const list: Acknowledgement[] = [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The managed policy lets a function write its own CloudWatch log streams; nothing else.',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason: "AWS's own policy for CodeDeploy shifting a Lambda alias (the gradual deploys of the API functions).",
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*]`,
      reason: "Reads (Query) of the table's own indexes, as CDK grants them: the index names are the topology's, all of them readable by design.",
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Actions that take no resource but "*": X-Ray\'s PutTraceSegments and PutTelemetryRecords (active tracing), and for the relay dynamodb:ListStreams (the stream event source).',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is pinned on purpose (supported into 2027); a runtime move is its own change, with the cold-start bench rerun.',
    },
    {
      id: 'Serverless-LambdaLatestVersion',
      reason: 'nodejs22.x is pinned on purpose (supported into 2027); a runtime move is its own change, with the cold-start bench rerun.',
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'No function is invoked asynchronously except the sweeper, whose missed run is not retried by design (the next minute finds the same work); API calls are synchronous, workers have their queues\u2019 DLQs, the relay its stream failure queue.',
    },
    {
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: "SQS mappings fail records back to their queue, whose redrive policy moves them to an alarmed DLQ after maxReceiveCount receives.",
    },
  ];
  if (stack.attachments) {
    const files = stack.getLogicalId(stack.attachments.bucket.node.defaultChild as never);
    for (const prefix of [BUCKET.filePrefix, BUCKET.uploadPrefix]) {
      list.push({
        id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/${prefix}*]`,
        reason: 'Object actions (no listing) limited to the prefix the function handles: object keys are made per upload.',
      });
    }
  }
  return list;
}

/** Applies every acknowledgement to the stack's constructs. */
export function acknowledgeNagFindings(stack: MaodiaotongStack): void {
  for (const { id, reason } of stackAcknowledgements(stack)) ack(stack, id, reason);

  ack(stack.userPool, 'AwsSolutions-COG1', 'NIST SP 800-63B: at least 12 characters, no composition rules (which push people to predictable passwords).');
  ack(
    stack.userPool,
    'AwsSolutions-COG2',
    'MFA (TOTP) is optional in the pool: Cognito cannot require it per group, and requiring it of every volunteer and 联户长 would lock out the least-equipped users. Holding officers and admins to it needs the login flow to answer the MFA challenge (not built yet; README, "Running on AWS").',
  );
  ack(
    stack.userPool,
    'AwsSolutions-COG8',
    'Threat protection needs the Plus plan (billed per active user); accounts are made by admins only (no self sign-up) and failed logins are rate-limited by the login function.',
  );

  for (const secret of stack.node.findAll().filter((c): c is Secret => c instanceof Secret)) {
    ack(
      secret,
      'AwsSolutions-SMG4',
      secret.node.id === 'HashSecret'
        ? 'The reporter-index key must not rotate: every stored byReporter hash was made with it.'
        : "A provider-issued credential (WeChat, Twilio, the SMS path token): it changes when the provider's console issues a new one, which no rotation function can do.",
    );
  }

  for (const route of stack.node.findAll().filter((c): c is HttpRoute => c instanceof HttpRoute)) {
    const key = route.node.id.replace(/^Route /, '').replaceAll('|', '/');
    if (stack.jwtRoutes.has(key)) continue;
    ack(
      route,
      'AwsSolutions-APIG4',
      "Authenticated in the handler (API keys, provider signatures or path tokens, the resident's 提取码, the mediator's token where a route also serves residents) or public by nature (the pages, the OpenAPI document).",
    );
  }

  const dlqs: Queue[] = [...Object.values(stack.deadLetterQueues), ...Object.values(stack.streamFailureQueues)];
  for (const queue of dlqs) {
    ack(queue, 'Serverless-SQSRedrivePolicy', 'This queue is itself a dead-letter destination (alarmed on any message).');
  }
  for (const queue of Object.values(stack.streamFailureQueues)) {
    ack(queue, 'AwsSolutions-SQS3', "The stream's on-failure destination: a dead-letter queue itself (alarmed on any message).");
  }
  ack(
    stack.operations.topic,
    'Serverless-SNSRedrivePolicy',
    'Alarm notifications: SNS retries each delivery, and an alarm that could not be delivered is still in the alarm history and on the dashboard.',
  );
  for (const rule of stack.node.findAll().filter((c): c is Rule => c instanceof Rule)) {
    ack(rule, 'Serverless-EventBusDLQ', 'The schedule runs the sweeper every minute; a missed run is not retried (retryAttempts 0): the next one finds the same work.');
  }
}

/** Every acknowledgement recorded under the stack, for the test's list. */
export function acknowledgedRuleIds(stack: Stack): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) out.set(id.replace(/^annotation::/i, ''), String(reason));
    }
  }
  return out;
}
