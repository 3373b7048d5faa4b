/**
 * The pages' built files and how they are answered, the same in the Lambda
 * (functions/web) and in the local gateway: `/admin/` is the mediators' page
 * (index.html), `/track/` the residents' (track.html), `/<page>/<file>` a
 * built file, stored gzipped and sent as is to browsers that accept gzip.
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

/** The env var naming where files are served from (the attachments bucket's origin), which the pages' CSP lets them reach. */
export const FILES_ORIGIN_ENV = 'FILES_ORIGIN';

/** Pages may reach nothing but themselves — and the files' origin, for uploads (connect), photos (img) and recordings (media). */
function pageHeaders(filesOrigin: string | undefined): Record<string, string> {
  const files = filesOrigin ? ` ${filesOrigin}` : '';
  return {
    'content-security-policy': `default-src 'self'; connect-src 'self'${files}; img-src 'self' data:${files}; media-src 'self'${files}; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    'referrer-policy': 'no-referrer',
  };
}

/** Each page's path and the file it opens with; both read the same built files. */
export const PAGE_ROOTS: Readonly<Record<string, string>> = { '/admin': 'index.html', '/track': 'track.html' };

export const isPagePath = (path: string): boolean => Object.keys(PAGE_ROOTS).some((root) => path === root || path.startsWith(`${root}/`));

export interface AssetReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export function serveAsset(
  assets: WebAssets,
  path: string,
  request: { readonly acceptEncoding?: string; readonly ifNoneMatch?: string; readonly query?: string; readonly filesOrigin?: string },
): AssetReply {
  const root = Object.keys(PAGE_ROOTS).find((r) => path === r || path.startsWith(`${r}/`));
  // Relative URLs in the pages need the trailing slash; the query (a tracking number in a link) is kept.
  if (root && path === root) return { status: 308, headers: { location: `${root}/${request.query ? `?${request.query}` : ''}` }, body: Buffer.alloc(0) };
  const name = root === undefined ? undefined : path === `${root}/` ? PAGE_ROOTS[root] : path.slice(root.length + 1);
  const asset = name !== undefined && Object.hasOwn(assets, name) ? assets[name] : undefined;
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
    ...(name?.endsWith('.html') ? pageHeaders(request.filesOrigin) : {}),
  };
  if (request.ifNoneMatch === asset.etag) return { status: 304, headers, body: Buffer.alloc(0) };
  const gzipped = Buffer.from(asset.gzip, 'base64');
  return /\bgzip\b/.test(request.acceptEncoding ?? '')
    ? { status: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipped }
    : { status: 200, headers, body: gunzipSync(gzipped) };
}
