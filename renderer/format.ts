/**
 * Text formatting for the dashboard: numbers with thousands separators, relative times ("5 min ago",
 * "in 55 min"), durations. The locale defaults to the user's; tests pin it with setFormatLocale.
 */
import { progressShare, progressTotal, progressTotalText } from '../shared/progress.js';
import type { ExcludePreview } from '../shared/contract.js';
import { excludePreviewText as sharedExcludePreviewText } from '../shared/exclude-patterns.js';
import { spanText } from '../shared/date-span.js';
import type { ConnectorKind, Progress } from '../shared/types.js';

let locale: string | undefined;
let numberFormat = new Intl.NumberFormat(locale);
let dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
let dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });

export function setFormatLocale(next: string | undefined): void {
  locale = next;
  numberFormat = new Intl.NumberFormat(locale);
  dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
}

export function formatNumber(n: number): string {
  return numberFormat.format(n);
}

/** "340 / 1,200"; "340 / ~1,200" while the total is estimated; "340 / 1,200+" while it is still counted. */
export function formatProgressCount(p: Pick<Progress, 'done' | 'found' | 'foundAll' | 'expected'>): string {
  return `${formatNumber(p.done)} / ${progressTotalText(p, formatNumber)}`;
}

export function plural(n: number, one: string, many: string): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** excludePreviewText (shared/exclude-patterns.ts) with the dashboard's number format. */
export function excludePreviewText(p: ExcludePreview, kind: ConnectorKind, patterns: number): string {
  return sharedExcludePreviewText(p, kind, patterns, formatNumber);
}

export function formatDateTime(ts: number): string {
  return dateTimeFormat.format(ts);
}

export function formatDate(ts: number): string {
  return dateFormat.format(ts);
}

/** A result's days (spanText), dates written as the dashboard writes them. */
export function formatSpan(start: number, end: number | null): string {
  return spanText(start, end, formatDate);
}

const MINUTE = 60_000;

function hoursAndMinutes(totalMin: number): string {
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return h < 10 && m > 0 ? `${h} h ${m} min` : `${h} h`;
}

/** A past moment in words: "just now", "5 min ago", "2 h 5 min ago", "yesterday", "3 days ago". */
export function formatAgo(ts: number, now: number): string {
  const diff = now - ts;
  // A timestamp slightly in the future (clock ticks every 30 s) still reads as "just now".
  if (diff < 45_000) return 'just now';
  const min = Math.max(1, Math.floor(diff / MINUTE));
  if (min < 60) return `${min} min ago`;
  if (min < 24 * 60) return `${hoursAndMinutes(min)} ago`;
  const days = Math.floor(min / (24 * 60));
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return `on ${formatDate(ts)}`;
}

/** A future moment in words: "in a moment", "in 55 min", "in 1 h 30 min", "in 3 days". */
export function formatIn(ts: number, now: number): string {
  const diff = ts - now;
  if (diff < MINUTE) return 'in a moment';
  const min = Math.ceil(diff / MINUTE);
  if (min < 60) return `in ${min} min`;
  if (min < 24 * 60) return `in ${hoursAndMinutes(min)}`;
  const days = Math.round(min / (24 * 60));
  return days === 1 ? 'tomorrow' : `in ${days} days`;
}

/** "850 ms", "3.2 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const totalS = Math.round(s);
  const min = Math.floor(totalS / 60);
  if (min < 60) return totalS % 60 ? `${min} min ${totalS % 60} s` : `${min} min`;
  return hoursAndMinutes(min);
}

/** Turns anything thrown by a transport into one readable sentence. */
export function readableError(err: unknown): string {
  let message: string;
  if (err instanceof Error) message = err.message;
  else if (typeof err === 'string') message = err;
  else if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string') message = err.message;
  else message = 'Something went wrong.';
  // Electron wraps errors thrown by a handler: "Error invoking remote method 'sync:pause': Error: <message>".
  message = message.replace(/^Error invoking remote method '[^']*':\s*/, '').replace(/^(?:[A-Z]\w*)?Error:\s*/, '');
  message = message.trim();
  return message || 'Something went wrong.';
}

/** A time-left estimate: "less than a minute left", "about 12 min left", "about 2 h 10 min left". */
export function formatRemaining(ms: number): string {
  if (ms < MINUTE) return 'less than a minute left';
  const min = Math.round(ms / MINUTE);
  if (min < 60) return `about ${min} min left`;
  return `about ${hoursAndMinutes(min)} left`;
}

/**
 * Estimated time left of a run, from its pace so far; null until the total is known or estimated and there is enough
 * of a run to measure (10 s, and a unit or part of one done). The current unit's part counts: a run of one large
 * mailbox has one.
 */
export function estimateRemaining(
  p: Pick<Progress, 'done' | 'found' | 'foundAll' | 'expected' | 'startedAt' | 'part'>,
  at: number,
): number | null {
  const elapsed = at - p.startedAt;
  const share = progressShare(p);
  if (progressTotal(p).kind === 'counting' || share === null || share <= 0 || share >= 1 || elapsed < 10_000) {
    return null;
  }
  return (elapsed * (1 - share)) / share;
}

/** "312 MB", "1.0 GB": sizes of files being read, to one decimal below 10 units. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} bytes`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
