/**
 * Layout in a real browser (jsdom has none): the page keeps its shape with any number of banners, and at a
 * phone's width nothing scrolls sideways, long names, paths, titles and error messages included.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addFolderConnector, badge, lastRun, notesFolder, search, showView, useWorlds } from './support.js';

const worlds = useWorlds();

const POLL = { timeout: 30_000, interval: 200 };
const LONG_WORD = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4);
const LONG_DIR = 'a-folder-with-a-very-long-name-and-no-spaces-at-all'.repeat(3);
const LONG_NAME = 'My notes from the very long project with the name that goes on and on and on';

/** How far the page scrolls sideways (0 when it fits). */
const sideways = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Elements matching `selector` whose content is wider than their box. */
const overflowing = (page: Page, selector: string): Promise<string[]> =>
  page.evaluate(
    (sel) =>
      [...document.querySelectorAll<HTMLElement>(sel)]
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => `${el.className}: ${el.scrollWidth} > ${el.clientWidth}`),
    selector,
  );

describe('layout, in Chromium', () => {
  it('keeps the nav its own height and the content in view, whatever the number of banners', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    await addFolderConnector(page, notesFolder(root, 'notes', { 'a.md': '# A\n\nzebra\n' }), 'Notes');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    const navHeight = (await nav.boundingBox())!.height;
    // The connection banner and a notice at once, then a third bar: two and three bars before the nav.
    const addBars = (texts: string[]) =>
      page.evaluate((all) => {
        const navEl = document.querySelector('.nav')!;
        for (const text of all) {
          const bar = document.createElement('div');
          bar.className = 'notices';
          bar.innerHTML = `<div class="notice">${text}</div>`;
          navEl.before(bar);
        }
      }, texts);
    for (const texts of [['Lost the connection', 'A notice'], ['Another notice']]) {
      await addBars(texts);
      expect((await nav.boundingBox())!.height).toBeLessThanOrEqual(navHeight + 1);
      const cardBox = (await page.getByRole('region', { name: 'Notes', exact: true }).boundingBox())!;
      expect(cardBox.y).toBeLessThan(400);
    }
  });

  it('at 400 px wide nothing scrolls sideways: long names, selects, titles, paths and errors wrap', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = notesFolder(root, LONG_DIR, { 'alpha.md': `# ${LONG_WORD}\n\nThe zebra crossed the river.\n` });
    const notesCard = await addFolderConnector(page, notes, LONG_NAME);
    await expect.poll(() => lastRun(notesCard), POLL).toContain('1 added');
    await page.setViewportSize({ width: 400, height: 800 });

    expect(await sideways(page)).toBe(0);
    expect(await search(page, 'zebra')).toEqual([LONG_WORD]);
    expect(await overflowing(page, '.result__title')).toEqual([]);
    expect(await sideways(page)).toBe(0);
    await showView(page, 'Problems');
    await page.getByRole('heading', { name: 'Problems' }).waitFor();
    expect(await sideways(page)).toBe(0);
    await showView(page, 'Settings');
    await page.getByRole('button', { name: 'Save settings' }).waitFor();
    expect(await sideways(page)).toBe(0);

    // A long error message (it names the long path) stays inside its card.
    await showView(page, 'Connectors');
    renameSync(notes, join(root, 'away'));
    await notesCard.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => badge(notesCard), POLL).toBe('Error');
    expect(await overflowing(page, '.card__error')).toEqual([]);
    expect(await sideways(page)).toBe(0);
  });
});
