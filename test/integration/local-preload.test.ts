/** `npm start` loads every handler before it answers, so the first requests do not wait for a compile. */
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { functionList } from '../../infra/topology.ts';
import { startTestStack } from '../support/stack.ts';

describe('the local stack with preload', () => {
  let stack: LocalStack | undefined;
  afterAll(async () => stack?.stop());

  it('has loaded every HTTP function before it is up (workers off: only those)', async () => {
    const loaded: string[] = [];
    stack = await startTestStack({
      preload: true,
      wrapHandler: (name, handler) => {
        loaded.push(name);
        return handler;
      },
    });
    const http = functionList().filter(([, def]) => def.kind === 'http').map(([name]) => name);
    expect(loaded.sort()).toEqual(http.sort());
  });
});
