/**
 * The dashboard's state. The core owns the truth: this store mirrors the AppState it pushes (or answers), keeps
 * live progress, and sends intents. It never edits a connector's status itself; an intent's effect shows up
 * when the core's next state arrives. Failures become readable messages in `feedback`, keyed by where they
 * should be shown (a card, the header, a dialog).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  Capabilities,
  ConnectionStatus,
  ExcludePreview,
  JarvisApi,
  OpenTarget,
  SettingsView,
} from '../../shared/contract.js';
import type {
  AddConnectorInput,
  AppState,
  ConnectorKind,
  ConnectorStatus,
  DocType,
  ItemError,
  Progress,
  RunRecord,
  SearchHit,
  SearchOptions,
  Settings,
  UpdateConnectorInput,
} from '../../shared/types.js';
import { isConnectionError, requestHint } from '../error-hints.js';
import { readableError } from '../format.js';
import { replaceEqualDeep } from './share.js';

export type View = 'connectors' | 'search' | 'problems' | 'settings';
export type LoadStatus = 'idle' | 'loading' | 'done' | 'error';

export interface Feedback {
  tone: 'error' | 'info';
  message: string;
  /**
   * The intent failed on the link to the core (daemon unreachable, token refused), not in the core: the message is
   * dropped once the page is connected again, when it would only be stale.
   */
  connection?: true;
}

export interface Loadable<T> {
  data: T;
  status: LoadStatus;
  error: string | null;
}

/**
 * "Modified or dated within": the document's timestamp (a note's modification, a mail's date, an event's start, a
 * task's due date). A past period counts back from now; `upcoming` is what is dated after now.
 */
export type SearchPeriod = 'upcoming' | PastSearchPeriod;
type PastSearchPeriod = 'week' | 'month' | 'year';

export const SEARCH_PERIOD_MS: Record<PastSearchPeriod, number> = {
  week: 7 * 86_400_000,
  month: 31 * 86_400_000,
  year: 366 * 86_400_000,
};

export interface SearchSlice {
  query: string;
  source: string | null;
  docType: DocType | null;
  period: SearchPeriod | null;
  results: SearchHit[];
  /** More results exist beyond those shown ("Show more results"). */
  hasMore: boolean;
  loadingMore: boolean;
  /** The query the current results answer (results may lag the input while debounced). */
  resultsFor: string;
  status: LoadStatus;
  error: string | null;
  /** Why the last "Show more results" failed: the results shown stay, and the button tries again. */
  moreError: string | null;
}

/** Where feedback is shown. Pending keys name single intents (`pause:<id>`) so each button can show its own. */
export const scopes = {
  app: 'app',
  connector: (id: string) => `connector:${id}`,
  add: 'add',
  edit: (id: string) => `edit:${id}`,
  remove: (id: string) => `remove:${id}`,
  notices: 'notices',
  open: 'open',
  problems: 'problems',
  settings: 'settings',
} as const;

export const pendingKeys = {
  run: (id: string | null) => `run:${id ?? '*'}`,
  pause: (id: string | null) => `pause:${id ?? '*'}`,
  resume: (id: string | null) => `resume:${id ?? '*'}`,
  cancel: (id: string | null) => `cancel:${id ?? '*'}`,
  add: 'add',
  pick: 'pick',
  update: (id: string) => `update:${id}`,
  remove: (id: string) => `remove:${id}`,
  notice: (id: string) => `notice:${id}`,
  retry: (connectorId: string, path: string) => `retry:${connectorId}:${path}`,
  settings: 'settings',
  startAtLogin: 'start-at-login',
} as const;

/** Used when the host cannot tell what it supports: offer nothing that might not work. */
export const FALLBACK_CAPABILITIES: Capabilities = {
  host: 'headless',
  nativePicker: false,
  openPath: false,
  startAtLogin: false,
};

export const HISTORY_LIMIT = 30;
export const SEARCH_LIMIT = 50;

