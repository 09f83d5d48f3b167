import { memo, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ConnectorState, ConnectorStatus, RunResult } from '../../shared/types.js';
import { errorHint } from '../error-hints.js';
import { busyButton } from '../focus.js';
import { formatDuration, formatNumber, plural } from '../format.js';
import { useNow } from '../hooks/use-now.js';
import { KIND_INFO } from '../kinds.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { effectiveProgress, isPaused } from '../store/selectors.js';
import { EditConnectorDialog } from './edit-connector-dialog.js';
import { HistoryPanel } from './history-chart.js';
import { ProgressBar } from './progress-bar.js';
import { RelativeTime } from './relative-time.js';
import { RemoveConnectorDialog } from './remove-connector-dialog.js';

const STATE_TEXT: Record<ConnectorState, string> = {
  idle: 'Idle',
  queued: 'Queued',
  syncing: 'Syncing',
  paused: 'Paused',
  error: 'Error',
};

/** Decorative; the word next to it carries the meaning. */
const STATE_GLYPH: Record<ConnectorState, string> = {
  idle: '✓',
  queued: '…',
  syncing: '↻',
  paused: '❚❚',
  error: '!',
};

/**
 * `waiting`: idle, but never synced — not "✓ Idle", since nothing of it is indexed yet (a source added with the CLI
 * waits for its first scheduled run, or Sync now). The header and the tray menu use the same words.
 */
export function StateBadge({ state, waiting = false }: { state: ConnectorState; waiting?: boolean }) {
  return (
    <span className={`badge badge--${waiting ? 'waiting' : state}`} data-testid="state-badge">
      <span className="badge__glyph" aria-hidden="true">
        {waiting ? '○' : STATE_GLYPH[state]}
      </span>
      <span className="visually-hidden">Status: </span>
      {waiting ? 'Not synced yet' : STATE_TEXT[state]}
    </span>
  );
}

/** Errors are items left out (or kept at their last good version); warnings are items indexed anyway. */
function problemsText(total: number, warnings: number): string {
  const errors = total - warnings;
  const left = errors > 0 ? `${plural(errors, 'item', 'items')} could not be indexed` : null;
  const warned =
    warnings > 0
      ? `${plural(warnings, 'item', 'items')} ${warnings === 1 ? 'was' : 'were'} indexed with warnings`
      : null;
  return `${[left, warned].filter(Boolean).join('; ')}.`;
}

/** The counts of the last run that completed; after a failed attempt, say so, so the two do not contradict. */
function LastResult({ result, afterFailure }: { result: RunResult; afterFailure: boolean }) {
  const items: [string, number][] = [
    ['added', result.added],
    ['updated', result.updated],
    ['deleted', result.deleted],
    ['unchanged', result.unchanged],
    ['failed', result.failed],
    ['chunks', result.chunks],
  ];
  return (
    <div className="card__result">
      <span className="card__label">{afterFailure ? 'Last successful run:' : 'Last run:'}</span>
      <ul className="counts" data-testid="last-result">
        {items.map(([label, n]) => (
          <li key={label} className={label === 'failed' && n > 0 ? 'counts__item counts__item--bad' : 'counts__item'}>
            <span className="counts__n">{formatNumber(n)}</span> {label}
          </li>
        ))}
        <li className="counts__item muted">took {formatDuration(result.durationMs)}</li>
      </ul>
    </div>
  );
}

/** What comes next, in words; the core's nextRunAt only means something while the connector can run. */
function NextRun({
  c,
  appPaused,
  onBatteryHold,
  now,
}: {
  c: ConnectorStatus;
  appPaused: boolean;
  onBatteryHold: boolean;
  now: number;
}) {
  if (appPaused || isPaused(c)) return <>paused</>;
  if (c.state === 'syncing') return <>running now</>;
  if (c.state === 'queued') return <>waiting for a free slot</>;
  if (onBatteryHold) return <>when on AC power (Sync now still works)</>;
  if (c.nextRunAt === null) return <>not scheduled</>;
  return <RelativeTime at={c.nextRunAt} now={now} future />;
}

function lastAttemptFailed(c: ConnectorStatus): boolean {
  return c.lastError !== null && (c.lastSuccessAt === null || c.lastError.at >= c.lastSuccessAt);
}

