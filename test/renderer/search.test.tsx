import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { buildHit, buildState, desktopCapabilities, headlessCapabilities, idleConnector } from './fixtures.js';
import { renderDashboard } from './render.js';
import { WebApiError } from '../../renderer/web-api.js';

const state = buildState({
  connectors: [idleConnector({ id: 'notes', name: 'Notes' }), idleConnector({ id: 'mail', name: 'Mail' })],
});

describe('Search', () => {
  it('is a labelled search box; typing is debounced into one query', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    const box = screen.getByRole('searchbox', { name: 'Search your index' });
    expect(box.getAttribute('type')).toBe('search');
    await user.type(box, 'plan');
    await waitFor(() => expect(api.search).toHaveBeenCalled());
    expect(api.search).toHaveBeenCalledTimes(1);
    expect(api.search).toHaveBeenCalledWith('plan', { limit: 51 });
  });

  it('renders <mark> from highlight ranges, with the source name and type', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    api.search.mockResolvedValue([
      buildHit({
        title: 'Q3 plan',
        source: 'notes',
        snippet: 'The project plan for Q3: plan early',
        highlights: [
          [12, 16],
          [25, 29],
        ],
      }),
    ]);
    await user.type(screen.getByRole('searchbox'), 'plan');
    const result = await screen.findByTestId('search-result');
    expect(within(result).getByRole('heading', { name: 'Q3 plan' })).toBeTruthy();
    const snippet = within(result).getByTestId('snippet');
    expect([...snippet.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['plan', 'plan']);
    expect(snippet.textContent).toBe('The project plan for Q3: plan early');
    expect(result.textContent).toContain('Notes · Note');
    expect(screen.getByTestId('search-status').textContent).toBe('1 result for “plan”');
  });

  it('says a word to look for is needed when every word of the query leaves something out', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    api.search.mockResolvedValue([]);
    await user.type(screen.getByRole('searchbox'), '-lisbon');
    await waitFor(() =>
      expect(screen.getByTestId('search-status').textContent).toBe(
        'No results for “-lisbon”. A -word leaves out what has it: add a word to look for.',
      ),
    );
  });

  it("marks the matched words in a result's title too", async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    api.search.mockResolvedValue([
      buildHit({ title: 'Budget review with finance', titleHighlights: [[0, 6]], snippet: 'Room 4', highlights: [] }),
    ]);
    await user.type(screen.getByRole('searchbox'), 'budget');
    const heading = within(await screen.findByTestId('search-result')).getByRole('heading');
    expect(heading.textContent).toBe('Budget review with finance');
    expect([...heading.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['Budget']);
  });

  it('shows snippet HTML as text, never as markup', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    const evil = '<img src=x onerror=alert(1)> plan <b>bold</b>';
    api.search.mockResolvedValue([buildHit({ title: '<script>x</script>', snippet: evil, highlights: [[29, 33]] })]);
    await user.type(screen.getByRole('searchbox'), 'plan');
    const result = await screen.findByTestId('search-result');
    expect(result.querySelector('img')).toBeNull();
    expect(result.querySelector('b')).toBeNull();
    expect(result.querySelector('script')).toBeNull();
    expect(within(result).getByTestId('snippet').textContent).toBe(evil);
    expect(within(result).getByRole('heading').textContent).toBe('<script>x</script>');
    expect(result.querySelector('mark')?.textContent).toBe('plan');
  });

  it('filters by connector and by type', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await user.type(screen.getByRole('searchbox'), 'invoice');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(1));
    await user.selectOptions(screen.getByLabelText('Source'), 'Mail');
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith('invoice', { source: 'mail', limit: 51 }));
    await user.selectOptions(screen.getByLabelText('Type'), 'Emails');
    await waitFor(() =>
      expect(api.search).toHaveBeenLastCalledWith('invoice', { source: 'mail', docType: 'email', limit: 51 }),
    );
  });

  it('offers tasks in the type filter, and labels a task result as one', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    const type = screen.getByLabelText('Type');
    expect([...type.querySelectorAll('option')].map((o) => o.textContent)).toEqual([
      'All types',
      'Notes',
      'Documents',
      'Emails',
      'Events',
      'Tasks',
    ]);
    api.search.mockResolvedValue([
      buildHit({ title: 'Buy oat milk', source: 'notes', docType: 'task', snippet: 'milk' }),
    ]);
    await user.type(screen.getByRole('searchbox'), 'milk');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(1));
    await user.selectOptions(type, 'Tasks');
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith('milk', { docType: 'task', limit: 51 }));
    expect((await screen.findByTestId('search-result')).textContent).toContain('Notes · Task');
  });

  it('filters by date: "Past week" asks for documents dated within the last 7 days, and not after now', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await user.type(screen.getByRole('searchbox'), 'invoice');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(1));
    const before = Date.now();
    await user.selectOptions(screen.getByLabelText('Date'), 'Past week');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(2));
    const [, options] = api.search.mock.lastCall!;
    expect(options.since).toBeGreaterThanOrEqual(before - 7 * 86_400_000);
    expect(options.since).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000);
    // Next month's meetings and tasks due next year are not "in the past week".
    expect(options.until).toBeGreaterThanOrEqual(before);
    expect(options.until).toBeLessThanOrEqual(Date.now());
    await user.selectOptions(screen.getByLabelText('Date'), 'Any time');
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith('invoice', { limit: 51 }));
  });

  it('filters by date: "Upcoming" asks for what is dated from now on (meetings ahead, tasks due)', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    expect([...screen.getByLabelText('Date').querySelectorAll('option')].map((o) => o.textContent)).toEqual([
      'Any time',
      'Upcoming',
      'Past week',
      'Past month',
      'Past year',
    ]);
    await user.type(screen.getByRole('searchbox'), 'budget');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(1));
    const before = Date.now();
    await user.selectOptions(screen.getByLabelText('Date'), 'Upcoming');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(2));
    const [, options] = api.search.mock.lastCall!;
    expect(options.since).toBeGreaterThanOrEqual(before);
    expect(options.since).toBeLessThanOrEqual(Date.now());
    expect(options.until).toBeUndefined();
  });

  it('when the filters hide every match, says which filters, and "Clear filters" brings the matches back', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    // "meeting" is in the notes, none of it upcoming or in the mail.
    api.search.mockImplementation((_q: string, options: { source?: string; since?: number }) =>
      Promise.resolve(
        options.source || options.since !== undefined ? [] : [buildHit({ title: 'Budget meeting prep' })],
      ),
    );
    await user.type(screen.getByRole('searchbox'), 'meeting');
    await screen.findByTestId('search-result');
    await user.selectOptions(screen.getByLabelText('Source'), 'Mail');
    await user.selectOptions(screen.getByLabelText('Date'), 'Upcoming');
    await waitFor(() =>
      expect(screen.getByTestId('search-status').textContent).toBe(
        'No results for “meeting” with these filters: Mail, Upcoming',
      ),
    );
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect((await screen.findByTestId('search-result')).textContent).toContain('Budget meeting prep');
    expect(screen.getByTestId('search-status').textContent).toBe('1 result for “meeting”');
    expect(screen.getByLabelText<HTMLSelectElement>('Source').value).toBe('');
    expect(screen.getByLabelText<HTMLSelectElement>('Date').value).toBe('');
    // The button is gone: focus is not lost, it is back in the search box.
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('searchbox'));
  });

  it('a filter picked before any words says that words are needed, instead of nothing', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await user.selectOptions(screen.getByLabelText('Date'), 'Upcoming');
    expect(screen.getByTestId('search-status').textContent).toBe(
      'Type words to search for: the filters narrow what is found.',
    );
    expect(api.search).not.toHaveBeenCalled();
    await user.type(screen.getByRole('searchbox'), 'plan');
    await waitFor(() =>
      expect(screen.getByTestId('search-status').textContent).toBe(
        'No results for “plan” with these filters: Upcoming',
      ),
    );
  });

  it('"Show more results" appends the next page, and is gone once everything is shown', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await showFirstPageOfSeventy(user, api);
    expect(screen.getByTestId('search-status').textContent).toBe('50 results so far for “plan”');
    await user.click(screen.getByRole('button', { name: 'Show more results' }));
    await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(70));
    expect(api.search).toHaveBeenLastCalledWith('plan', { limit: 51, offset: 50 });
    expect(screen.getByTestId('search-status').textContent).toBe('70 results for “plan”');
    expect(screen.queryByRole('button', { name: 'Show more results' })).toBeNull();
  });

  it('desktop: opens a result in the OS', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search', capabilities: desktopCapabilities });
    api.search.mockResolvedValue([buildHit({ docId: 'plan.md', title: 'Q3 plan', path: '/home/ada/Notes/plan.md' })]);
    await user.type(screen.getByRole('searchbox'), 'plan');
    await user.click(await screen.findByRole('button', { name: 'Open Q3 plan' }));
    expect(api.openItem).toHaveBeenCalledWith({ kind: 'document', connectorId: 'notes', docId: 'plan.md' });
  });

  it('headless: no Open button', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search', capabilities: headlessCapabilities });
    api.search.mockResolvedValue([buildHit()]);
    await user.type(screen.getByRole('searchbox'), 'plan');
    await screen.findByTestId('search-result');
    expect(screen.queryByRole('button', { name: /^Open/ })).toBeNull();
  });

  it('says when nothing matched, and when the search failed', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await user.type(screen.getByRole('searchbox'), 'zzz');
    await waitFor(() => expect(screen.getByTestId('search-status').textContent).toBe('No results for “zzz”'));
    api.search.mockRejectedValueOnce(new Error('the index is being rebuilt'));
    await user.type(screen.getByRole('searchbox'), 'z');
    expect((await screen.findByRole('alert')).textContent).toBe('Search failed: the index is being rebuilt');
  });
});

