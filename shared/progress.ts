/** Progress arithmetic shared by the dashboard, the tray menu and the CLI. */
import type { Progress } from './types.js';

/** How far the current item's read is (Progress.part), 0 to 1; null when it is not read in parts. */
export function partShare(p: Pick<Progress, 'part'>): number | null {
  return p.part && p.part.total > 0 ? Math.min(1, Math.max(0, p.part.done / p.part.total)) : null;
}

/**
 * The run's total as far as it is known: `exact` once the enumeration has finished, an `estimate` while an expected
 * count is larger than what was found so far, else `counting` (what was found so far, more to come).
 */
export function progressTotal(p: Pick<Progress, 'found' | 'foundAll' | 'expected'>): {
  total: number;
  kind: 'exact' | 'estimate' | 'counting';
} {
  if (p.foundAll) return { total: p.found, kind: 'exact' };
  if (p.expected !== undefined && p.expected > p.found) return { total: p.expected, kind: 'estimate' };
  return { total: p.found, kind: 'counting' };
}

/** "1,200", "~1,200" (an estimate) or "1,200+" (still counting), numbers formatted by the caller. */
export function progressTotalText(
  p: Pick<Progress, 'found' | 'foundAll' | 'expected'>,
  formatNumber: (n: number) => string = String,
): string {
  const { total, kind } = progressTotal(p);
  return kind === 'exact'
    ? formatNumber(total)
    : kind === 'estimate'
      ? `~${formatNumber(total)}`
      : `${formatNumber(total)}+`;
}

/**
 * The share of the run's items done, counting the current item's part: 0 to 1, or null before anything is found.
 * While the enumeration goes on it is measured against the expected total when there is one.
 */
export function progressShare(p: Pick<Progress, 'done' | 'found' | 'foundAll' | 'expected' | 'part'>): number | null {
  const { total } = progressTotal(p);
  if (total <= 0) return null;
  return Math.min(1, (p.done + (partShare(p) ?? 0)) / total);
}

/** " (31 %)" while an item is read in parts, else "": what moves while a large mailbox keeps the count at "0 / 1". */
export function partPercentText(p: Pick<Progress, 'part'>): string {
  const share = partShare(p);
  return share === null ? '' : ` (${Math.floor(share * 100)} %)`;
}
