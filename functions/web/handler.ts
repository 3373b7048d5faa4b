/** GET /admin… and /track… — the mediators' and the residents' pages, from the assets.json that web/build.ts writes and CDK ships beside this bundle. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFile } from 'node:fs/promises';
import { FILES_ORIGIN_ENV, serveAsset, type WebAssets } from '../../web/assets.ts';
import { header } from '../../shared/http/event.ts';
import type { HttpResult } from '../../shared/http/response.ts';
import { lambda } from '../../shared/service/lambda.ts';

/** Beside the bundle in Lambda; WEB_ASSETS points elsewhere when the handler runs from source. */
const ASSETS_FILE = process.env.WEB_ASSETS ?? new URL('./assets.json', import.meta.url);

// Read once per container, on the first request rather than at import, so a cold start of any route stays cheap.
let assets: Promise<WebAssets> | undefined;
const loadAssets = (): Promise<WebAssets> =>
  (assets ??= readFile(ASSETS_FILE, 'utf8')
    .then((text) => JSON.parse(text) as WebAssets)
    .catch((error: unknown) => {
      // A failed read is tried again on the next request, not remembered for the container's life.
      assets = undefined;
      throw error;
    }));

const run = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const reply = serveAsset(await loadAssets(), event.rawPath, {
    acceptEncoding: header(event, 'accept-encoding'),
    ifNoneMatch: header(event, 'if-none-match'),
    query: event.rawQueryString,
    filesOrigin: process.env[FILES_ORIGIN_ENV],
  });
  return { statusCode: reply.status, headers: reply.headers, body: reply.body.toString('base64'), isBase64Encoded: true };
};

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
