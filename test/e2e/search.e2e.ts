/**
 * The Search view in a real browser (jsdom has no layout): at a phone's width the search box keeps room for what is
 * typed in it.
 */
import { describe, expect, it } from 'vitest';
import { addFolderConnector, lastRun, notesFolder, search, useWorlds } from './support.js';

const worlds = useWorlds();

const POLL = { timeout: 30_000, interval: 200 };

describe('search, in Chromium', () => {
  it('at 400 px wide the search box shows the whole of a short query, the filters below it', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = notesFolder(root, 'notes', { 'plan.md': '# Quarterly budget review\n\nNumbers for finance.\n' });
    const notesCard = await addFolderConnector(page, notes, 'Notes');
    await expect.poll(() => lastRun(notesCard), POLL).toContain('1 added');
    await page.setViewportSize({ width: 400, height: 800 });

    const query = 'quarterly budget review';
    expect(await search(page, query)).toEqual(['Quarterly budget review']);
    const box = page.getByRole('searchbox', { name: 'Search your index' });
    // Not cut off: the text fits the box (an input scrolls its text sideways when it does not).
    const cut = await box.evaluate((el: HTMLInputElement) => el.scrollWidth - el.clientWidth);
    expect(cut).toBeLessThanOrEqual(0);
    // Its label on one line, as wide as the box above the filters.
    const label = (await page.getByText('Search your index', { exact: true }).boundingBox())!;
    expect(label.height).toBeLessThan(30);
  });
});
