/**
 * The setup every browser test shares: the local stack and Chromium started
 * together before the suite, pages that fail the test on a console error
 * (except those the test says it provokes), all closed after.
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { LocalStack, LocalStackOptions } from '../../infra/local/stack.ts';
import { launch, openPage, type WatchedPage } from './browser.ts';
import { startTestStack } from './stack.ts';

export interface BrowserSuite {
  readonly stack: LocalStack;
  readonly browser: Browser;
  /** A fresh page (its own storage), watched for console errors until the test ends. */
  page(options?: BrowserContextOptions): Promise<Page>;
  /** Console errors this test provokes on purpose (the browser logs every 4xx it sees). */
  allowConsoleErrors(...patterns: RegExp[]): void;
}

/** Call inside `describe`: registers the suite's hooks and gives what its tests use. */
export function browserSuite(options: LocalStackOptions = {}): BrowserSuite {
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;
  let opened: WatchedPage[] = [];
  let allowed: RegExp[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack(options), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });
  afterEach(async () => {
    const errors = opened.flatMap((p) => p.errors).filter((e) => !allowed.some((pattern) => pattern.test(e)));
    await Promise.all(opened.map((p) => p.close()));
    opened = [];
    allowed = [];
    expect(errors, 'console errors').toEqual([]);
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} has not started (use it inside a test)`);
    return value;
  };
  return {
    get stack() {
      return started(stack, 'local stack');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async page(pageOptions) {
      const watched = await openPage(started(browser, 'browser'), pageOptions);
      opened.push(watched);
      return watched.page;
    },
    allowConsoleErrors(...patterns) {
      allowed.push(...patterns);
    },
  };
}
