/**
 * End-to-end support: real Chromium (Debian's /usr/bin/chromium through playwright-core) against a real
 * `jarvis-sync serve` on a temp data folder, with real fixture folders on disk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { REPO_ROOT, startDaemon, type DaemonProcess } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { writeTree } from '../helpers/tree.js';

export const CHROMIUM = process.env.JARVIS_SYNC_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

/** Hosts the rebinding test resolves to 127.0.0.1 inside the browser. */
export const REBIND_HOST = 'rebind.jarvis.test';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // A name that resolves to loopback, as a DNS-rebinding attack would arrange.
      `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`,
    ],
  });
}

/** One test's world: a temp root, a daemon on `<root>/data`, a browser context and a page on the dashboard. */
export interface World {
  root: string;
  daemon: DaemonProcess;
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests the page reported. */
  problems: string[];
  dispose(): Promise<void>;
}

export async function openWorld(
  browser: Browser,
  opts: { env?: Record<string, string>; settings?: Record<string, unknown>; before?: (root: string) => void } = {},
): Promise<World> {
  const root = makeTempDir('jarvis-e2e-');
  const dataDir = join(root, 'data');
  if (opts.settings) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(opts.settings));
  }
  opts.before?.(root);
  let daemon: DaemonProcess | null = null;
  let context: BrowserContext | null = null;
  try {
    daemon = await startDaemon({ dataDir, env: opts.env });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      const text = m.text();
      // Failed loads are reported with their URL below. The meta CSP of renderer/index.html repeats the
      // header's frame-ancestors, which Chromium ignores in a <meta> (and says so); the header enforces it.
      if (
        m.type() !== 'error' ||
        text.startsWith('Failed to load resource') ||
        /'frame-ancestors' is ignored/.test(text)
      )
        return;
      problems.push(`console: ${text}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      // Includes the page's icon: Chromium asks for /favicon.ico (a 404) only when the page names none.
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(daemon.url);
    const d = daemon;
    const c = context;
    return {
      root,
      daemon: d,
      context: c,
      page,
      problems,
      async dispose() {
        await c.close().catch(() => undefined);
        const stopped = await d.stop('SIGTERM');
        removeTempDir(root);
        if (stopped.code !== 0)
          throw new Error(`the daemon exited with ${String(stopped.code)} / ${String(stopped.signal)}:\n${d.stderr()}`);
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    await daemon?.stop('SIGKILL');
    removeTempDir(root);
    throw err;
  }
}

/** Polls `read` until `ok` holds (for hooks, where expect.poll is not available). */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Writes a folder of notes under root and returns its path. */
export function notesFolder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeTree(dir, files);
  return dir;
}

/** Adds a folder connector through the form, as a person would: type the path, name it, submit. */
export async function addFolderConnector(page: Page, path: string, name: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Add connector', exact: true }).click();
  await page.getByRole('radio', { name: 'Folder', exact: true }).check();
  await page.getByRole('textbox', { name: 'Folder path' }).fill(path);
  await page.getByRole('textbox', { name: 'Name (optional)' }).fill(name);
  await page.getByRole('button', { name: 'Add connector', exact: true }).click();
  const card = page.getByRole('region', { name, exact: true });
  await card.waitFor();
  return card;
}

export const card = (page: Page, name: string): Locator => page.getByRole('region', { name, exact: true });

/** The visible text of a locator, whitespace collapsed ('' when absent). */
export async function textOf(locator: Locator): Promise<string> {
  if ((await locator.count()) === 0) return '';
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim();
}

/** The card's state badge words: Idle, Not synced yet (idle, never synced), Queued, Syncing, Paused, Error. */
export async function badge(cardLocator: Locator): Promise<string> {
  const text = await textOf(cardLocator.getByTestId('state-badge'));
  return /(Idle|Not synced yet|Queued|Syncing|Paused|Error)$/.exec(text)?.[1] ?? text;
}

/** The card's "Last run" counts, e.g. "3 added 0 updated …". */
export const lastRun = (cardLocator: Locator): Promise<string> => textOf(cardLocator.getByTestId('last-result'));

/** Exact instant of the last attempt (the `datetime` of its <time>), or null when never. */
export async function lastAttempt(cardLocator: Locator): Promise<string | null> {
  const time = cardLocator.getByTestId('last-attempt').locator('time');
  return (await time.count()) ? time.first().getAttribute('datetime') : null;
}

export async function showView(page: Page, name: 'Connectors' | 'Search' | 'Problems' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: false }).first().click();
}

/** Types a query in the search box; resolves once the results are for that query. */
export async function search(page: Page, query: string): Promise<string[]> {
  await showView(page, 'Search');
  const box = page.getByRole('searchbox');
  await box.fill(query);
  const status = page.getByRole('status').filter({ hasText: /result/ });
  await status.filter({ hasText: `“${query}”` }).waitFor();
  return page
    .getByRole('list', { name: 'Search results' })
    .getByRole('heading')
    .allInnerTexts()
    .catch(() => []);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A test file's browser and worlds: one Chromium for all its tests, and `open` starts a test's world (the options of
 * openWorld), which is disposed after that test, whatever its outcome.
 */
export function useWorlds(): { open: (opts?: Parameters<typeof openWorld>[1]) => Promise<World> } {
  let browser: Browser | null = null;
  let current: World | null = null;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const w = current;
    current = null;
    await w?.dispose();
  });
  return {
    open: async (opts) => {
      if (!browser) throw new Error('useWorlds: the browser is not running (open a world inside a test)');
      current = await openWorld(browser, opts);
      return current;
    },
  };
}
