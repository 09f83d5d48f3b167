import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { describeHistory, HistoryChart, runTitle } from '../../renderer/components/history-chart.js';
import { buildRun, buildState, idleConnector, minutesAgo } from './fixtures.js';
import { renderDashboard } from './render.js';

const runs = [
  buildRun({
    startedAt: minutesAgo(180),
    counts: { added: 10, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 30 },
  }),
  buildRun({
    startedAt: minutesAgo(120),
    outcome: 'failed',
    error: { code: 'EACCES', message: 'Permission denied', at: minutesAgo(120) },
    counts: { added: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 0 },
  }),
  buildRun({
    startedAt: minutesAgo(60),
    counts: { added: 1, updated: 4, deleted: 2, unchanged: 90, failed: 1, chunks: 9 },
  }),
];

describe('History chart', () => {
  it('is one SVG image with a summary a screen reader can read', () => {
    render(<HistoryChart name="Notes" runs={runs} />);
    const chart = screen.getByRole('img');
    expect(chart.tagName.toLowerCase()).toBe('svg');
    const name = chart.getAttribute('aria-labelledby')!;
    const title = document.getElementById(name)!;
    expect(title.tagName.toLowerCase()).toBe('title');
    expect(title.textContent).toMatch(/^Last 3 runs of Notes: 2 succeeded, 1 failed\. 17 documents changed in total\./);
    expect(title.textContent).toContain('Typical duration 4.0 s.');
    expect(title.textContent).toMatch(/The latest run, .*, succeeded\.$/);
  });

  it('draws a bar per run, oldest first, and marks failed runs with their own shape', () => {
    const { container } = render(<HistoryChart name="Notes" runs={[...runs].reverse()} />);
    const groups = [...container.querySelectorAll('g[data-outcome]')];
    expect(groups.map((g) => g.getAttribute('data-outcome'))).toEqual(['success', 'failed', 'success']);
    expect(container.querySelectorAll('.history__bar')).toHaveLength(3);
    expect(screen.getAllByTestId('failed-marker')).toHaveLength(1);
    expect(groups[1].querySelector('[data-testid="failed-marker"]')).not.toBeNull();
    // Tallest bar is the run with the most changed documents; the duration line has one point per finished run.
    const heights = [...container.querySelectorAll('.history__bar')].map((b) => Number(b.getAttribute('height')));
    expect(heights[0]).toBeGreaterThan(heights[2]);
    expect(container.querySelector('polyline')!.getAttribute('points')!.split(' ')).toHaveLength(3);
    // Each run explains itself on hover.
    expect(groups[1].querySelector('title')!.textContent).toContain('failed');
    expect(groups[1].querySelector('title')!.textContent).toContain('error: Permission denied');
    expect(screen.getByText('Failed run')).toBeTruthy();
  });

  it('says why each run started, e.g. after a change on disk', () => {
    const { container } = render(
      <HistoryChart name="Notes" runs={[buildRun({ startedAt: minutesAgo(5), trigger: 'change' })]} />,
    );
    expect(container.querySelector('g[data-outcome] title')!.textContent).toMatch(/\(after a change\): succeeded/);
  });

  it('says so when there are no runs yet', () => {
    render(<HistoryChart name="Notes" runs={[]} />);
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByText('Notes has no sync runs yet.')).toBeTruthy();
    expect(describeHistory('X', [])).toBe('X has no sync runs yet.');
  });

  it('opens from the card, loading that connector’s runs', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' })] }),
    });
    api.history.mockResolvedValue(runs);
    const card = screen.getByRole('region', { name: 'Notes' });
    const toggle = within(card).getByRole('button', { name: 'History' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(api.history).toHaveBeenCalledWith('n', 30);
    expect((await within(card).findByRole('img')).getAttribute('aria-labelledby')).toBeTruthy();
  });
});

describe('History chart, from the keyboard', () => {
  /** The chart and what it is described by: the picked run's details (a live region) and how to move. */
  const described = (chart: Element): string =>
    chart
      .getAttribute('aria-describedby')!
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');

  it('is reached with Tab; the latest run is picked, outlined, and its details shown and read out', async () => {
    const user = userEvent.setup();
    const { container } = render(
      <>
        <button type="button">Before</button>
        <HistoryChart name="Notes" runs={runs} />
      </>,
    );
    const chart = screen.getByRole('img');
    const detail = screen.getByTestId('history-detail');
    expect(detail.textContent).toBe('');
    expect(detail.getAttribute('aria-live')).toBe('polite');
    await user.tab();
    await user.tab();
    expect(document.activeElement).toBe(chart);
    expect(detail.textContent).toBe(`Run 3 of 3: ${runTitle(runs[2])}`);
    expect(detail.textContent).toMatch(
      /succeeded · 7 documents changed \(1 added, 4 updated, 2 deleted\) · 1 item failed/,
    );
    expect(described(chart)).toContain(detail.textContent);
    expect(described(chart)).toMatch(/arrow keys/);
    const active = container.querySelectorAll('.history__run--active');
    expect(active).toHaveLength(1);
    expect(active[0]).toBe(container.querySelectorAll('g[data-outcome]')[2]);
  });

  it('arrow keys, Home and End move between runs (oldest to latest), and never past the ends', async () => {
    const user = userEvent.setup();
    const { container } = render(<HistoryChart name="Notes" runs={[...runs].reverse()} />);
    const detail = screen.getByTestId('history-detail');
    const activeOutcome = () => container.querySelector('.history__run--active')?.getAttribute('data-outcome');
    await user.tab();
    await user.keyboard('{ArrowLeft}');
    expect(detail.textContent).toBe(`Run 2 of 3: ${runTitle(runs[1])}`);
    expect(detail.textContent).toMatch(/: failed · .* · error: Permission denied$/);
    expect(activeOutcome()).toBe('failed');
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(detail.textContent).toBe(`Run 1 of 3: ${runTitle(runs[0])}`);
    await user.keyboard('{ArrowRight}');
    expect(detail.textContent).toMatch(/^Run 2 of 3/);
    await user.keyboard('{End}');
    expect(detail.textContent).toMatch(/^Run 3 of 3/);
    await user.keyboard('{ArrowRight}');
    expect(detail.textContent).toMatch(/^Run 3 of 3/);
    await user.keyboard('{Home}');
    expect(detail.textContent).toMatch(/^Run 1 of 3/);
    // The keys are the chart's: the page does not scroll with them.
    const chart = screen.getByRole('img');
    expect(fireEvent.keyDown(chart, { key: 'ArrowDown' })).toBe(false);
    expect(fireEvent.keyDown(chart, { key: 'a' })).toBe(true);
    // Leaving it hides the details again.
    await user.tab();
    expect(detail.textContent).toBe('');
    expect(container.querySelector('.history__run--active')).toBeNull();
  });

  it('looks the same as before for a mouse: a click shows no details and outlines nothing', async () => {
    const user = userEvent.setup();
    const { container } = render(<HistoryChart name="Notes" runs={runs} />);
    const chart = screen.getByRole('img');
    await user.click(chart);
    expect(screen.getByTestId('history-detail').textContent).toBe('');
    expect(container.querySelector('.history__run--active')).toBeNull();
    // A key after the click picks the latest run.
    await user.keyboard('{ArrowLeft}');
    expect(screen.getByTestId('history-detail').textContent).toMatch(/^Run 3 of 3/);
  });
});
