/** The dashboard under test: the app on a temporary SQLite store with the demo fund, and Debian's Chromium (never a download). */
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { loadDemo } from '../../src/app/demo-loader';
import { type TestApp, startTestApp } from '../support/test-app';

/** Browser globals, only inside functions that run in the page (this module is compiled without the DOM lib). */
declare const document: any, sessionStorage: any, localStorage: any;

export const FUND_ID = 'hohhot-2022-industrial';
export const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
export const CHROMIUM = process.env.FUNDTRAIL_CHROMIUM ?? '/usr/bin/chromium';

export interface Dashboard {
  app: TestApp;
  browser: Browser;
  base: string;
  close(): Promise<void>;
}

export async function startDashboard(): Promise<Dashboard> {
  const app = await startTestApp();
  await loadDemo(app.runtime.ledger);
  // as a running server does at start (its engine is off under Jest): the history's alerts are raised before any
  // page opens, so that the live test sees only what it raises itself
  await app.http().post('/api/alerts/evaluation').send({}).expect(200);
  await app.app.listen(0, '127.0.0.1');
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    app,
    browser,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await browser.close();
      await app.close();
    },
  };
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
}

/** A 1366×768 page, signed in with the given token (or anonymous), recording every console error. */
export async function openPage(dashboard: Dashboard, token?: string, language: 'zh' | 'en' = 'zh'): Promise<WatchedPage> {
  const context = await dashboard.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  await context.addInitScript(
    ([value, lang]) => {
      if (value) sessionStorage.setItem('fundtrail.token', value);
      localStorage.setItem('fundtrail.lang', lang);
    },
    [token ?? '', language] as const,
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    if (!request.url().includes('/api/alerts/stream')) problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  return { page, context, problems };
}

export async function ready(page: Page, view?: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.body.dataset.state === 'ready' && (!expected || document.getElementById('view')?.dataset.view === expected),
    view,
    { timeout: 20_000 },
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
