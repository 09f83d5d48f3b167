import { useDashboard } from '../store/context.js';

/** Shown when there is nothing to sync yet: what the app does and the one thing to do first. */
export function EmptyState() {
  const setAddOpen = useDashboard((s) => s.setAddOpen);
  return (
    <div className="empty panel" data-testid="empty-state">
      <h3>Nothing is indexed yet</h3>
      <p>
        Add a connector for a folder, an Obsidian vault, a mailbox or a calendar file. Jarvis Sync indexes it in the
        background, keeps the index up to date as things change, and makes it searchable here.
      </p>
      <button type="button" className="button button--primary" onClick={() => setAddOpen(true)}>
        Add connector
      </button>
    </div>
  );
}
