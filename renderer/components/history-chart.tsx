import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { RunRecord } from '../../shared/types.js';
import { formatDateTime, formatDuration, formatNumber, plural } from '../format.js';
import { useDashboard } from '../store/context.js';

const W = 320;
const H = 110;
const PAD = { top: 14, right: 6, bottom: 6, left: 6 };
const INNER_W = W - PAD.left - PAD.right;
const INNER_H = H - PAD.top - PAD.bottom;

const changedOf = (r: RunRecord): number => r.counts.added + r.counts.updated + r.counts.deleted;
const durationOf = (r: RunRecord): number | null => (r.endedAt === null ? null : Math.max(0, r.endedAt - r.startedAt));

const OUTCOME_WORD: Record<RunRecord['outcome'], string> = {
  success: 'succeeded',
  failed: 'failed',
  cancelled: 'was cancelled',
  running: 'is running',
};

/** Why a run started, as a person would say it. */
export const TRIGGER_WORD: Record<RunRecord['trigger'], string> = {
  schedule: 'on schedule',
  manual: 'on request',
  'catch-up': 'catching up',
  retry: 'retry after a failure',
  first: 'first sync',
  change: 'after a change',
};

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One sentence a screen reader can use instead of the picture. Runs are oldest first. */
export function describeHistory(name: string, runs: RunRecord[]): string {
  if (runs.length === 0) return `${name} has no sync runs yet.`;
  const failed = runs.filter((r) => r.outcome === 'failed').length;
  const ok = runs.filter((r) => r.outcome === 'success').length;
  const changed = runs.reduce((sum, r) => sum + changedOf(r), 0);
  const med = median(runs.map(durationOf).filter((d): d is number => d !== null));
  const last = runs[runs.length - 1];
  return [
    `Last ${plural(runs.length, 'run', 'runs')} of ${name}: ${formatNumber(ok)} succeeded, ${formatNumber(failed)} failed.`,
    `${plural(changed, 'document', 'documents')} changed in total.`,
    med === null ? null : `Typical duration ${formatDuration(med)}.`,
    `The latest run, ${formatDateTime(last.startedAt)}, ${OUTCOME_WORD[last.outcome]}.`,
  ]
    .filter(Boolean)
    .join(' ');
}

