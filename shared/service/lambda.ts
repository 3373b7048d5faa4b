/**
 * The one wrapper of every function entry: Powertools Logger with the Lambda
 * context (request id, cold start; level from POWERTOOLS_LOG_LEVEL), the
 * ColdStart metric and a flush of stored metrics, and the secrets read from
 * Secrets Manager (cached) before the handler runs. X-Ray is Lambda's active
 * tracing (infra/stack.ts): a segment per invocation with no tracing library
 * in the bundle, whose X-Ray SDK and its async hooks doubled the cold start
 * and taxed every promise of the request path.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';
import { refreshSecrets } from './secrets.ts';

// Only when something was stored: Powertools warns on every empty flush otherwise.
const flush = () => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
};

/** Lambda always passes a context; tests and the local stack may not (middy then gives an empty one). */
export type Entry<E, R> = (event: E, context?: Context) => Promise<R>;

export function lambda<E, R>(handler: (event: E, context: Context) => Promise<R>): Entry<E, R> {
  return middy<E, R, Error, Context>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      before: async (request) => {
        metrics.captureColdStartMetric(request.context.functionName);
        await refreshSecrets();
      },
      after: flush,
      onError: flush,
    });
}
