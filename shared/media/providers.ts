/**
 * Each provider's way to a file, all through fetchFile's rules: WeChat's
 * media API by MediaId (the account's access token; PicUrl when the API
 * cannot give it), Twilio's MediaUrlN with the account's credentials, a
 * hotline's URL as it is.
 */
import type { MediaSource } from '../domain/index.ts';
import { WECHAT_TOKEN_ERRORS, type WechatAccessToken } from '../notify/channel.ts';
import { FetchRefused, fetchFile, refusal, type AllowList, type Fetched } from './fetch.ts';

export interface ProviderDeps {
  readonly allow: AllowList;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Absent when the account's AppSecret is not configured: images come by PicUrl, voice cannot be fetched. */
  readonly wechat?: WechatAccessToken;
  readonly twilio?: { readonly accountSid: string; readonly authToken: string; readonly base: string };
}

export class MediaFetcher {
  constructor(private readonly deps: ProviderDeps) {}

  async fetch(source: MediaSource): Promise<Fetched> {
    switch (source.kind) {
      case 'url':
        return this.get(source.url);
      case 'twilio':
        return this.twilio(source.url);
      case 'wechat':
        return this.wechat(source);
    }
  }

  private get(url: string, headers?: Record<string, string>): Promise<Fetched> {
    return fetchFile(url, { allow: this.deps.allow, maxBytes: this.deps.maxBytes, timeoutMs: this.deps.timeoutMs, headers });
  }

  /** Twilio keeps MMS media private to the account: basic auth, sent to Twilio's own origin only. */
  private twilio(url: string): Promise<Fetched> {
    const twilio = this.deps.twilio;
    const ours = twilio !== undefined && new URL(url).origin === new URL(twilio.base).origin;
    const auth = ours ? { authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}` } : undefined;
    return this.get(url, auth);
  }

  private async wechat(source: Extract<MediaSource, { kind: 'wechat' }>): Promise<Fetched> {
    let apiError: unknown;
    if (source.mediaId !== undefined && this.deps.wechat) {
      try {
        return await this.wechatMedia(this.deps.wechat, source.mediaId);
      } catch (error) {
        apiError = error;
      }
    }
    if (source.picUrl !== undefined) return this.get(source.picUrl);
    throw apiError ?? new FetchRefused('WeChat media cannot be fetched: no AppSecret is configured and the message has no PicUrl', true, '暂时无法接收语音，请发送文字');
  }

  /** cgi-bin/media/get answers the file, or a JSON error with status 200. */
  private async wechatMedia(token: WechatAccessToken, mediaId: string): Promise<Fetched> {
    for (let attempt = 0; ; attempt++) {
      const url = `${token.base}/cgi-bin/media/get?access_token=${encodeURIComponent(await token.get())}&media_id=${encodeURIComponent(mediaId)}`;
      const fetched = await this.get(url);
      const json = /json|text\/plain/i.test(fetched.contentType ?? '') || fetched.bytes.subarray(0, 12).toString('latin1').startsWith('{"errcode"');
      if (!json) return fetched;
      const body = JSON.parse(fetched.bytes.toString('utf8')) as { errcode?: number; errmsg?: string };
      if (attempt === 0 && body.errcode !== undefined && WECHAT_TOKEN_ERRORS.has(body.errcode)) {
        token.forget();
        continue;
      }
      // -1: WeChat is busy; anything else (an expired or unknown media_id) will not change.
      throw new FetchRefused(`WeChat media: ${body.errcode ?? '?'} ${body.errmsg ?? ''}`, body.errcode !== -1, '文件已过期或无法获取');
    }
  }
}

/**
 * A source as it may be fetched: a WeChat message keeps its MediaId (the API
 * is allow-listed) and loses a PicUrl the list refuses; a URL the list
 * refuses leaves nothing to fetch (undefined).
 */
export function allowedSource(source: MediaSource, allow: AllowList): MediaSource | undefined {
  const ok = (url: string) => URL.canParse(url) && refusal(new URL(url), allow) === undefined;
  switch (source.kind) {
    case 'wechat': {
      const { picUrl, ...rest } = source;
      return picUrl !== undefined && ok(picUrl) ? source : rest.mediaId !== undefined ? rest : undefined;
    }
    case 'twilio':
    case 'url':
      return ok(source.url) ? source : undefined;
  }
}
