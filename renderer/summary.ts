import { partPercentText } from '../shared/progress.js';
import type { AppState, Progress } from '../shared/types.js';
import { formatAgo, formatIn, formatProgressCount, plural } from './format.js';
import { effectiveProgress, isPaused } from './store/selectors.js';

export type SummaryTone = 'ok' | 'busy' | 'paused' | 'error' | 'waiting' | 'empty';

export interface Summary {
  text: string;
  tone: SummaryTone;
  /**
   * What a screen reader is told when it changes, when not `text`: the line without its counts and times, which
   * change with every progress event or clock tick and would be read out again each time.
   */
  spoken?: string;
}

/**
 * The whole app's status in one honest line: what is syncing (with counts), what is failing, and otherwise
 * how fresh the index is. "All synced · 5 min ago" uses the OLDEST last success, so it is true for every source.
 */
export function summarize(state: AppState, progress: Record<string, Progress>, now: number): Summary {
  const connectors = state.connectors;
  if (connectors.length === 0) return { text: 'No connectors yet', tone: 'empty' };

  // A paused connector is not failing, whatever its old error (its card still shows it): it is not trying. Only the
  // 'error' state counts then, as for the tray's icon (shared/status-icon.ts; the core reports a paused one as 'paused').
  const failing = connectors.filter(
    (c) => c.state === 'error' || (c.lastError !== null && c.state !== 'syncing' && !state.paused && !isPaused(c)),
  );
  const failingText = failing.length ? plural(failing.length, 'connector failing', 'connectors failing') : null;
  const join = (...parts: (string | null)[]): string => parts.filter(Boolean).join(' · ');

  if (state.paused) return { text: join('Paused', failingText), tone: failing.length ? 'error' : 'paused' };

  const syncing = connectors.filter((c) => c.state === 'syncing');
  if (syncing.length === 1) {
    const c = syncing[0];
    const p = effectiveProgress(c, progress[c.id]);
    const counts = p ? ` ${formatProgressCount(p)}${partPercentText(p)}` : '…';
    return {
      text: join(`Syncing ${c.name}${counts}`, failingText),
      tone: 'busy',
      spoken: join(`Syncing ${c.name}`, failingText),
    };
  }
  if (syncing.length > 1) return { text: join(`Syncing ${syncing.length} connectors`, failingText), tone: 'busy' };

  // Not a pause the user made: "Sync now" still works, so the reason is what they need to know.
  if (state.holdReason === 'battery') {
    return { text: join('Paused on battery power', failingText), tone: failing.length ? 'error' : 'paused' };
  }

  if (failingText) return { text: failingText, tone: 'error' };

  const active = connectors.filter((c) => !isPaused(c));
  if (active.length === 0) return { text: 'Paused', tone: 'paused' };
  const pausedText = active.length < connectors.length ? `${connectors.length - active.length} paused` : null;

  const queued = active.filter((c) => c.state === 'queued');
  if (queued.length) {
    return {
      text: join(`${plural(queued.length, 'connector', 'connectors')} waiting to sync`, pausedText),
      tone: 'busy',
    };
  }
  const never = active.filter((c) => c.lastSuccessAt === null);
  if (never.length) {
    return {
      text: join(`${plural(never.length, 'connector', 'connectors')} not synced yet`, pausedText),
      tone: 'waiting',
    };
  }
  const oldest = Math.min(...active.map((c) => c.lastSuccessAt ?? now));
  const upcoming = active.map((c) => c.nextRunAt).filter((t): t is number => t !== null);
  const next = upcoming.length ? `next ${formatIn(Math.min(...upcoming), now)}` : null;
  return {
    text: join('All synced', formatAgo(oldest, now), next, pausedText),
    tone: 'ok',
    spoken: join('All synced', pausedText),
  };
}
