/** What the local gateway answers itself: health and, later, the admin page's files. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function serveLocal(req: IncomingMessage, res: ServerResponse, ready: () => boolean): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (path === '/healthz') {
    const ok = ready();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'starting' }));
    return true;
  }
  return false;
}
