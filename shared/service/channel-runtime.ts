/**
 * Module-scope singletons of the resident channel functions (WeChat, SMS):
 * their configuration and the conversation service, built once per process.
 */
import { ResidentChannel } from './residents.ts';
import { channelConfigFromEnv } from './channel-config.ts';
import { clock } from './clock.ts';
import { cases, channels, directory, reporterKey, store } from './runtime.ts';

export const channelConfig = channelConfigFromEnv();

export const residents = new ResidentChannel({
  cases,
  store,
  channels,
  units: () => directory.units(),
  reporterKey,
  now: clock.now,
});