export interface DashboardState {
  /** The last state the core pushed or answered; null until the first one arrives. */
  state: AppState | null;
  /** `state.connectors` by id, sharing the same objects (stable references for per-card selectors). */
  byId: Record<string, ConnectorStatus>;
  loadStatus: LoadStatus;
  loadError: string | null;
  /** The link to the core: always 'connected' in the app; the headless dashboard's daemon may stop or restart. */
  connection: ConnectionStatus;
  capabilities: Capabilities | null;
  /** Latest live progress per connector (from onProgress, throttled by the bridge). */
  progress: Record<string, Progress>;
  /** When each live progress entry arrived (epoch ms), for the time-left estimate. */
  progressAt: Record<string, number>;
  view: View;
  addOpen: boolean;
  search: SearchSlice;
  history: Record<string, Loadable<RunRecord[]>>;
  problems: Loadable<ItemError[]> & { connectorId: string | null };
  settings: Loadable<SettingsView | null>;
  pending: Record<string, true>;
  feedback: Record<string, Feedback>;

  /** Fetches state and capabilities. Safe to call again ("Try again"). */
  load: () => Promise<void>;
  setConnection: (status: ConnectionStatus) => void;
  /** A pushed snapshot: replaces the mirrored state. */
  applyState: (next: AppState) => void;
  /** A batch of live progress, one entry per connector, received at `receivedAt` (default now). */
  applyProgress: (batch: Record<string, Progress>, receivedAt?: number) => void;

  runNow: (connectorId: string | null) => Promise<void>;
  pause: (connectorId: string | null) => Promise<void>;
  resume: (connectorId: string | null) => Promise<void>;
  /** Stops a running sync without pausing; what it indexed stays. */
  cancel: (connectorId: string | null) => Promise<void>;
  /** Validates the path with the core first; resolves true once the core accepted the connector. */
  addConnector: (input: AddConnectorInput) => Promise<boolean>;
  /** Asks the host for a path with its native picker; null when cancelled or unavailable. */
  pickPath: (kind: ConnectorKind) => Promise<string | null>;
  updateConnector: (connectorId: string, input: UpdateConnectorInput) => Promise<boolean>;
  /**
   * What exclude patterns being edited would leave out of a connector's folder; null when the core has no answer (a
   * kind without a folder, a pattern it refuses, the core out of reach): the form says nothing then.
   */
  previewExcludes: (kind: ConnectorKind, path: string, excludes: string[]) => Promise<ExcludePreview | null>;
  removeConnector: (connectorId: string, keepIndex: boolean) => Promise<boolean>;
  dismissNotice: (noticeId: string) => Promise<void>;

  setSearchQuery: (query: string) => void;
  setSearchFilters: (filters: {
    source?: string | null;
    docType?: DocType | null;
    period?: SearchPeriod | null;
  }) => void;
  /** Runs the current query with the current filters; an empty query clears the results without a call. */
  runSearch: () => Promise<void>;
  /** Appends the next page of results of the current query. */
  loadMoreResults: () => Promise<void>;

  loadHistory: (connectorId: string, limit?: number) => Promise<void>;
  loadErrors: (connectorId: string | null) => Promise<void>;
  /** Reads a problem's item again now, even one no longer retried automatically. */
  retryItem: (connectorId: string, path: string) => Promise<void>;

  loadSettings: () => Promise<void>;
  saveSettings: (patch: Partial<Settings>) => Promise<boolean>;
  setStartAtLogin: (on: boolean) => Promise<void>;

  /** Asks the core to open an indexed document or a listed problem; `label` names it in a failure message. */
  openItem: (target: OpenTarget, label: string) => Promise<void>;
  openLogs: () => Promise<void>;

  setView: (view: View) => void;
  setAddOpen: (open: boolean) => void;
  /** Switches to Problems, filtered to one connector. */
  showProblems: (connectorId: string | null) => void;
  clearFeedback: (scope: string) => void;
}

export type DashboardStore = StoreApi<DashboardState>;

/** A search with no results and nothing asked: its query and filters aside. */
const NO_RESULTS = {
  results: [],
  hasMore: false,
  loadingMore: false,
  resultsFor: '',
  status: 'idle',
  error: null,
  moreError: null,
} as const satisfies Partial<SearchSlice>;

const EMPTY_SEARCH: SearchSlice = { query: '', source: null, docType: null, period: null, ...NO_RESULTS };

const hitKey = (hit: SearchHit): string => `${hit.source}\n${hit.docId}`;

/** The filters of a search as the core takes them. */
function searchFilters(search: SearchSlice, now = Date.now()): SearchOptions {
  return {
    ...(search.source ? { source: search.source } : {}),
    ...(search.docType ? { docType: search.docType } : {}),
    ...(search.period ? periodBounds(search.period, now) : {}),
  };
}

