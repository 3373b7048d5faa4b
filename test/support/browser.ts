/** Real Chromium for the admin page's tests: launch, pages that record console errors, sign-in, downloads, screenshots. */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

/** Whether the browser tests can run; in CI a missing browser is an error, never a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium, see .ci/run)`);
  console.warn(`Skipping the browser tests: ${CHROMIUM} not found (apt-get install -y chromium).`);
  return false;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** A page in a fresh context (its own storage) that records every console error and page error. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 900 },
    // Charts draw at once, so screenshots show them whole.
    reducedMotion: 'reduce',
    ...options,
  });
  // A wait that cannot succeed fails naming what it waited for, well before the test's own timeout.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return { page, errors, close: () => context.close() };
}

export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/admin/`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '我的待办' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = resolve(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Clicks what starts a download and returns the file's name and its text. */
/** Open a case action's form (unless a kept draft has it open), fill it, send it, and wait until the page has taken the answer. */
export async function performAction(p: Page, type: string, fill: (form: Locator) => Promise<unknown> = async () => undefined): Promise<void> {
  const form = p.locator(`details.action-${type}`);
  if (!(await form.evaluate((d) => (d as HTMLDetailsElement).open))) await form.locator('summary').click();
  await fill(form);
  const [reply] = await Promise.all([
    p.waitForResponse((r) => r.url().endsWith('/actions') && r.request().method() === 'POST'),
    form.locator('button[type=submit]').click(),
  ]);
  expect(reply.status(), `${type}: ${await reply.text()}`).toBe(200);
  await expect.poll(() => p.locator('details.action[open]').count()).toBe(0);
}

export async function downloadBy(page: Page, trigger: Locator): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

/** A 390-pixel phone (the width of today's common handsets) and a 1366-pixel desk, as the page is used. */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1366, height: 768 } };

const AXE_SOURCE = resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');
let axeSource: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact?: string;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * axe-core's violations on the page as it stands (WCAG 2.1 A and AA and
 * axe's best practices). The script is evaluated through the debugging
 * protocol, so the page's Content-Security-Policy (no inline scripts) does not
 * stop it.
 */
export async function axeViolations(page: Page): Promise<{ id: string; impact?: string; help: string; targets: string[] }[]> {
  axeSource ??= await readFile(AXE_SOURCE, 'utf8');
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** The page's width as laid out: more than the viewport means something makes it scroll sideways. */
export const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);
