/**
 * A local stand-in for API Gateway's HTTP API: matches a request to a route of
 * the topology, turns it into a payload v2 event, invokes the same handler
 * module Lambda would, and writes its result back.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pLimit, { type LimitFunction } from 'p-limit';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface Route {
  readonly routeKey: string;
  readonly functionName: string;
  readonly handler: () => Promise<HttpHandler>;
}

interface CompiledRoute extends Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly specificity: number;
}

/** API Gateway refuses payloads over 10 MB before any function runs. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i;

function compile(route: Route): CompiledRoute {
  // API Gateway's catch-all: any method, any path, tried after every other route.
  if (route.routeKey === '$default') return { ...route, method: 'ANY', pattern: /^\/.*$/, params: [], specificity: -Infinity };
  const [method = 'ANY', path = '/'] = route.routeKey.split(' ');
  const params: string[] = [];
  let literals = 0;
  const source = path
    .split('/')
    .map((segment) => {
      const greedy = segment.match(/^\{(\w+)\+\}$/);
      if (greedy?.[1]) {
        params.push(greedy[1]);
        return '(.+)';
      }
      const param = segment.match(/^\{(\w+)\}$/);
      if (param?.[1]) {
        params.push(param[1]);
        return '([^/]+)';
      }
      literals++;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...route, method, pattern: new RegExp(`^${source}$`), params, specificity: literals * 10 - params.length };
}

export interface GatewayOptions {
  readonly routes: readonly Route[];
  /** Requests the gateway answers itself (health, static files) before routing. */
  readonly local?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  readonly ready?: () => boolean;
  /**
   * Requests handled at once; the rest wait their turn in arrival order. One
   * process runs every function here, so without a bound each of hundreds of
   * requests gets a sliver of the CPU, all of them slow, and new connections
   * starve (Lambda would run them side by side instead).
   */
  readonly maxInFlight?: number;
  /** The turns themselves, when the caller wants to see how many requests wait (the stack's background lane); made from maxInFlight otherwise. */
  readonly turns?: LimitFunction;
}

/** Measured with `npm run bench` (fair load): enough to keep the local DynamoDB busy, few enough to finish each quickly. */
export const DEFAULT_MAX_IN_FLIGHT = 16;

function writeError(res: ServerResponse, status: number, code: string, message: string, issues?: { path: string; message: string }[]): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message, ...(issues ? { issues } : {}) } }));
}

/** A path segment that does not decode (a malformed %-escape, or bytes that are not UTF-8): the request is refused, as API Gateway does. */
class MalformedPath extends Error {
  constructor(readonly param: string) {
    super(`the path parameter ${param} has a malformed %-escape`);
  }
}

function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedPath(name);
  }
}

/** The body, or undefined (and the request dropped) past GATEWAY_MAX_BODY. Listeners, not an async iterator: cheaper per request. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client went away before the body ended'));
    });
  });
}

/**
 * The request target as a URL. Always read as a path on this host: `//x/y`
 * is the path `//x/y` (as API Gateway has it), not a URL of host `x`.
 */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(`http://local${(req.url ?? '/').startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
}

export function toEvent(req: IncomingMessage, url: URL, body: Buffer, route: CompiledRoute, match: RegExpMatchArray): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-proto'] ??= 'http';
  // A Map, then fromEntries: a parameter named __proto__ or constructor is a plain own property, as in Lambda's parsed JSON.
  const params = new Map<string, string>();
  if (url.search) for (const [name, value] of url.searchParams) params.set(name, params.has(name) ? `${params.get(name)},${value}` : value);
  const query: Record<string, string> = Object.fromEntries(params);
  const pathParameters = Object.fromEntries(route.params.map((p, i) => [p, decodeParam(p, match[i + 1] ?? '')]));
  const contentType = headers['content-type'] ?? '';
  // Bytes that are not UTF-8 cannot travel as a JSON string: they go base64, so handlers see them as they came.
  const binary = body.length > 0 && (!TEXT_TYPES.test(contentType) || !isUtf8(body));
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: req.headers.cookie?.split(';').map((c) => c.trim()),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: route.params.length ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (binary ? body.toString('base64') : body.toString('utf8')) : undefined,
    isBase64Encoded: binary,
  };
}

/** Payload v2: a result without statusCode is a 200 JSON body. */
function writeResult(res: ServerResponse, result: unknown): void {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k] = String(v);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  res.writeHead(structured.statusCode ?? 200, headers);
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export function createGateway(options: GatewayOptions): Server {
  const compiled = options.routes.map(compile).sort((a, b) => b.specificity - a.specificity);
  const turn = options.turns ?? pLimit(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  return createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (!body) return writeError(res, 413, 'payload_too_large', 'the gateway refuses bodies over 10 MB');
      const url = requestUrl(req);
      if (options.local && (await options.local(req, res, url))) return;
      if (options.ready && !options.ready()) return writeError(res, 503, 'starting', 'the local stack is starting');
      const path = url.pathname;
      const method = req.method ?? 'GET';
      let match: RegExpMatchArray | null = null;
      const route = compiled.find((r) => (r.method === method || r.method === 'ANY') && (match = path.match(r.pattern)));
      if (!route || !match) return writeError(res, 404, 'not_found', `no route ${method} ${path}`);
      let event: APIGatewayProxyEventV2;
      try {
        event = toEvent(req, url, body, route, match);
      } catch (error) {
        if (!(error instanceof MalformedPath)) throw error;
        return writeError(res, 400, 'validation_failed', error.message, [{ path: error.param, message: 'has a malformed %-escape' }]);
      }
      const handler = await route.handler();
      const result = await turn(() => handler(event, lambdaContext(route.functionName)));
      writeResult(res, result);
    })().catch((error: unknown) => {
      console.error('[gateway] handler crashed', error);
      if (!res.headersSent) writeError(res, 500, 'internal_error', 'the handler crashed');
      else res.end();
    });
  });
}
