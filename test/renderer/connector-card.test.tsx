import { act, render, screen, waitFor, within } from '@testing-library/react';
import { Profiler } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ConnectorCard } from '../../renderer/components/connector-card.js';
import { EXCLUDE_PREVIEW_DELAY_MS } from '../../renderer/components/edit-connector-dialog.js';
import { DashboardProvider } from '../../renderer/store/context.js';
import { createDashboardStore } from '../../renderer/store/dashboard-store.js';
import {
  buildConnector,
  buildProgress,
  buildState,
  createFakeApi,
  failingConnector,
  idleConnector,
  minutesAgo,
  neverSyncedConnector,
  pausedConnector,
  queuedConnector,
  syncingConnector,
} from './fixtures.js';
import { renderDashboard } from './render.js';

const card = (name: string) => screen.getByRole('region', { name });
const text = (el: HTMLElement, testId: string) => within(el).getByTestId(testId).textContent;
const button = (el: HTMLElement, name: string) => within(el).getByRole('button', { name });

describe('ConnectorCard', () => {
  it('idle: identity, state in words, last result, totals, and honest times', async () => {
    await renderDashboard({
      state: buildState({ connectors: [idleConnector({ name: 'Notes', path: '/home/ada/Notes', kind: 'obsidian' })] }),
    });
    const c = card('Notes');
    expect(within(c).getByRole('heading', { name: 'Notes' })).toBeTruthy();
    expect(within(c).getByText('Obsidian vault')).toBeTruthy();
    expect(text(c, 'connector-path')).toBe('/home/ada/Notes');
    expect(text(c, 'state-badge')).toBe('✓Status: Idle');
    const counts = within(within(c).getByTestId('last-result')).getAllByRole('listitem');
    expect(counts.map((li) => li.textContent)).toEqual([
      '3 added',
      '2 updated',
      '1 deleted',
      '1,228 unchanged',
      '0 failed',
      '40 chunks',
      'took 3.2 s',
    ]);
    expect(text(c, 'indexed')).toBe('1,234 documents · 5,678 chunks');
    expect(text(c, 'last-success')).toBe('5 min ago');
    expect(text(c, 'last-attempt')).toBe('5 min ago');
    expect(text(c, 'next-run')).toBe('in 55 min');
    expect(within(c).queryByRole('progressbar')).toBeNull();
    expect(within(c).queryByRole('button', { name: 'Retry' })).toBeNull();
  });

  it('has real buttons with exact names, which send intents for this connector only', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' }), idleConnector({ name: 'Other' })] }),
    });
    const c = card('Notes');
    for (const name of ['Sync now', 'Pause', 'Edit', 'Remove']) expect(button(c, name).tagName).toBe('BUTTON');
    await user.click(button(c, 'Sync now'));
    expect(api.runNow).toHaveBeenCalledWith('n');
    await user.click(button(c, 'Pause'));
    expect(api.pause).toHaveBeenCalledWith('n');
    // The buttons tell screen readers which card they belong to, without changing their names.
    expect(button(c, 'Sync now').getAttribute('aria-describedby')).toBe(
      within(c).getByRole('heading', { name: 'Notes' }).id,
    );
  });

  it('syncing: live progress bar with counts and current item, updated on push, gone when the run ends', async () => {
    const { pushProgress, push } = await renderDashboard({
      state: buildState({
        connectors: [
          syncingConnector({
            id: 'mail',
            name: 'Mail',
            progress: buildProgress({ done: 340, found: 1200, foundAll: false, currentItem: 'INBOX/1234.eml' }),
          }),
        ],
      }),
    });
    const c = card('Mail');
    expect(text(c, 'state-badge')).toContain('Syncing');
    const bar = within(c).getByRole('progressbar', { name: 'Sync progress of Mail' });
    expect(bar.getAttribute('aria-valuenow')).toBe('340');
    expect(bar.getAttribute('aria-valuemax')).toBe('1200');
    expect(bar.getAttribute('aria-valuetext')).toBe('340 / 1,200+ items, still counting');
    expect(text(c, 'progress-count')).toBe('340 / 1,200+');
    expect(text(c, 'current-item')).toBe('INBOX/1234.eml');
    expect(text(c, 'next-run')).toBe('running now');

    // A first sync of a large folder: the walk is only a few files ahead of the reads, the quick count knows more.
    pushProgress(
      'mail',
      buildProgress({ done: 1000, found: 1032, foundAll: false, expected: 50_000, startedAt: Date.now() - 60_000 }),
    );
    expect(text(c, 'progress-count')).toBe('1,000 / ~50,000');
    expect(bar.getAttribute('aria-valuemax')).toBe('50000');
    expect(bar.getAttribute('aria-valuetext')).toBe('1,000 / ~50,000 items, total estimated, still counting');
    expect((bar.firstElementChild as HTMLElement).style.width).toBe('2%');
    expect(c.querySelector('.progress__text')?.textContent).toMatch(/about 49 min left/);

    pushProgress('mail', buildProgress({ done: 900, found: 1250, foundAll: true, currentItem: 'INBOX/9.eml' }));
    expect(text(c, 'progress-count')).toBe('900 / 1,250');
    expect(text(c, 'current-item')).toBe('INBOX/9.eml');
    expect(bar.getAttribute('aria-valuenow')).toBe('900');

    // One large mailbox: the count stays "0 / 1" until its end, so the bar and the item say how far its read is.
    pushProgress(
      'mail',
      buildProgress({
        done: 0,
        found: 1,
        foundAll: true,
        currentItem: 'Archive.mbox',
        startedAt: Date.now() + 1,
        part: { done: 312 * 1024 * 1024, total: 1024 ** 3 },
      }),
    );
    expect(text(c, 'progress-count')).toBe('0 / 1');
    expect(text(c, 'current-item')).toBe('Archive.mbox');
    expect(text(c, 'current-part')).toBe(' · 312 MB of 1.0 GB of this file read (30 %)');
    expect(bar.getAttribute('aria-valuetext')).toBe('0 / 1 items, current item 30 %');
    expect((bar.firstElementChild as HTMLElement).style.width).toBe('30.5%');
    expect(screen.getByTestId('overall-status').textContent).toContain('Syncing Mail 0 / 1 (30 %)');

    push(buildState({ connectors: [idleConnector({ id: 'mail', name: 'Mail', lastSuccessAt: Date.now() })] }));
    expect(within(card('Mail')).queryByRole('progressbar')).toBeNull();
    expect(text(card('Mail'), 'last-success')).toBe('just now');
  });

  it('syncing or queued: "Cancel sync" stops this connector\'s run; an idle card has no such button', async () => {
    const { user, api, push } = await renderDashboard({
      state: buildState({
        connectors: [syncingConnector({ id: 'mail', name: 'Mail' }), queuedConnector({ id: 'cal', name: 'Cal' })],
      }),
    });
    await user.click(button(card('Mail'), 'Cancel sync'));
    expect(api.cancel).toHaveBeenCalledWith('mail');
    await user.click(button(card('Cal'), 'Cancel sync'));
    expect(api.cancel).toHaveBeenLastCalledWith('cal');
    push(buildState({ connectors: [idleConnector({ id: 'mail', name: 'Mail' })] }));
    expect(within(card('Mail')).queryByRole('button', { name: 'Cancel sync' })).toBeNull();
  });

  it('a cancel that finds nothing running says why, inside the card', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [syncingConnector({ id: 'mail', name: 'Mail' })] }),
    });
    api.cancel.mockResolvedValueOnce({ accepted: false, reason: 'mail is not syncing' });
    await user.click(button(card('Mail'), 'Cancel sync'));
    await waitFor(() => expect(text(card('Mail'), 'card-feedback')).toContain('Mail is not syncing'));
    expect(text(card('Mail'), 'card-live')).toBe('Mail is not syncing');
  });

  it('queued: says it waits for a slot', async () => {
    await renderDashboard({ state: buildState({ connectors: [queuedConnector({ name: 'Cal' })] }) });
    expect(text(card('Cal'), 'state-badge')).toContain('Queued');
    expect(text(card('Cal'), 'next-run')).toBe('waiting for a free slot');
  });

  it('paused: badge, next run "paused", and Resume instead of Pause', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [pausedConnector({ id: 'p', name: 'Archive' })] }),
    });
    const c = card('Archive');
    expect(text(c, 'state-badge')).toContain('Paused');
    expect(text(c, 'next-run')).toBe('paused');
    expect(within(c).queryByRole('button', { name: 'Pause' })).toBeNull();
    await user.click(button(c, 'Resume'));
    expect(api.resume).toHaveBeenCalledWith('p');
  });

  it('error: the message in plain words, a hint, and Retry runs it now', async () => {
    const { user, api } = await renderDashboard({ state: buildState({ connectors: [failingConnector({ id: 'm' })] }) });
    const c = card('Mail');
    expect(text(c, 'state-badge')).toContain('Error');
    const error = within(c).getByTestId('last-error');
    expect(error.textContent).toContain('Last sync failed: Permission denied: /home/ada/Maildir/cur');
    expect(error.textContent).toContain('Check that Jarvis Sync may read it');
    expect(error.textContent).toContain('failed 3 times in a row');
    expect(text(c, 'last-success')).toBe('2 h ago');
    expect(text(c, 'last-attempt')).toBe('2 min ago (failed)');
    await user.click(button(c, 'Retry'));
    expect(api.runNow).toHaveBeenCalledWith('m');
  });

  it('never succeeded: says "never" instead of inventing a time', async () => {
    await renderDashboard({ state: buildState({ connectors: [neverSyncedConnector({ name: 'USB' })] }) });
    const c = card('USB');
    expect(text(c, 'last-success')).toBe('never');
    expect(text(c, 'last-attempt')).toBe('3 min ago (failed)');
    expect(within(c).queryByTestId('last-result')).toBeNull();
    expect(text(c, 'indexed')).toBe('0 documents · 0 chunks');
  });

  it('shows a failed intent inside the card, and the reason a run was not started', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ name: 'Notes' })] }),
    });
    const c = card('Notes');
    api.pause.mockRejectedValueOnce(new Error('the scheduler is shutting down'));
    await user.click(button(c, 'Pause'));
    expect((await within(c).findByRole('alert')).textContent).toContain(
      "Couldn't pause Notes: the scheduler is shutting down",
    );
    // The polite region is on the card before the message: one inserted along with its text is often not read out.
    const live = within(c).getByRole('status');
    expect(live.textContent).toBe('');
    api.runNow.mockResolvedValueOnce({ accepted: false, reason: 'already syncing; one follow-up run queued' });
    await user.click(button(c, 'Sync now'));
    await waitFor(() => expect(live.textContent).toContain('Already syncing; one follow-up run queued'));
    expect(within(c).getByRole('status')).toBe(live);
  });

  it('links item errors to the Problems view, filtered to this connector', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes', itemErrors: 4 })] }),
    });
    const c = card('Notes');
    expect(c.textContent).toContain('4 items could not be indexed.');
    await user.click(within(c).getByRole('button', { name: 'Show problems' }));
    expect(screen.getByRole('heading', { level: 2, name: 'Problems' })).toBeTruthy();
    expect(api.itemErrors).toHaveBeenCalledWith('n');
    expect(screen.getByRole('button', { name: /^Problems/ }).getAttribute('aria-current')).toBe('page');
  });

  it('tells items left out from items indexed with warnings', async () => {
    await renderDashboard({
      state: buildState({
        connectors: [
          idleConnector({ id: 'v', name: 'Vault', itemErrors: 7, itemWarnings: 7 }),
          idleConnector({ id: 'c', name: 'Cal', itemErrors: 14, itemWarnings: 9 }),
          idleConnector({ id: 'm', name: 'Mail', itemErrors: 1, itemWarnings: 1 }),
        ],
      }),
    });
    expect(card('Vault').textContent).toContain('7 items were indexed with warnings.');
    expect(card('Vault').textContent).not.toContain('could not be indexed');
    expect(card('Cal').textContent).toContain('5 items could not be indexed; 9 items were indexed with warnings.');
    expect(card('Mail').textContent).toContain('1 item was indexed with warnings.');
  });

  it('an idle connector that never synced says so instead of "✓ Idle"', async () => {
    const { push } = await renderDashboard({
      state: buildState({
        connectors: [
          idleConnector({ id: 'n', name: 'Notes', lastSuccessAt: null, lastAttemptAt: null, lastResult: null }),
        ],
      }),
    });
    expect(text(card('Notes'), 'state-badge')).toBe('○Status: Not synced yet');
    expect(card('Notes').className).not.toContain('card--idle');
    push(buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' })] }));
    await waitFor(() => expect(text(card('Notes'), 'state-badge')).toBe('✓Status: Idle'));
    expect(card('Notes').className).toContain('card--idle');
  });

  it('fifty connectors: every card renders and one card updates on its own progress', async () => {
    const connectors = Array.from({ length: 50 }, (_, i) =>
      i % 2
        ? idleConnector({ id: `c${i}`, name: `Source ${i}` })
        : syncingConnector({ id: `c${i}`, name: `Source ${i}` }),
    );
    const { pushProgress } = await renderDashboard({ state: buildState({ connectors }) });
    expect(screen.getAllByRole('region', { name: /^Source / })).toHaveLength(50);
    for (let done = 1; done <= 20; done++) pushProgress('c10', buildProgress({ done, found: 20 }));
    expect(text(card('Source 10'), 'progress-count')).toBe('20 / 20');
    expect(text(card('Source 12'), 'progress-count')).toBe('340 / 1,200');
  });
});

