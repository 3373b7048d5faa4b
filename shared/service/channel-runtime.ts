/**
 * Module-scope singletons of the resident channel functions (WeChat, SMS):
 * their configuration and the conversation service, built once per process.
 */
import { ResidentChannel } from './residents.ts';
import { channelConfigFromEnv, smsTownship } from './channel-config.ts';
import { ChannelNotConfigured } from '../http/channel.ts';
import { logger } from './logger.ts';
import { clock } from './clock.ts';
import { randomBytes } from 'node:crypto';
import { publisher } from './queues.ts';
import { cases, channels, config, directory, dynamodb, reporterKey, secretHash, store, volunteers } from './runtime.ts';
import { AttemptLimiter } from '../store/limits.ts';
import { HouseholdStore } from '../store/households.ts';
import { mediaAllowList } from '../media/fetch.ts';
import { allowedSource } from '../media/providers.ts';
import { perSecrets } from './secrets.ts';

const mediaHosts = mediaAllowList();

/** The channels' settings and secrets, made again when a secret changes. */
export const channelConfig = perSecrets(() => channelConfigFromEnv());
const households = new HouseholdStore(dynamodb, config.tableName);

/**
 * The township a message to this account goes to when it names no place. With
 * several townships and none named for the account, the channel refuses the
 * message (logged as an error) rather than guess.
 */
export async function townshipFor(channel: 'wechat' | 'sms', to?: string): Promise<string | undefined> {
  const township = channel === 'wechat' ? channelConfig().wechat?.township : smsTownship(channelConfig(), to);
  if (township !== undefined) return township;
  const roots = (await directory.units()).townships();
  if (roots.length <= 1) return undefined;
  const setting = channel === 'wechat' ? 'WECHAT_TOWNSHIP' : `SMS_TOWNSHIPS (for ${to ?? 'this number'}, or *)`;
  logger.error('a channel account names no township of several', { channel, to, townships: roots.map((r) => r.id) });
  throw new ChannelNotConfigured(channel === 'wechat' ? 'WeChat' : 'SMS', `${roots.length} townships and no ${setting}`);
}

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
  volunteers,
  optOut: async (keys, at) => {
    await Promise.all(keys.map((k) => households.optOut(k, at)));
  },
});
