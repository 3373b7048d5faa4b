/**
 * The channels' secrets and settings, read from the environment once per
 * process (Secrets Manager dynamic references in AWS, documented defaults in
 * the local stack). A channel whose secret is missing refuses every request
 * rather than accepting unsigned ones.
 */
import { BlockList, isIP } from 'node:net';
import { normalizePhone } from '../contract/fields.ts';
import type { UnitTree } from '../domain/index.ts';

export interface ChannelConfig {
  /** `township`: the township the account serves (WECHAT_TOWNSHIP). */
  readonly wechat?: { readonly token: string; readonly aesKey?: string; readonly appId?: string; readonly township?: string };
  readonly twilioAuthToken?: string;
  /** The path token of providers that sign nothing (Aliyun, Tencent). */
  readonly smsWebhookSecret?: string;
  /** Source addresses the unsigned SMS providers may call from; undefined allows any. */
  readonly smsAllowedIps?: BlockList;
  /** The public origin providers call, for Twilio's signature (no trailing slash). */
  readonly publicBaseUrl?: string;
  /** The township of each number residents text (SMS_TOWNSHIPS: `number=township`, `*` for any number). */
  readonly smsTownships: ReadonlyMap<string, string>;
}

/** `10690001=hp, +8613800000000=lh, *=hp` → number → township. Throws on a bad entry (configuration, not input). */
export function parseTownships(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [number = '', township = ''] = entry.split('=').map((p) => p.trim());
    if (!number || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(township)) throw new RangeError(`SMS_TOWNSHIPS: "${entry}" is not number=township`);
    map.set(number === '*' ? '*' : normalizePhone(number), township);
  }
  return map;
}

/** The township of the number an SMS was sent to (its own entry, else `*`), if the configuration names one. */
export function smsTownship(config: ChannelConfig, to: string | undefined): string | undefined {
  return (to ? config.smsTownships.get(normalizePhone(to)) : undefined) ?? config.smsTownships.get('*');
}

/**
 * What keeps the channels from routing a matter without a place: with several
 * townships, each channel account (WeChat, SMS, API clients) must name its
 * own, and every township named must be one. The local stack refuses to start
 * while this lists anything; in AWS the channels check it on every message.
 */
export function townshipProblems(
  units: UnitTree,
  config: ChannelConfig,
  clients: readonly { readonly name: string; readonly rootUnitId?: string }[] = [],
): string[] {
  const roots = new Set(units.townships().map((u) => u.id));
  const problems: string[] = [];
  const named = [
    ...(config.wechat?.township !== undefined ? [['WECHAT_TOWNSHIP', config.wechat.township] as const] : []),
    ...[...config.smsTownships].map(([number, township]) => [`SMS_TOWNSHIPS ${number}`, township] as const),
  ];
  for (const [who, township] of named) if (!roots.has(township)) problems.push(`${who} names "${township}", which is not a township (${[...roots].join(', ') || 'none yet'})`);
  if (roots.size > 1) {
    const several = `there are ${roots.size} townships (${[...roots].join(', ')})`;
    if (config.wechat && config.wechat.township === undefined) problems.push(`${several}: set WECHAT_TOWNSHIP to the one the WeChat account serves`);
    if ((config.twilioAuthToken || config.smsWebhookSecret) && config.smsTownships.size === 0) {
      problems.push(`${several}: set SMS_TOWNSHIPS (number=township, or *=township) for the numbers residents text`);
    }
    for (const c of clients) if (c.rootUnitId === undefined) problems.push(`${several}: API client ${c.name} names none (its rootUnitId)`);
  }
  return problems;
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
    wechat: token ? { token, aesKey: value(env.WECHAT_AES_KEY), appId: value(env.WECHAT_APP_ID), township: value(env.WECHAT_TOWNSHIP) } : undefined,
    twilioAuthToken: value(env.TWILIO_AUTH_TOKEN),
    smsWebhookSecret: value(env.SMS_WEBHOOK_SECRET),
    smsAllowedIps: allowed ? parseAllowList(allowed) : undefined,
    publicBaseUrl: value(env.PUBLIC_BASE_URL)?.replace(/\/+$/, ''),
    smsTownships: parseTownships(env.SMS_TOWNSHIPS ?? ''),
  };
}
