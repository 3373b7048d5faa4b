/**
 * Fetching from providers: the allow-list, internal addresses (also behind a
 * name or a redirect), the size cap read as bytes arrive, the deadline, and
 * credentials that never follow a redirect to another origin — against a
 * real HTTP server on loopback (allow-listed by its address).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowList, FetchRefused, fetchFile, isInternalAddress, refusal } from '../../shared/media/fetch.ts';
import { MediaFetcher, allowedSource } from '../../shared/media/providers.ts';

let server: Server;
let origin: string;
let port: string;
const seen: { path: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('现场.jpg')}` });
        return res.end(Buffer.alloc(100, 1));
      case '/chunked-big':
        // No Content-Length: the cap must hold as the bytes arrive.
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(1024));
        return res.end();
      case '/declared-big':
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024 + 1) });
        return res.end();
      case '/slow':
        setTimeout(() => res.end('late'), 2000);
        return;
      case '/to-elsewhere':
        res.writeHead(302, { location: `http://localhost:${port}/ok` });
        return res.end();
      case '/to-same':
        res.writeHead(301, { location: '/ok' });
        return res.end();
      case '/gone':
        res.writeHead(404);
        return res.end();
      case '/busy':
        res.writeHead(503);
        return res.end();
      default:
        res.writeHead(500);
        res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  port = String(typeof address === 'object' && address ? address.port : 0);
  origin = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const allow = () => AllowList.parse(`${origin},http://localhost:${port},*.example.cn`);
const get = (path: string, options: Partial<Parameters<typeof fetchFile>[1]> = {}) => fetchFile(`${origin}${path}`, { allow: allow(), maxBytes: 10 * 1024, timeoutMs: 1000, ...options });

describe('the allow-list', () => {
  it('takes hosts (https only), wildcards, and http origins with their port', () => {
    const list = AllowList.parse('api.weixin.qq.com,*.qpic.cn,http://files.example.cn:8080');
    expect(list.allows(new URL('https://api.weixin.qq.com/cgi-bin/media/get'))).toBe(true);
    expect(list.allows(new URL('http://api.weixin.qq.com/x'))).toBe(false);
    expect(list.allows(new URL('https://mmbiz.qpic.cn/x'))).toBe(true);
    expect(list.allows(new URL('https://qpic.cn.evil.com/x'))).toBe(false);
    expect(list.allows(new URL('https://evilqpic.cn/x'))).toBe(false);
    expect(list.allows(new URL('http://files.example.cn:8080/a'))).toBe(true);
    expect(list.allows(new URL('http://files.example.cn/a'))).toBe(false);
    expect(() => AllowList.parse('ftp://x')).toThrow(RangeError);
  });

  it('knows internal addresses, v4, v6 and v4 mapped in v6', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '[::1]']) {
      expect(isInternalAddress(ip), ip).toBe(true);
    }
    for (const ip of ['203.119.128.1', '8.8.8.8', '2408:8000::1']) expect(isInternalAddress(ip), ip).toBe(false);
  });

  it('refuses other schemes, credentials in the URL, and internal IPs the list does not name', () => {
    const list = AllowList.parse('http://127.0.0.1:80,example.cn');
    expect(refusal(new URL('file:///etc/passwd'), list)?.permanent).toBe(true);
    expect(refusal(new URL('https://user:pw@example.cn/x'), list)).toBeInstanceOf(FetchRefused);
    expect(refusal(new URL('http://127.0.0.1/x'), list)).toBeUndefined();
    expect(refusal(new URL('http://127.0.0.2/x'), list)).toBeInstanceOf(FetchRefused);
  });
});

describe('fetching', () => {
  it('gets an allowed file with the name the provider gave', async () => {
    const got = await get('/ok');
    expect(got.bytes.length).toBe(100);
    expect(got.filename).toBe('现场.jpg');
  });

  it('never connects to an allowed name that resolves to an internal address', async () => {
    const before = seen.length;
    await expect(fetchFile(`http://localhost:${port}/ok`, { allow: allow(), maxBytes: 1024, timeoutMs: 1000 })).rejects.toMatchObject({ permanent: true, message: expect.stringContaining('internal address') });
    expect(seen.length).toBe(before);
  });

  it('follows a redirect only to where it may go, with credentials only to the first origin', async () => {
    await expect(get('/to-elsewhere')).rejects.toMatchObject({ message: expect.stringContaining('internal address') });
    seen.length = 0;
    await get('/to-same', { headers: { authorization: 'Basic c2VjcmV0' } });
    expect(seen.map((s) => [s.path, s.authorization])).toEqual([
      ['/to-same', 'Basic c2VjcmV0'],
      ['/ok', 'Basic c2VjcmV0'],
    ]);
  });

  it('stops reading past the cap, declared or not, and gives up at the deadline', async () => {
    await expect(get('/chunked-big')).rejects.toMatchObject({ permanent: true, message: 'the file is over 10240 bytes' });
    await expect(get('/declared-big', { maxBytes: 10 * 1024 * 1024 })).rejects.toMatchObject({ permanent: true });
    await expect(get('/slow', { timeoutMs: 200 })).rejects.toMatchObject({ permanent: false, message: expect.stringContaining('in time') });
  });

  it('tells what is worth retrying: a 404 is not, a 503 is', async () => {
    await expect(get('/gone')).rejects.toMatchObject({ permanent: true });
    await expect(get('/busy')).rejects.toMatchObject({ permanent: false });
  });
});

describe('providers', () => {
  it('sends Twilio credentials to Twilio only', async () => {
    seen.length = 0;
    const fetcher = new MediaFetcher({ allow: allow(), maxBytes: 1024, timeoutMs: 1000, twilio: { accountSid: 'AC1', authToken: 't', base: `http://localhost:${port}` } });
    await fetcher.fetch({ kind: 'twilio', url: `${origin}/ok` });
    expect(seen[0]?.authorization).toBeUndefined();
    const ours = new MediaFetcher({ allow: allow(), maxBytes: 1024, timeoutMs: 1000, twilio: { accountSid: 'AC1', authToken: 't', base: origin } });
    await ours.fetch({ kind: 'twilio', url: `${origin}/ok` });
    expect(seen[1]?.authorization).toBe(`Basic ${Buffer.from('AC1:t').toString('base64')}`);
  });

  it('keeps a WeChat message fetchable by MediaId when its PicUrl is not allowed, and drops URLs that are not', () => {
    const list = AllowList.parse('mmbiz.qpic.cn');
    expect(allowedSource({ kind: 'wechat', msgType: 'image', mediaId: 'm', picUrl: 'https://evil.example.com/p.jpg' }, list)).toEqual({ kind: 'wechat', msgType: 'image', mediaId: 'm' });
    expect(allowedSource({ kind: 'wechat', msgType: 'image', mediaId: 'm', picUrl: 'https://mmbiz.qpic.cn/p' }, list)).toMatchObject({ picUrl: 'https://mmbiz.qpic.cn/p' });
    expect(allowedSource({ kind: 'url', url: 'https://evil.example.com/a.pdf' }, list)).toBeUndefined();
  });
});
