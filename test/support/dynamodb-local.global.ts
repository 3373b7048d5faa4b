/**
 * vitest globalSetup of the `dynamodb-local` project: one Amazon DynamoDB Local
 * for the whole run (a JVM takes about a second to start and more to warm up),
 * shared by every file through its endpoint; each file's stack makes its own table.
 */
import type { TestProject } from 'vitest/node';
import { startDynamo } from '../../infra/local/servers.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const server = await startDynamo({ backend: 'dynamodb-local' });
  console.log(`Amazon DynamoDB Local at ${server.endpoint}, up in ${Date.now() - started} ms`);
  project.provide('dynamodbEndpoint', server.endpoint);
  return () => server.stop();
}
