/**
 * cdk-nag on the stack as `cdk synth` builds it (prod and dev): the AwsSolutions and
 * Serverless packs report nothing that is not acknowledged, and every
 * acknowledgement says why (infra/nag.ts).
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { MaodiaotongStack } from '../../infra/stack.ts';
import { acknowledgeNagFindings, acknowledgedRuleIds } from '../../infra/nag.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

function findings(stage: 'dev' | 'prod') {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], stage, alarmEmails: 'ops@township.example' } });
  const stack = new MaodiaotongStack(app, `Nag-${stage}`);
  acknowledgeNagFindings(stack);
  const open = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(stack).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
  return { stack, open };
}

describe('cdk-nag', () => {
  const prod = findings('prod');

  it('finds nothing unacknowledged in the prod stack', () => {
    expect(prod.open).toEqual([]);
  });

  it('finds nothing unacknowledged in the dev stack either', () => {
    expect(findings('dev').open).toEqual([]);
  });

  it('acknowledges exactly this list, each with a reason', () => {
    const acknowledged = acknowledgedRuleIds(prod.stack);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(30);
    expect([...acknowledged.keys()].map((id) => id.replace(/<[A-Za-z0-9]+\.Arn>/, '<…Arn>')).sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-COG1',
      'AwsSolutions-COG2',
      'AwsSolutions-COG8',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<…Arn>/cases/*]',
      'AwsSolutions-IAM5[Resource::<…Arn>/index/*]',
      'AwsSolutions-IAM5[Resource::<…Arn>/uploads/*]',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
      'Serverless-EventBusDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaEventSourceMappingDestination',
      'Serverless-LambdaLatestVersion',
      'Serverless-SNSRedrivePolicy',
      'Serverless-SQSRedrivePolicy',
    ]);
  });
});
