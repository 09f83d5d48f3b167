import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { describeHistory, HistoryChart } from '../../renderer/components/history-chart.js';
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
