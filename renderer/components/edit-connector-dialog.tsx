import { useEffect, useId, useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import type { ConnectorStatus, UpdateConnectorInput } from '../../shared/types.js';
import { excludePreviewText } from '../format.js';
import { KIND_INFO } from '../kinds.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { checkExcludes, checkMinutes, checkName } from '../validation.js';
import { Dialog } from './dialog.js';
import { busyProps } from '../focus.js';

interface FieldErrors {
  name?: string;
  interval?: string;
  excludes?: string;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** How long the exclude patterns must stay unchanged before the core is asked what they leave out. */
export const EXCLUDE_PREVIEW_DELAY_MS = 400;

/**
 * "Leaves out 56 of 1,234 files: …" for the patterns as typed, asked of the core once typing pauses; null while there
 * is no answer (patterns the form refuses, a kind without a folder, the core out of reach).
 */
function useExcludePreview(c: ConnectorStatus, text: string): string | null {
  const previewExcludes = useDashboard((s) => s.previewExcludes);
  // The answer is kept with the text it is for, so an answer for what was typed before is never shown.
  const [preview, setPreview] = useState<{ text: string; line: string | null } | null>(null);
  useEffect(() => {
    const x = checkExcludes(text);
    if (!x.ok) return;
    let current = true;
    const timer = setTimeout(() => {
      void previewExcludes(c.kind, c.path, x.value).then((p) => {
        if (current) setPreview({ text, line: p && excludePreviewText(p, c.kind, x.value.length) });
      });
    }, EXCLUDE_PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, c.kind, c.path, previewExcludes]);
  return preview?.text === text ? preview.line : null;
}

/** Edits name, interval override (minutes) and exclude globs; validates before anything is sent. */
export function EditConnectorDialog({ connector: c, onClose }: { connector: ConnectorStatus; onClose: () => void }) {
  const ids = { name: useId(), interval: useId(), excludes: useId(), intervalHelp: useId(), excludesHelp: useId() };
  const [name, setName] = useState(c.name);
  const initialInterval = c.intervalSeconds === null ? '' : String(c.intervalSeconds / 60);
  const [interval, setIntervalText] = useState(initialInterval);
  const [excludes, setExcludes] = useState(c.excludes.join('\n'));
  const excludePreview = useExcludePreview(c, excludes);
  const [errors, setErrors] = useState<FieldErrors>({});
  const updateConnector = useDashboard((s) => s.updateConnector);
  const clearFeedback = useDashboard((s) => s.clearFeedback);
  const pending = useDashboard((s) => Boolean(s.pending[pendingKeys.update(c.id)]));
  const failure = useDashboard((s) => s.feedback[scopes.edit(c.id)]);

  const close = (): void => {
    clearFeedback(scopes.edit(c.id));
    onClose();
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (pending) return;
    const n = checkName(name);
    // An interval set in seconds elsewhere (`jarvis-sync add --interval 90`) shows as 1.5 minutes: left as it is,
    // it stays, instead of blocking every other edit with "Enter a whole number of minutes".
    const i = interval === initialInterval ? null : checkMinutes(interval, true);
    const x = checkExcludes(excludes);
    const next: FieldErrors = {
      name: n.ok ? undefined : n.message,
      interval: i === null || i.ok ? undefined : i.message,
      excludes: x.ok ? undefined : x.message,
    };
    // Committed before focus moves, so the field is read out as invalid, with its message.
    flushSync(() => setErrors(next));
    if (!n.ok || (i !== null && !i.ok) || !x.ok) {
      // The first field to fix, in the form's order, takes focus: its message is read with it (aria-describedby).
      const firstBad = !n.ok ? ids.name : next.interval ? ids.interval : ids.excludes;
      document.getElementById(firstBad)?.focus();
      return;
    }
    const patch: UpdateConnectorInput = {};
    if (n.value !== c.name) patch.name = n.value;
    const seconds = i === null ? c.intervalSeconds : i.value === null ? null : i.value * 60;
    if (seconds !== c.intervalSeconds) patch.intervalSeconds = seconds;
    if (!sameList(x.value, c.excludes)) patch.excludes = x.value;
    if (Object.keys(patch).length === 0 || (await updateConnector(c.id, patch))) close();
  };

  const invalid = (key: keyof FieldErrors, errorId: string, helpId?: string) => ({
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': [errors[key] ? errorId : null, helpId].filter(Boolean).join(' ') || undefined,
  });

  return (
    <Dialog title={`Edit ${c.name}`} onClose={close}>
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="muted">
          {KIND_INFO[c.kind].label} · <span className="path">{c.path}</span>
        </p>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...invalid('name', `${ids.name}-error`)}
          />
          {errors.name && (
            <p id={`${ids.name}-error`} className="field__error">
              {errors.name}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.interval}>Sync every (minutes)</label>
          <input
            id={ids.interval}
            type="text"
            inputMode="numeric"
            value={interval}
            placeholder="Default"
            onChange={(e) => setIntervalText(e.target.value)}
            {...invalid('interval', `${ids.interval}-error`, ids.intervalHelp)}
          />
          <p id={ids.intervalHelp} className="field__help">
            Leave empty to use the default interval from Settings.
          </p>
          {errors.interval && (
            <p id={`${ids.interval}-error`} className="field__error">
              {errors.interval}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.excludes}>Exclude (one pattern per line)</label>
          <textarea
            id={ids.excludes}
            rows={4}
            value={excludes}
            spellCheck={false}
            placeholder={'**/node_modules/**\n*.tmp'}
            onChange={(e) => setExcludes(e.target.value)}
            {...invalid('excludes', `${ids.excludes}-error`, ids.excludesHelp)}
          />
          <p id={ids.excludesHelp} className="field__help">
            Glob patterns, matched against paths inside the connector (e.g. <code>Archive/**</code>).
          </p>
          <p className="field__help" aria-live="polite" data-testid="exclude-preview">
            {excludePreview}
          </p>
          {errors.excludes && (
            <p id={`${ids.excludes}-error`} className="field__error">
              {errors.excludes}
            </p>
          )}
        </div>
        {failure && (
          <p className="feedback feedback--error" role="alert">
            {failure.message}
          </p>
        )}
        <div className="dialog__actions">
          <button type="submit" className="button button--primary" {...busyProps(pending)}>
            Save
          </button>
          <button type="button" className="button button--quiet" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