export function runTitle(r: RunRecord): string {
  const d = durationOf(r);
  const c = r.counts;
  return [
    `${formatDateTime(r.startedAt)} (${TRIGGER_WORD[r.trigger] ?? r.trigger}): ${OUTCOME_WORD[r.outcome]}`,
    `${plural(changedOf(r), 'document', 'documents')} changed (${formatNumber(c.added)} added, ${formatNumber(c.updated)} updated, ${formatNumber(c.deleted)} deleted)`,
    c.failed ? `${plural(c.failed, 'item', 'items')} failed` : null,
    d === null ? null : `took ${formatDuration(d)}`,
    r.error ? `error: ${r.error.message}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The run a key moves to from run `i` of `n` (-1: none yet, so any key starts at the latest); null: not ours. */
function stepTo(key: string, i: number, n: number): number | null {
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowUp':
      return i < 0 ? n - 1 : Math.max(0, i - 1);
    case 'ArrowRight':
    case 'ArrowDown':
      return i < 0 ? n - 1 : Math.min(n - 1, i + 1);
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
    default:
      return null;
  }
}

/**
 * Runs as a small SVG chart: bars for documents changed, a line with dots for duration (own scale), failed runs
 * as a red triangle above their column, cancelled ones as a hollow square. `runs` may come in any order.
 *
 * Each run explains itself on hover (its <title>), and from the keyboard: the chart is one Tab stop, arrow keys
 * (Home, End) pick a run, whose column is outlined and whose details are written under the chart, in a polite live
 * region the chart is described by. A click gives focus without showing them, so the look with a mouse is as it was.
 */
export function HistoryChart({ name, runs }: { name: string; runs: RunRecord[] }) {
  const titleId = useId();
  const helpId = useId();
  const detailId = useId();
  const [activeId, setActiveId] = useState<number | null>(null);
  /** Set between a pointer's press and its release: the focus it gives is not the keyboard's. */
  const pressing = useRef(false);
  const sorted = [...runs].sort((a, b) => a.startedAt - b.startedAt);
  const summary = describeHistory(name, sorted);
  if (sorted.length === 0) return <p className="muted">{summary}</p>;

  // By id, so a reload of the runs (after a new attempt) keeps the one picked; one no longer listed is none.
  const activeIndex = activeId === null ? -1 : sorted.findIndex((r) => r.id === activeId);
  const active = activeIndex < 0 ? null : sorted[activeIndex];
  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>): void => {
    if (e.key === 'Escape' && active) {
      e.preventDefault();
      setActiveId(null);
      return;
    }
    const next = stepTo(e.key, activeIndex, sorted.length);
    if (next === null) return;
    e.preventDefault(); // the page does not scroll
    setActiveId(sorted[next].id);
  };

  const maxChanged = Math.max(1, ...sorted.map(changedOf));
  const durations = sorted.map(durationOf);
  const maxDuration = Math.max(1, ...durations.map((d) => d ?? 0));
  const slot = INNER_W / sorted.length;
  const barW = Math.max(2, Math.min(18, slot * 0.6));
  const x = (i: number): number => PAD.left + slot * (i + 0.5);
  const yChanged = (v: number): number => PAD.top + INNER_H - (v / maxChanged) * INNER_H;
  const yDuration = (v: number): number => PAD.top + INNER_H - (v / maxDuration) * INNER_H;
  const line = durations
    .map((d, i) => (d === null ? null : `${x(i).toFixed(1)},${yDuration(d).toFixed(1)}`))
    .filter(Boolean)
    .join(' ');

  return (
    <figure className="history">
      <svg
        className="history__chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={titleId}
        aria-describedby={`${detailId} ${helpId}`}
        tabIndex={0}
        preserveAspectRatio="none"
        data-testid="history-chart"
        onKeyDown={onKeyDown}
        onPointerDown={() => (pressing.current = true)}
        onPointerUp={() => (pressing.current = false)}
        onPointerCancel={() => (pressing.current = false)}
        // Tabbed to: the latest run's details, at once. Clicked: none until a key asks for them.
        onFocus={() => {
          if (!pressing.current && !active) setActiveId(sorted[sorted.length - 1].id);
        }}
        onBlur={() => {
          pressing.current = false; // released elsewhere
          setActiveId(null);
        }}
      >
        <title id={titleId}>{summary}</title>
        <line
          className="history__axis"
          x1={PAD.left}
          x2={W - PAD.right}
          y1={PAD.top + INNER_H}
          y2={PAD.top + INNER_H}
        />
        {sorted.map((r, i) => {
          const changed = changedOf(r);
          const top = yChanged(changed);
          const cx = x(i);
          return (
            <g
              key={r.id}
              className={`history__run history__run--${r.outcome}${i === activeIndex ? ' history__run--active' : ''}`}
              data-outcome={r.outcome}
            >
              <title>{runTitle(r)}</title>
              {/* Full-height hit area so the tooltip works on runs that changed nothing. */}
              <rect className="history__hit" x={cx - slot / 2} y={PAD.top} width={slot} height={INNER_H} />
              <rect
                className="history__bar"
                x={cx - barW / 2}
                y={Math.min(top, PAD.top + INNER_H - 1)}
                width={barW}
                height={Math.max(1, PAD.top + INNER_H - top)}
              />
              {r.outcome === 'failed' && (
                <path
                  className="history__failed"
                  data-testid="failed-marker"
                  d={`M ${cx} ${PAD.top - 12} l 5 9 h -10 z`}
                />
              )}
              {r.outcome === 'cancelled' && (
                <rect className="history__cancelled" x={cx - 4} y={PAD.top - 12} width={8} height={8} />
              )}
            </g>
          );
        })}
        {line && <polyline className="history__duration" points={line} />}
        {durations.map((d, i) =>
          d === null ? null : <circle key={i} className="history__dot" cx={x(i)} cy={yDuration(d)} r={2.2} />,
        )}
      </svg>
      {/* Always there (empty, it takes no room), so screen readers know the live region before it speaks. */}
      <p id={detailId} className="history__detail" aria-live="polite" data-testid="history-detail">
        {active ? `Run ${formatNumber(activeIndex + 1)} of ${formatNumber(sorted.length)}: ${runTitle(active)}` : ''}
      </p>
      <span id={helpId} className="visually-hidden">
        Left and right arrow keys go through the runs, oldest to latest.
      </span>
      <figcaption className="history__legend">
        <span className="legend legend--bar">Documents changed (max {formatNumber(maxChanged)})</span>
        <span className="legend legend--line">Duration (max {formatDuration(maxDuration)})</span>
        <span className="legend legend--failed">Failed run</span>
      </figcaption>
    </figure>
  );
}

/** Loads a connector's recent runs when opened, and again after each new attempt. */
export function HistoryPanel({ id, name, lastAttemptAt }: { id: string; name: string; lastAttemptAt: number | null }) {
  const loadHistory = useDashboard((s) => s.loadHistory);
  const entry = useDashboard((s) => s.history[id]);
  useEffect(() => {
    void loadHistory(id);
  }, [id, lastAttemptAt, loadHistory]);

  if (!entry || (entry.status === 'loading' && entry.data.length === 0)) {
    return <p className="muted">Loading history…</p>;
  }
  if (entry.status === 'error') {
    return (
      <p className="feedback feedback--error" role="alert">
        {entry.error}
      </p>
    );
  }
  return <HistoryChart name={name} runs={entry.data} />;
}
