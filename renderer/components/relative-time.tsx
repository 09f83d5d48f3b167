import { formatAgo, formatDateTime, formatIn } from '../format.js';

/** A `<time>` whose text is relative ("5 min ago", "in 55 min") and whose tooltip is the exact date. */
export function RelativeTime({ at, now, future = false }: { at: number; now: number; future?: boolean }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {future ? formatIn(at, now) : formatAgo(at, now)}
    </time>
  );
}