/**
 * A past period ends now: calendars and task lists hold documents dated in the future (next month's meetings, a
 * task due next year), and "Past week" listing them would be wrong.
 */
function periodBounds(period: SearchPeriod, now: number): Pick<SearchOptions, 'since' | 'until'> {
  if (period === 'upcoming') return { since: now };
  return { since: now - SEARCH_PERIOD_MS[period], until: now };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "<what failed>: <why>", and what to do about it when the reason alone does not say (error-hints.ts). */
function failureMessage(what: string, err: unknown): string {
  const reason = readableError(err);
  const hint = requestHint(err);
  if (!hint) return `${what}: ${reason}`;
  return `${what}: ${/[.!?…]$/.test(reason) ? reason : `${reason}.`} ${hint}`;
}

export function createDashboardStore(api: JarvisApi): DashboardStore {
  /** Bumped by every applied state; an answer that started before a newer state arrived is dropped. */
  let stateSeq = 0;
  let searchSeq = 0;
  let problemsSeq = 0;
  const historySeq: Record<string, number> = {};
  /** The capabilities are the fallback because asking for them failed (asked again once connected). */
  let capabilitiesFailed = false;
  /** The last "Show more results" failed on the link to the core (its message goes once connected again). */
  let moreFailedOnConnection = false;

  return createStore<DashboardState>()((set, get) => {
    const name = (id: string | null): string =>
      id === null ? 'all connectors' : (get().byId[id]?.name ?? 'this connector');

    const setPending = (key: string, on: boolean): void =>
      set((s) => {
        const pending = { ...s.pending };
        if (on) pending[key] = true;
        else delete pending[key];
        return { pending };
      });

    const setFeedback = (scope: string, feedback: Feedback | null): void =>
      set((s) => {
        if (!feedback && !(scope in s.feedback)) return {};
        const next = { ...s.feedback };
        if (feedback) next[scope] = feedback;
        else delete next[scope];
        return { feedback: next };
      });

    /** Whether a failure came from the link to the core rather than the core (see Feedback.connection). */
    const failedOnConnection = (err: unknown): boolean => isConnectionError(err) || get().connection !== 'connected';

    /**
     * The link to the core is good again (the daemon came back, or its new address was pasted): what failed only
     * because it was down is stale. Messages of intents that failed on the link go; views whose load failed load again
     * (their answer replaces the error, or shows the one that remains); a page of results that failed may be asked for
     * again with its button, so its message goes too.
     */
    const recover = (): void => {
      const s = get();
      const stale = Object.entries(s.feedback).filter(([, f]) => f.connection);
      if (stale.length) {
        const feedback = { ...s.feedback };
        for (const [scope] of stale) delete feedback[scope];
        set({ feedback });
      }
      if (s.search.moreError !== null && moreFailedOnConnection) {
        moreFailedOnConnection = false;
        set((cur) => ({ search: { ...cur.search, moreError: null } }));
      }
      if (s.search.status === 'error') void s.runSearch();
      if (s.problems.status === 'error') void s.loadErrors(s.problems.connectorId);
      if (s.settings.status === 'error') void s.loadSettings();
      for (const [id, entry] of Object.entries(s.history)) if (entry.status === 'error') void s.loadHistory(id);
      if (capabilitiesFailed) {
        api.getCapabilities().then(
          (capabilities) => {
            capabilitiesFailed = false;
            set({ capabilities });
          },
          () => undefined,
        );
      }
    };

    /** Sends one intent: marks it pending, clears the old message, turns a failure into a sentence. */
    async function intent<T>(
      key: string,
      scope: string,
      failure: string,
      call: () => Promise<T>,
    ): Promise<{ ok: true; value: T } | { ok: false }> {
      setPending(key, true);
      setFeedback(scope, null);
      try {
        return { ok: true, value: await call() };
      } catch (err) {
        setFeedback(scope, {
          tone: 'error',
          message: `${failure}: ${readableError(err)}`,
          ...(failedOnConnection(err) ? { connection: true as const } : {}),
        });
        return { ok: false };
      } finally {
        setPending(key, false);
      }
    }

    /** A state answered by a command is applied only if no newer push arrived while we waited. */
    const applyAnswer = (seq: number, next: AppState): void => {
      if (seq === stateSeq) get().applyState(next);
    };

    /** After add/update (which answer a single connector), fetch the whole state unless a push already came. */
    const refreshUnlessPushed = async (seq: number): Promise<void> => {
      if (seq !== stateSeq) return;
      try {
        applyAnswer(seq, await api.getState());
      } catch {
        // The next push brings the state; the intent itself succeeded.
      }
    };

    const pauseOrResume = async (verb: 'pause' | 'resume', id: string | null): Promise<void> => {
      const seq = stateSeq;
      const key = verb === 'pause' ? pendingKeys.pause(id) : pendingKeys.resume(id);
      const scope = id === null ? scopes.app : scopes.connector(id);
      const r = await intent(key, scope, `Couldn't ${verb} ${name(id)}`, () =>
        verb === 'pause' ? api.pause(id) : api.resume(id),
      );
      if (r.ok) applyAnswer(seq, r.value);
    };

    return {
      state: null,
      byId: {},
      loadStatus: 'idle',
      loadError: null,
      connection: 'connected',
      capabilities: null,
      progress: {},
      progressAt: {},
      view: 'connectors',
      addOpen: false,
      search: EMPTY_SEARCH,
      history: {},
      problems: { connectorId: null, data: [], status: 'idle', error: null },
      settings: { data: null, status: 'idle', error: null },
      pending: {},
      feedback: {},

      setConnection(connection) {
        const was = get().connection;
        set({ connection });
        if (connection === 'connected' && was !== 'connected') recover();
      },

      async load() {
        const seq = stateSeq;
        set({ loadStatus: get().state ? 'done' : 'loading', loadError: null });
        const caps = api.getCapabilities().then(
          (capabilities) => {
            capabilitiesFailed = false;
            set({ capabilities });
          },
          () => {
            capabilitiesFailed = true;
            set({ capabilities: FALLBACK_CAPABILITIES });
          },
        );
        try {
          applyAnswer(seq, await api.getState());
        } catch (err) {
          if (!get().state) set({ loadStatus: 'error', loadError: readableError(err) });
        }
        await caps;
      },

      applyState(next) {
        stateSeq += 1;
        const prev = get();
        const byId: Record<string, ConnectorStatus> = {};
        const connectors = next.connectors.map((c) => {
          const shared = replaceEqualDeep(prev.byId[c.id], c);
          byId[c.id] = shared;
          return shared;
        });
        const state = replaceEqualDeep(prev.state, { ...next, connectors });
        // Live progress only means something while the core says the connector is syncing.
        let { progress, progressAt } = prev;
        for (const id of Object.keys(progress)) {
          if (byId[id]?.state !== 'syncing') {
            if (progress === prev.progress) {
              progress = { ...prev.progress };
              progressAt = { ...prev.progressAt };
            }
            delete progress[id];
            delete progressAt[id];
          }
        }
        set({ state, byId, progress, progressAt, loadStatus: 'done', loadError: null });
      },

      applyProgress(batch, receivedAt = Date.now()) {
        const ids = Object.keys(batch);
        if (ids.length === 0) return;
        set((s) => {
          const progressAt = { ...s.progressAt };
          for (const id of ids) progressAt[id] = receivedAt;
          return { progress: { ...s.progress, ...batch }, progressAt };
        });
      },

      async runNow(id) {
        const scope = id === null ? scopes.app : scopes.connector(id);
        const r = await intent(pendingKeys.run(id), scope, `Couldn't start a sync of ${name(id)}`, () =>
          api.runNow(id),
        );
        if (r.ok && !r.value.accepted) {
          setFeedback(scope, { tone: 'info', message: capitalise(r.value.reason ?? 'The sync was not started.') });
        }
      },

      pause: (id) => pauseOrResume('pause', id),
      resume: (id) => pauseOrResume('resume', id),

      async cancel(id) {
        const scope = id === null ? scopes.app : scopes.connector(id);
        const r = await intent(pendingKeys.cancel(id), scope, `Couldn't cancel the sync of ${name(id)}`, () =>
          api.cancel(id),
        );
        if (r.ok && !r.value.accepted) {
          setFeedback(scope, { tone: 'info', message: capitalise(r.value.reason ?? 'There was no sync to cancel.') });
        }
      },

      async addConnector(input) {
        const path = input.path.trim();
        if (!path) {
          setFeedback(scopes.add, { tone: 'error', message: 'Enter the path of what you want to index.' });
          return false;
        }
        const seq = stateSeq;
        const r = await intent(pendingKeys.add, scopes.add, "Couldn't add the connector", async () => {
          const check = await api.checkPath(input.kind, path);
          if (!check.ok) return { check, added: null };
          return { check, added: await api.addConnector({ ...input, path }) };
        });
        if (!r.ok) return false;
        if (!r.value.added) {
          setFeedback(scopes.add, { tone: 'error', message: r.value.check.message ?? 'This path cannot be used.' });
          return false;
        }
        set({ addOpen: false });
        await refreshUnlessPushed(seq);
        return true;
      },

      async pickPath(kind) {
        const r = await intent(pendingKeys.pick, scopes.add, "Couldn't open the file picker", () => api.pickPath(kind));
        return r.ok ? r.value : null;
      },

      async previewExcludes(kind, path, excludes) {
        try {
          return await api.previewExcludes(kind, path, excludes);
        } catch {
          return null;
        }
      },

      async updateConnector(id, input) {
        const seq = stateSeq;
        const r = await intent(pendingKeys.update(id), scopes.edit(id), `Couldn't save ${name(id)}`, () =>
          api.updateConnector(id, input),
        );
        if (r.ok) await refreshUnlessPushed(seq);
        return r.ok;
      },

      async removeConnector(id, keepIndex) {
        const seq = stateSeq;
        const r = await intent(pendingKeys.remove(id), scopes.remove(id), `Couldn't remove ${name(id)}`, () =>
          api.removeConnector(id, { keepIndex }),
        );
        if (r.ok) applyAnswer(seq, r.value);
        return r.ok;
      },

      async dismissNotice(noticeId) {
        const seq = stateSeq;
        const r = await intent(pendingKeys.notice(noticeId), scopes.notices, "Couldn't dismiss the notice", () =>
          api.dismissNotice(noticeId),
        );
        if (r.ok) applyAnswer(seq, r.value);
      },

      setSearchQuery(query) {
        set((s) => ({ search: { ...s.search, query } }));
      },

      setSearchFilters(filters) {
        set((s) => ({ search: { ...s.search, ...filters } }));
      },

      async runSearch() {
        const q = get().search.query.trim();
        const seq = ++searchSeq;
        // A page still loading for the previous query is dropped when it answers (searchSeq): its button is free again.
        moreFailedOnConnection = false;
        if (!q) {
          set((s) => ({ search: { ...s.search, ...NO_RESULTS } }));
          return;
        }
        set((s) => ({ search: { ...s.search, status: 'loading', error: null, loadingMore: false, moreError: null } }));
        try {
          // One more than a page, to know whether "Show more results" has anything to show.
          const page = await api.search(q, { ...searchFilters(get().search), limit: SEARCH_LIMIT + 1 });
          if (seq !== searchSeq) return;
          set((s) => ({
            search: {
              ...s.search,
              results: page.slice(0, SEARCH_LIMIT),
              hasMore: page.length > SEARCH_LIMIT,
              resultsFor: q,
              status: 'done',
              error: null,
            },
          }));
        } catch (err) {
          if (seq !== searchSeq) return;
          set((s) => ({
            search: { ...s.search, status: 'error', error: failureMessage('Search failed', err) },
          }));
        }
      },

      async loadMoreResults() {
        const current = get().search;
        if (!current.hasMore || current.loadingMore || current.status !== 'done') return;
        const seq = searchSeq;
        // The last failure's message goes while the page is asked for again (and a new failure is announced anew).
        moreFailedOnConnection = false;
        set((s) => ({ search: { ...s.search, loadingMore: true, moreError: null } }));
        try {
          const page = await api.search(current.resultsFor, {
            ...searchFilters(current),
            limit: SEARCH_LIMIT + 1,
            offset: current.results.length,
          });
          if (seq !== searchSeq) return;
          set((s) => {
            // The index may have changed between pages: never show one document twice.
            const shown = new Set(s.search.results.map(hitKey));
            const fresh = page.slice(0, SEARCH_LIMIT).filter((hit) => !shown.has(hitKey(hit)));
            return {
              search: {
                ...s.search,
                results: [...s.search.results, ...fresh],
                hasMore: page.length > SEARCH_LIMIT,
                loadingMore: false,
              },
            };
          });
        } catch (err) {
          if (seq !== searchSeq) return;
          moreFailedOnConnection = failedOnConnection(err);
          // The results shown stay, and so does the button (hasMore): pressing it again asks for the same page.
          set((s) => ({
            search: { ...s.search, loadingMore: false, moreError: failureMessage("Couldn't load more results", err) },
          }));
        }
      },

      async loadHistory(id, limit = HISTORY_LIMIT) {
        const seq = (historySeq[id] = (historySeq[id] ?? 0) + 1);
        const update = (patch: Partial<Loadable<RunRecord[]>>): void =>
          set((s) => {
            const prev: Loadable<RunRecord[]> = s.history[id] ?? { data: [], status: 'idle', error: null };
            return { history: { ...s.history, [id]: { ...prev, ...patch } } };
          });
        update({ status: 'loading', error: null });
        try {
          const runs = await api.history(id, limit);
          if (seq === historySeq[id]) update({ data: runs, status: 'done' });
        } catch (err) {
          if (seq === historySeq[id])
            update({ status: 'error', error: `Couldn't load the history: ${readableError(err)}` });
        }
      },

      async loadErrors(connectorId) {
        const seq = ++problemsSeq;
        set((s) => ({ problems: { ...s.problems, connectorId, status: 'loading', error: null } }));
        try {
          const items = await api.itemErrors(connectorId);
          if (seq === problemsSeq) set((s) => ({ problems: { ...s.problems, data: items, status: 'done' } }));
        } catch (err) {
          if (seq === problemsSeq) {
            set((s) => ({
              problems: { ...s.problems, status: 'error', error: `Couldn't load the problems: ${readableError(err)}` },
            }));
          }
        }
      },

      async retryItem(connectorId, path) {
        const r = await intent(pendingKeys.retry(connectorId, path), scopes.problems, `Couldn't retry ${path}`, () =>
          api.retryItem(connectorId, path),
        );
        if (!r.ok) return;
        if (!r.value.accepted) {
          setFeedback(scopes.problems, {
            tone: 'info',
            message: capitalise(r.value.reason ?? 'The sync was not started; the item is read at the next one.'),
          });
        }
        // It is no longer quarantined: the list says so before the sync has read it.
        await get().loadErrors(get().problems.connectorId);
      },

      async loadSettings() {
        set((s) => ({ settings: { ...s.settings, status: 'loading', error: null } }));
        try {
          const view = await api.getSettings();
          set({ settings: { data: view, status: 'done', error: null } });
        } catch (err) {
          set((s) => ({
            settings: { ...s.settings, status: 'error', error: `Couldn't load the settings: ${readableError(err)}` },
          }));
        }
      },

      async saveSettings(patch) {
        const r = await intent(pendingKeys.settings, scopes.settings, "Couldn't save the settings", () =>
          api.setSettings(patch),
        );
        if (r.ok) {
          set({ settings: { data: r.value, status: 'done', error: null } });
          // The form looks the same after a save: say that it worked.
          setFeedback(scopes.settings, { tone: 'info', message: 'Settings saved.' });
        }
        return r.ok;
      },

      async setStartAtLogin(on) {
        const r = await intent(
          pendingKeys.startAtLogin,
          scopes.settings,
          `Couldn't turn ${on ? 'on' : 'off'} start at login`,
          () => api.setStartAtLogin(on),
        );
        if (!r.ok) return;
        set({ settings: { data: r.value, status: 'done', error: null } });
        // The OS has the last word; say so when it did not keep what was asked.
        if (r.value.startAtLogin !== null && r.value.startAtLogin !== on) {
          setFeedback(scopes.settings, {
            tone: 'info',
            message: `The system kept start at login ${r.value.startAtLogin ? 'on' : 'off'}.`,
          });
        }
      },

      async openItem(target, label) {
        const key = `open:${target.connectorId}\n${target.kind === 'document' ? target.docId : target.path}`;
        await intent(key, scopes.open, `Couldn't open ${label}`, () => api.openItem(target));
      },

      async openLogs() {
        await intent('open-logs', scopes.settings, "Couldn't open the logs folder", () => api.openLogs());
      },

      setView(view) {
        set({ view });
      },

      setAddOpen(addOpen) {
        set({ addOpen });
        if (!addOpen) setFeedback(scopes.add, null);
      },

      showProblems(connectorId) {
        set((s) => ({ view: 'problems', problems: { ...s.problems, connectorId } }));
        void get().loadErrors(connectorId);
      },

      clearFeedback(scope) {
        setFeedback(scope, null);
      },
    };
  });
}
