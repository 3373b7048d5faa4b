/**
 * GET /v1/track/{trackingNo}?code= — the resident's own status view. Public:
 * the 提取码 is the credential (shared/service/tracked.ts: counted tries, 404
 * for a wrong code, 429 after five). The files shared with the resident are
 * served by the attachments function (GET /v1/track/{trackingNo}/attachments),
 * so this one carries no S3 client.
 */
import middy from '@middy/core';
import type { ApiEvent } from '../../shared/http/event.ts';
import { httpErrors } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { AttemptLimiter } from '../../shared/store/limits.ts';
import { config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { openTracked } from '../../shared/service/tracked.ts';
import { publicView } from '../../shared/service/views.ts';
import { clock } from '../../shared/service/clock.ts';

const limiter = new AttemptLimiter(dynamodb, config.tableName);

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const loaded = await openTracked(event, { limiter, store, now: clock.now() });
    const units = await directory.units();
    const into = loaded.state.mergedInto ? await store.load(loaded.state.mergedInto) : undefined;
    if (into) {
      // 并单: the matter is worked in the other case; show its progress, but not its reporter.
      const { reporter: _theirs, ...view } = publicView(into.state, await store.eventsAfter(into.state.id, 0), units);
      return json(200, { ...view, mergedFrom: loaded.state.trackingNo });
    }
    return json(200, publicView(loaded.state, await store.eventsAfter(loaded.state.id, 0), units));
  });
