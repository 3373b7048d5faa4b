/**
 * The channels' secrets and settings, read from the environment once per
 * process (Secrets Manager dynamic references in AWS, documented defaults in
 * the local stack). A channel whose secret is missing refuses every request
 * rather than accepting unsigned ones.
 */
import { BlockList, isIP } from 'node:net';

export interface ChannelConfig {
  readonly wechat?: { readonly token: string; readonly aesKey?: string; readonly appId?: string };
  readonly twilioAuthToken?: string;
  /** The path token of providers that sign nothing (Aliyun, Tencent). */
  readonly smsWebhookSecret?: string;
  /** Source addresses the unsigned SMS providers may call from; undefined allows any. */
  readonly smsAllowedIps?: BlockList;
  /** The public origin providers call, for Twilio's signature (no trailing slash). */
  readonly publicBaseUrl?: string;
}

/** `1.2.3.4, 10.0.0.0/8, 2001:db8::/32` → a BlockList used as an allow list. Throws on a bad entry (configuration, not input). */
export function parseAllowList(text: string): BlockList {
  const list = new BlockList();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new RangeError(`SMS_ALLOWED_IPS: "${entry}" is not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d{1,3}$/.test(prefix) || bits > (family === 6 ? 128 : 32)) throw new RangeError(`SMS_ALLOWED_IPS: "${entry}" has a bad prefix`);
    list.addSubnet(address, bits, type);
  }
  return list;
}

export function isAllowed(list: BlockList | undefined, ip: string): boolean {
  if (!list) return true;
  const plain = ip.replace(/^::ffff:/, '');
  const family = isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

const value = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

export function channelConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ChannelConfig {
  const token = value(env.WECHAT_TOKEN);
  const allowed = value(env.SMS_ALLOWED_IPS);
  return {
    wechat: token ? { token, aesKey: value(env.WECHAT_AES_KEY), appId: value(env.WECHAT_APP_ID) } : undefined,
    twilioAuthToken: value(env.TWILIO_AUTH_TOKEN),
    smsWebhookSecret: value(env.SMS_WEBHOOK_SECRET),
    smsAllowedIps: allowed ? parseAllowList(allowed) : undefined,
    publicBaseUrl: value(env.PUBLIC_BASE_URL)?.replace(/\/+$/, ''),
  };
}
