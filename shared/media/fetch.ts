/**
 * Fetching a file from a provider (WeChat, Twilio, a 12345 system's file
 * server) without becoming a way into our own network: only hosts on an
 * allow-list, never an internal address — checked on the address actually
 * connected to (a custom `lookup`, so a name cannot resolve to one address
 * when checked and another when used), on every redirect — a size cap read as
 * the bytes arrive, and one deadline for the whole exchange. node:http is used
 * rather than fetch because fetch cannot be told which address to connect to
 * without undici's own Agent, which Node does not expose.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

export const MEDIA_HOSTS_ENV = 'MEDIA_ALLOWED_HOSTS';

/**
 * The providers' own hosts: WeChat's media API and its picture CDN (whose
 * PicUrl is plain http), Twilio's API and where it redirects media to.
 */
export const PROVIDER_HOSTS = [
  'api.weixin.qq.com',
  'mmbiz.qpic.cn',
  'http://mmbiz.qpic.cn',
  'api.twilio.com',
  'media.twiliocdn.com',
  's3-external-1.amazonaws.com',
] as const;

/** A file we will not fetch (or not again): `permanent` ones are not retried; `reason` is said to a resident. */
export class FetchRefused extends Error {
  override readonly name = 'FetchRefused';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly reason: string,
  ) {
    super(message);
  }
}

interface Entry {
  readonly protocol: 'https:' | 'http:';
  readonly host: string;
  /** `*.example.cn`: any host under it. */
  readonly wildcard: boolean;
  /** Given with a port (`http://127.0.0.1:4000`): that port only. */
  readonly port?: string;
}

/**
 * `example.cn` (https only), `*.example.cn`, `http://files.example.cn`,
 * `http://127.0.0.1:4000`. An entry that is an IP address names that address
 * itself: the one way an internal address is allowed (fake providers on
 * loopback in tests), because an operator wrote it down.
 */
export class AllowList {
  private constructor(private readonly entries: readonly Entry[]) {}

  static parse(...texts: readonly (string | undefined)[]): AllowList {
    const entries: Entry[] = [];
    for (const raw of texts.flatMap((t) => (t ?? '').split(',')).map((e) => e.trim().toLowerCase()).filter(Boolean)) {
      const withScheme = /^[a-z]+:\/\//.test(raw) ? raw : `https://${raw.replace(/^\*\./, 'wildcard.')}`;
      let url: URL;
      try {
        url = new URL(withScheme);
      } catch {
        throw new RangeError(`${MEDIA_HOSTS_ENV}: "${raw}" is not a host`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError(`${MEDIA_HOSTS_ENV}: "${raw}" is neither http nor https`);
      const wildcard = raw.startsWith('*.');
      const host = wildcard ? url.hostname.slice('wildcard.'.length) : url.hostname;
      entries.push({ protocol: url.protocol, host, wildcard, ...(url.port ? { port: url.port } : {}) });
    }
    return new AllowList(entries);
  }

  private match(url: URL): Entry | undefined {
    const host = url.hostname.toLowerCase();
    return this.entries.find(
      (e) =>
        e.protocol === url.protocol &&
        (e.wildcard ? host.endsWith(`.${e.host}`) : host === e.host) &&
        (e.port === undefined ? url.port === '' : url.port === e.port),
    );
  }

  allows(url: URL): boolean {
    return this.match(url) !== undefined;
  }

  /** The URL's host is an address the list names itself. */
  namesAddress(url: URL): boolean {
    const entry = this.match(url);
    return entry !== undefined && !entry.wildcard && isIP(stripBrackets(entry.host)) !== 0;
  }
}

const stripBrackets = (host: string) => host.replace(/^\[|\]$/g, '');

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges, v4 and v6. */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const plain = stripBrackets(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  const family = isIP(plain);
  if (family === 0) return true;
  return INTERNAL.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses a name resolving to any internal address: what the socket connects to is what was checked. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) {
      return callback(Object.assign(new FetchRefused(`${hostname} resolves to an internal address (${internal.address})`, true, '文件地址不被允许'), { code: 'EINTERNAL' }), []);
    }
    const [first] = addresses;
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    if (options.all) return callback(null, addresses);
    callback(null, first.address, first.family);
  });
}

