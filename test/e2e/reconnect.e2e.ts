/**
 * The web dashboard once its daemon is back: a real daemon stopped and started again on the same port (a new token),
 * real Chromium, the new address pasted into the same tab. Nothing that failed during the outage may go on saying so.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startDaemon } from '../helpers/daemon.js';
import { addFolderConnector, card, lastRun, notesFolder, search, showView, textOf, useWorlds } from './support.js';

const worlds = useWorlds();

const POLL = { timeout: 30_000, interval: 200 };
const REFUSED = /Missing or wrong access token/;

const alerts = async (page: Page): Promise<string[]> =>
  (await page.getByRole('alert').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());

describe('web dashboard, after a daemon restart', () => {
  it('once the new address is pasted, no error of the outage stays: not the actions’, not the search’s, not the settings’', async () => {
    const world = await worlds.open();
    const { page, root, daemon } = world;
    const notes = card(page, 'Notes');
    await addFolderConnector(
      page,
      notesFolder(root, 'notes', {
        'alpha.md': '# Alpha\n\nThe zebra crossed.\n',
        'beta.md': '# Beta\n\nA zebra too.\n',
      }),
      'Notes',
    );
    await expect.poll(() => lastRun(notes), POLL).toContain('2 added');

    await daemon.stop('SIGTERM');
    const again = await startDaemon({ dataDir: join(root, 'data'), args: ['--port', String(daemon.port)] });
    try {
      const banner = page.getByTestId('connection-banner');
      await expect.poll(() => textOf(banner), POLL).toMatch(/it was restarted/);

      // Meanwhile, the person tries things: a card's Sync now, Sync all now, a search, the settings.
      await notes.getByRole('button', { name: 'Sync now', exact: true }).click();
      await page.getByRole('button', { name: 'Sync all now', exact: true }).click();
      await expect
        .poll(() => alerts(page), POLL)
        .toEqual([
          expect.stringMatching(/^Couldn't start a sync of all connectors: Missing or wrong access token/),
          expect.stringMatching(/does not accept this page’s access token/),
          expect.stringMatching(/^Couldn't start a sync of Notes: Missing or wrong access token/),
        ]);
      await showView(page, 'Search');
      await page.getByRole('searchbox').fill('zebra');
      await expect
        .poll(() => alerts(page), POLL)
        .toContainEqual(expect.stringMatching(/^Search failed: Missing or wrong access token/));
      await showView(page, 'Settings');
      await expect
        .poll(() => alerts(page), POLL)
        .toContainEqual(expect.stringMatching(/^Couldn't load the settings: Missing or wrong access token/));

      // The new address, pasted into the same tab (only the fragment changes: no reload).
      await page.goto(again.url);
      await expect.poll(() => banner.count(), POLL).toBe(0);
      // The settings that failed load again without leaving the view, and nothing else says "refused".
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      await expect.poll(() => alerts(page), POLL).toEqual([]);
      await page.getByText('Data folder').first().waitFor();
      expect(await textOf(page.locator('body'))).not.toMatch(REFUSED);
      // The failed search answers now, and the cards and header have no message of the outage left.
      expect(await search(page, 'zebra')).toHaveLength(2);
      await showView(page, 'Connectors');
      expect(await alerts(page)).toEqual([]);
      expect(await textOf(page.locator('body'))).not.toMatch(REFUSED);
      expect(await textOf(page.getByTestId('overall-status'))).not.toMatch(/Not connected/);
    } finally {
      await again.stop('SIGTERM');
    }
    expect(world.problems.filter((p) => !/\/api\/|ERR_CONNECTION_REFUSED|401/.test(p))).toEqual([]);
  });

  it('"Show more results" with the daemon gone says so next to the button, keeps the results, and works once back', async () => {
    const world = await worlds.open();
    const { page, root, daemon } = world;
    const corpus: Record<string, string> = {};
    for (let i = 0; i < 60; i++)
      corpus[`note-${String(i).padStart(2, '0')}.md`] = `# Note ${i}\n\nA walrus, number ${i}.\n`;
    const notes = await addFolderConnector(page, notesFolder(root, 'notes', corpus), 'Notes');
    await expect.poll(() => lastRun(notes), POLL).toContain('60 added');
    expect(await search(page, 'walrus')).toHaveLength(50);
    const results = page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
    const more = page.getByRole('button', { name: 'Show more results' });

    await daemon.stop('SIGTERM');
    await more.click();
    const alert = page.getByRole('alert').filter({ hasText: 'more results' });
    await expect
      .poll(() => textOf(alert), POLL)
      .toBe(
        "Couldn't load more results: The Jarvis Sync daemon cannot be reached. Is `jarvis-sync serve` still running? " +
          'The results above stay; press “Show more results” to try again.',
      );
    expect(await results.count()).toBe(50);
    expect(await more.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await more.getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));

    const again = await startDaemon({ dataDir: join(root, 'data'), args: ['--port', String(daemon.port)] });
    try {
      await page.goto(again.url);
      await expect.poll(() => page.getByTestId('connection-banner').count(), POLL).toBe(0);
      // The daemon's absence is no longer news; the button asks for the same page again.
      await expect.poll(() => alert.count(), POLL).toBe(0);
      await more.click();
      await expect.poll(() => results.count(), POLL).toBe(60);
      expect(await alerts(page)).toEqual([]);
    } finally {
      await again.stop('SIGTERM');
    }
  });
});
