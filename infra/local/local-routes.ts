/** What the local gateway answers itself: health, and the pages' files from web/dist. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { isPagePath, serveAsset, type WebAssets } from '../../web/assets.ts';
import { WEB_ASSETS } from '../../web/build.ts';

export async function serveLocal(req: IncomingMessage, res: ServerResponse, url: URL, ready: () => boolean): Promise<boolean> {
  const path = url.pathname;
  if (path === '/healthz') {
    const ok = ready();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'starting' }));
    return true;
  }
  if ((req.method === 'GET' || req.method === 'HEAD') && isPagePath(path)) {
    // Read on every request, so that `npm run build:web` shows up on reload.
    const assets = JSON.parse(await readFile(WEB_ASSETS, 'utf8')) as WebAssets;
    const reply = serveAsset(assets, path, {
      acceptEncoding: req.headers['accept-encoding'],
      ifNoneMatch: req.headers['if-none-match'],
      query: url.search.slice(1),
      // Presigned URLs point at the local S3.
      filesOrigin: process.env.AWS_ENDPOINT_URL_S3 && new URL(process.env.AWS_ENDPOINT_URL_S3).origin,
    });
    res.writeHead(reply.status, reply.headers);
    res.end(req.method === 'HEAD' ? undefined : reply.body);
    return true;
  }
  return false;
}
