/**
 * The run-history chart from the keyboard, in a real browser (jsdom has no :focus-visible and no layout): Tab reaches
 * it, arrow keys pick runs, the picked run is written out and outlined, and the chart shows that it has focus; a
 * mouse click changes nothing a mouse user would see.
 */
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addFolderConnector, lastRun, notesFolder, textOf, useWorlds } from './support.js';

const worlds = useWorlds();

const POLL = { timeout: 30_000, interval: 200 };

const outlineOf = (el: Locator): Promise<string> => el.evaluate((e) => getComputedStyle(e).outlineStyle);

describe('history chart, from the keyboard', () => {
  it('is one Tab stop; arrows pick runs, whose details are shown; focus is visible; a click looks as before', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = await addFolderConnector(page, notesFolder(root, 'notes', { 'a.md': '# A\n\nalpha\n' }), 'Notes');
    await expect.poll(() => lastRun(notes), POLL).toContain('1 added');
    await notes.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => lastRun(notes), POLL).toMatch(/1 unchanged/);

    const toggle = notes.getByRole('button', { name: 'History', exact: true });
    await toggle.click();
    const chart = notes.getByTestId('history-chart');
    await chart.waitFor();
    const detail = notes.getByTestId('history-detail');
    expect(await detail.boundingBox().then((b) => b?.height ?? 0)).toBe(0);
    const before = await chart.boundingBox();

    // From the History button, Tab goes to the chart: the latest run is picked and written out.
    await toggle.focus();
    await page.keyboard.press('Tab');
    expect(await chart.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await outlineOf(chart)).toBe('solid');
    await expect
      .poll(() => textOf(detail), POLL)
      .toMatch(/^Run 2 of 2: .+ \(on request\): succeeded · 0 documents changed/);
    expect(await notes.locator('.history__run--active').count()).toBe(1);
    await page.keyboard.press('ArrowLeft');
    expect(await textOf(detail)).toMatch(/^Run 1 of 2: .+ \(on request\): succeeded · 1 document changed \(1 added/);
    // The chart's description is that text (and how to move), for a screen reader.
    const describedBy = (await chart.getAttribute('aria-describedby'))!.split(' ');
    expect(await page.locator(`[id="${describedBy[0]}"]`).innerText()).toBe(await detail.innerText());

    // A mouse: focus without a visible ring, no details, no outlined column, the same size as before.
    await page.keyboard.press('Tab');
    expect(await textOf(detail)).toBe('');
    await chart.click();
    expect(await chart.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await outlineOf(chart)).toBe('none');
    expect(await textOf(detail)).toBe('');
    expect(await notes.locator('.history__run--active').count()).toBe(0);
    expect(await chart.boundingBox()).toEqual(before);
    expect(world.problems).toEqual([]);
  });
});
