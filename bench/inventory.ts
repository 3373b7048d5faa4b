/**
 * What the prod stack holds that costs by the month whatever the traffic,
 * counted from its synthesized template (the same synth the CDK tests run,
 * without bundling): alarms and the metrics they read, dashboards, secrets,
 * customer managed KMS keys, the SQS queues Lambda polls, and which functions
 * read how many secrets.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MaodiaotongStack } from '../infra/stack.ts';
import { functionList } from '../infra/topology.ts';
import { CENTER_CODES, ESCALATION_REASON_CODES, SOURCES } from '../shared/domain/index.ts';
import { SECRET_ARN_PREFIX } from '../shared/service/config.ts';
import type { Inventory } from './pricing.ts';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, any>;
}

export function prodInventory(): Inventory {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], stage: 'prod' } });
  const resources = Object.values(Template.fromStack(new MaodiaotongStack(app, 'Cost')).toJSON().Resources as Record<string, Resource>);
  const of = (type: string) => resources.filter((r) => r.Type === type);
  // An alarm on one metric reads one; a metric math alarm, each metric in its expression.
  const alarmMetrics = of('AWS::CloudWatch::Alarm').reduce(
    (n, a) => n + (a.Properties.MetricName ? 1 : (a.Properties.Metrics as { MetricStat?: unknown }[]).filter((m) => m.MetricStat).length),
    0,
  );
  const byDescription = new Map(functionList().map(([name, def]) => [def.description, name]));
  const secretsRead: Record<string, number> = {};
  for (const f of of('AWS::Lambda::Function')) {
    const name = byDescription.get(f.Properties.Description);
    if (name) secretsRead[name] = Object.keys(f.Properties.Environment?.Variables ?? {}).filter((k) => k.startsWith(SECRET_ARN_PREFIX)).length;
  }
  return {
    alarms: of('AWS::CloudWatch::Alarm').length,
    alarmMetrics,
    dashboards: of('AWS::CloudWatch::Dashboard').length,
    secrets: of('AWS::SecretsManager::Secret').length,
    kmsKeys: of('AWS::KMS::Key').length,
    polledQueues: of('AWS::Lambda::EventSourceMapping').filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('Queue')).length,
    secretsRead,
    // CasesReceived by channel × centre, Escalations by reason, Reminders by clock, Supervisions by kind, the
    // callbacks' two, EffectsPending, OverdueAtTownship, DeadlinesWithoutHolidayData (a year), ColdStart by function.
    customMetrics: SOURCES.length * CENTER_CODES.length + ESCALATION_REASON_CODES.length + 2 + 2 + 2 + 1 + 1 + 1 + functionList().length,
    logRetentionDays: Math.max(...of('AWS::Logs::LogGroup').map((g) => Number(g.Properties.RetentionInDays ?? 0))),
    // Text logs, or JSON ones with system logs at INFO (Lambda's default), carry START and REPORT.
    platformLogs: of('AWS::Lambda::Function').some((f) => f.Properties.LoggingConfig?.SystemLogLevel !== 'WARN'),
  };
}
