import type { Highlight } from '../shared/types.js';

export interface Segment {
  text: string;
  mark: boolean;
}

/**
 * Cuts a plain-text snippet into plain and highlighted segments from [start, end) ranges. Ranges are clamped,
 * sorted and merged, so bad ranges from the core cannot throw or duplicate text.
 */
export function splitHighlights(text: string, ranges: readonly Highlight[]): Segment[] {
  const clamp = (n: number): number => Math.max(0, Math.min(text.length, Math.trunc(n)));
  const sorted = ranges
    .map(([a, b]): [number, number] => [clamp(a), clamp(b)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const out: Segment[] = [];
  let at = 0;
  for (const [a, b] of merged) {
    if (a > at) out.push({ text: text.slice(at, a), mark: false });
    out.push({ text: text.slice(a, b), mark: true });
    at = b;
  }
  if (at < text.length) out.push({ text: text.slice(at), mark: false });
  return out;
}
