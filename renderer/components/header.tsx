import { useShallow } from 'zustand/react/shallow';
import type { ConnectionStatus } from '../../shared/contract.js';
import { statusIconFor } from '../../shared/status-icon.js';
import { busyButton } from '../focus.js';
import { useDocumentStatus } from '../hooks/use-document-status.js';
import { useNow } from '../hooks/use-now.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { isPaused } from '../store/selectors.js';
import { summarize, type Summary } from '../summary.js';

/** Said instead of the last known state, which may be out of date (the Connection banner says why). */
const DISCONNECTED: Record<Exclude<ConnectionStatus, 'connected'>, Summary> = {
  reconnecting: { text: 'Not connected · reconnecting…', tone: 'error' },
  refused: { text: 'Not connected · open the address the daemon printed', tone: 'error' },
};

/** The app's status in words, and the actions that apply to every connector. */
export function Header() {
  const now = useNow();
  const state = useDashboard((s) => s.state);
  const progress = useDashboard((s) => s.progress);
  const feedback = useDashboard((s) => s.feedback[scopes.app]);
  const pending = useDashboard(
    useShallow((s) => ({
      run: Boolean(s.pending[pendingKeys.run(null)]),
      pause: Boolean(s.pending[pendingKeys.pause(null)]),
      resume: Boolean(s.pending[pendingKeys.resume(null)]),
    })),
  );
  const { runNow, pause, resume, clearFeedback } = useDashboard(
    useShallow((s) => ({ runNow: s.runNow, pause: s.pause, resume: s.resume, clearFeedback: s.clearFeedback })),
  );

  const connection = useDashboard((s) => s.connection);
  const disconnected = connection === 'connected' ? null : DISCONNECTED[connection];
  const summary = disconnected ?? (state ? summarize(state, progress, now) : null);
  const icon = disconnected ? 'error' : state ? statusIconFor(state) : 'idle';
  useDocumentStatus(summary ? `${summary.text} — Jarvis Sync` : 'Jarvis Sync', icon);
  const none = !state || state.connectors.length === 0;
  // "Resume all" when the app is paused, or when every connector is paused one by one.
  const allPaused = Boolean(state && (state.paused || (!none && state.connectors.every(isPaused))));

  return (
    <header className="header">
      <div className="header__status">
        <h1 className="header__title">Jarvis Sync</h1>
        <p className={`status status--${summary?.tone ?? 'waiting'}`} data-testid="overall-status">
          <span className="status__dot" aria-hidden="true" />
          {summary?.text ?? 'Connecting…'}
        </p>
        {/* A polite live region: a change of the overall status is read out without moving focus, once — without
            the counts and times of the line above, which change with every progress event and clock tick. */}
        <p className="visually-hidden" role="status" data-testid="overall-status-live">
          {summary ? (summary.spoken ?? summary.text) : 'Connecting…'}
        </p>
      </div>
      <div className="header__actions">
        <button
          type="button"
          className="button button--primary"
          disabled={none}
          {...busyButton(pending.run, () => void runNow(null))}
        >
          Sync all now
        </button>
        {allPaused ? (
          <button
            type="button"
            className="button"
            disabled={none}
            {...busyButton(pending.resume, () => void resume(null))}
          >
            Resume all
          </button>
        ) : (
          <button
            type="button"
            className="button"
            disabled={none}
            {...busyButton(pending.pause, () => void pause(null))}
          >
            Pause all
          </button>
        )}
      </div>
      {/* As on a card: a polite region that is there before its message (connector-card.tsx). */}
      <p className="visually-hidden" role="status" data-testid="header-live">
        {feedback && feedback.tone !== 'error' ? feedback.message : ''}
      </p>
      {feedback && (
        <div
          className={`feedback feedback--${feedback.tone} header__feedback`}
          role={feedback.tone === 'error' ? 'alert' : undefined}
        >
          <span>{feedback.message}</span>
          <button
            type="button"
            className="feedback__close"
            aria-label="Dismiss message"
            onClick={() => clearFeedback(scopes.app)}
          >
            ×
          </button>
        </div>
      )}
    </header>
  );
}
