/**
 * Desktop notifications for state transitions only: a connector starts failing (its consecutive failures reach
 * FAILING_AFTER, so one transient hiccup stays quiet), a failing connector recovers, a large first sync ends. The
 * rules are a pure function of (previous state, next state, settings); the adapter below only shows what they return.
 */
import type { AppState, ConnectorStatus, Settings } from '../../shared/types.js';

export const FAILING_AFTER = 3;

/**
 * A first sync this large takes minutes (a mail archive, a big vault): the user has moved on, so its end gets one
 * notice. A smaller one is done before anyone would wait for it.
 */
export const FIRST_SYNC_NOTICE_DOCUMENTS = 1000;

export interface DesktopNotification {
  title: string;
  body: string;
}

const failing = (c: ConnectorStatus | undefined): boolean => !!c && c.consecutiveFailures >= FAILING_AFTER;

function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * What to tell the user about the step from `prev` to `next`. Nothing for the first snapshot after start
 * (prev null: no repeat of last session's news on every launch) and nothing when notifications are off.
 */
export function notificationsFor(prev: AppState | null, next: AppState, settings: Settings): DesktopNotification[] {
  if (!settings.notifications || prev === null) return [];
  const before = new Map(prev.connectors.map((c) => [c.id, c]));
  const out: DesktopNotification[] = [];
  for (const c of next.connectors) {
    const was = before.get(c.id);
    if (failing(c) && !failing(was)) {
      out.push({
        title: `${c.name} can't sync`,
        body: clip(`${c.lastError?.message ?? 'The last syncs failed.'} Jarvis Sync will keep retrying.`),
      });
    } else if (failing(was) && c.consecutiveFailures === 0) {
      out.push({ title: `${c.name} is syncing again`, body: 'The last sync succeeded.' });
    } else if (was?.lastSuccessAt === null && c.lastSuccessAt !== null && c.documents >= FIRST_SYNC_NOTICE_DOCUMENTS) {
      out.push({
        title: `${c.name} is indexed`,
        body: `Its first sync is done: ${c.documents.toLocaleString('en-US')} documents are now searchable.`,
      });
    }
  }
  return out;
}

/** Feeds each state push through the rules and shows the result; remembers the previous state itself. */
export function createNotifier(deps: {
  isSupported(): boolean;
  show(notification: DesktopNotification): void;
  getSettings(): Settings;
}): (state: AppState) => void {
  let prev: AppState | null = null;
  return (state) => {
    const list = notificationsFor(prev, state, deps.getSettings());
    prev = state;
    if (list.length && deps.isSupported()) for (const n of list) deps.show(n);
  };
}
