import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { resolveApi } from './api.js';
import { connectBridge } from './bridge.js';
import { App } from './components/app.js';
import { readableError } from './format.js';
import { DashboardProvider } from './store/context.js';
import { createDashboardStore } from './store/dashboard-store.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

try {
  const api = resolveApi();
  const store = createDashboardStore(api);
  const disconnect = connectBridge(store, api);
  window.addEventListener('pagehide', disconnect, { once: true });
  root.render(
    <StrictMode>
      <DashboardProvider store={store}>
        <App />
      </DashboardProvider>
    </StrictMode>,
  );
} catch (err) {
  root.render(
    <main className="main">
      <p className="feedback feedback--error" role="alert">
        Jarvis Sync’s dashboard could not start: {readableError(err)}
      </p>
    </main>,
  );
}
