import { useDashboard } from '../store/context.js';

/**
 * Shown while the headless dashboard has lost its daemon: the connectors below are then their last known state, and
 * nothing on the page would otherwise say so (a stale "All synced" is the complaint users have of sync trays).
 */
export function ConnectionBanner() {
  const connection = useDashboard((s) => s.connection);
  // Before a first state there is nothing stale to warn about, and the page says why it has none (app.tsx).
  const hasState = useDashboard((s) => s.state !== null);
  if (connection === 'connected' || !hasState) return null;
  return (
    <div className="notices">
      <div className="notice notice--error" role="alert" data-testid="connection-banner">
        {connection === 'reconnecting' ? (
          <p>
            Lost the connection to the Jarvis Sync daemon (stopped, restarting, or the machine is asleep). Reconnecting
            by itself; until then, what you see below is the last known state.
          </p>
        ) : (
          <p>
            The Jarvis Sync daemon does not accept this page’s access token: it was restarted (each start has a new
            address), or the address was cut short. Open the address that <code>jarvis-sync serve</code> printed when it
            started.
          </p>
        )}
      </div>
    </div>
  );
}
