import { useShallow } from 'zustand/react/shallow';
import { useDashboard } from '../store/context.js';
import { selectConnectorIds } from '../store/selectors.js';
import { AddConnector } from './add-connector.js';
import { ConnectorCard } from './connector-card.js';
import { EmptyState } from './empty-state.js';

/**
 * The connector cards, or the empty state. While the add form is open it replaces the "Add connector" button,
 * so exactly one control on the page carries that name at any time.
 */
export function ConnectorsView() {
  const ids = useDashboard(useShallow(selectConnectorIds));
  const addOpen = useDashboard((s) => s.addOpen);
  const setAddOpen = useDashboard((s) => s.setAddOpen);

  return (
    <section className="view" aria-labelledby="connectors-title">
      <div className="view__head">
        <h2 id="connectors-title">Connectors</h2>
        {!addOpen && ids.length > 0 && (
          <button type="button" className="button" onClick={() => setAddOpen(true)}>
            Add connector
          </button>
        )}
      </div>
      {addOpen && <AddConnector />}
      {ids.length === 0 && !addOpen && <EmptyState />}
      {ids.length > 0 && (
        <div className="cards">
          {ids.map((id) => (
            <ConnectorCard key={id} id={id} />
          ))}
        </div>
      )}
    </section>
  );
}
