import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import type { Settings } from '../../shared/types.js';
import { busyProps, focusLost } from '../focus.js';
import { formatNumber } from '../format.js';
import { pendingKeys, scopes } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { checkFileSizeMb, checkMinutes } from '../validation.js';

/** App settings. Start at login shows the OS's own value, and only where the host supports it. */
export function SettingsView() {
  const settings = useDashboard((s) => s.settings);
  const loadSettings = useDashboard((s) => s.loadSettings);
  const feedback = useDashboard((s) => s.feedback[scopes.settings]);
  /** Set by a save: the form is remounted with the saved values, and its Save button gets focus back. */
  const savedRef = useRef(false);

  useEffect(() => {
    void loadSettings();
  }, [loadSettings]);

  const view = settings.data;
  return (
    <section className="view" aria-labelledby="settings-title">
      <div className="view__head">
        <h2 id="settings-title">Settings</h2>
      </div>
      {settings.status === 'error' && (
        <p className="feedback feedback--error" role="alert">
          {settings.error}
        </p>
      )}
      {!view && settings.status !== 'error' && <p className="muted">Loading settings…</p>}
      {feedback?.tone === 'error' && (
        <p className="feedback feedback--error" role="alert">
          {feedback.message}
        </p>
      )}
      {/* Always there, so "Settings saved." is announced: a polite region inserted with its text often is not. */}
      <p
        className={feedback?.tone === 'info' ? 'feedback feedback--info' : 'settings__status'}
        role="status"
        data-testid="settings-status"
      >
        {feedback?.tone === 'info' ? feedback.message : ''}
      </p>
      {view && (
        <>
          {/* Keyed by the saved values: after a save the form starts again from what the core kept. */}
          <SettingsForm key={JSON.stringify(view.settings)} settings={view.settings} savedRef={savedRef} />
          <StartAtLogin value={view.startAtLogin} />
          <DataLocations dataDir={view.dataDir} logsDir={view.logsDir} />
        </>
      )}
    </section>
  );
}

interface Errors {
  interval?: string;
  size?: string;
}

