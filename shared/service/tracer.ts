import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray through Powertools: a segment per invocation (the `lambda()` wrapper)
 * and a subsegment per AWS call on the clients passed through `traced`. Off
 * outside Lambda (Powertools checks the environment), so local mode is unchanged.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'maodiaotong' });

/** An AWS SDK v3 client whose calls appear as X-Ray subsegments. */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
