/**
 * The dashboard from the keyboard, in a real browser (jsdom neither moves focus off a button that becomes disabled nor
 * has :focus-visible): a pressed button keeps focus while its request is answered, and every Tab stop shows focus.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addFolderConnector, lastRun, notesFolder, useWorlds } from './support.js';

const worlds = useWorlds();

const POLL = { timeout: 30_000, interval: 200 };

const isFocused = (el: Locator): Promise<boolean> => el.evaluate((e) => e === document.activeElement);

/** Holds the answers of `channel` back until `release` is called, so the request stays pending meanwhile. */
async function holdChannel(page: Page, channel: string): Promise<() => void> {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    (url) => url.pathname.endsWith(`/api/${channel}`),
    async (route) => {
      await held;
      await route.continue();
    },
  );
  return release;
}

describe('keyboard, in Chromium', () => {
  it('Sync now, Sync all now and Pause keep focus while their request is pending, so Enter works again', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = await addFolderConnector(page, notesFolder(root, 'notes', { 'a.md': '# A\n\nalpha\n' }), 'Notes');
    await expect.poll(() => lastRun(notes), POLL).toContain('1 added');

    const header = page.getByRole('banner');
    for (const [where, name, channel] of [
      [notes, 'Sync now', 'sync:run-now'],
      [header, 'Sync all now', 'sync:run-now'],
      [notes, 'Pause', 'sync:pause'],
    ] as const) {
      const release = await holdChannel(page, channel);
      const button = where.getByRole('button', { name, exact: true });
      const busy = (): Promise<boolean> =>
        button.evaluate((e) => (e as HTMLButtonElement).disabled || e.getAttribute('aria-disabled') === 'true');
      try {
        await button.focus();
        await page.keyboard.press('Enter');
        // While the request is out the button is busy (a second press does nothing) …
        await expect.poll(busy, POLL).toBe(true);
      } finally {
        release();
      }
      await page.unroute((url) => url.pathname.endsWith(`/api/${channel}`));
      // Pause becomes Resume on the same button; either way focus is still on it.
      const after = where.getByRole('button', { name: name === 'Pause' ? 'Resume' : name, exact: true });
      await expect
        .poll(
          () => after.evaluate((e) => (e as HTMLButtonElement).disabled || e.getAttribute('aria-disabled') === 'true'),
          POLL,
        )
        .toBe(false);
      // … and focus is still on it, where the user left it: not on <body>, where Enter does nothing.
      expect(await isFocused(after)).toBe(true);
    }
  });

  it('every Tab stop of the connectors view shows a focus outline', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = await addFolderConnector(page, notesFolder(root, 'notes', { 'a.md': '# A\n\nalpha\n' }), 'Notes');
    await expect.poll(() => lastRun(notes), POLL).toContain('1 added');
    await page.locator('body').focus();
    const seen: string[] = [];
    const unseen: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const name = `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`;
        return { name, visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
      });
      if (!stop || seen.includes(stop.name)) break;
      seen.push(stop.name);
      if (!stop.visible) unseen.push(stop.name);
    }
    expect(seen, JSON.stringify(seen)).toContain('button "Sync now"');
    expect(unseen).toEqual([]);
  });

  it('a field refused by the form is drawn in the error colour, text fields and text areas alike', async () => {
    const world = await worlds.open();
    const { page, root } = world;
    const notes = await addFolderConnector(page, notesFolder(root, 'notes', { 'a.md': '# A\n\nalpha\n' }), 'Notes');
    await expect.poll(() => lastRun(notes), POLL).toContain('1 added');
    await notes.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Notes' });
    const name = dialog.getByLabel('Name');
    const excludes = dialog.getByLabel('Exclude (one pattern per line)');
    const border = (el: Locator) => el.evaluate((e) => getComputedStyle(e).borderTopColor);
    const normal = await border(name);
    await name.fill('');
    await excludes.fill('/abs/**');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => name.getAttribute('aria-invalid'), POLL).toBe('true');
    const danger = await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.style.color = 'var(--danger)';
      document.body.append(probe);
      const color = getComputedStyle(probe).color;
      probe.remove();
      return color;
    });
    expect(danger).not.toBe(normal);
    expect(await border(name)).toBe(danger);
    expect(await border(excludes)).toBe(danger);
  });
});
