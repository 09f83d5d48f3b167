import { useEffect } from 'react';
import { focusLost } from '../focus.js';
import { useDashboard } from '../store/context.js';
import { ConnectionBanner } from './connection-banner.js';
import { ConnectorsView } from './connectors-view.js';
import { Header } from './header.js';
import { Nav } from './nav.js';
import { Notices } from './notices.js';
import { ProblemsView } from './problems-view.js';
import { SearchView } from './search-view.js';
import { SettingsView } from './settings-view.js';

export function App() {
  const view = useDashboard((s) => s.view);
  const hasState = useDashboard((s) => s.state !== null);
  const loadStatus = useDashboard((s) => s.loadStatus);
  const loadError = useDashboard((s) => s.loadError);
  const load = useDashboard((s) => s.load);

  // A view can be changed from inside another ("Show problems" on a card): the button that had focus is gone, so
  // focus moves to the new view's content rather than to <body>. The nav's buttons stay, and keep it.
  useEffect(() => {
    if (focusLost()) document.getElementById('main')?.focus();
  }, [view]);

  return (
    <div className="app">
      <Header />
      <ConnectionBanner />
      <Notices />
      <Nav />
      <main id="main" className="main" tabIndex={-1}>
        {!hasState && loadStatus === 'error' && (
          <div className="feedback feedback--error panel" role="alert">
            <p>Can’t reach Jarvis Sync: {loadError}</p>
            <button type="button" className="button" onClick={() => void load()}>
              Try again
            </button>
          </div>
        )}
        {!hasState && loadStatus !== 'error' && (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
        {hasState && view === 'connectors' && <ConnectorsView />}
        {hasState && view === 'search' && <SearchView />}
        {hasState && view === 'problems' && <ProblemsView />}
        {hasState && view === 'settings' && <SettingsView />}
      </main>
    </div>
  );
}
