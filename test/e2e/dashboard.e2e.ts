/**
 * The whole product, end to end, through the dashboard only: a real daemon (`jarvis-sync serve`) on a temp data
 * folder, real fixture folders, real Chromium. Screenshots land in test-results/screenshots/ (CI artifacts).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { describe, expect, it } from 'vitest';
import {
  addFolderConnector,
  badge,
  lastAttempt,
  lastRun,
  notesFolder,
  screenshot,
  search,
  showView,
  textOf,
  useWorlds,
} from './support.js';

const worlds = useWorlds();

const POLL = { timeout: 30_000, interval: 200 };

const NOTES = {
  'alpha.md': '# Alpha\n\nThe zebra crossed the river at dawn.\n',
  'beta.txt': 'Beta\n\nShopping list: apples, pears, and figs.\n',
  'projects/gamma.md': '# Gamma\n\nThe quarterly report is due on Friday.\n',
};

describe('dashboard, end to end', () => {
  it('adds a folder, syncs it, sees an edit, finds the new text and not the old, and sees a deletion', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    // The token is read from the fragment and removed from the address bar at once.
    await expect.poll(() => page.url(), POLL).not.toContain('token=');
    await page.getByRole('heading', { name: 'Nothing is indexed yet' }).waitFor();

    const notes = notesFolder(root, 'notes', NOTES);
    const notesCard = await addFolderConnector(page, notes, 'Notes');
    await expect.poll(() => lastRun(notesCard), POLL).toContain('3 added');
    await expect.poll(() => badge(notesCard), POLL).toBe('Idle');
    expect(await textOf(notesCard.getByTestId('indexed'))).toBe('3 documents · 3 chunks');
    // The browser tab says what the tray would, and its icon loads (a failed request is one of world.problems).
    await expect.poll(() => page.title(), POLL).toMatch(/^All synced · .+ — Jarvis Sync$/);
    expect(await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href)).toBeTruthy();
    await screenshot(page, 'dashboard-idle');

    // Edit a file on disk → Sync now on that card → 1 updated.
    writeFileSync(join(notes, 'alpha.md'), '# Alpha\n\nThe flamingo waded through the lagoon at noon.\n');
    await notesCard.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => lastRun(notesCard), POLL).toMatch(/0 added 1 updated 0 deleted 2 unchanged/);

    // Search finds the new text, not the old.
    expect(await search(page, 'flamingo')).toEqual(['Alpha']);
    await expect.poll(() => textOf(page.getByTestId('snippet')), POLL).toContain('flamingo');
    await screenshot(page, 'dashboard-search');
    expect(await search(page, 'zebra')).toEqual([]);
    expect(await textOf(page.getByTestId('search-status'))).toBe('No results for “zebra”');

    // Delete a file → Sync now → 1 deleted.
    await showView(page, 'Connectors');
    rmSync(join(notes, 'projects', 'gamma.md'));
    await notesCard.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => lastRun(notesCard), POLL).toMatch(/0 added 0 updated 1 deleted 2 unchanged/);
    expect(await textOf(notesCard.getByTestId('indexed'))).toBe('2 documents · 2 chunks');
    expect(await search(page, 'quarterly')).toEqual([]);
    expect(world.problems).toEqual([]);
  });

  it('Edit says what exclude patterns leave out before they are saved; saved, those files leave the index', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = notesFolder(root, 'notes', NOTES);
    const notesCard = await addFolderConnector(page, notes, 'Notes');
    await expect.poll(() => lastRun(notesCard), POLL).toContain('3 added');
    await notesCard.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Notes' });
    const preview = dialog.getByTestId('exclude-preview');
    await expect.poll(() => textOf(preview), POLL).toBe('Syncs all 3 files.');
    await dialog.getByLabel('Exclude (one pattern per line)').fill('projects/**\n*.txt');
    await expect
      .poll(() => textOf(preview), POLL)
      .toMatch(/^Leaves out 2 of 3 files: (projects\/gamma\.md, beta\.txt|beta\.txt, projects\/gamma\.md)$/);
    await screenshot(page, 'edit-excludes');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => textOf(notesCard.getByTestId('indexed')), POLL).toBe('1 document · 1 chunk');
    expect(await search(page, 'quarterly')).toEqual([]);
    expect(world.problems).toEqual([]);
  });

  it('picks up an edit, a new file and a deletion on disk by itself, without Sync now', async () => {
    // The watcher syncs after 200 ms of quiet instead of 10 s (test-only hook).
    const world = await worlds.open({ env: { JARVIS_SYNC_WATCH_DEBOUNCE_MS: '200' } });
    const { page, root } = world;
    const notes = notesFolder(root, 'notes', NOTES);
    const notesCard = await addFolderConnector(page, notes, 'Notes');
    await expect.poll(() => lastRun(notesCard), POLL).toContain('3 added');
    // Searching again for the same words: clear the box first so the query really runs again.
    const searchAgain = async (q: string) => {
      await showView(page, 'Search');
      await page.getByRole('searchbox').fill('');
      return search(page, q);
    };

    writeFileSync(join(notes, 'projects', 'gamma.md'), '# Gamma\n\nThe pelican report is due on Monday.\n');
    await expect.poll(() => searchAgain('pelican'), POLL).toEqual(['Gamma']);
    expect(await searchAgain('quarterly')).toEqual([]);

    writeFileSync(join(notes, 'projects', 'delta.md'), '# Delta\n\nA heron stood in the reeds.\n');
    await expect.poll(() => searchAgain('heron'), POLL).toEqual(['Delta']);

    rmSync(join(notes, 'alpha.md'));
    await expect.poll(() => searchAgain('zebra'), POLL).toEqual([]);
    expect(world.problems).toEqual([]);
  });

  it('Pause all stops scheduled runs until Resume all', async () => {
    // A 2 s schedule (test-only hook; the settings' minimum is 60 s).
    const world = await worlds.open({ env: { JARVIS_SYNC_INTERVAL_SECONDS: '2' }, settings: { intervalSeconds: 60 } });
    const { page, root } = world;
    const notesCard = await addFolderConnector(page, notesFolder(root, 'notes', NOTES), 'Notes');
    await expect.poll(() => lastRun(notesCard), POLL).toContain('3 added');

    // Unattended runs do come on their own while not paused…
    const first = await lastAttempt(notesCard);
    expect(first).not.toBeNull();
    await expect.poll(() => lastAttempt(notesCard), POLL).not.toBe(first);

    await page.getByRole('button', { name: 'Pause all', exact: true }).click();
    await page.getByRole('button', { name: 'Resume all', exact: true }).waitFor();
    await expect.poll(() => badge(notesCard), POLL).toBe('Paused');
    expect(await textOf(page.getByTestId('overall-status'))).toMatch(/^Paused/);
    expect(await textOf(notesCard.getByTestId('next-run'))).toBe('paused');

    // …and none while paused: the last attempt stays put over several intervals.
    const frozen = await lastAttempt(notesCard);
    const until = Date.now() + 7_000;
    while (Date.now() < until) {
      expect(await lastAttempt(notesCard)).toBe(frozen);
      expect(await badge(notesCard)).toBe('Paused');
      await page.waitForTimeout(500);
    }

    await page.getByRole('button', { name: 'Resume all', exact: true }).click();
    await page.getByRole('button', { name: 'Pause all', exact: true }).waitFor();
    await expect.poll(() => lastAttempt(notesCard), POLL).not.toBe(frozen);
    await expect.poll(() => badge(notesCard), POLL).toMatch(/Idle|Syncing|Queued/);
  });

  it('a folder that disappears is an error that keeps the index; when it comes back, the connector recovers', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = notesFolder(root, 'notes', NOTES);
    const notesCard = await addFolderConnector(page, notes, 'Notes');
    await expect.poll(() => lastRun(notesCard), POLL).toContain('3 added');

    renameSync(notes, join(root, 'notes-away'));
    await notesCard.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => badge(notesCard), POLL).toBe('Error');
    const error = await textOf(notesCard.getByTestId('last-error'));
    expect(error).toContain('Last sync failed:');
    expect(error).toContain('does not exist');
    expect(await textOf(notesCard.getByTestId('indexed'))).toBe('3 documents · 3 chunks');
    expect(await textOf(page.getByTestId('overall-status'))).toMatch(/1 connector failing/);
    await screenshot(page, 'dashboard-error');
    // Nothing was deleted from the index.
    expect(await search(page, 'zebra')).toEqual(['Alpha']);

    await showView(page, 'Connectors');
    renameSync(join(root, 'notes-away'), notes);
    await notesCard.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => badge(notesCard), POLL).toBe('Idle');
    await expect.poll(() => notesCard.getByTestId('last-error').count(), POLL).toBe(0);
    await expect.poll(() => lastRun(notesCard), POLL).toMatch(/0 added 0 updated 0 deleted 3 unchanged/);
    expect(await textOf(notesCard.getByTestId('indexed'))).toBe('3 documents · 3 chunks');
  });

  it('shows a sync in progress', async () => {
    // Each file takes 20 ms more to read, one at a time (test-only hook), so the sync lasts ~5 s and can be seen.
    const world = await worlds.open({ env: { JARVIS_SYNC_READ_DELAY_MS: '20' } });
    const { page, root } = world;
    const corpus: Record<string, string> = {};
    for (let i = 0; i < 250; i++)
      corpus[`topic-${i % 20}/note-${i}.md`] = `# Note ${i}\n\nBody of note ${i} about topic ${i % 20}.\n`;
    const notesCard = await addFolderConnector(page, notesFolder(root, 'archive', corpus), 'Archive');
    await expect.poll(() => badge(notesCard), POLL).toBe('Syncing');
    const bar = notesCard.getByRole('progressbar');
    await bar.waitFor();
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), POLL).toBeGreaterThan(20);
    // The total is the quick count of the folder ("~250" while the walk goes on), not the files found so far.
    expect(await textOf(page.getByTestId('overall-status'))).toMatch(/^Syncing Archive \d+ \/ ~?250\b/);
    await screenshot(page, 'dashboard-syncing');
    await expect.poll(() => lastRun(notesCard), { timeout: 60_000, interval: 500 }).toContain('250 added');
  });

  it('Cancel sync stops a running sync without pausing it; what was indexed stays, and Sync now finishes the rest', async () => {
    const world = await worlds.open({ env: { JARVIS_SYNC_READ_DELAY_MS: '20' } });
    const { page, root } = world;
    const corpus: Record<string, string> = {};
    for (let i = 0; i < 250; i++)
      corpus[`note-${String(i).padStart(3, '0')}.md`] = `# Note ${i}\n\nA walrus note, number ${i}.\n`;
    const card = await addFolderConnector(page, notesFolder(root, 'big', corpus), 'Big');
    const bar = card.getByRole('progressbar');
    await bar.waitFor();
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), POLL).toBeGreaterThan(30);
    await card.getByRole('button', { name: 'Cancel sync' }).click();
    // Idle, and its first sync never finished: part of the folder is indexed, the badge does not say "✓ Idle".
    await expect.poll(() => badge(card), POLL).toBe('Not synced yet');
    await expect.poll(() => card.getByRole('progressbar').count(), POLL).toBe(0);
    expect(await card.getByRole('button', { name: 'Pause' }).count()).toBe(1);
    const indexed = async () =>
      Number(/^([\d,]+) documents/.exec(await textOf(card.getByTestId('indexed')))?.[1].replace(/,/g, '') ?? NaN);
    const kept = await indexed();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(250);
    expect((await search(page, 'walrus')).length).toBeGreaterThan(0);

    await showView(page, 'Connectors');
    await card.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(indexed, { timeout: 60_000, interval: 500 }).toBe(250);
    await expect.poll(() => badge(card), POLL).toBe('Idle');
  });
  it('says when its daemon stops, and when a new start no longer accepts the page (a new token)', async () => {
    const world = await worlds.open();
    const { page, root, daemon } = world;
    await page.getByRole('heading', { name: 'Nothing is indexed yet' }).waitFor();
    expect(await page.getByTestId('connection-banner').count()).toBe(0);

    await daemon.stop('SIGTERM');
    const banner = page.getByTestId('connection-banner');
    await expect.poll(() => textOf(banner), POLL).toMatch(/^Lost the connection to the Jarvis Sync daemon/);
    expect(await textOf(page.getByTestId('overall-status'))).toBe('Not connected · reconnecting…');
    expect(await page.title()).toBe('Not connected · reconnecting… — Jarvis Sync');

    // Started again on the same port: it answers, but with a new token the page's requests are refused.
    const again = await startDaemon({ dataDir: join(root, 'data'), args: ['--port', String(daemon.port)] });
    try {
      await expect.poll(() => textOf(banner), POLL).toMatch(/it was restarted \(each start has a new address\)/);
      await screenshot(page, 'dashboard-daemon-restarted');
      // Its new address pasted into the same tab changes only the fragment (no reload): the page takes the new
      // token, out of the address bar, and is connected again.
      await page.goto(again.url);
      await expect.poll(() => page.getByTestId('connection-banner').count(), POLL).toBe(0);
      expect(page.url()).not.toContain('token=');
      expect(await textOf(page.getByTestId('overall-status'))).not.toMatch(/Not connected/);
    } finally {
      await again.stop('SIGTERM');
    }
    // The failed reconnects are the expected ones; nothing else went wrong on the page.
    expect(world.problems.filter((p) => !/\/api\/events|ERR_CONNECTION_REFUSED|401/.test(p))).toEqual([]);
  });
});