describe('Search, failures', () => {
  /** 50 hits for "plan" shown, and more to come: the next page is up to each test. */
  const showFirstPage = async (
    user: Awaited<ReturnType<typeof renderDashboard>>['user'],
    api: Awaited<ReturnType<typeof renderDashboard>>['api'],
  ): Promise<void> => {
    api.search.mockResolvedValueOnce(
      Array.from({ length: 51 }, (_, i) => buildHit({ docId: `d${i}`, title: `Hit ${i}` })),
    );
    await user.type(screen.getByRole('searchbox'), 'plan');
    await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(50));
  };

  it('"Show more results" that fails says why next to the button, keeps the results, and tries again when pressed', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await showFirstPage(user, api);
    api.search.mockRejectedValueOnce(
      new WebApiError(
        'The Jarvis Sync daemon cannot be reached. Is `jarvis-sync serve` still running?',
        0,
        'NetworkError',
      ),
    );
    const more = screen.getByRole('button', { name: 'Show more results' });
    await user.click(more);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      "Couldn't load more results: The Jarvis Sync daemon cannot be reached. Is `jarvis-sync serve` still running? " +
        'The results above stay; press “Show more results” to try again.',
    );
    // Next to the button, which describes itself with it, keeps focus, and is not stuck loading.
    expect(alert.nextElementSibling).toBe(more);
    expect(more.getAttribute('aria-describedby')).toBe(alert.id);
    expect(more.textContent).toBe('Show more results');
    expect(more.getAttribute('aria-disabled')).toBe('false');
    expect(document.activeElement).toBe(more);
    expect(screen.getAllByTestId('search-result')).toHaveLength(50);
    expect(screen.getByTestId('search-status').textContent).toBe('50 results so far for “plan”');

    // Pressed again: the same page is asked for, and this time it comes; the message goes.
    api.search.mockResolvedValueOnce(
      Array.from({ length: 20 }, (_, i) => buildHit({ docId: `d${50 + i}`, title: `Hit ${50 + i}` })),
    );
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(70));
    expect(api.search).toHaveBeenLastCalledWith('plan', { limit: 51, offset: 50 });
    expect(api.search.mock.calls.filter(([, o]) => o?.offset === 50)).toHaveLength(2);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a page that fails on a busy database says what to do about it; a new failure is announced again', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await showFirstPage(user, api);
    api.search.mockRejectedValue(new Error('database is locked'));
    await user.click(screen.getByRole('button', { name: 'Show more results' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(
      /^Couldn't load more results: database is locked\. The index is busy \(another program may be writing to it\)\. Try again in a moment\. The results above stay/,
    );
    await user.click(screen.getByRole('button', { name: 'Show more results' }));
    await waitFor(() => expect(api.search.mock.calls.filter(([, o]) => o?.offset === 50)).toHaveLength(2));
    // The alert was taken down while asking again and put back: a new alert, read out again.
    expect(await screen.findByRole('alert')).not.toBe(alert);
    expect(screen.getAllByTestId('search-result')).toHaveLength(50);
  });

  it('a new search while a page is loading frees the button: the old page is dropped, the new one can have more', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await showFirstPage(user, api);
    let fail!: (err: Error) => void;
    api.search.mockReturnValueOnce(new Promise((_, reject) => (fail = reject)));
    await user.click(screen.getByRole('button', { name: 'Show more results' }));
    expect(screen.getByRole('button', { name: 'Loading…' })).toBeTruthy();

    const page = Array.from({ length: 51 }, (_, i) => buildHit({ docId: `p${i}`, title: `Pear ${i}` }));
    api.search.mockResolvedValueOnce(page);
    await user.clear(screen.getByRole('searchbox'));
    await user.type(screen.getByRole('searchbox'), 'pear');
    await waitFor(() => expect(screen.getByTestId('search-status').textContent).toBe('50 results so far for “pear”'));
    fail(new Error('gone'));
    await Promise.resolve();
    expect(screen.queryByRole('alert')).toBeNull();
    const more = screen.getByRole('button', { name: 'Show more results' });
    expect(more.getAttribute('aria-disabled')).toBe('false');
    api.search.mockResolvedValueOnce([]);
    await user.click(more);
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith('pear', { limit: 51, offset: 50 }));
  });

  it('a first search that fails says why, keeps the results it had for the last query, and can be tried again', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    api.search.mockResolvedValueOnce([buildHit({ title: 'Q3 plan' })]);
    await user.type(screen.getByRole('searchbox'), 'plan');
    await waitFor(() => expect(screen.getByTestId('search-status').textContent).toBe('1 result for “plan”'));
    api.search.mockRejectedValueOnce(new Error('database disk image is malformed'));
    await user.type(screen.getByRole('searchbox'), 's');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'Search failed: database disk image is malformed. The index is damaged: Jarvis Sync sets it aside and rebuilds it from your files. Try again once that sync is done.',
    );
    expect(screen.getAllByTestId('search-result')).toHaveLength(1);
    expect(screen.getByTestId('search-status').textContent).toBe('Still showing 1 result for “plan”');

    api.search.mockResolvedValueOnce([buildHit({ title: 'Q3 plans' }), buildHit({ title: 'Plans' })]);
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByTestId('search-status').textContent).toBe('2 results for “plans”'));
    expect(api.search).toHaveBeenLastCalledWith('plans', { limit: 51 });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

/** 70 hits for "plan", the first 50 shown: the next page holds the last 20. */
async function showFirstPageOfSeventy(
  user: Awaited<ReturnType<typeof renderDashboard>>['user'],
  api: Awaited<ReturnType<typeof renderDashboard>>['api'],
): Promise<void> {
  const page = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => buildHit({ docId: `d${from + i}`, title: `Hit ${from + i}` }));
  api.search.mockResolvedValueOnce(page(0, 51)).mockResolvedValueOnce(page(50, 20));
  await user.type(screen.getByRole('searchbox'), 'plan');
  await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(50));
}

describe('Search, focus', () => {
  it('"Show more results" moves focus to the first new result, even when the button goes', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await showFirstPageOfSeventy(user, api);
    await user.click(screen.getByRole('button', { name: 'Show more results' }));
    await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(70));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Hit 50' })));
  });
});
