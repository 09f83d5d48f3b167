import { useDashboard } from '../store/context.js';
import { scopes } from '../store/dashboard-store.js';

/** One-off messages from the core (store rebuilt, settings restored…), shown until dismissed. */
export function Notices() {
  const notices = useDashboard((s) => s.state?.notices);
  const dismiss = useDashboard((s) => s.dismissNotice);
  const failure = useDashboard((s) => s.feedback[scopes.notices]);
  if (!notices?.length && !failure) return null;
  return (
    <div className="notices">
      {notices?.map((n) => (
        <div
          key={n.id}
          className={`notice notice--${n.level}`}
          role={n.level === 'info' ? 'status' : 'alert'}
          data-testid="notice"
        >
          <p id={`notice-${n.id}`}>{n.message}</p>
          <button
            type="button"
            className="button button--small"
            aria-describedby={`notice-${n.id}`}
            onClick={() => void dismiss(n.id)}
          >
            Dismiss
          </button>
        </div>
      ))}
      {failure && (
        <p className="feedback feedback--error" role="alert">
          {failure.message}
        </p>
      )}
    </div>
  );
}
