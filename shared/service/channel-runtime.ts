/**
 * Module-scope singletons of the resident channel functions (WeChat, SMS):
 * their configuration and the conversation service, built once per process.
 */
import { ResidentChannel } from './residents.ts';
import { channelConfigFromEnv } from './channel-config.ts';
import { clock } from './clock.ts';
import { randomBytes } from 'node:crypto';
import { publisher } from './queues.ts';
import { cases, channels, config, directory, dynamodb, reporterKey, secretHash, store } from './runtime.ts';
import { AttemptLimiter } from '../store/limits.ts';
import { mediaAllowList } from '../media/fetch.ts';
import { allowedSource } from '../media/providers.ts';

const mediaHosts = mediaAllowList();

export const channelConfig = channelConfigFromEnv();

export const residents = new ResidentChannel({
  cases,
  store,
  channels,
  units: () => directory.units(),
  reporterKey,
  now: clock.now,
  limiter: new AttemptLimiter(dynamodb, config.tableName),
  sendSms: (reply) => publisher.send('notify', [{ reply }]),
  random: (n) => randomBytes(n),
  secretHash,
  allowMedia: (source) => allowedSource(source, mediaHosts),
});
