import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { focusLost } from '../focus.js';
import { formatNumber, plural } from '../format.js';
import { useNow } from '../hooks/use-now.js';
import { useDashboard } from '../store/context.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { selectConnectorNames } from '../store/selectors.js';
import { RelativeTime } from './relative-time.js';

/**
 * Per-item errors of the last run of each connector: path, code, message, severity. Filter by connector (asks the
 * core again) and by severity, text or code (local). Paths open in the OS on desktop.
 */
export function ProblemsView() {
  const ids = { connector: useId(), severity: useId(), text: useId(), code: useId() };
  const now = useNow();
  const names = useDashboard(selectConnectorNames);
  const problems = useDashboard((s) => s.problems);
  const canOpen = useDashboard((s) => s.capabilities?.openPath ?? false);
  const openFailure = useDashboard((s) => s.feedback[scopes.open]);
  const retryFeedback = useDashboard((s) => s.feedback[scopes.problems]);
  const pending = useDashboard((s) => s.pending);
  const { loadErrors, openItem, retryItem } = useDashboard(
    useShallow((s) => ({ loadErrors: s.loadErrors, openItem: s.openItem, retryItem: s.retryItem })),
  );
  // Refetch when a run ends somewhere (attempt times or item error counts change).
  const fingerprint = useDashboard(
    (s) => s.state?.connectors.map((c) => `${c.id}:${c.lastAttemptAt}:${c.itemErrors}`).join('|') ?? '',
  );
  const [text, setText] = useState('');
  const [code, setCode] = useState('');
  const [severity, setSeverity] = useState<'' | 'error' | 'warning'>('');
  const connectorId = problems.connectorId;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const feedbackRef = useRef<HTMLParagraphElement>(null);

  // A retried item usually leaves the list (it is no longer quarantined), and its Retry button with it: focus goes
  // to what the retry said, else to the view's heading, not to <body>.
  const retry = async (id: string, path: string): Promise<void> => {
    await retryItem(id, path);
    if (focusLost()) (feedbackRef.current ?? headingRef.current)?.focus();
  };

  useEffect(() => {
    void loadErrors(connectorId);
  }, [connectorId, fingerprint, loadErrors]);

  const nameOf = useMemo(() => new Map(names), [names]);
  const codes = useMemo(() => [...new Set(problems.data.map((p) => p.code))].sort(), [problems.data]);
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return problems.data.filter(
      (p) =>
        (!severity || p.severity === severity) &&
        (!code || p.code === code) &&
        (!needle || `${p.path}\n${p.code}\n${p.message}`.toLowerCase().includes(needle)),
    );
  }, [problems.data, text, code, severity]);

  return (
    <section className="view" aria-labelledby="problems-title">
      <div className="view__head">
        <h2 id="problems-title" ref={headingRef} tabIndex={-1}>
          Problems
        </h2>
      </div>
      <p className="muted">
        Errors are items that could not be indexed; warnings, items indexed anyway but not perfectly. An error is
        retried on the next run, except a file that failed 3 runs in a row without changing: it waits until it changes,
        or until you press Retry. A warning stays listed until its file changes.
      </p>
      <div className="filters">
        <div className="field">
          <label htmlFor={ids.connector}>Connector</label>
          <select
            id={ids.connector}
            value={connectorId ?? ''}
            onChange={(e) => void loadErrors(e.target.value || null)}
          >
            <option value="">All connectors</option>
            {names.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.severity}>Severity</label>
          <select
            id={ids.severity}
            value={severity}
            onChange={(e) => setSeverity(e.target.value as '' | 'error' | 'warning')}
          >
            <option value="">Errors and warnings</option>
            <option value="error">Errors only</option>
            <option value="warning">Warnings only</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.text}>Filter problems</label>
          <input
            id={ids.text}
            type="text"
            value={text}
            placeholder="Path, message or code"
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.code}>Code</label>
          <select id={ids.code} value={code} onChange={(e) => setCode(e.target.value)}>
            <option value="">All codes</option>
            {codes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      </div>

      {openFailure && (
        <p className="feedback feedback--error" role="alert">
          {openFailure.message}
        </p>
      )}
      {retryFeedback && (
        <p
          ref={feedbackRef}
          tabIndex={-1}
          className={`feedback feedback--${retryFeedback.tone}`}
          role={retryFeedback.tone === 'error' ? 'alert' : 'status'}
        >
          {retryFeedback.message}
        </p>
      )}
      {problems.status === 'error' && (
        <p className="feedback feedback--error" role="alert">
          {problems.error}
        </p>
      )}
      {problems.status === 'loading' && problems.data.length === 0 && <p className="muted">Loading problems…</p>}
      {problems.status === 'done' && problems.data.length === 0 && (
        <p className="empty-line" data-testid="no-problems">
          No problems: every item of the last runs was indexed.
        </p>
      )}
      {problems.data.length > 0 && (
        <>
          <p className="muted" role="status">
            {shown.length === problems.data.length
              ? plural(problems.data.length, 'problem', 'problems')
              : `${formatNumber(shown.length)} of ${plural(problems.data.length, 'problem', 'problems')}`}
          </p>
          <ul className="problems" aria-label="Problems list">
            {shown.map((p) => (
              <li key={`${p.connectorId}\n${p.path}\n${p.code}`} className={`problem problem--${p.severity}`}>
                <div className="problem__head">
                  <span className={`severity severity--${p.severity}`}>
                    <span aria-hidden="true">{p.severity === 'error' ? '✖ ' : '▲ '}</span>
                    {p.severity === 'error' ? 'Error' : 'Warning'}
                  </span>
                  <code className="problem__code">{p.code}</code>
                  <span className="muted">{nameOf.get(p.connectorId) ?? p.connectorId}</span>
                </div>
                <p className="problem__path path" title={p.path}>
                  {p.path}
                </p>
                <p className="problem__message">{p.message}</p>
                <p className="muted problem__meta">
                  Last seen <RelativeTime at={p.lastSeen} now={now} />
                  {p.attempts > 1 && <> · {plural(p.attempts, 'attempt', 'attempts')}</>}
                </p>
                {p.quarantined && (
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={`Retry ${p.path}`}
                    aria-disabled={pending[pendingKeys.retry(p.connectorId, p.path)] ? true : undefined}
                    onClick={() => {
                      if (!pending[pendingKeys.retry(p.connectorId, p.path)]) void retry(p.connectorId, p.path);
                    }}
                  >
                    Retry
                  </button>
                )}
                {canOpen && (
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={`Open ${p.path}`}
                    onClick={() => void openItem({ kind: 'problem', connectorId: p.connectorId, path: p.path }, p.path)}
                  >
                    Open
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
