import { useRef } from 'react';
import type { ConnectorStatus } from '../../shared/types.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { Dialog } from './dialog.js';
import { busyButton } from '../focus.js';

/** Asks whether to keep the indexed data; "Cancel" has the initial focus, so Enter never deletes by accident. */
export function RemoveConnectorDialog({ connector, onClose }: { connector: ConnectorStatus; onClose: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const removeConnector = useDashboard((s) => s.removeConnector);
  const clearFeedback = useDashboard((s) => s.clearFeedback);
  const pending = useDashboard((s) => Boolean(s.pending[pendingKeys.remove(connector.id)]));
  const failure = useDashboard((s) => s.feedback[scopes.remove(connector.id)]);

  const close = (): void => {
    clearFeedback(scopes.remove(connector.id));
    onClose();
  };
  const remove = async (keepIndex: boolean): Promise<void> => {
    if (await removeConnector(connector.id, keepIndex)) onClose();
  };

  return (
    <Dialog
      title={`Remove ${connector.name}?`}
      onClose={close}
      initialFocus={cancelRef}
      description={
        <>
          <p>
            Jarvis Sync will stop syncing <span className="path">{connector.path}</span>. Your files themselves are not
            touched.
          </p>
          <p>
            Do you also want to delete what is already indexed from it? If you keep it, it stays searchable until you
            remove it.
          </p>
        </>
      }
    >
      {failure && (
        <p className="feedback feedback--error" role="alert">
          {failure.message}
        </p>
      )}
      <div className="dialog__actions">
        <button type="button" className="button button--danger" {...busyButton(pending, () => void remove(false))}>
          Remove and delete its index
        </button>
        <button type="button" className="button" {...busyButton(pending, () => void remove(true))}>
          Remove, keep indexed data
        </button>
        <button type="button" className="button button--quiet" ref={cancelRef} onClick={close}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
