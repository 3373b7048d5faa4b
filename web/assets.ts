/**
 * The admin page's built files and how they are answered, the same in the
 * Lambda (functions/web) and in the local gateway: `/admin/` is index.html,
 * `/admin/<file>` a built file, stored gzipped and sent as is to browsers
 * that accept gzip.
 */
import { gunzipSync } from 'node:zlib';

export interface WebAsset {
  readonly type: string;
  readonly etag: string;
  /** The file gzipped, in base64. */
  readonly gzip: string;
}

/** File name in web/dist → the file. */
export type WebAssets = Readonly<Record<string, WebAsset>>;

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
};

export interface AssetReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export function serveAsset(
  assets: WebAssets,
  path: string,
  request: { readonly acceptEncoding?: string; readonly ifNoneMatch?: string },
): AssetReply {
  // Relative URLs in index.html need the trailing slash.
  if (path === '/admin') return { status: 308, headers: { location: '/admin/' }, body: Buffer.alloc(0) };
  const name = path === '/admin/' ? 'index.html' : path.slice('/admin/'.length);
  const asset = assets[name];
  if (!asset) {
    const body = { error: { code: 'not_found', message: `no file ${path}` } };
    return { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(body)) };
  }
  const headers: Record<string, string> = {
    'content-type': asset.type,
    etag: asset.etag,
    'cache-control': 'no-cache',
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    ...(name === 'index.html' ? PAGE_HEADERS : {}),
  };
  if (request.ifNoneMatch === asset.etag) return { status: 304, headers, body: Buffer.alloc(0) };
  const gzipped = Buffer.from(asset.gzip, 'base64');
  return /\bgzip\b/.test(request.acceptEncoding ?? '')
    ? { status: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipped }
    : { status: 200, headers, body: gunzipSync(gzipped) };
}