function SettingsForm({ settings, savedRef }: { settings: Settings; savedRef: RefObject<boolean> }) {
  const ids = {
    interval: useId(),
    size: useId(),
    battery: useId(),
    notify: useId(),
    watch: useId(),
    desktopOnly: useId(),
  };
  // Kept in the same settings file, so they can be set here for the desktop app; the daemon has neither.
  const desktop = useDashboard((s) => s.capabilities?.host === 'desktop');
  const describedBy = desktop ? undefined : ids.desktopOnly;
  const [interval, setIntervalText] = useState(String(Math.round(settings.intervalSeconds / 60)));
  const [size, setSize] = useState(String(settings.maxFileSizeMb));
  const [pauseOnBattery, setPauseOnBattery] = useState(settings.pauseOnBattery);
  const [notifications, setNotifications] = useState(settings.notifications);
  const [watchForChanges, setWatchForChanges] = useState(settings.watchForChanges);
  const [errors, setErrors] = useState<Errors>({});
  const saveSettings = useDashboard((s) => s.saveSettings);
  const saving = useDashboard((s) => Boolean(s.pending[pendingKeys.settings]));
  const saveRef = useRef<HTMLButtonElement>(null);
  const confirmed = useDashboard((s) => s.feedback[scopes.settings]?.tone === 'info');
  const clearFeedback = useDashboard((s) => s.clearFeedback);

  // A save remounts the form with what the core kept (see the key above): the new form's Save settings gets the
  // focus the old one had.
  useEffect(() => {
    if (!savedRef.current) return;
    savedRef.current = false;
    if (focusLost()) saveRef.current?.focus();
  }, [savedRef]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (saving) return;
    const i = checkMinutes(interval, false);
    const m = checkFileSizeMb(size);
    // Committed before focus moves, so the field is read out as invalid, with its message.
    flushSync(() => setErrors({ interval: i.ok ? undefined : i.message, size: m.ok ? undefined : m.message }));
    if (!i.ok || !m.ok) {
      // The first field to fix takes focus; its message is read with it (aria-describedby).
      document.getElementById(i.ok ? ids.size : ids.interval)?.focus();
      return;
    }
    const patch: Partial<Settings> = {};
    if (i.value * 60 !== settings.intervalSeconds) patch.intervalSeconds = i.value * 60;
    if (m.value !== settings.maxFileSizeMb) patch.maxFileSizeMb = m.value;
    if (pauseOnBattery !== settings.pauseOnBattery) patch.pauseOnBattery = pauseOnBattery;
    if (notifications !== settings.notifications) patch.notifications = notifications;
    if (watchForChanges !== settings.watchForChanges) patch.watchForChanges = watchForChanges;
    if (Object.keys(patch).length === 0) return;
    savedRef.current = true;
    // Not saved, the same form stays (its button was disabled while saving); saved, the new form takes over, or
    // this one if the core kept the same values. (saveRef is null once this form is unmounted.)
    if (!(await saveSettings(patch))) savedRef.current = false;
    if (focusLost()) saveRef.current?.focus();
  };

  return (
    <form
      className="form panel"
      noValidate
      onSubmit={(e) => void submit(e)}
      // "Settings saved." is about the values before this edit.
      onChange={() => {
        if (confirmed) clearFeedback(scopes.settings);
      }}
      aria-label="Sync settings"
    >
      <div className="field">
        <label htmlFor={ids.interval}>Sync every (minutes)</label>
        <input
          id={ids.interval}
          type="text"
          inputMode="numeric"
          value={interval}
          onChange={(e) => setIntervalText(e.target.value)}
          aria-invalid={errors.interval ? true : undefined}
          aria-describedby={`${ids.interval}-help${errors.interval ? ` ${ids.interval}-error` : ''}`}
        />
        <p id={`${ids.interval}-help`} className="field__help">
          The default for every connector that has no interval of its own.
        </p>
        {errors.interval && (
          <p id={`${ids.interval}-error`} className="field__error">
            {errors.interval}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={ids.size}>Skip files larger than (MB)</label>
        <input
          id={ids.size}
          type="text"
          inputMode="decimal"
          value={size}
          onChange={(e) => setSize(e.target.value)}
          aria-invalid={errors.size ? true : undefined}
          aria-describedby={errors.size ? `${ids.size}-error` : undefined}
        />
        {errors.size && (
          <p id={`${ids.size}-error`} className="field__error">
            {errors.size}
          </p>
        )}
      </div>
      <div className="field field--check">
        <input
          id={ids.watch}
          type="checkbox"
          checked={watchForChanges}
          aria-describedby={`${ids.watch}-help`}
          onChange={(e) => setWatchForChanges(e.target.checked)}
        />
        <label htmlFor={ids.watch}>Sync as soon as files change</label>
      </div>
      <p id={`${ids.watch}-help`} className="field__help">
        Edits, new files and deletions are indexed within seconds; the interval above stays as the full check.
      </p>
      <div className="field field--check">
        <input
          id={ids.battery}
          type="checkbox"
          checked={pauseOnBattery}
          aria-describedby={describedBy}
          onChange={(e) => setPauseOnBattery(e.target.checked)}
        />
        <label htmlFor={ids.battery}>Pause syncing while on battery</label>
      </div>
      <div className="field field--check">
        <input
          id={ids.notify}
          type="checkbox"
          checked={notifications}
          aria-describedby={describedBy}
          onChange={(e) => setNotifications(e.target.checked)}
        />
        <label htmlFor={ids.notify}>Show notifications</label>
      </div>
      {!desktop && (
        <p id={ids.desktopOnly} className="field__help">
          These two apply to the desktop app only: this daemon does not watch the battery or show notifications.
        </p>
      )}
      <div className="form__actions">
        <button ref={saveRef} type="submit" className="button button--primary" {...busyProps(saving)}>
          Save settings
        </button>
      </div>
    </form>
  );
}

function StartAtLogin({ value }: { value: boolean | null }) {
  const id = useId();
  const supported = useDashboard((s) => s.capabilities?.startAtLogin ?? false);
  const setStartAtLogin = useDashboard((s) => s.setStartAtLogin);
  const pending = useDashboard((s) => Boolean(s.pending[pendingKeys.startAtLogin]));
  if (!supported) return null;
  return (
    <div className="panel">
      <div className="field field--check">
        <input
          id={id}
          type="checkbox"
          checked={value ?? false}
          disabled={value === null || pending}
          aria-describedby={`${id}-help`}
          onChange={(e) => void setStartAtLogin(e.target.checked)}
        />
        <label htmlFor={id}>Start Jarvis Sync when I log in</label>
      </div>
      <p id={`${id}-help`} className="field__help">
        {value === null
          ? 'Not available in this build (development builds cannot register a login item).'
          : 'This is the setting your system has on record; it applies right away.'}
      </p>
    </div>
  );
}

function DataLocations({ dataDir, logsDir }: { dataDir: string; logsDir: string | null }) {
  const dbPath = useDashboard((s) => s.state?.dbPath ?? null);
  const desktop = useDashboard((s) => s.capabilities?.host === 'desktop');
  const openLogs = useDashboard((s) => s.openLogs);
  const documents = useDashboard((s) => s.state?.connectors.reduce((n, c) => n + c.documents, 0) ?? 0);
  return (
    <div className="panel">
      <h3>Where your data lives</h3>
      <ul className="locations">
        <li>
          <span className="card__label">Data folder:</span>{' '}
          <span className="path" data-testid="data-dir">
            {dataDir}
          </span>
        </li>
        {dbPath && (
          <li>
            <span className="card__label">Index:</span> <span className="path">{dbPath}</span>{' '}
            <span className="muted">({formatNumber(documents)} documents)</span>
          </li>
        )}
        <li>
          <span className="card__label">Logs:</span>{' '}
          {logsDir ? (
            <span className="path" data-testid="logs-dir">
              {logsDir}
            </span>
          ) : (
            <span className="muted">no log folder on this host</span>
          )}
        </li>
      </ul>
      {desktop && logsDir && (
        <button type="button" className="button" onClick={() => void openLogs()}>
          Open logs folder
        </button>
      )}
    </div>
  );
}