describe('rendering cost', () => {
  it('a push or progress for one connector re-renders only that card', () => {
    const connectors = Array.from({ length: 50 }, (_, i) => syncingConnector({ id: `c${i}`, name: `Source ${i}` }));
    const store = createDashboardStore(createFakeApi().api);
    store.getState().applyState(buildState({ connectors }));
    const renders = new Map<string, number>();
    const onRender = (id: string) => renders.set(id, (renders.get(id) ?? 0) + 1);
    render(
      <DashboardProvider store={store}>
        {connectors.map((c) => (
          <Profiler key={c.id} id={c.id} onRender={onRender}>
            <ConnectorCard id={c.id} />
          </Profiler>
        ))}
      </DashboardProvider>,
    );
    expect(renders.size).toBe(50);
    expect(Math.max(...renders.values())).toBe(1);
    renders.clear();
    act(() => store.getState().applyProgress({ c7: buildProgress({ done: 999 }) }));
    // A fresh snapshot (as IPC delivers it) in which only c3 changed.
    const next = structuredClone(connectors);
    next[3] = { ...next[3], documents: 1 };
    act(() => store.getState().applyState(buildState({ connectors: next })));
    expect([...renders.keys()].sort()).toEqual(['c3', 'c7']);
  });
});

describe('Remove', () => {
  const setup = () =>
    renderDashboard({ state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' })] }) });

  it('asks first; Cancel (focused by default) removes nothing', async () => {
    const { user, api } = await setup();
    await user.click(button(card('Notes'), 'Remove'));
    const dialog = screen.getByRole('dialog', { name: 'Remove Notes?' });
    expect(dialog.textContent).toContain('Your files themselves are not touched');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.removeConnector).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(button(card('Notes'), 'Remove'));
  });

  it('Escape closes the dialog', async () => {
    const { user, api } = await setup();
    await user.click(button(card('Notes'), 'Remove'));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.removeConnector).not.toHaveBeenCalled();
  });

  it('"Remove, keep indexed data" passes keepIndex: true', async () => {
    const { user, api } = await setup();
    api.removeConnector.mockResolvedValueOnce(buildState());
    await user.click(button(card('Notes'), 'Remove'));
    await user.click(screen.getByRole('button', { name: 'Remove, keep indexed data' }));
    expect(api.removeConnector).toHaveBeenCalledWith('n', { keepIndex: true });
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Notes' })).toBeNull());
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('"Remove and delete its index" passes keepIndex: false', async () => {
    const { user, api } = await setup();
    await user.click(button(card('Notes'), 'Remove'));
    await user.click(screen.getByRole('button', { name: 'Remove and delete its index' }));
    expect(api.removeConnector).toHaveBeenCalledWith('n', { keepIndex: false });
  });

  it('a failed removal keeps the dialog open with the reason', async () => {
    const { user, api } = await setup();
    api.removeConnector.mockRejectedValueOnce(new Error('the index is locked'));
    await user.click(button(card('Notes'), 'Remove'));
    await user.click(screen.getByRole('button', { name: 'Remove and delete its index' }));
    const dialog = screen.getByRole('dialog');
    expect((await within(dialog).findByRole('alert')).textContent).toBe("Couldn't remove Notes: the index is locked");
  });
});

describe('Edit', () => {
  const setup = () =>
    renderDashboard({
      state: buildState({
        connectors: [buildConnector({ id: 'n', name: 'Notes', intervalSeconds: null, excludes: ['*.tmp'] })],
      }),
    });

  it('validates name, interval and exclude patterns before sending anything', async () => {
    const { user, api } = await setup();
    await user.click(button(card('Notes'), 'Edit'));
    const dialog = screen.getByRole('dialog', { name: 'Edit Notes' });
    const name = within(dialog).getByLabelText('Name');
    const interval = within(dialog).getByLabelText('Sync every (minutes)');
    const excludes = within(dialog).getByLabelText('Exclude (one pattern per line)');
    await user.clear(name);
    await user.type(interval, '1.5');
    await user.type(excludes, '\n/etc/**');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(dialog.textContent).toContain('Give the connector a name.');
    expect(dialog.textContent).toContain('Enter a whole number of minutes.');
    expect(dialog.textContent).toContain('cannot start with a slash');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(api.updateConnector).not.toHaveBeenCalled();
  });

  it('sends only what changed, in seconds and one glob per line', async () => {
    const { user, api } = await setup();
    await user.click(button(card('Notes'), 'Edit'));
    const dialog = screen.getByRole('dialog', { name: 'Edit Notes' });
    await user.clear(within(dialog).getByLabelText('Name'));
    await user.type(within(dialog).getByLabelText('Name'), 'Work notes');
    await user.type(within(dialog).getByLabelText('Sync every (minutes)'), '30');
    await user.type(within(dialog).getByLabelText('Exclude (one pattern per line)'), '\n\n  Archive/**  \n*.tmp');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(api.updateConnector).toHaveBeenCalledWith('n', {
      name: 'Work notes',
      intervalSeconds: 1800,
      excludes: ['*.tmp', 'Archive/**'],
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('keeps an interval of seconds that is not whole minutes (set by the CLI) when only the name changes', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({
        connectors: [buildConnector({ id: 'n', name: 'Notes', intervalSeconds: 90, excludes: [] })],
      }),
    });
    await user.click(button(card('Notes'), 'Edit'));
    const dialog = screen.getByRole('dialog', { name: 'Edit Notes' });
    expect(within(dialog).getByLabelText<HTMLInputElement>('Sync every (minutes)').value).toBe('1.5');
    await user.type(within(dialog).getByLabelText('Name'), ' 2');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(api.updateConnector).toHaveBeenCalledWith('n', { name: 'Notes 2' });
  });

  it('says what the patterns as typed leave out, once typing pauses, and never an answer for older text', async () => {
    const { user, api } = await setup();
    const answers: Record<string, { files: number; leftOut: number; leftOutExamples: string[]; complete: boolean }> = {
      '*.tmp': { files: 1234, leftOut: 0, leftOutExamples: [], complete: true },
      '*.tmp\nArchive/**': {
        files: 1234,
        leftOut: 56,
        leftOutExamples: ['Archive/a.md', 'Archive/b.md'],
        complete: true,
      },
    };
    api.previewExcludes.mockImplementation((_kind, _path, excludes) =>
      Promise.resolve(answers[excludes.join('\n')] ?? null),
    );
    await user.click(button(card('Notes'), 'Edit'));
    const dialog = screen.getByRole('dialog', { name: 'Edit Notes' });
    const preview = within(dialog).getByTestId('exclude-preview');
    await waitFor(() => expect(preview.textContent).toBe('Leaves out none of the 1,234 files.'));
    expect(api.previewExcludes).toHaveBeenCalledWith('folder', '/home/ada/Notes', ['*.tmp']);
    await user.type(within(dialog).getByLabelText('Exclude (one pattern per line)'), '\nArchive/**');
    // Typing asks once it pauses, for the whole text, not once per key.
    await waitFor(() =>
      expect(preview.textContent).toBe('Leaves out 56 of 1,234 files: Archive/a.md, Archive/b.md, …'),
    );
    expect(api.previewExcludes).toHaveBeenCalledTimes(2);
    await user.type(within(dialog).getByLabelText('Exclude (one pattern per line)'), '\n/etc/**');
    expect(preview.textContent).toBe('');
    await new Promise((resolve) => setTimeout(resolve, EXCLUDE_PREVIEW_DELAY_MS * 2));
    expect(api.previewExcludes).toHaveBeenCalledTimes(2);
  });

  it('saving without changes sends nothing', async () => {
    const { user, api } = await setup();
    await user.click(button(card('Notes'), 'Edit'));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(api.updateConnector).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('relative times', () => {
  it('are computed against a clock that the 30 s ticker advances', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    try {
      const store = createDashboardStore(createFakeApi().api);
      store
        .getState()
        .applyState(buildState({ connectors: [idleConnector({ id: 'x', lastSuccessAt: minutesAgo(5) })] }));
      render(
        <DashboardProvider store={store}>
          <ConnectorCard id="x" />
        </DashboardProvider>,
      );
      expect(screen.getByTestId('last-success').textContent).toBe('5 min ago');
      act(() => {
        vi.advanceTimersByTime(30_000);
      });
      expect(screen.getByTestId('last-success').textContent).toBe('5 min ago');
      act(() => {
        vi.advanceTimersByTime(30_000);
      });
      expect(screen.getByTestId('last-success').textContent).toBe('6 min ago');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ConnectorCard, confirmed bugs', () => {
  it('a failed sync is announced (an alert), and the counts below are labelled as the last successful run', async () => {
    const { push } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ id: 'm', name: 'Mail' })] }),
    });
    const c = card('Mail');
    expect(within(c).queryByRole('alert')).toBeNull();
    expect(within(c).getByText('Last run:')).toBeTruthy();
    push(buildState({ connectors: [failingConnector({ id: 'm' })] }));
    expect(within(c).getByRole('alert').textContent).toContain('Last sync failed: Permission denied');
    expect(within(c).queryByText('Last run:')).toBeNull();
    expect(within(c).getByText('Last successful run:')).toBeTruthy();
  });

  it('while all syncing is paused, the card says so and offers what resumes it', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({
        paused: true,
        connectors: [
          pausedConnector({ id: 'a', name: 'Archive' }),
          pausedConnector({ id: 'n', name: 'Notes', paused: false }),
        ],
      }),
    });
    for (const name of ['Archive', 'Notes']) {
      const c = card(name);
      expect(within(c).getByTestId('app-paused').textContent).toContain('All syncing is paused');
      // "Resume" (this connector only) would change nothing while everything is paused.
      expect(within(c).queryByRole('button', { name: 'Resume' })).toBeNull();
      expect(within(c).queryByRole('button', { name: 'Pause' })).toBeNull();
    }
    await user.click(button(card('Archive'), 'Resume all syncing'));
    expect(api.resume).toHaveBeenCalledWith(null);
    expect(api.resume).not.toHaveBeenCalledWith('a');
  });

  it('"Show problems" moves focus to the Problems view, not to <body>', async () => {
    const { user } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes', itemErrors: 2 })] }),
    });
    await user.click(within(card('Notes')).getByRole('button', { name: 'Show problems' }));
    await screen.findByRole('heading', { name: 'Problems' });
    expect(document.activeElement).toBe(screen.getByRole('main'));
  });
});

describe('Dialog, Escape after focus left it', () => {
  const setup = () =>
    renderDashboard({ state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' })] }) });

  it('a click on the backdrop keeps focus in the dialog, and Escape still closes it', async () => {
    const { user } = await setup();
    await user.click(button(card('Notes'), 'Remove'));
    const dialog = screen.getByRole('dialog', { name: 'Remove Notes?' });
    await user.click(dialog.parentElement!);
    expect(dialog.contains(document.activeElement)).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('Escape closes it even with focus on <body>', async () => {
    const { user } = await setup();
    await user.click(button(card('Notes'), 'Remove'));
    act(() => (document.activeElement as HTMLElement).blur());
    expect(document.activeElement).toBe(document.body);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