export interface FetchOptions {
  readonly allow: AllowList;
  readonly maxBytes: number;
  /** The whole exchange, redirects included. */
  readonly timeoutMs: number;
  /** Headers for the first host only (credentials never follow a redirect elsewhere). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly maxRedirects?: number;
}

export interface Fetched {
  readonly bytes: Buffer;
  readonly contentType?: string;
  /** The name the provider gave (Content-Disposition), if any. */
  readonly filename?: string;
}

/** Why a URL is refused before anything is sent, or undefined when it may be fetched. */
export function refusal(url: URL, allow: AllowList): FetchRefused | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return new FetchRefused(`${url.protocol} URLs are not fetched`, true, '文件地址不被允许');
  if (url.username || url.password) return new FetchRefused('URLs with credentials are not fetched', true, '文件地址不被允许');
  if (!allow.allows(url)) return new FetchRefused(`${url.host} is not on the allow-list of file hosts`, true, '文件地址不被允许');
  if (isIP(stripBrackets(url.hostname)) !== 0 && isInternalAddress(url.hostname) && !allow.namesAddress(url)) {
    return new FetchRefused(`${url.hostname} is an internal address`, true, '文件地址不被允许');
  }
  return undefined;
}

function filenameOf(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star.trim());
    } catch {
      return undefined;
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1]?.trim();
}

const TRANSIENT_STATUS = new Set([408, 425, 429]);

/** GET `raw` under the rules above; FetchRefused says why not (permanent or worth retrying). */
export async function fetchFile(raw: string, options: FetchOptions): Promise<Fetched> {
  const deadline = Date.now() + options.timeoutMs;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused('not a URL', true, '文件地址无效');
  }
  const origin = url.origin;
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const refused = refusal(url, options.allow);
    if (refused) throw refused;
    const response = await get(url, url.origin === origin ? options.headers : undefined, deadline);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      response.resume();
      const location = response.headers.location;
      if (!location) throw new FetchRefused(`redirect ${status} without a Location`, true, '文件无法获取');
      url = new URL(location, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      const transient = status >= 500 || TRANSIENT_STATUS.has(status);
      throw new FetchRefused(`the provider answered ${status}`, !transient, '文件无法获取');
    }
    const declared = Number(response.headers['content-length'] ?? Number.NaN);
    if (declared > options.maxBytes) {
      response.destroy();
      throw new FetchRefused(`the file is ${declared} bytes, over ${options.maxBytes}`, true, `文件超过 ${options.maxBytes / 1024 / 1024}MB`);
    }
    const bytes = await readCapped(response, options.maxBytes, deadline);
    return { bytes, contentType: response.headers['content-type'], filename: filenameOf(response.headers['content-disposition']) };
  }
  throw new FetchRefused('too many redirects', true, '文件无法获取');
}

function get(url: URL, headers: Readonly<Record<string, string>> | undefined, deadline: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', headers: { 'user-agent': 'maodiaotong-media/1', ...headers }, lookup: guardedLookup as never });
    const timer = setTimeout(() => request.destroy(new FetchRefused('the provider did not answer in time', false, '文件下载超时')), Math.max(0, deadline - Date.now()));
    request.once('response', (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof FetchRefused ? error : new FetchRefused(`could not reach ${url.host}: ${error.message}`, false, '文件无法获取'));
    });
    request.end();
  });
}

function readCapped(response: IncomingMessage, maxBytes: number, deadline: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => response.destroy(new FetchRefused('the download did not finish in time', false, '文件下载超时')), Math.max(0, deadline - Date.now()));
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy(new FetchRefused(`the file is over ${maxBytes} bytes`, true, `文件超过 ${maxBytes / 1024 / 1024}MB`));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    response.once('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof FetchRefused ? error : new FetchRefused(`the download broke off: ${error.message}`, false, '文件无法获取'));
    });
  });
}

/** The allow-list of this process: the providers' hosts and MEDIA_ALLOWED_HOSTS. */
export function mediaAllowList(env: NodeJS.ProcessEnv = process.env): AllowList {
  return AllowList.parse(PROVIDER_HOSTS.join(','), env[MEDIA_HOSTS_ENV]);
}
