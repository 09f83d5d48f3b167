import { partPercentText, partShare, progressShare, progressTotal } from '../../shared/progress.js';
import type { Progress } from '../../shared/types.js';
import { estimateRemaining, formatBytes, formatProgressCount, formatRemaining } from '../format.js';

interface ProgressBarProps {
  progress: Progress;
  /** When this progress was received (epoch ms), for the estimate; null when it came with a state snapshot. */
  receivedAt: number | null;
  label: string;
  /** The connector's root; a current item inside it is shown relative to it (the file name stays visible). */
  root?: string;
}

export function relativeToRoot(item: string, root: string | undefined): string {
  if (!root) return item;
  const base = root.replace(/[\\/]+$/, '');
  // A connector of one file (a mailbox, a calendar) reads its root itself: its name is what tells it apart.
  if (item === base) return item.slice(Math.max(item.lastIndexOf('/'), item.lastIndexOf('\\')) + 1) || item;
  return item.length > base.length + 1 && item.startsWith(base) && /[\\/]/.test(item.charAt(base.length))
    ? item.slice(base.length + 1)
    : item;
}

const kindText = { exact: '', estimate: ', total estimated, still counting', counting: ', still counting' } as const;

/** Live progress of a run: a bar, "340 / 1,200" ("~1,200" estimated, "1,200+" still counting), the item being read. */
export function ProgressBar({ progress: p, receivedAt, label, root }: ProgressBarProps) {
  const count = formatProgressCount(p);
  const { total, kind } = progressTotal(p);
  const ratio = progressShare(p) ?? 0;
  const part = partShare(p);
  const left = receivedAt === null ? null : estimateRemaining(p, receivedAt);
  return (
    <div className="progress" data-testid="progress">
      <div
        className={`progress__track${p.foundAll ? '' : ' progress__track--counting'}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={Math.max(total, 1)}
        aria-valuenow={p.done}
        aria-valuetext={`${count} items${kindText[kind]}${part === null ? '' : `, current item ${Math.floor(part * 100)} %`}`}
      >
        {/* A CSSOM style (not an inline style attribute), which the strict CSP allows. */}
        <div className="progress__fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </div>
      <p className="progress__text">
        <span data-testid="progress-count">{count}</span>
        {!p.foundAll && <span className="muted"> · still counting</span>}
        {p.part && (
          <span className="muted" data-testid="current-part">
            {' · '}
            {formatBytes(p.part.done)} of {formatBytes(p.part.total)} of this file read{partPercentText(p)}
          </span>
        )}
        {left !== null && <span className="muted"> · {formatRemaining(left)}</span>}
      </p>
      {p.currentItem && (
        <p className="progress__item" title={p.currentItem} data-testid="current-item">
          {relativeToRoot(p.currentItem, root)}
        </p>
      )}
    </div>
  );
}
