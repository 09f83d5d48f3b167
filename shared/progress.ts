/** Progress arithmetic shared by the dashboard, the tray menu and the CLI. */
import type { Progress } from './types.js';

/** How far the current item's read is (Progress.part), 0 to 1; null when it is not read in parts. */
export function partShare(p: Pick<Progress, 'part'>): number | null {
  return p.part && p.part.total > 0 ? Math.min(1, Math.max(0, p.part.done / p.part.total)) : null;
}

/** The share of the run's items done, counting the current item's part: 0 to 1, or null before anything is found. */
export function progressShare(p: Pick<Progress, 'done' | 'found' | 'part'>): number | null {
  if (p.found <= 0) return null;
  return Math.min(1, (p.done + (partShare(p) ?? 0)) / p.found);
}

/** " (31 %)" while an item is read in parts, else "": what moves while a large mailbox keeps the count at "0 / 1". */
export function partPercentText(p: Pick<Progress, 'part'>): string {
  const share = partShare(p);
  return share === null ? '' : ` (${Math.floor(share * 100)} %)`;
}
