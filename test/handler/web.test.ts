/** The web Lambda: the admin page's files from the assets.json shipped beside it, gzipped when the browser takes it, with ETags. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as WebHandler } from '../../functions/web/handler.ts';
import { buildWeb, WEB_ASSETS, webIsStale } from '../../web/build.ts';

let handler: typeof WebHandler;
beforeAll(async () => {
  // The handler reads what the build writes; from source it finds the file through WEB_ASSETS.
  if (await webIsStale()) await buildWeb();
  process.env.WEB_ASSETS = WEB_ASSETS;
  ({ handler } = await import('../../functions/web/handler.ts'));
});

const get = (rawPath: string, headers: Record<string, string> = {}, rawQueryString = '') =>
  handler({ rawPath, rawQueryString, headers, routeKey: 'GET /admin/{proxy+}', requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2);

const bodyOf = (reply: Awaited<ReturnType<typeof get>>) => Buffer.from(reply.body ?? '', 'base64');

describe('GET /admin…', () => {
  it('redirects /admin to /admin/, where the relative URLs of index.html work', async () => {
    const reply = await get('/admin');
    expect(reply.statusCode).toBe(308);
    expect(reply.headers.location).toBe('/admin/');
  });

  it('answers /admin/ with index.html, gzipped for a browser that accepts it, with a content security policy', async () => {
    const reply = await get('/admin/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(reply.statusCode).toBe(200);
    expect(reply.isBase64Encoded).toBe(true);
    expect(reply.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', vary: 'accept-encoding' });
    expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
    const html = gunzipSync(bodyOf(reply)).toString('utf8');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<script type="module" src="app.js">');
  });

  it('sends what the first paint needs with the HTML: a skeleton in the page, the styles inline, every chunk announced', async () => {
    // On a slow link the page shows its heading and a loading line (the tracking page its form) before any script arrives.
    for (const [path, script, skeleton] of [
      ['/admin/', 'app.js', /<main id="main" aria-busy="true"><h1>矛调通 · 调解工作台<\/h1><p class="muted">正在加载…/],
      ['/track/', 'track.js', /<main id="main" class="track" aria-busy="true">\s*<h1>诉求办理进度查询<\/h1>\s*<form aria-label="查询">/],
    ] as const) {
      const html = bodyOf(await get(path)).toString('utf8');
      expect(html, path).toMatch(skeleton);
      expect(html, path).toMatch(/<style>[^<]{1000,}<\/style>/);
      expect(html, path).not.toContain('<link rel="stylesheet"');
      const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)" \/>/g)].map((m) => m[1]);
      for (const chunk of preloaded) expect((await get(`${path}${chunk}`)).statusCode, chunk).toBe(200);
      expect(html.indexOf(`<script type="module" src="${script}">`), path).toBeGreaterThan(0);
    }
  });

  it('sends the script plain to a client without gzip, and 304 to one that has this version', async () => {
    const reply = await get('/admin/app.js');
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(bodyOf(reply).length).toBeGreaterThan(10_000);
    const etag = reply.headers.etag;
    expect(etag).toMatch(/^"[\w-]{16}"$/);

    const again = await get('/admin/app.js', { 'If-None-Match': etag! });
    expect(again.statusCode).toBe(304);
    expect(bodyOf(again).length).toBe(0);
  });

  it("serves the residents' tracking page at /track/, keeping a receipt link's number through the redirect", async () => {
    const redirect = await get('/track', {}, 'no=C26V9XQGBV');
    expect(redirect.statusCode).toBe(308);
    expect(redirect.headers.location).toBe('/track/?no=C26V9XQGBV');
    expect((await get('/admin')).headers.location).toBe('/admin/');

    const page = await get('/track/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const html = bodyOf(page).toString('utf8');
    expect(html).toContain('<title>诉求办理进度查询 · 矛调通</title>');
    expect(html).toContain('<script type="module" src="track.js">');
    expect((await get('/track/track.js')).statusCode).toBe(200);
  });

  it('answers a file that is not part of the page with the API error body and 404', async () => {
    for (const path of ['/admin/nope.js', '/admin/../package.json', '/admin/assets.json', '/track/inputs.json', '/trackx', '/']) {
      const reply = await get(path);
      expect(reply.statusCode, path).toBe(404);
      expect(JSON.parse(bodyOf(reply).toString('utf8'))).toMatchObject({ error: { code: 'not_found' } });
    }
  });
});
