import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { focusLost } from '../focus.js';
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
  const viewRef = useRef<HTMLElement>(null);
  const addButtonRef = useRef<HTMLButtonElement>(null);
  const closedForm = useRef(false);

  // When the add form closes (added or cancelled), its buttons are gone: focus goes back to "Add connector" —
  // the empty state's until the first connector's card arrives, then the one above the cards.
  useEffect(() => {
    if (addOpen) {
      closedForm.current = true;
      return;
    }
    if (!closedForm.current) return;
    const emptyStateButton = viewRef.current?.querySelector<HTMLElement>('[data-testid="empty-state"] button');
    if (addButtonRef.current) {
      if (focusLost() || document.activeElement === emptyStateButton) addButtonRef.current.focus();
      closedForm.current = false;
    } else if (focusLost()) {
      emptyStateButton?.focus();
    }
  }, [addOpen, ids.length]);

  return (
    <section ref={viewRef} className="view" aria-labelledby="connectors-title">
      <div className="view__head">
        <h2 id="connectors-title">Connectors</h2>
        {!addOpen && ids.length > 0 && (
          <button ref={addButtonRef} type="button" className="button" onClick={() => setAddOpen(true)}>
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
