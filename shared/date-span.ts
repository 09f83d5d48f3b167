import { NO_END } from './types.js';

/**
 * A search result's days, as the dashboard and the CLI show them, each with its own way of writing a day: the day,
 * the first and last day of what lasts over days ("Dec 3, 2026 – Dec 5, 2026": an all-day end is the next midnight,
 * not a day of its own), or "since …, repeating" for a series without end.
 */
export function spanText(start: number, end: number | null, day: (epochMs: number) => string): string {
  if (end === null || end <= start) return day(start);
  if (end >= NO_END) return `since ${day(start)}, repeating`;
  const [first, last] = [day(start), day(end - 1)];
  return first === last ? first : `${first} – ${last}`;
}
