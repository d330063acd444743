/**
 * A real browser for the console's tests, as tests/console.test.ts drives one: Debian's Chromium through
 * playwright-core, reaching nothing but the samgraf under test. Host names resolve to nothing (only 127.0.0.1 is
 * excluded from the resolver rules); every request is recorded and one to another origin is aborted and kept in
 * `foreign`; Content-Security-Policy violations and page errors are kept in `cspViolations`. A test asserts both
 * are empty at its end. axe-core checks a page (no serious or critical violation), and screenshots go to
 * .test-logs/screenshots/ or, with SAMGRAF_SCREENSHOTS_DIR, where the README's come from.
 *
 * Chromium missing is a failure with a message, not a skip: .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './repo.js';

// Functions passed to page.evaluate run in the browser; the server's TypeScript has no DOM library.
declare const window: Record<string, unknown>;
declare const document: unknown;

const CHROMIUM = process.env.SAMGRAF_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.SAMGRAF_SCREENSHOTS_DIR ? resolve(process.env.SAMGRAF_SCREENSHOTS_DIR) : join(repoRoot, '.test-logs', 'screenshots');
const AXE = join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');

export interface PageOptions {
  /** Sets navigator.languages and Accept-Language, as a visitor's browser would. */
  locale?: string;
  viewport?: { width: number; height: number };
}

export interface LoopbackBrowser {
  /** A fresh browser context (its own storage) and page, guarded and recorded. */
  newPage(options?: PageOptions): Promise<Page>;
  /** Requests to anywhere but `origin` (aborted). */
  readonly foreign: readonly string[];
  readonly cspViolations: readonly string[];
  close(): Promise<void>;
}

export async function launchLoopbackBrowser(origin: string): Promise<LoopbackBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the console tests need a real browser. Install it with `
      + '`apt-get install -y chromium` (.ci/run does), or point SAMGRAF_CHROMIUM at one.');
  }
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
  });
  const foreign: string[] = [];
  const cspViolations: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    foreign,
    cspViolations,
    async newPage(options = {}) {
      // A time zone far from Stockholm's: the console must show Swedish time whatever the browser's zone.
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1280, height: 900 }, locale: options.locale ?? 'en-GB', timezoneId: 'America/New_York',
      });
      contexts.push(context);
      // Generous: the suite runs beside others on a busy machine, and every wait is for something that does come.
      context.setDefaultTimeout(30_000);
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        foreign.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to (load|apply|execute|connect)/i.test(message.text())) cspViolations.push(message.text());
      });
      page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function axeCheck(page: Page, label: string): Promise<void> {
  // Injected through the DevTools protocol (not a <script>), so the page's CSP stays as it is.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(context: unknown, options: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } })
      .axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
  assert.deepEqual(violations, [], `axe on ${label}`);
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}