/**
 * One connector: what it is, what it is doing, how the last run went, and what you can do about it.
 * Buttons have exact names ("Sync now", "Pause"…); the card region is labelled with the connector's name.
 */
export const ConnectorCard = memo(function ConnectorCard({ id }: { id: string }) {
  const titleId = useId();
  const historyId = useId();
  const appPausedId = useId();
  const now = useNow();
  const c = useDashboard((s) => s.byId[id]);
  const live = useDashboard((s) => s.progress[id]);
  const liveAt = useDashboard((s) => s.progressAt[id]);
  const appPaused = useDashboard((s) => s.state?.paused ?? false);
  const onBatteryHold = useDashboard((s) => s.state?.holdReason === 'battery');
  const feedback = useDashboard((s) => s.feedback[scopes.connector(id)]);
  const pending = useDashboard(
    useShallow((s) => ({
      run: Boolean(s.pending[pendingKeys.run(id)]),
      pause: Boolean(s.pending[pendingKeys.pause(id)]),
      resume: Boolean(s.pending[pendingKeys.resume(id)]),
      resumeAll: Boolean(s.pending[pendingKeys.resume(null)]),
      cancel: Boolean(s.pending[pendingKeys.cancel(id)]),
    })),
  );
  const { runNow, pause, resume, cancel, clearFeedback, showProblems } = useDashboard(
    useShallow((s) => ({
      runNow: s.runNow,
      pause: s.pause,
      resume: s.resume,
      cancel: s.cancel,
      clearFeedback: s.clearFeedback,
      showProblems: s.showProblems,
    })),
  );
  const [dialog, setDialog] = useState<'edit' | 'remove' | null>(null);
  const [historyOpen, setHistoryOpen] = useState(false);

  if (!c) return null;
  const progress = effectiveProgress(c, live);
  const paused = isPaused(c);
  const describedBy = titleId;
  const hint = c.lastError ? errorHint(c.lastError.code) : null;
  const waitingFirstSync = c.state === 'idle' && c.lastSuccessAt === null;

  return (
    <section
      className={`card card--${waitingFirstSync ? 'waiting' : c.state}`}
      aria-label={c.name}
      data-testid={`connector-${c.id}`}
      data-state={c.state}
    >
      <header className="card__head">
        <div className="card__ident">
          <h3 id={titleId} className="card__title">
            {c.name}
          </h3>
          <p className="card__meta">
            <span className="card__kind">{KIND_INFO[c.kind].label}</span>
            <span aria-hidden="true"> · </span>
            <span className="path" title={c.path} data-testid="connector-path">
              {c.path}
            </span>
          </p>
        </div>
        <StateBadge state={c.state} waiting={waitingFirstSync} />
      </header>

      {progress && (
        <ProgressBar
          progress={progress}
          receivedAt={progress === live ? (liveAt ?? null) : null}
          label={`Sync progress of ${c.name}`}
          root={c.path}
        />
      )}

      {c.lastError && (
        <div className="card__error" data-testid="last-error">
          {/* The alert holds what went wrong, not its time ("2 min ago") or count, which change as time passes and
              runs retry: a live region is read out again whenever its text changes. */}
          <div role="alert">
            <p>
              <strong>{lastAttemptFailed(c) ? 'Last sync failed:' : 'A recent sync failed:'}</strong>{' '}
              {c.lastError.message}
            </p>
            {hint && <p className="card__hint">{hint}</p>}
          </div>
          <p className="muted card__error-meta">
            <code>{c.lastError.code}</code> · <RelativeTime at={c.lastError.at} now={now} />
            {c.consecutiveFailures > 1 && <> · failed {formatNumber(c.consecutiveFailures)} times in a row</>}
          </p>
          <button
            type="button"
            className="button button--small"
            aria-describedby={describedBy}
            {...busyButton(pending.run, () => void runNow(c.id))}
          >
            Retry
          </button>
        </div>
      )}

      <ul className="card__facts">
        <li>
          <span className="card__label">Last success:</span>{' '}
          <span data-testid="last-success">
            {c.lastSuccessAt === null ? 'never' : <RelativeTime at={c.lastSuccessAt} now={now} />}
          </span>
        </li>
        <li>
          <span className="card__label">Last attempt:</span>{' '}
          <span data-testid="last-attempt">
            {c.lastAttemptAt === null ? 'never' : <RelativeTime at={c.lastAttemptAt} now={now} />}
            {c.lastAttemptAt !== null && lastAttemptFailed(c) && <span className="bad"> (failed)</span>}
          </span>
        </li>
        <li>
          <span className="card__label">Next run:</span>{' '}
          <span data-testid="next-run">
            <NextRun c={c} appPaused={appPaused} onBatteryHold={onBatteryHold} now={now} />
          </span>
        </li>
        <li>
          <span className="card__label">Indexed:</span>{' '}
          <span data-testid="indexed">
            {plural(c.documents, 'document', 'documents')} · {plural(c.chunks, 'chunk', 'chunks')}
          </span>
        </li>
      </ul>

      {appPaused && (
        <p id={appPausedId} className="card__note" data-testid="app-paused">
          All syncing is paused. This connector syncs again after Resume all.
        </p>
      )}

      {c.lastResult && <LastResult result={c.lastResult} afterFailure={lastAttemptFailed(c)} />}

      {c.itemErrors > 0 && (
        <p className="card__items">
          {problemsText(c.itemErrors, c.itemWarnings)}{' '}
          <button type="button" className="link" onClick={() => showProblems(c.id)}>
            Show problems
          </button>
        </p>
      )}

      {/* Always there, so a screen reader hears a message put in it: a polite region inserted together with its text
          is often not read out. An error is an alert, which is read out as it appears. */}
      <p className="visually-hidden" role="status" data-testid="card-live">
        {feedback && feedback.tone !== 'error' ? feedback.message : ''}
      </p>
      {feedback && (
        <div
          className={`feedback feedback--${feedback.tone}`}
          role={feedback.tone === 'error' ? 'alert' : undefined}
          data-testid="card-feedback"
        >
          <span>{feedback.message}</span>
          <button
            type="button"
            className="feedback__close"
            aria-label="Dismiss message"
            onClick={() => clearFeedback(scopes.connector(c.id))}
          >
            ×
          </button>
        </div>
      )}

      <div className="card__actions">
        <button
          type="button"
          className="button button--primary"
          aria-describedby={describedBy}
          {...busyButton(pending.run, () => void runNow(c.id))}
        >
          Sync now
        </button>
        {(c.state === 'syncing' || c.state === 'queued') && (
          <button
            type="button"
            className="button"
            aria-describedby={describedBy}
            {...busyButton(pending.cancel, () => void cancel(c.id))}
          >
            Cancel sync
          </button>
        )}
        {appPaused ? (
          // Resuming only this connector would change nothing while everything is paused (the core keeps it
          // paused): offer what does resume it. The same as the header's "Resume all", which also resumes
          // connectors paused one by one.
          <button
            type="button"
            className="button"
            aria-describedby={`${describedBy} ${appPausedId}`}
            {...busyButton(pending.resumeAll, () => void resume(null))}
          >
            Resume all syncing
          </button>
        ) : paused ? (
          <button
            type="button"
            className="button"
            aria-describedby={describedBy}
            {...busyButton(pending.resume, () => void resume(c.id))}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="button"
            aria-describedby={describedBy}
            {...busyButton(pending.pause, () => void pause(c.id))}
          >
            Pause
          </button>
        )}
        <button type="button" className="button" aria-describedby={describedBy} onClick={() => setDialog('edit')}>
          Edit
        </button>
        <button type="button" className="button" aria-describedby={describedBy} onClick={() => setDialog('remove')}>
          Remove
        </button>
        <button
          type="button"
          className="button button--quiet"
          aria-describedby={describedBy}
          aria-expanded={historyOpen}
          aria-controls={historyOpen ? historyId : undefined}
          onClick={() => setHistoryOpen((o) => !o)}
        >
          History
        </button>
      </div>

      {historyOpen && (
        <div id={historyId} className="card__history">
          <HistoryPanel id={c.id} name={c.name} lastAttemptAt={c.lastAttemptAt} />
        </div>
      )}

      {dialog === 'edit' && <EditConnectorDialog connector={c} onClose={() => setDialog(null)} />}
      {dialog === 'remove' && <RemoveConnectorDialog connector={c} onClose={() => setDialog(null)} />}
    </section>
  );
});
