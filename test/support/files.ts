/** The local S3 of a test stack, and fake providers on loopback that serve files the way WeChat, Twilio and a 12345 file server do. */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { LocalStack } from '../../infra/local/stack.ts';

export const mediaFixture = (name: string) => readFileSync(new URL(`../fixtures/media/${name}`, import.meta.url));

export function s3Of(stack: LocalStack): S3Client {
  return new S3Client({ endpoint: stack.s3Endpoint, forcePathStyle: true, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Every key in the bucket under `prefix`, sorted. */
export async function keys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

export async function object(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

export interface FakeProvider {
  readonly origin: string;
  /** Requests seen: path and query, and the Authorization header. */
  readonly requests: { url: string; authorization?: string }[];
  /** What to answer at a path (exact, query excluded). */
  route(path: string, answer: (req: IncomingMessage) => { status?: number; headers?: Record<string, string>; body?: Buffer | string }): void;
  close(): Promise<void>;
}

export async function fakeProvider(): Promise<FakeProvider> {
  const routes = new Map<string, (req: IncomingMessage) => { status?: number; headers?: Record<string, string>; body?: Buffer | string }>();
  const requests: FakeProvider['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const answer = routes.get(path)?.(req) ?? { status: 404, body: 'not found' };
    res.writeHead(answer.status ?? 200, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (path, answer) => routes.set(path, answer),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
