import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { buildHit, buildState, desktopCapabilities, headlessCapabilities, idleConnector } from './fixtures.js';
import { renderDashboard } from './render.js';

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

  it('filters by date: "Past week" asks for documents dated within the last 7 days', async () => {
    const { user, api } = await renderDashboard({ state, view: 'search' });
    await user.type(screen.getByRole('searchbox'), 'invoice');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(1));
    const before = Date.now();
    await user.selectOptions(screen.getByLabelText('Date'), 'Past week');
    await waitFor(() => expect(api.search).toHaveBeenCalledTimes(2));
    const [, options] = api.search.mock.lastCall!;
    expect(options.since).toBeGreaterThanOrEqual(before - 7 * 86_400_000);
    expect(options.since).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000);
    await user.selectOptions(screen.getByLabelText('Date'), 'Any time');
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith('invoice', { limit: 51 }));
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
