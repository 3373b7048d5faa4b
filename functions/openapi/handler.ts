/** GET /openapi.json — the contract integrators build against; and `$default`, the contract's 404 for any other path. */
import middy from '@middy/core';
import { openApiDocument } from '../../shared/contract/openapi.ts';
import { NotFound } from '../../shared/domain/errors.ts';
import { header, type ApiEvent } from '../../shared/http/event.ts';
import { httpErrors } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { lambda } from '../../shared/service/lambda.ts';

let document: string | undefined;

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    if (event.routeKey === '$default') throw new NotFound(`no route ${event.requestContext.http.method} ${event.rawPath}`);
    const scheme = header(event, 'x-forwarded-proto') ?? 'https';
    document ??= JSON.stringify(openApiDocument(`${scheme}://${event.requestContext.domainName}`));
    return { ...json(200, null, { 'cache-control': 'public, max-age=300' }), body: document };
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
