import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files first: the fault-injection shards and the browser suites take minutes each, and from a
 * clean clone (no timings cached) vitest starts the largest files first — the shards are three lines, so they
 * started last and ran alone at the end (≈200 s of a ≈1,000 s run). Otherwise vitest's own order.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const long = (f: TestSpecification) => (/\/test\/(integration\/faults|e2e)\//.test(f.moduleId) ? 0 : 1);
    return (await super.sort(files)).sort((a, b) => long(a) - long(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start a local stack; two at a time fits two cores.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    expect: {
      // A test that asserts nothing fails.
      requireAssertions: true,
      // Polls wait on servers and a browser: generous on a loaded two-core machine, still far below testTimeout.
      poll: { timeout: 10_000 },
    },
    // Everything on dynalite (DYNAMODB_BACKEND unset), and the files that talk to DynamoDB once more on
    // Amazon DynamoDB Local, which behaves as DynamoDB does where dynalite is lenient. `--project` picks one.
    projects: [
      { extends: true, test: { name: 'dynalite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'dynamodb-local',
          include: ['test/integration/**/*.test.ts'],
          // The fault-injection runs test the core's logic under faults; they run once, on dynalite.
          exclude: ['test/integration/faults/**'],
          env: { DYNAMODB_BACKEND: 'dynamodb-local' },
          globalSetup: ['test/support/dynamodb-local.global.ts'],
        },
      },
    ],
  },
});
