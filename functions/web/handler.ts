/** GET /admin and /admin/{proxy+} — the admin page, whose files web/build.ts puts into this bundle. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import built from '../../web/dist/assets.json' with { type: 'json' };
import { serveAsset, type WebAssets } from '../../web/assets.ts';
import { header } from '../../shared/http/event.ts';
import type { HttpResult } from '../../shared/http/response.ts';

const assets: WebAssets = built;

export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const reply = serveAsset(assets, event.rawPath, {
    acceptEncoding: header(event, 'accept-encoding'),
    ifNoneMatch: header(event, 'if-none-match'),
  });
  return { statusCode: reply.status, headers: reply.headers, body: reply.body.toString('base64'), isBase64Encoded: true };
};
