import { useId, useRef, useState, type FormEvent } from 'react';
import { CONNECTOR_KINDS, type ConnectorKind } from '../../shared/types.js';
import { KIND_INFO } from '../kinds.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { busyButton, busyProps } from '../focus.js';

/**
 * Choose a kind, then a path (native picker on desktop, a text field everywhere). The core checks the path
 * before anything is added and its reason is shown inline; on success the form closes and the new card appears.
 */
export function AddConnector() {
  const formId = useId();
  const pathId = useId();
  const nameId = useId();
  const errorId = useId();
  const pathRef = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<ConnectorKind>('folder');
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const nativePicker = useDashboard((s) => s.capabilities?.nativePicker ?? false);
  const addConnector = useDashboard((s) => s.addConnector);
  const pickPath = useDashboard((s) => s.pickPath);
  const setAddOpen = useDashboard((s) => s.setAddOpen);
  const clearFeedback = useDashboard((s) => s.clearFeedback);
  const adding = useDashboard((s) => Boolean(s.pending[pendingKeys.add]));
  const picking = useDashboard((s) => Boolean(s.pending[pendingKeys.pick]));
  const problem = useDashboard((s) => s.feedback[scopes.add]);

  const info = KIND_INFO[kind];

  const choose = async (): Promise<void> => {
    const picked = await pickPath(kind);
    if (picked) {
      setPath(picked);
      clearFeedback(scopes.add);
    }
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (adding) return;
    const trimmed = name.trim();
    const ok = await addConnector({ kind, path, ...(trimmed ? { name: trimmed } : {}) });
    if (!ok) pathRef.current?.focus();
  };

  return (
    <form className="add panel" aria-labelledby={formId} noValidate onSubmit={(e) => void submit(e)}>
      <h3 id={formId}>Add a connector</h3>
      <fieldset className="kinds">
        <legend>What do you want to index?</legend>
        {CONNECTOR_KINDS.map((k) => (
          <div key={k} className="kinds__option">
            <input
              id={`${formId}-${k}`}
              type="radio"
              name={`${formId}-kind`}
              value={k}
              checked={kind === k}
              autoFocus={k === CONNECTOR_KINDS[0]}
              aria-describedby={`${formId}-${k}-desc`}
              onChange={() => {
                setKind(k);
                clearFeedback(scopes.add);
              }}
            />
            <label htmlFor={`${formId}-${k}`} className="kinds__label">
              {KIND_INFO[k].label}
            </label>
            <p id={`${formId}-${k}-desc`} className="kinds__desc">
              {KIND_INFO[k].description}
            </p>
          </div>
        ))}
      </fieldset>

      <div className="field">
        <label htmlFor={pathId}>{info.pathLabel}</label>
        <div className="field__row">
          <input
            ref={pathRef}
            id={pathId}
            type="text"
            value={path}
            placeholder={info.placeholder}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={problem?.tone === 'error' ? true : undefined}
            aria-describedby={problem ? errorId : undefined}
            onChange={(e) => {
              setPath(e.target.value);
              if (problem) clearFeedback(scopes.add);
            }}
          />
          {nativePicker && (
            <button type="button" className="button" {...busyButton(picking, () => void choose())}>
              Choose…
            </button>
          )}
        </div>
        {problem && (
          <p id={errorId} className="field__error" role="alert" data-testid="add-error">
            {problem.message}
          </p>
        )}
      </div>

      <div className="field">
        <label htmlFor={nameId}>Name (optional)</label>
        <input id={nameId} type="text" value={name} onChange={(e) => setName(e.target.value)} />
      </div>

      {adding && (
        <p className="muted" role="status">
          Checking the path…
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" {...busyProps(adding)}>
          Add connector
        </button>
        <button type="button" className="button button--quiet" onClick={() => setAddOpen(false)}>
          Cancel
        </button>
      </div>
      <p className="muted">
        The first sync starts as soon as the connector is added. Jarvis Sync only reads your files.
      </p>
    </form>
  );
}
