/**
 * Module-scope singletons for a Lambda (or the local stack's process): one
 * DynamoDB client, the directory, the store and the case service, built once
 * from the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { createHmac, randomBytes } from 'node:crypto';
import type { CaseState, Policy, Reporter } from '../domain/index.ts';
import { normalizePhone } from '../contract/fields.ts';
import { CaseStore } from '../store/case-store.ts';
import { ChannelStore } from '../store/channel-store.ts';
import { Directory } from '../store/directory.ts';
import { StatCounters } from '../store/stat-counters.ts';
import { CaseService } from './cases.ts';
import { configFromEnv } from './config.ts';
import { loadPolicy } from './policy.ts';
import { clock } from './clock.ts';
import { repeatFinder } from './repeats.ts';
import { Reindexer } from './reindex.ts';
import { calendarGap } from './calendar-gaps.ts';
import { TopicStore } from '../store/topic-store.ts';
import { DeliberationService } from './deliberation.ts';
import { chinaDay } from '../domain/index.ts';
import { countEvent } from './metrics.ts';
import { VolunteerStore } from '../store/volunteers.ts';
import { Volunteers } from './volunteers.ts';
import { TemplateStore } from '../store/templates.ts';

export const config = configFromEnv();
// The services below are built at module scope, each in a call marked pure: a bundle keeps only those its function
// uses, so not every function carries the re-indexer, 议事厅 and 双报到 at its cold start. The call is a function
// of no arguments because esbuild keeps a pure `new` whose arguments read a property (`config.tableName`):
// reading one might run a getter.
// A function's middleware never changes after start, so each command's resolved stack is built once.
export const dynamodb = new DynamoDBClient({ cacheMiddleware: true });
export const directory = /* @__PURE__ */ (() => new Directory(dynamodb, config.tableName, undefined, undefined, config.treeCheckMs))();

/** A keyed hash (HASH_SECRET) of a secret we must check but never keep, such as a phone-link code. */
export function secretHash(text: string): string {
  return createHmac('sha256', config.hashSecret).update(text).digest('base64url');
}

export function reporterKey(reporter: Reporter): string | undefined {
  const subject = reporter.phone !== undefined ? `phone:${normalizePhone(reporter.phone)}` : reporter.openId && `openid:${reporter.openId}`;
  return subject ? createHmac('sha256', config.hashSecret).update(subject).digest('base64url').slice(0, 32) : undefined;
}

const POLICY_TTL_MS = 30_000;
let policyCache: { value: Policy; until: number } | undefined;

export async function policy(): Promise<Policy> {
  if (policyCache && policyCache.until > Date.now()) return policyCache.value;
  const value = await loadPolicy(directory, config.timeScale);
  policyCache = { value, until: Date.now() + POLICY_TTL_MS };
  return value;
}

/** After a configuration change: this process reads the policy afresh (others within POLICY_TTL_MS). */
export function forgetPolicy(): void {
  policyCache = undefined;
}

export const store = /* @__PURE__ */ (() => new CaseStore(dynamodb, config.tableName, async () => ({
  units: await directory.units(),
  reporterKey,
})))();

/** The statistics counters, kept by the relay. */
export const counters = /* @__PURE__ */ (() => new StatCounters(dynamodb, config.tableName))();

/** Count a case as it is now, where the tree in force puts it. */
export const countCase = async (state: CaseState) => counters.count(state, await directory.units());

/** Cases following the units that moved in the tree (run by the sweeper). */
export const reindexer = /* @__PURE__ */ (() => new Reindexer({
  db: dynamodb,
  table: config.tableName,
  trees: directory.trees,
  now: clock.now,
  settleMs: config.treeSettleMs,
  count: async (ids, units) => {
    const limit = pLimit(8);
    await Promise.all((await store.getMany(ids)).map((state) => limit(() => counters.count(state, units))));
  },
}))();

/** 双报到 registrations and the service menus (approval, which makes accounts, is the volunteers function's). */
export const volunteerStore = /* @__PURE__ */ (() => new VolunteerStore(dynamodb, config.tableName))();
export const volunteers = /* @__PURE__ */ (() => new Volunteers({
  store: volunteerStore,
  directory,
  // Read at each use: in AWS the secret is read from Secrets Manager before each invocation, after this module loads.
  get hashSecret() {
    return config.hashSecret;
  },
}))();

/** Contacts, handled channel messages, delivered callbacks, and the reporter index. */
export const channels = /* @__PURE__ */ (() => new ChannelStore(dynamodb, config.tableName))();

export const cases = /* @__PURE__ */ (() => new CaseService({
  store,
  units: () => directory.units(),
  policy,
  clock: clock.now,
  random: (n) => randomBytes(n),
  findRepeats: repeatFinder({ channels, store, reporterKey }),
  reporterCaseIds: async (reporter, limit) => {
    const key = reporterKey(reporter);
    return key ? channels.reporterCaseIds(key, undefined, limit) : [];
  },
  onCalendarGap: calendarGap,
  onAppended: countEvent,
}))();

/** 议事厅: topics, their meetings and decisions; publishing records the result on the linked cases. */
export const deliberations = /* @__PURE__ */ (() => new DeliberationService({
  topics: new TopicStore(dynamodb, config.tableName),
  cases,
  units: () => directory.units(),
  clock: clock.now,
  today: (now) => chinaDay(now.toISOString()),
  random: (n) => randomBytes(n),
}))();

/** 常用语 and the wording of messages to residents (read by the notifier, kept by admins). */
export const templates = /* @__PURE__ */ (() => new TemplateStore(dynamodb, config.tableName))();
